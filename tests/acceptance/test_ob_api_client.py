"""The independent client's own rules, without a hub: PKCE S256, the RFC 8288 ``Link``
header, the state check on return, and transcripts that never show a secret whole."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

from acceptance.ob_api_client import (
    AuthorizationRequest,
    ObApiClient,
    ProtocolError,
    Transcript,
    links,
    pkce_pair,
    s256,
)

REDIRECT_URI = "https://lms.example.fr/obhub/retour"


def test_a_pkce_verifier_is_long_enough_and_its_challenge_is_s256() -> None:
    verifier, challenge = pkce_pair()
    assert 43 <= len(verifier) <= 128
    assert challenge == s256(verifier)
    assert "=" not in challenge
    assert pkce_pair()[0] != verifier


def test_link_headers_are_read_by_relation() -> None:
    header = (
        '<https://hub.example/ims/ob/v3p0/credentials?limit=1&offset=1>; rel="next", '
        '<https://hub.example/ims/ob/v3p0/credentials?limit=1&offset=2>; rel="last", '
        "<https://hub.example/ims/ob/v3p0/credentials?limit=1&offset=0>; rel=first"
    )
    assert links(header) == {
        "next": "https://hub.example/ims/ob/v3p0/credentials?limit=1&offset=1",
        "last": "https://hub.example/ims/ob/v3p0/credentials?limit=1&offset=2",
        "first": "https://hub.example/ims/ob/v3p0/credentials?limit=1&offset=0",
    }
    assert links("") == {}


def test_a_callback_is_taken_only_with_the_state_sent_and_on_the_redirect_uri(
    tmp_path: Path,
) -> None:
    request = AuthorizationRequest("https://hub.example/authorize", "s-1", "v", REDIRECT_URI, "")
    with ObApiClient("https://hub.example/discovery", Transcript(tmp_path / "t.txt")) as client:
        assert client.authorization_code(request, f"{REDIRECT_URI}?code=c-1&state=s-1") == "c-1"
        with pytest.raises(ProtocolError, match="state"):
            client.authorization_code(request, f"{REDIRECT_URI}?code=c-1&state=s-2")
        with pytest.raises(ProtocolError, match="state"):
            client.authorization_code(request, f"{REDIRECT_URI}?code=c-1")
        with pytest.raises(ProtocolError, match="not to"):
            client.authorization_code(request, "https://evil.example/?code=c-1&state=s-1")
        with pytest.raises(ProtocolError, match="access_denied"):
            client.authorization_code(request, f"{REDIRECT_URI}?error=access_denied&state=s-1")


def test_a_transcript_shows_each_exchange_but_no_secret_whole(tmp_path: Path) -> None:
    secret = "s3cr3t-" + "x" * 40
    transcript = Transcript(tmp_path / "t.txt")
    request = httpx.Request(
        "POST",
        "https://hub.example/oauth/token",
        data={"grant_type": "refresh_token", "refresh_token": secret},
        headers={"Authorization": "Basic " + "Y2xpZW50LTE6" + "c2VjcmV0"},
    )
    answer = httpx.Response(
        200,
        json={"access_token": secret, "token_type": "Bearer"},
        headers={"Cache-Control": "no-store"},
        request=request,
    )
    transcript.exchange("client", answer)
    text = transcript.path.read_text(encoding="utf-8")
    assert "[client] POST https://hub.example/oauth/token" in text
    assert "< 200 OK" in text
    assert "Basic client-1:<secret>" in text
    assert "grant_type=refresh_token" in text
    assert secret not in text
