"""Status list rules: where a credential's status lives, flipping it, publishing the list.

W3C Bitstring Status List v1.0 (https://www.w3.org/TR/vc-bitstring-status-list/):

* **Allocation** (§6.5 Decoy Values): each credential gets an index drawn uniformly at
  random among the free indexes of the issuer's current list for that purpose
  (:func:`obcore.statuslist.random_free_index`), so position leaks nothing about issuance
  order. Random candidates are checked against the allocations already recorded, in one
  statement; the free ones are handed out by this process for a few seconds before the
  next check (so most issuances read nothing), and only a nearly full list is read in
  full. An index is *claimed* by inserting its
  allocation row: the unique constraint (list, index) makes a concurrent claim of the
  same index fail, and the caller then draws another (:class:`Slot`). An index is never
  given twice, even after the credential holding it is revoked. Which list is open is
  remembered per process for a few seconds (:class:`OpenLists`).
* **Lists** hold 131,072 entries (the §6.1 minimum: 16 KB) and are numbered per issuer
  and purpose; when the current one has no free index left it is closed and the next is
  opened. A list is also closed when ``OBHUB_PUBLIC_BASE_URL`` is set and the list's URL
  is not under it (the deployment moved, or first ran without it): new credentials must
  point to where lists are published now. Without a configured base URL the request's
  base is used and an open list is kept whatever its host, so that clients using
  different host names do not open a list each. The unique (issuer, purpose, sequence)
  constraint makes two requests racing to open a list agree on one.
* **Publication** (§2.2): ``GET /status/{id}`` serves a ``BitstringStatusListCredential``
  signed ``eddsa-rdfc-2022`` by the issuer's Ed25519 key. Its ``validFrom`` and the
  proof's ``created`` are the time of the list's current version, so the signed document
  is a pure function of (list, version, key): every worker and every restart produces the
  same bytes, and :class:`StatusListCache` keeps them so repeated reads never re-sign.
"""

from __future__ import annotations

import json
import time
from collections import OrderedDict
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import partial
from threading import Lock
from typing import Any, Final, Literal
from weakref import WeakKeyDictionary

import anyio.to_thread
from sqlalchemy import Engine
from sqlalchemy.ext.asyncio import AsyncSession

from issuer_api.errors import ApiError, NotFoundError
from issuer_api.issuers import service as issuers
from issuer_api.models.base import new_id
from issuer_api.settings import Settings
from issuer_api.statuslists import repository
from issuer_api.statuslists.repository import ListHead
from obcore import contexts
from obcore.errors import LimitExceededError
from obcore.proofs import dataintegrity
from obcore.statuslist import (
    BITSTRING_STATUS_LIST_ENTRY,
    MIN_ENTRIES,
    Bitstring,
    encode,
    random_free_index,
)

Purpose = Literal["revocation", "suspension"]
PURPOSES: Final[tuple[Purpose, ...]] = ("revocation", "suspension")

LIST_SIZE: Final = MIN_ENTRIES
"""Entries per list: the specification minimum (131,072), which is also its herd size."""

MEDIA_TYPE: Final = "application/vc+ld+json"
CACHE_CONTROL: Final = "public, max-age=60"

_CANDIDATES_PER_PROBE: Final = 32
_PROBES: Final = 4
_OPEN_ATTEMPTS: Final = 8


class StatusListNotFoundError(NotFoundError):
    code = "status_list_not_found"


class StatusListUnavailableError(ApiError):
    """No list could be opened (only under a storm of concurrent list creations)."""

    status_code = 503
    code = "status_list_unavailable"


def now_utc() -> datetime:
    """The current time at second precision (what credentials carry)."""
    return datetime.now(UTC).replace(microsecond=0)


def list_url(base_url: str, list_id: str) -> str:
    return f"{base_url}/status/{list_id}"


# --------------------------------------------------------------------------- allocation


@dataclass(frozen=True)
class Slot:
    """An index chosen in a list, to be claimed (:func:`claim`) once the credential is built."""

    list_id: str
    list_url: str
    purpose: Purpose
    index: int

    def entry(self) -> dict[str, str]:
        """The credential's ``BitstringStatusListEntry`` (§2.1) for this slot."""
        return {
            "id": f"{self.list_url}#{self.index}",
            "type": BITSTRING_STATUS_LIST_ENTRY,
            "statusPurpose": self.purpose,
            "statusListIndex": str(self.index),
            "statusListCredential": self.list_url,
        }


async def choose_slot(
    session: AsyncSession,
    issuer_id: str,
    purpose: Purpose,
    base_url: str,
    *,
    base_is_configured: bool,
) -> Slot:
    """A random free index in the issuer's current list for ``purpose`` (opened if needed).

    The index is only *chosen*: it becomes the credential's when :func:`claim` succeeds.
    """
    open_lists = _open_lists_of(session)
    for _ in range(_OPEN_ATTEMPTS):
        head = await open_lists.current(session, issuer_id, purpose)
        if head is None:
            await _open_next_list(session, issuer_id, purpose, base_url)
            continue
        if base_is_configured and not head.url.startswith(f"{base_url}/status/"):
            await _close(session, open_lists, head)
            continue
        index = open_lists.take_free(head)
        if index is not None:
            return Slot(head.id, head.url, purpose, index)
        try:
            index = await _free_index(session, head, open_lists)
        except _ListGoneError:
            open_lists.forget(head)  # remembered by this process, no longer in the database
            continue
        if index is None:
            await _close(session, open_lists, head)
            continue
        return Slot(head.id, head.url, purpose, index)
    raise StatusListUnavailableError()


async def _close(session: AsyncSession, open_lists: OpenLists, head: ListHead) -> None:
    open_lists.forget(head)
    await repository.close(session, head.id, now_utc())


class OpenLists:
    """The open list of each issuer and purpose, as last read by this process, for
    ``OPEN_LIST_TTL`` seconds: every credential reads it, and it changes only when the
    list fills up (or the public base URL changes). A list another process closed in
    the meantime still publishes the status of what it holds; a full one is found full
    by :func:`_free_index`, closed here too, and forgotten."""

    def __init__(self) -> None:
        self._heads: dict[tuple[str, str], tuple[float, ListHead]] = {}
        self._free: dict[str, tuple[float, list[int]]] = {}

    def take_free(self, head: ListHead) -> int | None:
        """An index of ``head`` a recent check of this process found free and that it has
        not handed out since (None: none left, or the check is older than
        ``OPEN_LIST_TTL``). Another process may have claimed it meanwhile: the claim
        says so, and :meth:`drop_free` makes the next choice check again."""
        known = self._free.get(head.id)
        if known is None:
            return None
        checked_at, indexes = known
        if not indexes or time.monotonic() - checked_at >= OPEN_LIST_TTL:
            del self._free[head.id]
            return None
        return indexes.pop()

    def remember_free(self, head: ListHead, indexes: list[int]) -> None:
        """Free indexes of ``head`` just checked (drawn at random: handed out in any order)."""
        self._free[head.id] = (time.monotonic(), indexes)

    def drop_free(self, list_id: str) -> None:
        self._free.pop(list_id, None)

    async def current(
        self, session: AsyncSession, issuer_id: str, purpose: Purpose
    ) -> ListHead | None:
        known = self._heads.get((issuer_id, purpose))
        now = time.monotonic()
        if known is not None and now - known[0] < OPEN_LIST_TTL:
            return known[1]
        head = await repository.open_list(session, issuer_id, purpose)
        if head is None:
            self._heads.pop((issuer_id, purpose), None)
        else:
            self._heads[(issuer_id, purpose)] = (now, head)
        return head

    def forget(self, head: ListHead) -> None:
        self.drop_free(head.id)
        known = self._heads.get((head.issuer_id, head.purpose))
        if known is not None and known[1].id == head.id:
            del self._heads[(head.issuer_id, head.purpose)]


OPEN_LIST_TTL: Final = 5.0
_open_lists: WeakKeyDictionary[Engine, OpenLists] = WeakKeyDictionary()


def _open_lists_of(session: AsyncSession) -> OpenLists:
    """One :class:`OpenLists` per database engine (an application's, a job runner's)."""
    bind = session.get_bind()
    engine = bind if isinstance(bind, Engine) else bind.engine
    found = _open_lists.get(engine)
    if found is None:
        found = _open_lists[engine] = OpenLists()
    return found


async def _open_next_list(
    session: AsyncSession, issuer_id: str, purpose: Purpose, base_url: str
) -> None:
    list_id = new_id()
    sequence = await repository.last_sequence(session, issuer_id, purpose) + 1
    # A concurrent request may win this sequence number: then its list is the one to use.
    await repository.insert_list(
        session,
        list_id=list_id,
        issuer_id=issuer_id,
        purpose=purpose,
        sequence=sequence,
        url=list_url(base_url, list_id),
        size=LIST_SIZE,
        now=now_utc(),
    )


class _ListGoneError(Exception):
    """The list a process remembered is not in the database any more."""


async def _free_index(session: AsyncSession, head: ListHead, open_lists: OpenLists) -> int | None:
    """A uniformly random free index, or None when the list is full
    (:class:`_ListGoneError` when the list does not exist). The other free candidates of
    the check are remembered for the next choices (:meth:`OpenLists.take_free`)."""
    known_taken: set[int] = set()
    for _ in range(_PROBES):
        drawn: list[int] = []
        excluded = set(known_taken)
        for _ in range(min(_CANDIDATES_PER_PROBE, head.size - len(excluded))):
            candidate = random_free_index(excluded, head.size)
            drawn.append(candidate)
            excluded.add(candidate)
        if not drawn:
            break
        taken = await repository.taken_among(session, head.id, drawn)
        if taken is None:
            raise _ListGoneError(head.id)
        free = [index for index in drawn if index not in taken]
        if free:
            open_lists.remember_free(head, free[1:])
            return free[0]
        known_taken.update(taken)
    # Dozens of candidates in a row were taken: the list is nearly full. Read it whole.
    try:
        return random_free_index(await repository.all_taken(session, head.id), head.size)
    except LimitExceededError:
        return None


async def claim(session: AsyncSession, slot: Slot, credential_id: str) -> bool:
    """Make ``slot`` the credential's; false if a concurrent request claimed it first
    (then the free indexes this process remembers for that list are checked again)."""
    if await repository.claim(session, slot.list_id, slot.index, credential_id):
        return True
    _open_lists_of(session).drop_free(slot.list_id)
    return False


async def release(session: AsyncSession, slot: Slot, credential_id: str) -> None:
    """Give back a slot claimed in this transaction whose credential will not be stored."""
    await repository.release(session, slot.list_id, slot.index, credential_id)


# --------------------------------------------------------------------------- status changes


async def set_bit(session: AsyncSession, list_id: str, index: int, value: int) -> None:
    """Set entry ``index`` of a list to ``value`` and publish a new version of the list.

    Concurrency: the bitstring is read under ``FOR UPDATE`` on PostgreSQL. On SQLite the
    caller must have written in this transaction already (it holds the database write
    lock, so the read is current); the credential services update the credential row
    first for exactly that reason.
    """
    bits = Bitstring.from_bytes(await repository.lock_bits(session, list_id))
    bits.set(index, value)
    await repository.store_bits(session, list_id, bits.to_bytes(), now_utc())


# --------------------------------------------------------------------------- publication


@dataclass(frozen=True)
class PublishedList:
    """The signed list credential of one version, serialised once."""

    list_id: str
    version: int
    body: bytes

    @property
    def etag(self) -> str:
        return etag_for(self.version)


def etag_for(version: int) -> str:
    """Weak: the version names the list's content; the bytes also depend on the key."""
    return f'W/"{version}"'


def etag_matches(if_none_match: str | None, version: int) -> bool:
    """RFC 9110 §13.1.2 weak comparison of ``If-None-Match`` with the list's ETag."""
    if not if_none_match:
        return False
    wanted = etag_for(version).removeprefix("W/")
    for raw in if_none_match.split(","):
        tag = raw.strip()
        if tag == "*" or tag.removeprefix("W/") == wanted:
            return True
    return False


class StatusListCache:
    """Signed list credentials by (list, version), least recently used evicted first.

    Thread-safe; one per application (``app.state.status_list_cache``).
    """

    def __init__(self, max_entries: int = 256) -> None:
        self._max = max_entries
        self._items: OrderedDict[tuple[str, int], PublishedList] = OrderedDict()
        self._lock = Lock()

    def get(self, list_id: str, version: int) -> PublishedList | None:
        with self._lock:
            item = self._items.get((list_id, version))
            if item is not None:
                self._items.move_to_end((list_id, version))
            return item

    def put(self, item: PublishedList) -> None:
        with self._lock:
            self._items[(item.list_id, item.version)] = item
            self._items.move_to_end((item.list_id, item.version))
            while len(self._items) > self._max:
                self._items.popitem(last=False)


def list_credential_document(
    *, url: str, issuer_id: str, purpose: str, bits: bytes, valid_from: datetime
) -> dict[str, Any]:
    """The unsigned ``BitstringStatusListCredential`` (§2.2)."""
    return {
        "@context": [contexts.VC_V2],
        "id": url,
        "type": ["VerifiableCredential", "BitstringStatusListCredential"],
        "issuer": issuer_id,
        "validFrom": dataintegrity.format_datetime(valid_from),
        "credentialSubject": {
            "id": f"{url}#list",
            "type": "BitstringStatusList",
            "statusPurpose": purpose,
            "encodedList": encode(Bitstring.from_bytes(bits)),
        },
    }


async def head(session: AsyncSession, list_id: str) -> ListHead:
    found = await repository.get_head(session, list_id)
    if found is None:
        raise StatusListNotFoundError()
    return found


async def publish(
    session: AsyncSession,
    list_head: ListHead,
    settings: Settings,
    kek: bytes,
    cache: StatusListCache,
) -> PublishedList:
    """The signed list credential of the list's current version (from the cache if there)."""
    cached = cache.get(list_head.id, list_head.version)
    if cached is not None:
        return cached
    current = await repository.get_bits(session, list_head.id)
    if current is None:
        raise StatusListNotFoundError()
    bits, version = current
    if version != list_head.version:  # changed since the head was read: serve the newer
        refreshed = await repository.get_head(session, list_head.id)
        if refreshed is None:
            raise StatusListNotFoundError()
        list_head = refreshed
        cached = cache.get(list_head.id, list_head.version)
        if cached is not None:
            return cached
        version = list_head.version
    issuer = await issuers.get_issuer(session, list_head.issuer_id)
    key = await issuers.active_signing_key(session, issuer, settings, kek)
    valid_from = list_head.updated_at or list_head.created_at
    document = list_credential_document(
        url=list_head.url,
        issuer_id=issuers.issuer_did(issuer, settings),
        purpose=list_head.purpose,
        bits=bits,
        valid_from=valid_from,
    )
    signed = await anyio.to_thread.run_sync(
        partial(dataintegrity.add_proof, document, key, created=valid_from.replace(microsecond=0))
    )
    published = PublishedList(list_head.id, version, _json_bytes(signed))
    cache.put(published)
    return published


def _json_bytes(document: Mapping[str, Any]) -> bytes:
    return json.dumps(document, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


async def held_urls(session: AsyncSession, urls: Collection[str]) -> set[str]:
    """Those of ``urls`` that are status lists this service holds (any issuer's)."""
    return {head.url for head in await repository.heads_by_url(session, urls)}


async def published_by_url(
    session: AsyncSession,
    urls: set[str],
    settings: Settings,
    kek: bytes,
    cache: StatusListCache,
) -> dict[str, dict[str, Any]]:
    """This service's own list credentials at ``urls`` (unknown URLs are left out)."""
    found: dict[str, dict[str, Any]] = {}
    for list_head in await repository.heads_by_url(session, urls):
        published = await publish(session, list_head, settings, kek, cache)
        found[list_head.url] = json.loads(published.body)
    return found
