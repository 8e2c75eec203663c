"""The service's own published documents, read from its database by its own verifier.

A credential this service issued names documents it publishes itself: its status lists,
its issuers' DID documents and profiles, its achievements, its JWK Set. The verifier
(:mod:`verify`) would fetch them over the network, where the SSRF guard rightly refuses
the service's own loopback ``http:`` address on a development machine, and where, in
production, every verification would cost a round trip to itself. :class:`OwnDocuments`
is the verifier's :class:`~verify.sources.LocalDocuments`: it answers from the database
for

* a status list whose published URL (as stored when the list was opened) is the URL
  asked for, under one of the service's own origins (below);
* the paths the public routes serve (``/.well-known/did.json``, ``/did.json``,
  ``/issuers/{slug}/did.json``, ``/issuers/{slug}``, ``/achievements/{id}``,
  ``/.well-known/jwks.json``) under one of the service's own origins: the public base URL
  when one is set, otherwise the address it listens on and the base URL of the current
  request (the URLs minted without a public base URL follow it) when its host is the
  listening host or a loopback name (the ``Host`` header is the client's to choose).

Anything else is not ours and goes to the network, unchanged. The documents are the very
bytes the public routes serve (same service functions). The verifier runs in a worker
thread; each look-up runs on the event loop that owns the database engine. A verification
attempted on the loop's own thread gets :class:`~verify.sources.WouldBlock` for a document
of ours, and is run again in a worker thread.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Awaitable, Callable
from concurrent.futures import TimeoutError as FutureTimeoutError
from dataclasses import dataclass
from typing import Any, Final
from urllib.parse import urlsplit

from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from issuer_api.achievements import service as achievements
from issuer_api.db import session_scope
from issuer_api.errors import ApiError
from issuer_api.issuers import service as issuers
from issuer_api.settings import Settings
from issuer_api.statuslists import repository as statuslist_repository
from issuer_api.statuslists import service as statuslists
from obcore.errors import ResolutionError
from verify.fetch import is_loopback_name
from verify.sources import Fetched, WouldBlock

logger = logging.getLogger(__name__)

LOOKUP_TIMEOUT_SECONDS: Final = 10.0
_JSON: Final = "application/json"
_DID_JSON: Final = "application/did+json"
_JWKS_JSON: Final = "application/jwk-set+json"
_ABSENT: Final = frozenset({404, 410})

Lookup = Callable[[AsyncSession], Awaitable[tuple[bytes, str]]]


def _json_bytes(document: Any) -> bytes:
    return json.dumps(document, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def _normalise_base(url: str) -> str:
    parts = urlsplit(url.strip())
    return f"{parts.scheme.lower()}://{parts.netloc.lower()}{parts.path.rstrip('/')}"


def _is_loopback(host: str) -> bool:
    """A loopback name, or a name under ``.localhost`` (RFC 6761: resolved to loopback)."""
    return host.endswith(".localhost") or is_loopback_name(host)


def _trusted_request_base(request_base: str, local_base: str) -> bool:
    """The request's base URL (its ``Host`` header, which the client chooses) counts as
    ours only on the local base URL's host or a loopback name: ``Host: evil.example``
    must not make ``did:web:evil.example`` one of the service's identities."""
    host = (urlsplit(request_base).hostname or "").lower()
    if not host:
        return False
    return host == (urlsplit(local_base).hostname or "").lower() or _is_loopback(host)


def own_bases(settings: Settings, request_base: str | None = None) -> tuple[str, ...]:
    """The bases under which this service publishes: the public base URL when set,
    otherwise its listening address and (if given) the current request's base URL, when
    that is on the listening host or a loopback name."""
    public = issuers.public_base_url(settings)
    if public is not None:
        return (_normalise_base(public),)
    local = issuers.local_base_url(settings)
    bases = [local]
    if request_base and _trusted_request_base(request_base, local):
        bases.append(request_base)
    return tuple(dict.fromkeys(_normalise_base(base) for base in bases))


@dataclass
class OwnDocuments:
    """:class:`~verify.sources.LocalDocuments` backed by the service's database."""

    settings: Settings
    sessions: async_sessionmaker[AsyncSession]
    kek: bytes
    status_lists: statuslists.StatusListCache
    loop: asyncio.AbstractEventLoop
    bases: tuple[str, ...] = ()
    timeout: float = LOOKUP_TIMEOUT_SECONDS

    def __post_init__(self) -> None:
        if not self.bases:
            self.bases = own_bases(self.settings)

    @classmethod
    def here(
        cls,
        settings: Settings,
        sessions: async_sessionmaker[AsyncSession],
        kek: bytes,
        status_lists: statuslists.StatusListCache | None = None,
        *,
        request_base: str | None = None,
    ) -> OwnDocuments:
        """For verifications started from the running event loop (requests, jobs)."""
        return cls(
            settings,
            sessions,
            kek,
            status_lists if status_lists is not None else statuslists.StatusListCache(),
            asyncio.get_running_loop(),
            own_bases(settings, request_base),
        )

    # ---- LocalDocuments --------------------------------------------------------------

    def get(self, url: str, *, accept: str = _JSON) -> Fetched | None:
        if not isinstance(url, str) or len(url) > 2000:
            return None
        if self._own_path(url) is None:
            return None  # not ours: the network answers
        if self._on_loop_thread():
            # Ours, but reading it means waiting for this very loop: the verification is
            # attempted on the loop (small inputs, see issuer_api.verification) and is run
            # again in a worker thread.
            raise WouldBlock(url)
        future = asyncio.run_coroutine_threadsafe(self._lookup(url), self.loop)
        try:
            return future.result(self.timeout)
        except FutureTimeoutError:
            future.cancel()
            raise ResolutionError(
                f"reading {url[:200]} from the service's database timed out",
                code="fetch_timeout",
            ) from None
        except ResolutionError:
            raise
        except Exception as exc:
            # Ours, but it cannot be produced (a list or issuer gone meanwhile, a key that
            # cannot be unsealed, a signing failure): the verifier reports the document as
            # unobtainable ("indeterminate"), it does not fail. Logged by type only: the
            # message may carry a recipient's data.
            logger.warning("own document could not be produced (%s)", type(exc).__name__)
            raise ResolutionError(
                f"the service could not produce its document {url[:200]}",
                code="own_document_failed",
            ) from exc

    def _on_loop_thread(self) -> bool:
        try:
            return asyncio.get_running_loop() is self.loop
        except RuntimeError:
            return False

    # ---- look-ups --------------------------------------------------------------------

    async def _lookup(self, url: str) -> Fetched | None:
        try:
            return await self._read(url)
        except SQLAlchemyError:
            # The database cannot answer (unmigrated, unreachable): verification goes on
            # as it would without this source; the network (and its guard) decides.
            logger.warning("own documents unavailable", exc_info=True)
            return None

    async def _read(self, url: str) -> Fetched | None:
        path = self._own_path(url)
        if path is None:
            return None
        async with session_scope(self.sessions) as session:
            heads = await statuslist_repository.heads_by_url(session, [url])
            if heads:
                published = await statuslists.publish(
                    session, heads[0], self.settings, self.kek, self.status_lists
                )
                return Fetched(url, url, 200, statuslists.MEDIA_TYPE, published.body)
            lookup = self._route(path)
            if lookup is None:
                return None
            try:
                body, media = await lookup(session)
            except ApiError as exc:
                if exc.status_code in _ABSENT:
                    return Fetched(url, url, exc.status_code, _JSON, b"")
                return None
            return Fetched(url, url, 200, media, body)

    def _own_path(self, url: str) -> str | None:
        try:
            parts = urlsplit(url)
        except ValueError:  # "https://[oops/": not a URL, so not one of ours
            return None
        if parts.query or parts.username or parts.password:
            return None
        target = f"{parts.scheme.lower()}://{parts.netloc.lower()}{parts.path}"
        for base in self.bases:
            if target.startswith(base + "/"):
                return target[len(base) :]
        return None

    def _route(self, path: str) -> Lookup | None:
        settings = self.settings
        segments = path.strip("/").split("/")
        if path in ("/.well-known/did.json", "/did.json"):
            return _document(lambda s: issuers.region_did_document(s, settings), _DID_JSON)
        if path == "/.well-known/jwks.json":
            return _document(
                lambda s: issuers.jwks_document(s, settings), "application/jwk-set+json"
            )
        if len(segments) == 3 and segments[0] == "issuers" and segments[2] == "did.json":
            slug = segments[1]
            return _document(lambda s: issuers.issuer_did_document(s, settings, slug), _DID_JSON)
        if len(segments) == 2 and segments[0] == "issuers" and segments[1]:
            slug = segments[1]

            async def profile(session: AsyncSession) -> Any:
                return issuers.public_profile(await issuers.get_issuer(session, slug), settings)

            return _document(profile, "application/ld+json")
        if len(segments) == 2 and segments[0] == "achievements" and len(segments[1]) <= 36:
            achievement_id = segments[1]

            async def achievement(session: AsyncSession) -> Any:
                version = await achievements.resolve_version(session, achievement_id)
                return achievements.public_document(version)

            return _document(achievement, "application/ld+json")
        return None


def _document(build: Callable[[AsyncSession], Awaitable[Any]], media: str) -> Lookup:
    async def lookup(session: AsyncSession) -> tuple[bytes, str]:
        return _json_bytes(await build(session)), media

    return lookup
