"""RDF Dataset Canonicalization (RDFC-1.0), bounded, with canonical N-Quads.

Implements https://www.w3.org/TR/rdf-canon/ over quads produced by the JSON-LD
layer. Two things set it apart from stock pyld's URDNA2015:

* **Canonical N-Quads escaping** (rdf-canon §4.3 / RDF 1.2 N-Quads canonical
  form): in literals ``"`` ``\\`` and the controls ``\\b \\t \\n \\f \\r`` use
  ECHAR escapes, every other character in U+0000 to U+001F and U+007F is written
  ``\\uXXXX`` (upper-case hex); in IRIs the characters U+0000 to U+0020 and
  ``<>"{}|^`\\`` are written ``\\uXXXX``. pyld 3.3 leaves ``\\b``, ``\\f`` and
  other controls raw, so signatures over such text do not interoperate.
* **Bounded work** (rdf-canon §6 "Security considerations"): the number of
  blank nodes, Hash N-Degree Quads calls ("deep iterations"), permutations and
  wall-clock time are capped; past a bound :class:`LimitExceededError` is
  raised instead of hanging on a poison graph.

Quads are tuples ``(subject, predicate, object, graph)`` of already-serialised
N-Quads terms (``<iri>``, ``_:id``, ``"literal"…``); ``graph`` is ``""`` for
the default graph.
"""

from __future__ import annotations

import hashlib
import re
import time
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from itertools import permutations

from obcore.errors import LimitExceededError

Quad = tuple[str, str, str, str]

XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"
RDF_LANGSTRING = "http://www.w3.org/1999/02/22-rdf-syntax-ns#langString"

_LITERAL_ESCAPES = {i: f"\\u{i:04X}" for i in [*range(0x20), 0x7F]}
_LITERAL_ESCAPES.update(
    {0x08: "\\b", 0x09: "\\t", 0x0A: "\\n", 0x0C: "\\f", 0x0D: "\\r", 0x22: '\\"', 0x5C: "\\\\"}
)
_LITERAL_NEEDS_ESCAPE = re.compile(r'[\x00-\x1f\x7f"\\]')
_IRI_ESCAPES = {i: f"\\u{i:04X}" for i in [*range(0x21), *map(ord, '<>"{}|^`\\')]}
_IRI_NEEDS_ESCAPE = re.compile(r'[\x00-\x20<>"{}|^`\\]')


def escape_literal(value: str) -> str:
    if _LITERAL_NEEDS_ESCAPE.search(value) is None:
        return value
    return value.translate(_LITERAL_ESCAPES)


def escape_iri(value: str) -> str:
    if _IRI_NEEDS_ESCAPE.search(value) is None:
        return value
    return value.translate(_IRI_ESCAPES)


def iri_term(iri: str) -> str:
    return f"<{escape_iri(iri)}>"


def literal_term(value: str, datatype: str | None = None, language: str | None = None) -> str:
    text = f'"{escape_literal(value)}"'
    if language:
        return f"{text}@{language}"
    if datatype and datatype not in (XSD_STRING, RDF_LANGSTRING):
        return f"{text}^^<{escape_iri(datatype)}>"
    return text


def serialize_quad(quad: Quad) -> str:
    s, p, o, g = quad
    if g:
        return f"{s} {p} {o} {g} .\n"
    return f"{s} {p} {o} .\n"


@dataclass(frozen=True)
class Limits:
    """Safety bounds for one canonicalization."""

    max_quads: int = 20_000
    max_blank_nodes: int = 5_000
    # Hash N-Degree Quads calls allowed, as a power of the number of blank
    # nodes whose first-degree hash is shared (Digital Bazaar uses 1).
    work_factor: int = 2
    max_permutations: int = 100_000
    max_seconds: float = 2.0


DEFAULT_LIMITS = Limits()


class _Issuer:
    """Identifier issuer (rdf-canon §4.5)."""

    __slots__ = ("counter", "issued", "prefix")

    def __init__(self, prefix: str) -> None:
        self.prefix = prefix
        self.counter = 0
        self.issued: dict[str, str] = {}

    def issue(self, existing: str) -> str:
        issued = self.issued.get(existing)
        if issued is None:
            issued = f"{self.prefix}{self.counter}"
            self.counter += 1
            self.issued[existing] = issued
        return issued

    def copy(self) -> _Issuer:
        clone = _Issuer(self.prefix)
        clone.counter = self.counter
        clone.issued = dict(self.issued)
        return clone


def _sha256(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


class _Canonicalizer:
    def __init__(self, quads: Sequence[Quad], limits: Limits) -> None:
        self.quads = quads
        self.limits = limits
        self.deadline = time.monotonic() + limits.max_seconds
        self.canonical = _Issuer("_:c14n")
        self.bnode_quads: dict[str, list[Quad]] = {}
        self.first_degree: dict[str, str] = {}
        self.remaining_deep = 0
        self.remaining_permutations = limits.max_permutations

    def _check_time(self) -> None:
        if time.monotonic() > self.deadline:
            raise LimitExceededError(
                "canonicalization took too long (rdf-canon poison graph guard)",
                code="canonicalization_timeout",
            )

    # rdf-canon §4.6 Hash First Degree Quads
    def hash_first_degree(self, node: str) -> str:
        cached = self.first_degree.get(node)
        if cached is not None:
            return cached
        lines = []
        for quad in self.bnode_quads[node]:
            lines.append(
                serialize_quad(
                    tuple(  # type: ignore[arg-type]
                        ("_:a" if t == node else "_:z") if t.startswith("_:") else t for t in quad
                    )
                )
            )
        lines.sort()
        digest = _sha256("".join(lines))
        self.first_degree[node] = digest
        return digest

    # rdf-canon §4.7 Hash Related Blank Node
    def hash_related(self, related: str, quad: Quad, issuer: _Issuer, position: str) -> str:
        if related in self.canonical.issued:
            ident = self.canonical.issued[related]
        elif related in issuer.issued:
            ident = issuer.issued[related]
        else:
            ident = self.hash_first_degree(related)
        if position == "g":
            return _sha256(f"g{ident}")
        return _sha256(f"{position}{quad[1]}{ident}")

    # rdf-canon §4.8 Hash N-Degree Quads
    def hash_n_degree(self, node: str, issuer: _Issuer) -> tuple[str, _Issuer]:
        if self.remaining_deep <= 0:
            raise LimitExceededError(
                "canonicalization needs too many deep iterations (rdf-canon poison graph guard)",
                code="canonicalization_too_complex",
            )
        self.remaining_deep -= 1
        self._check_time()
        related_map: dict[str, list[str]] = {}
        for quad in self.bnode_quads[node]:
            for position, term in (("s", quad[0]), ("o", quad[2]), ("g", quad[3])):
                if term.startswith("_:") and term != node:
                    digest = self.hash_related(term, quad, issuer, position)
                    related_map.setdefault(digest, []).append(term)
        data = []
        for related_hash in sorted(related_map):
            data.append(related_hash)
            chosen_path = ""
            chosen_issuer: _Issuer | None = None
            for perm in permutations(related_map[related_hash]):
                self.remaining_permutations -= 1
                if self.remaining_permutations < 0:
                    raise LimitExceededError(
                        "canonicalization needs too many permutations",
                        code="canonicalization_too_complex",
                    )
                issuer_copy = issuer.copy()
                path = ""
                recursion: list[str] = []
                skip = False
                for related in perm:
                    if related in self.canonical.issued:
                        path += self.canonical.issued[related]
                    else:
                        if related not in issuer_copy.issued:
                            recursion.append(related)
                        path += issuer_copy.issue(related)
                    if chosen_path and len(path) >= len(chosen_path) and path > chosen_path:
                        skip = True
                        break
                if skip:
                    continue
                for related in recursion:
                    result_hash, result_issuer = self.hash_n_degree(related, issuer_copy)
                    path += issuer_copy.issue(related)
                    path += f"<{result_hash}>"
                    issuer_copy = result_issuer
                    if chosen_path and len(path) >= len(chosen_path) and path > chosen_path:
                        skip = True
                        break
                if skip:
                    continue
                if not chosen_path or path < chosen_path:
                    chosen_path = path
                    chosen_issuer = issuer_copy
            data.append(chosen_path)
            if chosen_issuer is not None:
                issuer = chosen_issuer
        return _sha256("".join(data)), issuer

    # rdf-canon §4.4 Canonicalization Algorithm
    def run(self) -> dict[str, str]:
        limits = self.limits
        if len(self.quads) > limits.max_quads:
            raise LimitExceededError(
                f"document has more than {limits.max_quads} statements",
                code="document_too_large",
            )
        for quad in self.quads:
            for term in (quad[0], quad[2], quad[3]):
                if term.startswith("_:"):
                    entries = self.bnode_quads.setdefault(term, [])
                    if not entries or entries[-1] is not quad:
                        entries.append(quad)
        if len(self.bnode_quads) > limits.max_blank_nodes:
            raise LimitExceededError(
                f"document has more than {limits.max_blank_nodes} blank nodes",
                code="too_many_blank_nodes",
            )
        by_hash: dict[str, list[str]] = {}
        for node in self.bnode_quads:
            by_hash.setdefault(self.hash_first_degree(node), []).append(node)
        non_unique: list[list[str]] = []
        for digest in sorted(by_hash):
            nodes = by_hash[digest]
            if len(nodes) > 1:
                non_unique.append(nodes)
            else:
                self.canonical.issue(nodes[0])
        shared = sum(len(nodes) for nodes in non_unique)
        self.remaining_deep = shared**limits.work_factor
        for nodes in non_unique:
            paths: list[tuple[str, _Issuer]] = []
            for node in nodes:
                if node in self.canonical.issued:
                    continue
                temporary = _Issuer("_:b")
                temporary.issue(node)
                paths.append(self.hash_n_degree(node, temporary))
            paths.sort(key=lambda item: item[0])
            for _, result_issuer in paths:
                for existing in result_issuer.issued:
                    self.canonical.issue(existing)
        return self.canonical.issued


def canonical_quads(quads: Sequence[Quad], limits: Limits = DEFAULT_LIMITS) -> list[str]:
    """Canonical N-Quads lines (sorted, each ending in a newline)."""
    if not any(t.startswith("_:") for q in quads for t in (q[0], q[2], q[3])):
        return sorted({serialize_quad(q) for q in quads})
    issued = _Canonicalizer(quads, limits).run()

    def relabel(term: str) -> str:
        return issued[term] if term.startswith("_:") else term

    return sorted(
        {
            serialize_quad((relabel(s), p, relabel(o), relabel(g) if g else g))
            for s, p, o, g in quads
        }
    )


def canonicalize(quads: Sequence[Quad], limits: Limits = DEFAULT_LIMITS) -> str:
    """RDFC-1.0 canonical N-Quads document of ``quads``."""
    return "".join(canonical_quads(quads, limits))


def parse_nquads(text: str) -> list[Quad]:
    """Parse simple N-Quads (as produced by canonicalizers) back into quads.

    Intended for tests and test vectors: terms are kept as serialised, which
    is what :func:`canonicalize` consumes.
    """
    quads: list[Quad] = []
    for raw in _lines(text):
        terms = list(_terms(raw))
        if len(terms) not in (3, 4):
            raise ValueError(f"not an N-Quads statement: {raw!r}")
        g = terms[3] if len(terms) == 4 else ""
        quads.append((terms[0], terms[1], terms[2], g))
    return quads


def _lines(text: str) -> Iterator[str]:
    for line in text.splitlines():
        stripped = line.strip()
        if stripped and not stripped.startswith("#"):
            yield stripped


_TERM = re.compile(r'\s*(<[^>]*>|_:[^\s]+|"(?:[^"\\]|\\.)*"(?:@[A-Za-z0-9-]+|\^\^<[^>]*>)?|\.)')


def _terms(line: str) -> Iterable[str]:
    pos = 0
    while pos < len(line):
        match = _TERM.match(line, pos)
        if match is None:
            raise ValueError(f"cannot parse N-Quads near {line[pos : pos + 20]!r}")
        token = match.group(1)
        pos = match.end()
        if token == ".":  # noqa: S105 - the N-Quads statement terminator
            return
        yield token
