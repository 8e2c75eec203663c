"""JSON-LD expansion to RDF with safe mode, bounds and memoised contexts.

This wraps pyld's JSON-LD 1.1 processor with four guarantees the proofs need:

1. **Closed loading.** Only bundled contexts (:mod:`obcore.contexts`) resolve.
2. **Safe mode.** Like Digital Bazaar's ``safe: true``: a property the
   contexts do not define (which expansion would silently drop), or a
   relative ``@type``/``@id`` (which RDF conversion would silently drop), is an
   error. Otherwise unsigned data could sit beside signed data and be shown to
   a person as if it were covered by the signature.
3. **Bounds.** Nesting depth, node count and string sizes are checked before
   any JSON-LD work; canonicalization is bounded by :mod:`obcore.rdfc`.
4. **Speed.** pyld re-processes type-scoped contexts (``@propagate: false``)
   on every node because each pass clones the active context under a fresh
   identity. Contexts here are static, so processed contexts are memoised by
   the identity of the active context and of the local context (the results
   are immutable and kept alive by the memo, so identities stay valid).

The RDF conversion uses ``rdfDirection: i18n-datatype``, as the Data Integrity
cryptosuites do, so ``@direction`` is signed rather than dropped.

This is the reference path. Proofs canonicalize through :mod:`obcore.compiled`,
a walk compiled for the bundled contexts that falls back to :func:`to_quads`
for anything it does not cover.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from functools import cache
from typing import Any, Final

from pyld import jsonld as pyld_jsonld
from pyld.context_resolver import ContextResolver
from pyld.identifier_issuer import IdentifierIssuer
from pyld.jsonld import _resolved_context_cache

from obcore.contexts import document_loader, get_context, is_known, known_contexts
from obcore.errors import ContextError, LimitExceededError, MalformedInputError, SafeModeError
from obcore.rdfc import Quad, iri_term, literal_term

MAX_DEPTH = 48
MAX_NODES = 50_000
MAX_STRING_CHARS = 4 * 1024 * 1024
MAX_INLINE_CONTEXT_ITEMS = 2000
_MEMO_SIZE = 4096

INPUT_ERRORS: Final = (
    pyld_jsonld.JsonLdError,
    ValueError,
    TypeError,
    KeyError,
    RecursionError,
    OverflowError,
)
"""What pyld raises on untrusted input: besides its own errors, a relative context IRI
with no base (ValueError), ``"@vocab": null`` where none is set (KeyError), a number
past the double range (OverflowError). Callers translate them, never crash."""

_ABSOLUTE_IRI = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:[^\s]*$")


class _ContextMemo:
    """A bounded memo of processed contexts and expanded IRIs — bundled contexts only.

    Only work that depends on nothing but the bundled, immutable contexts is
    memoised: a local context that is a bundled URL (or list of them) or an
    object inside a bundled context document, processed under an active context
    that is itself *stable* (the initial context, or a result of memoised
    processing). Contexts written inside a document are processed afresh every
    time and never kept: a caller cannot grow the memo with its own contexts.

    Entries keep the objects their keys name by identity alive, so an ``id`` is
    never reused while its entry exists; a hit also checks identity. Plain dict
    operations are atomic under the GIL, so readers take no lock; when the memo
    is full it is cleared (bundled contexts are few and re-memoised at once).
    """

    def __init__(self, size: int) -> None:
        self._size = size
        self._entries: dict[tuple[Any, ...], tuple[Any, Any, Any]] = {}
        self._stable: dict[int, Any] = {}

    def get(self, key: tuple[Any, ...], active: Any) -> Any | None:
        entry = self._entries.get(key)
        if entry is None or entry[0] is not active:
            return None
        return entry[1]

    def put(self, key: tuple[Any, ...], active: Any, local: Any, result: Any) -> None:
        if len(self._entries) >= self._size:
            self._entries.clear()
            self._stable.clear()
        self._entries[key] = (active, result, local)

    def is_stable(self, active: Any) -> bool:
        return self._stable.get(id(active)) is active

    def mark_stable(self, active: Any) -> None:
        self._stable[id(active)] = active


_MEMO = _ContextMemo(_MEMO_SIZE)
# Expanded IRIs: keys include document strings, so a separate memo, short values only,
# that can neither grow large nor evict the processed contexts.
_IRI_MEMO = _ContextMemo(2 * _MEMO_SIZE)
_MAX_MEMO_IRI = 256


@cache
def _bundled_object_ids() -> frozenset[int]:
    """Identities of every object inside the bundled context documents (kept alive by
    :mod:`obcore.contexts`, so the identities are stable for the process)."""
    found: set[int] = set()
    stack: list[Any] = [get_context(url) for url in known_contexts()]
    while stack:
        item = stack.pop()
        if isinstance(item, dict):
            found.add(id(item))
            stack.extend(item.values())
        elif isinstance(item, list):
            found.add(id(item))
            stack.extend(item)
    return frozenset(found)


def _local_key(local_ctx: Any) -> Any:
    """A memo key for a local context, or None when it is not a bundled context."""
    if local_ctx is None or local_ctx is False:
        return ("n", local_ctx)  # a null context: reset to the initial context
    if isinstance(local_ctx, str):
        return ("s", local_ctx) if is_known(local_ctx) else None
    if isinstance(local_ctx, list) and all(isinstance(c, str) for c in local_ctx):
        return ("l", tuple(local_ctx)) if all(is_known(c) for c in local_ctx) else None
    if id(local_ctx) in _bundled_object_ids():
        return ("o", id(local_ctx))
    return None


def _tune_pyld() -> None:
    """Two semantics-preserving speed-ups of pyld's hottest helpers.

    ``KEYWORDS`` is searched with ``in`` on every key (a list, made a frozenset)
    and ``_is_absolute_iri`` recompiles its pattern through ``re.match`` on
    every call (precompiled here, same pattern). The W3C vectors and the
    interoperability tests guard that no canonical byte changes.
    """
    pattern = re.compile(r"^([A-Za-z][A-Za-z0-9+-.]*|_):[^\s]*$")

    def is_absolute_iri(v: Any) -> Any:
        return isinstance(v, str) and pattern.match(v)

    pyld_jsonld.KEYWORDS = frozenset(pyld_jsonld.KEYWORDS)
    pyld_jsonld._is_absolute_iri = is_absolute_iri


_tune_pyld()


def expansion_options() -> dict[str, Any]:
    """pyld's options for expanding with the closed loader: JSON-LD 1.1, no base IRI."""
    return {
        "documentLoader": document_loader,
        "contextResolver": ContextResolver(_resolved_context_cache, document_loader),
        "base": None,
        "processingMode": "json-ld-1.1",
        "extractAllScripts": True,
        "isFrame": False,
        "keepFreeFloatingNodes": False,
    }


class _Processor(pyld_jsonld.JsonLdProcessor):  # type: ignore[misc]
    """pyld processor with memoised context processing and drop tracking."""

    def __init__(self) -> None:
        self.dropped: list[str | None] = []
        super().__init__(on_property_dropped=self.dropped.append)

    def _process_context(  # noqa: PLR0917 - pyld signature
        self,
        active_ctx: Any,
        local_ctx: Any,
        options: dict[str, Any],
        override_protected: bool = False,
        propagate: bool = True,
        validate_scoped: bool = True,
        cycles: Any = None,
    ) -> Any:
        local = _local_key(local_ctx)
        if local is None or not _MEMO.is_stable(active_ctx):
            return super()._process_context(
                active_ctx,
                local_ctx,
                options,
                override_protected,
                propagate,
                validate_scoped,
                cycles,
            )
        key = (
            id(active_ctx),
            local,
            override_protected,
            propagate,
            validate_scoped,
            options.get("base"),
            options.get("processingMode"),
        )
        hit = _MEMO.get(key, active_ctx)
        if hit is not None:
            return hit
        result = super()._process_context(
            active_ctx,
            local_ctx,
            options,
            override_protected,
            propagate,
            validate_scoped,
            cycles,
        )
        _MEMO.put(key, active_ctx, local_ctx, result)
        _MEMO.mark_stable(result)
        return result

    def _expand_iri(  # noqa: PLR0917 - pyld signature
        self,
        active_ctx: Any,
        value: Any,
        base: Any = None,
        vocab: bool = False,
        local_ctx: Any = None,
        defined: Any = None,
    ) -> Any:
        # During expansion (no local context being defined) the result depends
        # only on the (immutable, memoised) active context and the arguments.
        if (
            local_ctx is not None
            or defined is not None
            or not isinstance(value, str)
            or len(value) > _MAX_MEMO_IRI
            or not _MEMO.is_stable(active_ctx)
        ):
            return super()._expand_iri(active_ctx, value, base, vocab, local_ctx, defined)
        key = ("iri", id(active_ctx), value, vocab, base)
        hit = _IRI_MEMO.get(key, active_ctx)
        if hit is not None:
            return hit[0]
        result = super()._expand_iri(active_ctx, value, base, vocab, local_ctx, defined)
        _IRI_MEMO.put(key, active_ctx, None, (result,))
        return result

    def _clone_active_context(self, active_ctx: Any) -> Any:
        # pyld 3.3 copies @language but not @direction into the child context, so
        # a context-level @direction is lost as soon as a scoped context applies
        # (W3C toRdf di13): a conformant processor keeps it.
        child = super()._clone_active_context(active_ctx)
        if "@direction" in active_ctx:
            child["@direction"] = active_ctx["@direction"]
        return child

    def expand_document(self, document: dict[str, Any]) -> list[Any]:
        """pyld's ``expand`` minus its defensive deep copy (the input is never returned)."""
        options = expansion_options()
        active_ctx = self._get_initial_context(options)
        _MEMO.mark_stable(active_ctx)
        expanded = self._expand(active_ctx, None, document, options, inside_list=False)
        if isinstance(expanded, dict) and "@graph" in expanded and len(expanded) == 1:
            expanded = expanded["@graph"]
        elif expanded is None:
            expanded = []
        return expanded if isinstance(expanded, list) else [expanded]


def check_bounds(document: Any) -> None:
    """Refuse documents too deep, too large, with oversized strings or inline contexts.

    Contexts written inside a document are processed afresh (never memoised), so
    their total size is bounded too: real credentials use the bundled contexts.
    """
    count = 0
    inline_context_items = 0
    stack: list[tuple[Any, int, bool]] = [(document, 0, False)]
    while stack:
        value, depth, in_context = stack.pop()
        count += 1
        if in_context:
            inline_context_items += 1
            if inline_context_items > MAX_INLINE_CONTEXT_ITEMS:
                raise LimitExceededError(
                    f"inline @context definitions exceed {MAX_INLINE_CONTEXT_ITEMS} values",
                    code="inline_context_too_large",
                )
        if count > MAX_NODES:
            raise LimitExceededError(
                f"document has more than {MAX_NODES} values", code="document_too_large"
            )
        if depth > MAX_DEPTH:
            raise LimitExceededError(
                f"document is nested deeper than {MAX_DEPTH} levels", code="document_too_deep"
            )
        # Strings first, lists before the Mapping ABC: most values are strings, and
        # isinstance(x, Mapping) of a non-dict goes through the slow ABC check.
        if isinstance(value, str):
            if len(value) > MAX_STRING_CHARS:
                raise LimitExceededError("a string value is too large", code="document_too_large")
        elif isinstance(value, list):
            stack.extend((v, depth + 1, in_context) for v in value)
        elif isinstance(value, dict | Mapping):
            for k, v in value.items():
                if not isinstance(k, str):
                    raise MalformedInputError("object keys must be strings", code="malformed_json")
                stack.append((v, depth + 1, in_context or k == "@context"))
        elif value is not None and not isinstance(value, (bool, int, float)):
            raise MalformedInputError("document is not JSON data", code="malformed_json")


def _safe_mode_walk(expanded: Any) -> None:
    """Find relative @type / @id / datatype IRIs that RDF conversion would drop."""
    stack = [expanded]
    while stack:
        value = stack.pop()
        if isinstance(value, list):
            stack.extend(value)
            continue
        if not isinstance(value, dict):
            continue
        if "@value" in value:
            datatype = value.get("@type")
            if (
                isinstance(datatype, str)
                and datatype != "@json"
                and not _ABSOLUTE_IRI.match(datatype)
            ):
                raise SafeModeError(
                    f"relative datatype {datatype!r}", code="safe_mode_relative_type"
                )
            continue
        node_id = value.get("@id")
        if isinstance(node_id, str) and not (
            node_id.startswith("_:") or _ABSOLUTE_IRI.match(node_id)
        ):
            raise SafeModeError(f"relative @id reference {node_id!r}", code="safe_mode_relative_id")
        types = value.get("@type", [])
        for t in types if isinstance(types, list) else [types]:
            if isinstance(t, str) and not (t.startswith("_:") or _ABSOLUTE_IRI.match(t)):
                raise SafeModeError(
                    f"type {t!r} is not defined by the document's contexts",
                    code="safe_mode_undefined_type",
                )
        for key, item in value.items():
            if key in ("@type", "@id"):
                continue
            stack.append(item)


def expand(document: Mapping[str, Any], *, safe: bool = True) -> list[Any]:
    """Expand ``document`` with the closed loader; in safe mode, refuse lossy input."""
    check_bounds(document)
    processor = _Processor()
    try:
        expanded = processor.expand_document(dict(document))
    except INPUT_ERRORS as exc:
        raise _translate(exc) from exc
    if safe:
        if processor.dropped:
            names = sorted({str(d) for d in processor.dropped})[:5]
            raise SafeModeError(
                "properties not defined by the document's contexts: " + ", ".join(names),
                code="safe_mode_undefined_term",
            )
        _safe_mode_walk(expanded)
    return expanded


def _translate(exc: Exception) -> Exception:
    cause: BaseException | None = exc
    while cause is not None:
        if isinstance(cause, (ContextError, LimitExceededError, MalformedInputError)):
            return cause
        cause = cause.__cause__ or cause.__context__
    code = getattr(exc, "code", None) or "invalid_jsonld"
    message = str(exc).splitlines()[0][:300] if str(exc) else "invalid JSON-LD"
    if "relative IRI" in message or "relative" in str(code):
        return ContextError(
            f"relative context references cannot be resolved here: {message}",
            code="unknown_context",
        )
    if code in ("loading remote context failed", "loading document failed"):
        return ContextError(message, code="unknown_context")
    if "protected term" in message or code == "protected term redefinition":
        return MalformedInputError(
            f"JSON-LD error: {message}", code="jsonld_protected_term_redefinition"
        )
    return MalformedInputError(f"JSON-LD error: {message}", code="invalid_jsonld")


def _term(node: Mapping[str, Any]) -> str:
    kind = node["type"]
    if kind == "IRI":
        return iri_term(node["value"])
    if kind == "blank node":
        return str(node["value"])
    return literal_term(node["value"], node.get("datatype"), node.get("language"))


def expanded_to_quads(expanded: list[Any]) -> list[Quad]:
    """Convert an expanded document to quads of serialised N-Quads terms."""
    processor = _Processor()
    issuer = IdentifierIssuer("_:b")
    node_map: dict[str, Any] = {"@default": {}}
    options = {
        "rdfDirection": "i18n-datatype",
        "produceGeneralizedRdf": False,
        "processingMode": "json-ld-1.1",
    }
    try:
        processor._create_node_map(expanded, node_map, "@default", issuer)
        quads: list[Quad] = []
        for graph_name, graph in sorted(node_map.items()):
            if graph_name == "@default":
                g = ""
            elif graph_name.startswith("_:"):
                g = graph_name
            elif _ABSOLUTE_IRI.match(graph_name):
                g = iri_term(graph_name)
            else:
                continue
            for triple in processor._graph_to_rdf(graph, issuer, options):
                quads.append(
                    (
                        _term(triple["subject"]),
                        _term(triple["predicate"]),
                        _term(triple["object"]),
                        g,
                    )
                )
    except INPUT_ERRORS as exc:
        raise _translate(exc) from exc
    return quads


def to_quads(document: Mapping[str, Any], *, safe: bool = True) -> list[Quad]:
    """JSON-LD document → quads, with the closed loader and safe mode."""
    return expanded_to_quads(expand(document, safe=safe))
