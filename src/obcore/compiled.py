"""Compiled JSON-LD → canonical N-Quads for the bundled, closed context set.

:mod:`obcore.jsonld` runs pyld's general algorithms (expansion, then node map,
then RDF conversion) on every document. The contexts here are bundled and
closed, so most of that work depends on nothing but the contexts. This module
goes from a credential's JSON to quads in one walk:

* **Contexts are compiled once.** Processed active contexts come from the same
  memoised pyld context processing as the reference path (so term definitions,
  ``@protected``, property- and type-scoped contexts and ``@propagate`` mean
  exactly what they mean there); for each active context a table of compiled
  term definitions (expanded IRI, ``@type`` coercion, ``@container``, scoped
  context) is built lazily and kept, keyed by the context's identity.
* **One walk.** Each node object of the document is expanded and turned into
  quads at once (the JSON-LD expansion algorithm's context handling, the node
  map's blank node identity and graph containers, and the RDF conversion of
  values with ``rdfDirection: i18n-datatype``), with the safe-mode checks
  inline.

**Coverage is decided up front, never guessed.** Anything the walk does not
implement — a context written inside the document, a context not bundled, a
keyword other than ``@id``/``@type``/``@value``/``@language``/``@direction``/
``@context``, ``@reverse`` terms, ``@index``/``@language``/``@id``/``@type``
containers, nested arrays, a default language or direction, a term with
``@nest`` — and anything safe mode would refuse (an undefined term, a relative
IRI, an invalid value object) raises :class:`NotCovered`, and the document goes
through the reference path (:func:`obcore.jsonld.to_quads`), which then gives
the answer or the error it always gave. The walk never produces a different
answer: the differential tests (``tests/conformance/test_compiled_differential.py``)
compare both paths over every bundled credential and generated ones.

Blank node labels are this module's own (``_:b0``, ``_:b1`` …): labels in the
document are mapped one to one, every other blank node gets a fresh label.
RDFC-1.0 relabels every blank node, so canonical N-Quads do not depend on them.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Final

from c14n.Canonicalize import canonicalize as _jcs
from pyld import jsonld as pyld_jsonld
from pyld.context_resolver import ContextResolver
from pyld.jsonld import _resolved_context_cache

from obcore import jsonld, rdfc
from obcore.contexts import document_loader, is_known
from obcore.rdfc import Quad, iri_term, literal_term

RDF: Final = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
RDF_TYPE: Final = iri_term(RDF + "type")
RDF_FIRST: Final = iri_term(RDF + "first")
RDF_REST: Final = iri_term(RDF + "rest")
RDF_NIL: Final = iri_term(RDF + "nil")
RDF_JSON: Final = RDF + "JSON"
RDF_LANGSTRING: Final = RDF + "langString"
XSD: Final = "http://www.w3.org/2001/XMLSchema#"
XSD_BOOLEAN: Final = XSD + "boolean"
XSD_DOUBLE: Final = XSD + "double"
XSD_INTEGER: Final = XSD + "integer"
XSD_STRING: Final = XSD + "string"
I18N: Final = "https://www.w3.org/ns/i18n#"

_ABSOLUTE_IRI = jsonld._ABSOLUTE_IRI
# Keywords the walk handles inside a node or value object; any other keyword
# (after alias expansion) is not covered.
_NODE_KEYWORDS: Final = frozenset({"@id", "@type", "@value", "@language", "@direction"})
# Containers the walk handles; any other container is not covered.
_CONTAINERS: Final = frozenset({"@set", "@list", "@graph"})
_MAX_TABLES = 512
_MAX_TABLE_TERMS = 4096
_MAX_TERM_CHARS = 256
_ABSENT: Final = object()


class NotCovered(Exception):  # noqa: N818 - a signal, not an error shown to anyone
    """The compiled walk does not cover this document: use the reference path."""


class _Term:
    """A compiled term definition, as the expansion algorithm reads it."""

    __slots__ = ("container", "expanded", "is_graph", "is_list", "scoped", "type")

    def __init__(self, active_ctx: Mapping[str, Any], key: str, expanded: Any) -> None:
        self.expanded: str | None = expanded if isinstance(expanded, str) else None
        mapping = active_ctx["mappings"].get(key)
        if mapping is not None and mapping.get("reverse"):
            raise NotCovered("reverse property")
        get = pyld_jsonld.JsonLdProcessor.get_context_value
        if get(active_ctx, key, "@language") is not None:
            raise NotCovered("default language")
        if get(active_ctx, key, "@direction") is not None:
            raise NotCovered("default direction")
        raw_container = get(active_ctx, key, "@container")
        container = frozenset(
            () if raw_container is None else pyld_jsonld.JsonLdProcessor.arrayify(raw_container)
        )
        self.container = container
        self.is_list = "@list" in container
        self.is_graph = "@graph" in container
        self.type: Any = get(active_ctx, key, "@type")
        # None: no scoped context; False: the null context.
        self.scoped: Any = get(active_ctx, key, "@context")

    def check_container(self) -> None:
        if not self.container <= _CONTAINERS or (self.is_list and self.is_graph):
            raise NotCovered(f"container {sorted(self.container)}")


class _Tables:
    """Compiled term tables, one per (stable, memoised) active context."""

    def __init__(self) -> None:
        self._tables: dict[int, tuple[Any, dict[str, _Term]]] = {}

    def table(self, active_ctx: Any) -> dict[str, _Term]:
        entry = self._tables.get(id(active_ctx))
        if entry is not None and entry[0] is active_ctx:
            return entry[1]
        if len(self._tables) >= _MAX_TABLES:
            self._tables.clear()
        table: dict[str, _Term] = {}
        # The entry keeps the context alive, so its id is not reused meanwhile.
        self._tables[id(active_ctx)] = (active_ctx, table)
        return table


_TABLES = _Tables()


def _options() -> dict[str, Any]:
    return {
        "documentLoader": document_loader,
        "contextResolver": ContextResolver(_resolved_context_cache, document_loader),
        "base": None,
        "processingMode": "json-ld-1.1",
        "extractAllScripts": True,
        "isFrame": False,
        "keepFreeFloatingNodes": False,
    }


def _is_bundled_reference(local_ctx: Any) -> bool:
    if isinstance(local_ctx, str):
        return is_known(local_ctx)
    if isinstance(local_ctx, list):
        return all(isinstance(c, str) and is_known(c) for c in local_ctx)
    return False


def _literal(value: Any, datatype: str | None, language: str | None, direction: str | None) -> str:
    """RDF conversion of a value object (JSON-LD to RDF §8.3 "Object to RDF")."""
    if datatype == "@json":
        return literal_term(_jcs(value).decode("utf-8"), RDF_JSON)
    if isinstance(value, bool):
        return literal_term("true" if value else "false", datatype or XSD_BOOLEAN)
    if isinstance(value, float) and not value.is_integer():
        return literal_term(pyld_jsonld._canonicalize_double(value), datatype or XSD_DOUBLE)
    if datatype == XSD_DOUBLE:
        try:
            number = float(value)
        except (ValueError, TypeError):
            return literal_term(value, XSD_DOUBLE)
        return literal_term(pyld_jsonld._canonicalize_double(number), XSD_DOUBLE)
    if isinstance(value, (int, float)):
        if abs(value) >= 1e21:
            return literal_term(pyld_jsonld._canonicalize_double(value), datatype or XSD_DOUBLE)
        return literal_term(str(int(value)), datatype or XSD_INTEGER)
    if direction is not None:
        return literal_term(value, f"{I18N}{language or ''}_{direction}")
    if language is not None:
        return literal_term(value, datatype or RDF_LANGSTRING, language)
    return literal_term(value, datatype or XSD_STRING)


class _Walk:
    """One document's walk: contexts, blank node labels and the quads found."""

    def __init__(self) -> None:
        self.processor = jsonld._Processor()
        self.options = _options()
        self.quads: list[Quad] = []
        self.labels: dict[str, str] = {}
        self.counter = 0

    # ---- contexts and terms -------------------------------------------------

    def context(
        self, active_ctx: Any, local_ctx: Any, *, override: bool = False, propagate: bool = True
    ) -> Any:
        result = self.processor._process_context(
            active_ctx, local_ctx, self.options, override, propagate
        )
        if not jsonld._MEMO.is_stable(result):
            raise NotCovered("context not memoised")
        return result

    def term(self, active_ctx: Any, key: str) -> _Term:
        table = _TABLES.table(active_ctx)
        term = table.get(key)
        if term is None:
            expanded = self.processor._expand_iri(active_ctx, key, vocab=True)
            term = _Term(active_ctx, key, expanded)
            if len(key) <= _MAX_TERM_CHARS and len(table) < _MAX_TABLE_TERMS:
                table[key] = term
        return term

    def expand_iri(self, active_ctx: Any, value: str, *, vocab: bool) -> str:
        """An IRI or blank node term for a node id, type or IRI value."""
        expanded = self.processor._expand_iri(active_ctx, value, vocab=vocab, base=None)
        if not isinstance(expanded, str):
            raise NotCovered("IRI does not expand")
        if expanded.startswith("_:"):
            return self.blank(expanded)
        if expanded.startswith("@") or _ABSOLUTE_IRI.match(expanded) is None:
            raise NotCovered("relative IRI")
        return iri_term(expanded)

    # ---- blank nodes and quads ----------------------------------------------

    def fresh(self) -> str:
        label = f"_:b{self.counter}"
        self.counter += 1
        return label

    def blank(self, label: str) -> str:
        mapped = self.labels.get(label)
        if mapped is None:
            mapped = self.labels[label] = self.fresh()
        return mapped

    # ---- the walk -----------------------------------------------------------

    def document(self, document: Mapping[str, Any]) -> list[Quad]:
        initial = self.processor._get_initial_context(self.options)
        jsonld._MEMO.mark_stable(initial)
        self.element(initial, None, document, "", None)
        return self.quads

    def values(
        self, active_ctx: Any, key: str, value: Any, graph: str, inside_list: bool
    ) -> list[str]:
        """Object terms of a property's value (an array is flattened)."""
        if isinstance(value, list):
            inside_list = inside_list or self.term(active_ctx, key).is_list
            found = []
            for item in value:
                if isinstance(item, list):
                    raise NotCovered("nested array")
                term = self.one(active_ctx, key, item, graph)
                if term is not None:
                    found.append(term)
            return found
        term = self.one(active_ctx, key, value, graph)
        return [] if term is None else [term]

    def one(self, active_ctx: Any, key: str, value: Any, graph: str) -> str | None:
        if value is None:
            return None
        if isinstance(value, dict):
            return self.element(active_ctx, key, value, graph, None)
        return self.scalar(active_ctx, key, value)

    def scalar(self, active_ctx: Any, key: str, value: Any) -> str:
        """Value expansion of a JSON scalar, then its RDF term."""
        term = self.term(active_ctx, key)
        if term.expanded is None or term.expanded.startswith("@"):
            raise NotCovered("scalar under a keyword")
        coercion = term.type
        if isinstance(value, str):
            if coercion == "@id":
                return self.expand_iri(active_ctx, value, vocab=False)
            if coercion == "@vocab":
                return self.expand_iri(active_ctx, value, vocab=True)
        elif not isinstance(value, (bool, int, float)):
            raise NotCovered("not JSON data")
        if coercion is None or coercion in ("@id", "@vocab"):
            return _literal(value, None, None, None)
        if coercion == "@none" or coercion.startswith("_:") or not _ABSOLUTE_IRI.match(coercion):
            raise NotCovered("datatype")
        return _literal(value, coercion, None, None)

    def element(  # noqa: PLR0915 - one algorithm, kept in one place
        self,
        active_ctx: Any,
        active_property: str | None,
        element: Mapping[str, Any],
        graph: str,
        type_scoped_ctx: Any,
    ) -> str | None:
        """A JSON object: a node object (its quads emitted) or a value object.

        Mirrors JSON-LD 1.1 Expansion §5.1.2 steps 7 to 13 for contexts: revert
        a non-propagated type-scoped context, apply the property-scoped context,
        the embedded context, then type-scoped contexts in lexicographic order.
        """
        property_scoped = (
            self.term(active_ctx, active_property).scoped if active_property is not None else None
        )
        if not type_scoped_ctx and active_ctx.get("previousContext"):
            type_scoped_ctx = active_ctx
        must_revert = True
        if type_scoped_ctx and len(element) <= 2 and "@context" not in element:
            for key in sorted(element):
                expanded = self.term(type_scoped_ctx, key).expanded
                if expanded == "@value":
                    must_revert = False
                    active_ctx = type_scoped_ctx
                    break
                if expanded == "@id" and len(element) == 1:
                    must_revert = False
                    break
        if must_revert:
            active_ctx = active_ctx.get("previousContext", active_ctx)
        if property_scoped is not None:
            active_ctx = self.context(active_ctx, property_scoped, override=True)
        if "@context" in element:
            local_ctx = element["@context"]
            if not _is_bundled_reference(local_ctx):
                raise NotCovered("context written in the document")
            active_ctx = self.context(active_ctx, local_ctx)
        type_scoped_ctx = active_ctx

        # Type-scoped contexts: @type entries are found with the context as it
        # is now, and their scoped contexts applied in lexicographic order.
        type_items = sorted(
            (key, item)
            for key, item in element.items()
            if key != "@context" and self.term(active_ctx, key).expanded == "@type"
        )
        types: list[str] = []
        for _key, item in type_items:
            raw_types = item if isinstance(item, list) else [item]
            if not all(isinstance(t, str) for t in raw_types):
                raise NotCovered("@type value")
            types.extend(raw_types)
            for type_name in sorted(raw_types):
                scoped = self.term(type_scoped_ctx, type_name).scoped
                if scoped is not None and scoped is not False:
                    active_ctx = self.context(active_ctx, scoped, propagate=False)
        type_keys = {key for key, _item in type_items}

        # Every entry, with the final context (the order of quads does not matter).
        properties: list[tuple[str, _Term, Any]] = []
        node_id: str | None = None
        value: Any = _ABSENT
        language: str | None = None
        direction: str | None = None
        for key, item in element.items():
            if key == "@context":
                continue
            term = self.term(active_ctx, key)
            expanded = term.expanded
            if expanded is None:
                raise NotCovered("undefined term")
            if (expanded == "@type") != (key in type_keys):
                raise NotCovered("@type redefined by a type-scoped context")
            if expanded.startswith("@"):
                if expanded not in _NODE_KEYWORDS:
                    raise NotCovered(f"keyword {expanded}")
                if expanded == "@id":
                    if node_id is not None or not isinstance(item, str):
                        raise NotCovered("@id")
                    node_id = item
                elif expanded == "@value":
                    if value is not _ABSENT or not isinstance(item, (str, bool, int, float)):
                        raise NotCovered("@value")
                    value = item
                elif expanded == "@language":
                    if language is not None or not isinstance(item, str):
                        raise NotCovered("@language")
                    language = item.lower()
                elif expanded == "@direction":
                    if direction is not None or item not in ("ltr", "rtl"):
                        raise NotCovered("@direction")
                    direction = item
                continue
            if _ABSOLUTE_IRI.match(expanded) is None or expanded.startswith("_:"):
                raise NotCovered("property IRI")
            properties.append((key, term, item))

        if value is not _ABSENT:
            return self._value_object(
                type_scoped_ctx,
                value,
                type_items=type_items,
                language=language,
                direction=direction,
                properties=properties,
                node_id=node_id,
            )
        if language is not None or direction is not None:
            raise NotCovered("@language or @direction outside a value object")

        if node_id is None:
            subject = self.fresh()
        else:
            subject = self.expand_iri(active_ctx, node_id, vocab=False)
        for type_name in types:
            self.quads.append(
                (subject, RDF_TYPE, self.expand_iri(type_scoped_ctx, type_name, vocab=True), graph)
            )
        for key, term, item in properties:
            self.property(active_ctx, subject, key, term, value=item, graph=graph)
        return subject

    def _value_object(
        self,
        active_ctx: Any,
        value: Any,
        *,
        type_items: list[tuple[str, Any]],
        language: str | None,
        direction: str | None,
        properties: list[Any],
        node_id: str | None,
    ) -> str:
        if properties or node_id is not None or len(type_items) > 1:
            raise NotCovered("value object with other entries")
        datatype: str | None = None
        if type_items:
            raw = type_items[0][1]
            if not isinstance(raw, str) or language is not None or direction is not None:
                raise NotCovered("value object @type")
            expanded = self.processor._expand_iri(active_ctx, raw, vocab=True, base=None)
            if (
                not isinstance(expanded, str)
                or expanded.startswith("_:")
                or _ABSOLUTE_IRI.match(expanded) is None
            ):
                raise NotCovered("value object datatype")
            datatype = expanded
        if language is not None and not isinstance(value, str):
            raise NotCovered("language-tagged non-string")
        if direction is not None and not isinstance(value, str):
            raise NotCovered("direction on a non-string")
        return _literal(value, datatype, language, direction)

    def property(
        self, active_ctx: Any, subject: str, key: str, term: _Term, *, value: Any, graph: str
    ) -> None:
        """Quads of one property of a node object (Expansion §5.1.2 step 13)."""
        term.check_container()
        predicate = iri_term(term.expanded)  # type: ignore[arg-type]
        if term.type == "@json":
            if term.is_list or term.is_graph:
                raise NotCovered("@json in a container")
            self.quads.append((subject, predicate, _literal(value, "@json", None, None), graph))
            return
        term_ctx = active_ctx
        if term.scoped is not None:
            term_ctx = self.context(active_ctx, term.scoped, override=True)
            inner = self.term(term_ctx, key)
            if inner.is_list != term.is_list or inner.is_graph != term.is_graph:
                raise NotCovered("container redefined by a scoped context")
        if value is None:
            return
        if term.is_graph:
            for item in value if isinstance(value, list) else [value]:
                if isinstance(item, list):
                    raise NotCovered("nested array")
                if item is None:
                    continue
                name = self.fresh()
                self.one(term_ctx, key, item, name)
                self.quads.append((subject, predicate, name, graph))
            return
        objects = self.values(term_ctx, key, value, graph, False)
        if term.is_list:
            self.quads.append((subject, predicate, self.rdf_list(objects, graph), graph))
            return
        for obj in objects:
            self.quads.append((subject, predicate, obj, graph))

    def rdf_list(self, objects: list[str], graph: str) -> str:
        if not objects:
            return RDF_NIL
        head = node = self.fresh()
        for i, obj in enumerate(objects):
            self.quads.append((node, RDF_FIRST, obj, graph))
            rest = self.fresh() if i + 1 < len(objects) else RDF_NIL
            self.quads.append((node, RDF_REST, rest, graph))
            node = rest
        return head


def compiled_quads(document: Mapping[str, Any]) -> list[Quad]:
    """Quads of ``document`` by the compiled walk; :class:`NotCovered` when it does not apply.

    The caller has checked the document's bounds (:func:`obcore.jsonld.check_bounds`).
    """
    if not isinstance(document, Mapping):
        raise NotCovered("not a JSON object")
    try:
        return _Walk().document(document)
    except NotCovered:
        raise
    except (pyld_jsonld.JsonLdError, ValueError, TypeError, KeyError, RecursionError) as exc:
        # Invalid input for the contexts: the reference path reports it.
        raise NotCovered(type(exc).__name__) from exc


def to_quads(document: Mapping[str, Any]) -> list[Quad]:
    """JSON-LD document → quads in safe mode: the compiled walk, or the reference path."""
    jsonld.check_bounds(document)
    try:
        return compiled_quads(document)
    except NotCovered:
        return jsonld.to_quads(document, safe=True)


def canonicalize(document: Mapping[str, Any], limits: rdfc.Limits = rdfc.DEFAULT_LIMITS) -> str:
    """RDFC-1.0 canonical N-Quads of ``document`` (safe mode, closed contexts)."""
    return rdfc.canonicalize(to_quads(document), limits)
