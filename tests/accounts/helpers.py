"""A browser of the learner's pages (cookies kept, forms posted with their CSRF token),
and what the tests read: sign-in links in the outbox, learners made with an email."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from email import message_from_bytes
from email.message import EmailMessage
from email.policy import default
from pathlib import Path
from urllib.parse import urlsplit

import httpx
from fastapi import FastAPI
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from ingestion.helpers import serving
from issuer_api.app import create_app
from issuer_api.db import session_scope
from issuer_api.learners import service as learners
from issuer_api.mail import outbox
from issuer_api.settings import Settings

LINK = re.compile(r"https?://[^\s\"<>]+/connexion/lien\?jeton=[A-Za-z0-9_-]+")
CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


def csrf_token(html: str) -> str:
    found = CSRF.search(html)
    assert found is not None, "the page has no form with a CSRF token"
    return found.group(1)


def text_part(message: EmailMessage) -> str:
    part = message.get_body(preferencelist=("plain",))
    assert part is not None
    content: str = part.get_content()  # type: ignore[attr-defined]
    return content


def html_part(message: EmailMessage) -> str:
    part = message.get_body(preferencelist=("html",))
    assert part is not None
    content: str = part.get_content()  # type: ignore[attr-defined]
    return content


def sign_in_path(message: EmailMessage) -> str:
    """The path and query of the sign-in link of ``message`` (the same in both parts)."""
    links = LINK.findall(text_part(message))
    assert len(links) == 1, text_part(message)
    assert links[0] in html_part(message)
    parts = urlsplit(links[0])
    return f"{parts.path}?{parts.query}"


@dataclass
class Learners:
    app: FastAPI
    sessions: async_sessionmaker[AsyncSession]

    @property
    def kek(self) -> bytes:
        kek: bytes = self.app.state.kek.get_secret_value()
        return kek

    async def with_email(self, email: str) -> str:
        async with session_scope(self.sessions) as session:
            return await learners.find_or_create(
                session, self.kek, "email", email, datetime.now(UTC)
            )


@dataclass
class Browser:
    """One person's browser: cookies kept by the client, forms carry their token."""

    app: FastAPI
    http: httpx.AsyncClient
    data_dir: Path

    async def run_jobs(self) -> int:
        ran: int = await self.app.state.jobs.run_pending()
        return ran

    async def form_token(self, path: str) -> str:
        page = await self.http.get(path)
        assert page.status_code == 200, page.text
        return csrf_token(page.text)

    async def ask_for_link(
        self, email: str, *, next_path: str | None = None, path: str = "/connexion"
    ) -> httpx.Response:
        token = await self.form_token(path)
        data = {"csrf_token": token, "email": email}
        if next_path is not None:
            data["next"] = next_path
        return await self.http.post("/connexion", data=data)

    def outbox(self) -> list[EmailMessage]:
        found = []
        for path in sorted(outbox.folder(self.data_dir).glob("*.eml")):
            message = message_from_bytes(path.read_bytes(), policy=default)
            assert isinstance(message, EmailMessage)
            found.append(message)
        return found

    async def confirm(self, link_path: str) -> httpx.Response:
        page = await self.http.get(link_path)
        assert page.status_code == 200, page.text
        token = link_path.split("jeton=", 1)[1]
        return await self.http.post(
            "/connexion/lien", data={"csrf_token": csrf_token(page.text), "jeton": token}
        )

    async def sign_in(self, email: str, *, next_path: str | None = None) -> httpx.Response:
        """Ask for a link, run the jobs, open the newest email's link, confirm."""
        before = len(self.outbox())
        await self.ask_for_link(email, next_path=next_path)
        await self.run_jobs()
        messages = self.outbox()
        assert len(messages) == before + 1, "no sign-in email was written"
        return await self.confirm(sign_in_path(messages[-1]))


@asynccontextmanager
async def browser_for(settings: Settings) -> AsyncIterator[Browser]:
    """The service built with ``settings``, started, and a browser on it."""
    app = create_app(settings)
    async with serving(app) as http:
        yield Browser(app, http, settings.data_dir)
