"""Every refusal of the wallet flow, each with its OAuth / OID4VCI error code, and nothing
issued when a step is refused: the offer of someone else's badge, a form without its
token, a reused or expired pre-authorised code, a missing or wrong PIN (and the attempt
limit), a bad nonce, a proof signed by another key, for another audience, with an
algorithm not allowed, stale, or of the wrong type; a used access token; a revoked badge."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from typing import Any

import anyio
import httpx
import pytest
from jwcrypto import jwk
from sqlalchemy import func, select, update

from espace.helpers import Space, csrf_token
from ingestion.factory import PartnerIssuer
from issuer_api.credentials import repository as credential_repository
from issuer_api.credentials import service as credentials
from issuer_api.models import Learner, WalletDelivery, WalletOffer
from issuer_api.wallet import codes
from regional.helpers import aligned
from wallet.helpers import Holder, offer
from wallet.oid4vci_wallet import PRE_AUTHORIZED_GRANT, Issuance, Wallet, WalletError

TOKEN_URL = "http://localhost/oid4vci/token"
CREDENTIAL_URL = "http://localhost/oid4vci/credential"
ISSUER = "http://localhost"


async def deliveries(space: Space) -> int:
    async with space.sessions() as session:
        return int(await session.scalar(select(func.count()).select_from(WalletDelivery)) or 0)


async def prepared(space: Space, holder: Holder) -> tuple[Wallet, Issuance]:
    """A wallet that has the token and a nonce, ready to ask for the credential."""
    page = await offer(space, holder)
    wallet = Wallet(space.http)
    return wallet, await wallet.prepare(page.deep_link, page.pin)


async def refused_credential(
    wallet: Wallet, done: Issuance, proof: str, body: dict[str, Any] | None = None
) -> WalletError:
    with pytest.raises(WalletError) as refused:
        await wallet.request_credential(
            CREDENTIAL_URL, done.token["access_token"], body or wallet.request_body(done, proof)
        )
    return refused.value


async def code_of(space: Space, holder: Holder) -> tuple[str, str]:
    page = await offer(space, holder)
    document = (await space.http.get(Wallet.offer_uri(page.deep_link))).json()
    return document["grants"][PRE_AUTHORIZED_GRANT]["pre-authorized_code"], page.pin


# --------------------------------------------------------------------------- the offer


async def test_no_one_can_offer_a_badge_that_is_not_theirs(
    space: Space, holder: Holder, campus: PartnerIssuer
) -> None:
    await space.deliver_and_process(
        holder.partner_id, aligned(campus, "COM", email="autre.personne@example.fr")
    )
    async with space.sessions() as session:
        other = await session.scalar(select(Learner.id).where(Learner.id != holder.learner_id))
    assert other is not None

    async with space.browser(other) as browser:
        form = await browser.get("/espace")
        page = await browser.post(
            f"/espace/portefeuille/{holder.credential_id}", data={"csrf_token": csrf_token(form)}
        )
        explained = await browser.get(f"/espace/portefeuille/{holder.credential_id}")

    assert page.status_code == 404
    assert "openid-credential-offer" not in page.text
    assert explained.status_code == 404
    async with space.sessions() as session:
        assert await session.scalar(select(func.count()).select_from(WalletOffer)) == 0


async def test_an_offer_needs_the_form_token_and_a_signed_in_learner(
    space: Space, holder: Holder
) -> None:
    path = f"/espace/portefeuille/{holder.credential_id}"
    async with space.browser(holder.learner_id) as browser:
        forged = await browser.post(path, data={"csrf_token": "forged"})
    async with space.browser() as browser:
        signed_out = await browser.post(path, data={})

    assert forged.status_code == 403
    assert signed_out.status_code == 303
    assert signed_out.headers["location"].startswith("/connexion?next=")


async def test_a_revoked_badge_is_no_longer_offered(space: Space, holder: Holder) -> None:
    code, pin = await code_of(space, holder)
    async with space.sessions() as session:
        issued = await credential_repository.get(session, holder.credential_id)
        assert issued is not None
        await credentials.change_status(session, issued, "revoke", actor="test", reason=None)
        await session.commit()

    async with space.browser(holder.learner_id) as browser:
        form = await browser.get("/espace")
        page = await browser.post(
            f"/espace/portefeuille/{holder.credential_id}", data={"csrf_token": csrf_token(form)}
        )
        badge = await browser.get(f"/badges/{holder.credential_id}")
    wallet = Wallet(space.http)
    token = await wallet.exchange(TOKEN_URL, code, pin)  # made before: the code still works
    nonce = await wallet.fetch_nonce("http://localhost/oid4vci/nonce")
    proof = wallet.proof(audience=ISSUER, nonce=nonce)
    with pytest.raises(WalletError) as refused:
        await wallet.request_credential(
            CREDENTIAL_URL,
            token["access_token"],
            {"credential_configuration_id": "RegionalBadge_ldp_vc", "proofs": {"jwt": [proof]}},
        )

    assert page.status_code == 404
    assert "/espace/portefeuille/" not in badge.text
    assert refused.value.error == "credential_request_denied"
    assert await deliveries(space) == 0


# --------------------------------------------------------------------------- the token


async def test_a_code_works_once_and_its_reuse_revokes_the_token_it_gave(
    space: Space, holder: Holder
) -> None:
    code, pin = await code_of(space, holder)
    wallet = Wallet(space.http)
    first = await wallet.exchange(TOKEN_URL, code, pin)

    with pytest.raises(WalletError) as again:
        await wallet.exchange(TOKEN_URL, code, pin)
    nonce = await wallet.fetch_nonce("http://localhost/oid4vci/nonce")
    with pytest.raises(WalletError) as revoked:
        await wallet.request_credential(
            CREDENTIAL_URL,
            first["access_token"],
            {
                "credential_configuration_id": "RegionalBadge_ldp_vc",
                "proofs": {"jwt": [wallet.proof(audience=ISSUER, nonce=nonce)]},
            },
        )

    assert (again.value.status_code, again.value.error) == (400, "invalid_grant")
    assert revoked.value.status_code == 401
    assert revoked.value.response.headers["www-authenticate"] == 'Bearer error="invalid_token"'
    assert await deliveries(space) == 0


async def test_an_expired_code_is_refused_and_its_offer_no_longer_served(
    space: Space, holder: Holder
) -> None:
    page = await offer(space, holder)
    document = (await space.http.get(Wallet.offer_uri(page.deep_link))).json()
    async with space.sessions() as session:
        await session.execute(
            update(WalletOffer).values(expires_at=datetime.now(UTC) - timedelta(seconds=1))
        )
        await session.commit()
    wallet = Wallet(space.http)

    with pytest.raises(WalletError) as expired:
        await wallet.exchange(
            TOKEN_URL, document["grants"][PRE_AUTHORIZED_GRANT]["pre-authorized_code"], page.pin
        )
    with pytest.raises(WalletError) as gone:
        await wallet.fetch_offer(page.deep_link)

    assert expired.value.error == "invalid_grant"
    assert gone.value.status_code == 404


async def test_a_wrong_pin_is_refused_and_five_burn_the_offer(space: Space, holder: Holder) -> None:
    code, pin = await code_of(space, holder)
    wrong = f"{(int(pin) + 1) % 1_000_000:06d}"
    wallet = Wallet(space.http)

    with pytest.raises(WalletError) as missing:
        await wallet.exchange(TOKEN_URL, code, None)
    errors = []
    for _ in range(5):
        with pytest.raises(WalletError) as refused:
            await wallet.exchange(TOKEN_URL, code, wrong)
        errors.append(refused.value.error)
    with pytest.raises(WalletError) as burnt:
        await wallet.exchange(TOKEN_URL, code, pin)  # the right PIN, too late

    assert missing.value.error == "invalid_request"
    assert errors == ["invalid_grant"] * 5
    assert burnt.value.error == "invalid_grant"
    assert "too many" in burnt.value.response.json()["error_description"]


async def test_the_token_endpoint_refuses_other_grants_and_unknown_codes(space: Space) -> None:
    other = await space.http.post(TOKEN_URL, data={"grant_type": "client_credentials"})
    unknown = await space.http.post(
        TOKEN_URL,
        data={"grant_type": PRE_AUTHORIZED_GRANT, "pre-authorized_code": "x" * 43, "tx_code": "1"},
    )

    assert (other.status_code, other.json()["error"]) == (400, "unsupported_grant_type")
    assert (unknown.status_code, unknown.json()["error"]) == (400, "invalid_grant")
    assert unknown.headers["cache-control"] == "no-store"


# --------------------------------------------------------------------------- the proof


async def test_a_nonce_the_issuer_did_not_give_or_already_used_is_refused(
    space: Space, holder: Holder
) -> None:
    wallet, done = await prepared(space, holder)

    invented = await refused_credential(wallet, done, wallet.proof(audience=ISSUER, nonce="x" * 43))
    missing = await refused_credential(wallet, done, wallet.proof(audience=ISSUER, nonce=None))
    received = await wallet.request_credential(
        CREDENTIAL_URL,
        done.token["access_token"],
        wallet.request_body(done, wallet.proof(audience=ISSUER, nonce=done.nonce)),
    )

    assert invented.error == "invalid_nonce"
    assert missing.error == "invalid_proof"
    assert received["credentials"][0]["credential"]["credentialSubject"]["id"] == wallet.did
    # The token served its one credential; a second request with the same nonce fails.
    _, again = await prepared(space, holder)
    reused = await refused_credential(
        wallet, again, wallet.proof(audience=ISSUER, nonce=done.nonce)
    )
    assert reused.error == "invalid_nonce"
    assert await deliveries(space) == 1


def tampered(nonce: str) -> str:
    """``nonce`` with one byte of its random part changed."""
    return nonce[:2] + ("B" if nonce[2] == "A" else "A") + nonce[3:]


async def test_an_expired_or_forged_nonce_is_refused(space: Space, holder: Holder) -> None:
    wallet, done = await prepared(space, holder)
    stale = codes.new_nonce(space.kek, int(time.time()) - 301)
    forged = codes.new_nonce(b"another key-encryption key", int(time.time()))

    refusals = [
        await refused_credential(wallet, done, wallet.proof(audience=ISSUER, nonce=nonce))
        for nonce in (stale, forged, tampered(done.nonce))
    ]

    assert [refused.error for refused in refusals] == ["invalid_nonce"] * 3
    assert await deliveries(space) == 0


async def test_the_access_token_gives_one_credential(space: Space, holder: Holder) -> None:
    wallet, done = await prepared(space, holder)
    await wallet.request_credential(
        CREDENTIAL_URL,
        done.token["access_token"],
        wallet.request_body(done, wallet.proof(audience=ISSUER, nonce=done.nonce)),
    )
    nonce = await wallet.fetch_nonce("http://localhost/oid4vci/nonce")

    used = await refused_credential(wallet, done, wallet.proof(audience=ISSUER, nonce=nonce))

    assert (used.status_code, used.error) == (401, "invalid_token")
    assert await deliveries(space) == 1


async def test_two_concurrent_requests_with_one_token_get_one_credential(
    space: Space, holder: Holder
) -> None:
    wallet, done = await prepared(space, holder)
    nonces = [done.nonce, await wallet.fetch_nonce("http://localhost/oid4vci/nonce")]
    answers: list[httpx.Response] = []

    async def ask(nonce: str) -> None:
        body = wallet.request_body(done, wallet.proof(audience=ISSUER, nonce=nonce))
        answers.append(
            await space.http.post(
                CREDENTIAL_URL,
                json=body,
                headers={"Authorization": f"Bearer {done.token['access_token']}"},
            )
        )

    async with anyio.create_task_group() as group:
        for nonce in nonces:
            group.start_soon(ask, nonce)

    assert sorted(answer.status_code for answer in answers) == [200, 401]
    assert await deliveries(space) == 1


async def test_a_refused_credential_request_does_not_use_up_the_token(
    space: Space, holder: Holder
) -> None:
    wallet, done = await prepared(space, holder)
    invented = await refused_credential(wallet, done, wallet.proof(audience=ISSUER, nonce="x" * 43))
    assert invented.error == "invalid_nonce"

    received = await wallet.request_credential(
        CREDENTIAL_URL,
        done.token["access_token"],
        wallet.request_body(done, wallet.proof(audience=ISSUER, nonce=done.nonce)),
    )

    assert received["credentials"][0]["credential"]["credentialSubject"]["id"] == wallet.did
    assert await deliveries(space) == 1


async def test_a_proof_signed_by_another_key_than_the_one_it_names_is_refused(
    space: Space, holder: Holder
) -> None:
    wallet, done = await prepared(space, holder)
    thief = jwk.JWK.generate(kty="OKP", crv="Ed25519")

    refused = await refused_credential(
        wallet, done, wallet.proof(audience=ISSUER, nonce=done.nonce, signer=thief)
    )

    assert refused.error == "invalid_proof"
    assert "signature" in refused.response.json()["error_description"]
    assert await deliveries(space) == 0


@pytest.mark.parametrize(
    ("change", "words"),
    [
        ({"audience": "https://another-issuer.example"}, "aud"),
        ({"issued_at": int(time.time()) - 3600}, "iat"),
        ({"issued_at": int(time.time()) + 3600}, "iat"),
        ({"header": {"typ": "JWT"}}, "typ"),
        ({"header": {"kid": "did:web:wallet.example#key-1"}}, "kid"),
        ({"header": {"kid": None}}, "exactly one"),
    ],
    ids=["wrong-aud", "stale", "future", "wrong-typ", "did-web-kid", "no-key"],
)
async def test_a_proof_for_another_audience_time_type_or_key_reference_is_refused(
    space: Space, holder: Holder, change: dict[str, Any], words: str
) -> None:
    wallet, done = await prepared(space, holder)
    arguments: dict[str, Any] = {"audience": ISSUER, "nonce": done.nonce, **change}

    refused = await refused_credential(wallet, done, wallet.proof(**arguments))

    assert refused.error == "invalid_proof"
    assert words in refused.response.json()["error_description"]
    assert await deliveries(space) == 0


async def test_a_proof_with_an_algorithm_not_allowed_is_refused(
    space: Space, holder: Holder
) -> None:
    wallet, done = await prepared(space, holder)
    rsa = jwk.JWK.generate(kty="RSA", size=2048)
    public = rsa.export_public(as_dict=True)

    refused = await refused_credential(
        wallet,
        done,
        wallet.proof(
            audience=ISSUER,
            nonce=done.nonce,
            header={"alg": "RS256", "kid": None, "jwk": public},
            signer=rsa,
        ),
    )

    assert refused.error == "invalid_proof"
    assert "RS256" in refused.response.json()["error_description"]


async def test_a_wallet_may_name_its_key_by_jwk_and_is_bound_to_its_did_jwk(
    space: Space, holder: Holder
) -> None:
    wallet, done = await prepared(space, holder)
    public = wallet.key.export_public(as_dict=True)

    answer = await wallet.request_credential(
        CREDENTIAL_URL,
        done.token["access_token"],
        wallet.request_body(
            done,
            wallet.proof(audience=ISSUER, nonce=done.nonce, header={"kid": None, "jwk": public}),
        ),
    )

    subject = answer["credentials"][0]["credential"]["credentialSubject"]["id"]
    assert subject.startswith("did:jwk:")
    report = await space.verify(answer["credentials"][0]["credential"])
    assert report.verified, report.to_dict("en")


# --------------------------------------------------------------------------- the request


@pytest.mark.parametrize(
    ("body", "error"),
    [
        ({"credential_configuration_id": "Other"}, "unknown_credential_configuration"),
        ({"proofs": {"jwt": ["x"]}}, "invalid_credential_request"),
        ({"credential_identifier": "x", "proofs": {}}, "invalid_credential_request"),
        (
            {"credential_configuration_id": "RegionalBadge_ldp_vc", "proof": {}},
            "invalid_credential_request",
        ),
        (
            {"credential_configuration_id": "RegionalBadge_ldp_vc", "proofs": {"jwt": []}},
            "invalid_credential_request",
        ),
        (
            {"credential_configuration_id": "RegionalBadge_ldp_vc", "proofs": {"jwt": ["a", "b"]}},
            "invalid_credential_request",
        ),
        (["not", "an", "object"], "invalid_credential_request"),
    ],
    ids=[
        "unknown-configuration",
        "no-configuration",
        "identifier",
        "proof",
        "empty",
        "two",
        "list",
    ],
)
async def test_malformed_credential_requests_are_refused(
    space: Space, holder: Holder, body: Any, error: str
) -> None:
    _, done = await prepared(space, holder)

    response = await space.http.post(
        CREDENTIAL_URL, json=body, headers={"Authorization": f"Bearer {done.token['access_token']}"}
    )

    assert (response.status_code, response.json()["error"]) == (400, error)
    assert await deliveries(space) == 0


async def test_the_credential_endpoint_needs_a_bearer_token(space: Space) -> None:
    response = await space.http.post(CREDENTIAL_URL, json={})

    assert response.status_code == 401
    assert response.headers["www-authenticate"] == "Bearer"
