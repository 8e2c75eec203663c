"""Spent codes and dead refresh tokens are deleted; live ones and the grants stay."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from accounts.helpers import Browser, csrf_token
from issuer_api.db import session_scope
from issuer_api.models import OAuthAuthorizationCode, OAuthGrant, OAuthRefreshToken
from issuer_api.models.base import utcnow
from issuer_api.oauth import grants
from oauth.helpers import Application, query_of

pytestmark = pytest.mark.anyio


async def count(sessions: async_sessionmaker[AsyncSession], model: type) -> int:
    async with sessions() as session:
        return int(await session.scalar(select(func.count()).select_from(model)) or 0)


async def test_the_purge_keeps_what_can_still_serve_and_deletes_the_rest(
    browser: Browser,
    learner_id: str,
    application: Application,
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    path = application.authorize_path()
    page = await browser.http.get(path)
    answer = await browser.http.post(
        path, data={"csrf_token": csrf_token(page.text), "decision": "allow"}
    )
    issued = (await application.exchange(query_of(answer.headers["location"])["code"])).json()
    rotated = (await application.refresh(issued["refresh_token"])).json()

    async with session_scope(sessions) as session:
        assert await grants.purge(session) == {"codes": 0, "refresh_tokens": 0}
    assert await count(sessions, OAuthRefreshToken) == 2  # the used one flags a reuse

    a_day_later = utcnow() + timedelta(seconds=600) + grants.CODE_KEPT
    async with session_scope(sessions) as session:
        assert await grants.purge(session, now=a_day_later) == {"codes": 1, "refresh_tokens": 0}

    assert (await application.revoke(rotated["refresh_token"])).status_code == 200
    async with session_scope(sessions) as session:
        assert await grants.purge(session) == {"codes": 0, "refresh_tokens": 2}
    assert await count(sessions, OAuthAuthorizationCode) == 0
    assert await count(sessions, OAuthGrant) == 1
