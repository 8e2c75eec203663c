"""A small HTTP cache for what verification fetches repeatedly.

DID documents, controller documents and status lists are fetched again and
again (every credential of an issuer names the same ones). :class:`HttpCache`
keeps successful (200) answers in memory:

* bounded: least recently used entries are evicted past ``max_entries`` or
  ``max_bytes``; a body larger than ``max_bytes`` alone is not stored;
* fresh for ``Cache-Control: max-age`` (minus ``Age``), :attr:`HttpCache.default_ttl`
  (300 s) when the server says nothing, never more than :attr:`HttpCache.max_ttl`
  (1 h); ``no-store`` is not stored, ``no-cache`` is stored but always revalidated;
* revalidated with ``If-None-Match`` when stale and an ``ETag`` was given
  (a 304 refreshes the entry);
* thread-safe (one lock), with an injectable monotonic ``clock`` for tests.

404/410 and errors are never cached: a transient failure must not stick, and a
revoked credential's status list is always looked for again.
:class:`CachingSource` puts the cache in front of an :class:`~verify.fetch.HttpFetcher`.
"""

from __future__ import annotations

import re
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Protocol

from obcore.errors import ResolutionError
from verify.sources import Fetched, WouldBlock

_MAX_AGE = re.compile(r"(?:^|,)\s*max-age\s*=\s*\"?(\d{1,10})\"?\s*(?:,|$)", re.IGNORECASE)


class ConditionalSource(Protocol):
    def get(
        self,
        url: str,
        *,
        accept: str = ...,
        headers: Mapping[str, str] | None = None,
        deadline: float | None = None,
    ) -> Fetched: ...


@dataclass
class _Entry:
    fetched: Fetched
    expires: float
    etag: str | None
    size: int


def _directives(headers: Mapping[str, str]) -> set[str]:
    value = headers.get("cache-control", "")
    return {part.strip().split("=", 1)[0].lower() for part in value.split(",") if part.strip()}


class HttpCache:
    def __init__(
        self,
        *,
        max_entries: int = 256,
        max_bytes: int = 16 * 1024 * 1024,
        default_ttl: float = 300.0,
        max_ttl: float = 3600.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.max_entries = max_entries
        self.max_bytes = max_bytes
        self.default_ttl = default_ttl
        self.max_ttl = max_ttl
        self.clock = clock
        self._entries: OrderedDict[tuple[str, str], _Entry] = OrderedDict()
        self._bytes = 0
        self._lock = threading.Lock()

    def __len__(self) -> int:
        with self._lock:
            return len(self._entries)

    @property
    def size_bytes(self) -> int:
        with self._lock:
            return self._bytes

    def ttl_of(self, headers: Mapping[str, str]) -> float | None:
        """Seconds the answer stays fresh; ``None`` when it must not be stored."""
        directives = _directives(headers)
        if "no-store" in directives:
            return None
        if "no-cache" in directives:
            return 0.0
        match = _MAX_AGE.search(headers.get("cache-control", ""))
        ttl = float(match.group(1)) if match else self.default_ttl
        age = headers.get("age", "").strip()
        if match and age.isdigit():
            ttl -= int(age)
        return max(0.0, min(ttl, self.max_ttl))

    def lookup(self, key: tuple[str, str]) -> tuple[Fetched, bool, str | None] | None:
        """``(answer, fresh, etag)`` for ``key``, or ``None``. Marks it recently used."""
        with self._lock:
            entry = self._entries.get(key)
            if entry is None:
                return None
            self._entries.move_to_end(key)
            return entry.fetched, self.clock() < entry.expires, entry.etag

    def store(self, key: tuple[str, str], fetched: Fetched) -> None:
        ttl = self.ttl_of(fetched.headers)
        if ttl is None or fetched.status != 200:
            self.discard(key)
            return
        etag = fetched.headers.get("etag") or None
        if ttl == 0 and etag is None:
            self.discard(key)  # could never be used without a round trip anyway
            return
        size = len(fetched.body) + len(key[0]) + len(key[1]) + 256
        if size > self.max_bytes:
            self.discard(key)
            return
        with self._lock:
            self._remove(key)
            self._entries[key] = _Entry(fetched, self.clock() + ttl, etag, size)
            self._bytes += size
            while len(self._entries) > self.max_entries or self._bytes > self.max_bytes:
                oldest = next(iter(self._entries))
                self._remove(oldest)

    def refresh(self, key: tuple[str, str], headers: Mapping[str, str]) -> Fetched | None:
        """A 304 arrived: the stored answer is fresh again (with the new lifetime)."""
        ttl = self.ttl_of(headers)
        with self._lock:
            entry = self._entries.get(key)
            if entry is None:
                return None
            if ttl is None:
                self._remove(key)
                return entry.fetched
            entry.expires = self.clock() + ttl
            new_etag = headers.get("etag")
            if new_etag:
                entry.etag = new_etag
            self._entries.move_to_end(key)
            return entry.fetched

    def discard(self, key: tuple[str, str]) -> None:
        with self._lock:
            self._remove(key)

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()
            self._bytes = 0

    def _remove(self, key: tuple[str, str]) -> None:
        entry = self._entries.pop(key, None)
        if entry is not None:
            self._bytes -= entry.size


@dataclass
class CachingSource:
    """A :class:`~verify.sources.DocumentSource` that consults ``cache`` before ``source``."""

    source: ConditionalSource
    cache: HttpCache

    def get(
        self, url: str, *, accept: str = "application/json", deadline: float | None = None
    ) -> Fetched:
        """The answer for ``url``; ``deadline``: seconds left to fetch it, if it must be."""
        key = (url, accept)
        cached = self.cache.lookup(key)
        if cached is not None and cached[1]:
            return cached[0]
        etag = cached[2] if cached is not None else None
        conditional = {"If-None-Match": etag} if etag else None
        fetched = self.source.get(url, accept=accept, headers=conditional, deadline=deadline)
        if fetched.status == 304:
            if cached is not None:
                refreshed = self.cache.refresh(key, fetched.headers)
                return refreshed if refreshed is not None else cached[0]
            raise ResolutionError("unexpected 304 Not Modified", code="fetch_status")
        if fetched.status == 200:
            self.cache.store(key, fetched)
        else:
            self.cache.discard(key)
        return fetched


class MemoryOnlySource:
    """A :class:`~verify.sources.DocumentSource` that answers from ``cache`` alone.

    For a verification attempted where blocking is forbidden (on an event loop's thread):
    a fresh cached answer is given exactly as :class:`CachingSource` would give it; any
    other document raises :class:`~verify.sources.WouldBlock`, and the caller runs the
    verification again with a source that may fetch. One per verification: like
    :class:`RequestSource`, it gives a document the same answer every time it is asked
    (another thread may refresh the cache meanwhile).
    """

    def __init__(self, cache: HttpCache) -> None:
        self.cache = cache
        self._answers: dict[tuple[str, str], Fetched] = {}

    def get(self, url: str, *, accept: str = "application/json") -> Fetched:
        key = (url, accept)
        known = self._answers.get(key)
        if known is not None:
            return known
        cached = self.cache.lookup(key)
        if cached is not None and cached[1]:
            self._answers[key] = cached[0]
            return cached[0]
        raise WouldBlock(url)


class _DeadlineSource(Protocol):
    def get(self, url: str, *, accept: str = ..., deadline: float | None = None) -> Fetched: ...


class RequestSource:
    """The documents of *one* verification: each fetched at most once, under one deadline.

    A verification may need the same document several times (the issuer's DID
    document for the credential's proof and for its status list's; a status list
    named by two entries), and :class:`HttpCache` keeps only what the server lets it
    keep, never failures. Here each ``(url, accept)`` is asked for once per
    verification: its answer — or its failure — is remembered and given again.

    ``seconds`` is the time budget of the whole verification, not of each fetch: every
    fetch gets what is left of it, and once it is spent a document not fetched yet
    fails at once (``fetch_timeout``): the checks that needed it are "could not be
    checked", never "invalid".
    """

    def __init__(
        self,
        source: _DeadlineSource,
        seconds: float,
        *,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.source = source
        self.seconds = seconds
        self.clock = clock
        self.ends_at = clock() + seconds
        self.fetches = 0  # how many documents were asked of ``source``
        self._answers: dict[tuple[str, str], Fetched | ResolutionError] = {}
        self._lock = threading.Lock()

    def get(self, url: str, *, accept: str = "application/json") -> Fetched:
        key = (url, accept)
        with self._lock:
            known = self._answers.get(key)
        if known is None:
            known = self._fetch(url, accept)
            with self._lock:
                known = self._answers.setdefault(key, known)
        if isinstance(known, ResolutionError):
            raise known
        return known

    def _fetch(self, url: str, accept: str) -> Fetched | ResolutionError:
        remaining = self.ends_at - self.clock()
        if remaining <= 0:
            return ResolutionError(
                f"the verification's time budget ({self.seconds:g} s) was spent before this "
                "document could be fetched",
                code="fetch_timeout",
            )
        self.fetches += 1
        try:
            return self.source.get(url, accept=accept, deadline=remaining)
        except ResolutionError as exc:
            return exc
