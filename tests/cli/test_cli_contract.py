"""The ``obhub`` command line is a contract partner CI relies on.

Exit codes of ``obhub verify``: 0 valid, 1 invalid, 2 could not be checked, 64
usage error; other commands exit 0 on success and 64 on a usage or input error.
Scenarios run :func:`issuer_api.cli.main` in process; the ones marked
"end to end" run the installed console script.
"""

from __future__ import annotations

import base64
import hashlib
import json
import stat
import time
from pathlib import Path
from typing import Any

import httpx
import pytest

from obcore.identity import make_identity_object
from obcore.keys import KeyPair
from servers import free_port, obhub_serve
from verify.messages import message

from .conftest import (
    EXIT_INDETERMINATE,
    EXIT_INVALID,
    EXIT_OK,
    EXIT_USAGE,
    KEY_TYPES,
    PNG,
    SVG,
    UNSIGNED,
    VECTORS,
    Cli,
    Script,
    Signer,
    checks_of,
    key_info,
    manifest_rows,
    manifest_status_lists,
    manifest_words,
    status_list_credential,
    write_json,
)

VECTOR_NOW = "2026-11-22T12:00:00Z"
STATUS_URL = "https://issuer.example/status/1"
STATUS_INDEX = 42
JWS_ALG = {"ed25519": "EdDSA", "p256": "ES256", "rsa": "RS256"}
SECRET_MEMBERS = ("secretKeyMultibase", "privateKeyJwk", '"d"', '"p"', '"q"')


def _jose_header(token: str) -> dict[str, Any]:
    segment = token.strip().split(".")[0]
    return dict(json.loads(base64.urlsafe_b64decode(segment + "=" * (-len(segment) % 4))))


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _verify_json(cli: Cli, *args: str | Path) -> tuple[int, dict[str, Any]]:
    result = cli("verify", *args, "--json")
    return result.code, result.json()


def _with_status(credential: dict[str, Any]) -> dict[str, Any]:
    credential["credentialStatus"] = {
        "id": f"{STATUS_URL}#{STATUS_INDEX}",
        "type": "BitstringStatusListEntry",
        "statusPurpose": "revocation",
        "statusListIndex": str(STATUS_INDEX),
        "statusListCredential": STATUS_URL,
    }
    return credential


# ---- keys generate ---------------------------------------------------------------


@pytest.mark.parametrize("key_type", KEY_TYPES)
def test_keys_generate_writes_an_owner_only_file_and_prints_only_public_info(
    cli: Cli, tmp_path: Path, key_type: str
) -> None:
    out = tmp_path / "key.json"

    result = cli("keys", "generate", "--type", key_type, "--out", out)

    assert result.code == EXIT_OK, result.err
    assert stat.S_IMODE(out.stat().st_mode) == 0o600
    printed = result.json()
    assert printed["type"] == key_type
    assert printed["controller"].startswith("did:jwk:" if key_type == "rsa" else "did:key:")
    assert printed["verificationMethod"].startswith(printed["controller"] + "#")
    assert "d" not in printed["publicKeyJwk"]
    # RFC 7638: SHA-256 of the required members, sorted, without whitespace
    members = json.dumps(printed["publicKeyJwk"], sort_keys=True, separators=(",", ":"))
    digest = hashlib.sha256(members.encode()).digest()
    assert printed["jwkThumbprint"] == base64.urlsafe_b64encode(digest).rstrip(b"=").decode()
    for member in SECRET_MEMBERS:
        assert member not in result.out
    # the file holds the secret the output must not show, and the same public key
    stored = json.loads(out.read_text(encoding="utf-8"))
    secret = stored.get("secretKeyMultibase") or stored["privateKeyJwk"]["d"]
    assert secret not in result.out
    assert KeyPair.from_export(stored).public.to_jwk() == printed["publicKeyJwk"]
    assert stored["controller"] == printed["controller"]


def test_keys_generate_over_an_existing_readable_file_leaves_it_owner_only(
    cli: Cli, tmp_path: Path
) -> None:
    out = tmp_path / "key.json"
    out.write_text("{}", encoding="utf-8")
    out.chmod(0o644)

    result = cli("keys", "generate", "--out", out)

    assert result.code == EXIT_OK
    assert stat.S_IMODE(out.stat().st_mode) == 0o600


def test_keys_generate_with_a_controller_names_the_key_under_it(cli: Cli, tmp_path: Path) -> None:
    result = cli(
        "keys", "generate", "--out", tmp_path / "k.json", "--controller", "https://issuer.example/p"
    )

    assert result.code == EXIT_OK
    printed = result.json()
    assert printed["controller"] == "https://issuer.example/p"
    assert printed["verificationMethod"].startswith("https://issuer.example/p#z6Mk")


def test_keys_generate_refuses_an_unknown_key_type(cli: Cli, tmp_path: Path) -> None:
    result = cli("keys", "generate", "--type", "dsa", "--out", tmp_path / "k.json")

    assert result.code == EXIT_USAGE
    assert not (tmp_path / "k.json").exists()


def test_keys_generate_into_a_missing_directory_is_a_usage_error(cli: Cli, tmp_path: Path) -> None:
    result = cli("keys", "generate", "--out", tmp_path / "missing" / "k.json")

    assert result.code == EXIT_USAGE
    assert result.err.startswith("obhub: ")


# ---- sign ------------------------------------------------------------------------


def test_sign_di_with_an_ed25519_key_verifies_with_the_issuer_bound(
    cli: Cli, sign: Signer, unsigned: dict[str, Any], key_files: dict[str, Path]
) -> None:
    signed_path = sign(unsigned)
    signed = json.loads(signed_path.read_text(encoding="utf-8"))

    code, report = _verify_json(cli, signed_path)

    assert code == EXIT_OK
    assert report["verdict"] == "valid"
    assert report["verified"] is True
    checks = checks_of(report)
    assert checks["proof"] == ("valid", "proof_valid")
    assert checks["issuer"] == ("valid", "issuer_bound")
    info = key_info(key_files["ed25519"])
    assert signed["issuer"]["id"] == info["controller"]
    assert signed["issuer"]["name"] == "Example Issuer"  # the rest of the profile is kept
    assert signed["proof"]["cryptosuite"] == "eddsa-rdfc-2022"
    assert signed["proof"]["verificationMethod"] == info["verificationMethod"]
    for member in SECRET_MEMBERS[:2]:
        assert member not in signed_path.read_text(encoding="utf-8")


@pytest.mark.parametrize("key_type", KEY_TYPES)
def test_sign_jwt_with_each_key_type_verifies(
    cli: Cli, sign: Signer, unsigned: dict[str, Any], key_files: dict[str, Path], key_type: str
) -> None:
    token_path = sign(unsigned, key=key_type, fmt="jwt", extra=("--alg", JWS_ALG[key_type]))
    token = token_path.read_text(encoding="utf-8").strip()

    code, report = _verify_json(cli, token_path)

    assert token.count(".") == 2
    assert not token.startswith("{")
    header = _jose_header(token)
    assert header["alg"] == JWS_ALG[key_type]
    assert header["kid"] == key_info(key_files[key_type])["verificationMethod"]
    assert code == EXIT_OK, report
    assert report["format"] == "vc-jwt"
    assert checks_of(report)["issuer"] == ("valid", "issuer_bound")


def test_sign_jwt_without_alg_uses_the_keys_algorithm(
    sign: Signer, unsigned: dict[str, Any]
) -> None:
    token = sign(unsigned, key="p256", fmt="jwt").read_text(encoding="utf-8")

    assert _jose_header(token)["alg"] == "ES256"


@pytest.mark.parametrize(
    ("key_type", "alg"), [("ed25519", "ES256"), ("p256", "RS256"), ("rsa", "EdDSA")]
)
def test_sign_with_an_alg_that_does_not_match_the_key_is_a_usage_error(
    cli: Cli, key_files: dict[str, Path], key_type: str, alg: str
) -> None:
    result = cli("sign", UNSIGNED, "--key", key_files[key_type], "--format", "jwt", "--alg", alg)

    assert result.code == EXIT_USAGE
    assert result.out == ""
    assert result.err.startswith("obhub: ")
    assert f"--alg {alg}" in result.err
    assert JWS_ALG[key_type] in result.err  # says what the key does sign


def test_sign_with_an_unknown_alg_is_a_usage_error(cli: Cli, key_files: dict[str, Path]) -> None:
    result = cli(
        "sign", UNSIGNED, "--key", key_files["ed25519"], "--format", "jwt", "--alg", "HS256"
    )

    assert result.code == EXIT_USAGE
    assert result.out == ""


def test_sign_di_with_a_jwt_only_alg_is_a_usage_error(cli: Cli, key_files: dict[str, Path]) -> None:
    result = cli("sign", UNSIGNED, "--key", key_files["ed25519"], "--alg", "ES256")

    assert result.code == EXIT_USAGE
    assert "--alg" in result.err


@pytest.mark.parametrize("key_type", ["p256", "rsa"])
def test_sign_di_with_a_key_that_is_not_ed25519_is_a_usage_error(
    cli: Cli, key_files: dict[str, Path], key_type: str
) -> None:
    result = cli("sign", UNSIGNED, "--key", key_files[key_type], "--format", "di")

    assert result.code == EXIT_USAGE
    assert result.out == ""
    assert "Ed25519" in result.err
    assert "--format jwt" in result.err


def test_sign_keep_issuer_keeps_an_https_issuer_which_then_does_not_verify(
    cli: Cli, sign: Signer, unsigned: dict[str, Any]
) -> None:
    unsigned["issuer"]["id"] = "https://issuer.example/profile"
    signed_path = sign(unsigned, extra=("--keep-issuer",))

    code, report = _verify_json(cli, signed_path)

    signed = json.loads(signed_path.read_text(encoding="utf-8"))
    assert signed["issuer"]["id"] == "https://issuer.example/profile"
    assert code == EXIT_INVALID
    assert report["verdict"] == "invalid"
    checks = checks_of(report)
    assert checks["proof"] == ("valid", "proof_valid")  # the signature itself is fine
    assert checks["issuer"] == ("invalid", "issuer_key_mismatch")


def test_sign_replaces_a_string_issuer_with_the_keys_did(
    sign: Signer, unsigned: dict[str, Any], key_files: dict[str, Path]
) -> None:
    unsigned["issuer"] = "https://issuer.example/profile"

    signed = json.loads(sign(unsigned).read_text(encoding="utf-8"))

    assert signed["issuer"] == key_info(key_files["ed25519"])["controller"]


def test_sign_created_fixes_proof_created_and_makes_signing_repeatable(
    cli: Cli, key_files: dict[str, Path]
) -> None:
    args = ("sign", UNSIGNED, "--key", key_files["ed25519"], "--created", "2024-01-01T00:00:00Z")

    first = cli(*args)
    second = cli(*args)

    assert first.code == EXIT_OK
    assert json.loads(first.out)["proof"]["created"] == "2024-01-01T00:00:00Z"
    assert first.out == second.out  # eddsa-rdfc-2022 is deterministic


def test_sign_with_a_created_that_is_not_a_date_time_is_a_usage_error(
    cli: Cli, key_files: dict[str, Path]
) -> None:
    result = cli("sign", UNSIGNED, "--key", key_files["ed25519"], "--created", "garbage")

    assert result.code == EXIT_USAGE
    assert "--created" in result.err


def test_sign_reads_the_credential_from_stdin(cli: Cli, key_files: dict[str, Path]) -> None:
    result = cli("sign", "-", "--key", key_files["ed25519"], stdin=UNSIGNED.read_bytes())

    assert result.code == EXIT_OK
    assert json.loads(result.out)["proof"]["type"] == "DataIntegrityProof"


@pytest.mark.parametrize(
    ("content", "message"),
    [(b"{not json", "not valid JSON"), (b"[1, 2]", "JSON object")],
)
def test_sign_refuses_input_that_is_not_a_json_object(
    cli: Cli, key_files: dict[str, Path], tmp_path: Path, content: bytes, message: str
) -> None:
    source = tmp_path / "in.json"
    source.write_bytes(content)

    result = cli("sign", source, "--key", key_files["ed25519"])

    assert result.code == EXIT_USAGE
    assert message in result.err


def test_sign_with_a_file_that_holds_no_private_key_is_a_usage_error(cli: Cli) -> None:
    result = cli("sign", UNSIGNED, "--key", UNSIGNED)

    assert result.code == EXIT_USAGE
    assert "no private key" in result.err


def test_sign_with_a_missing_key_file_is_a_usage_error(cli: Cli, tmp_path: Path) -> None:
    result = cli("sign", UNSIGNED, "--key", tmp_path / "absent.json")

    assert result.code == EXIT_USAGE
    assert "cannot read" in result.err


# ---- verify: outcomes ------------------------------------------------------------------


def test_verify_a_tampered_credential_is_invalid(
    cli: Cli, sign: Signer, unsigned: dict[str, Any], tmp_path: Path
) -> None:
    signed = json.loads(sign(unsigned).read_text(encoding="utf-8"))
    signed["credentialSubject"]["achievement"]["name"] = "Leadership"
    tampered = write_json(tmp_path / "tampered.json", signed)

    code, report = _verify_json(cli, tampered)

    assert code == EXIT_INVALID
    assert checks_of(report)["proof"] == ("invalid", "invalid_signature")


def test_verify_a_jwt_with_a_tampered_payload_is_invalid(
    cli: Cli, sign: Signer, unsigned: dict[str, Any], tmp_path: Path
) -> None:
    header, payload, signature = sign(unsigned, fmt="jwt").read_text("utf-8").strip().split(".")
    claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    claims["name"] = "Leadership Badge"
    forged = tmp_path / "forged.jwt"
    forged.write_text(f"{header}.{_b64url(json.dumps(claims).encode())}.{signature}", "utf-8")

    code, report = _verify_json(cli, forged)

    assert code == EXIT_INVALID
    assert checks_of(report)["proof"][0] == "invalid"


@pytest.mark.parametrize("fmt", ["di", "jwt"])
def test_verify_an_expired_credential_is_invalid_unless_now_is_before_expiry(
    cli: Cli, sign: Signer, unsigned: dict[str, Any], fmt: str
) -> None:
    unsigned["validUntil"] = "2024-06-01T00:00:00Z"
    signed = sign(unsigned, fmt=fmt)

    code, report = _verify_json(cli, signed)
    then_code, then_report = _verify_json(cli, signed, "--now", "2024-03-01T00:00:00Z")

    assert code == EXIT_INVALID
    assert checks_of(report)["validity"] == ("invalid", "expired")
    assert then_code == EXIT_OK
    assert checks_of(then_report)["validity"] == ("valid", "within_validity")


def test_verify_now_before_valid_from_is_invalid(
    cli: Cli, sign: Signer, unsigned: dict[str, Any]
) -> None:
    code, report = _verify_json(cli, sign(unsigned), "--now", "2023-01-01T00:00:00Z")

    assert code == EXIT_INVALID
    assert checks_of(report)["validity"] == ("invalid", "not_yet_valid")


def test_verify_a_credential_whose_status_list_is_not_given_could_not_be_checked(
    cli: Cli, sign: Signer, unsigned: dict[str, Any]
) -> None:
    signed = sign(_with_status(unsigned))
    other_list = sign(status_list_credential("https://other.example/status"))

    code, report = _verify_json(cli, signed)
    other_code, other_report = _verify_json(
        cli, signed, "--status-list", f"https://other.example/status={other_list}"
    )

    assert code == EXIT_INDETERMINATE
    assert report["verdict"] == "indeterminate"
    assert checks_of(report)["status"] == ("indeterminate", "status_not_checked")
    assert other_code == EXIT_INDETERMINATE
    assert checks_of(other_report)["status"] == ("indeterminate", "status_not_checked")


@pytest.mark.parametrize(
    ("revoked", "list_format", "expected"),
    [
        ((), "di", (EXIT_OK, "valid", "status_active")),
        ((STATUS_INDEX,), "di", (EXIT_INVALID, "invalid", "revoked")),
        ((), "jwt", (EXIT_OK, "valid", "status_active")),
        ((STATUS_INDEX,), "jwt", (EXIT_INVALID, "invalid", "revoked")),
        ((STATUS_INDEX + 1,), "di", (EXIT_OK, "valid", "status_active")),
    ],
    ids=["active", "revoked", "active-jwt-list", "revoked-jwt-list", "neighbour-revoked"],
)
def test_verify_with_the_status_list_given_as_a_file_decides_revocation(
    cli: Cli,
    sign: Signer,
    revoked: tuple[int, ...],
    list_format: str,
    expected: tuple[int, str, str],
) -> None:
    signed = sign(_with_status(json.loads(UNSIGNED.read_text(encoding="utf-8"))))
    status_list = sign(status_list_credential(STATUS_URL, revoked), fmt=list_format)

    code, report = _verify_json(cli, signed, "--status-list", f"{STATUS_URL}={status_list}")

    assert (code, *checks_of(report)["status"]) == expected, report


def test_verify_a_status_list_signed_by_someone_else_is_not_trusted(
    cli: Cli, sign: Signer, unsigned: dict[str, Any], tmp_path: Path
) -> None:
    signed = sign(_with_status(unsigned))
    listed = json.loads(sign(status_list_credential(STATUS_URL)).read_text("utf-8"))
    revoked_list = status_list_credential(STATUS_URL, [STATUS_INDEX])
    listed["credentialSubject"]["encodedList"] = revoked_list["credentialSubject"]["encodedList"]
    forged = write_json(tmp_path / "forged-list.json", listed)

    code, report = _verify_json(cli, signed, "--status-list", f"{STATUS_URL}={forged}")

    assert code == EXIT_INVALID
    assert checks_of(report)["status"] == ("invalid", "status_list_invalid")


@pytest.mark.parametrize("pair", ["no-equals-sign", "=file.json", "https://x.example/s="])
def test_verify_status_list_without_url_and_file_is_a_usage_error(
    cli: Cli, sign: Signer, unsigned: dict[str, Any], pair: str
) -> None:
    result = cli("verify", sign(unsigned), "--status-list", pair)

    assert result.code == EXIT_USAGE
    assert "URL=FILE" in result.err


def test_verify_status_list_file_that_cannot_be_read_is_a_usage_error(
    cli: Cli, sign: Signer, unsigned: dict[str, Any], tmp_path: Path
) -> None:
    result = cli(
        "verify", sign(unsigned), "--status-list", f"{STATUS_URL}={tmp_path / 'absent.json'}"
    )

    assert result.code == EXIT_USAGE
    assert "cannot read" in result.err


@pytest.mark.parametrize("content", ["[1, 2]", "42"])
def test_verify_status_list_file_that_is_not_a_json_object_is_reported_not_a_crash(
    cli: Cli, sign: Signer, unsigned: dict[str, Any], tmp_path: Path, content: str
) -> None:
    signed = sign(_with_status(unsigned))
    bad = tmp_path / "list.json"
    bad.write_text(content, encoding="utf-8")

    result = cli("verify", signed, "--status-list", f"{STATUS_URL}={bad}")

    assert result.code in (EXIT_USAGE, EXIT_INVALID)


def test_verify_a_jwt_without_kid_could_not_be_checked(
    cli: Cli, key_files: dict[str, Path], unsigned: dict[str, Any], tmp_path: Path
) -> None:
    stored = json.loads(key_files["ed25519"].read_text(encoding="utf-8"))
    pair = KeyPair.from_export(stored)
    unsigned["issuer"]["id"] = stored["controller"]
    claims = {
        **unsigned,
        "iss": stored["controller"],
        "jti": unsigned["id"],
        "sub": unsigned["credentialSubject"]["id"],
        "nbf": 1704067200,
    }
    signing_input = (
        _b64url(json.dumps({"alg": "EdDSA", "typ": "JWT"}).encode())
        + "."
        + _b64url(json.dumps(claims).encode())
    )
    token = tmp_path / "nokid.jwt"
    token.write_text(f"{signing_input}.{_b64url(pair.sign(signing_input.encode()))}", "utf-8")

    code, report = _verify_json(cli, token)

    assert code == EXIT_INDETERMINATE
    assert checks_of(report)["proof"] == ("indeterminate", "jwt_no_key_reference")


def test_verify_a_key_named_in_an_https_fragment_needs_trust_fragment_keys(
    cli: Cli, tmp_path: Path
) -> None:
    key = tmp_path / "k.json"
    controller = "https://issuer.example/p"
    assert cli("keys", "generate", "--out", key, "--controller", controller).code == EXIT_OK
    signed = tmp_path / "signed.json"
    signed.write_text(cli("sign", UNSIGNED, "--key", key).out, encoding="utf-8")

    default_code, report = _verify_json(cli, signed)
    trusted_code, trusted = _verify_json(cli, signed, "--trust-fragment-keys")

    assert json.loads(signed.read_text("utf-8"))["issuer"]["id"] == controller
    assert default_code == EXIT_INDETERMINATE
    assert checks_of(report)["proof"][0] == "indeterminate"
    assert trusted_code == EXIT_OK
    assert checks_of(trusted)["issuer"] == ("valid", "issuer_bound")


@pytest.mark.parametrize(
    ("content", "code"),
    [
        (b"this is not JSON", "malformed_json"),
        (b"", "malformed_json"),
        (b"\xff\xfe\x00garbage", "malformed_json"),
        (b"[1, 2, 3]", "not_a_credential"),
        (b'{"type": ["Thing"]}', "not_a_credential"),
    ],
    ids=["text", "empty", "binary", "array", "not-a-vc"],
)
def test_verify_input_that_is_not_a_credential_is_invalid_at_parse(
    cli: Cli, tmp_path: Path, content: bytes, code: str
) -> None:
    source = tmp_path / "input"
    source.write_bytes(content)

    exit_code, report = _verify_json(cli, source)

    assert exit_code == EXIT_INVALID
    assert report["verdict"] == "invalid"
    assert report["checks"][0]["id"] == "parse"
    assert (report["checks"][0]["status"], report["checks"][0]["code"]) == ("invalid", code)


@pytest.mark.parametrize(
    ("image", "fmt"),
    [(PNG, "di"), (PNG, "jwt"), (SVG, "di"), (SVG, "jwt")],
    ids=["png-json", "png-jwt", "svg-json", "svg-jwt"],
)
def test_verify_a_baked_image_reads_the_badge_inside(
    cli: Cli, sign: Signer, unsigned: dict[str, Any], image: Path, fmt: str
) -> None:
    signed = sign(unsigned, fmt=fmt)
    baked = signed.with_name(f"baked{image.suffix}")
    assert cli("bake", signed, "--image", image, "--out", baked).code == EXIT_OK

    code, report = _verify_json(cli, baked)

    assert code == EXIT_OK, report
    inner = "json" if fmt == "di" else "vc-jwt"
    assert report["format"] == f"baked-{image.suffix[1:]}+{inner}"


def test_verify_messages_follow_lang_and_both_languages_are_always_given(
    cli: Cli, sign: Signer, unsigned: dict[str, Any]
) -> None:
    signed = sign(unsigned)

    fr = cli("verify", signed, "--json", "--lang", "fr").json()
    en = cli("verify", signed, "--json", "--lang", "en").json()
    default = cli("verify", signed, "--json").json()

    assert fr["message"] != en["message"]
    assert en["message"] == message("verified", "en")
    assert default["message"] == fr["message"]  # French is the default
    assert fr["messages"] == en["messages"] == {"fr": fr["message"], "en": en["message"]}
    for fr_check, en_check in zip(fr["checks"], en["checks"], strict=True):
        assert fr_check["code"] == en_check["code"]
        assert fr_check["message"] == fr_check["messages"]["fr"]
        assert en_check["message"] == en_check["messages"]["en"]
    assert checks_of(fr)["proof"] == checks_of(en)["proof"]
    assert [c["message"] for c in fr["checks"]] != [c["message"] for c in en["checks"]]


def test_verify_human_output_follows_lang(cli: Cli, sign: Signer, unsigned: dict[str, Any]) -> None:
    signed = sign(unsigned)

    fr = cli("verify", signed, "--lang", "fr")
    en = cli("verify", signed, "--lang", "en")

    assert fr.code == en.code == EXIT_OK
    assert fr.out.splitlines()[0] == message("verified", "fr")
    assert en.out.splitlines()[0] == message("verified", "en")
    assert "Teamwork Badge" in en.out
    assert fr.out != en.out


def test_verify_unsupported_lang_is_a_usage_error(
    cli: Cli, sign: Signer, unsigned: dict[str, Any]
) -> None:
    assert cli("verify", sign(unsigned), "--lang", "de").code == EXIT_USAGE


def test_verify_json_report_has_the_documented_shape(
    cli: Cli, sign: Signer, unsigned: dict[str, Any]
) -> None:
    code, report = _verify_json(cli, sign(unsigned))

    assert code == EXIT_OK
    assert {"verified", "verdict", "message", "messages", "format", "checks", "summary"} <= set(
        report
    )
    assert [c["id"] for c in report["checks"]] == [
        "parse",
        "contexts",
        "safe_mode",
        "schema",
        "proof",
        "issuer",
        "refresh",
        "status",
        "validity",
        "endorsements",
        "recipient",
    ]
    for check in report["checks"]:
        assert {"id", "status", "code", "message", "messages"} <= set(check)
        assert check["status"] in ("valid", "invalid", "indeterminate", "skipped")
        assert set(check["messages"]) == {"fr", "en"}
    assert report["summary"]["name"] == "Teamwork Badge"
    assert report["summary"]["issuer"]["name"] == "Example Issuer"


@pytest.mark.parametrize(
    ("recipient", "expected"),
    [
        ("alice@example.org", (EXIT_OK, "valid", "recipient_matches")),
        ("  Alice@Example.ORG ", (EXIT_OK, "valid", "recipient_matches")),
        ("did:example:learner-1", (EXIT_OK, "valid", "recipient_matches")),
        ("bob@example.org", (EXIT_INVALID, "invalid", "recipient_mismatch")),
        ("did:example:someone-else", (EXIT_INVALID, "invalid", "recipient_mismatch")),
    ],
    ids=["email", "email-other-case", "subject-did", "wrong-email", "wrong-did"],
)
def test_verify_recipient_checks_the_badge_belongs_to_that_person(
    cli: Cli, sign: Signer, unsigned: dict[str, Any], recipient: str, expected: tuple[int, str, str]
) -> None:
    unsigned["credentialSubject"]["identifier"] = [make_identity_object("alice@example.org")]
    signed = sign(unsigned)

    code, report = _verify_json(cli, signed, "--recipient", recipient)

    assert (code, *checks_of(report)["recipient"]) == expected
    assert "alice@example.org" not in signed.read_text(encoding="utf-8")  # hashed


def test_verify_without_recipient_does_not_check_it(
    cli: Cli, sign: Signer, unsigned: dict[str, Any]
) -> None:
    code, report = _verify_json(cli, sign(unsigned))

    assert code == EXIT_OK
    assert checks_of(report)["recipient"] == ("skipped", "recipient_not_checked")


def test_verify_reads_standard_input_with_a_dash(
    cli: Cli, sign: Signer, unsigned: dict[str, Any]
) -> None:
    token = sign(unsigned, fmt="jwt").read_bytes()

    result = cli("verify", "-", "--json", stdin=token)

    assert result.code == EXIT_OK
    assert result.json()["format"] == "vc-jwt"


# ---- verify: usage errors ---------------------------------------------------------------


def test_verify_an_unknown_file_is_a_usage_error(cli: Cli, tmp_path: Path) -> None:
    result = cli("verify", tmp_path / "absent.json")

    assert result.code == EXIT_USAGE
    assert result.out == ""
    assert result.err.startswith("obhub: cannot read")


@pytest.mark.parametrize("now", ["garbage", "2024-13-01T00:00:00Z", "yesterday", "2024-03-01"])
def test_verify_invalid_now_is_a_usage_error(
    cli: Cli, sign: Signer, unsigned: dict[str, Any], now: str
) -> None:
    result = cli("verify", sign(unsigned), "--now", now)

    assert result.code == EXIT_USAGE
    assert "--now" in result.err


def test_a_badge_url_that_cannot_be_downloaded_could_not_be_checked(cli: Cli) -> None:
    result = cli("verify", "https://issuer.example/badges/1.json", "--json")

    assert result.code == EXIT_INDETERMINATE
    report = json.loads(result.out)
    assert report["verdict"] == "indeterminate"
    assert report["checks"][0]["id"] == "parse"
    assert report["checks"][0]["code"].startswith("fetch_")


@pytest.mark.parametrize(
    "argv",
    [
        [],
        ["frobnicate"],
        ["verify"],
        ["verify", "a.json", "--no-such-flag"],
        ["sign", "a.json"],
        ["keys"],
        ["keys", "generate"],
        ["bake", "a.json", "--image", "b.png"],
        ["serve", "--port", "not-a-number"],
        ["serve", "--workers", "0"],
        ["serve", "--workers", "deux"],
    ],
    ids=lambda argv: " ".join(argv) or "nothing",
)
def test_bad_arguments_exit_64(cli: Cli, argv: list[str]) -> None:
    result = cli(*argv)

    assert result.code == EXIT_USAGE
    assert "usage: obhub" in result.err


def test_help_exits_0(cli: Cli) -> None:
    result = cli("--help")

    assert result.code == EXIT_OK
    assert "verify" in result.out


# ---- bake / unbake -------------------------------------------------------------------------


@pytest.mark.parametrize("image", [PNG, SVG], ids=["png", "svg"])
@pytest.mark.parametrize("fmt", ["di", "jwt"])
def test_bake_then_unbake_gives_back_the_payload(
    cli: Cli, sign: Signer, unsigned: dict[str, Any], image: Path, fmt: str
) -> None:
    signed = sign(unsigned, fmt=fmt)
    baked = signed.with_name(f"baked{image.suffix}")

    bake = cli("bake", signed, "--image", image, "--out", baked)
    unbake = cli("unbake", baked)

    assert bake.code == EXIT_OK, bake.err
    assert bake.out == ""
    assert baked.read_bytes()[:4] == image.read_bytes()[:4]  # still the same kind of image
    assert unbake.code == EXIT_OK
    if fmt == "jwt":
        assert unbake.out.strip() == signed.read_text(encoding="utf-8").strip()
    else:
        assert json.loads(unbake.out) == json.loads(signed.read_text(encoding="utf-8"))


def test_bake_again_replaces_the_badge_in_an_already_baked_image(
    cli: Cli, sign: Signer, unsigned: dict[str, Any], tmp_path: Path
) -> None:
    first, second = sign(unsigned), sign(unsigned, fmt="jwt")
    once, twice = tmp_path / "once.png", tmp_path / "twice.png"
    assert cli("bake", first, "--image", PNG, "--out", once).code == EXIT_OK

    assert cli("bake", second, "--image", once, "--out", twice).code == EXIT_OK

    assert cli("unbake", twice).out.strip() == second.read_text(encoding="utf-8").strip()


@pytest.mark.parametrize("image", [PNG, SVG], ids=["png", "svg"])
def test_unbake_an_image_without_a_badge_is_a_usage_error(cli: Cli, image: Path) -> None:
    result = cli("unbake", image)

    assert result.code == EXIT_USAGE
    assert result.out == ""
    assert result.err.startswith("obhub: cannot unbake")
    assert "no_baked_badge" in result.err


def test_unbake_a_file_that_is_not_an_image_is_a_usage_error(cli: Cli) -> None:
    result = cli("unbake", UNSIGNED)

    assert result.code == EXIT_USAGE
    assert "unsupported_image" in result.err


def test_bake_into_a_file_that_is_not_an_image_is_a_usage_error(
    cli: Cli, sign: Signer, unsigned: dict[str, Any], tmp_path: Path
) -> None:
    result = cli("bake", sign(unsigned), "--image", UNSIGNED, "--out", tmp_path / "x.png")

    assert result.code == EXIT_USAGE
    assert "unsupported_image" in result.err
    assert not (tmp_path / "x.png").exists()


def test_bake_with_a_missing_image_is_a_usage_error(
    cli: Cli, sign: Signer, unsigned: dict[str, Any], tmp_path: Path
) -> None:
    result = cli(
        "bake", sign(unsigned), "--image", tmp_path / "absent.png", "--out", tmp_path / "x"
    )

    assert result.code == EXIT_USAGE
    assert "cannot read" in result.err


def test_bake_a_credential_that_is_not_utf8_is_a_usage_error(cli: Cli, tmp_path: Path) -> None:
    source = tmp_path / "cred.json"
    source.write_bytes(b"\xff\xfe{}")

    result = cli("bake", source, "--image", PNG, "--out", tmp_path / "x.png")

    assert result.code == EXIT_USAGE
    assert result.err.startswith("obhub: ")


def test_bake_into_a_missing_directory_is_a_usage_error(
    cli: Cli, sign: Signer, unsigned: dict[str, Any], tmp_path: Path
) -> None:
    result = cli("bake", sign(unsigned), "--image", PNG, "--out", tmp_path / "missing" / "x.png")

    assert result.code == EXIT_USAGE
    assert result.err.startswith("obhub: ")


# ---- third-party vectors ---------------------------------------------------------------------

VALID_VECTORS = [
    "dcc-v2-di-didkey-basicOBv3.json",
    "indep-xverify-ob3-vcjwt-eddsa.jwt",
    "dcc-v2-ed2020-didkey.json",
]


@pytest.mark.parametrize("filename", VALID_VECTORS)
def test_a_third_party_valid_vector_verifies_with_exit_0(cli: Cli, filename: str) -> None:
    words = manifest_words(filename)
    assert manifest_rows()[filename]["expected"].startswith("valid")
    assert not {"--status-list", "--fragment-key"} & set(words)  # needs no extra input

    code, report = _verify_json(cli, VECTORS / filename, "--now", VECTOR_NOW)

    assert code == EXIT_OK, report
    assert checks_of(report)["proof"] == ("valid", "proof_valid")


def test_the_revoked_vector_with_its_status_list_exits_1(cli: Cli) -> None:
    filename = "dcc-v2-di-didkey-revoked.json"
    args: list[str] = []
    for pair in manifest_status_lists(filename):
        args += ["--status-list", pair]
    assert args, "the manifest names the status list"

    code, report = _verify_json(cli, VECTORS / filename, "--now", VECTOR_NOW, *args)
    without_code, _ = _verify_json(cli, VECTORS / filename, "--now", VECTOR_NOW)

    assert code == EXIT_INVALID
    checks = checks_of(report)
    assert checks["status"] == ("invalid", "revoked")
    assert checks["proof"] == ("valid", "proof_valid")
    assert without_code == EXIT_INDETERMINATE


# ---- end to end: the installed console script -------------------------------------------------


def test_end_to_end_generate_sign_verify_exits_0(script: Script, tmp_path: Path) -> None:
    key = tmp_path / "issuer-key.json"

    generated = script("keys", "generate", "--out", key)
    signed = script("sign", UNSIGNED, "--key", key, "--created", "2024-01-01T00:00:00Z")
    (tmp_path / "badge.json").write_text(signed.out, encoding="utf-8")
    verified = script("verify", tmp_path / "badge.json", "--json", "--lang", "en")

    assert generated.code == EXIT_OK, generated.err
    assert stat.S_IMODE(key.stat().st_mode) == 0o600
    assert "secretKeyMultibase" not in generated.out
    assert signed.code == EXIT_OK, signed.err
    assert json.loads(signed.out)["issuer"]["id"] == json.loads(generated.out)["controller"]
    assert verified.code == EXIT_OK, verified.out + verified.err
    assert verified.json()["verdict"] == "valid"


def test_end_to_end_a_tampered_credential_exits_1(
    script: Script, sign: Signer, unsigned: dict[str, Any], tmp_path: Path
) -> None:
    signed = json.loads(sign(unsigned).read_text(encoding="utf-8"))
    signed["validFrom"] = "2020-01-01T00:00:00Z"
    tampered = write_json(tmp_path / "tampered.json", signed)

    result = script("verify", tampered)

    assert result.code == EXIT_INVALID
    assert result.out.splitlines()[0] == message("not_verified", "fr")
    assert "Traceback" not in result.err


def test_end_to_end_a_usage_error_exits_64(script: Script, tmp_path: Path) -> None:
    missing_argument = script("verify")
    missing_file = script("verify", tmp_path / "absent.json")

    assert missing_argument.code == EXIT_USAGE
    assert "usage: obhub" in missing_argument.err
    assert missing_file.code == EXIT_USAGE
    assert missing_file.err.startswith("obhub: cannot read")
    assert "Traceback" not in missing_file.err


def test_end_to_end_verify_dash_reads_standard_input(
    script: Script, sign: Signer, unsigned: dict[str, Any]
) -> None:
    signed = sign(unsigned).read_bytes()

    result = script("verify", "-", "--json", stdin=signed)
    not_json = script("verify", "-", stdin=b"not a badge")

    assert result.code == EXIT_OK, result.out + result.err
    assert result.json()["verdict"] == "valid"
    assert not_json.code == EXIT_INVALID


def test_end_to_end_the_revoked_vector_with_status_lists_from_the_manifest_exits_1(
    script: Script,
) -> None:
    filename = "dcc-v2-di-didkey-revoked.json"
    args: list[str] = []
    for pair in manifest_status_lists(filename):
        args += ["--status-list", pair]

    result = script("verify", filename, "--now", VECTOR_NOW, "--json", *args, cwd=VECTORS)

    assert result.code == EXIT_INVALID, result.err
    assert checks_of(result.json())["status"] == ("invalid", "revoked")


def test_serve_refuses_a_database_never_migrated_and_says_what_to_run(
    script: Script, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("OBHUB_DATA_DIR", str(tmp_path / "data"))

    result = script("serve", "--host", "127.0.0.1", "--port", str(free_port()))

    assert result.code == EXIT_USAGE, result.err
    assert "the database is not migrated: run `obhub migrate` first" in result.err
    assert "obhub serve --migrate" in result.err


def test_serve_with_migrate_comes_up_migrated_and_ready(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("OBHUB_DATA_DIR", str(tmp_path / "data"))
    ready: httpx.Response | None = None
    with obhub_serve("--migrate", log_path=tmp_path / "serve.log") as server:
        answer = server.wait_until_answering("/healthz", 30)
        if answer is not None:
            ready = httpx.get(f"{server.base_url}/readyz", trust_env=False, timeout=5)
    output = server.log()
    assert answer is not None, f"no answer on /healthz within 30 s\n{output}"
    assert answer.status_code == 200
    assert answer.json() == {"status": "ok"}
    assert ready is not None
    assert ready.status_code == 200, ready.text
    assert ready.json()["checks"] == {"database": "ok", "migrations": "ok"}


def _spawned_children(pid: int) -> list[int]:
    """The processes ``pid`` started through multiprocessing (uvicorn's workers)."""
    found: list[int] = []
    for task in Path(f"/proc/{pid}/task").iterdir():
        for child in (task / "children").read_text().split():
            try:
                if "spawn_main" in Path(f"/proc/{child}/cmdline").read_text():
                    found.append(int(child))
            except OSError:  # exited meanwhile
                continue
    return found


def test_serve_with_two_workers_answers_from_two_processes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("OBHUB_DATA_DIR", str(tmp_path / "data"))
    with obhub_serve("--migrate", "--workers", "2", log_path=tmp_path / "serve.log") as server:
        answer = server.wait_until_answering("/readyz", 60)
        deadline = time.monotonic() + 30
        workers: list[int] = []
        while time.monotonic() < deadline:  # both spawned and serving
            workers = _spawned_children(server.process.pid)
            if len(workers) >= 2:
                break
            time.sleep(0.2)
    assert answer is not None, server.log()
    assert answer.status_code == 200
    assert len(workers) >= 2, server.log()


@pytest.mark.parametrize("command", [["serve", "--port", "1"], ["worker"], ["migrate"]])
def test_an_http_public_base_url_is_refused_at_start_up_with_the_reason(
    script: Script, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, command: list[str]
) -> None:
    monkeypatch.setenv("OBHUB_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("OBHUB_PUBLIC_BASE_URL", "http://badges.example.fr")

    result = script(*command)

    assert result.code == EXIT_USAGE, result.err
    assert "OBHUB_PUBLIC_BASE_URL must be an https URL" in result.err
    assert "did:web" in result.err
    assert not (tmp_path / "data" / "obhub.sqlite3").exists()


def test_clients_create_on_a_database_never_migrated_says_to_migrate(
    cli: Cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("OBHUB_DATABASE_URL", raising=False)
    monkeypatch.setenv("OBHUB_DATA_DIR", str(tmp_path / "data"))
    (tmp_path / "data").mkdir()

    result = cli("clients", "create", "--name", "admin", "--scope", "admin")

    assert result.code == EXIT_USAGE
    assert "the database is not migrated: run `obhub migrate` first" in result.err


def test_clients_create_right_after_migrating_works(
    cli: Cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("OBHUB_DATABASE_URL", raising=False)
    monkeypatch.setenv("OBHUB_DATA_DIR", str(tmp_path / "data"))
    assert cli("migrate").code == EXIT_OK

    result = cli("clients", "create", "--name", "admin", "--scope", "admin", "--json")

    assert result.code == EXIT_OK, result.err
    assert set(result.json()) == {"client_id", "client_secret"}
