"""Decentralized identifiers: did:key and did:jwk resolved locally, did:web documents.

* did:key (W3C CCG did-method-key): ``did:key:<Multikey>``; the document is
  derived locally with one Multikey verification method ``did:key:z…#z…``.
* did:jwk: ``did:jwk:<base64url(JWK JSON)>``; one JsonWebKey verification
  method ``did:jwk:…#0``.
* did:web: ``did:web:host[%3Aport][:path…]`` maps to
  ``https://host[:port]/path…/did.json`` (``/.well-known/did.json`` for a bare
  host). Fetching is an I/O concern left to :mod:`verify`; this module only maps
  identifiers and builds documents this service publishes.

A verification method is looked up in a DID document by :func:`find_method`,
which also returns whether it is authorised for a proof purpose.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from typing import Any
from urllib.parse import quote, unquote, urlsplit

from obcore import multibase
from obcore.errors import InvalidKeyError, MalformedInputError, ResolutionError
from obcore.keys import PublicKey, jwk_set

DID_CONTEXT = "https://www.w3.org/ns/did/v1"
MULTIKEY_CONTEXT = "https://w3id.org/security/multikey/v1"
JWK_CONTEXT = "https://w3id.org/security/jwk/v1"

_DID_RE = re.compile(r"^did:[a-z0-9]+:[A-Za-z0-9._:%-]+$")
_MAX_DID_JWK_CHARS = 4096


def split_did_url(did_url: str) -> tuple[str, str | None]:
    """Split ``did:…#fragment`` into the DID and the fragment (without ``#``)."""
    did, _, fragment = did_url.partition("#")
    did = did.split("?", 1)[0]
    return did, (fragment or None)


def is_did(value: str) -> bool:
    return isinstance(value, str) and bool(_DID_RE.match(value.split("#", 1)[0]))


# ---- did:key ---------------------------------------------------------------


def did_key_for(public: PublicKey) -> str:
    return "did:key:" + public.to_multibase()


def did_key_vm_id(public: PublicKey) -> str:
    mb = public.to_multibase()
    return f"did:key:{mb}#{mb}"


# did:key multibase → the key's canonical multibase (base58 encoding is slow; bounded).
_MAX_CANONICAL_MULTIBASE = 1024
_CANONICAL_MULTIBASE: dict[str, str] = {}


def resolve_did_key(did: str) -> dict[str, Any]:
    """Derive the DID document of a did:key (Multikey verification method)."""
    if not did.startswith("did:key:"):
        raise ResolutionError(f"not a did:key: {did!r}", code="unsupported_did_method")
    mb = did[len("did:key:") :]
    try:
        public = PublicKey.from_multibase(mb)
    except InvalidKeyError as exc:
        raise ResolutionError(f"invalid did:key: {exc.message}", code="invalid_did") from exc
    vm_id = f"{did}#{mb}"
    canonical = _CANONICAL_MULTIBASE.get(mb)
    if canonical is None:
        canonical = public.to_multibase()
        if len(_CANONICAL_MULTIBASE) >= _MAX_CANONICAL_MULTIBASE:
            _CANONICAL_MULTIBASE.clear()
        _CANONICAL_MULTIBASE[mb] = canonical
    method = {
        "id": vm_id,
        "type": "Multikey",
        "controller": did,
        "publicKeyMultibase": canonical,
    }
    return {
        "@context": [DID_CONTEXT, MULTIKEY_CONTEXT],
        "id": did,
        "verificationMethod": [method],
        "authentication": [vm_id],
        "assertionMethod": [vm_id],
        "capabilityDelegation": [vm_id],
        "capabilityInvocation": [vm_id],
    }


# ---- did:jwk ---------------------------------------------------------------


def did_jwk_for(public: PublicKey) -> str:
    jwk = public.to_jwk()
    ordered = json.dumps(jwk, separators=(",", ":"), sort_keys=True)
    return "did:jwk:" + multibase.b64url_encode(ordered.encode("utf-8"))


def resolve_did_jwk(did: str) -> dict[str, Any]:
    if not did.startswith("did:jwk:"):
        raise ResolutionError(f"not a did:jwk: {did!r}", code="unsupported_did_method")
    encoded = did[len("did:jwk:") :]
    if len(encoded) > _MAX_DID_JWK_CHARS:
        raise ResolutionError("did:jwk is too long", code="invalid_did")
    if "=" in encoded:
        # One key, one spelling: the method uses unpadded base64url.
        raise ResolutionError("did:jwk must be unpadded base64url", code="invalid_did")
    try:
        jwk = json.loads(multibase.b64url_decode(encoded))
        PublicKey.from_jwk(jwk)
    except (MalformedInputError, InvalidKeyError, ValueError) as exc:
        raise ResolutionError(
            "did:jwk does not hold a valid public JWK", code="invalid_did"
        ) from exc
    vm_id = f"{did}#0"
    return {
        "@context": [DID_CONTEXT, JWK_CONTEXT],
        "id": did,
        "verificationMethod": [
            {"id": vm_id, "type": "JsonWebKey", "controller": did, "publicKeyJwk": jwk}
        ],
        "authentication": [vm_id],
        "assertionMethod": [vm_id],
        "capabilityDelegation": [vm_id],
        "capabilityInvocation": [vm_id],
    }


# ---- did:web ---------------------------------------------------------------


def did_web_to_url(did: str) -> str:
    """Map a did:web to the HTTPS URL of its document (did-method-web §3.2)."""
    if not did.startswith("did:web:"):
        raise ResolutionError(f"not a did:web: {did!r}", code="unsupported_did_method")
    parts = did[len("did:web:") :].split(":")
    if not parts or not parts[0]:
        raise ResolutionError("did:web has no host", code="invalid_did")
    host = unquote(parts[0])
    if not re.fullmatch(r"[A-Za-z0-9.-]+(:[0-9]{1,5})?", host):
        raise ResolutionError("did:web host is not a valid domain name", code="invalid_did")
    path = [unquote(p) for p in parts[1:]]
    if any(p in ("", ".", "..") or "/" in p for p in path):
        raise ResolutionError("did:web path is not valid", code="invalid_did")
    if path:
        return f"https://{host}/" + "/".join(quote(p) for p in path) + "/did.json"
    return f"https://{host}/.well-known/did.json"


def did_web_for_url(base_url: str) -> str:
    """The did:web naming a base URL (``https://host:8443/a/b`` → ``did:web:host%3A8443:a:b``)."""
    split = urlsplit(base_url)
    if not split.hostname:
        raise MalformedInputError("a did:web needs an absolute base URL", code="invalid_url")
    host = split.hostname
    if split.port:
        host += "%3A" + str(split.port)
    segments = [quote(s, safe="") for s in split.path.strip("/").split("/") if s]
    return ":".join(["did:web", host, *segments])


def multikey_method(vm_id: str, controller: str, public: PublicKey) -> dict[str, Any]:
    if public.type == "rsa":
        return {
            "id": vm_id,
            "type": "JsonWebKey",
            "controller": controller,
            "publicKeyJwk": public.to_jwk(),
        }
    return {
        "id": vm_id,
        "type": "Multikey",
        "controller": controller,
        "publicKeyMultibase": public.to_multibase(),
    }


def build_did_document(
    did: str,
    methods: Iterable[tuple[str, PublicKey]],
    *,
    assertion: Iterable[str] | None = None,
    also_known_as: Iterable[str] = (),
) -> dict[str, Any]:
    """Build the DID document a service publishes (did:web).

    ``methods`` are ``(fragment, key)`` pairs; all are published (retired keys
    stay verifiable), ``assertion`` lists the fragments authorised to issue
    (default: all).
    """
    vms = [multikey_method(f"{did}#{frag}", did, key) for frag, key in methods]
    contexts: list[str] = [DID_CONTEXT, MULTIKEY_CONTEXT]
    if any(vm["type"] == "JsonWebKey" for vm in vms):
        contexts.append(JWK_CONTEXT)
    allowed = set(assertion) if assertion is not None else None
    asserting = [vm["id"] for vm in vms if allowed is None or vm["id"].split("#", 1)[1] in allowed]
    doc: dict[str, Any] = {
        "@context": contexts,
        "id": did,
        "verificationMethod": vms,
        "assertionMethod": asserting,
        "authentication": asserting,
    }
    aka = list(also_known_as)
    if aka:
        doc["alsoKnownAs"] = aka
    return doc


def jwks(keys: Iterable[tuple[str, PublicKey]]) -> dict[str, Any]:
    """A JSON Web Key Set: ``(kid, key)`` pairs with ``alg`` and ``use`` (see :func:`jwk_set`)."""
    return jwk_set(keys)


# ---- verification methods ---------------------------------------------------


def method_public_key(method: Mapping[str, Any]) -> PublicKey:
    """The key of a verification method (Multikey, Ed25519VerificationKey2020, JsonWebKey)."""
    mtype = method.get("type")
    types = mtype if isinstance(mtype, list) else [mtype]
    mb = method.get("publicKeyMultibase")
    jwk = method.get("publicKeyJwk")
    if isinstance(mb, str) and ({"Multikey", "Ed25519VerificationKey2020"} & set(types)):
        key = PublicKey.from_multibase(mb)
        if "Ed25519VerificationKey2020" in types and key.type != "ed25519":
            raise InvalidKeyError(
                "Ed25519VerificationKey2020 holds a non-Ed25519 key", code="invalid_key"
            )
        return key
    if isinstance(jwk, Mapping) and ({"JsonWebKey", "JsonWebKey2020"} & set(types)):
        return PublicKey.from_jwk(jwk)
    raise InvalidKeyError(
        f"unsupported verification method type {mtype!r}", code="unsupported_verification_method"
    )


def find_method(
    document: Mapping[str, Any], vm_id: str, purpose: str = "assertionMethod"
) -> tuple[dict[str, Any], bool]:
    """Find ``vm_id`` in a DID/controller document.

    Returns the method (with its ``controller``) and whether ``purpose`` lists it.
    Relative ids (``#key-1``) are resolved against the document id.
    """
    doc_id = document.get("id")

    def absolute(ref: str) -> str:
        return f"{doc_id}{ref}" if ref.startswith("#") and isinstance(doc_id, str) else ref

    found: dict[str, Any] | None = None
    candidates: list[Any] = []
    for rel in ("verificationMethod", purpose, "authentication", "assertionMethod"):
        value = document.get(rel)
        if isinstance(value, list):
            candidates.extend(value)
        elif value is not None:
            candidates.append(value)
    for entry in candidates:
        if isinstance(entry, Mapping) and absolute(str(entry.get("id", ""))) == vm_id:
            found = {**entry, "id": vm_id}
            break
    if found is None:
        raise ResolutionError(
            f"verification method {vm_id!r} is not in the document",
            code="verification_method_not_found",
        )
    found.setdefault("controller", doc_id)
    listed = document.get(purpose)
    listed_list = listed if isinstance(listed, list) else ([listed] if listed else [])
    authorised = any(
        (isinstance(e, str) and absolute(e) == vm_id)
        or (isinstance(e, Mapping) and absolute(str(e.get("id", ""))) == vm_id)
        for e in listed_list
    )
    return found, authorised
