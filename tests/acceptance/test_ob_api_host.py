"""The hub as an Open Badges 3.0 API host, driven by a client that knows only the
specifications (``acceptance.ob_api_client``), against ``obhub serve --migrate`` on
defaults.

1. A learner's LMS: discovery → dynamic registration → authorization code with PKCE
   (S256; the learner, known to the hub since a partner's webhook, signs in with the
   email link and consents; the state is checked on return) → token → upsert partner
   badges → list them a page at a time (limit=1, Link next, X-Total-Count) → read and
   update the profile → refresh (the old refresh token refused) → revoke (the access
   token refused afterwards).
2. A partner's LMS: the Region links the registered client to the partner (admin API);
   the client upserts the partner badges that complete « Organiser — Je pratique » (the
   partner reads their receipts: accepted), upserts one again (200 or 304), and exactly
   one regional badge is minted.

Each scenario writes its transcript (every request and response) beside the hub's
working directory and prints its path.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterator
from typing import Any, Final

import httpx
import pytest

from acceptance.hub import HubOnDefaults, wait_for
from acceptance.learner_browser import LearnerBrowser, outbox, text_of
from acceptance.ob_api_client import (
    ALL_SCOPES,
    CREDENTIAL_UPSERT,
    AuthorizationRequest,
    ObApiClient,
    ProtocolError,
    Tokens,
    Transcript,
    code_minor,
    links,
    logged_client,
    status_info,
)
from acceptance.partner_side import first_badge_by_webhook, recognise, signed
from ingestion.factory import PartnerIssuer

DISCOVERY_PATH: Final = "/ims/ob/v3p0/discovery"
LMS: Final = "https://lms.example.fr"
REDIRECT_URI: Final = f"{LMS}/obhub/retour"
WAIT_S: Final = 90
SETTLE_S: Final = 5


@pytest.fixture
def transcript(hub: HubOnDefaults, request: pytest.FixtureRequest) -> Iterator[Transcript]:
    path = hub.workdir / f"transcript-{request.node.name}.txt"
    written = Transcript(path)
    written.note(f"{request.node.name} against {hub.base}")
    yield written
    print(f"\nOB API transcript: {path}")


def same_credential(listed: dict[str, Any], sent: dict[str, Any]) -> bool:
    """Equal as JSON-LD: a ``proof`` object and a one-proof array are the same set."""

    def proofs(credential: dict[str, Any]) -> dict[str, Any]:
        proof = credential.get("proof")
        return {**credential, "proof": proof if isinstance(proof, list) else [proof]}

    return proofs(listed) == proofs(sent)


def connect(
    hub: HubOnDefaults, client: ObApiClient, email: str, transcript: Transcript
) -> tuple[AuthorizationRequest, str, Tokens]:
    """The learner consents in a browser; the client checks the state and takes tokens."""
    request = client.authorization_request(redirect_uri=REDIRECT_URI, scopes=ALL_SCOPES)
    with LearnerBrowser(hub, email, transcript) as learner:
        returned_to = learner.consent(request.url, REDIRECT_URI)
        consent_page = learner.consent_page
    code = client.authorization_code(request, returned_to)
    return request, consent_page, client.exchange_code(request, code)


def refused(answer: Any, status: int, minor: str) -> None:
    assert answer.status_code == status, answer.text
    assert answer.headers["www-authenticate"].startswith("Bearer"), answer.headers
    assert minor in code_minor(status_info(answer)), answer.text


def test_a_learners_lms_connects_sends_reads_refreshes_and_revokes(
    hub: HubOnDefaults, transcript: Transcript
) -> None:
    email = f"lea.{uuid.uuid4().hex[:6]}@example.fr"
    greta = PartnerIssuer.create("Greta Rouen")
    # The Greta is a partner (the LMS is not linked to it); its first badge for Léa came
    # by webhook, so the hub knows her.
    first = first_badge_by_webhook(hub, recognise(hub, greta), greta, email)
    with ObApiClient(f"{hub.base}{DISCOVERY_PATH}", transcript) as client:
        found = client.discover()
        assert set(ALL_SCOPES) <= set(found.scopes)
        registration = client.register(
            client_name="Moodle du Greta",
            client_uri=LMS,
            redirect_uri=REDIRECT_URI,
            scopes=ALL_SCOPES,
        )
        assert {"client_id_issued_at", "client_secret_expires_at"} <= set(registration.answer)

        request, consent_page, tokens = connect(hub, client, email, transcript)
        assert "Moodle du Greta" in consent_page
        assert tokens.refresh_token
        # A callback carrying another state is not this client's.
        with pytest.raises(ProtocolError, match="state"):
            client.authorization_code(request, f"{REDIRECT_URI}?code=stolen&state=other")

        # Two partner badges, upserted: 201 with the body echoed; the same again: 200/304.
        badges = [signed(greta, "", email), signed(greta, "", email)]
        for badge in badges:
            created = client.upsert(tokens, badge)
            assert created.status_code == 201, created.text
            assert created.json() == badge
        again = client.upsert(tokens, badges[0])
        assert again.status_code in (200, 304), again.text

        # Read back a page at a time, once kept: every badge, exactly as sent.
        wait_for(
            "the three badges to be kept",
            lambda: client.credentials_page(tokens, limit=1).headers.get("x-total-count") == "3",
            timeout_s=WAIT_S,
        )
        listed, total, pages = client.all_credentials(tokens, limit=1)
        assert total == len(listed) == pages == 3
        by_id = {c["id"]: c for c in listed if isinstance(c, dict)}
        for badge in [first, *badges]:
            assert same_credential(by_id[badge["id"]], badge)

        # The profile: read, update, read again.
        profile = client.get_profile(tokens)
        assert profile.status_code == 200, profile.text
        updated = {**profile.json(), "name": "Léa Martin"}
        put = client.put_profile(tokens, updated)
        assert put.status_code in (200, 202), put.text
        assert client.get_profile(tokens).json()["name"] == "Léa Martin"

        # Refresh: new tokens, and they work.
        renewed = client.refresh(tokens)
        assert renewed.access_token != tokens.access_token
        assert renewed.refresh_token not in (None, tokens.refresh_token)
        assert client.credentials_page(renewed, limit=1).status_code == 200

        # Revoke: the access token is refused from then on.
        client.revoke(renewed.access_token, "access_token")
        refused(client.credentials_page(renewed, limit=1), 401, "unauthorizedrequest")

        # The old refresh token is refused (used once), and so is the new one: revoking
        # an access token ends its whole grant (RFC 7009 §2.1).
        for spent in (tokens, renewed):
            replayed = client.refresh_answer(str(spent.refresh_token))
            assert replayed.status_code == 400, replayed.text
            assert replayed.json()["error"] == "invalid_grant"


def test_a_replayed_refresh_token_ends_the_connection(
    hub: HubOnDefaults, transcript: Transcript
) -> None:
    """Rotation with replay detection (OAuth 2.0 Security BCP §4.14.2): the old refresh
    token refused, and its replay taken for a theft — the tokens it led to die too."""
    email = f"sami.{uuid.uuid4().hex[:6]}@example.fr"
    greta = PartnerIssuer.create("Greta Rouen")
    first_badge_by_webhook(hub, recognise(hub, greta), greta, email)
    with ObApiClient(f"{hub.base}{DISCOVERY_PATH}", transcript) as client:
        client.register(
            client_name="LMS du Greta", client_uri=LMS, redirect_uri=REDIRECT_URI, scopes=ALL_SCOPES
        )
        _request, _page, tokens = connect(hub, client, email, transcript)
        renewed = client.refresh(tokens)
        replayed = client.refresh_answer(str(tokens.refresh_token))
        assert replayed.status_code == 400, replayed.text
        assert replayed.json()["error"] == "invalid_grant"
        refused(client.credentials_page(renewed, limit=1), 401, "unauthorizedrequest")
        assert client.refresh_answer(str(renewed.refresh_token)).status_code == 400


def awards(hub: HubOnDefaults, email: str) -> dict[str, str]:
    """The learner's regional badges: code → state (empty while unknown)."""
    found = hub.http.get("/learners", params={"email": email}, headers=hub.admin)
    if found.status_code != 200:
        return {}
    progress = hub.http.get(f"/learners/{found.json()['learner_id']}/progress", headers=hub.admin)
    assert progress.status_code == 200, progress.text
    return {award["code"]: award["state"] for award in progress.json()["awards"]}


def receipt_outcome(answer: httpx.Response) -> str | None:
    """The outcome of a receipt's one badge, once no longer pending."""
    assert answer.status_code == 200, answer.text
    (item,) = answer.json()["badges"]
    return None if item["outcome"] == "pending" else str(item["outcome"])


def award_emails(hub: HubOnDefaults, email: str) -> int:
    return len([m for _p, m in outbox(hub) if m["To"] == email and "/badges/" in text_of(m)])


def test_a_partners_lms_completes_a_regional_badge_exactly_once(
    hub: HubOnDefaults, transcript: Transcript
) -> None:
    email = f"noah.{uuid.uuid4().hex[:6]}@example.fr"
    campus = PartnerIssuer.create("Campus Caen")
    partner_id = recognise(hub, campus)
    first_badge_by_webhook(hub, partner_id, campus, email)
    with ObApiClient(f"{hub.base}{DISCOVERY_PATH}", transcript) as client:
        registration = client.register(
            client_name="LMS du Campus Caen",
            client_uri=LMS,
            redirect_uri=REDIRECT_URI,
            scopes=(CREDENTIAL_UPSERT,),
        )
        transcript.note("the Region links the client to its partner (admin API)")
        linked = hub.http.put(
            f"/v1/clients/{registration.client_id}/partner",
            json={"partner": partner_id},
            headers=hub.admin,
        )
        assert linked.status_code == 200, linked.text

        request = client.authorization_request(
            redirect_uri=REDIRECT_URI, scopes=(CREDENTIAL_UPSERT,)
        )
        with LearnerBrowser(hub, email, transcript) as learner:
            returned_to = learner.consent(request.url, REDIRECT_URI)
        tokens = client.exchange_code(request, client.authorization_code(request, returned_to))

        # Two badges in « Organiser » signed by the partner: « Je pratique » is earned.
        badges = [signed(campus, "ORG", email), signed(campus, "ORG", email)]
        receipts = []
        for badge in badges:
            answer = client.upsert(tokens, badge)
            assert answer.status_code == 201, answer.text
            receipts.append(links(answer.headers["link"])["receipt"])

        # The partner reads the receipts with its own API client (scope deliver).
        transcript.note("the partner's API client reads the receipts")
        made = hub.http.post(f"/partners/{partner_id}/client", headers=hub.admin)
        assert made.status_code == 201, made.text
        deliver = hub.token(made.json()["client_id"], made.json()["client_secret"])
        with logged_client(transcript, "partner") as partner:
            for receipt in receipts:
                outcome = wait_for(
                    "the receipt's outcome",
                    lambda url=receipt: receipt_outcome(partner.get(url, headers=deliver)),
                    timeout_s=WAIT_S,
                )
                assert outcome == "accepted"
        wait_for("the regional badge", lambda: "ORG-I" in awards(hub, email), timeout_s=WAIT_S)
        wait_for("its award email", lambda: award_emails(hub, email) == 1, timeout_s=WAIT_S)

        # The same badge again changes nothing: still one regional badge, one email.
        again = client.upsert(tokens, badges[1])
        assert again.status_code in (200, 304), again.text
        time.sleep(SETTLE_S)
        assert list(awards(hub, email)) == ["ORG-I"]
        assert award_emails(hub, email) == 1
