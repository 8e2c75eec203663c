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

from obcore.errors import BudgetSpent, LimitExceededError

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
    # A caller's own, shorter budget (seconds): past it :class:`BudgetSpent`, not a
    # verdict. A verification attempted on an event loop sets it (issuer_api.verification).
    budget_seconds: float | None = None


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
        started = time.monotonic()
        self.deadline = started + limits.max_seconds
        budget = limits.budget_seconds
        self.budget_deadline = started + budget if budget is not None else None
        self.canonical = _Issuer("_:c14n")
        self.bnode_quads: dict[str, list[Quad]] = {}
        self.first_degree: dict[str, str] = {}
        self.remaining_deep = 0
        self.remaining_permutations = limits.max_permutations

    def _check_time(self) -> None:
        now = time.monotonic()
        if self.budget_deadline is not None and now > self.budget_deadline:
            raise BudgetSpent("the caller's time budget for this canonicalization is spent")
        if now > self.deadline:
            raise LimitExceededError(
                "canonicalization took too long (rdf-canon poison graph guard)",
                code="canonicalization_timeout",
            )

    # rdf-canon §4.6 Hash First Degree Quads
    def hash_first_degree(self, node: str) -> str:
        cached = self.first_degree.get(node)
        if cached is not None:
            return cached
        # Terms are serialised: only blank nodes start with "_" (IRIs "<", literals '"').
        lines = []
        for s, p, o, g in self.bnode_quads[node]:
            subject = s if s[0] != "_" else "_:a" if s == node else "_:z"
            obj = o if o[0] != "_" else "_:a" if o == node else "_:z"
            if g:
                graph = g if g[0] != "_" else "_:a" if g == node else "_:z"
                lines.append(f"{subject} {p} {obj} {graph} .\n")
            else:
                lines.append(f"{subject} {p} {obj} .\n")
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
        bnode_quads = self.bnode_quads
        for quad in self.quads:
            s, _, o, g = quad
            if s[0] == "_":
                bnode_quads.setdefault(s, []).append(quad)
            if o[0] == "_" and o != s:
                bnode_quads.setdefault(o, []).append(quad)
            if g and g[0] == "_" and g not in (s, o):
                bnode_quads.setdefault(g, []).append(quad)
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
    """Canonical N-Quads lines (sorted, each ending in a newline).

    The input is a dataset, hence a set: repeated quads count once (otherwise a
    duplicate would change first-degree hashes and so the labels).
    """
    quads = list(dict.fromkeys(quads))
    if not any(s[0] == "_" or o[0] == "_" or (g and g[0] == "_") for s, _, o, g in quads):
        return sorted({serialize_quad(q) for q in quads})
    issued = _Canonicalizer(quads, limits).run()
    # The quads are distinct and relabelling is one to one: so are the lines.
    lines = []
    for s, p, o, g in quads:
        subject = issued[s] if s[0] == "_" else s
        obj = issued[o] if o[0] == "_" else o
        if g:
            graph = issued[g] if g[0] == "_" else g
            lines.append(f"{subject} {p} {obj} {graph} .\n")
        else:
            lines.append(f"{subject} {p} {obj} .\n")
    lines.sort()
    return lines


def canonicalize(quads: Sequence[Quad], limits: Limits = DEFAULT_LIMITS) -> str:
    """RDFC-1.0 canonical N-Quads document of ``quads``."""
    return "".join(canonical_quads(quads, limits))


def parse_nquads(text: str) -> list[Quad]:
    """Parse an N-Quads document (RDF 1.1 N-Quads grammar) into quads.

    Terms come back in the canonical form :func:`canonicalize` consumes:
    escapes in IRIs (``UCHAR``) and literals (``ECHAR``, ``UCHAR``) are
    decoded and the terms re-serialised with :func:`iri_term` and
    :func:`literal_term`, so ``"\\u0041"`` and ``"A"`` are the same literal and
    an ``xsd:string`` datatype is dropped. Blank node labels are kept as
    written (``_:label``). An N-Quads document denotes a dataset, a *set* of
    quads: repeated statements are returned once, in first-seen order.

    Raises :class:`ValueError` on anything that is not N-Quads, naming the line.
    """
    quads: dict[Quad, None] = {}
    for number, line in _lines(text):
        try:
            quad = _statement(line)
        except ValueError as exc:
            raise ValueError(f"line {number}: {exc}") from None
        if quad is not None:
            quads.setdefault(quad)
    return list(quads)


# N-Quads productions (https://www.w3.org/TR/n-quads/#sec-grammar).
_UCHAR = r"\\u[0-9A-Fa-f]{4}|\\U[0-9A-Fa-f]{8}"
_ECHAR = r"\\[tbnrf\"'\\]"
_PN_CHARS_BASE = (
    "A-Za-z\u00c0-\u00d6\u00d8-\u00f6\u00f8-\u02ff\u0370-\u037d\u037f-\u1fff\u200c-\u200d"
    "\u2070-\u218f\u2c00-\u2fef\u3001-\ud7ff\uf900-\ufdcf\ufdf0-\ufffd\U00010000-\U000effff"
)
_PN_CHARS_U = _PN_CHARS_BASE + "_:"
_PN_CHARS = _PN_CHARS_U + "\\-0-9\u00b7\u0300-\u036f\u203f-\u2040"
_IRIREF = rf"<(?:[^\x00-\x20<>\"{{}}|^`\\]|{_UCHAR})*>"
_TOKEN = re.compile(
    r"[ \t]*(?:"
    rf"(?P<iri>{_IRIREF})"
    rf"|(?P<bnode>_:[{_PN_CHARS_U}0-9](?:[{_PN_CHARS}.]*[{_PN_CHARS}])?)"
    rf"|(?P<literal>\"(?:[^\"\\\n\r]|{_ECHAR}|{_UCHAR})*\")"
    r"(?:@(?P<lang>[a-zA-Z]+(?:-[a-zA-Z0-9]+)*)"
    rf"|\^\^(?P<datatype>{_IRIREF}))?"
    r"|(?P<end>\.)"
    r"|(?P<comment>#.*)"
    r"|(?P<blank>$)"
    r")"
)
_ESCAPE = re.compile(rf"{_UCHAR}|{_ECHAR}")
_ECHARS = {"t": "\t", "b": "\b", "n": "\n", "r": "\r", "f": "\f", '"': '"', "'": "'", "\\": "\\"}
_SCHEME = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*:")
# Which kinds of term each position takes: subject, predicate, object, graph name.
_POSITIONS = (
    ("subject", frozenset({"iri", "bnode"})),
    ("predicate", frozenset({"iri"})),
    ("object", frozenset({"iri", "bnode", "literal"})),
    ("graph name", frozenset({"iri", "bnode"})),
)


def _lines(text: str) -> Iterator[tuple[int, str]]:
    # Only CR and LF end a line (EOL ::= [#xD#xA]+): str.splitlines would also
    # split on raw U+000B, U+000C, U+001C-U+001E, U+0085, U+2028 and U+2029,
    # which a literal may contain.
    yield from enumerate(re.split(r"\r\n|\r|\n", text), start=1)


def _statement(line: str) -> Quad | None:
    terms: list[str] = []
    ended = False
    for kind, term in _terms(line):
        if kind == "end":
            if ended or len(terms) not in (3, 4):
                raise ValueError("a statement has a subject, predicate, object and graph name")
            ended = True
            continue
        if ended:
            raise ValueError(f"text after the end of the statement: {term!r}")
        if len(terms) == len(_POSITIONS):
            raise ValueError("too many terms in one statement")
        position, allowed = _POSITIONS[len(terms)]
        if kind not in allowed:
            raise ValueError(f"a {kind} cannot be the {position}: {term!r}")
        terms.append(term)
    if not terms:
        return None
    if not ended:
        raise ValueError("statement does not end with '.'")
    return (terms[0], terms[1], terms[2], terms[3] if len(terms) == 4 else "")


def _terms(line: str) -> Iterable[tuple[str, str]]:
    """``(kind, term)`` pairs of one line; terms in canonical N-Quads form."""
    pos = 0
    while True:
        match = _TOKEN.match(line, pos)
        if match is None:
            raise ValueError(f"not N-Quads near {line[pos : pos + 20]!r}")
        if match["blank"] is not None or match["comment"] is not None:
            return
        pos = match.end()
        if match["end"] is not None:
            yield "end", "."
        elif match["iri"] is not None:
            yield "iri", iri_term(_iri(match["iri"]))
        elif match["bnode"] is not None:
            yield "bnode", match["bnode"]
        else:
            datatype = match["datatype"]
            yield (
                "literal",
                literal_term(
                    _unescape(match["literal"][1:-1]),
                    _iri(datatype) if datatype is not None else None,
                    match["lang"],
                ),
            )


def _iri(token: str) -> str:
    iri = _unescape(token[1:-1])
    if _SCHEME.match(iri) is None:
        raise ValueError(f"not an absolute IRI: {token!r}")
    return iri


def _unescape(text: str) -> str:
    if "\\" not in text:
        return text
    return _ESCAPE.sub(_decode_escape, text)


def _decode_escape(match: re.Match[str]) -> str:
    escape = match[0]
    if len(escape) == 2:
        return _ECHARS[escape[1]]
    code = int(escape[2:], 16)
    if code > 0x10FFFF or 0xD800 <= code <= 0xDFFF:
        raise ValueError(f"{escape} is not a Unicode scalar value")
    return chr(code)
