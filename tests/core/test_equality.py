"""obcore.equality: OB 3.0 credential equality and comparison (equality-and-comparison.md)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from obcore.equality import credential_key, newer, normalize_identifier, same_credential
from obcore.errors import MalformedInputError
from obcore.model import parse_credential

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"  # copies of the shared spec material
OB3_EXAMPLES = FIXTURES / "spec" / "ob3"

ISSUER_ID = "https://example.edu/issuers/565049"
CREDENTIAL_ID = "http://example.edu/credentials/3732"


def load(path: Path) -> dict[str, Any]:
    document: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return document


@pytest.fixture
def sample_a() -> dict[str, Any]:
    """Spec "Sample credential A"."""
    return load(OB3_EXAMPLES / "spec-equality-credential-a.json")


@pytest.fixture
def sample_b() -> dict[str, Any]:
    """Spec "Sample credential B": identical to A."""
    return load(OB3_EXAMPLES / "spec-equality-credential-b.json")


@pytest.fixture
def sample_c() -> dict[str, Any]:
    """Spec "Sample credential C": same issuer and id as D, validFrom 2010-03-01 (newer)."""
    return load(OB3_EXAMPLES / "spec-equality-credential-c.json")


@pytest.fixture
def sample_d() -> dict[str, Any]:
    """Spec "Sample credential D": validFrom 2010-01-01."""
    return load(OB3_EXAMPLES / "spec-equality-credential-d.json")


# --- the specification's examples -------------------------------------------------------------


def test_samples_a_and_b_are_the_same_credential_and_both_up_to_date(
    sample_a: dict[str, Any], sample_b: dict[str, Any]
) -> None:
    assert same_credential(sample_a, sample_b)
    assert not newer(sample_a, sample_b)
    assert not newer(sample_b, sample_a)


def test_samples_c_and_d_are_the_same_credential_and_c_is_newer(
    sample_c: dict[str, Any], sample_d: dict[str, Any]
) -> None:
    assert same_credential(sample_c, sample_d)
    assert newer(sample_c, sample_d)
    assert not newer(sample_d, sample_c)


def test_the_key_is_the_issuer_id_and_the_credential_id(sample_a: dict[str, Any]) -> None:
    assert credential_key(sample_a) == (ISSUER_ID, CREDENTIAL_ID)


def test_parsed_models_and_json_objects_compare_alike(
    sample_c: dict[str, Any], sample_d: dict[str, Any]
) -> None:
    model_c = parse_credential(sample_c)
    assert credential_key(model_c) == credential_key(sample_c)
    assert same_credential(model_c, sample_d)
    assert newer(model_c, sample_d)
    assert newer(model_c, parse_credential(sample_d))


# --- normalisation ----------------------------------------------------------------------------


def test_ids_are_equal_after_percent_decoding_and_trimming(
    sample_a: dict[str, Any], sample_b: dict[str, Any]
) -> None:
    sample_b["id"] = "  http://example.edu/credentials/%33732\t"
    sample_b["issuer"]["id"] = "https://example.edu/issuers/%35%36%35049%20"
    assert same_credential(sample_a, sample_b)


def test_an_issuer_uri_equals_a_profile_with_that_id(
    sample_a: dict[str, Any], sample_b: dict[str, Any]
) -> None:
    sample_b["issuer"] = ISSUER_ID
    assert same_credential(sample_a, sample_b)


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("id", "http://example.edu/credentials/3733"),
        ("issuer", "https://example.edu/issuers/565050"),
        ("id", "HTTP://EXAMPLE.EDU/credentials/3732"),  # no case folding: only decode and trim
        ("id", "http://example.edu/credentials/3732/"),
    ],
    ids=["other-id", "other-issuer", "different-case", "trailing-slash"],
)
def test_credentials_differing_in_issuer_or_id_are_different(
    sample_a: dict[str, Any], sample_b: dict[str, Any], field: str, value: str
) -> None:
    sample_b[field] = value
    assert not same_credential(sample_a, sample_b)


@pytest.mark.parametrize(
    ("raw", "normalized"),
    [
        ("urn:uuid:1234", "urn:uuid:1234"),
        (" urn:uuid:1234 ", "urn:uuid:1234"),
        ("https://example.org/caf%C3%A9", "https://example.org/café"),
        ("https://example.org/a%2Fb", "https://example.org/a/b"),
        ("%20urn:x%0A", "urn:x"),
        ("https://example.org/%FF", "https://example.org/%FF"),  # not UTF-8: left encoded
    ],
)
def test_identifier_normalisation(raw: str, normalized: str) -> None:
    assert normalize_identifier(raw) == normalized


def test_different_undecodable_identifiers_stay_different() -> None:
    assert normalize_identifier("urn:x:%FF") != normalize_identifier("urn:x:%FE")


# --- dates ------------------------------------------------------------------------------------


def test_dates_compare_as_instants(sample_c: dict[str, Any], sample_d: dict[str, Any]) -> None:
    sample_c["validFrom"] = "2010-01-01T01:00:00+01:00"  # the same instant as D's validFrom
    assert not newer(sample_c, sample_d)
    sample_c["validFrom"] = "2010-01-01T00:00:00.001-00:00"
    assert newer(sample_c, sample_d)


def test_vcdm11_credentials_compare_on_issuance_date(sample_d: dict[str, Any]) -> None:
    legacy = load(OB3_EXAMPLES / "validator-vcdm1-ed25519signature2020.json")
    assert legacy["issuanceDate"] == "2010-01-01T00:00:00Z"
    legacy["issuanceDate"] = "2012-01-01T00:00:00Z"
    assert newer(legacy, sample_d)
    assert newer(parse_credential(legacy), sample_d)
    assert not newer(sample_d, legacy)


def test_comparing_needs_a_valid_from(sample_c: dict[str, Any], sample_d: dict[str, Any]) -> None:
    del sample_c["validFrom"]
    with pytest.raises(MalformedInputError) as raised:
        newer(sample_c, sample_d)
    assert raised.value.code == "missing_valid_from"


def test_an_unparsable_valid_from_is_malformed(
    sample_c: dict[str, Any], sample_d: dict[str, Any]
) -> None:
    sample_c["validFrom"] = "March 2010"
    with pytest.raises(MalformedInputError) as raised:
        newer(sample_c, sample_d)
    assert raised.value.code == "malformed_credential"


# --- missing identifiers ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("change", "code"),
    [
        (lambda d: d.pop("id"), "missing_credential_id"),
        (lambda d: d.update(id="   "), "missing_credential_id"),
        (lambda d: d.update(id="%20%09"), "missing_credential_id"),
        (lambda d: d.update(id=3732), "missing_credential_id"),
        (lambda d: d.pop("issuer"), "missing_issuer_id"),
        (lambda d: d.update(issuer={"name": "Example University"}), "missing_issuer_id"),
    ],
    ids=["no-id", "blank-id", "encoded-blank-id", "numeric-id", "no-issuer", "issuer-without-id"],
)
def test_a_credential_key_needs_both_identifiers(
    sample_a: dict[str, Any], change: Any, code: str
) -> None:
    change(sample_a)
    with pytest.raises(MalformedInputError) as raised:
        credential_key(sample_a)
    assert raised.value.code == code
