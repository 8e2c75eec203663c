"""The credential obhub builds always passes the OB 3.0 schema (a failure would be our bug).

A property test over what a client controls (names, descriptions, evidence, validity
window, recipient) and what an achievement holds; no database, no signature: the schema
check runs on the unsigned credential exactly as issuance does before signing.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from issuer_api.achievements.schemas import AchievementContent
from issuer_api.achievements.service import build_document
from issuer_api.credentials import service
from issuer_api.credentials.schemas import IssueCredentialRequest
from issuer_api.statuslists.service import Slot
from obcore.schema import validate_credential

PROFILE = {"id": "did:web:badges.example.fr", "type": ["Profile"], "name": "Région Normandie"}
SLOT = Slot("l", "https://badges.example.fr/status/l", "revocation", 4242)

text = st.text(st.characters(blacklist_categories=("Cs",)), min_size=1, max_size=60)
urls = st.sampled_from(
    ["https://portfolio.example.fr/42", "urn:uuid:7d1c0f4e-9a3b-4f7e-8c21-3e5d6b7a8c90"]
)
evidence = st.fixed_dictionaries(
    {},
    optional={
        "id": urls,
        "name": text,
        "description": text,
        "narrative": text,
        "genre": text,
        "audience": text,
    },
)
recipients = st.one_of(
    st.builds(
        lambda local: {"email": f"{local}@example.fr"},
        st.from_regex(r"[a-z0-9._-]{1,20}", fullmatch=True),
    ),
    st.just({"did": "did:key:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK"}),
)
achievements = st.fixed_dictionaries(
    {"name": text, "description": text, "criteria": st.fixed_dictionaries({"narrative": text})},
    optional={
        "achievementType": st.sampled_from(["Badge", "Certificate", "Competency", "ext:Regional"]),
        "inLanguage": st.sampled_from(["fr", "en"]),
        "tags": st.lists(text, max_size=3),
    },
)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    achievement=achievements,
    recipient=recipients,
    items=st.lists(evidence, max_size=3),
    name=st.none() | text,
    description=st.none() | text,
    start=st.none() | st.integers(-3650, 3650),
    length=st.none() | st.integers(1, 3650 * 24),
    fmt=st.sampled_from(["di", "jwt"]),
)
def test_every_credential_built_passes_the_ob_schema(
    *,
    achievement: dict[str, Any],
    recipient: dict[str, str],
    items: list[dict[str, str]],
    name: str | None,
    description: str | None,
    start: int | None,
    length: int | None,
    fmt: str,
) -> None:
    try:
        content = AchievementContent.model_validate(achievement)
    except ValidationError:
        assume(False)
        return
    document = build_document("https://badges.example.fr/achievements/a1", content, 1)
    now = datetime(2026, 11, 22, 9, 0, tzinfo=UTC)
    body: dict[str, Any] = {
        "achievement_id": "a1",
        "recipient": recipient,
        "evidence": items,
        "format": fmt,
    }
    if name is not None:
        body["name"] = name
    if description is not None:
        body["description"] = description
    valid_from = now + timedelta(days=start) if start is not None else None
    if valid_from is not None:
        body["validFrom"] = valid_from.isoformat()
        if length is not None:
            body["validUntil"] = (valid_from + timedelta(hours=length)).isoformat()
    try:
        request = IssueCredentialRequest.model_validate(body)
    except ValidationError:
        assume(False)
        return
    window = service.validity_window(request, now)
    credential = service.build_open_badge(
        credential_id="7d1c0f4e-9a3b-4f7e-8c21-3e5d6b7a8c90",
        issuer_profile=PROFILE,
        achievement=document,
        request=request,
        recipient=service.recipient_for(request),
        valid_from=window[0],
        valid_until=window[1],
        status_entries=[SLOT.entry()],
    )
    result = validate_credential(credential)
    assert result.valid, result.issues
    service.ensure_schema_valid(credential)


def test_a_schema_failure_is_never_signed() -> None:
    broken = {"@context": [], "type": ["VerifiableCredential", "OpenBadgeCredential"]}
    with pytest.raises(service.CredentialSchemaBugError) as raised:
        service.ensure_schema_valid(broken)
    assert raised.value.status_code == 500
