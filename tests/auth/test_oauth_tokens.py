"""OAuth 2.0 client credentials: secrets hashed at rest, scoped short-lived tokens."""

from __future__ import annotations

import base64

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from issuer_api.auth import tokens
from issuer_api.auth.deps import CurrentClient, RequireScopes, ensure_can_act_for
from issuer_api.auth.service import NewClient, create_client
from issuer_api.models import ApiClient
from issuer_api.models.base import utcnow

pytestmark = pytest.mark.anyio


def _basic(client_id: str, secret: str) -> dict[str, str]:
    raw = base64.b64encode(f"{client_id}:{secret}".encode()).decode()
    return {"Authorization": f"Basic {raw}"}


async def _new_client(sessions: async_sessionmaker[AsyncSession], *scopes: str) -> NewClient:
    async with sessions() as session:
        created = await create_client(session, "Test partner", scopes)
        await session.commit()
    return created


async def _token(client: httpx.AsyncClient, created: NewClient, scope: str | None = None) -> str:
    data = {"grant_type": "client_credentials"} | ({"scope": scope} if scope else {})
    response = await client.post(
        "/oauth/token", data=data, headers=_basic(created.client_id, created.client_secret)
    )
    assert response.status_code == 200, response.text
    token: str = response.json()["access_token"]
    return token


@pytest.fixture
def protected(db_app: FastAPI) -> FastAPI:
    """Routes of the test app that exercise the authorisation dependencies."""

    @db_app.get("/_test/whoami", dependencies=[RequireScopes("read")])
    async def whoami(client: CurrentClient) -> dict[str, object]:
        return {"client_id": client.client_id, "scopes": sorted(client.scopes)}

    @db_app.get("/_test/issuers/{issuer_id}")
    async def act_for(issuer_id: str, client: CurrentClient) -> dict[str, str]:
        ensure_can_act_for(client, issuer_id)
        return {"ok": issuer_id}

    return db_app


async def test_a_client_secret_is_stored_only_as_a_hash(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    created = await _new_client(sessions, "issue")
    async with sessions() as session:
        row = (await session.execute(select(ApiClient))).scalar_one()
    assert created.client_secret not in (row.secret_hash, row.id, row.name)
    assert len(row.secret_hash) == 64


async def test_client_credentials_grant_returns_a_short_lived_bearer_token(
    db_client: httpx.AsyncClient, sessions: async_sessionmaker[AsyncSession]
) -> None:
    created = await _new_client(sessions, "issue", "read")
    response = await db_client.post(
        "/oauth/token",
        data={"grant_type": "client_credentials"},
        headers=_basic(created.client_id, created.client_secret),
    )
    assert response.status_code == 200
    body = response.json()
    assert body["token_type"] == "Bearer"
    assert body["expires_in"] == 900
    assert body["scope"] == "issue read"
    assert response.headers["cache-control"] == "no-store"


async def test_a_client_may_ask_for_fewer_scopes_but_not_more(
    db_client: httpx.AsyncClient, sessions: async_sessionmaker[AsyncSession]
) -> None:
    created = await _new_client(sessions, "issue", "read")
    narrower = await db_client.post(
        "/oauth/token",
        data={"grant_type": "client_credentials", "scope": "read"},
        headers=_basic(created.client_id, created.client_secret),
    )
    assert narrower.json()["scope"] == "read"
    wider = await db_client.post(
        "/oauth/token",
        data={"grant_type": "client_credentials", "scope": "admin"},
        headers=_basic(created.client_id, created.client_secret),
    )
    assert wider.status_code == 400
    assert wider.json()["error"] == "invalid_scope"


@pytest.mark.parametrize("secret_of", ["wrong", "other-client"])
async def test_a_wrong_secret_is_invalid_client_with_a_basic_challenge(
    db_client: httpx.AsyncClient, sessions: async_sessionmaker[AsyncSession], secret_of: str
) -> None:
    created = await _new_client(sessions, "issue")
    other = await _new_client(sessions, "issue")
    secret = "obs_wrong" if secret_of == "wrong" else other.client_secret
    response = await db_client.post(
        "/oauth/token",
        data={"grant_type": "client_credentials"},
        headers=_basic(created.client_id, secret),
    )
    assert response.status_code == 401
    assert response.json()["error"] == "invalid_client"
    assert response.headers["www-authenticate"].startswith("Basic")


async def test_the_token_endpoint_requires_basic_authentication(
    db_client: httpx.AsyncClient,
) -> None:
    response = await db_client.post("/oauth/token", data={"grant_type": "client_credentials"})
    assert response.status_code == 401
    assert response.json()["error"] == "invalid_client"


async def test_only_the_client_credentials_grant_is_supported(
    db_client: httpx.AsyncClient, sessions: async_sessionmaker[AsyncSession]
) -> None:
    created = await _new_client(sessions, "issue")
    response = await db_client.post(
        "/oauth/token",
        data={"grant_type": "password"},
        headers=_basic(created.client_id, created.client_secret),
    )
    assert response.status_code == 400
    assert response.json()["error"] == "unsupported_grant_type"


async def test_a_route_requiring_a_scope_admits_a_token_with_it(
    protected: FastAPI,
    db_client: httpx.AsyncClient,
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    created = await _new_client(sessions, "read")
    token = await _token(db_client, created)
    response = await db_client.get("/_test/whoami", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 200
    assert response.json() == {"client_id": created.client_id, "scopes": ["read"]}


async def test_a_missing_scope_is_403_insufficient_scope(
    protected: FastAPI,
    db_client: httpx.AsyncClient,
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    created = await _new_client(sessions, "issue")
    token = await _token(db_client, created)
    response = await db_client.get("/_test/whoami", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "insufficient_scope"


async def test_admin_implies_every_scope(
    protected: FastAPI,
    db_client: httpx.AsyncClient,
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    token = await _token(db_client, await _new_client(sessions, "admin"))
    response = await db_client.get("/_test/whoami", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 200


@pytest.mark.parametrize("header", [None, "Bearer", "Bearer not-a-token", "Basic abc"])
async def test_a_missing_or_malformed_token_is_401_with_a_bearer_challenge(
    protected: FastAPI, db_client: httpx.AsyncClient, header: str | None
) -> None:
    headers = {"Authorization": header} if header else {}
    response = await db_client.get("/_test/whoami", headers=headers)
    assert response.status_code == 401
    assert response.headers["www-authenticate"].startswith("Bearer")
    assert response.json()["error"]["code"] in ("unauthorized", "invalid_token")


async def test_a_forged_or_expired_token_is_refused(
    protected: FastAPI,
    db_client: httpx.AsyncClient,
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    created = await _new_client(sessions, "read")
    forged, _ = tokens.issue(b"k" * 32, created.client_id, frozenset({"read"}), None, 600)
    real_key = protected.state.token_key
    expired, _ = tokens.issue(
        real_key,
        created.client_id,
        frozenset({"read"}),
        None,
        60,
        now=int(utcnow().timestamp()) - 3600,
    )
    for token in (forged, expired):
        response = await db_client.get(
            "/_test/whoami", headers={"Authorization": f"Bearer {token}"}
        )
        assert response.status_code == 401
        assert response.json()["error"]["code"] == "invalid_token"


async def test_disabling_a_client_revokes_its_tokens_at_once(
    protected: FastAPI,
    db_client: httpx.AsyncClient,
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    created = await _new_client(sessions, "read")
    token = await _token(db_client, created)
    async with sessions() as session:
        row = await session.get(ApiClient, created.client_id)
        assert row is not None
        row.disabled_at = utcnow()
        await session.commit()
    response = await db_client.get("/_test/whoami", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 401


async def test_a_partner_client_acts_only_for_its_own_issuer(
    protected: FastAPI,
    db_client: httpx.AsyncClient,
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    from issuer_api.models import Issuer  # noqa: PLC0415 - scenario data

    async with sessions() as session:
        mine = Issuer(slug="afpa", name="AFPA Caen")
        theirs = Issuer(slug="other", name="Autre structure")
        session.add_all([mine, theirs])
        await session.flush()
        created = await create_client(session, "AFPA LMS", ["issue"], mine.id)
        await session.commit()
        mine_id, theirs_id = mine.id, theirs.id
    token = await _token(db_client, created)
    auth = {"Authorization": f"Bearer {token}"}
    assert (await db_client.get(f"/_test/issuers/{mine_id}", headers=auth)).status_code == 200
    refused = await db_client.get(f"/_test/issuers/{theirs_id}", headers=auth)
    assert refused.status_code == 403
    assert refused.json()["error"]["code"] == "forbidden_issuer"


def test_token_verification_is_strict_about_the_header() -> None:
    key = b"s" * 32
    token, _ = tokens.issue(key, "obc_x", frozenset({"read"}), None, 60)
    header, payload, mac = token.split(".")
    none_header = base64.urlsafe_b64encode(b'{"alg":"none","typ":"at+jwt"}').rstrip(b"=")
    with pytest.raises(tokens.InvalidTokenError):
        tokens.verify(key, f"{none_header.decode()}.{payload}.")
    with pytest.raises(tokens.InvalidTokenError):
        tokens.verify(key, f"{header}.{payload}.{mac[:-2]}AA")
    assert tokens.verify(key, token).client_id == "obc_x"


@pytest.mark.parametrize(
    ("content", "content_type"),
    [
        (b"scope=issue", "application/x-www-form-urlencoded"),
        (
            b"grant_type=client_credentials&grant_type=client_credentials",
            "application/x-www-form-urlencoded",
        ),
        (b'{"grant_type": "client_credentials"}', "application/json"),
    ],
)
async def test_a_malformed_token_request_is_rfc_6749_invalid_request(
    db_client: httpx.AsyncClient,
    sessions: async_sessionmaker[AsyncSession],
    content: bytes,
    content_type: str,
) -> None:
    created = await _new_client(sessions, "issue")
    response = await db_client.post(
        "/oauth/token",
        content=content,
        headers={"content-type": content_type, **_basic(created.client_id, created.client_secret)},
    )
    assert response.status_code == 400
    assert response.json()["error"] == "invalid_request"
    assert response.headers["cache-control"] == "no-store"


async def test_a_missing_scope_carries_an_rfc_6750_challenge(
    protected: FastAPI,
    db_client: httpx.AsyncClient,
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    token = await _token(db_client, await _new_client(sessions, "issue"))
    response = await db_client.get("/_test/whoami", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 403
    challenge = response.headers["www-authenticate"]
    assert challenge.startswith("Bearer")
    assert 'error="insufficient_scope"' in challenge
    assert 'scope="read"' in challenge
