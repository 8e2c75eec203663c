"""A staff member's browser on the console: accounts made as `obhub staff create` makes
them, sign-in through the page, forms carrying their token."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass

import httpx
from fastapi import FastAPI
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from accounts.helpers import csrf_token
from issuer_api.db import session_scope
from issuer_api.staff import service

STRONG_PASSWORD = "quatre chevaux normands au galop"


@dataclass
class Staff:
    app: FastAPI
    sessions: async_sessionmaker[AsyncSession]

    @property
    def kek(self) -> bytes:
        kek: bytes = self.app.state.kek.get_secret_value()
        return kek

    async def create(
        self, email: str, role: str, name: str | None = None, *, region_account: bool = False
    ) -> tuple[str, str]:
        """A new account (id, its one-time password; none for a Region-account member)."""
        async with session_scope(self.sessions) as session:
            created = await service.create_member(
                session,
                self.kek,
                email=email,
                role=role,
                display_name=name,
                local=not region_account,
            )
            return created.member.id, created.password


@dataclass
class ConsoleBrowser:
    http: httpx.AsyncClient

    async def token(self, path: str) -> str:
        page = await self.http.get(path)
        assert page.status_code == 200, page.text
        return csrf_token(page.text)

    async def sign_in(
        self, email: str, password: str, next_path: str = "/console"
    ) -> httpx.Response:
        token = await self.token("/console/connexion")
        return await self.http.post(
            "/console/connexion",
            data={"csrf_token": token, "email": email, "password": password, "next": next_path},
        )

    async def post(self, path: str, form_path: str, data: dict[str, str]) -> httpx.Response:
        """Submit the form of page ``form_path`` to ``path``."""
        token = await self.token(form_path)
        return await self.http.post(path, data={"csrf_token": token, **data})

    async def ready(self, email: str, password: str) -> None:
        """Signed in with a printed password, then replaced by :data:`STRONG_PASSWORD`."""
        first = await self.sign_in(email, password)
        assert first.status_code == 303
        assert first.headers["location"] == "/console/mot-de-passe"
        changed = await self.post(
            "/console/mot-de-passe",
            "/console/mot-de-passe",
            {
                "current_password": password,
                "new_password": STRONG_PASSWORD,
                "confirm_password": STRONG_PASSWORD,
            },
        )
        assert changed.status_code == 303, changed.text


@asynccontextmanager
async def another_browser(app: FastAPI) -> AsyncIterator[ConsoleBrowser]:
    """A second browser on the running service (its own cookies)."""
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://localhost"
    ) as http:
        yield ConsoleBrowser(http)
