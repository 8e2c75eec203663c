"""obcore.schema: 1EdTech JSON Schema conformance, offline, with VCDM 1.1 handled."""

from __future__ import annotations

import copy
import json
import re
import socket
from pathlib import Path
from typing import Any, NamedTuple

import pytest

from obcore import schema
from obcore.errors import ObcoreError
from obcore.model import VC_V1_CONTEXT, VC_V2_CONTEXT
from obcore.schema import (
    ACHIEVEMENT_CREDENTIAL_SCHEMA_ID,
    ENDORSEMENT_CREDENTIAL_SCHEMA_ID,
    MAX_DEPTH,
    MAX_MESSAGE_LENGTH,
    PROFILE_SCHEMA_ID,
    SchemaIssue,
    known_schema_ids,
    validate_achievement_credential,
    validate_against,
    validate_credential,
    validate_endorsement_credential,
    validate_profile,
    vcdm11_schema_view,
)

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"  # copies of the shared spec material
EXAMPLES = FIXTURES / "spec"
OB3_EXAMPLES = EXAMPLES / "ob3"
VECTORS = FIXTURES / "vectors"
OB_CREDENTIAL_TYPES = {"OpenBadgeCredential", "AchievementCredential", "EndorsementCredential"}


def load(path: Path) -> dict[str, Any]:
    document: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return document


class Expectation(NamedTuple):
    """One ``purl-*`` result from examples/README.txt: ``first_path`` is None when OK."""

    file: str
    schema: str  # "ach", "end" or "prof"
    ok: bool
    first_path: str | None


def readme_expectations() -> list[Expectation]:
    """The purl schema results examples/README.txt records for each ob3/ file."""
    readme = EXAMPLES / "README.txt"
    if not readme.is_file():
        return []
    expectations: list[Expectation] = []
    current: str | None = None
    for line in readme.read_text(encoding="utf-8").splitlines():
        if line.startswith("- "):
            current = line[2:].strip()
        elif line.strip().startswith("SCHEMA") and current and current.startswith("ob3/"):
            for part in line.split(":", 1)[1].split("|"):
                result = re.fullmatch(r"\s*purl-(\w+):(OK|FAIL\(.*@(.*)\))\s*", part)
                if result:
                    path = result[3]
                    pointer = None if path is None else "" if path == "(root)" else "/" + path
                    expectations.append(Expectation(current, result[1], path is None, pointer))
    return expectations


VALIDATORS = {
    "ach": validate_achievement_credential,
    "end": validate_endorsement_credential,
    "prof": validate_profile,
}

README_EXPECTATIONS = readme_expectations()


def is_ob3_credential(document: object) -> bool:
    if not isinstance(document, dict):
        return False
    types = document.get("type")
    return bool(OB_CREDENTIAL_TYPES.intersection(types if isinstance(types, list) else [types]))


SPEC_CREDENTIALS = sorted(p for p in OB3_EXAMPLES.glob("spec-*.json") if is_ob3_credential(load(p)))
OB3_VECTORS = sorted(p for p in VECTORS.glob("*.json") if is_ob3_credential(load(p)))

# Vectors that legitimately fail the OB 3.0 schema (everything else must pass).
VECTOR_SCHEMA_FAILURES = {
    "1edtech-ob30-err-issued.json": "/credentialSubject",  # no achievement
    "dcc-v1-ed2020-didkey.json": "/issuer/image",  # Image as a bare URL string
}
# spec-*.json credentials the README marks purl-ach:FAIL (flawed spec snippets).
SPEC_SCHEMA_FAILURES = {
    "spec-gettingstarted-identityhash-credential.json": "/credentialSubject/identifier",
    "spec-migrated-ob2-assertion-as-ob3.json": "/issuer",
}


@pytest.fixture
def basic_credential() -> dict[str, Any]:
    return load(OB3_EXAMPLES / "spec-basic-openbadgecredential.json")


@pytest.fixture
def vcdm11_credential() -> dict[str, Any]:
    return load(OB3_EXAMPLES / "validator-vcdm1-ed25519signature2020.json")


def has_issue_at(issues: list[SchemaIssue] | tuple[SchemaIssue, ...], pointer: str) -> bool:
    """An issue exactly at ``pointer`` or, for non-root pointers, below it."""
    return any(
        issue.path == pointer or (pointer and issue.path.startswith(pointer + "/"))
        for issue in issues
    )


def test_the_readme_expectations_and_examples_are_available() -> None:
    assert len(README_EXPECTATIONS) >= 30
    assert len(SPEC_CREDENTIALS) >= 15
    assert len(OB3_VECTORS) >= 30


# --- the recorded expectations ----------------------------------------------------------------


@pytest.mark.parametrize("expected", README_EXPECTATIONS, ids=lambda e: f"{e.file}:purl-{e.schema}")
def test_purl_schema_results_match_the_examples_readme(expected: Expectation) -> None:
    issues = VALIDATORS[expected.schema](load(EXAMPLES / expected.file))
    if expected.ok:
        assert issues == []
    else:
        assert expected.first_path is not None
        assert has_issue_at(issues, expected.first_path), issues


@pytest.mark.parametrize("path", SPEC_CREDENTIALS, ids=lambda p: p.name)
def test_spec_credential_examples_conform_unless_known_flawed(path: Path) -> None:
    result = validate_credential(load(path))
    assert result.applicable
    if path.name in SPEC_SCHEMA_FAILURES:
        assert has_issue_at(result.issues, SPEC_SCHEMA_FAILURES[path.name]), result.issues
    else:
        assert result.valid, result.issues


@pytest.mark.parametrize("path", OB3_VECTORS, ids=lambda p: p.name)
def test_ob3_vectors_conform_unless_known_invalid(path: Path) -> None:
    result = validate_credential(load(path))
    assert result.applicable
    if path.name in VECTOR_SCHEMA_FAILURES:
        assert has_issue_at(result.issues, VECTOR_SCHEMA_FAILURES[path.name]), result.issues
    else:
        assert result.valid, result.issues


# --- negatives --------------------------------------------------------------------------------


def test_a_credential_without_issuer_fails() -> None:
    result = validate_credential(
        load(OB3_EXAMPLES / "negative" / "validator-err-issuer-schema.json")
    )
    assert not result.valid
    assert SchemaIssue("", "'issuer' is a required property") in result.issues


def test_a_credential_subject_of_the_wrong_type_fails() -> None:
    document = load(OB3_EXAMPLES / "negative" / "validator-err-credential-subject-type.json")
    result = validate_credential(document)
    assert not result.valid
    assert [issue.path for issue in result.issues] == ["/credentialSubject/type"]


def test_the_most_specific_cause_of_a_one_of_failure_is_reported() -> None:
    document = load(OB3_EXAMPLES / "spec-gettingstarted-identityhash-credential.json")
    assert validate_achievement_credential(document) == [
        SchemaIssue(
            "/credentialSubject/identifier/identityType",
            "'email' is not valid under any of the given schemas",
        )
    ]


# --- compaction -------------------------------------------------------------------------------


@pytest.mark.parametrize("as_array", [False, True], ids=["single-proof-object", "proof-array"])
def test_a_single_proof_object_is_as_valid_as_an_array(
    basic_credential: dict[str, Any], as_array: bool
) -> None:
    proof = {
        "type": "DataIntegrityProof",
        "created": "2010-01-01T19:23:24Z",
        "verificationMethod": "https://example.com/issuers/876543#z6MkjZRZv3aez3r18pB1RBFJR1kwUVJ5jHt92JmQwXbd5hwi",
        "cryptosuite": "eddsa-rdfc-2022",
        "proofPurpose": "assertionMethod",
        "proofValue": (
            "z5ZjnJNPeQznivpmedtQZDAy9vXVz2BbhZp13fGpTfMnsgzccs2Z3Se2BRWeECSMo92cUsQP63LhMb6veWuD223j2"
        ),
    }
    basic_credential["proof"] = [proof] if as_array else proof
    assert validate_credential(basic_credential).valid


def test_single_type_credential_schema_and_terms_of_use_are_accepted(
    basic_credential: dict[str, Any],
) -> None:
    basic_credential["credentialSchema"] = {
        "id": ACHIEVEMENT_CREDENTIAL_SCHEMA_ID,
        "type": "1EdTechJsonSchemaValidator2019",
    }
    basic_credential["termsOfUse"] = {"type": "TrustFrameworkPolicy"}
    basic_credential["credentialSubject"]["type"] = "AchievementSubject"
    assert validate_achievement_credential(basic_credential) == []


# --- VCDM 1.1 ---------------------------------------------------------------------------------


def test_a_vcdm11_credential_is_validated_through_its_vcdm20_view(
    vcdm11_credential: dict[str, Any],
) -> None:
    raw = validate_achievement_credential(vcdm11_credential)
    assert SchemaIssue("", "'validFrom' is a required property") in raw  # why the view exists

    result = validate_credential(vcdm11_credential)
    assert result.valid
    assert result.converted_from_vcdm11
    assert result.note is not None
    assert "VCDM 1.1" in result.note


def test_open_badges_rules_still_apply_to_vcdm11_credentials() -> None:
    result = validate_credential(load(OB3_EXAMPLES / "negative" / "validator-noproof.json"))
    assert result.converted_from_vcdm11
    assert result.issues == (
        SchemaIssue("/credentialSubject", "'achievement' is a required property"),
    )


def test_vcdm20_credentials_are_validated_as_they_are(basic_credential: dict[str, Any]) -> None:
    result = validate_credential(basic_credential)
    assert result.schema_id == ACHIEVEMENT_CREDENTIAL_SCHEMA_ID
    assert not result.converted_from_vcdm11
    assert result.note is None


def test_the_vcdm11_view_renames_dates_and_base_context_everywhere() -> None:
    document = load(OB3_EXAMPLES / "validator-vcdm1-complete-ed25519signature2020.json")
    original = copy.deepcopy(document)
    view = vcdm11_schema_view(document)
    assert document == original  # the input is not modified
    assert view["@context"] == [VC_V2_CONTEXT, *document["@context"][1:]]
    assert view["validFrom"] == document["issuanceDate"]
    assert "issuanceDate" not in view
    endorsement = view["endorsement"][0]
    assert endorsement["@context"][0] == VC_V2_CONTEXT
    assert endorsement["validFrom"] == document["endorsement"][0]["issuanceDate"]
    assert view["proof"] == document["proof"]


def test_the_vcdm11_view_keeps_an_existing_valid_from(vcdm11_credential: dict[str, Any]) -> None:
    vcdm11_credential["validFrom"] = "2011-01-01T00:00:00Z"
    vcdm11_credential["expirationDate"] = "2030-01-01T00:00:00Z"
    view = vcdm11_schema_view(vcdm11_credential)
    assert view["validFrom"] == "2011-01-01T00:00:00Z"
    assert view["issuanceDate"] == "2010-01-01T00:00:00Z"
    assert view["validUntil"] == "2030-01-01T00:00:00Z"
    assert view["@context"][0] == VC_V2_CONTEXT
    assert vcdm11_credential["@context"][0] == VC_V1_CONTEXT


# --- dispatch ---------------------------------------------------------------------------------


def test_endorsements_are_validated_against_the_endorsement_schema() -> None:
    result = validate_credential(load(OB3_EXAMPLES / "spec-endorsementcredential.json"))
    assert result.schema_id == ENDORSEMENT_CREDENTIAL_SCHEMA_ID
    assert result.valid


@pytest.mark.parametrize(
    "path",
    [
        OB3_EXAMPLES / "validator-bitstring-status-list-credential.json",
        VECTORS / "1edtech-spec-clr2-example.json",
        OB3_EXAMPLES / "negative" / "validator-err-type.json",
    ],
    ids=lambda p: p.name,
)
def test_no_ob_schema_applies_to_other_credential_types(path: Path) -> None:
    result = validate_credential(load(path))
    assert not result.applicable
    assert not result.valid
    assert result.issues == ()
    assert result.note is not None


def test_the_achievement_schema_itself_rejects_a_non_ob_type() -> None:
    issues = validate_achievement_credential(
        load(OB3_EXAMPLES / "negative" / "validator-err-type.json")
    )
    assert has_issue_at(issues, "/type")


def test_known_gap_the_purl_schema_accepts_any_single_string_type(
    basic_credential: dict[str, Any],
) -> None:
    # The compaction-tolerant schemas only check type *arrays* for the required entries; a
    # single string passes whatever it says. Type membership must be checked elsewhere
    # (parse_credential dispatches on it; verification checks the subject type).
    basic_credential["type"] = "OpenBadgeCredential"
    basic_credential["credentialSubject"]["type"] = "NotAnAchievementSubject"
    assert validate_achievement_credential(basic_credential) == []


def test_profiles_are_validated_against_the_profile_schema() -> None:
    profile = load(OB3_EXAMPLES / "spec-profile-putprofile.json")
    assert validate_profile(profile) == []
    del profile["id"]
    assert validate_profile(profile) == [SchemaIssue("", "'id' is a required property")]


# --- robustness -------------------------------------------------------------------------------


@pytest.mark.parametrize("document", [[], "credential", 42, None, {}])
def test_invalid_data_yields_issues_and_never_raises(document: Any) -> None:
    assert validate_achievement_credential(document) != []


@pytest.mark.parametrize("document", [[], "credential", None])
def test_validate_credential_on_a_non_object_is_not_applicable(document: Any) -> None:
    result = validate_credential(document)
    assert not result.applicable
    assert result.note == "not a JSON object"


def test_issues_are_capped_and_counted(
    basic_credential: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    for key in ("name", "description", "image", "awardedDate", "validUntil", "evidence"):
        basic_credential[key] = 42
    monkeypatch.setattr(schema, "MAX_ISSUES", 3)
    result = validate_credential(basic_credential)
    assert len(result.issues) == 3
    assert result.total_issues == 6
    assert [i.path for i in result.issues] == sorted(i.path for i in result.issues)


@pytest.mark.parametrize("legacy", [False, True], ids=["vcdm20", "vcdm11"])
def test_a_pathologically_deep_document_is_an_issue_not_a_crash(
    basic_credential: dict[str, Any], legacy: bool
) -> None:
    if legacy:
        basic_credential["@context"][0] = VC_V1_CONTEXT
    profile: dict[str, Any] = {"id": "https://example.com/issuers/0", "type": "Profile"}
    basic_credential["issuer"] = profile
    for depth in range(1, 2000):
        profile["parentOrg"] = {"id": f"https://example.com/issuers/{depth}", "type": "Profile"}
        profile = profile["parentOrg"]
    result = validate_credential(basic_credential)
    assert result.issues == (
        SchemaIssue("", f"the document is nested more than {MAX_DEPTH} levels deep"),
    )


def test_deeply_but_reasonably_nested_documents_are_validated(
    basic_credential: dict[str, Any],
) -> None:
    profile: dict[str, Any] = {"id": "https://example.com/issuers/0", "type": "Profile"}
    basic_credential["issuer"] = profile
    for depth in range(1, MAX_DEPTH - 5):
        profile["parentOrg"] = {"id": f"https://example.com/issuers/{depth}", "type": "Profile"}
        profile = profile["parentOrg"]
    assert validate_credential(basic_credential).valid


def test_long_messages_are_truncated(basic_credential: dict[str, Any]) -> None:
    basic_credential["credentialSubject"]["type"] = ["x" * 5000]
    issues = validate_achievement_credential(basic_credential)
    assert issues
    assert all(len(issue.message) <= MAX_MESSAGE_LENGTH for issue in issues)
    assert issues[0].message.endswith("…")


def test_json_pointer_paths_escape_slashes_and_tildes(basic_credential: dict[str, Any]) -> None:
    basic_credential["credentialSubject"]["achievement"]["image"] = {
        "id": "https://example.com/i.png",
        "type": "Image",
        "a/b~c": 1,
    }
    issues = validate_achievement_credential(basic_credential)
    assert issues
    assert all(issue.path.startswith("/credentialSubject/achievement/image") for issue in issues)
    assert any("a/b~c" in issue.message for issue in issues)


def test_every_bundled_schema_is_known_by_its_id() -> None:
    ids = known_schema_ids()
    assert {
        ACHIEVEMENT_CREDENTIAL_SCHEMA_ID,
        ENDORSEMENT_CREDENTIAL_SCHEMA_ID,
        PROFILE_SCHEMA_ID,
    } <= ids
    assert any(i.startswith("https://openbadgespec.org/extensions/") for i in ids)


def test_an_unbundled_schema_id_is_an_error_not_a_download() -> None:
    with pytest.raises(ObcoreError) as raised:
        validate_against({}, "https://accrediter.edu/schema/endorsementcredential.json")
    assert raised.value.code == "schema_unavailable"


def test_validation_works_with_the_network_unreachable(
    basic_credential: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    def no_network(*args: object, **kwargs: object) -> None:
        raise AssertionError("schema validation tried to use the network")

    monkeypatch.setattr(socket, "getaddrinfo", no_network)
    monkeypatch.setattr(socket.socket, "connect", no_network)
    # Start from cold caches so loading and compiling happen with the network blocked.
    for cached in (schema._bundled_schemas, schema._registry, schema._validator):
        cached.cache_clear()
    assert validate_credential(basic_credential).valid
    assert validate_profile(load(OB3_EXAMPLES / "spec-profile-putprofile.json")) == []


def _all_fixture_credentials() -> list[tuple[str, dict[str, Any]]]:
    found: list[tuple[str, dict[str, Any]]] = []
    for path in sorted([*VECTORS.glob("*.json"), *EXAMPLES.rglob("*.json")]):
        try:
            document = json.loads(path.read_text(encoding="utf-8"))
        except ValueError:
            continue
        if isinstance(document, dict):
            found.append((path.name, document))
    return found


def test_the_fast_validator_agrees_with_the_detailed_one_on_every_fixture() -> None:
    """The compiled validator answers valid/invalid; the pure-Python one explains failures.
    They must never disagree, on real credentials and on broken variants of them."""
    from obcore.schema import (  # noqa: PLC0415 - internals under test
        ACHIEVEMENT_CREDENTIAL_SCHEMA_ID,
        ENDORSEMENT_CREDENTIAL_SCHEMA_ID,
        _fast_validator,
        _issues,
        _validator,
    )

    compared = 0
    for name, document in _all_fixture_credentials():
        variants = [document]
        for key in ("issuer", "credentialSubject", "validFrom", "type"):
            if key in document:
                variants.append({k: v for k, v in document.items() if k != key})
        for schema_id in (ACHIEVEMENT_CREDENTIAL_SCHEMA_ID, ENDORSEMENT_CREDENTIAL_SCHEMA_ID):
            for variant in variants:
                fast = _fast_validator(schema_id).is_valid(variant)
                slow = _issues(_validator(schema_id), variant)[1] == 0
                assert fast == slow, (name, schema_id)
                compared += 1
    assert compared > 300
