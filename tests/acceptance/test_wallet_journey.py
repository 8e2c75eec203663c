"""A learner puts her regional badge in a wallet, on the service as ``make run`` runs it.

A partner sends Camille two badges in « Organiser » by signed webhook; the regional badge
« Organiser — Je pratique » is minted; Camille signs in with the link found in the
outbox and, on her badge's public page, asks to add it to her wallet. The independent
wallet of ``tests/wallet`` takes the deep link and the PIN from the page and receives the
badge over real HTTP, bound to its did:key; the hub's ``POST /verify`` and the Digital
Bazaar harness both accept it.
"""

from __future__ import annotations

import asyncio
import html
import json
import re
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx

from acceptance.hub import HubOnDefaults, wait_for
from acceptance.test_learner_journey import outbox, partner, send_by_webhook, text_of, token_of
from ingestion.factory import PartnerIssuer
from interop.conftest import Xverify
from regional.helpers import aligned_credential
from wallet.oid4vci_wallet import Wallet

EMAIL = "camille.martin@example.fr"
WAIT_S = 90
DEEP_LINK = re.compile(r'href="(openid-credential-offer://[^"]+)"')
PIN = re.compile(r'class="wallet-offer__pin"[^>]*>(.*?)</p>', re.S)
WALLET_FORM = re.compile(r'action="/espace/portefeuille/([0-9a-f-]{36})"')


def sign_in(hub: HubOnDefaults, browser: httpx.Client) -> None:
    form = browser.get("/connexion")
    asked = browser.post("/connexion", data={"csrf_token": token_of(form), "email": EMAIL})
    assert asked.status_code == 200, asked.text
    sign_in = wait_for(
        "the sign-in email",
        lambda: [m for m in outbox(hub) if "/connexion/lien?jeton=" in text_of(m)],
        timeout_s=WAIT_S,
    )[-1]
    link = re.search(r"https?://\S+/connexion/lien\?jeton=\S+", text_of(sign_in))
    assert link is not None
    path = link.group(0).split(hub.base, 1)[1]
    confirm = browser.get(path)
    signed_in = browser.post(
        "/connexion/lien",
        data={"csrf_token": token_of(confirm), "jeton": path.split("jeton=", 1)[1]},
    )
    assert signed_in.status_code == 303, signed_in.text


async def wallet_receives(base: str, deep_link: str, pin: str) -> tuple[str, dict[str, Any]]:
    async with httpx.AsyncClient(timeout=60, trust_env=False) as http:
        wallet = Wallet(http)
        done = await wallet.receive(deep_link, pin)
        assert done.offer["credential_issuer"] == base
        return wallet.did, done.credential


def test_a_learner_puts_her_regional_badge_in_a_wallet_over_http(
    hub: HubOnDefaults, xverify: Xverify, tmp_path: Path
) -> None:
    campus = PartnerIssuer.create("Campus Caen")
    campus_id = partner(hub, campus)
    for name in ("Atelier planning", "Atelier agenda"):
        credential = aligned_credential(campus, "ORG", email=EMAIL, name=name)
        send_by_webhook(hub, campus_id, json.loads(campus.signed_json(credential)))
    with httpx.Client(base_url=hub.base, timeout=60, trust_env=False) as browser:
        sign_in(hub, browser)
        found = wait_for(
            "the regional badge in Mon espace",
            lambda: WALLET_FORM.search(browser.get("/espace").text),
            timeout_s=WAIT_S,
        )
        badge_id = found.group(1)
        badge_page = browser.get(f"/badges/{badge_id}")
        assert f'action="/espace/portefeuille/{badge_id}"' in badge_page.text
        offer = browser.post(
            f"/espace/portefeuille/{badge_id}", data={"csrf_token": token_of(badge_page)}
        )
        assert offer.status_code == 200, offer.text
        assert "Ajouter « Organiser — Je pratique » à mon portefeuille" in html.unescape(offer.text)
        link = DEEP_LINK.search(offer.text)
        pin = PIN.search(offer.text)
        assert link is not None
        assert pin is not None

        did, received = asyncio.run(
            wallet_receives(
                hub.base,
                html.unescape(link.group(1)),
                "".join(re.findall(r"<span>(\d)</span>", pin.group(1))),
            )
        )
        mine = html.unescape(browser.get("/espace").text)

    assert received["credentialSubject"]["id"] == did
    assert "Ajouté à un portefeuille le" in mine
    report = hub.verify_api(received)
    assert report["verdict"] == "valid", report
    url = received["credentialStatus"]["statusListCredential"]
    (tmp_path / "list.json").write_text(hub.http.get(url).text, encoding="utf-8")
    (tmp_path / "credential.json").write_text(json.dumps(received), encoding="utf-8")
    run = xverify.run(
        "verify.mjs",
        str(tmp_path / "credential.json"),
        "--json",
        "--now",
        datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "--status-list",
        f"{url}={tmp_path / 'list.json'}",
    )
    assert json.loads(run.stdout)["status"] == "VALID", run.describe()
