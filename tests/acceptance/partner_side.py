"""What a partner structure does before an LMS connects: the Region recognises it (its
issuer trusted) and it delivers a learner's first badge by signed webhook — from then on
the hub knows the learner, who can sign in with the email link."""

from __future__ import annotations

import json
import uuid
from typing import Any, Final

from acceptance.hub import HubOnDefaults, wait_for
from ingestion.factory import PartnerIssuer
from regional.helpers import aligned_credential

WAIT_S: Final = 90


def recognise(hub: HubOnDefaults, issuer: PartnerIssuer) -> str:
    """The Region adds the partner and trusts its issuer (admin API); its id."""
    created = hub.http.post(
        "/partners",
        json={
            "slug": f"p-{uuid.uuid4().hex[:8]}",
            "name": issuer.name,
            "trusted_issuers": [{"identifier": issuer.did}],
        },
        headers=hub.admin,
    )
    assert created.status_code == 201, created.text
    return str(created.json()["id"])


def signed(issuer: PartnerIssuer, code: str, email: str) -> dict[str, Any]:
    """A badge of ``issuer`` for ``email`` aligned on ``code`` ("": none), signed."""
    found: dict[str, Any] = json.loads(
        issuer.signed_json(aligned_credential(issuer, code, email=email))
    )
    return found


def first_badge_by_webhook(
    hub: HubOnDefaults, partner_id: str, issuer: PartnerIssuer, email: str
) -> dict[str, Any]:
    """The partner delivers a badge to ``email`` by signed webhook; once it is kept, the
    hub knows the learner. The badge delivered."""
    secret = hub.http.post(f"/partners/{partner_id}/webhook-secrets", headers=hub.admin)
    assert secret.status_code == 201, secret.text
    badge = signed(issuer, "", email)
    hub.send_signed_webhook(
        f"/webhooks/partners/{partner_id}",
        secret.json()["secret"],
        [{"credential": badge, "recipient": {"email": email}}],
    )
    wait_for(
        "the webhook's badge to be kept",
        lambda: (
            hub.http.get("/learners", params={"email": email}, headers=hub.admin).status_code == 200
        ),
        timeout_s=WAIT_S,
    )
    return badge
