"""The contract between the verification pipeline and the outside world.

The pipeline never performs I/O. What it needs from the network it asks a
:class:`DocumentSource`, injected by the caller (the HTTP service, the CLI,
tests). :mod:`verify.fetch` provides the real, SSRF-safe implementation;
tests use in-memory sources.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Final, Protocol

ACCEPT_BADGE: Final = (
    "application/vc+ld+json, application/ld+json, application/json, application/vc+jwt, "
    "application/jwt, text/plain;q=0.8, image/png;q=0.7, image/svg+xml;q=0.7"
)
"""What to ask for when fetching a badge itself (JSON, VC-JWT or baked image)."""


@dataclass(frozen=True)
class Fetched:
    """A document obtained from a URL (after redirects)."""

    url: str  # the URL asked for
    final_url: str  # where it was finally served from
    status: int
    content_type: str
    body: bytes
    headers: Mapping[str, str] = field(default_factory=dict)


class WouldBlock(Exception):  # noqa: N818 - a signal to the caller, not an error
    """The document is not in memory, and this verification may not wait for it.

    Raised by a source built for a verification that runs where blocking is forbidden
    (an event loop's own thread: :class:`verify.cache.MemoryOnlySource`, the service's
    own documents). The caller runs the verification again where it may block. It is
    deliberately not a :class:`~obcore.errors.ResolutionError`: no check may turn it
    into a verdict, it ends the attempt.
    """

    def __init__(self, url: str) -> None:
        super().__init__(f"{url[:200]} is not in memory")
        self.url = url


class DocumentSource(Protocol):
    def get(self, url: str, *, accept: str = "application/json") -> Fetched:
        """GET ``url``.

        Raises :class:`obcore.errors.ResolutionError` (code ``fetch_forbidden``,
        ``fetch_timeout``, ``fetch_too_large``, ``fetch_failed``, ``fetch_status``,
        ``fetch_content_type``, ``fetch_too_many_redirects``) when it cannot be
        obtained. A 4xx/5xx answer is returned (``status``) only for 404 and 410,
        which verification needs to tell apart (OB 2.0 hosted: 410 = revoked).
        """
        ...


class LocalDocuments(Protocol):
    """Documents a caller holds itself, consulted before the network.

    The service answers for what it publishes (its status lists, DID documents, issuer
    profiles) from its own database: no network round trip, and no SSRF exception for
    its own loopback address. The CLI names a running service this way
    (``obhub verify --service``).
    """

    def get(self, url: str, *, accept: str = "application/json") -> Fetched | None:
        """The document at ``url`` if it is one of ours (a 404/410 :class:`Fetched` when
        ours but absent), ``None`` when ``url`` is not ours: it is then fetched.

        Raises :class:`obcore.errors.ResolutionError` like :meth:`DocumentSource.get`.
        """
        ...


@dataclass(frozen=True)
class LocalFirstSource:
    """A :class:`DocumentSource` that asks ``local`` first, then ``network``."""

    local: LocalDocuments
    network: DocumentSource

    def get(self, url: str, *, accept: str = "application/json") -> Fetched:
        found = self.local.get(url, accept=accept)
        return found if found is not None else self.network.get(url, accept=accept)
