"""Network resolution of keys and status lists, and its wiring into the CLI.

Documents are served by a local server; ``rewrite_url`` (a test hook) points
the https URLs and did:web hosts at it, which the allow-list lets through.
"""

from __future__ import annotations

import contextlib
import io
import json
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

from issuer_api.cli import main
from obcore import did as did_mod
from obcore.errors import ResolutionError
from obcore.keys import KeyPair
from obcore.proofs import dataintegrity, vcjwt
from verify.fetch import FetchLimits, HttpFetcher
from verify.pipeline import verify
from verify.resolvers import NetworkResolver, NetworkStatusSource, network_options
from verify.sources import Fetched

from .localhttp import LocalServer, Reply

VECTORS = Path(__file__).parent.parent / "fixtures" / "vectors"
UNSIGNED = Path(__file__).parent.parent / "fixtures" / "cli" / "ob3-unsigned.json"
NOW = datetime(2026, 11, 22, 12, 0, tzinfo=UTC)
ISSUER = "https://issuer.example/issuers/1"
LIMITS = FetchLimits(connect_timeout=1.0, read_timeout=1.0, deadline=3.0)


@pytest.fixture
def server() -> Iterator[LocalServer]:
    local = LocalServer()
    try:
        yield local
    finally:
        local.stop()


def _rewrite(server: LocalServer) -> Any:
    """https://host/path -> http://127.0.0.1:port/host/path (test hook)."""

    def rewrite(url: str) -> str:
        parts = urlsplit(url)
        return f"{server.base}/{parts.hostname}{parts.path}"

    return rewrite


def _serve(server: LocalServer, url: str, document: Any, **kwargs: Any) -> None:
    parts = urlsplit(url)
    body = document if isinstance(document, bytes) else json.dumps(document).encode()
    server.routes[f"/{parts.hostname}{parts.path}"] = Reply(body=body, **kwargs)


def _resolver(server: LocalServer, **kwargs: Any) -> NetworkResolver:
    fetcher = HttpFetcher(allowlist=["127.0.0.1"], limits=LIMITS)
    return NetworkResolver(fetcher, rewrite_url=_rewrite(server), **kwargs)


class NoNetwork:
    def get(self, url: str, *, accept: str = "application/json") -> Fetched:
        raise AssertionError(f"no fetch expected ({url})")


def _controller_doc(base: str, key: KeyPair, fragment: str = "key-1") -> dict[str, Any]:
    vm = did_mod.multikey_method(f"{base}#{fragment}", base, key.public)
    return {
        "@context": [did_mod.DID_CONTEXT, did_mod.MULTIKEY_CONTEXT],
        "id": base,
        "verificationMethod": [vm],
        "assertionMethod": [vm["id"]],
    }


# ---- DIDs -----------------------------------------------------------------------------


def test_did_key_and_did_jwk_are_resolved_without_the_network() -> None:
    key = KeyPair.generate()
    resolver = NetworkResolver(NoNetwork())
    assert resolver(did_mod.did_key_vm_id(key.public)).key.to_jwk() == key.public.to_jwk()
    assert resolver(did_mod.did_jwk_for(key.public) + "#0").source == "did:jwk"


@pytest.mark.parametrize("vm", ["did:velocity:v2:0xabc#key-1", "did:ion:abc#k", "urn:uuid:1"])
def test_unknown_methods_are_unsupported(vm: str) -> None:
    with pytest.raises(ResolutionError) as exc:
        NetworkResolver(NoNetwork())(vm)
    expected = "unsupported_did_method" if vm.startswith("did:") else "unresolvable"
    assert exc.value.code.startswith(expected)


def test_did_web_is_resolved_from_its_https_document(server: LocalServer) -> None:
    docs = json.loads((VECTORS / "aux" / "dcc-did-web-docs.json").read_text("utf-8"))
    did = "did:web:digitalcredentials.github.io:vc-test-fixtures:dids:oidf"
    _serve(server, did_mod.did_web_to_url(did), docs[did], content_type="application/did+json")
    vm = docs[did]["assertionMethod"][0]["id"]

    resolved = _resolver(server)(vm)

    assert (resolved.controller, resolved.source, resolved.authorised) == (did, "did:web", True)
    assert (
        server.hits[0].path == "/digitalcredentials.github.io/vc-test-fixtures/dids/oidf/did.json"
    )


def test_the_dcc_did_web_vector_verifies_end_to_end(server: LocalServer) -> None:
    docs = json.loads((VECTORS / "aux" / "dcc-did-web-docs.json").read_text("utf-8"))
    for did, doc in docs.items():
        _serve(server, did_mod.did_web_to_url(did), doc)
    options = network_options(allowlist=["127.0.0.1"], rewrite_url=_rewrite(server), now=NOW)

    report = verify((VECTORS / "dcc-v2-di-didweb-oidf.json").read_bytes(), options)

    assert report.verdict == "valid", report.to_dict("en", include_credential=False)
    assert report.check("issuer").code == "issuer_bound"  # type: ignore[union-attr]


def test_a_did_web_document_must_carry_its_did(server: LocalServer) -> None:
    key = KeyPair.generate()
    did = "did:web:issuer.example"
    doc = did_mod.build_did_document("did:web:other.example", [("k1", key.public)])
    _serve(server, did_mod.did_web_to_url(did), doc)
    with pytest.raises(ResolutionError) as exc:
        _resolver(server)(f"{did}#k1")
    assert exc.value.code == "did_document_id_mismatch"


def test_a_missing_did_web_document_is_unresolvable(server: LocalServer) -> None:
    with pytest.raises(ResolutionError) as exc:
        _resolver(server)("did:web:issuer.example#k1")
    assert exc.value.code == "document_not_found"


def test_did_web_is_https_only_in_production() -> None:
    """Without the test hook the document URL is https, refused here for a private host."""
    resolver = NetworkResolver(HttpFetcher(limits=LIMITS))
    with pytest.raises(ResolutionError) as exc:
        resolver("did:web:127.0.0.1%3A8443#k1")
    assert exc.value.code == "fetch_forbidden"


# ---- https key URLs -------------------------------------------------------------------


def test_an_https_method_is_bound_through_its_controller_document(server: LocalServer) -> None:
    key = KeyPair.generate()
    _serve(server, ISSUER, _controller_doc(ISSUER, key))
    resolved = _resolver(server)(f"{ISSUER}#key-1")
    assert (resolved.controller, resolved.source, resolved.authorised) == (ISSUER, "https", True)


def test_a_controller_document_under_another_id_is_refused(server: LocalServer) -> None:
    key = KeyPair.generate()
    _serve(server, ISSUER, _controller_doc("https://elsewhere.example/p", key))
    with pytest.raises(ResolutionError) as exc:
        _resolver(server)(f"{ISSUER}#key-1")
    assert exc.value.code == "controller_document_id_mismatch"


def test_a_method_claiming_another_controller_is_refused(server: LocalServer) -> None:
    key = KeyPair.generate()
    doc = _controller_doc(ISSUER, key)
    doc["verificationMethod"][0]["controller"] = "https://victim.example/issuer"
    _serve(server, ISSUER, doc)
    with pytest.raises(ResolutionError) as exc:
        _resolver(server)(f"{ISSUER}#key-1")
    assert exc.value.code == "verification_method_controller_mismatch"


def test_a_method_published_on_its_own_is_bound_by_its_controller(server: LocalServer) -> None:
    key = KeyPair.generate()
    method_url = "https://issuer.example/keys/1"
    _serve(server, method_url, did_mod.multikey_method(method_url, ISSUER, key.public))
    controller = {"id": ISSUER, "assertionMethod": [method_url]}
    _serve(server, ISSUER, controller)

    resolved = _resolver(server)(method_url)
    assert (resolved.controller, resolved.authorised) == (ISSUER, True)

    _serve(server, ISSUER, {"id": ISSUER, "assertionMethod": []})
    with pytest.raises(ResolutionError) as exc:
        _resolver(server)(method_url)
    assert exc.value.code == "verification_method_not_found"


def test_the_fragment_key_is_a_fallback_only_when_trusted_and_unfetchable(
    server: LocalServer,
) -> None:
    key = KeyPair.generate()
    vm = f"{ISSUER}#{key.public.to_multibase()}"

    with pytest.raises(ResolutionError) as exc:
        _resolver(server)(vm)  # 404, not trusted
    assert exc.value.code == "document_not_found"
    resolved = _resolver(server, trust_fragment_keys=True)(vm)
    assert (resolved.source, resolved.controller) == ("fragment", ISSUER)

    _serve(server, ISSUER, _controller_doc(ISSUER, key, key.public.to_multibase()))
    assert _resolver(server)(vm).source == "https"  # fetched: bound, no trust needed

    other = KeyPair.generate()
    _serve(server, ISSUER, _controller_doc(ISSUER, other))
    with pytest.raises(ResolutionError) as exc:
        _resolver(server, trust_fragment_keys=True)(vm)  # the document disowns the key
    assert exc.value.code == "verification_method_not_found"


def test_jwk_and_jwks_endpoints_resolve_jwt_kids(server: LocalServer) -> None:
    key, other = KeyPair.generate(), KeyPair.generate("p256")
    jwks_url = "https://issuer.example/.well-known/jwks.json"
    _serve(server, jwks_url, did_mod.jwks([("a", other.public), ("b", key.public)]))
    jwk_url = "https://issuer.example/keys/b.jwk"
    _serve(
        server, jwk_url, {**key.public.to_jwk(), "kid": "b"}, content_type="application/jwk+json"
    )

    by_fragment = _resolver(server)(f"{jwks_url}#b")
    assert by_fragment.key.to_jwk() == key.public.to_jwk()
    assert (by_fragment.source, by_fragment.controller) == ("jwks", jwks_url)
    assert _resolver(server)(jwk_url).source == "jwk"
    with pytest.raises(ResolutionError) as exc:
        _resolver(server)(f"{jwks_url}#missing")
    assert exc.value.code == "verification_method_not_found"

    _serve(server, jwk_url, key.private_jwk())
    with pytest.raises(ResolutionError) as exc:
        _resolver(server)(jwk_url)
    assert exc.value.code == "invalid_verification_method"


def _credential(issuer: str) -> dict[str, Any]:
    unsigned = json.loads(UNSIGNED.read_text("utf-8"))
    unsigned["issuer"]["id"] = issuer
    return dict(unsigned)


def test_a_vc_jwt_with_an_https_kid_verifies_with_the_issuer_bound(server: LocalServer) -> None:
    key = KeyPair.generate()
    _serve(server, ISSUER, _controller_doc(ISSUER, key))
    token = vcjwt.sign_vc_jwt(_credential(ISSUER), key, kid=f"{ISSUER}#key-1")
    options = network_options(allowlist=["127.0.0.1"], rewrite_url=_rewrite(server), now=NOW)

    report = verify(token, options)

    assert report.verdict == "valid", report.to_dict("en", include_credential=False)
    assert report.check("issuer").code == "issuer_bound"  # type: ignore[union-attr]


def test_the_network_is_asked_once_per_document_thanks_to_the_cache(server: LocalServer) -> None:
    key = KeyPair.generate()
    _serve(server, ISSUER, _controller_doc(ISSUER, key))
    signed = dataintegrity.add_proof(
        _credential(ISSUER), key, verification_method=f"{ISSUER}#key-1"
    )
    options = network_options(allowlist=["127.0.0.1"], rewrite_url=_rewrite(server), now=NOW)

    assert verify(signed, options).verdict == "valid"
    assert verify(signed, options).verdict == "valid"
    assert len(server.hits) == 1


# ---- status lists ---------------------------------------------------------------------


def test_the_status_source_returns_json_objects_and_jwts(server: LocalServer) -> None:
    source = NetworkStatusSource(
        HttpFetcher(allowlist=["127.0.0.1"], limits=LIMITS), rewrite_url=_rewrite(server)
    )
    _serve(
        server, "https://s.example/list.json", {"id": "x"}, content_type="application/vc+ld+json"
    )
    _serve(server, "https://s.example/list.jwt", b" a.b.c\n", content_type="application/vc+jwt")
    _serve(server, "https://s.example/array", [1, 2])
    _serve(server, "https://s.example/text", b"hello", content_type="text/plain")

    assert source("https://s.example/list.json") == {"id": "x"}
    assert source("https://s.example/list.jwt") == "a.b.c"
    for url, code in [
        ("https://s.example/array", "status_list_invalid"),
        ("https://s.example/text", "status_list_invalid"),
        ("https://s.example/missing", "status_list_unavailable"),
    ]:
        with pytest.raises(ResolutionError) as exc:
            source(url)
        assert exc.value.code == code


# ---- the CLI --------------------------------------------------------------------------


def _cli(*args: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(list(args))
    return code, out.getvalue(), err.getvalue()


def test_the_cli_verifies_a_badge_given_by_url(server: LocalServer) -> None:
    server.routes["/badge.json"] = Reply(
        body=(VECTORS / "dcc-v2-di-didkey-basicOBv3.json").read_bytes(),
        content_type="application/ld+json",
    )
    url = server.url("/badge.json")

    code, out, _ = _cli("verify", url, "--allow-host", "127.0.0.1", "--json")
    assert code == 0
    assert json.loads(out)["verdict"] == "valid"

    code, out, _ = _cli("verify", url, "--json")  # not allow-listed: could not be checked
    assert code == 2
    assert json.loads(out)["checks"][0]["code"] == "fetch_forbidden"
    code, _, err = _cli("verify", url, "--offline")
    assert code == 64
    assert "--offline" in err


def test_the_cli_keeps_did_web_on_https(server: LocalServer, tmp_path: Path) -> None:
    """The CLI has no rewrite hook: a did:web naming the local server stays https-only."""
    key = KeyPair.generate()
    did = f"did:web:127.0.0.1%3A{server.port}"
    server.routes["/.well-known/did.json"] = Reply(
        body=json.dumps(did_mod.build_did_document(did, [("k1", key.public)])).encode()
    )
    signed = dataintegrity.add_proof(_credential(did), key, verification_method=f"{did}#k1")
    path = tmp_path / "badge.json"
    path.write_text(json.dumps(signed), encoding="utf-8")

    code, out, _ = _cli("verify", str(path), "--allow-host", "127.0.0.1", "--json")
    offline_code, offline_out, _ = _cli("verify", str(path), "--offline", "--json")

    proof = {c["id"]: c for c in json.loads(out)["checks"]}["proof"]
    assert code == 2
    assert proof["status"] == "indeterminate"
    assert proof["code"] == "fetch_failed"  # TLS to a plain-http server fails
    assert offline_code == 2
    offline_proof = {c["id"]: c for c in json.loads(offline_out)["checks"]}["proof"]
    assert offline_proof["code"] == "unsupported_did_method"
