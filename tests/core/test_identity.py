"""obcore.identity: salted identity hashes and the "recipient" verification step."""

from __future__ import annotations

import hashlib
import hmac
import json
import re
from pathlib import Path
from typing import Any

import pytest

from obcore.errors import MalformedInputError
from obcore.identity import (
    identity_hash,
    is_valid_identity_type,
    make_identity_object,
    matches,
    new_salt,
    normalize_email,
    ob2_recipient_matches,
)
from obcore.schema import validate_achievement_credential

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"  # copies of the shared spec material
EXAMPLES = FIXTURES / "spec"


def load(path: Path) -> dict[str, Any]:
    document: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return document


@pytest.fixture
def hashed_email_identity() -> dict[str, Any]:
    """The OB 3.0 specification's IdentityObject example: a@example.com salted with Kosher."""
    return {
        "type": "IdentityObject",
        "hashed": True,
        "identityHash": "sha256$b5809d8a92f8858436d7e6b87c12ebc0ae1eac4baecc2c0b913aee2c922ef399",
        "identityType": "emailAddress",
        "salt": "Kosher",
    }


# --- hashing ----------------------------------------------------------------------------------


def test_identity_hash_matches_the_ob3_specification_example() -> None:
    assert identity_hash("a@example.com", "Kosher") == (
        "sha256$b5809d8a92f8858436d7e6b87c12ebc0ae1eac4baecc2c0b913aee2c922ef399"
    )


def test_identity_hash_without_salt_matches_the_ob2_mayze_example() -> None:
    # OB 2.0 spec: "mayze", unsalted -> sha256$7a1a…c6 (re-verified in OB3-NOTES §7).
    assert identity_hash("mayze", None) == (
        "sha256$7a1a1b3f7d40552e4299180e346e3add12bf9a751a43d9c4ca4518febc2c60c6"
    )
    assert identity_hash("mayze", "") == identity_hash("mayze", None)


def test_identity_hash_is_over_the_utf8_of_value_then_salt() -> None:
    expected = hashlib.sha256("élève@exemple.frsel".encode()).hexdigest()
    assert identity_hash("élève@exemple.fr", "sel") == f"sha256${expected}"


def test_md5_identity_hashes_are_supported_for_reading() -> None:
    assert identity_hash("a@example.com", "Kosher", "md5") == (
        "md5$" + hashlib.md5(b"a@example.comKosher", usedforsecurity=False).hexdigest()
    )


# --- email normalisation, salts ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "normalized"),
    [
        ("a@example.com", "a@example.com"),
        ("  Alice.Smith@Example.ORG\n", "alice.smith@example.org"),
        ("STRASSE@EXAMPLE.DE", "strasse@example.de"),
        ("Straße@Example.de", "straße@example.de"),  # lower(), not casefold(): ß is kept
    ],
)
def test_normalize_email_strips_and_lowercases_the_whole_address(raw: str, normalized: str) -> None:
    assert normalize_email(raw) == normalized


@pytest.mark.parametrize(
    "raw", ["", "   ", "alice", "@example.org", "alice@", "a b@example.org", "a@b@example.org"]
)
def test_normalize_email_rejects_what_is_not_an_address(raw: str) -> None:
    with pytest.raises(MalformedInputError) as raised:
        normalize_email(raw)
    assert raised.value.code == "invalid_email"


def test_new_salts_are_random_hex_of_16_bytes() -> None:
    salts = {new_salt() for _ in range(50)}
    assert len(salts) == 50
    assert all(re.fullmatch(r"[0-9a-f]{32}", salt) for salt in salts)


# --- building identity objects ----------------------------------------------------------------


def test_make_identity_object_hashes_the_normalised_email_with_a_fresh_salt() -> None:
    identity = make_identity_object(" Learner@Example.org ")
    assert identity["type"] == "IdentityObject"
    assert identity["hashed"] is True
    assert identity["identityType"] == "emailAddress"
    assert re.fullmatch(r"[0-9a-f]{32}", identity["salt"])
    assert identity["identityHash"] == identity_hash("learner@example.org", identity["salt"])
    assert make_identity_object("learner@example.org")["salt"] != identity["salt"]


def test_make_identity_object_with_a_given_salt_is_deterministic() -> None:
    assert make_identity_object("a@example.com", salt="Kosher") == {
        "type": "IdentityObject",
        "hashed": True,
        "identityHash": "sha256$b5809d8a92f8858436d7e6b87c12ebc0ae1eac4baecc2c0b913aee2c922ef399",
        "identityType": "emailAddress",
        "salt": "Kosher",
    }


def test_make_identity_object_unhashed_carries_the_plaintext_and_no_salt() -> None:
    assert make_identity_object("s-12345", "sourcedId", hashed=False) == {
        "type": "IdentityObject",
        "hashed": False,
        "identityHash": "s-12345",
        "identityType": "sourcedId",
    }


def test_make_identity_object_refuses_a_salt_for_an_unhashed_identity() -> None:
    with pytest.raises(ValueError, match="salt"):
        make_identity_object("s-12345", "sourcedId", salt="x", hashed=False)


@pytest.mark.parametrize("identity_type", ["email", "Email", "ext:", "phone"])
def test_make_identity_object_rejects_identity_types_outside_the_enum(identity_type: str) -> None:
    with pytest.raises(MalformedInputError) as raised:
        make_identity_object("value", identity_type)
    assert raised.value.code == "invalid_identity_type"


@pytest.mark.parametrize("identity_type", ["emailAddress", "ltiUserId", "name", "ext:eduPersonId"])
def test_enum_and_extension_identity_types_are_valid(identity_type: str) -> None:
    assert is_valid_identity_type(identity_type)


@pytest.mark.parametrize("hashed", [True, False], ids=["hashed", "plaintext"])
def test_a_built_identity_object_passes_the_ob3_schema(hashed: bool) -> None:
    credential = load(EXAMPLES / "ob3" / "spec-basic-openbadgecredential.json")
    subject = credential["credentialSubject"]
    del subject["id"]
    subject["identifier"] = [make_identity_object("learner@example.org", hashed=hashed)]
    assert validate_achievement_credential(credential) == []


# --- matching (OB 3.0 verification step "recipient") ------------------------------------------


def test_a_hashed_identity_matches_its_value(hashed_email_identity: dict[str, Any]) -> None:
    assert matches(hashed_email_identity, "a@example.com")


@pytest.mark.parametrize("value", ["b@example.com", "a@example.co", "a@example.comKosher", ""])
def test_a_hashed_identity_does_not_match_another_value(
    hashed_email_identity: dict[str, Any], value: str
) -> None:
    assert not matches(hashed_email_identity, value)


def test_the_salt_is_part_of_the_hash(hashed_email_identity: dict[str, Any]) -> None:
    hashed_email_identity["salt"] = "Other"
    assert not matches(hashed_email_identity, "a@example.com")


def test_the_hex_digest_is_compared_case_insensitively(
    hashed_email_identity: dict[str, Any],
) -> None:
    algorithm, digest = hashed_email_identity["identityHash"].split("$")
    hashed_email_identity["identityHash"] = f"{algorithm.upper()}${digest.upper()}"
    assert matches(hashed_email_identity, "a@example.com")


def test_an_email_identity_matches_the_address_however_it_is_typed(
    hashed_email_identity: dict[str, Any],
) -> None:
    assert matches(hashed_email_identity, "  A@Example.COM ")


def test_an_email_hashed_from_a_non_normalised_address_still_matches_it_as_given() -> None:
    identity = {
        "type": "IdentityObject",
        "hashed": True,
        "identityHash": identity_hash("Alice@Example.org", "s"),
        "identityType": "emailAddress",
        "salt": "s",
    }
    assert matches(identity, "Alice@Example.org")
    assert not matches(identity, "alice@example.org")  # cannot be recovered from the hash


def test_non_email_identities_are_compared_exactly() -> None:
    identity = make_identity_object("Student-42", "sourcedId", salt="s")
    assert matches(identity, "Student-42")
    assert not matches(identity, "student-42")


def test_identity_type_filter(hashed_email_identity: dict[str, Any]) -> None:
    assert matches(hashed_email_identity, "a@example.com", identity_type="emailAddress")
    assert not matches(hashed_email_identity, "a@example.com", identity_type="sourcedId")


def test_md5_identity_hashes_match() -> None:
    identity = {
        "type": "IdentityObject",
        "hashed": True,
        "identityHash": identity_hash("a@example.com", "Kosher", "md5"),
        "identityType": "emailAddress",
        "salt": "Kosher",
    }
    assert matches(identity, "a@example.com")


def test_unhashed_identities_from_the_complete_spec_example_match_their_plaintext() -> None:
    credential = load(EXAMPLES / "ob3" / "spec-complete-openbadgecredential.json")
    first, second = credential["credentialSubject"]["identifier"]
    assert matches(first, "student@1edtech.edu", "emailAddress")
    assert matches(first, "Student@1EdTech.edu")
    assert matches(second, "somebody@gmail.com")
    assert not matches(first, "somebody@gmail.com")


@pytest.mark.parametrize(
    "broken",
    [
        {"identityHash": "sha256$abc", "identityType": "emailAddress"},  # no "hashed"
        {"hashed": "true", "identityHash": "sha256$abc", "identityType": "emailAddress"},
        {"hashed": True, "identityType": "emailAddress"},  # no hash
        {"hashed": True, "identityHash": 42, "identityType": "emailAddress"},
        {
            "hashed": True,
            "identityHash": "b5809d8a92f8858436d7e6b87c12ebc0ae1eac4baecc2c0b913aee2c922ef399",
        },
        {"hashed": True, "identityHash": "sha1$3a5e", "identityType": "emailAddress"},
        {"hashed": True, "identityHash": "sha256$", "identityType": "emailAddress"},
        {"hashed": True, "identityHash": "sha256$é", "identityType": "emailAddress", "salt": 5},
    ],
    ids=[
        "hashed-missing",
        "hashed-not-boolean",
        "hash-missing",
        "hash-not-a-string",
        "hash-without-algorithm",
        "unsupported-algorithm",
        "empty-digest",
        "salt-not-a-string",
    ],
)
def test_a_malformed_identity_object_never_matches(broken: dict[str, Any]) -> None:
    assert not matches(broken, "a@example.com")


def test_hash_comparison_is_constant_time(
    hashed_email_identity: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    calls: list[tuple[Any, Any]] = []
    original = hmac.compare_digest

    def spy(a: Any, b: Any) -> bool:
        calls.append((a, b))
        return original(a, b)

    monkeypatch.setattr(hmac, "compare_digest", spy)
    assert matches(hashed_email_identity, "A@example.com")
    assert len(calls) == 2  # the value as given and its normalised form, both compared


def test_identity_type_email_is_matched_as_an_email_address() -> None:
    # "email" is not in the OB 3.0 enum (the OB 2.0 name; the getting-started guide uses it),
    # but it still names an email address, so normalisation applies.
    identity = make_identity_object("learner@example.org", salt="FleurDeSel")
    identity["identityType"] = "email"
    assert matches(identity, "Learner@Example.org")


# --- OB 2.0 recipients ------------------------------------------------------------------------


def test_ob2_hashed_recipient_from_the_validator_assertion() -> None:
    recipient = load(EXAMPLES / "ob2" / "validator-hosted-assertion.json")["recipient"]
    assert recipient["salt"] == "deadsea"
    assert ob2_recipient_matches(recipient, "nobody@example.org")
    assert ob2_recipient_matches(recipient, " Nobody@Example.org")
    assert not ob2_recipient_matches(recipient, "somebody@example.org")


def test_ob2_unsalted_recipient_mayze() -> None:
    recipient = {"type": "email", "hashed": True, "identity": identity_hash("mayze", None)}
    assert ob2_recipient_matches(recipient, "mayze")


def test_ob2_plaintext_recipients() -> None:
    email = {"type": "email", "hashed": False, "identity": "Beth@Example.org"}
    url = {"type": "url", "hashed": False, "identity": "https://example.org/Beth"}
    assert ob2_recipient_matches(email, "beth@example.org")
    assert ob2_recipient_matches(url, "https://example.org/Beth")
    assert not ob2_recipient_matches(url, "https://example.org/beth")
