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
import os
import subprocess
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

from ingestion.factory import PartnerIssuer
from obcore import contexts
from regional.helpers import aligned_credential
from servers import obhub_command, obhub_serve

START_TIMEOUT_S = 60
MINT_TIMEOUT_S = 90
EMAIL = "camille.martin@example.fr"
VALID_VERDICT = "Le badge est authentique et valide."


@dataclass
class HubOnDefaults:
    """The running service, its working directory, and an admin token."""

    base: str
    workdir: Path
    env: dict[str, str]
    http: httpx.Client
    admin: dict[str, str]

    def obhub(self, *args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
        return subprocess.run(  # noqa: S603 - our own entry point, fixed arguments
            [*obhub_command(), *args],
            env=self.env,
            cwd=self.workdir,
            input=stdin,
            capture_output=True,
            text=True,
            timeout=START_TIMEOUT_S * 2,
            check=False,
        )

    def token(self, client_id: str, secret: str) -> dict[str, str]:
        answer = self.http.post(
            "/oauth/token", data={"grant_type": "client_credentials"}, auth=(client_id, secret)
        )
        assert answer.status_code == 200, answer.text
        return {"Authorization": f"Bearer {answer.json()['access_token']}"}

    def verify_api(self, credential: dict[str, Any]) -> dict[str, Any]:
        answer = self.http.post("/verify", json=credential)
        assert answer.status_code == 200, answer.text
        report: dict[str, Any] = answer.json()
        return report

    def verify_cli(self, credential: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        done = self.obhub(
            "verify", "-", "--json", "--service", self.base, stdin=json.dumps(credential)
        )
        assert done.returncode in (0, 1, 2), done.stderr
        report: dict[str, Any] = json.loads(done.stdout)
        return done.returncode, report

    def verifier_page(self, credential: dict[str, Any]) -> str:
        answer = self.http.post(
            "/verifier",
            files={"file": ("badge.json", json.dumps(credential), "application/json")},
            headers={"Accept-Language": "fr"},
        )
        assert answer.status_code == 200, answer.text
        return answer.text

    def badge_page_button(self, credential_id: str) -> str:
        answer = self.http.post(f"/badges/{credential_id}", params={"lang": "fr"})
        assert answer.status_code == 200, answer.text
        return answer.text


def _checks(report: dict[str, Any]) -> dict[str, tuple[str, str]]:
    return {check["id"]: (check["status"], check["code"]) for check in report["checks"]}


@pytest.fixture(scope="module")
def hub(tmp_path_factory: pytest.TempPathFactory) -> Iterator[HubOnDefaults]:
    """``make run`` in a fresh directory: ``obhub serve --migrate`` (on a free port)."""
    workdir = tmp_path_factory.mktemp("make-run")
    env = {k: v for k, v in os.environ.items() if not k.startswith("OBHUB_")}
    with (
        obhub_serve("--migrate", log_path=workdir / "serve.log", env=env, cwd=workdir) as server,
        httpx.Client(base_url=server.base_url, timeout=60, trust_env=False) as http,
    ):
        ready = server.wait_until_answering(
            "/readyz", START_TIMEOUT_S, accept=lambda answer: answer.status_code == 200
        )
        assert ready is not None, server.log()
        probe = HubOnDefaults(server.base_url, workdir, env, http, {})
        created = probe.obhub("clients", "create", "--name", "admin", "--scope", "admin")
        assert created.returncode == 0, created.stderr
        lines = dict(line.split(":", 1) for line in created.stdout.splitlines())
        admin = probe.token(lines["client_id"].strip(), lines["client_secret"].strip())
        yield HubOnDefaults(server.base_url, workdir, env, http, admin)


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
