"""On defaults, the hub verifies its own badges.

The service is started exactly as ``make run`` starts it: ``obhub serve --migrate``
(migrate, then serve) in a fresh working directory, with no ``OBHUB_*`` setting at all
(no public base URL, no fetch allow-list), on a free port instead of 8000. Its issuers
are did:key and its status lists live on its own loopback ``http:`` address, which the
SSRF guard refuses to fetch: the hub reads its own documents from its database instead.
A credential it issues through the VC-API, and a regional badge its job mints from
independently signed partner badges, are judged ``valid`` by its own verifier —
``POST /verify``, the ``/verifier`` page, the badge page's "Vérifier maintenant" and
``obhub verify --service`` — then ``invalid`` once revoked.
"""

from __future__ import annotations

import json
import time
import uuid
from typing import Any

from acceptance.hub import HubOnDefaults
from ingestion.factory import PartnerIssuer
from obcore import contexts
from regional.helpers import aligned_credential

MINT_TIMEOUT_S = 90
EMAIL = "camille.martin@example.fr"
VALID_VERDICT = "Le badge est authentique et valide."


def _checks(report: dict[str, Any]) -> dict[str, tuple[str, str]]:
    return {check["id"]: (check["status"], check["code"]) for check in report["checks"]}


def _open_badge(issuer: str) -> dict[str, Any]:
    return {
        "@context": [contexts.VC_V2, contexts.OB_V3],
        "id": f"urn:uuid:{uuid.uuid4()}",
        "type": ["VerifiableCredential", "OpenBadgeCredential"],
        "issuer": issuer,
        "validFrom": "2026-01-01T00:00:00Z",
        "name": "Sauveteur secouriste du travail",
        "credentialSubject": {
            "type": ["AchievementSubject"],
            "id": "did:example:camille",
            "achievement": {
                "id": f"urn:uuid:{uuid.uuid4()}",
                "type": ["Achievement"],
                "name": "Sauveteur secouriste du travail",
                "description": "Intervenir face à une situation d'accident du travail.",
                "criteria": {"narrative": "Formation de 14 heures et évaluation réussie."},
            },
        },
    }


def _judged_valid_everywhere(hub: HubOnDefaults, credential: dict[str, Any], page_id: str) -> None:
    report = hub.verify_api(credential)
    assert report["verdict"] == "valid", report
    assert _checks(report)["status"][0] == "valid", report
    code, cli_report = hub.verify_cli(credential)
    assert (code, cli_report["verdict"]) == (0, "valid"), cli_report
    assert 'data-verdict="valid"' in hub.verifier_page(credential)
    page = hub.badge_page_button(page_id)
    assert "Ce badge est valide." in page  # the state the page shows …
    assert VALID_VERDICT in page  # … and what its own button concludes agree
    assert 'data-verdict="valid"' in page


def _judged_revoked_everywhere(
    hub: HubOnDefaults, credential: dict[str, Any], page_id: str, status_code: str = "revoked"
) -> None:
    report = hub.verify_api(credential)
    assert report["verdict"] == "invalid", report
    assert _checks(report)["status"] == ("invalid", status_code), report
    code, cli_report = hub.verify_cli(credential)
    assert (code, cli_report["verdict"]) == (1, "invalid"), cli_report
    assert _checks(cli_report)["status"] == ("invalid", status_code)
    assert 'data-verdict="invalid"' in hub.verifier_page(credential)
    page = hub.badge_page_button(page_id)
    assert "Ce badge a été révoqué." in page
    assert 'data-verdict="invalid"' in page


def test_a_credential_issued_through_the_vc_api_verifies_then_shows_revoked(
    hub: HubOnDefaults,
) -> None:
    region = hub.http.get("/issuers/region").json()["id"]
    assert region.startswith("did:key:")
    issued = hub.http.post(
        "/credentials/issue",
        json={"credential": _open_badge(region), "options": {}},
        headers=hub.admin,
    )
    assert issued.status_code == 201, issued.text
    credential = issued.json()["verifiableCredential"]
    status_url = _status_url(credential)
    assert status_url.startswith(f"{hub.base}/status/")
    credential_id = issued.headers["Location"].rsplit("/", 1)[1]

    _judged_valid_everywhere(hub, credential, credential_id)

    revoked = hub.http.post(
        f"/credentials/{credential_id}/revoke",
        json={"reason": "Délivré au mauvais stagiaire."},
        headers=hub.admin,
    )
    assert revoked.status_code == 200, revoked.text
    _judged_revoked_everywhere(hub, credential, credential_id)


def test_a_regional_badge_minted_by_the_job_verifies_then_shows_revoked(
    hub: HubOnDefaults,
) -> None:
    campus = PartnerIssuer.create(f"Campus {uuid.uuid4().hex[:6]}")
    partner = hub.http.post(
        "/partners",
        json={
            "slug": f"campus-{uuid.uuid4().hex[:6]}",
            "name": campus.name,
            "trusted_issuers": [{"identifier": campus.did}],
        },
        headers=hub.admin,
    )
    assert partner.status_code == 201, partner.text
    client = hub.http.post(f"/partners/{partner.json()['id']}/client", headers=hub.admin)
    assert client.status_code == 201, client.text
    deliverer = hub.token(client.json()["client_id"], client.json()["client_secret"])
    badges = [
        json.loads(campus.signed_json(aligned_credential(campus, "ORG", email=EMAIL)))
        for _ in range(2)
    ]
    delivered = hub.http.post(
        "/v1/badges",
        json={"badges": [{"credential": b, "recipient": {"email": EMAIL}} for b in badges]},
        headers={**deliverer, "Idempotency-Key": uuid.uuid4().hex},
    )
    assert delivered.status_code == 202, delivered.text

    minted = _wait_for_regional_credential(hub)
    credential = hub.http.get(f"/credentials/{minted}").json()
    achievement = credential["credentialSubject"]["achievement"]
    for url in (_status_url(credential), achievement["id"], achievement["image"]["id"]):
        assert url.startswith(f"{hub.base}/"), url
        assert hub.http.get(url).status_code == 200, url

    _judged_valid_everywhere(hub, credential, minted)

    revoked = hub.http.post(
        f"/credentials/{minted}/revoke",
        json={"reason": "Badges partenaires délivrés par erreur."},
        headers=hub.admin,
    )
    assert revoked.status_code == 200, revoked.text
    # A regional badge carries one status entry, of purpose suspension (the OB 3.0 schema
    # allows a single entry): its revocation sets that bit for good, and verifiers see it.
    _judged_revoked_everywhere(hub, credential, minted, status_code="suspended")


def _wait_for_regional_credential(hub: HubOnDefaults) -> str:
    """The id of the regional badge the job minted: the Region's credential whose evidence
    lists the partner badges it counted."""
    deadline = time.monotonic() + MINT_TIMEOUT_S
    while time.monotonic() < deadline:
        listed = hub.http.get("/issuers/region/credentials", headers=hub.admin)
        assert listed.status_code == 200, listed.text
        for item in listed.json()["items"]:
            if item["credential"].get("evidence") and item["status"] == "active":
                return str(item["id"])
        time.sleep(0.5)
    raise AssertionError("no regional badge was minted")


def _status_url(credential: dict[str, Any]) -> str:
    """The status list of ``credential``'s first status entry (one entry, or a list)."""
    entries = credential["credentialStatus"]
    first = entries[0] if isinstance(entries, list) else entries
    return str(first["statusListCredential"])
