"""Verification-method resolution: the interface proofs use to find keys.

Proof verification never fetches anything itself: it receives a
:class:`MethodResolver`. :class:`LocalResolver` resolves what needs no network
(did:key, did:jwk, and optionally documents the caller already holds); the
:mod:`verify` package layers did:web and HTTPS resolution on top of it.

The **1EdTech fragment convention** (a verification method such as
``https://issuer.example/keys#z6Mk…`` taken as the key itself without fetching)
is off by default and can be enabled with ``allow_fragment_multikey``; when it
is used, the key is bound to the URL before the fragment. A bare ``did:key``
(no fragment) names exactly one key, so it resolves to it (reported with the
source ``did:key-bare``). See ``docs/verification-policy.md``.

did:key and did:jwk resolution is pure (the document is derived from the
identifier), so its result is kept in bounded LRUs (:data:`DID_KEY_CACHE_SIZE`
and :data:`DID_JWK_CACHE_SIZE` entries, keyed by the verification method id
and purpose; failures are not kept, ids too long to resolve are not cached).
Base58 decoding, key construction and the document walk were about a quarter
of a VC-JWT EdDSA verification (profile of ``bench/vcjwt.py``); a key seen
before now costs a dictionary lookup.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, Final, Protocol

from obcore import did as did_mod
from obcore.errors import InvalidKeyError, ResolutionError
from obcore.keys import PublicKey


@dataclass(frozen=True)
class ResolvedMethod:
    """A verification method resolved to a key and the controller it belongs to."""

    id: str
    controller: str | None
    key: PublicKey
    authorised: bool  # listed under the requested proof purpose
    source: str = "document"  # "did:key", "did:jwk", "did:web", "https", "fragment", "document"


class MethodResolver(Protocol):
    def __call__(self, vm_id: str, purpose: str = "assertionMethod") -> ResolvedMethod: ...


DocumentLookup = Callable[[str], Mapping[str, Any] | None]

DID_KEY_CACHE_SIZE: Final = 4096
DID_JWK_CACHE_SIZE: Final = 1024
# A did:key that resolves holds a 34- or 35-byte Multikey: its method id is short.
_MAX_CACHED_DID_KEY_CHARS: Final = 256
# An 8192-bit RSA did:jwk is ~1,500 characters; the cache holds at most ~3 MB of ids.
_MAX_CACHED_DID_JWK_CHARS: Final = 3072


def method_from_document(
    document: Mapping[str, Any], vm_id: str, purpose: str, source: str
) -> ResolvedMethod:
    method, authorised = did_mod.find_method(document, vm_id, purpose)
    key = did_mod.method_public_key(method)
    controller = method.get("controller")
    return ResolvedMethod(
        vm_id, controller if isinstance(controller, str) else None, key, authorised, source
    )


@dataclass
class LocalResolver:
    """Resolves did:key and did:jwk locally; other ids through ``documents`` if given.

    ``documents`` maps a DID or controller-document URL to a document the
    caller already has (a cache, a test fixture, an HTTP fetch done elsewhere).
    """

    documents: DocumentLookup | None = None
    allow_fragment_multikey: bool = False
    allow_bare_did_key: bool = True

    def __call__(self, vm_id: str, purpose: str = "assertionMethod") -> ResolvedMethod:
        if not isinstance(vm_id, str) or not vm_id:
            raise ResolutionError(
                "verification method is missing", code="missing_verification_method"
            )
        base, _, fragment = vm_id.partition("#")
        if base.startswith("did:key:"):
            if not fragment and not self.allow_bare_did_key:
                raise ResolutionError(
                    "a did:key verification method must name its key with a #fragment",
                    code="bare_did_key_method",
                )
            if len(vm_id) <= _MAX_CACHED_DID_KEY_CHARS:
                return _resolve_did_key_cached(vm_id, purpose)
            return _resolve_did_key(vm_id, purpose)
        if base.startswith("did:jwk:"):
            if len(vm_id) <= _MAX_CACHED_DID_JWK_CHARS:
                return _resolve_did_jwk_cached(vm_id, purpose)
            return _resolve_did_jwk(vm_id, purpose)
        if self.documents is not None:
            doc_found = self.documents(base)
            if doc_found is not None:
                source = "did:web" if base.startswith("did:web:") else "document"
                return method_from_document(doc_found, vm_id, purpose, source)
        if (
            self.allow_fragment_multikey
            and fragment.startswith("z")
            and not base.startswith("did:")
        ):
            try:
                key = PublicKey.from_multibase(fragment)
            except InvalidKeyError as exc:
                raise ResolutionError(
                    f"the fragment is not a Multikey: {exc.message}",
                    code="invalid_verification_method",
                ) from exc
            return ResolvedMethod(vm_id, base, key, True, "fragment")
        if base.startswith("did:"):
            method = base.split(":", 2)[1] if base.count(":") >= 2 else base
            raise ResolutionError(
                f"cannot resolve did:{method} here", code="unsupported_did_method"
            )
        raise ResolutionError(
            f"cannot resolve verification method {vm_id!r} offline",
            code="unresolvable_verification_method",
        )


def _resolve_did_key(vm_id: str, purpose: str) -> ResolvedMethod:
    base, _, fragment = vm_id.partition("#")
    doc = did_mod.resolve_did_key(base)
    full = vm_id if fragment else f"{base}#{base[len('did:key:') :]}"
    resolved = method_from_document(doc, full, purpose, "did:key")
    return ResolvedMethod(
        vm_id,
        resolved.controller,
        resolved.key,
        resolved.authorised,
        "did:key" if fragment else "did:key-bare",
    )


@lru_cache(maxsize=DID_KEY_CACHE_SIZE)
def _resolve_did_key_cached(vm_id: str, purpose: str) -> ResolvedMethod:
    """:func:`_resolve_did_key`, memoised: its result is immutable and depends on its inputs."""
    return _resolve_did_key(vm_id, purpose)


def _resolve_did_jwk(vm_id: str, purpose: str) -> ResolvedMethod:
    base, _, fragment = vm_id.partition("#")
    doc = did_mod.resolve_did_jwk(base)
    return method_from_document(doc, vm_id if fragment else f"{base}#0", purpose, "did:jwk")


@lru_cache(maxsize=DID_JWK_CACHE_SIZE)
def _resolve_did_jwk_cached(vm_id: str, purpose: str) -> ResolvedMethod:
    """:func:`_resolve_did_jwk`, memoised: its result is immutable and depends on its inputs."""
    return _resolve_did_jwk(vm_id, purpose)
