"""The compiled JSON-LD → quads walk gives the reference path's canonical N-Quads, or steps aside.

:mod:`obcore.compiled` replaces pyld's expansion, node map and RDF conversion
for documents over the bundled contexts. Its contract, tested here against the
reference (:func:`obcore.jsonld.to_quads`, pyld in safe mode):

* whenever the walk gives quads, their RDFC-1.0 canonical form is byte for byte
  the reference's;
* whenever the reference refuses a document (safe mode, bounds, invalid
  JSON-LD), the walk does not cover it, and :func:`obcore.compiled.canonicalize`
  raises the reference's error (same class, code and message);
* every credential whose contexts are bundled URLs is covered: the walk is the
  path credentials actually take, not a rarely used branch.

The corpus is every JSON document under ``tests/fixtures`` (each whole, without
its proof, and each proof's configuration as the cryptosuites build it), plus
generated Open Badges 3.0 credentials (random subsets of the optional fields,
any Unicode text, language and direction value objects, numbers and booleans,
nested results and alignments, 0 to 200 evidence items).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pyld.context_resolver import ContextResolver

from obcore import compiled, jsonld, rdfc
from obcore.contexts import OB_V3, VC_V2, is_known
from obcore.errors import ObcoreError, SafeModeError

from .test_jsonld_differential import (
    MUST_FAIL,
    TEST_LOADER,
    TORDF_CASES,
    Case,
    obhub_canonical_with_loader,
)

FIXTURES = Path(__file__).parents[1] / "fixtures"
CORPUS = sorted(FIXTURES.rglob("*.json"), key=lambda path: path.as_posix())
# toRdf documents (of the subset in tests/fixtures/jsonld-torgf) the walk covers.
TORDF_COVERED = 9


def _variants(document: Any) -> Iterator[tuple[str, Any]]:
    """The document, its unsecured form and each proof configuration (as signed)."""
    if not isinstance(document, dict) or "@context" not in document:
        return
    yield "document", document
    proofs = document.get("proof")
    if proofs is None:
        return
    yield "unsecured", {k: v for k, v in document.items() if k != "proof"}
    for i, proof in enumerate(proofs if isinstance(proofs, list) else [proofs]):
        if isinstance(proof, dict):
            config = {k: v for k, v in proof.items() if k != "proofValue"}
            config["@context"] = proof.get("@context", document["@context"])
            yield f"proof-{i}", config


def _cases() -> list[Any]:
    cases = []
    for path in CORPUS:
        try:
            document = json.loads(path.read_text("utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError):
            continue
        for name, variant in _variants(document):
            label = f"{path.relative_to(FIXTURES).as_posix()}:{name}"
            cases.append(pytest.param(variant, id=label))
    return cases


CASES = _cases()


def _reference(document: Any) -> str | ObcoreError:
    try:
        return rdfc.canonicalize(jsonld.to_quads(document, safe=True))
    except ObcoreError as exc:
        return exc


def _compiled(document: Any) -> str | None:
    """The walk's canonical form, or None when it does not cover the document."""
    jsonld.check_bounds(document)
    try:
        quads = compiled.compiled_quads(document)
    except compiled.NotCovered:
        return None
    return rdfc.canonicalize(quads)


def _only_bundled_urls(value: Any) -> bool:
    """True when every ``@context`` in the document is a bundled URL (or a list of them)."""
    if isinstance(value, dict):
        for key, item in value.items():
            if key == "@context":
                urls = item if isinstance(item, list) else [item]
                if not all(isinstance(u, str) and is_known(u) for u in urls):
                    return False
            elif not _only_bundled_urls(item):
                return False
    elif isinstance(value, list):
        return all(_only_bundled_urls(item) for item in value)
    return True


def assert_same_as_reference(document: Any) -> str | None:
    """The contract above, for one document; returns the walk's answer."""
    reference = _reference(document)
    fast = _compiled(document)
    if isinstance(reference, ObcoreError):
        assert fast is None, "the walk answered where the reference refuses"
        with pytest.raises(type(reference)) as raised:
            compiled.canonicalize(document)
        assert (raised.value.code, raised.value.message) == (reference.code, reference.message)
        return None
    if fast is not None:
        assert fast == reference
    assert compiled.canonicalize(document) == reference
    return fast


def test_the_corpus_is_large() -> None:
    assert len(CASES) > 250


@pytest.mark.parametrize("document", CASES)
def test_fixture_documents_canonicalize_as_the_reference_does(document: Any) -> None:
    fast = assert_same_as_reference(document)
    if _only_bundled_urls(document) and not isinstance(_reference(document), ObcoreError):
        assert fast is not None, "a document over bundled contexts took the reference path"


# ---- generated Open Badges 3.0 credentials ----------------------------------

TEXT = st.text(st.characters(exclude_categories=("Cs",)), max_size=40)
LANGUAGE = st.sampled_from(["fr", "en", "FR-fr", "de-CH", "br"])
URL = st.from_regex(r"https://example\.org/[a-z0-9]{1,8}(/[a-z0-9]{1,6})?", fullmatch=True)
UUID_URN = st.uuids().map(lambda u: f"urn:uuid:{u}")
DID = st.sampled_from(
    [
        "did:key:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK",
        "did:web:badges.normandie.fr",
        "did:example:123",
    ]
)
DATETIME = st.datetimes().map(lambda d: d.replace(microsecond=0).isoformat() + "Z")
NUMBER = st.one_of(st.integers(-(10**22), 10**22), st.floats(allow_nan=False, allow_infinity=False))


def _text_value() -> st.SearchStrategy[Any]:
    return st.one_of(
        TEXT,
        st.fixed_dictionaries({"@value": TEXT, "@language": LANGUAGE}),
        st.fixed_dictionaries(
            {"@value": TEXT, "@direction": st.sampled_from(["ltr", "rtl"])},
            optional={"@language": LANGUAGE},
        ),
    )


def _node(
    types: list[str], required: dict[str, Any], optional: dict[str, Any], *, with_id: bool = True
) -> st.SearchStrategy[dict[str, Any]]:
    # Shared identifiers (blank or not) make one node of several objects.
    ids = st.one_of(UUID_URN, URL, st.sampled_from(["_:n1", "_:n2", "urn:example:shared"]))
    optional = {**optional, **({"id": ids} if with_id else {})}
    return st.fixed_dictionaries(
        {"type": st.just(types[0] if len(types) == 1 and "Image" in types else types), **required},
        optional=optional,
    )


ALIGNMENT = _node(
    ["Alignment"],
    {"targetName": TEXT, "targetUrl": URL},
    {
        "targetCode": TEXT,
        "targetDescription": _text_value(),
        "targetFramework": TEXT,
        "targetType": st.sampled_from(["CFItem", "ext:RegionalCompetency", "Skill"]),
    },
    with_id=False,
)
RESULT_DESCRIPTION = _node(
    ["ResultDescription"],
    {"name": TEXT, "resultType": st.sampled_from(["GradePointAverage", "LetterGrade", "Status"])},
    {
        "allowedValue": st.lists(TEXT, max_size=4),
        "requiredValue": TEXT,
        "valueMin": TEXT,
        "valueMax": TEXT,
        "rubricCriterionLevel": st.lists(
            _node(["RubricCriterionLevel"], {"name": TEXT}, {"level": TEXT, "points": TEXT}),
            max_size=2,
        ),
    },
)
ACHIEVEMENT = _node(
    ["Achievement"],
    {"name": _text_value(), "criteria": st.fixed_dictionaries({}, optional={"narrative": TEXT})},
    {
        "description": _text_value(),
        "achievementType": st.sampled_from(["Competency", "Badge", "ext:Regional"]),
        "image": st.one_of(URL, _node(["Image"], {"id": URL}, {"caption": TEXT}, with_id=False)),
        "alignment": st.lists(ALIGNMENT, max_size=3),
        "creditsAvailable": NUMBER,
        "humanCode": TEXT,
        "fieldOfStudy": TEXT,
        "inLanguage": LANGUAGE,
        "resultDescription": st.lists(RESULT_DESCRIPTION, max_size=2),
        "tag": st.lists(TEXT, max_size=3),
        "version": TEXT,
    },
)
RESULT = _node(
    ["Result"],
    {},
    {
        "resultDescription": URL,
        "value": TEXT,
        "status": st.sampled_from(["Completed", "Enrolled"]),
        "achievedLevel": URL,
    },
    with_id=False,
)
IDENTITY = _node(
    ["IdentityObject"],
    {"hashed": st.booleans(), "identityHash": TEXT, "identityType": st.just("emailAddress")},
    {"salt": TEXT},
    with_id=False,
)
PROFILE = _node(
    ["Profile"],
    {"id": DID},
    {
        "name": _text_value(),
        "url": URL,
        "email": TEXT,
        "description": _text_value(),
        "phone": TEXT,
        "official": TEXT,
        "image": URL,
    },
    with_id=False,
)
EVIDENCE = _node(
    ["Evidence"],
    {},
    {"name": _text_value(), "narrative": TEXT, "genre": TEXT, "audience": TEXT},
)
SUBJECT = _node(
    ["AchievementSubject"],
    {"achievement": ACHIEVEMENT},
    {
        "id": DID,
        "identifier": st.lists(IDENTITY, max_size=2),
        "result": st.lists(RESULT, max_size=3),
        "creditsEarned": NUMBER,
        "activityStartDate": st.dates().map(str),
        "role": TEXT,
    },
    with_id=False,
)
CREDENTIAL = st.fixed_dictionaries(
    {
        "@context": st.just([VC_V2, OB_V3]),
        "id": UUID_URN,
        "type": st.just(["VerifiableCredential", "OpenBadgeCredential"]),
        "issuer": st.one_of(DID, PROFILE),
        "credentialSubject": SUBJECT,
    },
    optional={
        "name": _text_value(),
        "description": _text_value(),
        "validFrom": DATETIME,
        "validUntil": DATETIME,
        "awardedDate": DATETIME,
        "evidence": st.one_of(st.lists(EVIDENCE, max_size=6), st.lists(EVIDENCE, max_size=200)),
    },
)


def _shared_ids(value: Any, seen: set[str] | None = None) -> bool:
    """True when two objects of the document have the same ``id`` (one node, merged
    values: see test_values_the_node_map_merges_go_to_the_reference)."""
    seen = set() if seen is None else seen
    if isinstance(value, dict):
        node_id = value.get("id")
        if isinstance(node_id, str):
            if node_id in seen:
                return True
            seen.add(node_id)
        return any(_shared_ids(item, seen) for item in value.values())
    if isinstance(value, list):
        return any(_shared_ids(item, seen) for item in value)
    return False


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(CREDENTIAL)
def test_generated_credentials_canonicalize_as_the_reference_does(credential: Any) -> None:
    fast = assert_same_as_reference(credential)
    if not _shared_ids(credential):
        assert fast is not None, "a generated credential took the reference path"


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(CREDENTIAL, st.sampled_from(["colour", "@foo", "credentialSubject.favouriteColour"]))
def test_generated_credentials_with_an_undefined_term_are_refused_as_the_reference_does(
    credential: Any, term: str
) -> None:
    if term.startswith("credentialSubject."):
        credential["credentialSubject"][term.split(".", 1)[1]] = "bleu"
    else:
        credential[term] = "bleu"
    assert assert_same_as_reference(credential) is None
    with pytest.raises(SafeModeError):
        compiled.canonicalize(credential)


# ---- what the walk covers and what it leaves to the reference ------------------


def _credential(**extra: Any) -> dict[str, Any]:
    return {
        "@context": [VC_V2, OB_V3],
        "id": "urn:uuid:1f0c8a52-7f7e-4b8e-9a53-0d9a3c8a3f11",
        "type": ["VerifiableCredential", "OpenBadgeCredential"],
        "issuer": "did:example:issuer",
        "credentialSubject": {
            "type": ["AchievementSubject"],
            "achievement": {
                "id": "https://example.org/a",
                "type": ["Achievement"],
                "name": "Communiquer",
                "criteria": {"narrative": "Trois badges."},
            },
        },
        **extra,
    }


def test_an_ordered_list_becomes_an_rdf_list() -> None:
    credential = _credential()
    credential["credentialSubject"]["achievement"]["resultDescription"] = [
        {
            "id": "https://example.org/rd",
            "type": ["ResultDescription"],
            "name": "Niveau",
            "resultType": "RubricCriterionLevel",
            "allowedValue": ["A", "B", "A", "C"],
        }
    ]
    fast = assert_same_as_reference(credential)
    assert fast is not None
    assert "<http://www.w3.org/1999/02/22-rdf-syntax-ns#first>" in fast


def test_language_and_direction_value_objects_are_covered() -> None:
    credential = _credential(
        name={"@value": "Communiquer", "@language": "FR"},
        description={"@value": "مرحبا", "@language": "ar", "@direction": "rtl"},
    )
    fast = assert_same_as_reference(credential)
    assert fast is not None
    assert '"Communiquer"@fr' in fast
    assert "<https://www.w3.org/ns/i18n#ar_rtl>" in fast


def test_numbers_are_canonical_xsd_literals() -> None:
    credential = _credential()
    subject = credential["credentialSubject"]
    subject["creditsEarned"] = 2.5
    subject["achievement"]["creditsAvailable"] = 3.0
    fast = assert_same_as_reference(credential)
    assert fast is not None
    assert '"2.5E0"^^<https://www.w3.org/2001/XMLSchema#float>' in fast
    assert '"3"^^<https://www.w3.org/2001/XMLSchema#float>' in fast


def test_a_proof_is_a_named_graph() -> None:
    credential = _credential(
        proof={
            "type": "DataIntegrityProof",
            "cryptosuite": "eddsa-rdfc-2022",
            "created": "2026-01-01T00:00:00Z",
            "verificationMethod": "did:example:issuer#key-1",
            "proofPurpose": "assertionMethod",
            "proofValue": "z3FXQjecWufY46",
        }
    )
    fast = assert_same_as_reference(credential)
    assert fast is not None
    assert '"eddsa-rdfc-2022"^^<https://w3id.org/security#cryptosuiteString> _:c14n' in fast


def test_a_context_written_in_the_document_takes_the_reference_path() -> None:
    credential = _credential()
    credential["@context"] = [*credential["@context"], {"colour": "https://example.org/colour"}]
    credential["colour"] = "bleu"
    assert _compiled(credential) is None
    assert compiled.canonicalize(credential) == _reference(credential)


def test_an_unknown_context_is_refused_as_the_reference_refuses_it() -> None:
    credential = _credential()
    credential["@context"] = [*credential["@context"], "https://example.org/context.json"]
    assert assert_same_as_reference(credential) is None


@pytest.mark.parametrize(
    "entry",
    [
        {"id": "relative/id"},
        {"type": ["VerifiableCredential", "OpenBadgeCredential", "Unknown"]},
        {"validFrom": {"@value": "2026", "@type": "notAType"}},
        {"name": {"@value": 3, "@language": "fr"}},
        {"@reverse": {"https://example.org/p": {"id": "https://example.org/x"}}},
        {"@included": [{"id": "https://example.org/x", "name": "x"}]},
        {"name": [["nested"]]},
    ],
    ids=[
        "relative-id",
        "undefined-type",
        "relative-datatype",
        "language-on-number",
        "reverse",
        "included",
        "nested-array",
    ],
)
def test_what_the_walk_does_not_cover_goes_to_the_reference(entry: dict[str, Any]) -> None:
    credential = {**_credential(), **entry}
    assert _compiled(credential) is None
    assert_same_as_reference(credential)


@settings(max_examples=6, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(CREDENTIAL, st.lists(EVIDENCE, min_size=150, max_size=200))
def test_generated_credentials_with_many_evidence_items(
    credential: Any, evidence: list[Any]
) -> None:
    credential["evidence"] = evidence
    fast = assert_same_as_reference(credential)
    if not _shared_ids(credential):
        assert fast is not None, "a generated credential took the reference path"


def _nested(depth: int) -> dict[str, Any]:
    node: dict[str, Any] = {"name": "feuille"}
    for _ in range(depth):
        node = {"type": ["Evidence"], "name": "niveau", "audience": node}
    return node


@pytest.mark.parametrize(
    "entry",
    [
        {"evidence": [_nested(60)]},
        {"description": "x" * (jsonld.MAX_STRING_CHARS + 1)},
        {"evidence": [{"type": ["Evidence"], "name": str(i)} for i in range(17_000)]},
        {"@context": [VC_V2, OB_V3, *({"k": str(i)} for i in range(1_100))]},
        {"name": b"bytes"},
    ],
    ids=["too-deep", "string-too-large", "too-many-values", "inline-context-too-large", "bytes"],
)
def test_out_of_bounds_documents_get_the_reference_error(entry: dict[str, Any]) -> None:
    credential = {**_credential(), **entry}
    with pytest.raises(ObcoreError) as reference:
        jsonld.check_bounds(credential)
    with pytest.raises(type(reference.value)) as raised:
        compiled.canonicalize(credential)
    assert (raised.value.code, raised.value.message) == (
        reference.value.code,
        reference.value.message,
    )


def test_a_document_within_bounds_is_checked_by_the_plain_json_walk() -> None:
    # The fast check accepts what the exact check accepts, nothing more.
    credential = _credential(evidence=[_nested(40)])
    jsonld.check_bounds(credential)
    assert compiled._plain_and_bounded(credential)
    assert not compiled._plain_and_bounded({**credential, "evidence": [_nested(60)]})


# ---- the W3C JSON-LD toRdf subset (contexts from fixtures, with and without a base) ----


def _torgf_options(base: str | None) -> dict[str, Any]:
    return {
        "documentLoader": TEST_LOADER,
        "contextResolver": ContextResolver({}, TEST_LOADER),
        "base": base,
        "processingMode": "json-ld-1.1",
        "extractAllScripts": True,
        "isFrame": False,
        "keepFreeFloatingNodes": False,
    }


def _torgf_compiled(case: Case) -> str | None:
    try:
        quads = compiled.compiled_quads(case.document, options=_torgf_options(case.base))
    except compiled.NotCovered:
        return None
    return rdfc.canonicalize(quads)


@pytest.mark.parametrize("case", TORDF_CASES, ids=[case.id for case in TORDF_CASES])
def test_torgf_documents_the_walk_covers_canonicalize_as_the_reference_does(case: Case) -> None:
    fast = _torgf_compiled(case)
    if case.name in MUST_FAIL:
        assert fast is None
        return
    if fast is not None:
        assert fast == obhub_canonical_with_loader(case.document, case.base, TEST_LOADER)


def test_the_walk_covers_part_of_the_torgf_subset() -> None:
    covered = [case.id for case in TORDF_CASES if _torgf_compiled(case) is not None]
    assert len(covered) >= TORDF_COVERED, " ".join(covered)


def test_a_json_literal_is_canonical_json() -> None:
    credential = _credential(
        credentialSchema={
            "id": "https://example.org/schema",
            "type": "JsonSchema",
            "jsonSchema": {"b": [1, 2.5, None, True], "a": "é\n", "$id": "x"},
        }
    )
    fast = assert_same_as_reference(credential)
    assert fast is not None
    assert "<http://www.w3.org/1999/02/22-rdf-syntax-ns#JSON>" in fast


def test_the_walk_gives_the_same_answer_whatever_its_memos_and_the_references_hold() -> None:
    credential = _credential(
        evidence=[{"id": "urn:uuid:0b2a3c4d-5e6f-4a7b-8c9d-0e1f2a3b4c5d", "type": ["Evidence"]}]
    )
    first = _compiled(credential)
    assert first is not None
    jsonld._MEMO._entries.clear()
    jsonld._MEMO._stable.clear()
    assert _compiled(credential) == first
    compiled._CONTEXTS.clear()
    assert _compiled(credential) == first
    compiled._SHAPES.entries.clear()
    compiled._TABLES._tables.clear()
    assert _compiled(credential) == first
    assert first == _reference(credential)


@pytest.mark.parametrize(
    "names",
    [
        [
            {"@value": "Nom", "@language": "fr"},
            {"@value": "Nom", "@language": "fr", "@direction": "ltr"},
        ],
        ["Nom", {"@value": "Nom", "@direction": "rtl"}],
        [{"@value": "Nom", "@direction": "ltr"}, {"@value": "Nom", "@direction": "rtl"}],
    ],
    ids=["language-and-direction", "plain-and-direction", "both-directions"],
)
def test_values_the_node_map_merges_go_to_the_reference(names: list[Any]) -> None:
    # The node map compares values without their direction (pyld and jsonld.js alike).
    evidence = [
        {"id": "_:shared", "type": ["Evidence"], "name": names[0]},
        {"id": "_:shared", "type": ["Evidence"], "name": names[1]},
    ]
    credential = _credential(evidence=evidence)
    assert _compiled(credential) is None
    assert_same_as_reference(credential)


def test_distinct_json_literals_of_one_property_go_to_the_reference() -> None:
    schema = {"id": "https://example.org/schema", "type": "JsonSchema"}
    credential = _credential(
        credentialSchema=[{**schema, "jsonSchema": {"a": True}}, {**schema, "jsonSchema": {"a": 1}}]
    )
    assert _compiled(credential) is None
    assert_same_as_reference(credential)


def test_concurrent_walks_share_the_memos_safely() -> None:
    documents = [
        _credential(),
        _credential(name={"@value": "Nom", "@language": "fr"}),
        _credential(evidence=[{"type": ["Evidence"], "name": str(i)} for i in range(30)]),
    ]
    expected = [_reference(document) for document in documents]
    compiled._CONTEXTS.clear()
    compiled._SHAPES.entries.clear()
    compiled._TABLES._tables.clear()

    def run(i: int) -> str:
        return compiled.canonicalize(documents[i % len(documents)])

    with ThreadPoolExecutor(max_workers=6) as pool:
        results = list(pool.map(run, range(60)))
    assert results == [expected[i % len(documents)] for i in range(60)]


# ---- arbitrary documents over the bundled contexts: the contract holds ----------

_KEYS = [
    *["id", "type", "name", "description", "narrative", "achievement", "evidence", "image"] * 3,
    *["alignment", "allowedValue", "resultDescription", "targetUrl", "creditsAvailable"] * 2,
    *["validFrom", "credentialSubject", "credentialSchema", "jsonSchema", "proof", "issuer"],
    *["@id", "@type", "@value", "@language", "@direction", "@list", "@set", "@graph"],
    *["@index", "@reverse", "@included", "@nest", "unknownTerm", "schema:name", "_:p"],
    *["https://example.org/p", "xsd:string", "verifiableCredential", "endorsement"],
]
_TYPES = [
    *["Evidence", "Achievement", "Image", "ResultDescription", "Alignment", "Profile"] * 3,
    *["VerifiableCredential", "OpenBadgeCredential", "AchievementSubject", "JsonSchema"],
    *["DataIntegrityProof", "EndorsementCredential", "Unknown", "_:t", "@json"],
    *["https://example.org/T", "xsd:string"],
]
_SCALARS = st.one_of(
    st.sampled_from(
        [
            *["x", "", "https://example.org/a", "urn:uuid:1", "_:b1", "_:b2", "relative"],
            *["did:example:1", "xsd:dateTime", "ltr", "rtl", "fr", "EN", "@id", "schema:x"],
        ]
    ),
    st.integers(-5, 10**22),
    st.floats(allow_nan=False),
    st.booleans(),
    st.none(),
)


def _values(depth: int) -> st.SearchStrategy[Any]:
    if depth <= 0:
        return _SCALARS
    return st.one_of(
        _SCALARS,
        st.lists(st.one_of(_SCALARS, _objects(depth - 1)), max_size=3),
        _objects(depth - 1),
        st.lists(st.lists(_SCALARS, max_size=2), max_size=2),
    )


def _objects(depth: int) -> st.SearchStrategy[dict[str, Any]]:
    entries = st.one_of(
        _values(depth - 1), st.sampled_from(_TYPES), st.lists(st.sampled_from(_TYPES), max_size=3)
    )
    return st.dictionaries(st.sampled_from(_KEYS), entries, max_size=5)


ARBITRARY = st.builds(
    lambda body, context: {"@context": context, **body},
    _objects(3),
    st.sampled_from([[VC_V2, OB_V3], [VC_V2], VC_V2]),
)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(ARBITRARY)
def test_arbitrary_documents_get_the_reference_answer_or_error(document: Any) -> None:
    assert_same_as_reference(document)
