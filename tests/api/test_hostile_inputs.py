"""Hostile inputs to ``POST /verify``: each gets a clear answer within a second or two.

Never a crash (500), a hang, or a request to a forbidden address. Every case goes
through the HTTP API (the real router, the real SSRF-safe fetcher, the app's
settings) and asserts the status code, the verdict and the stable code of the
relevant check, and that the request finished under a generous ceiling measured
with ``time.monotonic()`` (a safety assertion, not a benchmark).

Network look-ups only ever reach the local test servers (127.0.0.1, allow-listed
through ``fetch_allowlist`` where a case needs it); the ``connections`` fixture
records every ``connect`` and DNS look-up made while a test runs and fails the
test if one goes anywhere else.
"""

from __future__ import annotations

import base64
import json
import socket
import struct
import time
import zlib
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from obcore import jsonld
from obcore.did import did_key_for, did_key_vm_id
from obcore.keys import KeyPair
from obcore.proofs import dataintegrity as di
from obcore.proofs import vcjwt
from verification.localhttp import LocalServer, Reply

from .helpers import (
    OB_CONTEXT,
    VC_V2,
    open_badge,
    signed_status_list,
    status_entry,
    verifying_service,
)

pytestmark = pytest.mark.anyio

FAST = 3.0  # seconds: the ceiling for anything that needs no network
PASSWD_MARKERS = ("root:x:0:0", "/bin/sh", "/usr/sbin/nologin", "daemon:")


def _did_key_pair(seed_byte: int) -> KeyPair:
    key = KeyPair.from_ed25519_seed(bytes([seed_byte]) * 32)
    return key.with_ids(did_key_vm_id(key.public), did_key_for(key.public))


ISSUER = _did_key_pair(7)


def _badge(issuer: str = ISSUER.controller or "", **members: Any) -> dict[str, Any]:
    return open_badge(issuer, "Hostile Test Issuer", **members)


def _status_entry(url: str) -> dict[str, Any]:
    return status_entry(url, 94567)


def _gzip_bomb(size: int) -> bytes:
    """``size`` zero bytes, gzip-compressed (about 1,000:1), built without holding them."""
    compressor = zlib.compressobj(9, zlib.DEFLATED, 16 + zlib.MAX_WBITS)
    block = bytes(1 << 20)
    parts = [compressor.compress(block) for _ in range(size >> 20)]
    parts.append(compressor.flush())
    return b"".join(parts)


def _b64url(data: bytes | str) -> str:
    raw = data.encode() if isinstance(data, str) else data
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def _jws(header: dict[str, Any], payload: dict[str, Any] | str, signature: str = "c2ln") -> str:
    body = payload if isinstance(payload, str) else json.dumps(payload)
    return f"{_b64url(json.dumps(header))}.{_b64url(body)}.{signature}"


def _png_chunk(kind: bytes, data: bytes, *, length: int | None = None) -> bytes:
    declared = len(data) if length is None else length
    crc = struct.pack(">I", zlib.crc32(kind + data))
    return struct.pack(">I", declared) + kind + data + crc


def _png(*chunks: bytes) -> bytes:
    header = struct.pack(">IIBBBBB", 1, 1, 8, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + _png_chunk(b"IHDR", header)
        + b"".join(chunks)
        + _png_chunk(b"IDAT", zlib.compress(b"\x00\x80"))
        + _png_chunk(b"IEND", b"")
    )


# --------------------------------------------------------------------------- fixtures


class Connections:
    """Every socket ``connect`` and DNS look-up made while a test runs."""

    def __init__(self) -> None:
        self.connected: list[str] = []
        self.resolved: list[str] = []

    def hosts(self) -> set[str]:
        return {*self.connected, *self.resolved}


def _host_of(address: Any) -> str:
    if isinstance(address, tuple) and address:
        return str(address[0])
    return str(address)


@pytest.fixture
def connections(monkeypatch: pytest.MonkeyPatch) -> Connections:
    """Record connections; fail at once on one to anything but the local loopback servers."""
    seen = Connections()
    real_connect = socket.socket.connect
    real_connect_ex = socket.socket.connect_ex
    real_getaddrinfo = socket.getaddrinfo

    def guard(host: str) -> None:
        if host not in ("127.0.0.1", "localhost"):
            raise AssertionError(f"a connection to {host!r} was attempted")

    def connect(self: socket.socket, address: Any) -> None:
        seen.connected.append(_host_of(address))
        if self.family in (socket.AF_INET, socket.AF_INET6):
            guard(_host_of(address))
        real_connect(self, address)

    def connect_ex(self: socket.socket, address: Any) -> int:
        seen.connected.append(_host_of(address))
        if self.family in (socket.AF_INET, socket.AF_INET6):
            guard(_host_of(address))
        return real_connect_ex(self, address)

    def getaddrinfo(host: Any, *args: Any, **kwargs: Any) -> Any:
        seen.resolved.append(str(host))
        guard(str(host))
        return real_getaddrinfo(host, *args, **kwargs)

    monkeypatch.setattr(socket.socket, "connect", connect)
    monkeypatch.setattr(socket.socket, "connect_ex", connect_ex)
    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
    return seen


@pytest.fixture
def silent_port() -> Iterator[int]:
    """A TCP port that accepts connections (kernel backlog) and never says a word."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(8)
        yield int(listener.getsockname()[1])


@pytest.fixture
async def open_client(tmp_path: Path, anyio_backend: str) -> AsyncIterator[httpx.AsyncClient]:
    """The service with an empty allow-list: only public addresses may be fetched."""
    async with verifying_service(tmp_path / "data", timeout=60) as client:
        yield client


@pytest.fixture
async def local_client(tmp_path: Path, anyio_backend: str) -> AsyncIterator[httpx.AsyncClient]:
    """The service with 127.0.0.1 allow-listed (the local test servers)."""
    async with verifying_service(
        tmp_path / "data", timeout=60, fetch_allowlist=["127.0.0.1/32"]
    ) as client:
        yield client


async def _post(
    client: httpx.AsyncClient,
    body: bytes | str,
    content_type: str = "application/json",
    *,
    ceiling: float = FAST,
) -> httpx.Response:
    started = time.monotonic()
    response = await client.post(
        "/verify", content=body, headers={"content-type": content_type, "accept-language": "en"}
    )
    elapsed = time.monotonic() - started
    assert elapsed < ceiling, f"answered in {elapsed:.2f} s (ceiling {ceiling} s)"
    assert response.status_code != 500, response.text[:500]
    return response


def _check(body: dict[str, Any], check_id: str) -> tuple[str, str]:
    check = next(c for c in body["checks"] if c["id"] == check_id)
    return check["status"], check["code"]


def _detail(body: dict[str, Any], check_id: str) -> str:
    check = next(c for c in body["checks"] if c["id"] == check_id)
    return str(check.get("detail", ""))


def _report(response: httpx.Response) -> dict[str, Any]:
    assert response.status_code == 200, response.text[:500]
    body: dict[str, Any] = response.json()
    return body


# --------------------------------------------------------------------------- request size


async def test_a_body_declared_too_large_is_refused_with_413(
    open_client: httpx.AsyncClient,
) -> None:
    response = await _post(open_client, b"{" + b" " * (3 * 1024 * 1024) + b"}")
    assert response.status_code == 413
    assert response.json()["error"]["code"] == "payload_too_large"


async def test_a_chunked_body_past_the_limit_is_refused_with_413(
    open_client: httpx.AsyncClient,
) -> None:
    async def chunks() -> AsyncIterator[bytes]:
        for _ in range(48):  # 3 MiB, no Content-Length
            yield b" " * 65536

    started = time.monotonic()
    response = await open_client.post(
        "/verify", content=chunks(), headers={"content-type": "application/json"}
    )
    assert time.monotonic() - started < FAST
    assert "content-length" not in response.request.headers
    assert response.status_code == 413
    assert response.json()["error"]["code"] == "payload_too_large"


# --------------------------------------------------------------------------- JSON shape


async def test_100000_nested_arrays_are_malformed_json_not_a_recursion_crash(
    open_client: httpx.AsyncClient,
) -> None:
    body = _report(await _post(open_client, b"[" * 100_000 + b"]" * 100_000))
    assert body["verdict"] == "invalid"
    assert _check(body, "parse") == ("invalid", "malformed_json")


async def test_a_credential_nested_beyond_max_depth_is_too_deep(
    open_client: httpx.AsyncClient,
) -> None:
    nested: dict[str, Any] = {"narrative": "bottom"}
    for _ in range(jsonld.MAX_DEPTH + 10):
        nested = {"criteria": nested}
    credential = _badge()
    credential["credentialSubject"]["achievement"]["criteria"] = nested
    body = _report(await _post(open_client, json.dumps(credential)))
    assert body["verdict"] == "invalid"
    assert _check(body, "parse") == ("invalid", "document_too_deep")


async def test_a_credential_with_60000_values_is_too_large(
    open_client: httpx.AsyncClient,
) -> None:
    credential = _badge(evidence=[0] * 60_000)
    assert jsonld.MAX_NODES < 60_000
    body = _report(await _post(open_client, json.dumps(credential)))
    assert body["verdict"] == "invalid"
    assert _check(body, "parse") == ("invalid", "document_too_large")


# --------------------------------------------------------------------------- canonicalization


async def test_an_rdfc_poison_graph_is_refused_fast(open_client: httpx.AsyncClient) -> None:
    """12 blank-node subjects, each linked to all the others: indistinguishable nodes."""
    count = 12
    subjects = [
        {
            "id": f"_:b{i}",
            "type": ["AchievementSubject"],
            "achievement": [{"id": f"_:b{j}"} for j in range(count) if j != i],
        }
        for i in range(count)
    ]
    credential = _badge(credentialSubject=subjects)
    # Signed-looking: a well-formed proof that can never be checked.
    credential["proof"] = {
        "type": "DataIntegrityProof",
        "cryptosuite": "eddsa-rdfc-2022",
        "created": "2025-01-01T00:00:00Z",
        "verificationMethod": ISSUER.id,
        "proofPurpose": "assertionMethod",
        "proofValue": "z" + "1" * 86,
    }
    # The document does expand to a graph of 12 blank nodes linking each other.
    quads = jsonld.to_quads({k: v for k, v in credential.items() if k != "proof"}, safe=True)
    linked = {q for q in quads if "achievement" in str(q)}
    assert len(linked) >= count * (count - 1)

    body = _report(await _post(open_client, json.dumps(credential)))
    assert body["verdict"] == "invalid"
    status, code = _check(body, "safe_mode")
    assert status == "invalid"
    assert code.startswith("canonicalization_")
    assert _check(body, "proof") == ("invalid", code)


# --------------------------------------------------------------------------- status lists


async def test_a_gzip_bomb_encoded_list_is_refused_as_too_large(
    local_client: httpx.AsyncClient, local: LocalServer, connections: Connections
) -> None:
    url = local.url("/status/bomb")
    bomb = _gzip_bomb(64 << 20)  # 64 MiB of zeros in about 64 KB
    encoded = "u" + _b64url(bomb)
    local.routes["/status/bomb"] = Reply(
        body=json.dumps(signed_status_list(url, ISSUER, encoded)).encode(),
        content_type="application/vc+ld+json",
    )
    credential = di.add_proof(_badge(credentialStatus=_status_entry(url)), ISSUER)
    body = _report(await _post(local_client, json.dumps(credential)))
    assert _check(body, "proof") == ("valid", "proof_valid")
    assert _check(body, "status") == ("invalid", "status_list_too_large")
    assert body["verdict"] == "invalid"
    assert [hit.path for hit in local.hits] == ["/status/bomb"]
    assert "127.0.0.1" in connections.connected  # the recorder sees real connections
    assert connections.hosts() <= {"127.0.0.1"}


async def test_a_gzip_bomb_response_body_is_cut_by_the_fetcher(
    local_client: httpx.AsyncClient, local: LocalServer, connections: Connections
) -> None:
    url = local.url("/status/gz")
    local.routes["/status/gz"] = Reply(
        body=_gzip_bomb(64 << 20),
        headers={"Content-Encoding": "gzip"},
        content_type="application/vc+ld+json",
    )
    credential = di.add_proof(_badge(credentialStatus=_status_entry(url)), ISSUER)
    body = _report(await _post(local_client, json.dumps(credential)))
    assert _check(body, "proof") == ("valid", "proof_valid")
    assert _check(body, "status") == ("indeterminate", "status_not_checked")
    assert "larger than" in _detail(body, "status")
    assert body["verdict"] == "indeterminate"
    assert connections.hosts() <= {"127.0.0.1"}


# --------------------------------------------------------------------------- baked images


async def test_a_png_itxt_zlib_bomb_is_refused(open_client: httpx.AsyncClient) -> None:
    compressor = zlib.compressobj(9)
    block = b" " * (1 << 20)
    bomb = b"".join(compressor.compress(block) for _ in range(64)) + compressor.flush()
    itxt = b"openbadgecredential\x00\x01\x00\x00\x00" + bomb
    body = _report(await _post(open_client, _png(_png_chunk(b"iTXt", itxt)), "image/png"))
    assert body["verdict"] in ("invalid", "indeterminate")
    assert _check(body, "parse") == ("invalid", "baked_payload_too_large")


async def test_a_png_chunk_declaring_a_huge_length_is_refused(
    open_client: httpx.AsyncClient,
) -> None:
    lying = _png_chunk(b"iTXt", b"openbadgecredential\x00\x00\x00\x00\x00{}", length=0x7FFFFFF0)
    body = _report(await _post(open_client, _png(lying), "image/png"))
    assert body["verdict"] == "invalid"
    assert _check(body, "parse") == ("invalid", "png_malformed")


async def test_an_svg_billion_laughs_is_refused(open_client: httpx.AsyncClient) -> None:
    entities = ['<!ENTITY lol0 "lol">'] + [
        f'<!ENTITY lol{i} "{f"&lol{i - 1};" * 10}">' for i in range(1, 10)
    ]
    svg = (
        '<?xml version="1.0"?>\n<!DOCTYPE svg [' + "".join(entities) + "]>\n"
        '<svg xmlns="http://www.w3.org/2000/svg" '
        'xmlns:openbadges="https://purl.imsglobal.org/ob/v3p0">'
        "<openbadges:credential><![CDATA[&lol9;]]></openbadges:credential>"
        "<text>&lol9;</text></svg>"
    )
    body = _report(await _post(open_client, svg, "image/svg+xml"))
    assert body["verdict"] == "invalid"
    assert _check(body, "parse") == ("invalid", "svg_forbidden_xml")
    assert "lollollol" not in json.dumps(body)


async def test_an_svg_external_entity_is_never_read(open_client: httpx.AsyncClient) -> None:
    svg = (
        '<?xml version="1.0"?>\n'
        '<!DOCTYPE svg [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>\n'
        '<svg xmlns="http://www.w3.org/2000/svg" '
        'xmlns:openbadges="https://purl.imsglobal.org/ob/v3p0">'
        "<openbadges:credential>&xxe;</openbadges:credential></svg>"
    )
    response = await _post(open_client, svg, "image/svg+xml")
    body = _report(response)
    assert body["verdict"] == "invalid"
    assert _check(body, "parse") == ("invalid", "svg_forbidden_xml")
    assert not any(marker in response.text for marker in PASSWD_MARKERS)


async def test_an_svg_external_entity_uploaded_as_a_file_is_never_read(
    open_client: httpx.AsyncClient,
) -> None:
    svg = (
        b'<?xml version="1.0"?><!DOCTYPE svg [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>'
        b'<svg xmlns="http://www.w3.org/2000/svg"><text>&xxe;</text></svg>'
    )
    started = time.monotonic()
    response = await open_client.post(
        "/verify", files={"file": ("badge.svg", svg, "image/svg+xml")}
    )
    assert time.monotonic() - started < FAST
    body = _report(response)
    assert body["verdict"] == "invalid"
    assert _check(body, "parse")[0] == "invalid"
    assert not any(marker in response.text for marker in PASSWD_MARKERS)


# --------------------------------------------------------------------------- contexts, DIDs


async def test_a_remote_context_is_unknown_and_never_fetched(
    open_client: httpx.AsyncClient, connections: Connections
) -> None:
    credential = _badge()
    credential["@context"] = [VC_V2, OB_CONTEXT, "https://contexts.attacker.example/ctx.jsonld"]
    credential = {**credential, "proof": di.add_proof(_badge(), ISSUER)["proof"]}
    body = _report(await _post(open_client, json.dumps(credential)))
    assert body["verdict"] == "invalid"
    assert _check(body, "contexts") == ("invalid", "unknown_context")
    assert _check(body, "proof") == ("invalid", "unknown_context")
    assert connections.connected == []
    assert connections.resolved == []


async def test_a_context_given_as_a_relative_or_inline_reference_is_not_fetched(
    open_client: httpx.AsyncClient, connections: Connections
) -> None:
    credential = _badge()
    credential["@context"] = [VC_V2, OB_CONTEXT, {"@import": "https://attacker.example/c"}]
    body = _report(await _post(open_client, json.dumps(credential)))
    assert body["verdict"] == "invalid"
    assert connections.connected == []
    assert connections.resolved == []


@pytest.mark.parametrize("did", ["did:example:123", "did:velocity:0x1234abcd"])
async def test_an_unknown_did_method_is_indeterminate(
    open_client: httpx.AsyncClient, connections: Connections, did: str
) -> None:
    credential = di.add_proof(_badge(did), ISSUER, verification_method=f"{did}#key-1")
    body = _report(await _post(open_client, json.dumps(credential)))
    assert _check(body, "proof") == ("indeterminate", "unsupported_did_method")
    assert body["verdict"] == "indeterminate"
    assert connections.connected == []


# --------------------------------------------------------------------------- slow servers

# The fetcher's limits (verify.fetch.FetchLimits: connect 3 s, read 5 s, deadline 10 s)
# are not configurable through Settings: POST /verify always uses the defaults. The
# ceiling is therefore the overall deadline plus slack, not "a second or two".
SLOW_CEILING = 12.0


async def test_a_did_web_host_that_never_answers_is_indeterminate_within_the_deadline(
    local_client: httpx.AsyncClient, silent_port: int, connections: Connections
) -> None:
    did = f"did:web:127.0.0.1%3A{silent_port}"
    credential = di.add_proof(_badge(did), ISSUER, verification_method=f"{did}#key-1")
    response = await _post(local_client, json.dumps(credential), ceiling=SLOW_CEILING)
    body = _report(response)
    assert _check(body, "proof") == ("indeterminate", "fetch_timeout")
    assert body["verdict"] == "indeterminate"
    assert connections.hosts() <= {"127.0.0.1"}


async def test_a_status_list_server_sleeping_30_s_is_indeterminate_within_the_deadline(
    local_client: httpx.AsyncClient, local: LocalServer, connections: Connections
) -> None:
    url = local.url("/status/slow")
    local.routes["/status/slow"] = Reply(delay=30.0, body=b"{}")
    credential = di.add_proof(_badge(credentialStatus=_status_entry(url)), ISSUER)
    response = await _post(local_client, json.dumps(credential), ceiling=SLOW_CEILING)
    body = _report(response)
    assert _check(body, "proof") == ("valid", "proof_valid")
    assert _check(body, "status") == ("indeterminate", "status_not_checked")
    assert "in time" in _detail(body, "status")
    assert body["verdict"] == "indeterminate"


# --------------------------------------------------------------------------- forbidden targets


@pytest.mark.parametrize("host", ["169.254.169.254", "10.0.0.1", "127.0.0.1"])
async def test_a_did_web_on_a_forbidden_address_is_never_contacted(
    open_client: httpx.AsyncClient, local: LocalServer, connections: Connections, host: str
) -> None:
    did = f"did:web:{host}%3A{local.port}" if host == "127.0.0.1" else f"did:web:{host}"
    credential = di.add_proof(_badge(did), ISSUER, verification_method=f"{did}#key-1")
    body = _report(await _post(open_client, json.dumps(credential)))
    assert _check(body, "proof") == ("indeterminate", "fetch_forbidden")
    assert body["verdict"] == "indeterminate"
    assert host not in connections.hosts()
    assert local.hits == []


@pytest.mark.parametrize(
    "url",
    [
        "https://169.254.169.254/latest/meta-data/",
        "http://169.254.169.254/latest/meta-data/",
        "https://10.0.0.1/status/1",
        "https://[::1]/status/1",
        "http://[::1]:{port}/status/1",
        "http://127.0.0.1:{port}/status/1",
        "https://127.0.0.1:{port}/status/1",
        "https://[::ffff:127.0.0.1]:{port}/status/1",
    ],
)
async def test_a_status_list_on_a_forbidden_address_is_never_contacted(
    open_client: httpx.AsyncClient, local: LocalServer, connections: Connections, url: str
) -> None:
    url = url.format(port=local.port)
    credential = di.add_proof(_badge(credentialStatus=_status_entry(url)), ISSUER)
    body = _report(await _post(open_client, json.dumps(credential)))
    assert _check(body, "proof") == ("valid", "proof_valid")
    # The status check keeps one code for every fetch failure; the reason is in the detail.
    assert _check(body, "status") == ("indeterminate", "status_not_checked")
    assert "address" in _detail(body, "status") or "allow-listed" in _detail(body, "status")
    assert body["verdict"] == "indeterminate"
    assert connections.connected == []
    assert local.hits == []


async def test_a_did_web_named_localhost_is_refused_after_resolution(
    open_client: httpx.AsyncClient, local: LocalServer, connections: Connections
) -> None:
    did = f"did:web:localhost%3A{local.port}"
    credential = di.add_proof(_badge(did), ISSUER, verification_method=f"{did}#key-1")
    body = _report(await _post(open_client, json.dumps(credential)))
    assert _check(body, "proof") == ("indeterminate", "fetch_forbidden")
    assert connections.connected == []
    assert local.hits == []


async def test_a_redirect_from_an_allow_listed_server_to_a_forbidden_one_is_not_followed(
    local_client: httpx.AsyncClient, local: LocalServer, connections: Connections
) -> None:
    local.routes["/status/hop"] = Reply(
        status=302, headers={"Location": "http://169.254.169.254/latest/meta-data/"}
    )
    url = local.url("/status/hop")
    credential = di.add_proof(_badge(credentialStatus=_status_entry(url)), ISSUER)
    body = _report(await _post(local_client, json.dumps(credential)))
    assert _check(body, "status") == ("indeterminate", "status_not_checked")
    assert [hit.path for hit in local.hits] == ["/status/hop"]
    assert "169.254.169.254" not in connections.hosts()


async def test_a_jwt_kid_url_on_the_metadata_address_is_never_contacted(
    open_client: httpx.AsyncClient, connections: Connections
) -> None:
    kid = "https://169.254.169.254/latest/meta-data/keys#key-1"
    token = vcjwt.sign_vc_jwt(_badge("https://169.254.169.254/issuer"), ISSUER, kid=kid)
    body = _report(await _post(open_client, token, "text/plain"))
    assert _check(body, "proof") == ("indeterminate", "fetch_forbidden")
    assert body["verdict"] == "indeterminate"
    assert connections.connected == []


async def test_a_badge_url_on_a_host_that_is_not_allow_listed_is_never_fetched(
    open_client: httpx.AsyncClient, local: LocalServer, connections: Connections
) -> None:
    local.routes["/x"] = Reply(body=b"{}")
    payload = json.dumps({"url": local.url("/x")})
    body = _report(await _post(open_client, payload))
    assert body["verdict"] == "indeterminate"
    proof = next(c for c in body["checks"] if c["id"] == "proof")
    assert (proof["status"], proof["code"]) == ("indeterminate", "ob2_hosted_unreachable")
    assert proof["data"]["reason"] == "fetch_forbidden"
    assert connections.connected == []
    assert local.hits == []


async def test_a_badge_url_as_a_text_body_is_never_fetched_either(
    open_client: httpx.AsyncClient, local: LocalServer, connections: Connections
) -> None:
    body = _report(await _post(open_client, "http://169.254.169.254/latest/x", "text/plain"))
    assert body["verdict"] == "indeterminate"
    proof = next(c for c in body["checks"] if c["id"] == "proof")
    assert proof["data"]["reason"] == "fetch_forbidden"
    assert connections.connected == []


# --------------------------------------------------------------------------- VC-JWT


async def test_a_vc_jwt_over_1_mib_is_malformed(open_client: httpx.AsyncClient) -> None:
    header = {"alg": "EdDSA", "typ": "JWT", "kid": ISSUER.id}
    token = _jws(header, _badge(description="x" * (1 << 20)))
    assert len(token) > vcjwt.MAX_TOKEN_BYTES
    body = _report(await _post(open_client, token, "text/plain"))
    assert body["verdict"] == "invalid"
    assert _check(body, "parse") == ("invalid", "malformed_jwt")


async def test_a_vc_jwt_with_a_1_mib_header_is_malformed(open_client: httpx.AsyncClient) -> None:
    header = {"alg": "EdDSA", "typ": "JWT", "kid": ISSUER.id, "x": "y" * (1 << 20)}
    token = _jws(header, _badge())
    body = _report(await _post(open_client, token, "text/plain"))
    assert body["verdict"] == "invalid"
    assert _check(body, "parse") == ("invalid", "malformed_jwt")


async def test_alg_none_is_refused(open_client: httpx.AsyncClient) -> None:
    header = {"alg": "none", "typ": "JWT"}
    credential = _badge()
    with_signature = _report(await _post(open_client, _jws(header, credential), "text/plain"))
    assert with_signature["verdict"] == "invalid"
    assert _check(with_signature, "proof") == ("invalid", "jwt_alg_not_allowed")
    unsigned = _report(await _post(open_client, _jws(header, credential, ""), "text/plain"))
    assert unsigned["verdict"] == "invalid"
    assert _check(unsigned, "parse")[0] == "invalid"


async def test_a_10_kb_kid_gets_a_clear_answer(
    open_client: httpx.AsyncClient, connections: Connections
) -> None:
    credential = _badge()
    cases = {
        "did:key:z6Mk" + "A" * 10_000: ("indeterminate", "invalid_did"),
        "did:example:" + "a" * 10_000 + "#k": ("indeterminate", "unsupported_did_method"),
    }
    for kid, expected in cases.items():
        token = vcjwt.sign_vc_jwt(credential, ISSUER, kid=kid)
        response = await _post(open_client, token, "text/plain")
        body = _report(response)
        assert _check(body, "proof") == expected
        assert body["verdict"] == expected[0]
        assert len(_detail(body, "proof")) < 1000
    assert connections.connected == []


# --------------------------------------------------------------------------- odd bytes


async def test_invalid_utf8_is_malformed(open_client: httpx.AsyncClient) -> None:
    body = _report(await _post(open_client, b'{"type": "\xff\xfe\xc3\x28"}'))
    assert body["verdict"] == "invalid"
    assert _check(body, "parse") == ("invalid", "malformed_json")


async def test_a_bom_prefixed_credential_is_read_as_json(open_client: httpx.AsyncClient) -> None:
    credential = di.add_proof(_badge(), ISSUER)
    payload = b"\xef\xbb\xbf" + json.dumps(credential).encode()
    body = _report(await _post(open_client, payload))
    assert _check(body, "parse") == ("valid", "parsed")
    assert body["verdict"] == "valid"


@pytest.mark.parametrize("payload", [b"{}", b"null", b"42", b"[]", b'"text"', b"true"])
async def test_json_that_is_not_a_credential_is_refused(
    open_client: httpx.AsyncClient, payload: bytes
) -> None:
    body = _report(await _post(open_client, payload))
    assert body["verdict"] == "invalid"
    assert _check(body, "parse") == ("invalid", "not_a_credential")


async def test_an_empty_or_blank_body_is_a_400(open_client: httpx.AsyncClient) -> None:
    for payload in (b"", b"  \n\t "):
        response = await _post(open_client, payload)
        assert response.status_code == 400
        assert response.json()["error"]["code"] == "empty_body"


@pytest.mark.parametrize("body", [b'{"a": ' + b"9" * 5000 + b"}", b"[" + b"9" * 5000 + b"]"])
async def test_an_integer_beyond_the_parser_limit_is_a_report_not_a_500(
    client: httpx.AsyncClient, body: bytes
) -> None:
    response = await client.post(
        "/verify", content=body, headers={"content-type": "application/json"}
    )
    assert response.status_code == 200
    assert response.json()["verdict"] == "invalid"


async def test_a_lone_surrogate_in_a_vc_jwt_payload_is_malformed_not_a_500(
    open_client: httpx.AsyncClient,
) -> None:
    header = {"alg": "EdDSA", "typ": "JWT", "kid": ISSUER.id}
    payload = '{"iss": "x", "vc": {"type": ["VerifiableCredential"], "name": "\\ud800"}}'
    body = _report(await _post(open_client, _jws(header, payload), "text/plain"))
    assert body["verdict"] == "invalid"
    assert _check(body, "parse") == ("invalid", "malformed_jwt")


async def test_a_lone_surrogate_in_a_baked_svg_is_malformed_not_a_500(
    open_client: httpx.AsyncClient,
) -> None:
    svg = (
        '<svg xmlns="http://www.w3.org/2000/svg" '
        'xmlns:openbadges="https://purl.imsglobal.org/ob/v3p0">'
        '<openbadges:credential><![CDATA[{"name": "\\ud800"}]]></openbadges:credential></svg>'
    )
    body = _report(await _post(open_client, svg, "image/svg+xml"))
    assert body["verdict"] == "invalid"
    assert _check(body, "parse") == ("invalid", "malformed_json")
