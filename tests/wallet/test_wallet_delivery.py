"""A learner puts a regional badge in a wallet (OpenID4VCI 1.0, pre-authorised code):
from Mon espace or the badge's page, the offer page shows a QR code, a deep link and a
PIN; an independent wallet (``oid4vci_wallet``) follows the deep link and receives the
badge bound to its own DID, which the hub's verifier accepts; the learner's original is
unchanged and the delivery shows in Mon espace."""

from __future__ import annotations

import html
import logging
from urllib.parse import unquote

import pytest
from sqlalchemy import func, select

from espace.helpers import Space, csrf_token
from issuer_api.models import WalletAccessToken, WalletDelivery, WalletOffer
from wallet.helpers import Holder, offer, open_offer
from wallet.oid4vci_wallet import PRE_AUTHORIZED_GRANT, Wallet


async def test_an_independent_wallet_receives_the_badge_bound_to_its_did(
    space: Space, holder: Holder
) -> None:
    page = await offer(space, holder)
    wallet = Wallet(space.http)

    done = await wallet.receive(page.deep_link, page.pin)

    credential = done.credential
    assert credential["credentialSubject"]["id"] == wallet.did
    assert credential["id"] != holder.document["id"]
    assert credential["id"].startswith("urn:uuid:")
    for kept in ("issuer", "validFrom", "awardedDate", "evidence", "credentialStatus", "name"):
        assert credential[kept] == holder.document[kept], kept
    original_subject = holder.document["credentialSubject"]
    assert credential["credentialSubject"]["achievement"] == original_subject["achievement"]
    assert credential["credentialSubject"]["identifier"] == original_subject["identifier"]
    assert credential["proof"]["cryptosuite"] == "eddsa-rdfc-2022"
    report = await space.verify(credential)
    assert report.verified, report.to_dict("en")
    original = await space.credential(holder.credential_id)
    assert original.document == holder.document
    assert "id" not in original.document["credentialSubject"]


async def test_the_offer_page_shows_the_qr_code_the_deep_link_and_the_pin(
    space: Space, holder: Holder
) -> None:
    async with space.browser(holder.learner_id) as browser:
        french = await open_offer(browser, holder.credential_id, "fr")
        english = await open_offer(browser, holder.credential_id, "en")

    assert french.response.headers["cache-control"] == "no-store"
    assert "Ajouter « Organiser — Je pratique » à mon portefeuille" in french.text
    assert 'src="data:image/svg+xml' in french.text
    assert "Ouvrir dans mon portefeuille" in french.text
    assert len(french.pin) == 6
    assert french.pin.isdigit()
    assert french.deep_link.startswith("openid-credential-offer://?credential_offer_uri=")
    offer_uri = unquote(french.deep_link.split("credential_offer_uri=", 1)[1])
    assert offer_uri.startswith("http://localhost/oid4vci/offer?ref=")
    reference = offer_uri.split("ref=", 1)[1]
    assert len(reference) >= 43  # 32 random bytes
    assert "Open in my wallet" in english.text
    assert english.deep_link != french.deep_link  # a new offer each time
    async with space.sessions() as session:
        offers = list(await session.scalars(select(WalletOffer)))
    assert len(offers) == 2
    for stored in offers:  # nothing secret in clear
        assert french.pin not in (stored.tx_code_hash, stored.code_hash)
        assert reference not in stored.reference_hash


async def test_the_offer_by_reference_names_the_grant_and_asks_for_the_pin(
    space: Space, holder: Holder, caplog: pytest.LogCaptureFixture
) -> None:
    page = await offer(space, holder)

    with caplog.at_level(logging.INFO):
        found = await space.http.get(Wallet.offer_uri(page.deep_link))

    assert found.status_code == 200
    assert found.headers["cache-control"] == "no-store"
    document = found.json()
    assert document["credential_issuer"] == "http://localhost"
    assert document["credential_configuration_ids"] == ["RegionalBadge_ldp_vc"]
    grant = document["grants"][PRE_AUTHORIZED_GRANT]
    assert grant["tx_code"]["input_mode"] == "numeric"
    assert grant["tx_code"]["length"] == 6
    assert len(grant["pre-authorized_code"]) >= 43
    reference = Wallet.offer_uri(page.deep_link).split("ref=", 1)[1]
    logged = [vars(record) for record in caplog.records]
    assert any(entry.get("path") == "/oid4vci/offer" for entry in logged)
    assert reference not in str(logged)


async def test_metadata_describe_the_regional_badge_and_the_grant(space: Space) -> None:
    issuer = (await space.http.get("/.well-known/openid-credential-issuer")).json()
    server = (await space.http.get("/.well-known/oauth-authorization-server/oid4vci")).json()

    assert issuer["credential_issuer"] == "http://localhost"
    assert issuer["credential_endpoint"] == "http://localhost/oid4vci/credential"
    assert issuer["nonce_endpoint"] == "http://localhost/oid4vci/nonce"
    assert {entry["locale"] for entry in issuer["display"]} == {"fr", "en"}
    configuration = issuer["credential_configurations_supported"]["RegionalBadge_ldp_vc"]
    assert configuration["format"] == "ldp_vc"
    assert configuration["credential_definition"]["type"] == [
        "VerifiableCredential",
        "OpenBadgeCredential",
    ]
    assert configuration["credential_definition"]["@context"][0] == (
        "https://www.w3.org/ns/credentials/v2"
    )
    assert configuration["cryptographic_binding_methods_supported"] == ["did:key", "did:jwk"]
    assert configuration["proof_types_supported"]["jwt"]["proof_signing_alg_values_supported"] == [
        "EdDSA",
        "ES256",
    ]
    assert issuer["authorization_servers"] == [server["issuer"]]
    assert server["token_endpoint"] == "http://localhost/oid4vci/token"
    assert PRE_AUTHORIZED_GRANT in server["grant_types_supported"]
    assert server["pre-authorized_grant_anonymous_access_supported"] is True


async def test_the_delivery_is_recorded_and_shown_in_mon_espace(
    space: Space, holder: Holder
) -> None:
    page = await offer(space, holder)
    wallet = Wallet(space.http)
    await wallet.receive(page.deep_link, page.pin)

    async with space.sessions() as session:
        (delivery,) = list(await session.scalars(select(WalletDelivery)))
    async with space.browser(holder.learner_id) as browser:
        mine = html.unescape((await browser.get("/espace")).text)

    assert delivery.credential_id == holder.credential_id
    assert delivery.learner_id == holder.learner_id
    assert delivery.holder_did == wallet.did
    assert "Ajouté à un portefeuille le" in mine
    assert f'action="/espace/portefeuille/{holder.credential_id}"' in mine


async def test_the_badge_page_offers_the_wallet_to_its_holder_only(
    space: Space, holder: Holder
) -> None:
    path = f"/badges/{holder.credential_id}"
    async with space.browser(holder.learner_id) as browser:
        own = await browser.get(path)
    async with space.browser() as browser:
        anonymous = await browser.get(path)

    assert f'action="/espace/portefeuille/{holder.credential_id}"' in own.text
    assert "Ajouter à mon portefeuille" in html.unescape(own.text)
    assert "/espace/portefeuille/" not in anonymous.text


async def test_the_explaining_page_leads_to_the_offer(space: Space, holder: Holder) -> None:
    async with space.browser(holder.learner_id) as browser:
        page = await browser.get(f"/espace/portefeuille/{holder.credential_id}?lang=en")

    assert page.status_code == 200
    assert "Show the QR code and the code" in page.text
    assert "wallet-offer__pin" not in page.text


async def test_deliveries_are_in_the_learners_export_and_go_with_erasure(
    space: Space, holder: Holder
) -> None:
    page = await offer(space, holder)
    wallet = Wallet(space.http)
    received = (await wallet.receive(page.deep_link, page.pin)).credential
    await offer(space, holder)  # an offer left unused

    async with space.browser(holder.learner_id) as browser:
        export = (await browser.get("/espace/donnees/export")).json()
        form = await browser.get("/espace/donnees/effacer")
        erased = await browser.post(
            "/espace/donnees/effacer", data={"csrf_token": csrf_token(form), "confirm": "yes"}
        )

    (delivered,) = export["wallet_deliveries"]
    assert delivered["holder_did"] == wallet.did
    assert delivered["credential_id"] == holder.credential_id
    assert delivered["delivered_credential_id"] == received["id"]
    assert erased.status_code == 200
    async with space.sessions() as session:
        for model in (WalletDelivery, WalletOffer, WalletAccessToken):
            left = await session.scalar(select(func.count()).select_from(model))
            assert left == 0, model.__name__
