"""Where the Region's identity comes from, and the copy every page reads.

In order: the console's choice (table ``region_identity``, one row), the configuration
(``OBHUB_REGION_FILE`` then the ``OBHUB_REGION_*`` variables over it), the defaults.
The console stores a whole identity; "back to the configuration" deletes the row.

Pages are rendered synchronously, so each process keeps the identity in an
:class:`IdentityCache` (``app.state.region_identity``), refreshed by a dependency of
every route at most every :data:`TTL_SECONDS` (several replicas: a change made on one
shows on the others within that time) and at once on the replica that made it.
Background jobs (emails) read the database each time with :func:`load`.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final

import yaml
from fastapi import Request
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from issuer_api.audit import add_audit_event
from issuer_api.models import RegionIdentitySetting
from issuer_api.region.identity import (
    DEFAULT_IDENTITY,
    FIELDS,
    IdentityError,
    RegionIdentity,
    validated,
)
from obhub_i18n import render

if TYPE_CHECKING:
    from issuer_api.settings import Settings

logger = logging.getLogger(__name__)

ROW_ID: Final = 1
TTL_SECONDS: Final = 30.0
AUDIT_TARGET: Final = "region_identity"
MAX_FILE_BYTES: Final = 512 * 1024


class IdentityConfigurationError(ValueError):
    """The configured identity is refused (the message names the variable)."""


def configured_identity(settings: Settings) -> RegionIdentity:
    """The defaults, with ``OBHUB_REGION_FILE`` then the ``OBHUB_REGION_*`` variables."""
    identity = DEFAULT_IDENTITY
    if settings.region_file is not None:
        identity = _apply(identity, _read_file(settings.region_file), "OBHUB_REGION_FILE: ")
    variables = {
        name: getattr(settings, f"region_{name}")
        for name in FIELDS
        if getattr(settings, f"region_{name}") is not None
    }
    return _apply(identity, variables, "OBHUB_REGION_")


def _apply(base: RegionIdentity, values: Mapping[str, Any], origin: str) -> RegionIdentity:
    try:
        return validated(values, base)
    except IdentityError as exc:
        label = f"{origin}{exc.field.upper()}" if origin.endswith("_") else origin + exc.field
        message = render("en", exc.message, exc.params)
        raise IdentityConfigurationError(f"{label}: {message}") from None


def _read_file(path: Path) -> dict[str, Any]:
    try:
        with path.open("rb") as handle:
            raw = handle.read(MAX_FILE_BYTES + 1)
    except OSError as exc:
        raise IdentityConfigurationError(
            f"OBHUB_REGION_FILE: cannot read {path} ({exc.strerror})"
        ) from None
    if len(raw) > MAX_FILE_BYTES:
        raise IdentityConfigurationError("OBHUB_REGION_FILE: the file is larger than 512 KB")
    try:
        document = yaml.safe_load(raw.decode("utf-8"))
    except (yaml.YAMLError, UnicodeDecodeError):
        raise IdentityConfigurationError("OBHUB_REGION_FILE: not a UTF-8 YAML file") from None
    if not isinstance(document, dict):
        raise IdentityConfigurationError("OBHUB_REGION_FILE: expected a mapping of fields")
    values = dict(document)
    footer = values.pop("footer", None)
    if isinstance(footer, dict):
        for language in ("fr", "en"):
            if language in footer:
                values[f"footer_{language}"] = footer[language]
    elif footer is not None:
        raise IdentityConfigurationError("OBHUB_REGION_FILE: footer must map fr and en to texts")
    return values


async def load(session: AsyncSession, settings: Settings) -> RegionIdentity:
    """The identity in force: the console's, else the configured one."""
    configured = configured_identity(settings)
    row = await session.get(RegionIdentitySetting, ROW_ID)
    if row is None:
        return configured
    try:
        return validated({k: v for k, v in row.fields.items() if k in FIELDS}, configured)
    except IdentityError:
        logger.warning("the stored Region identity is refused: the configured one applies")
        return configured


async def is_from_console(session: AsyncSession) -> bool:
    return await session.get(RegionIdentitySetting, ROW_ID) is not None


async def save(
    session: AsyncSession, settings: Settings, values: Mapping[str, Any], *, actor: str
) -> RegionIdentity:
    """Store the identity ``values`` (every field; checked: :class:`IdentityError`)."""
    before = await load(session, settings)
    identity = validated(values, before)
    changed = sorted(k for k, v in identity.as_dict().items() if before.as_dict()[k] != v)
    row = await session.get(RegionIdentitySetting, ROW_ID)
    if row is None:
        session.add(RegionIdentitySetting(id=ROW_ID, fields=identity.as_dict(), updated_by=actor))
    else:
        row.fields = identity.as_dict()
        row.updated_by = actor
    add_audit_event(
        session,
        actor=actor,
        action="region_identity.updated",
        target_type=AUDIT_TARGET,
        target_id=str(ROW_ID),
        data={"fields": changed},
    )
    await session.flush()
    return identity


async def reset(session: AsyncSession, settings: Settings, *, actor: str) -> RegionIdentity:
    """Forget the console's choice: the configured identity applies again."""
    row = await session.get(RegionIdentitySetting, ROW_ID)
    if row is not None:
        await session.delete(row)
        add_audit_event(
            session,
            actor=actor,
            action="region_identity.reset",
            target_type=AUDIT_TARGET,
            target_id=str(ROW_ID),
        )
        await session.flush()
    return configured_identity(settings)


class IdentityCache:
    """The identity of this process, read again from the database when stale."""

    def __init__(self, configured: RegionIdentity, ttl: float = TTL_SECONDS) -> None:
        self.current = configured
        self._ttl = ttl
        self._expires = 0.0

    def stale(self) -> bool:
        return time.monotonic() >= self._expires

    def set(self, identity: RegionIdentity) -> None:
        self.current = identity
        self._expires = time.monotonic() + self._ttl

    async def refresh(
        self, sessions: async_sessionmaker[AsyncSession], settings: Settings
    ) -> RegionIdentity:
        if self.stale():
            try:
                async with sessions() as session:
                    self.set(await load(session, settings))
            except SQLAlchemyError:
                logger.warning("the Region identity could not be read: the last one applies")
                self._expires = time.monotonic() + self._ttl
        return self.current


def cache_of(request: Request) -> IdentityCache | None:
    cache = getattr(request.app.state, "region_identity", None)
    return cache if isinstance(cache, IdentityCache) else None


def identity_of(request: Request) -> RegionIdentity:
    """The identity the pages of this request show (the process's copy)."""
    cache = cache_of(request)
    return cache.current if cache is not None else DEFAULT_IDENTITY


async def refresh_identity(request: Request) -> None:
    """Dependency of every route: the process's copy, read again when stale."""
    cache = cache_of(request)
    sessions = getattr(request.app.state, "sessions", None)
    if cache is not None and sessions is not None and cache.stale():
        await cache.refresh(sessions, request.app.state.settings)
