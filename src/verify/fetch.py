"""The SSRF-safe HTTP fetcher behind every network look-up of the verifier.

:class:`HttpFetcher` implements :class:`verify.sources.DocumentSource` with
synchronous httpx (the pipeline runs in worker threads). What it guarantees:

* **Schemes.** ``https`` only; ``http`` only for a host the allow-list names
  (by name, or an IP literal inside an allow-listed network). No user-info in
  URLs, no cookies (the jar refuses every cookie), no authentication header,
  no proxy from the environment, a clear ``User-Agent``.
* **Addresses.** The host is resolved and *every* address must be public:
  private, loopback, link-local, multicast, reserved, unspecified, CGNAT
  (100.64/10), ``0.0.0.0/8``, documentation and benchmark ranges, unique-local
  and site-local IPv6, and IPv6 forms that embed an IPv4 address (mapped,
  NAT64, 6to4; Teredo and IPv4-compatible are refused outright) are refused,
  unless the allow-list names the host or a network holding the address.
* **IP pinning (no DNS-rebinding window).** The check is made *inside the
  connection*: a custom httpcore network backend (:class:`_PinnedBackend`)
  resolves the host name itself, checks the addresses, and opens the TCP
  socket to the very address it checked. The URL keeps its host name, so the
  ``Host`` header, TLS SNI and certificate verification use the real name
  with no header or SNI rewriting; nothing resolves the name a second time.
  Each :meth:`HttpFetcher.get` uses its own short-lived connection pool, closed
  on return, so no connection outlives the check that opened it.
* **Redirects** are followed by hand (at most :attr:`FetchLimits.max_redirects`),
  each hop checked again (scheme, and addresses at connection time).
* **Time.** Connect and read timeouts per operation, plus an overall deadline
  across all hops, checked between body chunks (a slow-drip body is cut).
  DNS look-ups run under the connect timeout.
* **Size.** The body is read in chunks and abandoned past
  :attr:`FetchLimits.max_bytes` (``Content-Length`` is only used to fail
  early, never trusted); gzip/deflate bodies are decompressed incrementally
  with the same cap on the *decompressed* size (gzip bombs are cut).
* **Content types** are checked against the ``accept`` asked for. Real
  servers are sloppy (GitHub raw serves JSON as ``text/plain``, some
  did.json as ``application/octet-stream``), so when JSON is asked for,
  ``text/plain``, ``application/octet-stream``, any ``application/*+json``
  and a missing type are tolerated too: the caller parses the body and
  refuses what is not JSON. HTML and other types are refused.

Errors are :class:`obcore.errors.ResolutionError` with the codes listed in
:mod:`verify.sources`. 404 and 410 are returned (the caller tells them
apart); 304 is returned only to a conditional request.
"""

from __future__ import annotations

import contextlib
import functools
import ipaddress
import socket
import ssl
import threading
import time
import zlib
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from http.cookiejar import Cookie, CookieJar, CookiePolicy
from typing import Any, Final
from urllib.parse import urljoin
from urllib.request import Request as UrllibRequest

import certifi
import httpcore
import httpx

from obcore.errors import ResolutionError
from verify.sources import Fetched

USER_AGENT: Final = "obhub-verifier/1.0 (+Open Badges 3.0 verification)"

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network
Resolve = Callable[[str, int, float | None], list[str]]
"""``(host, port, timeout) -> addresses``: the DNS look-up (injectable for tests)."""

JSON_TYPES: Final = (
    "application/json",
    "application/ld+json",
    "application/vc+ld+json",
    "application/did+json",
    "application/did+ld+json",
)
ACCEPT_JSON: Final = "application/json, application/ld+json;q=0.9"
ACCEPT_DID: Final = (
    "application/did+json, application/did+ld+json, application/json;q=0.9, "
    "application/ld+json;q=0.9"
)
ACCEPT_STATUS_LIST: Final = (
    "application/vc+ld+json, application/ld+json, application/json, "
    "application/vc+jwt;q=0.9, application/jwt;q=0.9, text/plain;q=0.5"
)
ACCEPT_KEYS: Final = (
    "application/did+json, application/ld+json, application/json, "
    "application/jwk+json, application/jwk-set+json"
)

_REDIRECTS: Final = frozenset({301, 302, 303, 307, 308})
_PASSTHROUGH: Final = frozenset({404, 410})
_CONDITIONAL_HEADERS: Final = frozenset({"if-none-match", "if-modified-since"})

# Ranges Python's ``is_global``/``is_private`` do not cover (3.11) or that we
# refuse explicitly for clarity.
_V4_REFUSED: Final = tuple(
    ipaddress.IPv4Network(n)
    for n in (
        "0.0.0.0/8",
        "100.64.0.0/10",  # CGNAT
        "192.0.0.0/24",
        "198.18.0.0/15",
        "224.0.0.0/4",  # multicast
        "240.0.0.0/4",
    )
)
_NAT64: Final = (ipaddress.IPv6Network("64:ff9b::/96"), ipaddress.IPv6Network("64:ff9b:1::/48"))
_V4_COMPATIBLE: Final = ipaddress.IPv6Network("::/96")


def _embedded_v4(address: ipaddress.IPv6Address) -> ipaddress.IPv4Address | None:
    if address.ipv4_mapped is not None:
        return address.ipv4_mapped
    if any(address in net for net in _NAT64):
        return ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
    if address.sixtofour is not None:
        return address.sixtofour
    return None


def is_public_address(address: IPAddress) -> bool:
    """Whether ``address`` may be fetched without an allow-list entry."""
    if isinstance(address, ipaddress.IPv6Address):
        if address.scope_id:
            return False
        embedded = _embedded_v4(address)
        if embedded is not None:
            return is_public_address(embedded)
        if address.teredo is not None or address in _V4_COMPATIBLE:
            return False
        if address.is_site_local:
            return False
    elif any(address in net for net in _V4_REFUSED):
        return False
    if (
        address.is_private
        or address.is_loopback
        or address.is_link_local
        or address.is_multicast
        or address.is_reserved
        or address.is_unspecified
    ):
        return False
    return address.is_global


def _forbidden(message: str) -> ResolutionError:
    return ResolutionError(message, code="fetch_forbidden")


@dataclass(frozen=True)
class Allowlist:
    """Host names and networks reachable even though private (settings ``fetch_allowlist``).

    A host name matches exactly (no sub-domains); a network (CIDR, or a single
    address) admits the addresses inside it. Allow-listed hosts may also be
    fetched over plain ``http`` (tests, development, internal mirrors).
    """

    hosts: frozenset[str] = frozenset()
    networks: tuple[IPNetwork, ...] = ()

    @classmethod
    def parse(cls, entries: Iterable[str]) -> Allowlist:
        hosts: set[str] = set()
        networks: list[IPNetwork] = []
        for entry in entries:
            text = entry.strip().lower().strip("[]")
            if not text:
                continue
            try:
                networks.append(ipaddress.ip_network(text, strict=False))
            except ValueError:
                hosts.add(text.rstrip("."))
        return cls(frozenset(hosts), tuple(networks))

    def admits_address(self, address: IPAddress) -> bool:
        candidates: list[IPAddress] = [address]
        if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
            candidates.append(address.ipv4_mapped)
        return any(
            a in net for a in candidates for net in self.networks if a.version == net.version
        )

    def admits_host(self, host: str) -> bool:
        """Whether ``host`` is named (or, as an IP literal, covered) by the list."""
        host = host.lower().rstrip(".")
        if host in self.hosts:
            return True
        literal = _ip_literal(host)
        return literal is not None and self.admits_address(literal)


def _ip_literal(host: str) -> IPAddress | None:
    try:
        return ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        return None


def resolve_addresses(host: str, port: int, timeout: float | None = None) -> list[str]:
    """Resolve ``host`` with the system resolver, bounded by ``timeout`` seconds.

    ``getaddrinfo`` cannot be interrupted, so it runs in a daemon thread that is
    abandoned (and finishes on its own) when the timeout passes.
    """
    outcome: dict[str, Any] = {}

    def lookup() -> None:
        try:
            outcome["infos"] = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
        except (OSError, UnicodeError) as exc:
            outcome["error"] = exc

    worker = threading.Thread(target=lookup, name="obhub-dns", daemon=True)
    worker.start()
    worker.join(timeout)
    if worker.is_alive():
        raise ResolutionError(f"resolving {host} timed out", code="fetch_timeout")
    if "error" in outcome:
        raise ResolutionError(f"cannot resolve {host}", code="fetch_failed")
    addresses: list[str] = []
    for _family, _type, _proto, _canon, sockaddr in outcome.get("infos", []):
        text = str(sockaddr[0])
        if text not in addresses:
            addresses.append(text)
    return addresses


class AddressRefusedError(ResolutionError):
    """``host`` resolves to an address that may not be reached (code ``fetch_forbidden``);
    ``reason`` says why, ``address`` is the refused one when it could be read."""

    def __init__(self, host: str, reason: str, address: IPAddress | None = None) -> None:
        detail = f" ({address})" if address is not None else ""
        super().__init__(f"{host} {reason}{detail}", code="fetch_forbidden")
        self.host = host
        self.reason = reason
        self.address = address


def checked_addresses(
    host: str, port: int, timeout: float | None, allowlist: Allowlist, resolve: Resolve | None
) -> list[str]:
    """The addresses of ``host`` (an IP literal, else resolved), every one of them allowed.

    Raises :class:`AddressRefusedError` when one is not public and not allow-listed (the
    host itself not being allow-listed by name), :class:`ResolutionError` when there is none.
    """
    literal = _ip_literal(host)
    if literal is not None:
        texts = [str(literal)]
    else:
        texts = (resolve or resolve_addresses)(host, port, timeout)
        if not texts:
            raise ResolutionError(f"{host} has no address", code="fetch_failed")
    by_name = literal is None and allowlist.admits_host(host)
    for text in texts:
        try:
            address = ipaddress.ip_address(text.split("%", 1)[0])
        except ValueError as exc:
            raise AddressRefusedError(host, "resolved to an unusable address") from exc
        if not (by_name or is_public_address(address) or allowlist.admits_address(address)):
            # One bad address taints the name: never pick a "good" one from a
            # set an attacker controls, and never fall back to another.
            raise AddressRefusedError(host, "resolves to a non-public address", address)
    return texts


class FetchGate:
    """How many fetches may be in flight: ``total`` in the process, ``per_host`` per host.

    A fetch takes its host's slot first, then one of the process's. Waiting for either
    is bounded (``wait`` seconds, or less when the caller's deadline is nearer): a fetch
    that cannot start in time fails at once with ``fetch_timeout`` ("too many fetches in
    progress") instead of holding a worker thread. So a host that answers slowly, or
    never, uses at most ``per_host`` slots, and the fetches to other hosts — and the
    verifications that need no fetch at all — go on.
    """

    def __init__(self, total: int = 24, per_host: int = 4, wait: float = 1.0) -> None:
        self.total = total
        self.per_host = per_host
        self.wait = wait
        self._slots = threading.BoundedSemaphore(total)
        self._hosts: dict[str, tuple[threading.BoundedSemaphore, int]] = {}
        self._lock = threading.Lock()

    def _host(self, host: str) -> threading.BoundedSemaphore:
        with self._lock:
            semaphore, users = self._hosts.get(host, (None, 0))
            if semaphore is None:
                semaphore = threading.BoundedSemaphore(self.per_host)
            self._hosts[host] = (semaphore, users + 1)
            return semaphore

    def _leave(self, host: str, semaphore: threading.BoundedSemaphore) -> None:
        with self._lock:
            current, users = self._hosts.get(host, (None, 0))
            if current is not semaphore:
                return  # the gate was resized meanwhile: that count went with the old one
            if users <= 1:
                del self._hosts[host]
            else:
                self._hosts[host] = (semaphore, users - 1)

    @contextlib.contextmanager
    def slot(self, host: str, deadline: float) -> Iterator[None]:
        """Hold a slot for ``host`` while the block runs (see the class doc)."""
        wait = max(0.0, min(self.wait, deadline))
        per_host = self._host(host)
        slots = self._slots  # released into the semaphore it was taken from, even if resized
        try:
            if not per_host.acquire(timeout=wait):
                raise ResolutionError(
                    f"too many fetches to {host[:100]} are in progress", code="fetch_timeout"
                )
            try:
                if not slots.acquire(timeout=wait):
                    raise ResolutionError("too many fetches are in progress", code="fetch_timeout")
                try:
                    yield
                finally:
                    slots.release()
            finally:
                per_host.release()
        finally:
            self._leave(host, per_host)


DEFAULT_GATE: Final = FetchGate()
"""The process-wide gate every :class:`HttpFetcher` goes through unless given another."""


def configure_gate(*, total: int, per_host: int) -> None:
    """Resize :data:`DEFAULT_GATE` (at start-up, from the settings)."""
    with DEFAULT_GATE._lock:
        if (DEFAULT_GATE.total, DEFAULT_GATE.per_host) == (total, per_host):
            return
        DEFAULT_GATE.total, DEFAULT_GATE.per_host = total, per_host
        DEFAULT_GATE._slots = threading.BoundedSemaphore(total)
        DEFAULT_GATE._hosts = {}


@dataclass(frozen=True)
class FetchLimits:
    connect_timeout: float = 3.0
    read_timeout: float = 5.0
    deadline: float = 10.0  # the whole fetch, redirects included
    max_bytes: int = 2 * 1024 * 1024  # after decompression
    max_redirects: int = 3


class _PinnedBackend(httpcore.NetworkBackend):
    """Resolves, checks, and connects to the checked address (see the module doc)."""

    def __init__(self, allowlist: Allowlist, resolve: Resolve | None) -> None:
        self._allowlist = allowlist
        self._resolve = resolve
        self._inner = httpcore.SyncBackend()

    def use(self, allowlist: Allowlist) -> None:
        """The allow-list for the next connections (set before each hop of one fetch)."""
        self._allowlist = allowlist

    def checked_addresses(self, host: str, port: int, timeout: float | None) -> list[str]:
        return checked_addresses(host, port, timeout, self._allowlist, self._resolve)

    def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[Any] | None = None,
    ) -> httpcore.NetworkStream:
        last: Exception | None = None
        for address in self.checked_addresses(host, port, timeout):
            try:
                # An IP literal: no second resolution between check and connect.
                return self._inner.connect_tcp(
                    address, port, timeout, local_address, socket_options
                )
            except (httpcore.ConnectError, httpcore.ConnectTimeout) as exc:
                last = exc
        assert last is not None  # noqa: S101 - checked_addresses never returns an empty list
        raise last

    def connect_unix_socket(
        self, path: str, timeout: float | None = None, socket_options: Iterable[Any] | None = None
    ) -> httpcore.NetworkStream:
        raise _forbidden("unix sockets are not fetched")

    def sleep(self, seconds: float) -> None:
        self._inner.sleep(seconds)


def _map_httpcore(exc: Exception) -> ResolutionError:
    if isinstance(exc, httpcore.TimeoutException):
        return ResolutionError("the server did not answer in time", code="fetch_timeout")
    return ResolutionError(f"the connection failed ({type(exc).__name__})", code="fetch_failed")


_HTTPCORE_ERRORS: Final = (
    httpcore.TimeoutException,
    httpcore.NetworkError,
    httpcore.ProtocolError,
    httpcore.UnsupportedProtocol,
    OSError,
)


class _Stream(httpx.SyncByteStream):
    def __init__(self, inner: Iterable[bytes]) -> None:
        self._inner = inner

    def __iter__(self) -> Iterator[bytes]:
        try:
            yield from self._inner
        except _HTTPCORE_ERRORS as exc:
            raise _map_httpcore(exc) from exc

    def close(self) -> None:
        closer = getattr(self._inner, "close", None)
        if closer is not None:
            closer()


def httpcore_request(request: httpx.Request) -> httpcore.Request:
    """``request`` as httpcore takes it (for a transport over an httpcore pool)."""
    return httpcore.Request(
        method=request.method,
        url=httpcore.URL(
            scheme=request.url.raw_scheme,
            host=request.url.raw_host,
            port=request.url.port,
            target=request.url.raw_path,
        ),
        headers=request.headers.raw,
        content=request.stream,
        extensions=request.extensions,
    )


class _PinnedTransport(httpx.BaseTransport):
    """An httpx transport over an httpcore pool using :class:`_PinnedBackend`."""

    def __init__(self, backend: _PinnedBackend, ssl_context: ssl.SSLContext) -> None:
        self._pool = httpcore.ConnectionPool(
            ssl_context=ssl_context,
            max_connections=4,
            retries=0,
            http1=True,
            http2=False,
            network_backend=backend,
        )

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        core_request = httpcore_request(request)
        try:
            response = self._pool.handle_request(core_request)
        except _HTTPCORE_ERRORS as exc:
            raise _map_httpcore(exc) from exc
        return httpx.Response(
            status_code=response.status,
            headers=response.headers,
            stream=_Stream(response.stream),  # type: ignore[arg-type]
            extensions=response.extensions,
        )

    def close(self) -> None:
        self._pool.close()


class _NoCookies(CookiePolicy):
    """Refuses to store or send any cookie."""

    netscape = True
    rfc2965 = False
    hide_cookie2 = True

    def set_ok(self, cookie: Cookie, request: UrllibRequest) -> bool:
        return False

    def return_ok(self, cookie: Cookie, request: UrllibRequest) -> bool:
        return False

    def domain_return_ok(self, domain: str, request: UrllibRequest) -> bool:
        return False

    def path_return_ok(self, path: str, request: UrllibRequest) -> bool:
        return False


def _media_type(content_type: str) -> str:
    return content_type.split(";", 1)[0].strip().lower()


def _accepted_types(accept: str) -> set[str]:
    return {_media_type(part) for part in accept.split(",") if part.strip()}


def content_type_acceptable(content_type: str, accept: str) -> bool:
    """Whether a response's type fits the ``accept`` asked for (leniently for JSON)."""
    wanted = _accepted_types(accept)
    got = _media_type(content_type)
    if "*/*" in wanted or got in wanted:
        return True
    if got and "/" in got and f"{got.split('/', 1)[0]}/*" in wanted:
        return True
    json_like = wanted & {*JSON_TYPES, "application/jwk+json", "application/jwk-set+json"}
    if json_like:
        # Sloppy but common: documented in the module docstring.
        if got in ("", "text/plain", "application/octet-stream", *JSON_TYPES):
            return True
        if got.startswith("application/") and got.endswith("+json"):
            return True
    jwt_like = wanted & {"application/jwt", "application/vc+jwt", "text/plain"}
    return bool(jwt_like) and got in ("", "text/plain", "application/jwt", "application/vc+jwt")


class _BoundedBody:
    """Collects a (possibly compressed) body, refusing more than ``cap`` bytes."""

    def __init__(self, encoding: str, cap: int) -> None:
        self._cap = cap
        self._raw_seen = 0
        self._out = bytearray()
        encoding = encoding.strip().lower()
        if encoding in ("", "identity"):
            self._mode = "identity"
        elif encoding in ("gzip", "x-gzip"):
            self._mode = "zlib"
            self._decoder: Any = zlib.decompressobj(16 + zlib.MAX_WBITS)
        elif encoding == "deflate":
            self._mode = "deflate-pending"
        else:
            raise ResolutionError(
                f"unsupported content encoding {encoding[:40]!r}", code="fetch_failed"
            )

    def _too_large(self) -> ResolutionError:
        return ResolutionError(
            f"the response is larger than {self._cap} bytes", code="fetch_too_large"
        )

    def feed(self, chunk: bytes) -> None:
        self._raw_seen += len(chunk)
        if self._raw_seen > self._cap:
            raise self._too_large()
        if self._mode == "identity":
            self._out += chunk
            return
        if self._mode == "deflate-pending":
            if not chunk:
                return
            # "deflate" is zlib-wrapped by the RFC, raw deflate in practice: sniff.
            zlib_wrapped = (
                len(chunk) >= 2 and chunk[0] & 0x0F == 8 and (chunk[0] << 8 | chunk[1]) % 31 == 0
            )
            self._decoder = zlib.decompressobj(zlib.MAX_WBITS if zlib_wrapped else -zlib.MAX_WBITS)
            self._mode = "zlib"
        self._inflate(chunk)

    def _inflate(self, data: bytes) -> None:
        try:
            while data and not self._decoder.eof:
                room = self._cap + 1 - len(self._out)
                self._out += self._decoder.decompress(data, room)
                if len(self._out) > self._cap:
                    raise self._too_large()
                data = self._decoder.unconsumed_tail
        except zlib.error as exc:
            raise ResolutionError("the compressed body is corrupt", code="fetch_failed") from exc

    def finish(self) -> bytes:
        if self._mode == "zlib":
            try:
                tail = self._decoder.flush()
            except zlib.error as exc:
                raise ResolutionError(
                    "the compressed body is corrupt", code="fetch_failed"
                ) from exc
            self._out += tail
            if len(self._out) > self._cap:
                raise self._too_large()
        return bytes(self._out)


@functools.cache
def _ssl_context() -> ssl.SSLContext:
    """One verifying TLS context (certifi's roots, as httpx uses), built once."""
    return ssl.create_default_context(cafile=certifi.where())


@dataclass
class HttpFetcher:
    """The SSRF-safe :class:`~verify.sources.DocumentSource` (see the module doc).

    ``allowlist`` holds host names and networks (settings ``fetch_allowlist``);
    ``resolve`` replaces the DNS look-up (tests); ``clock`` the monotonic clock
    used for the overall deadline. Thread-safe: each call has its own client.
    """

    allowlist: Allowlist | Iterable[str] = ()
    limits: FetchLimits = field(default_factory=FetchLimits)
    resolve: Resolve | None = None
    user_agent: str = USER_AGENT
    clock: Callable[[], float] = time.monotonic
    gate: FetchGate = DEFAULT_GATE
    origin: str | None = None
    """When set (``scheme://host:port``), the allow-list applies to URLs of this origin
    only: any other URL, a redirect's target included, is fetched as without one."""

    def __post_init__(self) -> None:
        if not isinstance(self.allowlist, Allowlist):
            self.allowlist = Allowlist.parse(self.allowlist)
        if self.origin is not None:
            self.origin = origin_of(httpx.URL(self.origin))
        self._ssl_context = _ssl_context()

    @property
    def _allow(self) -> Allowlist:
        assert isinstance(self.allowlist, Allowlist)  # noqa: S101 - set in __post_init__
        return self.allowlist

    def _allow_for(self, url: httpx.URL) -> Allowlist:
        if self.origin is None or origin_of(url) == self.origin:
            return self._allow
        return _NO_EXCEPTION

    def check_url(self, url: str) -> httpx.URL:
        """Parse ``url`` and apply the scheme and literal-address rules (no DNS)."""
        try:
            parsed = httpx.URL(url)
        except (httpx.InvalidURL, TypeError, ValueError) as exc:
            raise _forbidden("the URL is not valid") from exc
        scheme = parsed.scheme
        host = parsed.host
        if scheme not in ("https", "http") or not host:
            raise _forbidden(f"only https URLs are fetched, not {scheme or 'this'!r}")
        if parsed.userinfo:
            raise _forbidden("URLs with credentials are not fetched")
        allow = self._allow_for(parsed)
        if scheme == "http" and not allow.admits_host(host):
            raise _forbidden("plain http is only fetched from allow-listed hosts")
        literal = _ip_literal(host)
        if (
            literal is not None
            and not is_public_address(literal)
            and not allow.admits_address(literal)
        ):
            raise _forbidden(f"{host} is not a public address")
        return parsed

    def get(
        self,
        url: str,
        *,
        accept: str = "application/json",
        headers: Mapping[str, str] | None = None,
        deadline: float | None = None,
    ) -> Fetched:
        """GET ``url`` (see :class:`verify.sources.DocumentSource`).

        ``headers`` may carry conditional headers only (``If-None-Match``,
        ``If-Modified-Since``); a 304 answer is then returned as is. ``deadline``
        (seconds) shortens :attr:`FetchLimits.deadline` for this call: what is left of
        the caller's own time budget. The fetch waits for a slot of :attr:`gate` first
        (that wait counts in the deadline).
        """
        extra = {
            k: v for k, v in (headers or {}).items() if k.lower() in _CONDITIONAL_HEADERS and v
        }
        started = self.clock()
        budget = self.limits.deadline if deadline is None else min(deadline, self.limits.deadline)
        if budget <= 0:
            raise ResolutionError("no time was left to fetch", code="fetch_timeout")
        host = self.check_url(url).host
        with self.gate.slot(host, budget):
            return self._get(url, accept, extra, started, budget)

    def _get(
        self, url: str, accept: str, extra: dict[str, str], started: float, budget: float
    ) -> Fetched:
        backend = _PinnedBackend(self._allow, self.resolve)
        cookies = httpx.Cookies(CookieJar(policy=_NoCookies()))
        with httpx.Client(
            transport=_PinnedTransport(backend, self._ssl_context),
            follow_redirects=False,
            trust_env=False,
            cookies=cookies,
            headers={"User-Agent": self.user_agent, "Accept-Encoding": "gzip, deflate"},
        ) as client:
            current = url
            for _hop in range(self.limits.max_redirects + 1):
                target = self.check_url(current)
                backend.use(self._allow_for(target))
                remaining = self._remaining(started, budget)
                timeout = httpx.Timeout(
                    connect=min(self.limits.connect_timeout, remaining),
                    read=min(self.limits.read_timeout, remaining),
                    write=min(self.limits.read_timeout, remaining),
                    pool=min(self.limits.connect_timeout, remaining),
                )
                request = client.build_request(
                    "GET", target, headers={"Accept": accept, **extra}, timeout=timeout
                )
                try:
                    response = client.send(request, stream=True)
                except httpx.HTTPError as exc:  # pragma: no cover - the transport maps its own
                    raise ResolutionError(
                        f"the request failed: {exc}", code="fetch_failed"
                    ) from exc
                try:
                    location = response.headers.get("location")
                    if response.status_code in _REDIRECTS and location:
                        current = urljoin(str(target), location.strip())
                        continue
                    return self._finish(
                        url,
                        str(target),
                        response,
                        accept,
                        started=started,
                        budget=budget,
                        conditional=bool(extra),
                    )
                finally:
                    response.close()
        raise ResolutionError(
            f"more than {self.limits.max_redirects} redirects", code="fetch_too_many_redirects"
        )

    def _remaining(self, started: float, budget: float) -> float:
        remaining = budget - (self.clock() - started)
        if remaining <= 0:
            raise ResolutionError("the fetch took too long", code="fetch_timeout")
        return remaining

    def _finish(
        self,
        url: str,
        final_url: str,
        response: httpx.Response,
        accept: str,
        *,
        started: float,
        budget: float,
        conditional: bool,
    ) -> Fetched:
        status = response.status_code
        content_type = response.headers.get("content-type", "")
        headers = {k.lower(): v for k, v in response.headers.items()}
        if status == 304 and conditional:
            return Fetched(url, final_url, status, content_type, b"", headers)
        if status != 200 and status not in _PASSTHROUGH:
            raise ResolutionError(f"the server answered {status}", code="fetch_status")
        if status == 200 and not content_type_acceptable(content_type, accept):
            raise ResolutionError(
                f"unexpected content type {_media_type(content_type)[:80]!r}",
                code="fetch_content_type",
            )
        declared = response.headers.get("content-length", "")
        if declared.strip().isdigit() and int(declared) > self.limits.max_bytes:
            raise ResolutionError(
                f"the response is larger than {self.limits.max_bytes} bytes",
                code="fetch_too_large",
            )
        body = _BoundedBody(response.headers.get("content-encoding", ""), self.limits.max_bytes)
        for chunk in response.iter_raw():
            body.feed(chunk)
            self._remaining(started, budget)
        return Fetched(url, final_url, status, content_type, body.finish(), headers)


_NO_EXCEPTION: Final = Allowlist()
DEFAULT_PORTS: Final = {"http": 80, "https": 443}


def is_loopback_name(host: str) -> bool:
    """``localhost`` or a loopback address (``127.0.0.1``, ``::1`` …): a host name that
    names this machine whatever the resolver says (``host`` lower-cased, no brackets)."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def origin_of(url: httpx.URL) -> str:
    """``scheme://host:port`` of ``url``, the port always written."""
    port = url.port or DEFAULT_PORTS.get(url.scheme, 0)
    return f"{url.scheme}://{url.host.lower()}:{port}"


def fetcher_for(allowlist: Iterable[str] = (), *, limits: FetchLimits | None = None) -> HttpFetcher:
    """An :class:`HttpFetcher` for the settings' ``fetch_allowlist``."""
    return HttpFetcher(allowlist=Allowlist.parse(allowlist), limits=limits or FetchLimits())
