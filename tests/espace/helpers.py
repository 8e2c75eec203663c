"""The hub under test for "Mon espace": learners who received partner badges, signed in.

:class:`Space` is the regional test hub plus :meth:`Space.browser`, an HTTP client
holding a learner's session cookie (the session opened directly with
:func:`issuer_api.accounts.sessions.open_session`, as the sign-in link would), and
:func:`csrf_token`, the token a page's forms carry.
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass

import httpx
from sqlalchemy import func, select

from issuer_api.accounts import sessions as learner_sessions
from issuer_api.models import Delivery, LearnerSession
from regional.helpers import RegionalHub

_CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


def csrf_token(page: httpx.Response) -> str:
    found = _CSRF.search(page.text)
    assert found is not None, "the page has no form token"
    return found.group(1)


@dataclass
class Space(RegionalHub):
    async def sign_in(self, learner_id: str) -> str:
        """A session of ``learner_id``; its cookie value."""
        async with self.sessions() as session:
            token = await learner_sessions.open_session(session, learner_id)
            await session.commit()
        return token

    @asynccontextmanager
    async def browser(self, learner_id: str | None = None) -> AsyncIterator[httpx.AsyncClient]:
        """A browser of the service: signed in as ``learner_id`` when given."""
        cookies = {}
        if learner_id is not None:
            cookies[learner_sessions.COOKIE] = await self.sign_in(learner_id)
        async with httpx.AsyncClient(
            transport=httpx.ASGITransport(app=self.app),
            base_url="http://localhost",
            cookies=cookies,
        ) as client:
            yield client

    async def deliveries(self) -> int:
        async with self.sessions() as session:
            return int(await session.scalar(select(func.count()).select_from(Delivery)) or 0)

    async def open_sessions(self, learner_id: str) -> int:
        async with self.sessions() as session:
            found = await session.scalar(
                select(func.count())
                .select_from(LearnerSession)
                .where(LearnerSession.learner_id == learner_id)
            )
            return int(found or 0)
