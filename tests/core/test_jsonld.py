"""JSON-LD to RDF: closed loader, safe mode, bounds, and memoisation that changes nothing."""

from __future__ import annotations

import copy
import json
import socket
from pathlib import Path
from typing import Any

import pytest

from obcore import contexts, jsonld, rdfc
from obcore.errors import ContextError, LimitExceededError, MalformedInputError, SafeModeError

SPEC = Path(__file__).parent.parent / "fixtures" / "spec"
VECTORS = Path(__file__).parent.parent / "fixtures" / "vectors"


def _unsigned(name: str) -> dict[str, Any]:
    doc: dict[str, Any] = json.loads((VECTORS / name).read_text(encoding="utf-8"))
    doc.pop("proof", None)
    return doc


@pytest.fixture
def no_network(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError("the JSON-LD layer tried to open a network connection")

    monkeypatch.setattr(socket.socket, "connect", refuse)


def test_every_context_of_the_index_is_bundled_and_parses() -> None:
    known = contexts.known_contexts()
    assert contexts.VC_V2 in known
    assert contexts.OB_V3 in known
    assert "https://purl.imsglobal.org/spec/clr/v2p0/context-2.0.1.json" in known
    for url in known:
        assert isinstance(contexts.get_context(url), dict)


def test_an_unknown_context_is_refused_without_touching_the_network(no_network: None) -> None:
    doc = _unsigned("dcc-v2-di-didkey-minimal.json")
    doc["@context"] = [*doc["@context"], "https://attacker.example/context.json"]
    with pytest.raises(ContextError) as caught:
        jsonld.to_quads(doc)
    assert caught.value.code == "unknown_context"


def test_the_loader_marks_contexts_static_for_caching() -> None:
    loaded = contexts.document_loader(contexts.VC_V2)
    assert loaded["tag"] == "static"
    assert loaded["documentUrl"] == contexts.VC_V2


def test_an_undefined_property_is_a_safe_mode_violation() -> None:
    """VC v2 has no @vocab: an undefined term would be dropped, hence refused."""
    doc = _unsigned("dcc-v2-di-didkey-basicOBv3.json")
    doc["credentialSubject"]["achievement"]["notInAnyContext"] = "hidden from the signature"
    with pytest.raises(SafeModeError) as caught:
        jsonld.to_quads(doc)
    assert caught.value.code == "safe_mode_undefined_term"
    assert "notInAnyContext" in caught.value.message


def test_terms_are_defined_when_the_undefined_terms_context_is_declared() -> None:
    """With the W3C undefined-terms context, extra terms get an IRI and are signed."""
    doc = _unsigned("dcc-v2-di-didkey-basicOBv3.json")
    doc["@context"] = [*doc["@context"], "https://www.w3.org/ns/credentials/undefined-terms/v2"]
    doc["extraTerm"] = "signed, with a vague meaning"
    canonical = rdfc.canonicalize(jsonld.to_quads(doc))
    assert "<https://www.w3.org/ns/credentials/undefined-term#extraTerm>" in canonical


def test_an_undefined_property_under_vcdm_1_1_is_refused() -> None:
    doc = _unsigned("dcc-v1-ed2020-didkey.json")
    doc["notInAnyContext"] = "hidden"
    with pytest.raises(SafeModeError) as caught:
        jsonld.to_quads(doc)
    assert caught.value.code == "safe_mode_undefined_term"


def test_a_relative_type_is_refused_by_safe_mode() -> None:
    doc = _unsigned("dcc-v1-ed2020-didkey.json")
    doc["credentialSubject"]["type"] = ["AchievementSubject", "NoSuchType"]
    with pytest.raises(SafeModeError) as caught:
        jsonld.to_quads(doc)
    assert caught.value.code == "safe_mode_undefined_type"


def test_a_relative_id_is_refused_by_safe_mode() -> None:
    doc = _unsigned("dcc-v1-ed2020-didkey.json")
    doc["id"] = "relative/credential/1"
    with pytest.raises(SafeModeError) as caught:
        jsonld.to_quads(doc)
    assert caught.value.code == "safe_mode_relative_id"


def test_safe_mode_can_be_disabled_to_see_what_would_be_dropped() -> None:
    doc = _unsigned("dcc-v1-ed2020-didkey.json")
    doc["notInAnyContext"] = "hidden"
    quads = jsonld.to_quads(doc, safe=False)
    assert not any("hidden" in q[2] for q in quads)


def test_a_document_nested_too_deep_is_refused_before_any_jsonld_work() -> None:
    doc = _unsigned("dcc-v2-di-didkey-minimal.json")
    node: dict[str, Any] = doc["credentialSubject"]
    for _ in range(jsonld.MAX_DEPTH + 5):
        node["achievement"] = {"type": "Achievement"}
        node = node["achievement"]
    with pytest.raises(LimitExceededError) as caught:
        jsonld.to_quads(doc)
    assert caught.value.code == "document_too_deep"


def test_a_document_with_too_many_values_is_refused() -> None:
    doc = _unsigned("dcc-v2-di-didkey-basicOBv3.json")
    doc["credentialSubject"]["achievement"]["tag"] = ["x"] * (jsonld.MAX_NODES + 1)
    with pytest.raises(LimitExceededError) as caught:
        jsonld.to_quads(doc)
    assert caught.value.code == "document_too_large"


def test_non_json_values_are_refused() -> None:
    doc = _unsigned("dcc-v2-di-didkey-minimal.json")
    doc["name"] = {1, 2}
    with pytest.raises(MalformedInputError):
        jsonld.to_quads(doc)


def test_memoised_contexts_give_the_same_quads_in_any_order() -> None:
    """Processed contexts are cached by identity: interleaving documents changes nothing."""
    names = [
        "dcc-v2-di-didkey-alignments.json",
        "dcc-v1-ed2020-didkey.json",
        "dcc-v2-di-didkey-complexIssuer.json",
        "1edtech-spec-clr2-example.json",
    ]
    docs = [_unsigned(n) for n in names]
    first = [rdfc.canonicalize(jsonld.to_quads(copy.deepcopy(d), safe=False)) for d in docs]
    again = [
        rdfc.canonicalize(jsonld.to_quads(copy.deepcopy(d), safe=False)) for d in reversed(docs)
    ]
    assert first == list(reversed(again))


def test_an_inline_context_in_the_document_is_honoured_and_not_confused_with_another() -> None:
    base = _unsigned("dcc-v2-di-didkey-minimal.json")
    a = copy.deepcopy(base)
    a["@context"] = [*a["@context"], {"note": "https://example.org/vocab#noteA"}]
    a["note"] = "x"
    b = copy.deepcopy(base)
    b["@context"] = [*b["@context"], {"note": "https://example.org/vocab#noteB"}]
    b["note"] = "x"
    qa = rdfc.canonicalize(jsonld.to_quads(a))
    qb = rdfc.canonicalize(jsonld.to_quads(b))
    assert "noteA" in qa
    assert "noteB" not in qa
    assert "noteB" in qb
    assert "noteA" not in qb


def test_direction_is_signed_as_an_i18n_datatype() -> None:
    doc = _unsigned("dcc-v2-di-didkey-minimal.json")
    doc["name"] = {"@value": "مرحبا", "@language": "ar", "@direction": "rtl"}
    canonical = rdfc.canonicalize(jsonld.to_quads(doc))
    assert '"مرحبا"^^<https://www.w3.org/ns/i18n#ar_rtl>' in canonical


@pytest.mark.parametrize(
    ("text", "escaped"),
    [
        ("plain", "plain"),
        ('quote " and backslash \\', 'quote \\" and backslash \\\\'),
        ("tab\tnewline\ncr\r", "tab\\tnewline\\ncr\\r"),
        ("backspace\b formfeed\f", "backspace\\b formfeed\\f"),
        ("nul\x00 unit\x1f del\x7f", "nul\\u0000 unit\\u001F del\\u007F"),
        ("accents é — ok", "accents é — ok"),
    ],
)
def test_literals_use_the_canonical_n_quads_escapes(text: str, escaped: str) -> None:
    assert rdfc.escape_literal(text) == escaped


def test_iris_escape_spaces_and_delimiters_as_uchar() -> None:
    assert (
        rdfc.escape_iri("https://x.example/a b<c>") == "https://x.example/a\\u0020b\\u003Cc\\u003E"
    )


def test_literal_terms_drop_xsd_string_and_keep_other_datatypes() -> None:
    assert rdfc.literal_term("a", rdfc.XSD_STRING) == '"a"'
    assert rdfc.literal_term("1", "http://www.w3.org/2001/XMLSchema#integer") == (
        '"1"^^<http://www.w3.org/2001/XMLSchema#integer>'
    )
    assert rdfc.literal_term("bonjour", rdfc.RDF_LANGSTRING, "fr") == '"bonjour"@fr'


def test_canonicalization_of_many_identical_blank_nodes_is_bounded() -> None:
    """A clique of indistinguishable blank nodes needs factorial work: refused quickly."""
    nodes = [f"_:n{i}" for i in range(12)]
    quads = [(a, "<http://example.org/p>", b, "") for a in nodes for b in nodes if a != b]
    with pytest.raises(LimitExceededError):
        rdfc.canonicalize(quads, rdfc.Limits(max_seconds=1.0))


def test_a_dataset_with_more_blank_nodes_than_allowed_is_refused() -> None:
    quads = [(f"_:b{i}", "<http://example.org/p>", '"x"', "") for i in range(50)]
    with pytest.raises(LimitExceededError) as caught:
        rdfc.canonicalize(quads, rdfc.Limits(max_blank_nodes=10))
    assert caught.value.code == "too_many_blank_nodes"


def test_contexts_written_in_documents_never_grow_the_memo() -> None:
    """Only bundled contexts are memoised: a caller cannot fill memory with its own."""
    base = _unsigned("dcc-v2-di-didkey-basicOBv3.json")
    jsonld.to_quads(copy.deepcopy(base))
    before = len(jsonld._MEMO._entries)
    for i in range(60):
        doc = copy.deepcopy(base)
        doc["@context"] = [
            *doc["@context"],
            {f"term{i}_{j}": f"https://example.org/{j}" for j in range(50)},
        ]
        jsonld.to_quads(doc, safe=False)
    assert len(jsonld._MEMO._entries) <= before


def test_an_oversized_inline_context_is_refused_before_processing() -> None:
    doc = _unsigned("dcc-v2-di-didkey-basicOBv3.json")
    doc["@context"] = [
        *doc["@context"],
        {f"t{j}": f"https://example.org/{j}" for j in range(jsonld.MAX_INLINE_CONTEXT_ITEMS + 1)},
    ]
    with pytest.raises(LimitExceededError) as caught:
        jsonld.to_quads(doc)
    assert caught.value.code == "inline_context_too_large"
