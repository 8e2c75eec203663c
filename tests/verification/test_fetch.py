"""The SSRF-safe fetcher and the HTTP cache, against a local server on 127.0.0.1.

The local server is reached through the allow-list (127.0.0.1), exactly as a
deployment reaches an internal mirror; everything else is refused.
"""

from __future__ import annotations

import gzip
import ipaddress
import json
import threading
import time
import zlib
from collections.abc import Iterator

import pytest

from obcore.errors import ResolutionError
from verify import fetch as fetch_mod
from verify.cache import CachingSource, HttpCache, MemoryOnlySource
from verify.fetch import (
    ACCEPT_DID,
    ACCEPT_STATUS_LIST,
    Allowlist,
    FetchLimits,
    HttpFetcher,
    content_type_acceptable,
    is_public_address,
)
from verify.sources import Fetched, WouldBlock

from .localhttp import Hit, LocalServer, Reply

FAST = FetchLimits(connect_timeout=1.0, read_timeout=0.3, deadline=1.5, max_bytes=64 * 1024)
DOC = json.dumps({"id": "https://issuer.example/", "name": "Issuer"}).encode()


@pytest.fixture
def server() -> Iterator[LocalServer]:
    local = LocalServer()
    try:
        yield local
    finally:
        local.stop()


def _fetcher(**kwargs: object) -> HttpFetcher:
    params: dict[str, object] = {"allowlist": ["127.0.0.1"], "limits": FAST}
    params.update(kwargs)
    return HttpFetcher(**params)  # type: ignore[arg-type]


def _code(exc: pytest.ExceptionInfo[ResolutionError]) -> str:
    return exc.value.code


# ---- address policy -------------------------------------------------------------------


@pytest.mark.parametrize(
    "address",
    [
        "127.0.0.1",
        "10.1.2.3",
        "172.16.0.1",
        "192.168.1.1",
        "169.254.169.254",
        "100.64.0.1",
        "0.0.0.0",  # noqa: S104 - refusing it is the point
        "0.1.2.3",
        "224.0.0.1",
        "239.255.255.250",
        "240.0.0.1",
        "255.255.255.255",
        "198.18.0.1",
        "::1",
        "::",
        "fe80::1",
        "fc00::1",
        "fd12:3456::1",
        "fec0::1",
        "ff02::1",
        "::ffff:127.0.0.1",
        "::ffff:10.0.0.1",
        "::127.0.0.1",
        "64:ff9b::7f00:1",
        "2002:7f00:1::",
        "2001::1",
        "2001:db8::1",
    ],
)
def test_non_public_addresses_are_refused(address: str) -> None:
    assert not is_public_address(ipaddress.ip_address(address))


@pytest.mark.parametrize(
    "address", ["93.184.216.34", "8.8.8.8", "2606:4700:4700::1111", "::ffff:8.8.8.8"]
)
def test_public_addresses_are_accepted(address: str) -> None:
    assert is_public_address(ipaddress.ip_address(address))


def test_the_allowlist_holds_host_names_and_networks() -> None:
    allow = Allowlist.parse(["Mirror.Internal", "10.0.0.0/8", "::1", " "])
    assert allow.admits_host("mirror.internal")
    assert not allow.admits_host("sub.mirror.internal")
    assert allow.admits_host("10.2.3.4")
    assert allow.admits_address(ipaddress.ip_address("::ffff:10.0.0.1"))
    assert allow.admits_host("[::1]")
    assert not allow.admits_host("127.0.0.1")


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1/",
        "https://127.0.0.1/",
        "https://10.0.0.8/did.json",
        "https://169.254.169.254/latest/meta-data/",
        "https://[::1]/",
        "https://[::ffff:127.0.0.1]/",
        "https://0.0.0.0/",
        "http://example.com/",
        "ftp://example.com/file",
        "file:///etc/passwd",
        "https://user:secret@example.com/",
        "not a url",
    ],
)
def test_forbidden_urls_are_refused_without_a_connection(url: str) -> None:
    def no_dns(host: str, port: int, timeout: float | None) -> list[str]:
        raise AssertionError("no look-up expected")

    with pytest.raises(ResolutionError) as exc:
        HttpFetcher(resolve=no_dns, limits=FAST).get(url)
    assert _code(exc) == "fetch_forbidden"


def test_the_local_server_is_refused_without_the_allowlist(server: LocalServer) -> None:
    server.routes["/doc"] = Reply(body=DOC)
    with pytest.raises(ResolutionError) as exc:
        HttpFetcher(limits=FAST).get(server.url("/doc"))
    assert _code(exc) == "fetch_forbidden"
    assert server.hits == []


def test_a_host_name_resolving_to_loopback_is_refused(
    server: LocalServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    server.routes["/doc"] = Reply(body=DOC)
    looked_up: list[str] = []

    def loopback(host: str, port: int, timeout: float | None) -> list[str]:
        looked_up.append(host)
        return ["127.0.0.1"]

    monkeypatch.setattr(fetch_mod, "resolve_addresses", loopback)
    with pytest.raises(ResolutionError) as exc:
        HttpFetcher(limits=FAST).get(f"https://evil.example:{server.port}/doc")
    assert _code(exc) == "fetch_forbidden"
    assert looked_up == ["evil.example"]
    assert server.hits == []


def test_one_private_address_among_public_ones_taints_the_name() -> None:
    def mixed(host: str, port: int, timeout: float | None) -> list[str]:
        return ["93.184.216.34", "10.0.0.1"]

    with pytest.raises(ResolutionError) as exc:
        HttpFetcher(resolve=mixed, limits=FAST).get("https://rebind.example/")
    assert _code(exc) == "fetch_forbidden"


def test_the_connection_goes_to_the_checked_address_with_the_real_host_name(
    server: LocalServer,
) -> None:
    """An allow-listed name is resolved once, and the socket opened to that address."""
    server.routes["/doc"] = Reply(body=DOC)
    calls: list[str] = []

    def resolve(host: str, port: int, timeout: float | None) -> list[str]:
        calls.append(host)
        return ["127.0.0.1"]

    fetcher = HttpFetcher(allowlist=["mirror.internal"], resolve=resolve, limits=FAST)
    fetched = fetcher.get(f"http://mirror.internal:{server.port}/doc")

    assert fetched.status == 200
    assert fetched.body == DOC
    assert calls == ["mirror.internal"]
    assert server.hits[0].headers["host"] == f"mirror.internal:{server.port}"
    assert server.hits[0].headers["user-agent"].startswith("obhub-verifier/")
    assert "cookie" not in server.hits[0].headers
    assert "authorization" not in server.hits[0].headers


def test_the_real_dns_look_up_is_bounded_and_reports_unknown_names() -> None:
    with pytest.raises(ResolutionError) as exc:
        fetch_mod.resolve_addresses("name.invalid", 443, 2.0)
    assert _code(exc) in ("fetch_failed", "fetch_timeout")
    assert fetch_mod.resolve_addresses("127.0.0.1", 80, 2.0) == ["127.0.0.1"]


# ---- redirects ------------------------------------------------------------------------


def test_a_redirect_to_a_forbidden_address_is_refused(server: LocalServer) -> None:
    server.routes["/go"] = Reply(302, headers={"Location": "http://169.254.169.254/latest/"})
    server.routes["/go-private"] = Reply(301, headers={"Location": "https://10.0.0.1/x"})
    for path in ("/go", "/go-private"):
        with pytest.raises(ResolutionError) as exc:
            _fetcher().get(server.url(path))
        assert _code(exc) == "fetch_forbidden"


def test_redirects_are_followed_up_to_three_hops(server: LocalServer) -> None:
    for i in range(1, 5):
        server.routes[f"/r{i}"] = Reply(302, headers={"Location": f"/r{i + 1}"})
    server.routes["/r5"] = Reply(body=DOC)

    fetched = _fetcher().get(server.url("/r2"))
    assert fetched.status == 200
    assert fetched.final_url == server.url("/r5")
    assert fetched.url == server.url("/r2")

    with pytest.raises(ResolutionError) as exc:
        _fetcher().get(server.url("/r1"))
    assert _code(exc) == "fetch_too_many_redirects"


def test_a_redirect_loop_ends(server: LocalServer) -> None:
    server.routes["/loop"] = Reply(307, headers={"Location": "/loop"})
    with pytest.raises(ResolutionError) as exc:
        _fetcher().get(server.url("/loop"))
    assert _code(exc) == "fetch_too_many_redirects"
    assert len(server.hits) == 4


# ---- time -----------------------------------------------------------------------------


def test_a_server_that_does_not_answer_times_out_quickly(server: LocalServer) -> None:
    server.routes["/slow"] = Reply(body=DOC, delay=5)
    started = time.monotonic()
    with pytest.raises(ResolutionError) as exc:
        _fetcher().get(server.url("/slow"))
    assert _code(exc) == "fetch_timeout"
    assert time.monotonic() - started < 1.5


def test_a_slow_drip_body_is_cut_at_the_deadline(server: LocalServer) -> None:
    server.routes["/drip"] = Reply(
        body=(b" " for _ in range(1000)), chunk_delay=0.1, content_length=False
    )
    limits = FetchLimits(connect_timeout=1.0, read_timeout=0.3, deadline=0.6)
    started = time.monotonic()
    with pytest.raises(ResolutionError) as exc:
        _fetcher(limits=limits).get(server.url("/drip"))
    assert _code(exc) == "fetch_timeout"
    assert time.monotonic() - started < 1.5


# ---- size -----------------------------------------------------------------------------


def test_an_oversized_streamed_body_is_cut_off(server: LocalServer) -> None:
    sent: list[int] = []

    def stream() -> Iterator[bytes]:
        for _ in range(64):  # 4 MiB in 64 KiB chunks, no Content-Length
            sent.append(1)
            yield b"x" * 65536

    server.routes["/big"] = Reply(body=stream(), content_length=False)
    with pytest.raises(ResolutionError) as exc:
        _fetcher().get(server.url("/big"))
    assert _code(exc) == "fetch_too_large"


def test_a_declared_oversized_body_fails_early(server: LocalServer) -> None:
    server.routes["/declared"] = Reply(
        body=[b"{}"], headers={"Content-Length": str(10**9)}, content_length=False
    )
    with pytest.raises(ResolutionError) as exc:
        _fetcher().get(server.url("/declared"))
    assert _code(exc) == "fetch_too_large"


def test_a_gzip_bomb_is_cut_at_the_decompressed_cap(server: LocalServer) -> None:
    bomb = gzip.compress(b"\0" * (16 * 1024 * 1024), compresslevel=9)
    assert len(bomb) < FAST.max_bytes
    server.routes["/bomb"] = Reply(body=bomb, headers={"Content-Encoding": "gzip"})
    with pytest.raises(ResolutionError) as exc:
        _fetcher().get(server.url("/bomb"))
    assert _code(exc) == "fetch_too_large"


@pytest.mark.parametrize(
    ("encoding", "encode"),
    [
        ("gzip", gzip.compress),
        ("deflate", zlib.compress),
        ("deflate", lambda data: zlib.compress(data)[2:-4]),  # raw deflate, as servers send it
    ],
    ids=["gzip", "deflate-zlib", "deflate-raw"],
)
def test_compressed_bodies_are_decoded(server: LocalServer, encoding: str, encode: object) -> None:
    assert callable(encode)
    server.routes["/z"] = Reply(body=encode(DOC), headers={"Content-Encoding": encoding})
    assert _fetcher().get(server.url("/z")).body == DOC


def test_a_corrupt_or_unknown_encoding_fails(server: LocalServer) -> None:
    server.routes["/corrupt"] = Reply(body=b"not gzip at all", headers={"Content-Encoding": "gzip"})
    server.routes["/br"] = Reply(body=b"????", headers={"Content-Encoding": "br"})
    for path in ("/corrupt", "/br"):
        with pytest.raises(ResolutionError) as exc:
            _fetcher().get(server.url(path))
        assert _code(exc) == "fetch_failed"


# ---- statuses and content types ---------------------------------------------------------


@pytest.mark.parametrize("status", [404, 410])
def test_404_and_410_are_returned_to_the_caller(server: LocalServer, status: int) -> None:
    server.routes["/gone"] = Reply(status, body=b"<html>gone</html>", content_type="text/html")
    fetched = _fetcher().get(server.url("/gone"))
    assert fetched.status == status


@pytest.mark.parametrize("status", [500, 403, 204, 304])
def test_other_statuses_are_errors(server: LocalServer, status: int) -> None:
    server.routes["/err"] = Reply(status, body=b"" if status in (204, 304) else b"oops")
    with pytest.raises(ResolutionError) as exc:
        _fetcher().get(server.url("/err"))
    assert _code(exc) == "fetch_status"


def test_a_wrong_content_type_is_refused(server: LocalServer) -> None:
    server.routes["/page"] = Reply(body=b"<html></html>", content_type="text/html")
    server.routes["/img"] = Reply(body=b"\x89PNG", content_type="image/png")
    for path in ("/page", "/img"):
        with pytest.raises(ResolutionError) as exc:
            _fetcher().get(server.url(path), accept=ACCEPT_DID)
        assert _code(exc) == "fetch_content_type"


@pytest.mark.parametrize(
    ("content_type", "accept", "ok"),
    [
        ("application/did+json", ACCEPT_DID, True),
        ("application/json; charset=utf-8", ACCEPT_DID, True),
        ("text/plain; charset=utf-8", ACCEPT_DID, True),  # GitHub raw
        ("application/octet-stream", ACCEPT_DID, True),
        ("", ACCEPT_DID, True),
        ("application/vc+jwt", ACCEPT_STATUS_LIST, True),
        ("application/problem+json", ACCEPT_DID, True),
        ("text/html", ACCEPT_DID, False),
        ("image/svg+xml", ACCEPT_DID, False),
        ("image/svg+xml", "image/png, image/svg+xml", True),
        ("text/html", "*/*", True),
        ("application/json", "image/*", False),
    ],
)
def test_content_types_are_judged_per_use(content_type: str, accept: str, ok: bool) -> None:
    assert content_type_acceptable(content_type, accept) is ok


def test_a_refused_connection_is_a_fetch_failure() -> None:
    with pytest.raises(ResolutionError) as exc:
        _fetcher().get("http://127.0.0.1:9/")  # discard port: nothing listens
    assert _code(exc) == "fetch_failed"


# ---- cache ----------------------------------------------------------------------------


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def _etag_route(etag: str, body: bytes, max_age: int = 60) -> object:
    def route(hit: Hit) -> Reply:
        headers = {"ETag": etag, "Cache-Control": f"max-age={max_age}"}
        if hit.headers.get("if-none-match") == etag:
            return Reply(304, headers=headers, content_type=None)
        return Reply(body=body, headers=headers)

    return route


def test_the_cache_serves_fresh_answers_and_revalidates_with_the_etag(
    server: LocalServer,
) -> None:
    server.routes["/list"] = _etag_route('"v1"', DOC)  # type: ignore[assignment]
    clock = Clock()
    source = CachingSource(_fetcher(), HttpCache(clock=clock))

    first = source.get(server.url("/list"))
    second = source.get(server.url("/list"))
    assert first.body == second.body == DOC
    assert len(server.hits) == 1

    clock.now += 61
    third = source.get(server.url("/list"))
    assert third.body == DOC
    assert third.status == 200
    assert len(server.hits) == 2
    assert server.hits[1].headers["if-none-match"] == '"v1"'

    source.get(server.url("/list"))  # fresh again after the 304
    assert len(server.hits) == 2


def test_a_changed_document_replaces_the_cached_one(server: LocalServer) -> None:
    clock = Clock()
    source = CachingSource(_fetcher(), HttpCache(clock=clock))
    server.routes["/doc"] = _etag_route('"v1"', DOC)  # type: ignore[assignment]
    source.get(server.url("/doc"))
    server.routes["/doc"] = _etag_route('"v2"', b'{"v": 2}')  # type: ignore[assignment]
    clock.now += 61
    assert source.get(server.url("/doc")).body == b'{"v": 2}'


def test_entries_expire_and_ttls_are_capped(server: LocalServer) -> None:
    clock = Clock()
    cache = HttpCache(clock=clock)
    source = CachingSource(_fetcher(), cache)
    server.routes["/plain"] = Reply(body=DOC)  # no Cache-Control: 300 s
    server.routes["/long"] = Reply(body=DOC, headers={"Cache-Control": "public, max-age=999999"})
    server.routes["/nostore"] = Reply(body=DOC, headers={"Cache-Control": "no-store"})

    for path in ("/plain", "/long", "/nostore"):
        source.get(server.url(path))
        source.get(server.url(path))
    assert [h.path for h in server.hits] == ["/plain", "/long", "/nostore", "/nostore"]

    clock.now += 301
    source.get(server.url("/plain"))
    source.get(server.url("/long"))
    assert [h.path for h in server.hits][4:] == ["/plain"]

    clock.now += 3600
    source.get(server.url("/long"))
    assert [h.path for h in server.hits][5:] == ["/long"]


def test_404_is_not_cached(server: LocalServer) -> None:
    source = CachingSource(_fetcher(), HttpCache())
    assert source.get(server.url("/missing")).status == 404
    assert source.get(server.url("/missing")).status == 404
    assert len(server.hits) == 2


def test_a_memory_only_source_gives_fresh_cached_answers_and_nothing_else(
    server: LocalServer,
) -> None:
    """On an event loop's thread: what the cache holds fresh, never a round trip."""
    clock = Clock()
    cache = HttpCache(clock=clock)
    server.routes["/list"] = _etag_route('"v1"', DOC)  # type: ignore[assignment]
    url = server.url("/list")

    with pytest.raises(WouldBlock) as not_yet:
        MemoryOnlySource(cache).get(url)
    fetched = CachingSource(_fetcher(), cache).get(url)
    memory = MemoryOnlySource(cache)  # one per verification
    cached = memory.get(url)
    clock.now += 61  # stale: revalidating it would be a round trip
    with pytest.raises(WouldBlock):
        MemoryOnlySource(cache).get(url)
    with pytest.raises(WouldBlock):  # the same URL asked for as another media type
        MemoryOnlySource(cache).get(url, accept="application/did+json")

    assert not_yet.value.url == url
    assert cached == fetched
    assert memory.get(url) == fetched  # within one verification, one answer per document
    assert len(server.hits) == 1
    assert not isinstance(not_yet.value, ResolutionError)  # no check may take it as a verdict


def _answer(url: str, body: bytes, cache_control: str = "") -> Fetched:
    headers = {"cache-control": cache_control} if cache_control else {}
    return Fetched(url, url, 200, "application/json", body, headers)


def test_the_cache_is_bounded_by_entries_and_bytes() -> None:
    cache = HttpCache(max_entries=3, max_bytes=4096)
    for i in range(5):
        cache.store((f"u{i}", "a"), _answer(f"u{i}", b"x"))
    assert len(cache) == 3
    assert cache.lookup(("u0", "a")) is None
    assert cache.lookup(("u4", "a")) is not None

    cache.lookup(("u2", "a"))  # recently used: survives the next eviction
    cache.store(("big", "a"), _answer("big", b"y" * 3000))
    assert cache.lookup(("u2", "a")) is not None
    assert cache.size_bytes <= 4096

    cache.store(("huge", "a"), _answer("huge", b"z" * 10000))
    assert cache.lookup(("huge", "a")) is None


def test_cache_control_is_read() -> None:
    cache = HttpCache()
    assert cache.ttl_of({}) == 300
    assert cache.ttl_of({"cache-control": "max-age=10"}) == 10
    assert cache.ttl_of({"cache-control": "max-age=100", "age": "30"}) == 70
    assert cache.ttl_of({"cache-control": "max-age=99999999"}) == 3600
    assert cache.ttl_of({"cache-control": "no-cache"}) == 0
    assert cache.ttl_of({"cache-control": "private, no-store"}) is None


def test_the_cache_is_thread_safe() -> None:
    cache = HttpCache(max_entries=50, max_bytes=1 << 20)
    errors: list[BaseException] = []

    def work(n: int) -> None:
        try:
            for i in range(300):
                key = (f"u{(n * 7 + i) % 120}", "a")
                cache.store(key, _answer(key[0], b"x" * (i % 50)))
                cache.lookup(key)
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(n,)) for n in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert len(cache) <= 50
    assert cache.size_bytes == sum(e.size for e in cache._entries.values())


# ---- an exemption for one origin (``obhub verify --service``) ------------------------


@pytest.fixture
def other_server() -> Iterator[LocalServer]:
    local = LocalServer()
    try:
        yield local
    finally:
        local.stop()


def test_an_origin_exemption_covers_that_port_only(
    server: LocalServer, other_server: LocalServer
) -> None:
    server.routes["/doc"] = Reply(body=DOC)
    other_server.routes["/doc"] = Reply(body=DOC)
    fetcher = _fetcher(origin=server.base)

    assert fetcher.get(server.url("/doc")).status == 200
    with pytest.raises(ResolutionError) as exc:
        fetcher.get(other_server.url("/doc"))
    assert _code(exc) == "fetch_forbidden"
    assert other_server.hits == []


def test_a_redirect_out_of_the_exempted_origin_is_refused(
    server: LocalServer, other_server: LocalServer
) -> None:
    server.routes["/go"] = Reply(302, headers={"Location": other_server.url("/doc")})
    server.routes["/stay"] = Reply(302, headers={"Location": "/doc"})
    server.routes["/doc"] = Reply(body=DOC)
    other_server.routes["/doc"] = Reply(body=DOC)
    fetcher = _fetcher(origin=server.base)

    assert fetcher.get(server.url("/stay")).final_url == server.url("/doc")
    with pytest.raises(ResolutionError) as exc:
        fetcher.get(server.url("/go"))
    assert _code(exc) == "fetch_forbidden"
    assert other_server.hits == []
