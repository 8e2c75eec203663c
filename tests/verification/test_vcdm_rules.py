"""VC Data Model 2.0 rules (``verify.vcdm``), one normative statement per test.

https://www.w3.org/TR/vc-data-model-2.0/ — section numbers as in the Recommendation.
"""

from __future__ import annotations

from typing import Any

import pytest

from obcore import contexts
from verify.pipeline import verify
from verify.vcdm import violations

V2_DIGEST_SRI = "sha384-NSOcNpmdIVUxIJGvGUoe22FjTWrXiaXlsZ8q6912LdnR3KraQO2n75Ica4wK4Qeg"
V2_DIGEST_MULTIBASE = "uJKGMkOmFbVJhEfKTduMC2XCyvRAYLjOVmZWwIH1wQ7k"


def credential(**extra: Any) -> dict[str, Any]:
    return {
        "@context": [contexts.VC_V2],
        "type": ["VerifiableCredential"],
        "issuer": "did:example:issuer",
        "credentialSubject": {"id": "did:example:subject"},
        **extra,
    }


def codes(document: dict[str, Any], *, in_jwt: bool = False) -> list[str]:
    return [v.code for v in violations(document, in_jwt=in_jwt)]


def test_a_minimal_credential_breaks_no_rule() -> None:
    assert codes(credential()) == []


# §4.3 Contexts: "The value of the @context property MUST be an ordered set where the first
# item is a URL …  Subsequent items in the ordered set MUST be composed of any combination
# of URLs and objects".
@pytest.mark.parametrize("context", ["https://www.w3.org/ns/credentials/v2", {}, None, 10, []])
def test_context_must_be_an_ordered_set(context: Any) -> None:
    assert codes(credential(**{"@context": context})) == ["invalid_context"]


@pytest.mark.parametrize("item", [[], None, 10, True, "not a url"])
def test_context_items_must_be_urls_or_objects(item: Any) -> None:
    document = credential(**{"@context": [contexts.VC_V2, item]})
    assert codes(document) == ["invalid_context"]


@pytest.mark.parametrize("first", [[], {}, {"@vocab": "https://example.org/"}])
def test_the_pipeline_reports_a_context_not_starting_with_the_vc_context_as_invalid(
    first: Any,
) -> None:
    report = verify(credential(**{"@context": [first, contexts.VC_V2]}))

    contexts_check = next(c for c in report.checks if c.id == "contexts")
    assert (contexts_check.status, contexts_check.code) == ("invalid", "invalid_context_order")


# §4.5 Types: "Verifiable credentials MUST contain a type property with an associated value"
# including VerifiableCredential; each type is a string (a term or a URL).
@pytest.mark.parametrize("value", ["string", {}, None, 10, True, [], [2], ["Other"]])
def test_type_must_name_verifiable_credential(value: Any) -> None:
    assert codes(credential(type=value)) == ["invalid_type"]


# §4.5 Types: credentialStatus, termsOfUse, evidence, refreshService and credentialSchema
# objects MUST specify a type.
@pytest.mark.parametrize(
    "name", ["credentialStatus", "termsOfUse", "evidence", "refreshService", "credentialSchema"]
)
def test_typed_objects_without_a_type_are_refused(name: str) -> None:
    item = {"id": "https://example.org/thing"}
    assert codes(credential(**{name: item})) == ["missing_type"]
    assert codes(credential(**{name: [{"type": "X", **item}, item]})) == ["missing_type"]
    assert codes(credential(**{name: {"type": 2, **item}})) == ["missing_type"]
    assert codes(credential(**{name: {"type": "ExampleType", **item}})) == []


# §4.10 Status: "If present, the normative guidance in Section 4.4 Identifiers MUST be
# followed" — an optional id, which is one URL.
def test_a_status_entry_may_omit_its_id_but_not_give_several_or_a_non_url() -> None:
    assert codes(credential(credentialStatus={"type": "CredentialStatusList2017"})) == []
    several = {"type": "CredentialStatusList2017", "id": ["urn:x:1", "urn:x:2"]}
    assert codes(credential(credentialStatus=several)) == ["invalid_identifier"]
    spaced = {"type": "CredentialStatusList2017", "id": "https ://not-a-url/statusList/4"}
    assert codes(credential(credentialStatus=spaced)) == ["invalid_identifier"]


# §4.11 Data Schemas: "Each credentialSchema MUST specify its type … and an id property that
# MUST be a URL identifying the schema file."
def test_a_credential_schema_needs_an_id_url() -> None:
    assert codes(credential(credentialSchema={"type": "JsonSchema"})) == ["invalid_identifier"]


# §4.7 Issuer: "The value of the issuer property MUST be either a URL, or an object containing
# an id property whose value is a URL".
@pytest.mark.parametrize("issuer", [None, "not a url", {}, {"id": None}, {"id": "no url"}])
def test_issuer_must_be_a_url_or_an_object_with_a_url_id(issuer: Any) -> None:
    assert codes(credential(issuer=issuer)) == ["invalid_issuer"]


def test_in_a_vc_jwt_the_issuer_may_be_the_iss_claim() -> None:
    document = {k: v for k, v in credential().items() if k != "issuer"}
    assert codes(document, in_jwt=True) == []
    assert codes(document) == ["invalid_issuer"]


# §4.6 Names and Descriptions, §11.1: a string, or language value objects (@value with
# @language/@direction, nothing else).
@pytest.mark.parametrize(
    "value",
    [
        "Université de Caen",
        {"@value": "Université de Caen", "@language": "fr"},
        [{"@value": "Dog", "@language": "en"}, {"@value": "Chien", "@language": "fr"}],
        {"@value": "University", "@language": "en", "@direction": "ltr"},
    ],
)
def test_issuer_name_and_description_may_be_strings_or_language_values(value: Any) -> None:
    issuer = {"id": "did:example:issuer", "name": value, "description": value}
    assert codes(credential(issuer=issuer, name=value)) == []


@pytest.mark.parametrize(
    "value",
    [3, {"@value": "Dog", "@language": "en", "extra": "x"}, {"@language": "en"}, [], [4]],
)
def test_issuer_name_that_is_no_text_is_refused(value: Any) -> None:
    assert codes(credential(issuer={"id": "did:example:issuer", "name": value})) == ["invalid_text"]
    assert codes(credential(description=value)) == ["invalid_text"]


# §4.9 Validity Period: "If a validUntil value also exists, the validFrom value MUST express a
# datetime that is temporally the same or earlier than the datetime expressed by the
# validUntil value."
def test_valid_until_before_valid_from_is_refused() -> None:
    reversed_window = credential(
        validFrom="2027-01-01T00:00:00Z", validUntil="2026-01-01T00:00:00Z"
    )
    assert codes(reversed_window) == ["validity_period_reversed"]
    same_instant = credential(
        validFrom="2026-01-01T00:00:00Z", validUntil="2026-01-01T01:00:00+01:00"
    )
    assert codes(same_instant) == []


def test_validity_bounds_must_be_date_times() -> None:
    assert codes(credential(validFrom="yesterday")) == ["invalid_datetime"]
    assert codes(credential(validUntil=20270101)) == ["invalid_datetime"]


# §4.9: validFrom and validUntil are dateTimeStamps, which carry a time zone.
@pytest.mark.parametrize("name", ["validFrom", "validUntil"])
def test_a_validity_bound_without_a_time_zone_is_refused(name: str) -> None:
    assert codes(credential(**{name: "2026-01-01T00:00:00"})) == ["invalid_datetime"]
    assert codes(credential(**{name: "2026-01-01T00:00:00+02:00"})) == []


# §4.4 Identifiers: "If the id property is present: The id property MUST express an
# identifier … The value of the id property MUST be a single URL".
@pytest.mark.parametrize("value", ["not a url", ["urn:uuid:1", "urn:uuid:2"], 7, None, ""])
def test_the_credential_id_must_be_a_single_url(value: Any) -> None:
    assert codes(credential(id=value)) == ["invalid_identifier"]


def test_a_credential_id_may_be_any_url() -> None:
    assert codes(credential(id="urn:uuid:58172aac-d8ba-11ed-83dd-0b3aef56cc33")) == []
    assert codes(credential(id="https://example.org/credentials/3732")) == []


# §4.8 Credential Subject: "A verifiable credential MUST contain a credentialSubject
# property."
@pytest.mark.parametrize("value", ["did:example:subject", [], ["did:example:x"], None, 3])
def test_the_credential_subject_must_be_one_or_more_objects(value: Any) -> None:
    assert codes(credential(credentialSubject=value)) == ["invalid_credential_subject"]


def test_a_credential_without_a_subject_is_refused() -> None:
    document = credential()
    del document["credentialSubject"]
    assert codes(document) == ["invalid_credential_subject"]


# §5.3 Integrity of Related Resources.
def test_related_resources_are_objects_with_an_id_and_a_digest() -> None:
    good = {"id": contexts.VC_V2, "digestSRI": V2_DIGEST_SRI}
    assert codes(credential(relatedResource=good)) == []
    assert codes(credential(relatedResource=[good, {**good, "id": "https://example.org/x"}])) == []
    assert codes(credential(relatedResource=[contexts.VC_V2])) == ["invalid_related_resource"]
    no_id = {"digestMultibase": V2_DIGEST_MULTIBASE}
    assert codes(credential(relatedResource=[no_id])) == ["invalid_related_resource"]
    no_digest = {"id": contexts.VC_V2, "mediaType": "application/ld+json"}
    assert codes(credential(relatedResource=[no_digest])) == ["invalid_related_resource"]


def test_related_resource_ids_are_unique() -> None:
    twice = [
        {"id": contexts.VC_V2, "digestSRI": V2_DIGEST_SRI},
        {"id": contexts.VC_V2, "digestMultibase": V2_DIGEST_MULTIBASE},
    ]
    assert codes(credential(relatedResource=twice)) == ["invalid_related_resource"]


def test_a_digest_that_does_not_match_the_published_resource_is_an_error() -> None:
    # VCDM 2.0 §B.1 publishes the digests of the base context: a wrong one is caught.
    wrong_multibase = {"id": contexts.VC_V2, "digestMultibase": "u" + "A" * 43}
    assert codes(credential(relatedResource=[wrong_multibase])) == [
        "related_resource_digest_mismatch"
    ]
    wrong_sri = {"id": contexts.VC_V2, "digestSRI": "sha384-" + "A" * 64}
    assert codes(credential(relatedResource=[wrong_sri])) == ["related_resource_digest_mismatch"]
    right = {"id": contexts.VC_V2, "digestMultibase": V2_DIGEST_MULTIBASE}
    assert codes(credential(relatedResource=[right])) == []


def test_a_malformed_digest_is_refused_for_any_resource() -> None:
    url_safe_sri = {"id": "https://example.org/x", "digestSRI": "sha384-_rCV-" + "A" * 59}
    assert codes(credential(relatedResource=[url_safe_sri])) == ["invalid_related_resource"]
    not_multibase = {"id": "https://example.org/x", "digestMultibase": "zz!"}
    assert codes(credential(relatedResource=[not_multibase])) == ["invalid_related_resource"]
