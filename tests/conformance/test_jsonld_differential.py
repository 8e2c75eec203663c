"""obhub's JSON-LD to canonical N-Quads path produces stock pyld's bytes.

``obcore.jsonld`` memoises processed contexts and expanded IRIs by object
identity and swaps two pyld helpers for faster equivalents (``_tune_pyld``).
Both are speed-ups only: no canonical byte may change. This module compares
``rdfc.canonicalize(jsonld.to_quads(doc, safe=False))`` with pyld's own
URDNA2015 normalisation (same loader, ``rdfDirection: i18n-datatype``):

* run by stock pyld in a subprocess that never imports ``obcore.jsonld``
  (``_stock_pyld.py``), since importing it patches pyld for the whole process;
* run by pyld in this process (patched helpers, no memo);
* twice in one process, the second time in reverse order, to catch stale memo
  entries.

The corpus is every JSON credential under ``tests/fixtures/vectors`` and
``tests/fixtures/spec`` that expands with the bundled contexts, plus a subset of
the W3C JSON-LD ``toRdf`` tests that exercise context processing and a few local
documents for what that subset lacks (``tests/fixtures/jsonld-torgf``, see its
README.txt). Those two load contexts by relative URL through a test-only loader,
so obhub's side drives an ``obcore.jsonld._Processor`` directly, mirroring
``expand_document`` with that loader.

pyld leaves control characters other than tab, LF and CR unescaped in N-Quads
(obhub writes the canonical escapes), so documents with such characters in a
string are not compared byte for byte here; ``test_rdfc10_suite`` (test060) and
the interoperability tests cover them.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from pyld import jsonld as pyld_jsonld
from pyld.context_resolver import ContextResolver

from obcore import jsonld, rdfc
from obcore.contexts import document_loader
from obcore.errors import ContextError, LimitExceededError, MalformedInputError, SafeModeError

from ._stock_pyld import Loader, fixture_loader, normalize

FIXTURES = Path(__file__).parents[1] / "fixtures"
CORPUS = sorted(
    [*FIXTURES.glob("vectors/*.json"), *FIXTURES.glob("spec/**/*.json")],
    key=lambda path: path.as_posix(),
)
TORDF = FIXTURES / "jsonld-torgf"
W3C_PREFIX = "https://w3c.github.io/json-ld-api/tests/toRdf/"
LOCAL_PREFIX = "https://obhub.example/jsonld-torgf/local/"
TEST_FIXTURES = {W3C_PREFIX: str(TORDF / "toRdf"), LOCAL_PREFIX: str(TORDF / "local")}
TEST_LOADER = fixture_loader(TEST_FIXTURES)
# Documents that load their contexts by relative URL, which needs a base.
RELATIVE_CONTEXTS = {"protected-in.jsonld", "protected-violation-in.jsonld", "remote-in.jsonld"}


@dataclass(frozen=True)
class Case:
    """One document of the test-loader corpus, expanded against ``base``."""

    prefix: str
    name: str
    base: str | None

    @property
    def id(self) -> str:
        return self.name if self.base is not None else f"{self.name}-without-base"

    @property
    def document(self) -> Any:
        return _load(Path(TEST_FIXTURES[self.prefix], self.name))


# Each document is expanded against its own URL and, since obhub's closed path expands
# with no base (where vocabulary-relative and document-relative IRI expansion meet the
# same memo keys), without a base too unless it needs one for its contexts.
TORDF_CASES = [
    Case(prefix, path.name, base)
    for prefix, folder in ((W3C_PREFIX, "toRdf"), (LOCAL_PREFIX, "local"))
    for path in sorted((TORDF / folder).glob("*-in.jsonld"))
    for base in (prefix + path.name, None)
    if base is not None or path.name not in RELATIVE_CONTEXTS
]
MUST_FAIL = {"protected-violation-in.jsonld": "protected term redefinition"}

# Control characters pyld 3.3 writes raw into N-Quads (tab, LF and CR it escapes).
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def _name(path: Path) -> str:
    return path.relative_to(FIXTURES).as_posix()


def _strings(value: Any) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for key, item in value.items():
            yield key
            yield from _strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from _strings(item)


def _load(path: Path) -> Any:
    return json.loads(path.read_text("utf-8"))


def _comparable(path: Path) -> Any:
    """The document, or a skip when it is outside the corpus (see the module docstring)."""
    document = _load(path)
    if any(_CONTROL.search(text) for text in _strings(document)):
        pytest.skip("a string has a control character pyld does not escape")
    try:
        jsonld.to_quads(document, safe=False)
    except (ContextError, MalformedInputError, LimitExceededError) as exc:
        pytest.skip(f"does not expand with the bundled contexts: {exc}")
    return document


def obhub_canonical(document: Any) -> str:
    return rdfc.canonicalize(jsonld.to_quads(document, safe=False))


def obhub_canonical_with_loader(document: Any, base: str | None, loader: Loader) -> str:
    """``to_quads`` with ``loader`` instead of the closed one (``expand_document`` mirrored)."""
    processor = jsonld._Processor()
    options: dict[str, Any] = {
        "documentLoader": loader,
        "contextResolver": ContextResolver({}, loader),
        "base": base,
        "processingMode": "json-ld-1.1",
        "extractAllScripts": True,
        "isFrame": False,
        "keepFreeFloatingNodes": False,
    }
    active_ctx = processor._get_initial_context(options)
    expanded = processor._expand(active_ctx, None, document, options, inside_list=False)
    if isinstance(expanded, dict) and "@graph" in expanded and len(expanded) == 1:
        expanded = expanded["@graph"]
    elif expanded is None:
        expanded = []
    return rdfc.canonicalize(
        jsonld.expanded_to_quads(expanded if isinstance(expanded, list) else [expanded])
    )


def _error_code(exc: BaseException) -> str | None:
    cause: BaseException | None = exc
    while cause is not None:
        code = getattr(cause, "code", None)
        if code:
            return str(code)
        cause = cause.__cause__
    return None


@pytest.fixture(scope="module")
def stock() -> dict[str, Any]:
    """One run of ``_stock_pyld.py`` over the whole corpus, in a fresh interpreter."""
    jobs = [
        {"id": _name(path), "path": str(path), "base": None, "loader": "bundled"} for path in CORPUS
    ] + [
        {
            "id": case.id,
            "path": str(Path(TEST_FIXTURES[case.prefix], case.name)),
            "base": case.base,
            "loader": "fixtures",
        }
        for case in TORDF_CASES
    ]
    completed = subprocess.run(  # noqa: S603 - our own script, run by our own interpreter
        [sys.executable, str(Path(__file__).with_name("_stock_pyld.py"))],
        input=json.dumps({"fixtures": TEST_FIXTURES, "jobs": jobs}),
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
    )
    report: dict[str, Any] = json.loads(completed.stdout)
    return report


def test_the_reference_process_runs_stock_pyld(stock: dict[str, Any]) -> None:
    assert not stock["obcore_jsonld_imported"]
    assert stock["keywords_type"] == "list"
    assert stock["is_absolute_iri"] == "_is_absolute_iri"
    # ... whereas this process runs the tuned helpers, which is why the subprocess exists.
    assert isinstance(pyld_jsonld.KEYWORDS, frozenset)


def test_the_corpus_is_not_empty() -> None:
    assert len(CORPUS) >= 50
    assert len(TORDF_CASES) >= 10


@pytest.mark.parametrize("path", CORPUS, ids=_name)
def test_credential_canonical_form_equals_stock_pyld(path: Path, stock: dict[str, Any]) -> None:
    document = _comparable(path)
    assert obhub_canonical(document) == stock["results"][_name(path)]["nquads"]


@pytest.mark.parametrize("path", CORPUS, ids=_name)
def test_credential_canonical_form_equals_pyld_in_process(path: Path) -> None:
    document = _comparable(path)
    assert obhub_canonical(document) == normalize(document, None, document_loader)


def test_memoised_results_do_not_depend_on_what_ran_before(stock: dict[str, Any]) -> None:
    documents = {_name(path): _load(path) for path in CORPUS}
    jsonld._MEMO._entries.clear()  # the first pass starts from an empty memo
    first = {name: obhub_canonical(document) for name, document in documents.items()}
    # Interleave the test-loader documents (one of which fails in context processing)
    # so that other contexts, and a failure, pass through the memo in between.
    for case in TORDF_CASES:
        if case.name in MUST_FAIL:
            with pytest.raises(pyld_jsonld.JsonLdError):
                obhub_canonical_with_loader(case.document, case.base, TEST_LOADER)
        else:
            obhub_canonical_with_loader(case.document, case.base, TEST_LOADER)
    again = {name: obhub_canonical(documents[name]) for name in reversed(documents)}
    assert again == first
    for name, canonical in first.items():
        assert canonical == stock["results"][name]["nquads"], name


def test_pyld_default_base_only_changes_documents_safe_mode_refuses() -> None:
    """pyld's default (empty) base resolves relative IRIs against http://example.org/base/;
    obhub keeps them relative, so RDF conversion drops them. Where that changes the
    canonical form, obhub's safe mode (the default) refuses the document instead."""
    differing = []
    for path in CORPUS:
        document = _load(path)
        stock_default = pyld_jsonld.normalize(
            document,
            {
                "algorithm": "URDNA2015",
                "format": "application/n-quads",
                "documentLoader": document_loader,
                "rdfDirection": "i18n-datatype",
            },
        )
        if stock_default != obhub_canonical(document):
            differing.append(path)
            with pytest.raises(SafeModeError):
                jsonld.to_quads(document)
    assert differing, "the corpus no longer has a document with a relative IRI"


@pytest.mark.parametrize("case", TORDF_CASES, ids=[case.id for case in TORDF_CASES])
def test_torgf_canonical_form_equals_stock_pyld(case: Case, stock: dict[str, Any]) -> None:
    if case.name in MUST_FAIL:
        with pytest.raises(pyld_jsonld.JsonLdError) as raised:
            obhub_canonical_with_loader(case.document, case.base, TEST_LOADER)
        assert _error_code(raised.value) == MUST_FAIL[case.name]
        assert stock["results"][case.id] == {"error": MUST_FAIL[case.name]}
        return
    canonical = obhub_canonical_with_loader(case.document, case.base, TEST_LOADER)
    if case.name in OBHUB_FIXES:
        # obhub deliberately differs from stock pyld here, and agrees with the W3C
        # expected output (test_torgf_canonical_form_matches_the_w3c_expected_output).
        assert canonical != stock["results"][case.id]["nquads"]
    else:
        assert canonical == stock["results"][case.id]["nquads"]
        assert canonical == normalize(case.document, case.base, TEST_LOADER)
    # A second run hits the memo: same bytes.
    assert obhub_canonical_with_loader(case.document, case.base, TEST_LOADER) == canonical


# Inputs where stock pyld 3.3 is wrong and obhub's processor is not: its
# _clone_active_context copies @language but not @direction, so a scoped context
# drops the default base direction. obhub.jsonld._Processor copies both.
OBHUB_FIXES = {"di13-in.jsonld"}
PYLD_DEVIATIONS: dict[str, str] = {}


@pytest.mark.parametrize(
    "name",
    [
        pytest.param(
            p.name,
            marks=pytest.mark.xfail(
                reason=PYLD_DEVIATIONS[p.name], raises=AssertionError, strict=True
            ),
        )
        if p.name in PYLD_DEVIATIONS
        else p.name
        for p in sorted((TORDF / "toRdf").glob("*-out.nq"))
    ],
)
def test_torgf_canonical_form_matches_the_w3c_expected_output(name: str) -> None:
    """The upstream expected N-Quads (blank node labels as the suite wrote them), canonicalized."""
    input_name = name.replace("-out.nq", "-in.jsonld")
    document = _load(TORDF / "toRdf" / input_name)
    expected = rdfc.parse_nquads((TORDF / "toRdf" / name).read_text("utf-8"))
    assert obhub_canonical_with_loader(
        document, W3C_PREFIX + input_name, TEST_LOADER
    ) == rdfc.canonicalize(expected)
