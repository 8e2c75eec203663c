"""obcore.model: reading OB 3.0 credentials losslessly, VCDM 1.1 included."""

from __future__ import annotations

import copy
import json
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
from pydantic import ValidationError

from obcore.errors import MalformedInputError
from obcore.model import (
    Achievement,
    AchievementCredential,
    AchievementSubject,
    Criteria,
    EndorsementCredential,
    Image,
    OpenBadgeCredential,
    Profile,
    Proof,
    as_list,
    datetime_has_timezone,
    detect_vcdm_version,
    display_text,
    is_ob3_context,
    parse_credential,
    parse_datetime,
    parse_profile,
    vcdm_version,
)

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"  # copies of the shared spec material
OB3_EXAMPLES = FIXTURES / "spec" / "ob3"
VECTORS = FIXTURES / "vectors"
OB_CREDENTIAL_TYPES = {"OpenBadgeCredential", "AchievementCredential", "EndorsementCredential"}


def load(path: Path) -> dict[str, Any]:
    document: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return document


def is_ob3_credential(document: object) -> bool:
    if not isinstance(document, dict):
        return False
    types = document.get("type")
    return bool(OB_CREDENTIAL_TYPES.intersection(types if isinstance(types, list) else [types]))


SPEC_EXAMPLES = sorted(OB3_EXAMPLES.glob("spec-*.json"))
OB3_VECTORS = sorted(p for p in VECTORS.glob("*.json") if is_ob3_credential(load(p)))


def read_with_model(document: dict[str, Any]) -> Any:
    """Read a spec example with the model matching what it is."""
    kind = document.get("type")
    if kind in ("Profile", ["Profile"]):
        return parse_profile(document)
    if kind == "":  # spec-gettingstarted-achievement.json: a bare Achievement (flawed type "")
        return Achievement.model_validate(document)
    return parse_credential(document)


def read_achievement_credential(document: dict[str, Any]) -> AchievementCredential:
    credential = parse_credential(document)
    assert isinstance(credential, AchievementCredential)
    return credential


def dump(model: Any) -> Any:
    return model.model_dump(mode="json", by_alias=True, exclude_none=True)


@pytest.fixture
def basic_credential() -> dict[str, Any]:
    return load(OB3_EXAMPLES / "spec-basic-openbadgecredential.json")


@pytest.fixture
def vcdm11_credential() -> dict[str, Any]:
    return load(OB3_EXAMPLES / "validator-vcdm1-ed25519signature2020.json")


def test_shared_examples_are_available() -> None:
    assert OB3_EXAMPLES.is_dir(), f"expected the shared spec examples at {OB3_EXAMPLES}"
    assert len(SPEC_EXAMPLES) >= 20
    assert len(OB3_VECTORS) >= 30


# --- lossless round trip ----------------------------------------------------------------------


@pytest.mark.parametrize(
    "path",
    [p for p in SPEC_EXAMPLES if p.name != "spec-test-vector-keypair.json"],  # key data, no model
    ids=lambda p: p.name,
)
def test_every_spec_example_round_trips_to_the_same_json(path: Path) -> None:
    document = load(path)
    assert dump(read_with_model(document)) == document


@pytest.mark.parametrize("path", OB3_VECTORS, ids=lambda p: p.name)
def test_every_ob3_vector_round_trips_to_the_same_json(path: Path) -> None:
    document = load(path)
    assert dump(parse_credential(document)) == document


def test_unknown_properties_are_kept_at_every_level(basic_credential: dict[str, Any]) -> None:
    basic_credential["ext:topLevel"] = {"nested": [1, 2.5, None, "x"]}
    basic_credential["credentialSubject"]["achievement"]["ext:level"] = "gold"
    credential = parse_credential(basic_credential)
    assert credential.model_extra == {"ext:topLevel": {"nested": [1, 2.5, None, "x"]}}
    assert dump(credential) == basic_credential


def test_values_are_not_coerced_so_the_signed_json_is_preserved(
    basic_credential: dict[str, Any],
) -> None:
    basic_credential["credentialSubject"]["creditsEarned"] = "3"
    with pytest.raises(MalformedInputError, match="creditsEarned") as raised:
        parse_credential(basic_credential)
    assert raised.value.code == "malformed_credential"


def test_integer_numbers_stay_integers(basic_credential: dict[str, Any]) -> None:
    basic_credential["credentialSubject"]["creditsEarned"] = 3
    credits = dump(parse_credential(basic_credential))["credentialSubject"]["creditsEarned"]
    assert credits == 3
    assert type(credits) is int


# --- dispatch and errors ----------------------------------------------------------------------


def test_open_badge_credential_is_read_as_an_achievement_credential(
    basic_credential: dict[str, Any],
) -> None:
    credential = parse_credential(basic_credential)
    assert isinstance(credential, AchievementCredential)
    assert OpenBadgeCredential is AchievementCredential


def test_achievement_credential_type_name_is_accepted_too() -> None:
    credential = parse_credential(load(OB3_EXAMPLES / "validator-simple-did-key.json"))
    assert isinstance(credential, AchievementCredential)
    assert "AchievementCredential" in credential.types


def test_endorsement_credential_is_read_as_an_endorsement() -> None:
    credential = parse_credential(load(OB3_EXAMPLES / "spec-endorsementcredential.json"))
    assert isinstance(credential, EndorsementCredential)
    assert credential.subject.endorsementComment is not None


@pytest.mark.parametrize(
    "path",
    [
        OB3_EXAMPLES / "negative" / "validator-err-type.json",
        OB3_EXAMPLES / "validator-bitstring-status-list-credential.json",
        VECTORS / "w3c-eddsa-rdfc-2022-signedDataInt.json",
        VECTORS / "1edtech-spec-clr2-example.json",
        VECTORS / "1edtech-ob20-hosted-basic-assertion.json",
    ],
    ids=lambda p: p.name,
)
def test_other_credential_types_are_not_open_badges(path: Path) -> None:
    with pytest.raises(MalformedInputError) as raised:
        parse_credential(load(path))
    assert raised.value.code == "not_an_open_badge"


def test_a_document_without_type_is_not_an_open_badge(basic_credential: dict[str, Any]) -> None:
    del basic_credential["type"]
    with pytest.raises(MalformedInputError) as raised:
        parse_credential(basic_credential)
    assert raised.value.code == "not_an_open_badge"


@pytest.mark.parametrize(
    ("change", "mentions"),
    [
        (lambda d: d.update(credentialSubject="did:example:123"), "/credentialSubject"),
        (lambda d: d.update(validFrom="yesterday"), "/validFrom"),
        (lambda d: d.update(validFrom="2010-13-01T00:00:00Z"), "/validFrom"),
        (lambda d: d.update(issuer=42), "/issuer"),
        (lambda d: d.update(issuer={"name": "No id"}), "/issuer/id"),
        (lambda d: d.pop("@context"), "/@context"),
        (lambda d: d.update(type=["VerifiableCredential", "OpenBadgeCredential", 7]), "/type/2"),
        (lambda d: d.update(proof={"proofValue": "z123"}), "/proof/type"),
    ],
    ids=[
        "subject-is-a-string",
        "validFrom-is-not-a-date-time",
        "validFrom-has-month-13",
        "issuer-is-a-number",
        "issuer-object-without-id",
        "context-missing",
        "type-entry-not-a-string",
        "proof-without-type",
    ],
)
def test_structural_errors_are_malformed_credentials_with_a_json_pointer(
    basic_credential: dict[str, Any], change: Any, mentions: str
) -> None:
    change(basic_credential)
    with pytest.raises(MalformedInputError) as raised:
        parse_credential(basic_credential)
    assert raised.value.code == "malformed_credential"
    assert mentions in raised.value.message


def test_missing_issuer_is_malformed_as_the_vc_data_model_requires_it() -> None:
    document = load(OB3_EXAMPLES / "negative" / "validator-err-issuer-schema.json")
    with pytest.raises(MalformedInputError, match="/issuer: Field required") as raised:
        parse_credential(document)
    assert raised.value.code == "malformed_credential"


def test_error_summary_stays_short_for_huge_bad_input(basic_credential: dict[str, Any]) -> None:
    basic_credential["evidence"] = [{"type": "Evidence", "name": 10**6 + i} for i in range(500)]
    basic_credential["name"] = 1
    with pytest.raises(MalformedInputError, match="and 496 more") as raised:
        parse_credential(basic_credential)
    assert len(raised.value.message) < 1200


def test_a_pathologically_deep_credential_is_malformed_not_a_crash(
    basic_credential: dict[str, Any],
) -> None:
    profile: dict[str, Any] = {"id": "https://example.com/issuers/0", "type": "Profile"}
    basic_credential["issuer"] = profile
    for depth in range(1, 5000):
        profile["parentOrg"] = {"id": f"https://example.com/issuers/{depth}", "type": "Profile"}
        profile = profile["parentOrg"]
    with pytest.raises(MalformedInputError, match="depth exceeded") as raised:
        parse_credential(basic_credential)
    assert raised.value.code == "malformed_credential"
    assert len(raised.value.message) < 300


@pytest.mark.parametrize("document", [[], "credential", None], ids=["array", "string", "null"])
def test_a_non_object_is_malformed(document: Any) -> None:
    with pytest.raises(MalformedInputError) as raised:
        parse_credential(document)
    assert raised.value.code == "malformed_credential"


def test_a_type_naming_both_kinds_is_malformed(basic_credential: dict[str, Any]) -> None:
    basic_credential["type"].append("EndorsementCredential")
    with pytest.raises(MalformedInputError, match="both") as raised:
        parse_credential(basic_credential)
    assert raised.value.code == "malformed_credential"


def test_the_model_class_itself_insists_on_its_type() -> None:
    endorsement = load(OB3_EXAMPLES / "spec-endorsementcredential.json")
    with pytest.raises(ValidationError, match="AchievementCredential or OpenBadgeCredential"):
        AchievementCredential.model_validate(endorsement)


def test_open_badges_rules_are_left_to_the_json_schema() -> None:
    # No achievement, an Image given as a bare URL, identityType "email": schema failures,
    # but still readable, so verification can report on them.
    document = load(OB3_EXAMPLES / "negative" / "validator-err-not-yet-valid.json")
    assert read_achievement_credential(document).subjects[0].achievement is None
    legacy = parse_credential(load(VECTORS / "dcc-v1-ed2020-didkey.json"))
    assert legacy.issuer_profile is not None
    assert legacy.issuer_profile.image == (
        "https://user-images.githubusercontent.com/752326/"
        "230469660-8f80d264-eccf-4edd-8e50-ea634d407778.png"
    )


# --- single-value compaction, context, issuer, image, subject ---------------------------------


def test_single_values_stay_single_and_arrays_stay_arrays(basic_credential: dict[str, Any]) -> None:
    basic_credential["type"] = "OpenBadgeCredential"
    basic_credential["proof"] = {"type": "DataIntegrityProof", "cryptosuite": "eddsa-rdfc-2022"}
    basic_credential["credentialSchema"] = {
        "id": "https://purl.imsglobal.org/spec/ob/v3p0/schema/json/ob_v3p0_achievementcredential_schema.json",
        "type": "1EdTechJsonSchemaValidator2019",
    }
    basic_credential["termsOfUse"] = [{"type": "TrustFrameworkPolicy", "id": "https://t.example"}]
    credential = parse_credential(basic_credential)
    assert credential.types == ["OpenBadgeCredential"]
    assert isinstance(credential.proof, Proof)
    assert [p.cryptosuite for p in credential.proofs] == ["eddsa-rdfc-2022"]
    assert isinstance(credential.termsOfUse, list)
    assert dump(credential) == basic_credential


def test_context_order_is_kept() -> None:
    document = load(OB3_EXAMPLES / "spec-docformat-openbadgecredential.json")
    credential = parse_credential(document)
    assert credential.contexts == document["@context"]
    assert next(iter(dump(credential))) == "@context"


@pytest.mark.parametrize(
    "issuer",
    ["https://example.com/issuers/876543", {"id": "https://example.com/issuers/876543"}],
    ids=["uri", "profile"],
)
def test_issuer_id_is_available_whether_issuer_is_a_uri_or_a_profile(
    basic_credential: dict[str, Any], issuer: Any
) -> None:
    basic_credential["issuer"] = issuer
    credential = parse_credential(basic_credential)
    assert credential.issuer_id == "https://example.com/issuers/876543"
    assert (credential.issuer_profile is None) == isinstance(issuer, str)


@pytest.mark.parametrize(
    "image",
    ["https://example.com/badge.png", {"id": "https://example.com/badge.png", "type": "Image"}],
    ids=["uri", "image-object"],
)
def test_image_may_be_a_uri_or_an_image_object(
    basic_credential: dict[str, Any], image: Any
) -> None:
    basic_credential["credentialSubject"]["achievement"]["image"] = image
    achievement = read_achievement_credential(basic_credential).subjects[0].achievement
    assert achievement is not None
    expected = image if isinstance(image, str) else Image(**image)
    assert achievement.image == expected


def test_a_list_of_subjects_is_readable_but_subject_requires_exactly_one(
    basic_credential: dict[str, Any],
) -> None:
    only = basic_credential["credentialSubject"]
    basic_credential["credentialSubject"] = [only]
    assert parse_credential(basic_credential).subject.id == only["id"]

    basic_credential["credentialSubject"] = [only, copy.deepcopy(only)]
    credential = parse_credential(basic_credential)
    assert len(credential.subjects) == 2
    with pytest.raises(MalformedInputError) as raised:
        _ = credential.subject
    assert raised.value.code == "not_single_subject"


def test_subject_identified_by_identity_objects() -> None:
    credential = read_achievement_credential(
        load(OB3_EXAMPLES / "spec-complete-openbadgecredential.json")
    )
    identifiers = as_list(credential.subject.identifier)
    assert [i.identityHash for i in identifiers] == ["student@1edtech.edu", "somebody@gmail.com"]
    assert all(i.hashed is False for i in identifiers)


def test_complete_example_exposes_results_and_result_descriptions() -> None:
    credential = read_achievement_credential(
        load(OB3_EXAMPLES / "spec-complete-openbadgecredential.json")
    )
    achievement = credential.subject.achievement
    assert achievement is not None
    descriptions = {d.id: d for d in as_list(achievement.resultDescription)}
    for result in as_list(credential.subject.result):
        assert result.resultDescription in descriptions
    assert isinstance(credential, AchievementCredential)
    assert len(as_list(credential.endorsement)) >= 1


# --- VCDM 1.1 and dates -----------------------------------------------------------------------


def test_vcdm11_issuance_and_expiration_dates_are_read_as_validity(
    vcdm11_credential: dict[str, Any],
) -> None:
    vcdm11_credential["expirationDate"] = "2030-01-01T00:00:00Z"
    credential = parse_credential(vcdm11_credential)
    assert credential.vcdm_version == "1.1"
    assert credential.valid_from == datetime(2010, 1, 1, tzinfo=UTC)
    assert credential.valid_until == datetime(2030, 1, 1, tzinfo=UTC)


def test_vcdm20_validity_dates(basic_credential: dict[str, Any]) -> None:
    basic_credential["validUntil"] = "2030-06-30T12:00:00+02:00"
    credential = parse_credential(basic_credential)
    assert credential.vcdm_version == "2.0"
    assert credential.valid_from == datetime(2010, 1, 1, tzinfo=UTC)
    assert credential.valid_until == datetime(2030, 6, 30, 10, tzinfo=UTC)


def test_credential_without_validity_dates_has_none(basic_credential: dict[str, Any]) -> None:
    del basic_credential["validFrom"]
    credential = parse_credential(basic_credential)
    assert credential.valid_from is None
    assert credential.valid_until is None


def test_a_date_time_without_timezone_is_read_as_utc_and_flagged(
    basic_credential: dict[str, Any],
) -> None:
    basic_credential["validFrom"] = "2010-01-01T00:00:00"
    basic_credential["awardedDate"] = "2009-12-31T10:00:00"
    credential = parse_credential(basic_credential)
    assert credential.valid_from == datetime(2010, 1, 1, tzinfo=UTC)
    assert credential.datetimes_without_timezone == ["validFrom", "awardedDate"]
    assert dump(credential)["validFrom"] == "2010-01-01T00:00:00"


def test_date_times_with_timezone_are_not_flagged(basic_credential: dict[str, Any]) -> None:
    assert parse_credential(basic_credential).datetimes_without_timezone == []


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2010-01-01T00:00:00Z", datetime(2010, 1, 1, tzinfo=UTC)),
        ("2010-01-01t00:00:00z", datetime(2010, 1, 1, tzinfo=UTC)),
        (
            "2022-11-10T07:38:00-08:00",
            datetime(2022, 11, 10, 7, 38, tzinfo=timezone(timedelta(hours=-8))),
        ),
        ("2025-07-14T20:59:07.322Z", datetime(2025, 7, 14, 20, 59, 7, 322000, tzinfo=UTC)),
        ("2025-07-14T20:59:07.123456789Z", datetime(2025, 7, 14, 20, 59, 7, 123456, tzinfo=UTC)),
        ("2010-01-01T05:30:00+05:30", datetime(2010, 1, 1, tzinfo=UTC)),
        ("2010-12-31T24:00:00Z", datetime(2011, 1, 1, tzinfo=UTC)),
        ("2010-01-01T00:00:00", datetime(2010, 1, 1, tzinfo=UTC)),
    ],
)
def test_rfc3339_date_times_parse_to_aware_datetimes(text: str, expected: datetime) -> None:
    parsed = parse_datetime(text)
    assert parsed == expected
    assert parsed.tzinfo is not None


@pytest.mark.parametrize(
    "text",
    [
        "2010-01-01",
        "2010-01-01 00:00:00Z",
        "2010-01-01T00:00Z",
        "2010-02-30T00:00:00Z",
        "2010-01-01T23:59:60Z",
        "2010-01-01T24:00:01Z",
        "2010-01-01T00:00:00+24:00",
        "0000-01-01T00:00:00Z",
        "2010-01-01T00:00:00.Z",
        "\uff12\uff10\uff11\uff10-01-01T00:00:00Z",  # fullwidth digits
        " 2010-01-01T00:00:00Z",
    ],
)
def test_malformed_date_times_are_rejected(text: str) -> None:
    with pytest.raises(ValueError, match=r"date-time|out of range|must be in|leap|24:00|offset"):
        parse_datetime(text)


def test_timezone_detection() -> None:
    assert datetime_has_timezone("2010-01-01T00:00:00Z")
    assert datetime_has_timezone("2010-01-01T00:00:00.5-03:00")
    assert not datetime_has_timezone("2010-01-01T00:00:00.5")


# --- contexts ---------------------------------------------------------------------------------


def test_vcdm_version_is_detected_from_the_first_context(
    basic_credential: dict[str, Any], vcdm11_credential: dict[str, Any]
) -> None:
    assert vcdm_version(basic_credential) == "2.0"
    assert vcdm_version(vcdm11_credential) == "1.1"


def test_an_unknown_first_context_is_not_a_vc_data_model_version() -> None:
    document = load(OB3_EXAMPLES / "negative" / "validator-err-context.json")
    assert detect_vcdm_version(document) is None
    with pytest.raises(MalformedInputError) as raised:
        vcdm_version(document)
    assert raised.value.code == "unknown_vc_context"


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("https://purl.imsglobal.org/spec/ob/v3p0/context.json", True),
        ("https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json", True),
        ("https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.2.json", True),
        ("https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.json", False),
        ("https://purl.imsglobal.org/spec/ob/v3p0/extensions.json", False),
        ("http://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json", False),
        ("https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json\n", False),
        (
            "https://purl.imsglobal.org/spec/ob/v3p0/context-3.\u0660.\u0663.json",
            False,
        ),  # Arabic-Indic
        ("https://purlXimsglobal.org/spec/ob/v3p0/context.json", False),
        (None, False),
    ],
)
def test_ob3_context_urls(url: object, expected: bool) -> None:
    assert is_ob3_context(url) is expected


# --- building credentials and reading text ----------------------------------------------------


def test_a_credential_built_in_python_dumps_to_ob3_json() -> None:
    credential = AchievementCredential(
        context=[
            "https://www.w3.org/ns/credentials/v2",
            "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json",
        ],
        id="urn:uuid:91537dba-56cb-11ec-bf63-0242ac130002",
        type=["VerifiableCredential", "OpenBadgeCredential"],
        issuer=Profile(id="https://issuer.example/profile", type="Profile", name="Issuer"),
        validFrom="2024-01-01T00:00:00Z",
        name="Teamwork",
        credentialSubject=AchievementSubject(
            id="did:example:learner",
            type="AchievementSubject",
            achievement=Achievement(
                id="https://issuer.example/achievements/teamwork",
                type="Achievement",
                name="Teamwork",
                description="Works well in a team.",
                criteria=Criteria(narrative="Peer nominated."),
            ),
        ),
    )
    document = dump(credential)
    assert document["@context"][0] == "https://www.w3.org/ns/credentials/v2"
    assert document["issuer"] == {
        "id": "https://issuer.example/profile",
        "type": "Profile",
        "name": "Issuer",
    }
    assert parse_credential(document) == credential


@pytest.mark.parametrize(
    ("value", "language", "expected"),
    [
        ("Teamwork", None, "Teamwork"),
        ({"en": "Teamwork", "fr": "Travail d'équipe"}, "fr", "Travail d'équipe"),
        ({"en": "Teamwork", "fr-CA": "Travail d'équipe"}, "fr", "Travail d'équipe"),
        ({"en": "Teamwork", "fr": "Travail d'équipe"}, "de", "Teamwork"),
        ({"@value": "Teamwork", "@language": "en"}, None, "Teamwork"),
        (
            [{"@value": "Teamwork", "@language": "en"}, {"@value": "Équipe", "@language": "fr"}],
            "FR",
            "Équipe",
        ),
        ([], None, None),
        (None, "en", None),
    ],
)
def test_display_text_picks_a_string_for_the_reader(
    value: Any, language: str | None, expected: str | None
) -> None:
    assert display_text(value, language) == expected


def test_language_maps_are_accepted_for_human_readable_text(
    basic_credential: dict[str, Any],
) -> None:
    basic_credential["name"] = [{"@value": "Teamwork Badge", "@language": "en"}]
    basic_credential["credentialSubject"]["achievement"]["name"] = {"en": "Teamwork"}
    credential = parse_credential(basic_credential)
    assert display_text(credential.name) == "Teamwork Badge"
    assert dump(credential) == basic_credential


def test_as_list_normalises_compacted_values() -> None:
    assert as_list(None) == []
    assert as_list("a") == ["a"]
    original = ["a", "b"]
    copied = as_list(original)
    assert copied == original
    assert copied is not original
