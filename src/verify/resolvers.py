"""Network-backed collaborators of the pipeline: key resolution and status lists.

:class:`NetworkResolver` is a :class:`obcore.resolve.MethodResolver` that adds
the network to :class:`obcore.resolve.LocalResolver`:

* ``did:key`` / ``did:jwk``: resolved locally, as offline.
* ``did:web``: the document at :func:`obcore.did.did_web_to_url` (always
  https); its ``id`` must be the DID, and the method's controller must be
  that DID.
* ``https`` verification methods (OB 3.0 baseline: "HTTP(S) key URLs"):
  the URL before ``#`` is fetched and may be

  - a **controller document** (an issuer profile or DID-like document): its
    ``id`` must be that URL, the method is looked up in it
    (:func:`obcore.did.find_method`) and its controller must be the
    document's ``id``;
  - the **method itself** (``{id, type: Multikey, controller, …}`` at a URL
    without fragment): the controller's document is fetched too and must
    list the method, which binds the key to it;
  - a **JWK** or a **JWKS** (JWT ``kid`` URLs): the key is the JWK, or the
    JWKS entry whose ``kid`` is the full URL or its fragment. Nothing in a
    JWK names a controller, so the controller reported is the URL the key
    was published at (``source`` ``jwk``/``jwks``); the pipeline's issuer
    binding decides what that is worth.
* The **1EdTech fragment convention** (``https://issuer/x#z6Mk…``): the
  controller document is still fetched to bind the key; only when that
  fetch fails (network error, 404/410, not JSON) *and* ``trust_fragment_keys``
  is set is the key taken from the fragment (``source`` ``fragment``). A
  document that is obtained but does not list the key is never overruled.
* Other DID methods: :class:`~obcore.errors.ResolutionError`
  ``unsupported_did_method``.

:class:`NetworkStatusSource` is the pipeline's ``status_source``: the status
list credential at a URL, as a JSON object or a VC-JWT string.
:func:`network_options` builds ready-to-use :class:`~verify.pipeline.VerifyOptions`.

``rewrite_url`` (every class here) maps a URL just before it is fetched. It is
a **test hook** (point ``https://issuer.example`` at a local server): leave it
``None`` in production. It never changes what documents must contain (ids are
compared with the original URLs and DIDs).
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from obcore import did as did_mod
from obcore.errors import InvalidKeyError, ResolutionError
from obcore.keys import PublicKey
from obcore.resolve import LocalResolver, ResolvedMethod, method_from_document
from verify.cache import CachingSource, HttpCache
from verify.fetch import (
    ACCEPT_DID,
    ACCEPT_KEYS,
    ACCEPT_STATUS_LIST,
    FetchLimits,
    HttpFetcher,
)
from verify.pipeline import VerifyOptions
from verify.sources import DocumentSource, Fetched, LocalDocuments, LocalFirstSource

RewriteUrl = Callable[[str], str]
_OPTION_FIELDS = frozenset(f.name for f in dataclasses.fields(VerifyOptions))

_METHOD_TYPES = frozenset(
    {"Multikey", "Ed25519VerificationKey2020", "JsonWebKey", "JsonWebKey2020"}
)
_FETCH_CODES = frozenset(
    {
        "fetch_forbidden",
        "fetch_timeout",
        "fetch_too_large",
        "fetch_failed",
        "fetch_status",
        "fetch_content_type",
        "fetch_too_many_redirects",
        "own_document_failed",
        "document_not_found",
        "invalid_document",
    }
)


def _json(fetched: Fetched, what: str) -> Any:
    try:
        return json.loads(fetched.body.decode("utf-8-sig"))
    except (ValueError, RecursionError) as exc:  # UnicodeDecodeError, huge integers too
        raise ResolutionError(f"the {what} is not JSON", code="invalid_document") from exc


def _listed(document: Mapping[str, Any], vm_id: str, relation: str) -> bool:
    doc_id = document.get("id")
    value = document.get(relation)
    entries = value if isinstance(value, list) else ([value] if value is not None else [])
    for entry in entries:
        ref = entry.get("id") if isinstance(entry, Mapping) else entry
        if not isinstance(ref, str):
            continue
        if ref.startswith("#") and isinstance(doc_id, str):
            ref = doc_id + ref
        if ref == vm_id:
            return True
    return False


def _jwk_key(jwk: Mapping[str, Any]) -> PublicKey:
    use = jwk.get("use")
    if use is not None and use != "sig":
        raise ResolutionError("the JWK is not a signing key", code="invalid_verification_method")
    try:
        return PublicKey.from_jwk(
            {k: v for k, v in jwk.items() if k not in ("kid", "alg", "use", "key_ops")}
        )
    except InvalidKeyError as exc:
        raise ResolutionError(
            f"the JWK is not a usable public key: {exc.message}",
            code="invalid_verification_method",
        ) from exc


@dataclass
class NetworkResolver:
    """A :class:`~obcore.resolve.MethodResolver` that fetches through ``source``."""

    source: DocumentSource
    trust_fragment_keys: bool = False
    allow_bare_did_key: bool = True
    rewrite_url: RewriteUrl | None = None  # test hook only, see the module doc
    local: LocalResolver = field(init=False)

    def __post_init__(self) -> None:
        self.local = LocalResolver(allow_bare_did_key=self.allow_bare_did_key)

    def __call__(self, vm_id: str, purpose: str = "assertionMethod") -> ResolvedMethod:
        if not isinstance(vm_id, str) or not vm_id:
            return self.local(vm_id, purpose)
        base, _, fragment = vm_id.partition("#")
        if base.startswith(("did:key:", "did:jwk:")):
            return self.local(vm_id, purpose)
        if base.startswith("did:web:"):
            return self._did_web(vm_id, base, purpose)
        if base.startswith("did:"):
            method = base.split(":", 2)[1] if base.count(":") >= 2 else base
            raise ResolutionError(f"did:{method} is not supported", code="unsupported_did_method")
        if base.lower().startswith(("https://", "http://")):
            return self._url_method(vm_id, base, fragment, purpose)
        raise ResolutionError(
            f"cannot resolve verification method {vm_id[:200]!r}",
            code="unresolvable_verification_method",
        )

    # ---- fetching ----------------------------------------------------------------

    def _get(self, url: str, accept: str) -> Fetched:
        target = self.rewrite_url(url) if self.rewrite_url is not None else url
        return self.source.get(target, accept=accept)

    def _document(self, url: str, accept: str, what: str) -> Any:
        fetched = self._get(url, accept)
        if fetched.status != 200:
            raise ResolutionError(
                f"the {what} at {url[:200]} answered {fetched.status}",
                code="document_not_found",
            )
        return _json(fetched, what)

    # ---- did:web -----------------------------------------------------------------

    def did_document(self, did: str) -> dict[str, Any]:
        """The DID document of a did:web (its ``id`` checked)."""
        document = self._document(did_mod.did_web_to_url(did), ACCEPT_DID, "DID document")
        if not isinstance(document, dict):
            raise ResolutionError("the DID document is not an object", code="invalid_document")
        if document.get("id") != did:
            raise ResolutionError(
                "the DID document's id is not the DID", code="did_document_id_mismatch"
            )
        return document

    def _did_web(self, vm_id: str, base: str, purpose: str) -> ResolvedMethod:
        did, _ = did_mod.split_did_url(base)
        document = self.did_document(did)
        resolved = method_from_document(document, vm_id, purpose, "did:web")
        if resolved.controller != did:
            raise ResolutionError(
                f"the method's controller is not {did}",
                code="verification_method_controller_mismatch",
            )
        return resolved

    # ---- https -------------------------------------------------------------------

    def _fragment_key(self, vm_id: str, base: str, fragment: str) -> ResolvedMethod | None:
        if not (self.trust_fragment_keys and fragment.startswith("z")):
            return None
        try:
            key = PublicKey.from_multibase(fragment)
        except InvalidKeyError:
            return None
        return ResolvedMethod(vm_id, base, key, True, "fragment")

    def _url_method(self, vm_id: str, base: str, fragment: str, purpose: str) -> ResolvedMethod:
        try:
            document = self._document(base, ACCEPT_KEYS, "controller document")
        except ResolutionError as exc:
            fallback = self._fragment_key(vm_id, base, fragment)
            if fallback is not None and exc.code in _FETCH_CODES:
                return fallback
            raise
        if not isinstance(document, dict):
            raise ResolutionError("the key document is not an object", code="invalid_document")
        if isinstance(document.get("keys"), list):
            return self._from_jwks(document["keys"], vm_id, base, fragment)
        if "kty" in document:
            kid = document.get("kid")
            if fragment and kid is not None and kid not in (fragment, vm_id):
                raise ResolutionError(
                    "the JWK has another kid", code="verification_method_not_found"
                )
            return ResolvedMethod(vm_id, base, _jwk_key(document), True, "jwk")
        if document.get("id") != base:
            raise ResolutionError(
                "the controller document's id is not its URL",
                code="controller_document_id_mismatch",
            )
        types = document.get("type")
        type_set = set(types) if isinstance(types, list) else {types}
        if not fragment and type_set & _METHOD_TYPES:
            return self._method_document(document, vm_id, purpose)
        try:
            resolved = method_from_document(document, vm_id, purpose, "https")
        except InvalidKeyError as exc:
            raise ResolutionError(exc.message, code="invalid_verification_method") from exc
        if resolved.controller != base:
            raise ResolutionError(
                f"the method's controller is not {base[:200]}",
                code="verification_method_controller_mismatch",
            )
        return resolved

    def _method_document(
        self, method: Mapping[str, Any], vm_id: str, purpose: str
    ) -> ResolvedMethod:
        """A verification method published on its own: bind it through its controller."""
        controller = method.get("controller")
        if not isinstance(controller, str) or not controller.startswith(("https://", "http://")):
            raise ResolutionError(
                "the verification method names no https controller",
                code="verification_method_controller_mismatch",
            )
        try:
            key = did_mod.method_public_key(method)
        except InvalidKeyError as exc:
            raise ResolutionError(exc.message, code="invalid_verification_method") from exc
        document = self._document(controller, ACCEPT_KEYS, "controller document")
        if not isinstance(document, dict) or document.get("id") != controller:
            raise ResolutionError(
                "the controller document's id is not its URL",
                code="controller_document_id_mismatch",
            )
        authorised = _listed(document, vm_id, purpose)
        if not (authorised or _listed(document, vm_id, "verificationMethod")):
            raise ResolutionError(
                "the controller document does not list the method",
                code="verification_method_not_found",
            )
        return ResolvedMethod(vm_id, controller, key, authorised, "https")

    def _from_jwks(self, keys: list[Any], vm_id: str, base: str, fragment: str) -> ResolvedMethod:
        jwks = [k for k in keys if isinstance(k, Mapping)]
        wanted = {vm_id, fragment} if fragment else {vm_id}
        matching = [k for k in jwks if k.get("kid") in wanted]
        if not matching and not fragment and len(jwks) == 1:
            matching = jwks
        if len(matching) != 1:
            raise ResolutionError(
                "the key set has no single key with this kid",
                code="verification_method_not_found",
            )
        return ResolvedMethod(vm_id, base, _jwk_key(matching[0]), True, "jwks")


def _looks_like_jwt(text: str) -> bool:
    parts = text.split(".")
    return len(parts) == 3 and all(parts) and not text.startswith(("{", "["))


@dataclass
class NetworkStatusSource:
    """The pipeline's ``status_source``: the status list credential published at a URL."""

    source: DocumentSource
    rewrite_url: RewriteUrl | None = None  # test hook only

    def __call__(self, url: str) -> Mapping[str, Any] | str:
        target = self.rewrite_url(url) if self.rewrite_url is not None else url
        fetched = self.source.get(target, accept=ACCEPT_STATUS_LIST)
        if fetched.status != 200:
            raise ResolutionError(
                f"the status list answered {fetched.status}", code="status_list_unavailable"
            )
        try:
            text = fetched.body.decode("utf-8-sig").strip()
        except UnicodeDecodeError as exc:
            raise ResolutionError(
                "the status list is not text", code="status_list_invalid"
            ) from exc
        if _looks_like_jwt(text):
            return text
        try:
            value = json.loads(text)
        except (ValueError, RecursionError) as exc:  # ValueError: also 4,300+ digit integers
            raise ResolutionError(
                "the status list is neither JSON nor a JWT", code="status_list_invalid"
            ) from exc
        if not isinstance(value, dict):
            raise ResolutionError(
                "the status list is not a JSON object", code="status_list_invalid"
            )
        return value


def network_source(
    allowlist: Iterable[str] = (),
    *,
    cache: HttpCache | None = None,
    limits: FetchLimits | None = None,
) -> CachingSource:
    """An SSRF-safe fetcher behind an HTTP cache (a new cache when none is given)."""
    fetcher = HttpFetcher(allowlist=allowlist, limits=limits or FetchLimits())
    return CachingSource(fetcher, cache if cache is not None else HttpCache())


def network_options(
    *,
    allowlist: Iterable[str] = (),
    trust_fragment_keys: bool = False,
    cache: HttpCache | None = None,
    source: DocumentSource | None = None,
    limits: FetchLimits | None = None,
    recipient: str | None = None,
    now: datetime | None = None,
    rewrite_url: RewriteUrl | None = None,
    local: LocalDocuments | None = None,
    **options: Any,
) -> VerifyOptions:
    """:class:`~verify.pipeline.VerifyOptions` resolving keys and status lists on the network.

    ``allowlist`` is the settings' ``fetch_allowlist``; ``cache`` is shared
    between calls by long-running callers (the HTTP service); ``source``
    replaces the whole fetcher (tests); ``local`` answers first for the documents the
    caller holds itself (never cached here: a revocation shows at once); further keyword
    arguments go to :class:`~verify.pipeline.VerifyOptions`.
    """
    if source is None:
        source = network_source(allowlist, cache=cache, limits=limits)
    if local is not None:
        source = LocalFirstSource(local, source)
    if "documents" in _OPTION_FIELDS:
        # OB 2.0 verification fetches its documents (hosted Assertions, …) here too.
        options.setdefault("documents", source)
    return VerifyOptions(
        resolver=NetworkResolver(
            source, trust_fragment_keys=trust_fragment_keys, rewrite_url=rewrite_url
        ),
        status_source=NetworkStatusSource(source, rewrite_url=rewrite_url),
        recipient=recipient,
        now=now,
        trust_fragment_keys=trust_fragment_keys,
        **options,
    )
