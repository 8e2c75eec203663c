"""A learner's journey on defaults (no SMTP: emails land in the outbox).

The service runs as ``make run`` runs it. A partner sends one badge in « Organiser » to
Camille by signed webhook; Camille signs in with the link found in the outbox, sees the
badge and what is missing, claims a baked badge another partner gave her, obtains the
regional badge « Organiser — Je pratique » it completes, receives the award email,
downloads the badge as a baked PNG and verifies it — through the API and the command
line. The same pages then read in English.
"""

from __future__ import annotations

import html
import json
import re
import uuid
from email import message_from_bytes
from email.message import EmailMessage
from email.policy import default
from pathlib import Path
from typing import Any

import httpx

from acceptance.hub import HubOnDefaults, wait_for
from ingestion.factory import PartnerIssuer, baked_png
from regional.helpers import aligned, aligned_credential

EMAIL = "camille.martin@example.fr"
WAIT_S = 90
CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


def outbox(hub: HubOnDefaults) -> list[EmailMessage]:
    folder = hub.workdir / "var" / "outbox"
    messages = []
    for path in sorted(folder.glob("*.eml")) if folder.is_dir() else []:
        message = message_from_bytes(path.read_bytes(), policy=default)
        assert isinstance(message, EmailMessage)
        messages.append(message)
    return messages


def text_of(message: EmailMessage) -> str:
    part = message.get_body(preferencelist=("plain",))
    assert part is not None
    return str(part.get_content())


def token_of(page: httpx.Response) -> str:
    found = CSRF.search(page.text)
    assert found is not None, page.text
    return found.group(1)


def partner(hub: HubOnDefaults, issuer: PartnerIssuer) -> str:
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


def send_by_webhook(hub: HubOnDefaults, partner_id: str, credential: dict[str, Any]) -> None:
    secret = hub.http.post(f"/partners/{partner_id}/webhook-secrets", headers=hub.admin)
    assert secret.status_code == 201, secret.text
    hub.send_signed_webhook(
        f"/webhooks/partners/{partner_id}",
        secret.json()["secret"],
        [{"credential": credential, "recipient": {"email": EMAIL}}],
    )


def test_a_learner_signs_in_claims_and_carries_her_regional_badge(
    hub: HubOnDefaults, tmp_path: Path
) -> None:
    campus = PartnerIssuer.create("Campus Caen")
    greta = PartnerIssuer.create("Greta Rouen")
    campus_id = partner(hub, campus)
    partner(hub, greta)
    send_by_webhook(
        hub,
        campus_id,
        json.loads(campus.signed_json(aligned_credential(campus, "ORG", email=EMAIL))),
    )
    wait_for(
        "the webhook's badge to be kept",
        lambda: (
            hub.http.get("/learners", params={"email": EMAIL}, headers=hub.admin).status_code == 200
        ),
        timeout_s=WAIT_S,
    )

    with httpx.Client(base_url=hub.base, timeout=60, trust_env=False) as browser:
        # Sign in through the link found in the outbox.
        form = browser.get("/connexion")
        asked = browser.post("/connexion", data={"csrf_token": token_of(form), "email": EMAIL})
        assert asked.status_code == 200, asked.text
        sign_in = wait_for(
            "the sign-in email",
            lambda: [m for m in outbox(hub) if "/connexion/lien?jeton=" in text_of(m)],
            timeout_s=WAIT_S,
        )[-1]
        assert sign_in["To"] == EMAIL
        link = re.search(r"https?://\S+/connexion/lien\?jeton=\S+", text_of(sign_in))
        assert link is not None
        path = link.group(0).split(hub.base, 1)[1]
        confirm = browser.get(path)
        assert confirm.status_code == 200, confirm.text
        signed_in = browser.post(
            "/connexion/lien",
            data={"csrf_token": token_of(confirm), "jeton": path.split("jeton=", 1)[1]},
        )
        assert (signed_in.status_code, signed_in.headers["location"]) == (303, "/espace")

        # Mon espace: the partner badge, its status and what is missing, in words.
        space = html.unescape(browser.get("/espace").text)
        assert "Campus Caen" in space
        assert "Valide" in space
        assert "Encore 1 badge partenaire en « Organiser » pour « Je pratique »" in space

        # Claim a baked badge another partner gave her.
        image = baked_png(aligned(greta, "ORG", name="Atelier agenda").payload)
        claim_form = browser.get("/espace/solliciter")
        sent = browser.post(
            "/espace/solliciter",
            data={"csrf_token": token_of(claim_form)},
            files=[("files", ("atelier.png", image, "image/png"))],
        )
        assert sent.status_code == 303, sent.text
        claim_path = sent.headers["location"]
        wait_for(
            "the claim", lambda: browser.get(f"{claim_path}/etat").json()["done"], timeout_s=WAIT_S
        )
        result = html.unescape(browser.get(claim_path).text)
        assert "Pris en compte" in result
        assert "Organiser — Je pratique" in result

        # The award email, with the badge's public page.
        award = wait_for(
            "the award email",
            lambda: [m for m in outbox(hub) if "/badges/" in text_of(m)],
            timeout_s=WAIT_S,
        )[-1]
        badge_url = re.search(r"https?://\S+/badges/[0-9a-f-]{36}", text_of(award))
        assert badge_url is not None
        badge_id = badge_url.group(0).rsplit("/", 1)[1]
        space = browser.get("/espace").text
        assert f"/badges/{badge_id}.png" in space

        # Download the baked PNG and verify it: API and command line.
        png = browser.get(f"/badges/{badge_id}.png")
        assert png.status_code == 200
        assert png.headers["content-type"] == "image/png"
        report = hub.http.post(
            "/verify", content=png.content, headers={"content-type": "image/png"}
        )
        assert report.status_code == 200, report.text
        assert report.json()["verdict"] == "valid", report.json()
        (tmp_path / "badge.png").write_bytes(png.content)
        done = hub.obhub("verify", str(tmp_path / "badge.png"), "--json", "--service", hub.base)
        assert done.returncode == 0, done.stdout + done.stderr
        assert json.loads(done.stdout)["verdict"] == "valid"

        # The same pages in English.
        english = html.unescape(browser.get("/espace", params={"lang": "en"}).text)
        assert '<html lang="en"' in english
        assert "My space" in english
        assert "Organising — I practise" in english
        assert "1 more partner badge in “Organising” for “I master”" in english
