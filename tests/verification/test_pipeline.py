"""The verification pipeline, check by check, on credentials signed in the tests.

Every credential here is signed with did:key keys through the obcore APIs, so
each scenario changes exactly one thing. Collaborators (resolver, status list
source, clock) are injected through ``VerifyOptions``; nothing touches the
network. The third-party corpus is judged in ``test_vector_corpus.py``.
"""

from __future__ import annotations

import base64
import copy
import json
import socket
import struct
import zlib
from collections.abc import Callable, Mapping
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from obcore import baking, statuslist
from obcore.did import did_jwk_for, did_key_for, did_key_vm_id
from obcore.errors import ResolutionError
from obcore.identity import make_identity_object
from obcore.keys import KeyPair
from obcore.proofs import dataintegrity as di
from obcore.proofs.vcjwt import sign_vc_jwt
from obcore.resolve import LocalResolver
from verify.messages import CATALOGUE, LANGS
from verify.pipeline import MAX_INPUT_BYTES, VerifyOptions, verify
from verify.report import CHECK_IDS, Report

FIXTURES = Path(__file__).parent.parent / "fixtures"
VC_V2 = "https://www.w3.org/ns/credentials/v2"
OB_CONTEXT = "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"
CREATED = "2024-12-01T10:00:00Z"
VALID_FROM = datetime(2025, 1, 1, tzinfo=UTC)
VALID_UNTIL = datetime(2026, 1, 1, tzinfo=UTC)
NOW = datetime(2025, 6, 1, 12, 0, tzinfo=UTC)
SKEW = timedelta(minutes=5)
LEARNER_DID = "did:example:learner-1"
STATUS_URL = "https://status.region.example/lists/3"
STATUS_INDEX = 94567


def did_key_pair(seed_byte: int) -> KeyPair:
    key = KeyPair.from_ed25519_seed(bytes([seed_byte]) * 32)
    return key.with_ids(did_key_vm_id(key.public), did_key_for(key.public))


ISSUER = did_key_pair(1)
STATUS_LIST_SIGNER = did_key_pair(2)
ENDORSER = did_key_pair(3)
STRANGER = did_key_pair(4)


def badge(issuer: KeyPair = ISSUER, **members: Any) -> dict[str, Any]:
    """An OB 3.0 credential issued by ``issuer``, valid through 2025."""
    credential: dict[str, Any] = json.loads(
        (FIXTURES / "interop" / "ob3-plain.json").read_text(encoding="utf-8")
    )
    credential["issuer"]["id"] = issuer.controller
    credential["validFrom"] = di.format_datetime(VALID_FROM)
    credential["validUntil"] = di.format_datetime(VALID_UNTIL)
    credential.update(members)
    return credential


def signed(document: Mapping[str, Any], key: KeyPair = ISSUER, **kwargs: Any) -> dict[str, Any]:
    return di.add_proof(document, key, created=CREATED, **kwargs)


def options(**kwargs: Any) -> VerifyOptions:
    return VerifyOptions(**{"now": NOW, **kwargs})


def outcome(report: Report) -> dict[str, tuple[str, str]]:
    return {c.id: (c.status, c.code) for c in report.checks}


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def jwt_by_hand(header: Mapping[str, Any], payload: Mapping[str, Any], key: KeyPair) -> str:
    """A compact JWS with exactly these header and payload members."""
    signing_input = b64url(json.dumps(dict(header)).encode()) + "."
    signing_input += b64url(json.dumps(dict(payload)).encode())
    return signing_input + "." + b64url(key.sign(signing_input.encode("ascii")))


def minimal_png() -> bytes:
    """A valid 1x1 grey PNG, built here so no image file is needed."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
        )

    header = struct.pack(">IIBBBBB", 1, 1, 8, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(b"\x00\x7f"))
        + chunk(b"IEND", b"")
    )


MINIMAL_SVG = (
    b'<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10">'
    b'<circle cx="5" cy="5" r="4" fill="teal"/></svg>'
)


@pytest.fixture(scope="module")
def signed_badge() -> dict[str, Any]:
    return signed(badge())


@pytest.fixture
def no_network(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*args: Any, **kwargs: Any) -> Any:
        raise AssertionError(f"network access attempted: {args!r}")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket, "getaddrinfo", refuse)


# ---- a good badge -------------------------------------------------------------------------


def test_a_badge_signed_by_its_did_key_issuer_is_valid_on_every_check(
    signed_badge: dict[str, Any], no_network: None
) -> None:
    report = verify(signed_badge, options())
    assert report.verdict == "valid"
    assert report.verified
    assert report.format == "json"
    assert outcome(report) == {
        "parse": ("valid", "parsed"),
        "contexts": ("valid", "contexts_known"),
        "safe_mode": ("valid", "safe_mode_ok"),
        "schema": ("valid", "schema_valid"),
        "proof": ("valid", "proof_valid"),
        "issuer": ("valid", "issuer_bound"),
        "refresh": ("skipped", "no_refresh_service"),
        "status": ("skipped", "no_status"),
        "validity": ("valid", "within_validity"),
        "endorsements": ("skipped", "no_endorsements"),
        "recipient": ("skipped", "recipient_not_checked"),
    }
    assert report.notices == []
    assert report.credential == signed_badge


def test_the_checks_are_reported_in_the_order_of_the_verification_algorithm(
    signed_badge: dict[str, Any],
) -> None:
    assert tuple(c.id for c in verify(signed_badge, options()).checks) == CHECK_IDS


def test_the_summary_shows_badge_issuer_recipient_and_dates(signed_badge: dict[str, Any]) -> None:
    summary = verify(signed_badge, options()).summary
    assert summary["name"] == "Teamwork Badge"
    assert summary["issuer"]["id"] == ISSUER.controller
    assert summary["issuer"]["name"] == "Example Issuer"
    assert summary["achievement"]["name"] == "Teamwork"
    assert summary["recipient"]["id"] == LEARNER_DID
    assert summary["validFrom"] == "2025-01-01T00:00:00Z"
    assert summary["validUntil"] == "2026-01-01T00:00:00Z"
    assert summary["type"] == ["OpenBadgeCredential", "VerifiableCredential"]


@pytest.mark.parametrize(
    "as_input",
    [
        pytest.param(json.dumps, id="json text"),
        pytest.param(lambda d: json.dumps(d, indent=2).encode(), id="utf-8 bytes"),
        pytest.param(lambda d: "\ufeff" + json.dumps(d), id="text with a byte-order mark"),
        pytest.param(lambda d: b"\n  " + json.dumps(d).encode() + b"\n", id="padded bytes"),
    ],
)
def test_a_badge_given_as_json_text_or_bytes_verifies_like_the_object(
    signed_badge: dict[str, Any], as_input: Callable[[dict[str, Any]], str | bytes]
) -> None:
    assert outcome(verify(as_input(signed_badge), options())) == outcome(
        verify(signed_badge, options())
    )


def test_an_unsigned_badge_has_no_proof_and_no_issuer_binding() -> None:
    report = verify(badge(), options())
    assert report.check("proof") is not None
    assert outcome(report)["proof"] == ("invalid", "no_proof")
    assert outcome(report)["issuer"] == ("skipped", "no_proof")
    assert report.verdict == "invalid"


def test_a_badge_signed_by_a_key_that_is_not_the_issuers_is_invalid() -> None:
    report = verify(signed(badge(), STRANGER), options())
    assert outcome(report)["proof"] == ("valid", "proof_valid")
    assert outcome(report)["issuer"] == ("invalid", "issuer_key_mismatch")
    assert report.verdict == "invalid"


def test_a_tampered_badge_is_invalid(signed_badge: dict[str, Any]) -> None:
    tampered = copy.deepcopy(signed_badge)
    tampered["credentialSubject"]["achievement"]["name"] = "Leadership"
    report = verify(tampered, options())
    assert outcome(report)["proof"] == ("invalid", "invalid_signature")
    assert outcome(report)["issuer"] == ("skipped", "no_proof")


def test_an_undefined_property_added_after_signing_fails_safe_mode_and_the_proof(
    signed_badge: dict[str, Any],
) -> None:
    tampered = {**copy.deepcopy(signed_badge), "mention": "très bien"}
    report = verify(tampered, options())
    assert outcome(report)["safe_mode"] == ("invalid", "safe_mode_undefined_term")
    assert outcome(report)["proof"] == ("invalid", "safe_mode_undefined_term")


def test_an_unknown_context_fails_without_any_network_access(
    signed_badge: dict[str, Any], no_network: None
) -> None:
    tampered = copy.deepcopy(signed_badge)
    tampered["@context"].append("https://contexts.attacker.example/v1")
    report = verify(tampered, options())
    assert outcome(report)["contexts"] == ("invalid", "unknown_context")
    assert outcome(report)["safe_mode"] == ("skipped", "unknown_context")
    assert outcome(report)["proof"] == ("invalid", "unknown_context")


@pytest.mark.parametrize(
    ("contexts", "code"),
    [
        ([OB_CONTEXT, VC_V2], "invalid_context_order"),
        ([VC_V2], "missing_ob_context"),
    ],
)
def test_the_vc_context_must_come_first_and_an_open_badge_needs_the_ob_context(
    contexts: list[str], code: str
) -> None:
    credential = badge()
    credential["@context"] = contexts
    assert outcome(verify(credential, options()))["contexts"] == ("invalid", code)


@pytest.mark.parametrize("context", ["context.jsonld", {"@import": "context.jsonld"}])
def test_a_relative_context_reference_inside_the_badge_is_a_report_not_a_crash(
    signed_badge: dict[str, Any], context: Any
) -> None:
    tampered = copy.deepcopy(signed_badge)
    tampered["credentialSubject"]["@context"] = context
    report = verify(tampered, options())
    assert report.verdict == "invalid"


def test_a_refresh_service_is_reported_as_not_followed() -> None:
    report = verify(badge(refreshService={"id": "https://a.example/r", "type": "X"}), options())
    assert outcome(report)["refresh"] == ("skipped", "refresh_not_followed")


def test_a_fragment_key_is_not_trusted_for_issuer_binding_by_default() -> None:
    vector = json.loads(
        (FIXTURES / "spec" / "ob3" / "spec-test-vector-eddsa-rdfc-2022-signed.json").read_text()
    )
    resolver = LocalResolver(allow_fragment_multikey=True)
    cautious = verify(vector, options(resolver=resolver))
    assert outcome(cautious)["proof"] == ("valid", "proof_valid")
    assert outcome(cautious)["issuer"] == ("indeterminate", "issuer_key_unbound")
    assert cautious.verdict == "indeterminate"
    trusting = verify(vector, options(resolver=resolver, trust_fragment_keys=True))
    assert outcome(trusting)["issuer"] == ("valid", "issuer_bound")
    assert trusting.verdict == "valid"


# ---- the validity window -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("now", "expected"),
    [
        pytest.param(VALID_FROM - SKEW - timedelta(seconds=1), "not_yet_valid", id="start-1s"),
        pytest.param(VALID_FROM - SKEW, "within_validity", id="start-skew"),
        pytest.param(VALID_FROM - SKEW + timedelta(seconds=1), "within_validity", id="start+1s"),
        pytest.param(VALID_UNTIL + SKEW - timedelta(seconds=1), "within_validity", id="end-1s"),
        pytest.param(VALID_UNTIL + SKEW, "within_validity", id="end+skew"),
        pytest.param(VALID_UNTIL + SKEW + timedelta(seconds=1), "expired", id="end+1s"),
    ],
)
def test_the_validity_window_allows_five_minutes_of_clock_skew_at_both_ends(
    signed_badge: dict[str, Any], now: datetime, expected: str
) -> None:
    report = verify(signed_badge, VerifyOptions(now=now))
    check = report.check("validity")
    assert check is not None
    assert check.code == expected
    assert check.status == ("valid" if expected == "within_validity" else "invalid")
    assert check.data["now"] == di.format_datetime(now)
    assert report.verdict == ("valid" if expected == "within_validity" else "invalid")


def test_without_clock_skew_a_badge_is_not_valid_one_second_early(
    signed_badge: dict[str, Any],
) -> None:
    early = VerifyOptions(now=VALID_FROM - timedelta(seconds=1), clock_skew=timedelta(0))
    assert outcome(verify(signed_badge, early))["validity"] == ("invalid", "not_yet_valid")


def test_the_time_defaults_to_now(signed_badge: dict[str, Any]) -> None:
    before = datetime.now(UTC).replace(microsecond=0)
    check = verify(signed_badge).check("validity")
    assert check is not None
    assert before <= datetime.fromisoformat(check.data["now"]) <= datetime.now(UTC)


def test_a_badge_without_an_end_date_never_expires() -> None:
    open_ended = badge()
    del open_ended["validUntil"]
    report = verify(signed(open_ended), VerifyOptions(now=datetime(2099, 1, 1, tzinfo=UTC)))
    assert outcome(report)["validity"] == ("valid", "within_validity")


def test_an_unreadable_date_is_invalid() -> None:
    report = verify(signed(badge(validUntil="next summer")), options())
    assert outcome(report)["validity"] == ("invalid", "invalid_date")


@pytest.fixture(scope="module")
def signed_vcdm11_badge() -> dict[str, Any]:
    credential = json.loads((FIXTURES / "interop" / "vcdm11-ob3.json").read_text())
    credential["issuer"]["id"] = ISSUER.controller
    credential["issuanceDate"] = di.format_datetime(VALID_FROM)
    credential["expirationDate"] = di.format_datetime(VALID_UNTIL)
    return signed(credential)


@pytest.mark.parametrize(
    ("now", "expected"),
    [
        (VALID_FROM - SKEW - timedelta(seconds=1), ("invalid", "not_yet_valid")),
        (NOW, ("valid", "within_validity")),
        (VALID_UNTIL + SKEW + timedelta(seconds=1), ("invalid", "expired")),
    ],
)
def test_a_vcdm_1_1_badge_is_dated_by_issuance_and_expiration_dates(
    signed_vcdm11_badge: dict[str, Any], now: datetime, expected: tuple[str, str]
) -> None:
    report = verify(signed_vcdm11_badge, VerifyOptions(now=now))
    assert outcome(report)["validity"] == expected
    assert outcome(report)["proof"] == ("valid", "proof_valid")


def undated_jwt(**claims: Any) -> str:
    """A VC-JWT of a badge that has no dates of its own: only the JWT claims date it."""
    credential = badge()
    del credential["validFrom"], credential["validUntil"]
    payload = {**credential, "iss": ISSUER.controller, **claims}
    return jwt_by_hand({"alg": "EdDSA", "typ": "JWT", "kid": ISSUER.id}, payload, ISSUER)


JWT_NBF = int(VALID_FROM.timestamp())
JWT_EXP = int(VALID_UNTIL.timestamp())


@pytest.mark.parametrize(
    ("now", "expected"),
    [
        (VALID_FROM - SKEW - timedelta(seconds=1), ("invalid", "not_yet_valid")),
        (VALID_FROM - SKEW, ("valid", "within_validity")),
        (VALID_UNTIL + SKEW, ("valid", "within_validity")),
        (VALID_UNTIL + SKEW + timedelta(seconds=1), ("invalid", "expired")),
    ],
)
def test_jwt_nbf_and_exp_date_a_badge_that_has_no_dates(
    now: datetime, expected: tuple[str, str]
) -> None:
    token = undated_jwt(nbf=JWT_NBF, exp=JWT_EXP)
    report = verify(token, VerifyOptions(now=now, check_schema=False))
    assert report.format == "vc-jwt"
    assert outcome(report)["proof"] == ("valid", "proof_valid")
    assert outcome(report)["validity"] == expected


def test_a_fractional_jwt_exp_still_expires_the_badge() -> None:
    token = undated_jwt(nbf=JWT_NBF, exp=JWT_EXP + 0.5)
    report = verify(token, VerifyOptions(now=VALID_UNTIL + timedelta(days=1), check_schema=False))
    assert outcome(report)["validity"] == ("invalid", "expired")


@pytest.mark.parametrize("claim", ["nbf", "exp"])
def test_an_out_of_range_jwt_date_is_a_report_not_a_crash(claim: str) -> None:
    token = undated_jwt(**{claim: 10**20 if claim == "exp" else -(10**20)})
    report = verify(token, options(check_schema=False))
    assert report.check("validity") is not None


# ---- VC-JWT issuer binding -----------------------------------------------------------------


def test_a_vc_jwt_with_a_did_key_kid_is_bound_to_its_issuer() -> None:
    report = verify(sign_vc_jwt(badge(), ISSUER), options())
    assert report.format == "vc-jwt"
    assert outcome(report)["proof"] == ("valid", "proof_valid")
    assert outcome(report)["issuer"] == ("valid", "issuer_bound")
    assert report.verdict == "valid"


def test_a_jwt_with_only_a_header_jwk_does_not_bind_an_https_issuer() -> None:
    key = KeyPair.from_ed25519_seed(bytes([9]) * 32)
    credential = badge()
    credential["issuer"]["id"] = "https://badges.region.example/issuers/1"
    report = verify(sign_vc_jwt(credential, key, include_jwk=True), options())
    assert outcome(report)["proof"] == ("valid", "proof_valid")
    check = report.check("proof")
    assert check is not None
    assert check.data["verificationMethod"] == "jwk"
    assert outcome(report)["issuer"] == ("indeterminate", "issuer_key_unbound")
    assert report.verdict == "indeterminate"


@pytest.mark.parametrize("key_type", ["ed25519", "p256"])
def test_a_jwt_with_a_header_jwk_binds_the_did_jwk_issuer_of_that_very_key(key_type: str) -> None:
    key = (
        KeyPair.from_ed25519_seed(bytes([9]) * 32)
        if key_type == "ed25519"
        else KeyPair.generate("p256")
    )
    credential = badge()
    credential["issuer"]["id"] = did_jwk_for(key.public)
    report = verify(sign_vc_jwt(credential, key, include_jwk=True), options())
    assert outcome(report)["issuer"] == ("valid", "issuer_bound")
    assert report.verdict == "valid"


def test_a_jwt_header_jwk_that_is_not_the_did_jwk_issuers_key_is_a_mismatch() -> None:
    key = KeyPair.from_ed25519_seed(bytes([9]) * 32)
    credential = badge()
    credential["issuer"]["id"] = did_jwk_for(STRANGER.public)
    report = verify(sign_vc_jwt(credential, key, include_jwk=True), options())
    assert outcome(report)["issuer"] == ("invalid", "issuer_key_mismatch")


def test_a_jwt_whose_signature_fails_is_invalid_and_still_shows_its_claims() -> None:
    token = sign_vc_jwt(badge(), ISSUER)
    head, payload, signature = token.split(".")
    forged = f"{head}.{payload}.{signature[:-4]}AAAA"
    report = verify(forged, options())
    assert outcome(report)["proof"] == ("invalid", "invalid_signature")
    assert outcome(report)["issuer"] == ("skipped", "no_proof")
    assert report.summary["name"] == "Teamwork Badge"


def test_a_jwt_whose_key_cannot_be_resolved_is_indeterminate() -> None:
    credential = badge()
    credential["issuer"]["id"] = "did:example:issuer"
    token = sign_vc_jwt(credential, ISSUER, kid="did:example:issuer#key-1")
    report = verify(token, options())
    assert outcome(report)["proof"] == ("indeterminate", "unsupported_did_method")
    assert report.verdict == "indeterminate"


# ---- baked images --------------------------------------------------------------------------


@pytest.mark.parametrize(("image", "image_format"), [(minimal_png(), "png"), (MINIMAL_SVG, "svg")])
def test_a_badge_baked_into_an_image_verifies_like_its_json(
    signed_badge: dict[str, Any], image: bytes, image_format: str
) -> None:
    baked = baking.bake(image, json.dumps(signed_badge))
    report = verify(baked, options())
    assert report.format == f"baked-{image_format}+json"
    expected = outcome(verify(signed_badge, options()))
    assert outcome(report) == expected
    assert report.credential == signed_badge


@pytest.mark.parametrize(("image", "image_format"), [(minimal_png(), "png"), (MINIMAL_SVG, "svg")])
def test_a_vc_jwt_baked_into_an_image_verifies(image: bytes, image_format: str) -> None:
    report = verify(baking.bake(image, sign_vc_jwt(badge(), ISSUER)), options())
    assert report.format == f"baked-{image_format}+vc-jwt"
    assert report.verdict == "valid"


def test_a_tampered_baked_badge_is_invalid(signed_badge: dict[str, Any]) -> None:
    tampered = copy.deepcopy(signed_badge)
    tampered["name"] = "Autre badge"
    report = verify(baking.bake(minimal_png(), json.dumps(tampered)), options())
    assert outcome(report)["proof"] == ("invalid", "invalid_signature")


@pytest.mark.parametrize("image", [minimal_png(), MINIMAL_SVG])
def test_an_image_without_a_baked_badge_is_a_parse_failure(image: bytes) -> None:
    report = verify(image, options())
    assert outcome(report) == {"parse": ("invalid", "no_baked_badge")}
    assert report.verdict == "invalid"


# ---- what is not a verifiable credential ----------------------------------------------------


@pytest.mark.parametrize(
    ("data", "code"),
    [
        pytest.param("[1, 2]", "not_a_credential", id="json array"),
        pytest.param(b"[]", "not_a_credential", id="json array bytes"),
        pytest.param("42", "not_a_credential", id="json number"),
        pytest.param('"a string"', "not_a_credential", id="json string"),
        pytest.param("null", "not_a_credential", id="json null"),
        pytest.param("not json at all", "malformed_json", id="text"),
        pytest.param("{", "malformed_json", id="truncated json"),
        pytest.param("", "malformed_json", id="empty"),
        pytest.param(b"\xff\xfe\x00\x81garbage", "malformed_json", id="garbage bytes"),
        pytest.param("[" * 100_000, "malformed_json", id="deeply nested array"),
        pytest.param(b" " * (MAX_INPUT_BYTES + 1), "document_too_large", id="oversized bytes"),
        pytest.param(
            '{"a": "' + "x" * MAX_INPUT_BYTES + '"}', "document_too_large", id="oversized text"
        ),
    ],
)
def test_input_that_is_not_a_json_object_is_a_parse_failure_with_a_code(
    data: str | bytes, code: str
) -> None:
    report = verify(data, options())
    assert outcome(report) == {"parse": ("invalid", code)}
    assert report.format == "unknown"
    assert report.verdict == "invalid"
    assert report.credential is None


def test_a_json_object_that_is_not_a_verifiable_credential_is_refused() -> None:
    report = verify({"@context": [VC_V2], "type": ["Thing"], "name": "x"}, options())
    assert outcome(report) == {"parse": ("invalid", "not_a_credential")}


def test_a_json_object_nested_too_deeply_is_refused() -> None:
    deep: dict[str, Any] = {"leaf": 1}
    for _ in range(60):
        deep = {"n": deep}
    report = verify(badge(credentialSubject=deep), options())
    assert outcome(report) == {"parse": ("invalid", "document_too_deep")}


@pytest.mark.parametrize(
    "name", ["spec-assertion-hosted.json", "validator-assertion-with-endorsements.json"]
)
def test_an_open_badges_2_assertion_without_a_document_source_is_indeterminate(name: str) -> None:
    """OB 2.0 is verified online (tests/verification/test_ob2.py); offline it is never valid."""
    assertion = json.loads((FIXTURES / "spec" / "ob2" / name).read_text())
    report = verify(assertion, options())
    assert report.format == "ob2-hosted"
    assert outcome(report)["proof"] == ("indeterminate", "ob2_documents_unavailable")
    assert report.verdict == "indeterminate"
    assert report.credential == assertion


def test_an_unsigned_presentation_is_a_container_for_its_credentials(
    signed_badge: dict[str, Any],
) -> None:
    """Presentations are covered in tests/verification/test_presentation.py."""
    presentation = {
        "@context": [VC_V2],
        "type": ["VerifiablePresentation"],
        "verifiableCredential": [signed_badge],
    }
    report = verify(presentation, options())
    assert report.format == "vp"
    assert outcome(report)["proof"] == ("skipped", "presentation_unsigned")
    assert [r.verdict for r in report.credentials] == ["valid"]
    assert report.verdict == "valid"


# ---- recipient ---------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def badge_for_a_hashed_email() -> dict[str, Any]:
    credential = badge()
    subject = credential["credentialSubject"]
    del subject["id"]
    subject["identifier"] = [make_identity_object("alice@example.org", salt="grain-de-sel")]
    return signed(credential)


@pytest.mark.parametrize("email", ["alice@example.org", "Alice@Example.org", " alice@example.org"])
def test_the_recipient_is_recognised_by_a_hashed_email(
    badge_for_a_hashed_email: dict[str, Any], email: str
) -> None:
    report = verify(badge_for_a_hashed_email, options(recipient=email))
    assert outcome(report)["recipient"] == ("valid", "recipient_matches")
    assert report.verdict == "valid"


def test_another_email_is_not_the_recipient(badge_for_a_hashed_email: dict[str, Any]) -> None:
    report = verify(badge_for_a_hashed_email, options(recipient="bob@example.org"))
    assert outcome(report)["recipient"] == ("invalid", "recipient_mismatch")
    assert report.verdict == "invalid"


def test_the_recipient_is_recognised_by_the_subject_did(signed_badge: dict[str, Any]) -> None:
    report = verify(signed_badge, options(recipient=LEARNER_DID))
    assert outcome(report)["recipient"] == ("valid", "recipient_matches")


def test_another_did_is_not_the_recipient(signed_badge: dict[str, Any]) -> None:
    report = verify(signed_badge, options(recipient="did:example:someone-else"))
    assert outcome(report)["recipient"] == ("invalid", "recipient_mismatch")
    assert report.verdict == "invalid"


def test_any_identifier_of_the_person_is_the_recipient(
    signed_badge: dict[str, Any], badge_for_a_hashed_email: dict[str, Any]
) -> None:
    aliases = options(recipient="alice@example.org", recipient_aliases=(LEARNER_DID,))
    assert outcome(verify(signed_badge, aliases))["recipient"] == ("valid", "recipient_matches")
    assert outcome(verify(badge_for_a_hashed_email, aliases))["recipient"] == (
        "valid",
        "recipient_matches",
    )


def test_identifiers_of_someone_else_are_not_the_recipient(signed_badge: dict[str, Any]) -> None:
    others = options(recipient="bob@example.org", recipient_aliases=("did:example:someone-else",))
    report = verify(signed_badge, others)
    assert outcome(report)["recipient"] == ("invalid", "recipient_mismatch")
    assert report.verdict == "invalid"


# ---- status ------------------------------------------------------------------------------------


def status_entry(purpose: str = "revocation", url: str = STATUS_URL) -> dict[str, Any]:
    return {
        "id": f"{url}#{STATUS_INDEX}",
        "type": "BitstringStatusListEntry",
        "statusPurpose": purpose,
        "statusListIndex": str(STATUS_INDEX),
        "statusListCredential": url,
    }


def status_list(
    *,
    purpose: str = "revocation",
    set_bits: tuple[int, ...] = (),
    signer: KeyPair = ISSUER,
    url: str = STATUS_URL,
) -> dict[str, Any]:
    """A BitstringStatusListCredential published at ``url``, signed by ``signer``."""
    bits = statuslist.Bitstring()
    for index in set_bits:
        bits.set(index, 1)
    return signed(
        {
            "@context": [VC_V2],
            "id": url,
            "type": ["VerifiableCredential", "BitstringStatusListCredential"],
            "issuer": signer.controller,
            "validFrom": "2024-01-01T00:00:00Z",
            "credentialSubject": {
                "id": f"{url}#list",
                "type": "BitstringStatusList",
                "statusPurpose": purpose,
                "encodedList": statuslist.encode(bits),
            },
        },
        signer,
    )


class StatusListHost:
    """A status_source serving status list credentials by URL and recording requests."""

    def __init__(self, lists: Mapping[str, Mapping[str, Any] | str]) -> None:
        self.lists = dict(lists)
        self.requested: list[str] = []

    def __call__(self, url: str) -> Mapping[str, Any] | str:
        self.requested.append(url)
        try:
            return self.lists[url]
        except KeyError:
            raise ResolutionError(f"{url} is not reachable", code="unreachable") from None


@pytest.fixture(scope="module")
def revocable_badge() -> dict[str, Any]:
    return signed(badge(credentialStatus=status_entry()))


@pytest.fixture(scope="module")
def suspendable_badge() -> dict[str, Any]:
    return signed(badge(credentialStatus=status_entry("suspension")))


def test_a_badge_whose_status_bit_is_clear_is_active(revocable_badge: dict[str, Any]) -> None:
    host = StatusListHost({STATUS_URL: status_list(set_bits=(STATUS_INDEX - 1, STATUS_INDEX + 1))})
    report = verify(revocable_badge, options(status_source=host))
    assert host.requested == [STATUS_URL]
    assert outcome(report)["status"] == ("valid", "status_active")
    check = report.check("status")
    assert check is not None
    assert check.data["entries"] == [{"purpose": "revocation", "value": 0, "url": STATUS_URL}]
    assert report.verdict == "valid"
    assert report.notices == []


def test_a_badge_whose_revocation_bit_is_set_is_revoked(revocable_badge: dict[str, Any]) -> None:
    host = StatusListHost({STATUS_URL: status_list(set_bits=(STATUS_INDEX,))})
    report = verify(revocable_badge, options(status_source=host))
    assert outcome(report)["status"] == ("invalid", "revoked")
    assert outcome(report)["proof"] == ("valid", "proof_valid")
    assert report.verdict == "invalid"


def test_a_badge_whose_suspension_bit_is_set_is_suspended(
    suspendable_badge: dict[str, Any],
) -> None:
    host = StatusListHost({STATUS_URL: status_list(purpose="suspension", set_bits=(STATUS_INDEX,))})
    report = verify(suspendable_badge, options(status_source=host))
    assert outcome(report)["status"] == ("invalid", "suspended")
    assert report.verdict == "invalid"


def test_a_badge_with_a_clear_suspension_bit_is_active(suspendable_badge: dict[str, Any]) -> None:
    host = StatusListHost({STATUS_URL: status_list(purpose="suspension")})
    assert outcome(verify(suspendable_badge, options(status_source=host)))["status"] == (
        "valid",
        "status_active",
    )


def test_a_status_list_served_as_a_vc_jwt_is_read_too(revocable_badge: dict[str, Any]) -> None:
    unsigned = {k: v for k, v in status_list(set_bits=(STATUS_INDEX,)).items() if k != "proof"}
    host = StatusListHost({STATUS_URL: sign_vc_jwt(unsigned, ISSUER)})
    assert outcome(verify(revocable_badge, options(status_source=host)))["status"] == (
        "invalid",
        "revoked",
    )


def test_a_status_list_signed_by_another_key_is_accepted_with_a_notice(
    revocable_badge: dict[str, Any],
) -> None:
    host = StatusListHost({STATUS_URL: status_list(signer=STATUS_LIST_SIGNER)})
    report = verify(revocable_badge, options(status_source=host))
    assert outcome(report)["status"] == ("valid", "status_active")
    assert report.notices == ["status_list_issuer_differs"]


def test_a_status_list_that_cannot_be_fetched_leaves_the_status_unchecked(
    revocable_badge: dict[str, Any],
) -> None:
    report = verify(revocable_badge, options(status_source=StatusListHost({})))
    assert outcome(report)["status"] == ("indeterminate", "status_not_checked")
    check = report.check("status")
    assert check is not None
    assert check.data == {"url": STATUS_URL, "reason": "unreachable"}
    assert report.verdict == "indeterminate"


def test_without_a_status_source_a_revocable_badge_is_never_called_valid(
    revocable_badge: dict[str, Any],
) -> None:
    report = verify(revocable_badge, options())
    assert outcome(report)["status"] == ("indeterminate", "status_not_checked")
    assert report.verdict == "indeterminate"


def test_a_tampered_status_list_is_not_trusted(revocable_badge: dict[str, Any]) -> None:
    tampered = status_list(set_bits=(STATUS_INDEX,))
    tampered["credentialSubject"]["encodedList"] = statuslist.encode(statuslist.Bitstring())
    report = verify(revocable_badge, options(status_source=StatusListHost({STATUS_URL: tampered})))
    assert outcome(report)["status"] == ("invalid", "status_list_invalid")
    check = report.check("status")
    assert check is not None
    assert check.data == {"url": STATUS_URL}
    assert report.verdict == "invalid"


def test_an_unsigned_status_list_is_not_trusted(revocable_badge: dict[str, Any]) -> None:
    unsigned = {k: v for k, v in status_list().items() if k != "proof"}
    report = verify(revocable_badge, options(status_source=StatusListHost({STATUS_URL: unsigned})))
    assert outcome(report)["status"] == ("invalid", "status_list_invalid")


def test_a_status_list_for_another_purpose_is_refused(revocable_badge: dict[str, Any]) -> None:
    host = StatusListHost({STATUS_URL: status_list(purpose="suspension")})
    assert outcome(verify(revocable_badge, options(status_source=host)))["status"] == (
        "invalid",
        "status_purpose_mismatch",
    )


def test_a_status_list_published_under_another_id_is_read_with_a_notice(
    revocable_badge: dict[str, Any],
) -> None:
    """Policy (docs/verification-policy.md): the W3C algorithm has no id check and real
    lists live under other URLs; the fetcher vouches for where the list came from."""
    elsewhere = status_list(url="https://status.region.example/lists/4")
    report = verify(revocable_badge, options(status_source=StatusListHost({STATUS_URL: elsewhere})))
    assert outcome(report)["status"] == ("valid", "status_active")
    assert "status_list_id_differs" in report.notices


# ---- endorsements ---------------------------------------------------------------------------


def endorsement(
    comment: str = "Badge reconnu par la Région", key: KeyPair = ENDORSER
) -> dict[str, Any]:
    return signed(
        {
            "@context": [VC_V2, OB_CONTEXT],
            "id": "urn:uuid:0d7c4b0e-5b1f-4e38-9c58-6f1f2b9a7e10",
            "type": ["VerifiableCredential", "EndorsementCredential"],
            "name": "Recommandation de la Région",
            "issuer": {"id": key.controller, "type": ["Profile"], "name": "Région"},
            "validFrom": "2024-01-01T00:00:00Z",
            "credentialSubject": {
                "id": "https://issuer.example/achievements/teamwork",
                "type": ["EndorsementSubject"],
                "endorsementComment": comment,
            },
        },
        key,
    )


def test_a_valid_embedded_endorsement_is_reported_valid_with_its_own_report() -> None:
    report = verify(signed(badge(endorsement=[endorsement()])), options())
    assert outcome(report)["endorsements"] == ("valid", "endorsements_valid")
    check = report.check("endorsements")
    assert check is not None
    assert check.data == {"count": 1}
    (endorsement_report,) = report.endorsements
    assert endorsement_report.verdict == "valid"
    assert outcome(endorsement_report)["issuer"] == ("valid", "issuer_bound")
    assert report.verdict == "valid"


def test_an_endorsement_of_the_achievement_is_found_too() -> None:
    credential = badge()
    credential["credentialSubject"]["achievement"]["endorsement"] = [endorsement()]
    report = verify(signed(credential), options())
    assert outcome(report)["endorsements"] == ("valid", "endorsements_valid")


def test_an_invalid_endorsement_is_reported_but_leaves_the_badge_valid() -> None:
    forged = endorsement()
    forged["credentialSubject"]["endorsementComment"] = "Badge exceptionnel"
    report = verify(signed(badge(endorsement=[forged])), options())
    assert outcome(report)["proof"] == ("valid", "proof_valid")
    assert outcome(report)["endorsements"] == ("invalid", "endorsement_invalid")
    assert report.endorsements[0].verdict == "invalid"
    assert outcome(report.endorsements[0])["proof"] == ("invalid", "invalid_signature")
    assert report.verdict == "valid"


def test_an_endorsement_that_cannot_be_checked_leaves_the_badge_valid() -> None:
    unresolvable = signed(
        {k: v for k, v in endorsement().items() if k != "proof"},
        ENDORSER,
        verification_method="did:example:endorser#key-1",
    )
    report = verify(signed(badge(endorsement=[unresolvable])), options())
    assert outcome(report)["endorsements"] == ("indeterminate", "endorsement_unchecked")
    assert report.verdict == "valid"


def test_an_endorsement_is_checked_without_the_badge_recipient(
    badge_for_a_hashed_email: dict[str, Any],
) -> None:
    credential = {k: v for k, v in badge_for_a_hashed_email.items() if k != "proof"}
    report = verify(
        signed({**credential, "endorsement": [endorsement()]}),
        options(recipient="alice@example.org"),
    )
    assert outcome(report)["recipient"] == ("valid", "recipient_matches")
    assert outcome(report.endorsements[0])["recipient"] == ("skipped", "recipient_not_checked")


# ---- the rendered report, in both languages ---------------------------------------------------


@pytest.fixture(scope="module")
def reports_of_many_scenarios(
    signed_badge: dict[str, Any],
    revocable_badge: dict[str, Any],
    badge_for_a_hashed_email: dict[str, Any],
) -> dict[str, Report]:
    tampered = copy.deepcopy(signed_badge)
    tampered["name"] = "Autre"
    jwk_only = KeyPair.from_ed25519_seed(bytes([9]) * 32)
    https_issued = badge()
    https_issued["issuer"]["id"] = "https://badges.region.example/issuers/1"
    forged = endorsement()
    forged["credentialSubject"]["endorsementComment"] = "Autre"
    return {
        "valid": verify(signed_badge, options()),
        "tampered": verify(tampered, options()),
        "unsigned": verify(badge(), options()),
        "foreign key": verify(signed(badge(), STRANGER), options()),
        "expired": verify(signed_badge, VerifyOptions(now=VALID_UNTIL + timedelta(days=1))),
        "not yet valid": verify(signed_badge, VerifyOptions(now=VALID_FROM - timedelta(days=1))),
        "revoked": verify(
            revocable_badge,
            options(
                status_source=StatusListHost({STATUS_URL: status_list(set_bits=(STATUS_INDEX,))})
            ),
        ),
        "status unreachable": verify(revocable_badge, options(status_source=StatusListHost({}))),
        "recipient matches": verify(
            badge_for_a_hashed_email, options(recipient="alice@example.org")
        ),
        "recipient mismatch": verify(badge_for_a_hashed_email, options(recipient="b@example.org")),
        "jwt unbound": verify(sign_vc_jwt(https_issued, jwk_only, include_jwk=True), options()),
        "baked png": verify(baking.bake(minimal_png(), json.dumps(signed_badge)), options()),
        "endorsement invalid": verify(signed(badge(endorsement=[forged])), options()),
        "undefined term": verify({**signed_badge, "mention": "bien"}, options()),
        "garbage": verify(b"\xff\xfe\x00\x81", options()),
        "array": verify("[]", options()),
        "ob2": verify(json.loads((FIXTURES / "spec/ob2/spec-assertion-hosted.json").read_text())),
    }


def test_every_check_of_every_report_has_a_message_in_french_and_in_english(
    reports_of_many_scenarios: dict[str, Report],
) -> None:
    for scenario, report in reports_of_many_scenarios.items():
        for lang in LANGS:
            rendered = report.to_dict(lang)
            assert set(rendered["messages"]) == {"fr", "en"}, scenario
            assert rendered["message"] == rendered["messages"][lang], scenario
            for check in [
                *rendered["checks"],
                *[c for e in rendered.get("endorsements", []) for c in e["checks"]],
            ]:
                assert set(check["messages"]) == {"fr", "en"}, (scenario, check["id"])
                assert all(m.strip() for m in check["messages"].values()), (scenario, check)
                assert check["message"] == check["messages"][lang], (scenario, check["id"])


def test_every_code_of_these_reports_has_a_catalogued_french_message(
    reports_of_many_scenarios: dict[str, Report],
) -> None:
    for scenario, report in reports_of_many_scenarios.items():
        for check in report.checks:
            assert check.code in CATALOGUE, (scenario, check.id, check.code)
            assert (
                report.to_dict("fr")["checks"][report.checks.index(check)]["message"]
                == (CATALOGUE[check.code]["fr"])
            )


def test_no_rendered_report_shows_the_python_word_none(
    reports_of_many_scenarios: dict[str, Report],
) -> None:
    for scenario, report in reports_of_many_scenarios.items():
        for lang in LANGS:
            text = json.dumps(report.to_dict(lang), ensure_ascii=False)
            assert "None" not in text, scenario


@pytest.mark.parametrize("missing", ["proofPurpose", "cryptosuite"])
def test_a_proof_missing_a_member_is_described_without_the_python_word_none(
    signed_badge: dict[str, Any], missing: str
) -> None:
    document = copy.deepcopy(signed_badge)
    del document["proof"][missing]
    report = verify(document, options())
    assert report.verdict != "valid"
    for lang in LANGS:
        assert "None" not in json.dumps(report.to_dict(lang), ensure_ascii=False)


def scenario_with_an_uncatalogued_code(name: str, signed_badge: dict[str, Any]) -> Report:
    document = copy.deepcopy(signed_badge)
    if name == "status_purpose_mismatch":
        revocable = signed(badge(credentialStatus=status_entry()))
        host = StatusListHost({STATUS_URL: status_list(purpose="suspension")})
        return verify(revocable, options(status_source=host))
    if name == "proof_context_mismatch":
        document["proof"]["@context"] = [OB_CONTEXT]
    elif name == "wrong_key_type":
        p256 = KeyPair.generate("p256").public
        document["proof"]["verificationMethod"] = f"{did_key_for(p256)}#{p256.to_multibase()}"
    elif name == "verification_method_not_found":
        document["proof"]["verificationMethod"] = f"{ISSUER.controller}#key-1"
    return verify(document, options())


@pytest.mark.parametrize(
    "code",
    [
        "status_purpose_mismatch",
        "proof_context_mismatch",
        "wrong_key_type",
        "verification_method_not_found",
    ],
)
def test_a_check_failing_for_a_less_common_reason_still_has_a_french_message(
    signed_badge: dict[str, Any], code: str
) -> None:
    report = scenario_with_an_uncatalogued_code(code, signed_badge)
    assert code in {c.code for c in report.checks}
    assert code in CATALOGUE


def test_a_status_list_whose_key_cannot_be_fetched_leaves_the_status_indeterminate(
    revocable_badge: dict[str, Any],
) -> None:
    """The list's own proof could not be checked (its did:web unreachable): the status is
    unknown, never invalid — even though the list's issuer is not the badge's."""
    lists_key = KeyPair.from_ed25519_seed(bytes([9]) * 32).with_ids(
        "did:web:lists.region.example#key-1", "did:web:lists.region.example"
    )
    local = LocalResolver()

    def offline(vm_id: str, purpose: str = "assertionMethod") -> Any:
        if vm_id.startswith("did:web:"):
            raise ResolutionError("lists.region.example is unreachable", code="fetch_failed")
        return local(vm_id, purpose)

    host = StatusListHost({STATUS_URL: status_list(signer=lists_key, set_bits=(STATUS_INDEX,))})
    report = verify(revocable_badge, options(status_source=host, resolver=offline))

    assert outcome(report)["status"] == ("indeterminate", "status_list_invalid")
    assert report.verdict == "indeterminate"
