"""Compiled JSON-LD → canonical N-Quads for the bundled, closed context set.

:mod:`obcore.jsonld` runs pyld's general algorithms (expansion, then node map,
then RDF conversion) on every document. The contexts here are bundled and
closed, so most of that work depends on nothing but the contexts. This module
goes from a credential's JSON to quads in one walk:

* **Contexts are compiled once.** Active contexts are processed by the same
  pyld context processing as the reference path (so term definitions,
  ``@protected``, property- and type-scoped contexts and ``@propagate`` mean
  exactly what they mean there), memoised by the identities of the active and
  the (bundled) local context. For each active context, compiled term
  definitions (expanded IRI, ``@type`` coercion, ``@container``, scoped
  context) are kept; for an object's keys under a context, its *shape* (the
  contexts after reverting, property-scoped and embedded contexts, and which
  keys are ``@type``); for a shape and the object's types, its *plan* (what each
  entry becomes). A document's walk then mostly looks plans up.
* **One walk.** Each node object of the document is expanded and turned into
  quads at once (the JSON-LD expansion algorithm's context handling, the node
  map's blank node identity and graph containers, and the RDF conversion of
  values with ``rdfDirection: i18n-datatype``), with the safe-mode checks
  inline. Quads are a set, so the node map's merging of one node's objects is
  their union — except where it merges values whose literals differ (see
  :func:`_check_merged_values`), which is left to the reference.

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

from pyld import jsonld as pyld_jsonld

from obcore import jsonld, rdfc
from obcore.contexts import is_known
from obcore.rdfc import Quad, escape_literal, iri_term, literal_term

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
_MAX_SHAPES = 8192
_MAX_SHAPE_KEYS = 64  # objects with more entries are compiled every time, never kept
_MAX_PLANS = 64
# How a property's values are turned into quads.
_PLAIN, _LIST, _GRAPH, _JSON = 0, 1, 2, 3
# How a scalar value is expanded under a term: a string literal, a typed
# literal, an IRI (``@id``, ``@vocab``), or not at all (the term is a keyword).
_STRING, _TYPED, _ID, _VOCAB, _NOT_A_VALUE = 0, 1, 2, 3, 4
_MAX_TABLE_TERMS = 4096
_MAX_TERM_CHARS = 256
_ABSENT: Final = object()


class NotCovered(Exception):  # noqa: N818 - a signal, not an error shown to anyone
    """The compiled walk does not cover this document: use the reference path."""


class _Term:
    """A compiled term definition, as the expansion algorithm reads it."""

    __slots__ = ("container", "expanded", "is_graph", "is_list", "scalar", "scoped", "type")

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
        coercion = self.type
        if self.expanded is None or self.expanded.startswith("@"):
            self.scalar = _NOT_A_VALUE
        elif coercion is None:
            self.scalar = _STRING
        elif coercion == "@id":
            self.scalar = _ID
        elif coercion == "@vocab":
            self.scalar = _VOCAB
        elif (
            isinstance(coercion, str)
            and not coercion.startswith("_:")
            and _ABSOLUTE_IRI.match(coercion) is not None
        ):
            self.scalar = _TYPED
        else:  # @none, @json (handled by the property), a relative or blank datatype
            self.scalar = _NOT_A_VALUE

    def check_container(self) -> None:
        if not self.container <= _CONTAINERS or (self.is_list and self.is_graph):
            raise NotCovered(f"container {sorted(self.container)}")


class _Shape:
    """The contexts of an object with given keys under a given context."""

    __slots__ = ("ctx", "ctx_after", "plans", "tsc", "type_keys")

    def __init__(self, ctx: Any, tsc: Any) -> None:
        self.ctx = ctx  # the keys of the shape memo name these by identity: keep them alive
        self.tsc = tsc
        self.ctx_after: Any = None
        self.type_keys: tuple[str, ...] = ()
        self.plans: dict[tuple[Any, ...], _Plan] = {}


class _Plan:
    """What each entry of an object becomes, for given keys and types."""

    __slots__ = (
        "ctx",
        "datatype",
        "direction_key",
        "id_key",
        "language_key",
        "properties",
        "types",
        "value_key",
    )

    def __init__(self, ctx: Any) -> None:
        self.ctx = ctx
        self.id_key: str | None = None
        self.value_key: str | None = None
        self.language_key: str | None = None
        self.direction_key: str | None = None
        self.datatype: str | None = None
        self.types: list[tuple[str, str | None]] = []
        self.properties: list[tuple[str, str, int, Any, _Term]] = []


class _ShapeMemo:
    """Bounded memo of shapes, keyed by context identities and the object's keys."""

    def __init__(self) -> None:
        self.entries: dict[tuple[Any, ...], _Shape] = {}

    def put(self, key: tuple[Any, ...], shape: _Shape) -> None:
        if len(self.entries) >= _MAX_SHAPES:
            self.entries.clear()
        self.entries[key] = shape


_SHAPES = _ShapeMemo()
_MAX_CONTEXTS = 4096
# Processed contexts of the closed walk: (active id, local key, override, propagate)
# → (active context, result, local context).
_CONTEXTS: dict[tuple[Any, ...], tuple[Any, Any, Any]] = {}


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


def _is_bundled_reference(local_ctx: Any) -> bool:
    if isinstance(local_ctx, str):
        return is_known(local_ctx)
    if isinstance(local_ctx, (list, tuple)):
        return all(isinstance(c, str) and is_known(c) for c in local_ctx)
    return False


def _literal(value: Any, datatype: str | None, language: str | None, direction: str | None) -> str:
    """RDF conversion of a value object (JSON-LD to RDF §8.3 "Object to RDF")."""
    if datatype == "@json":
        # pyld's own JSON canonicalization (RFC 8785), as the reference uses it.
        return literal_term(pyld_jsonld.canonicalize(value).decode("utf-8"), RDF_JSON)
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

    def __init__(self, options: Mapping[str, Any] | None = None) -> None:
        self.processor = jsonld._Processor()
        # Closed: the bundled contexts through the closed loader, compiled once for
        # the process. Otherwise (the conformance tests' loaders): compiled for this
        # walk only, and contexts written in the document allowed.
        self.closed = options is None
        self.options = jsonld.expansion_options() if options is None else dict(options)
        self.base = self.options.get("base")
        self.shapes = _SHAPES if self.closed else _ShapeMemo()
        self.tables = _TABLES if self.closed else _Tables()
        self.quads: list[Quad] = []
        self.labels: dict[str, str] = {}
        self.counter = 0
        # Values the node map may merge where RDF would not (_check_merged_values).
        self.merge_check = False

    # ---- contexts and terms -------------------------------------------------

    def context(
        self, active_ctx: Any, local_ctx: Any, *, override: bool = False, propagate: bool = True
    ) -> Any:
        """Process ``local_ctx`` (memoised, in the closed walk, for the process)."""
        if not self.closed:
            return self.processor._process_context(
                active_ctx, local_ctx, self.options, override, propagate
            )
        # Active contexts here all come from the initial context and bundled local
        # contexts, and processed contexts are never mutated: the result depends on
        # the identities of both only.
        local_key = jsonld._local_key(local_ctx)
        if local_key is None:
            raise NotCovered("context not bundled")
        key = (id(active_ctx), local_key, override, propagate)
        hit = _CONTEXTS.get(key)
        if hit is not None and hit[0] is active_ctx:
            return hit[1]
        result = self.processor._process_context(
            active_ctx, local_ctx, self.options, override, propagate
        )
        if len(_CONTEXTS) >= _MAX_CONTEXTS:
            _CONTEXTS.clear()
        # The entry keeps both contexts (and the local one) alive, so ids stay unique.
        _CONTEXTS[key] = (active_ctx, result, local_ctx)
        return result

    def term(self, active_ctx: Any, key: str) -> _Term:
        table = self.tables.table(active_ctx)
        term = table.get(key)
        if term is None:
            expanded = self.processor._expand_iri(active_ctx, key, vocab=True)
            term = _Term(active_ctx, key, expanded)
            if len(key) <= _MAX_TERM_CHARS and len(table) < _MAX_TABLE_TERMS:
                table[key] = term
        return term

    def expand_id(self, active_ctx: Any, value: str) -> str:
        """The IRI or blank node term of a node identifier (``@id``, ``"@type": "@id"``).

        pyld's IRI expansion without vocabulary and without a base, for the
        values it leaves absolute: ``prefix:suffix`` with ``prefix`` a term
        defined as a prefix expands, ``_:label`` is a blank node, any other
        ``scheme:…`` stays as it is; anything else (relative) is not covered.
        """
        colon = value.find(":")
        if colon <= 0:
            raise NotCovered("relative IRI")
        prefix = value[:colon]
        if prefix == "_":
            return self.blank(value)
        iri = value
        if not value.startswith("//", colon + 1):
            mapping = active_ctx["mappings"].get(prefix)
            if mapping and mapping["_prefix"]:
                iri = mapping["@id"] + value[colon + 1 :]
        if not isinstance(iri, str) or _ABSOLUTE_IRI.match(iri) is None:
            raise NotCovered("relative IRI")
        return iri_term(iri)

    def expand_iri(self, active_ctx: Any, value: str, *, vocab: bool) -> str:
        """An IRI or blank node term for a node id, type or IRI value."""
        expanded = self.processor._expand_iri(active_ctx, value, vocab=vocab, base=self.base)
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
        if self.merge_check:
            _check_merged_values(self.quads)
        return self.quads

    def element(  # noqa: PLR0915 - the walk's hot loop, kept inline for speed
        self,
        active_ctx: Any,
        active_property: str | None,
        element: Mapping[str, Any],
        graph: str,
        type_scoped_ctx: Any,
    ) -> str | None:
        """A JSON object: a node object (its quads emitted, its subject returned) or a
        value object (its literal returned)."""
        keys = tuple(element)
        embedded: Any = None
        embedded_key: Any = None
        if "@context" in element:
            embedded = element["@context"]
            if not self.closed:
                embedded_key = id(embedded)  # alive as long as the document
            elif _is_bundled_reference(embedded):
                embedded_key = tuple(embedded) if isinstance(embedded, list) else embedded
            else:
                raise NotCovered("context written in the document")
        shape_key = (id(active_ctx), active_property, id(type_scoped_ctx), keys, embedded_key)
        shape = self.shapes.entries.get(shape_key)
        if shape is None or shape.ctx is not active_ctx or shape.tsc is not type_scoped_ctx:
            shape = self.shape(active_ctx, active_property, keys, embedded, type_scoped_ctx)
            if len(keys) <= _MAX_SHAPE_KEYS:
                self.shapes.put(shape_key, shape)
        type_keys = shape.type_keys
        if not type_keys:
            type_key: tuple[Any, ...] = ()
        elif len(type_keys) == 1:
            type_key = (_raw_types(element[type_keys[0]]),)
        else:
            type_key = tuple(_raw_types(element[key]) for key in type_keys)
        plan = shape.plans.get(type_key)
        if plan is None:
            plan = self.plan(shape, keys, type_key)
            if len(shape.plans) < _MAX_PLANS:
                shape.plans[type_key] = plan
        if plan.value_key is not None:
            if plan.direction_key is not None:
                self.merge_check = True
            return _value_object(plan, element)
        if plan.id_key is None:
            subject = self.fresh()
        else:
            node_id = element[plan.id_key]
            if not isinstance(node_id, str):
                raise NotCovered("@id")
            subject = self.expand_id(plan.ctx, node_id)
        quads = self.quads
        for expanded, term in plan.types:
            quads.append((subject, RDF_TYPE, term or self.blank(expanded), graph))
        for key, predicate, kind, term_ctx, inner in plan.properties:
            value = element[key]
            if kind == _PLAIN and type(value) is str and inner.scalar == _STRING:
                quads.append((subject, predicate, f'"{escape_literal(value)}"', graph))
                continue
            if kind == _JSON:
                self.merge_check = True
                quads.append((subject, predicate, _literal(value, "@json", None, None), graph))
                continue
            if value is None:
                continue
            if kind == _GRAPH:
                for item in value if isinstance(value, list) else [value]:
                    if isinstance(item, list):
                        raise NotCovered("nested array")
                    if item is None:
                        continue
                    name = self.fresh()
                    self.one(term_ctx, key, inner, item, name)
                    quads.append((subject, predicate, name, graph))
                continue
            if isinstance(value, list):
                objects = []
                for item in value:
                    if isinstance(item, list):
                        raise NotCovered("nested array")
                    obj = self.one(term_ctx, key, inner, item, graph)
                    if obj is not None:
                        objects.append(obj)
            else:
                obj = self.one(term_ctx, key, inner, value, graph)
                objects = [] if obj is None else [obj]
            if kind == _LIST:
                quads.append((subject, predicate, self.rdf_list(objects, graph), graph))
            else:
                for obj in objects:
                    quads.append((subject, predicate, obj, graph))
        return subject

    def one(self, active_ctx: Any, key: str, term: _Term, value: Any, graph: str) -> str | None:
        """The object term of one value of a property (``term`` as ``active_ctx`` defines it)."""
        if value is None:
            return None
        if isinstance(value, dict):
            return self.element(active_ctx, key, value, graph, None)
        kind = term.scalar
        if isinstance(value, str):
            if kind == _STRING:
                return f'"{escape_literal(value)}"'
            if kind == _TYPED:
                return _literal(value, term.type, None, None)
            if kind == _ID:
                return self.expand_id(active_ctx, value)
            if kind == _VOCAB:
                return self.expand_iri(active_ctx, value, vocab=True)
        elif isinstance(value, (bool, int, float)):
            if kind == _TYPED:
                return _literal(value, term.type, None, None)
            if kind != _NOT_A_VALUE:
                return _literal(value, None, None, None)
        raise NotCovered("scalar value")

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

    # ---- compiling shapes and plans (once per context, keys and types) -------

    def shape(
        self,
        active_ctx: Any,
        active_property: str | None,
        keys: tuple[str, ...],
        embedded: Any,
        type_scoped_ctx: Any,
    ) -> _Shape:
        """Contexts of an object with these keys (JSON-LD 1.1 Expansion §5.1.2 steps 7-11).

        Revert a non-propagated type-scoped context (unless the object is a value
        object or a node reference), apply the property-scoped context, then the
        embedded context; the @type entries are found with the context so obtained.
        """
        shape = _Shape(active_ctx, type_scoped_ctx)
        property_scoped = (
            self.term(active_ctx, active_property).scoped if active_property is not None else None
        )
        if not type_scoped_ctx and active_ctx.get("previousContext"):
            type_scoped_ctx = active_ctx
        must_revert = True
        if type_scoped_ctx and len(keys) <= 2 and "@context" not in keys:
            for key in sorted(keys):
                expanded = self.term(type_scoped_ctx, key).expanded
                if expanded == "@value":
                    must_revert = False
                    active_ctx = type_scoped_ctx
                    break
                if expanded == "@id" and len(keys) == 1:
                    must_revert = False
                    break
        if must_revert:
            active_ctx = active_ctx.get("previousContext", active_ctx)
        if property_scoped is not None:
            active_ctx = self.context(active_ctx, property_scoped, override=True)
        if embedded is not None:
            active_ctx = self.context(active_ctx, embedded)
        shape.ctx_after = active_ctx
        shape.type_keys = tuple(
            sorted(
                key
                for key in keys
                if key != "@context" and self.term(active_ctx, key).expanded == "@type"
            )
        )
        return shape

    def plan(  # noqa: PLR0915 - one classification, kept in one place
        self, shape: _Shape, keys: tuple[str, ...], type_key: tuple[Any, ...]
    ) -> _Plan:
        """What each entry of an object with these keys and types becomes (§5.1.2 steps 11-13)."""
        type_scoped_ctx = active_ctx = shape.ctx_after
        raw_types: list[str] = []
        for raw in type_key:
            names = [raw] if isinstance(raw, str) else list(raw)
            raw_types.extend(names)
            for type_name in sorted(names):
                scoped = self.term(type_scoped_ctx, type_name).scoped
                if scoped is not None and scoped is not False:
                    active_ctx = self.context(active_ctx, scoped, propagate=False)
        plan = _Plan(active_ctx)
        keywords: dict[str, str] = {}
        for key in keys:
            if key == "@context":
                continue
            term = self.term(active_ctx, key)
            expanded = term.expanded
            if expanded is None:
                raise NotCovered("undefined term")
            if (expanded == "@type") != (key in shape.type_keys):
                raise NotCovered("@type redefined by a type-scoped context")
            if expanded == "@type":
                continue
            if expanded.startswith("@"):
                if expanded not in _NODE_KEYWORDS or expanded in keywords:
                    raise NotCovered(f"keyword {expanded}")
                keywords[expanded] = key
                continue
            if _ABSOLUTE_IRI.match(expanded) is None or expanded.startswith("_:"):
                raise NotCovered("property IRI")
            term.check_container()
            predicate = iri_term(expanded)
            term_ctx = active_ctx
            inner = term
            if term.scoped is not None:
                # Processed as the expansion algorithm does, even where unused (@json).
                term_ctx = self.context(active_ctx, term.scoped, override=True)
                inner = self.term(term_ctx, key)
                if inner.is_list != term.is_list or inner.is_graph != term.is_graph:
                    raise NotCovered("container redefined by a scoped context")
            if term.type == "@json":
                if term.is_list or term.is_graph:
                    raise NotCovered("@json in a container")
                plan.properties.append((key, predicate, _JSON, active_ctx, term))
                continue
            kind = _GRAPH if term.is_graph else _LIST if term.is_list else _PLAIN
            plan.properties.append((key, predicate, kind, term_ctx, inner))
        plan.id_key = keywords.get("@id")
        plan.value_key = keywords.get("@value")
        plan.language_key = keywords.get("@language")
        plan.direction_key = keywords.get("@direction")
        if plan.value_key is not None:
            if plan.properties or plan.id_key is not None or len(type_key) > 1:
                raise NotCovered("value object with other entries")
            if type_key:
                raw = type_key[0]
                if not isinstance(raw, str) or plan.language_key or plan.direction_key:
                    raise NotCovered("value object @type")
                datatype = self.processor._expand_iri(
                    type_scoped_ctx, raw, vocab=True, base=self.base
                )
                if (
                    not isinstance(datatype, str)
                    or datatype.startswith("_:")
                    or _ABSOLUTE_IRI.match(datatype) is None
                ):
                    raise NotCovered("value object datatype")
                plan.datatype = datatype
            return plan
        if plan.language_key is not None or plan.direction_key is not None:
            raise NotCovered("@language or @direction outside a value object")
        for type_name in raw_types:
            expanded = self.processor._expand_iri(
                type_scoped_ctx, type_name, vocab=True, base=self.base
            )
            if not isinstance(expanded, str):
                raise NotCovered("type does not expand")
            if expanded.startswith("_:"):
                plan.types.append((expanded, None))
            elif expanded.startswith("@") or _ABSOLUTE_IRI.match(expanded) is None:
                raise NotCovered("relative type")
            else:
                plan.types.append((expanded, iri_term(expanded)))
        return plan


def _raw_types(value: Any) -> Any:
    """A hashable form of an @type entry: the string, or a tuple of strings."""
    if type(value) is str:
        return value
    if type(value) is list:
        names = tuple(value)
        for name in names:
            if type(name) is not str:
                raise NotCovered("@type value")
        return names
    raise NotCovered("@type value")


def _check_merged_values(quads: list[Quad]) -> None:
    """Not covered: values of one property of one node that the node map merges
    although their RDF literals differ.

    The node map keeps one value per ``@value``, ``@type``, ``@language`` and
    ``@index`` — whichever it meets first — comparing ``@value`` with ``==``
    and leaving ``@direction`` out (pyld and jsonld.js alike). So a directed
    string next to the same string without direction or with the other one,
    or two JSON literals (``{"a": true}`` equals ``{"a": 1}`` in Python), are
    left to the reference.
    """
    objects: dict[tuple[str, str, str], set[str]] = {}
    for s, p, o, g in quads:
        if o[0] == '"':
            objects.setdefault((g, s, p), set()).add(o)
    marker = f'"^^<{I18N}'
    json_suffix = f"^^<{RDF_JSON}>"
    for found in objects.values():
        if len(found) < 2:
            continue
        if sum(1 for term in found if term.endswith(json_suffix)) > 1:
            raise NotCovered("several JSON literals for one property")
        for term in found:
            at = term.rfind(marker)
            if at < 0:
                continue
            lexical = term[: at + 1]
            language, _, direction = term[at + len(marker) : -1].rpartition("_")
            other = "rtl" if direction == "ltr" else "ltr"
            plain = f"{lexical}@{language}" if language else lexical
            if plain in found or f"{lexical}^^<{I18N}{language}_{other}>" in found:
                raise NotCovered("the same string with and without a direction")


def _value_object(plan: _Plan, element: Mapping[str, Any]) -> str:
    value = element[plan.value_key]  # type: ignore[index]
    if not isinstance(value, (str, bool, int, float)):
        raise NotCovered("@value")
    language = None
    direction = None
    if plan.language_key is not None:
        language = element[plan.language_key]
        if not isinstance(language, str) or not isinstance(value, str):
            raise NotCovered("@language")
        language = language.lower()
    if plan.direction_key is not None:
        direction = element[plan.direction_key]
        if direction not in ("ltr", "rtl") or not isinstance(value, str):
            raise NotCovered("@direction")
    return _literal(value, plan.datatype, language, direction)


def compiled_quads(
    document: Mapping[str, Any], *, options: Mapping[str, Any] | None = None
) -> list[Quad]:
    """Quads of ``document`` by the compiled walk; :class:`NotCovered` when it does not apply.

    The caller has checked the document's bounds (:func:`obcore.jsonld.check_bounds`).
    ``options`` (pyld expansion options: a document loader, a base) are for the
    conformance tests, which load their contexts from fixtures; without them the
    walk uses the closed loader over the bundled contexts.
    """
    if not isinstance(document, Mapping):
        raise NotCovered("not a JSON object")
    try:
        return _Walk(options).document(document)
    except NotCovered:
        raise
    except jsonld.INPUT_ERRORS as exc:
        # Invalid input for the contexts: the reference path reports it.
        raise NotCovered(type(exc).__name__) from exc


def _plain_and_bounded(document: Any) -> bool:
    """True when ``document`` is plain JSON data within :func:`obcore.jsonld.check_bounds`'s
    bounds (counted as it counts them); False sends the document to that check."""
    max_depth = jsonld.MAX_DEPTH
    max_chars = jsonld.MAX_STRING_CHARS
    count = 0
    inline = 0
    stack: list[tuple[Any, int, bool]] = [(document, 0, False)]
    pop = stack.pop
    push = stack.append
    while stack:
        value, depth, in_context = pop()
        count += 1
        if in_context:
            inline += 1
        if depth > max_depth:
            return False
        kind = type(value)
        if kind is dict:
            depth += 1
            for key, item in value.items():
                if type(key) is not str:
                    return False
                item_kind = type(item)
                if item_kind is str:
                    # A string leaf, counted here rather than pushed.
                    count += 1
                    if in_context or key == "@context":
                        inline += 1
                    if depth > max_depth or len(item) > max_chars:
                        return False
                else:
                    push((item, depth, in_context or key == "@context"))
        elif kind is list:
            depth += 1
            for item in value:
                push((item, depth, in_context))
        elif kind is str:
            if len(value) > max_chars:
                return False
        elif value is not None and kind is not bool and kind is not int and kind is not float:
            return False
    return count <= jsonld.MAX_NODES and inline <= jsonld.MAX_INLINE_CONTEXT_ITEMS


def to_quads(document: Mapping[str, Any]) -> list[Quad]:
    """JSON-LD document → quads in safe mode: the compiled walk, or the reference path."""
    if not _plain_and_bounded(document):
        jsonld.check_bounds(document)
    try:
        return compiled_quads(document)
    except NotCovered:
        return jsonld.to_quads(document, safe=True)


def canonicalize(document: Mapping[str, Any], limits: rdfc.Limits = rdfc.DEFAULT_LIMITS) -> str:
    """RDFC-1.0 canonical N-Quads of ``document`` (safe mode, closed contexts)."""
    return rdfc.canonicalize(to_quads(document), limits)
