"""One policy for signing and verifying: what ``obhub sign`` signs, ``obhub verify``
judges valid, and the 1EdTech JSON Schema fails a credential only when it declares it.

VCDM 2.0 lets a text be a language value object (``{"@value", "@language",
"@direction"}``); the OB 3.0 JSON Schema predates that and wants a plain string. A
credential that does not declare the schema in ``credentialSchema`` is not refused for
it: the deviation is a notice carrying the schema issue. One that declares the schema
must conform to it.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from obcore.schema import ACHIEVEMENT_CREDENTIAL_SCHEMA_ID

from .conftest import EXIT_INVALID, EXIT_OK, Cli, Signer, checks_of

FRENCH_NAME = {"@value": "Travail en équipe", "@language": "fr", "@direction": "ltr"}


def _verify(cli: Cli, path: Path) -> tuple[int, dict[str, Any]]:
    result = cli("verify", path, "--json")
    report: dict[str, Any] = result.json()
    return result.code, report


def test_a_language_value_name_signed_by_obhub_verifies_with_a_notice(
    cli: Cli, sign: Signer, unsigned: dict[str, Any]
) -> None:
    unsigned["name"] = FRENCH_NAME
    signed = sign(unsigned)

    code, report = _verify(cli, signed)

    assert (code, report["verdict"]) == (EXIT_OK, "valid"), report
    status, check_code = checks_of(report)["schema"]
    assert (status, check_code) == ("valid", "schema_language_values")
    schema_check = next(c for c in report["checks"] if c["id"] == "schema")
    assert schema_check["data"]["issues"][0]["path"] == "/name"
    assert "schema_language_value_objects" in report["notices"]


def test_one_text_in_several_languages_is_a_notice_too(
    cli: Cli, sign: Signer, unsigned: dict[str, Any]
) -> None:
    unsigned["credentialSubject"]["achievement"]["description"] = [
        {"@value": "Savoir collaborer au sein d'un groupe.", "@language": "fr"},
        {"@value": "Collaborating within a group.", "@language": "en"},
    ]

    code, report = _verify(cli, sign(unsigned))

    assert (code, report["verdict"]) == (EXIT_OK, "valid"), report
    assert checks_of(report)["schema"] == ("valid", "schema_language_values")


def test_a_credential_declaring_the_schema_must_conform_to_it(
    cli: Cli, sign: Signer, unsigned: dict[str, Any]
) -> None:
    unsigned["name"] = FRENCH_NAME
    # The 1EdTech extensions context defines the validator type.
    unsigned["@context"].append("https://purl.imsglobal.org/spec/ob/v3p0/extensions.json")
    unsigned["credentialSchema"] = [
        {"id": ACHIEVEMENT_CREDENTIAL_SCHEMA_ID, "type": "1EdTechJsonSchemaValidator2019"}
    ]

    code, report = _verify(cli, sign(unsigned))

    assert (code, report["verdict"]) == (EXIT_INVALID, "invalid"), report
    assert checks_of(report)["schema"] == ("invalid", "schema_invalid")


def test_other_schema_deviations_still_fail_without_a_declared_schema(
    cli: Cli, sign: Signer, unsigned: dict[str, Any]
) -> None:
    unsigned["name"] = FRENCH_NAME
    del unsigned["credentialSubject"]["achievement"]["criteria"]

    code, report = _verify(cli, sign(unsigned))

    assert (code, report["verdict"]) == (EXIT_INVALID, "invalid"), report
    assert checks_of(report)["schema"] == ("invalid", "schema_invalid")
    assert "schema_language_value_objects" not in report.get("notices", [])


def test_a_plain_credential_signed_by_obhub_verifies_against_the_schema(
    cli: Cli, sign: Signer, unsigned: dict[str, Any]
) -> None:
    code, report = _verify(cli, sign(unsigned))

    assert (code, report["verdict"]) == (EXIT_OK, "valid"), json.dumps(report)
    assert checks_of(report)["schema"] == ("valid", "schema_valid")
