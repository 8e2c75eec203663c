"""Verifiable Presentations: a report per credential, and the holder's own proof.

Credentials and presentations are signed here with did:key keys through the
obcore APIs; status lists are served by an in-memory status source.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from obcore import statuslist
from obcore.did import did_key_for, did_key_vm_id
from obcore.errors import ResolutionError
from obcore.keys import KeyPair
from obcore.proofs import dataintegrity as di
from obcore.proofs.vcjwt import sign_vc_jwt
from verify.pipeline import VerifyOptions, verify
from verify.report import Report

FIXTURES = Path(__file__).parent.parent / "fixtures"
VC_V2 = "https://www.w3.org/ns/credentials/v2"
CREATED = "2024-12-01T10:00:00Z"
NOW = datetime(2025, 6, 1, 12, 0, tzinfo=UTC)
STATUS_URL = "https://status.example/lists/1"
STATUS_INDEX = 1234


def did_key_pair(seed_byte: int) -> KeyPair:
    key = KeyPair.from_ed25519_seed(bytes([seed_byte]) * 32)
    return key.with_ids(did_key_vm_id(key.public), did_key_for(key.public))


ISSUER = did_key_pair(11)
HOLDER = did_key_pair(12)
STRANGER = did_key_pair(13)


def badge(**members: Any) -> dict[str, Any]:
    credential: dict[str, Any] = json.loads(
        (FIXTURES / "interop" / "ob3-plain.json").read_text(encoding="utf-8")
    )
    credential["issuer"]["id"] = ISSUER.controller
    credential["validFrom"] = "2025-01-01T00:00:00Z"
    credential["validUntil"] = "2026-01-01T00:00:00Z"
    credential.update(members)
    return credential


def signed(document: Mapping[str, Any], key: KeyPair = ISSUER, **kwargs: Any) -> dict[str, Any]:
    return di.add_proof(document, key, created=CREATED, **kwargs)


def status_list(set_bits: tuple[int, ...] = ()) -> dict[str, Any]:
    bits = statuslist.Bitstring()
    for index in set_bits:
        bits.set(index, 1)
    return signed(
        {
            "@context": [VC_V2],
            "id": STATUS_URL,
            "type": ["VerifiableCredential", "BitstringStatusListCredential"],
            "issuer": ISSUER.controller,
            "validFrom": "2024-01-01T00:00:00Z",
            "credentialSubject": {
                "id": f"{STATUS_URL}#list",
                "type": "BitstringStatusList",
                "statusPurpose": "revocation",
                "encodedList": statuslist.encode(bits),
            },
        }
    )


def status_source(url: str) -> Mapping[str, Any] | str:
    if url == STATUS_URL:
        return status_list(set_bits=(STATUS_INDEX,))
    raise ResolutionError(f"{url} is not reachable", code="unreachable")


@pytest.fixture(scope="module")
def good_badge() -> dict[str, Any]:
    return signed(badge())


@pytest.fixture(scope="module")
def revoked_badge() -> dict[str, Any]:
    entry = {
        "id": f"{STATUS_URL}#{STATUS_INDEX}",
        "type": "BitstringStatusListEntry",
        "statusPurpose": "revocation",
        "statusListIndex": str(STATUS_INDEX),
        "statusListCredential": STATUS_URL,
    }
    return signed(badge(credentialStatus=entry))


def presentation(*credentials: Any, holder: str | None = HOLDER.controller) -> dict[str, Any]:
    vp: dict[str, Any] = {
        "@context": [VC_V2],
        "type": ["VerifiablePresentation"],
        "verifiableCredential": list(credentials),
    }
    if holder is not None:
        vp["holder"] = holder
    return vp


def options(**kwargs: Any) -> VerifyOptions:
    return VerifyOptions(**{"now": NOW, "status_source": status_source, **kwargs})


def outcome(report: Report) -> dict[str, tuple[str, str]]:
    return {c.id: (c.status, c.code) for c in report.checks}


def test_a_signed_presentation_reports_each_credential_and_is_invalid_if_one_is_revoked(
    good_badge: dict[str, Any], revoked_badge: dict[str, Any]
) -> None:
    vp = signed(presentation(good_badge, revoked_badge), HOLDER, proof_purpose="authentication")
    report = verify(vp, options())
    assert report.format == "vp"
    got = outcome(report)
    assert got["proof"] == ("valid", "proof_valid")
    assert got["issuer"] == ("valid", "holder_bound")
    assert got["credentials"] == ("invalid", "credential_invalid")
    assert [r.verdict for r in report.credentials] == ["valid", "invalid"]
    assert report.credentials[1].check("status").code == "revoked"  # type: ignore[union-attr]
    assert report.verdict == "invalid"
    rendered = report.to_dict("en")
    assert [c["verdict"] for c in rendered["credentials"]] == ["valid", "invalid"]
    assert rendered["summary"] == {"holder": HOLDER.controller, "credentials": 2}


def test_a_signed_presentation_of_valid_credentials_is_valid(good_badge: dict[str, Any]) -> None:
    vp = signed(presentation(good_badge, good_badge), HOLDER, proof_purpose="authentication")
    report = verify(vp, options())
    assert report.verdict == "valid", report.to_dict("en", include_credential=False)
    assert outcome(report)["credentials"] == ("valid", "credentials_valid")


def test_a_presentation_proof_must_have_the_authentication_purpose(
    good_badge: dict[str, Any],
) -> None:
    vp = signed(presentation(good_badge), HOLDER)  # assertionMethod
    report = verify(vp, options())
    assert outcome(report)["proof"] == ("invalid", "proof_purpose_mismatch")
    assert report.verdict == "invalid"


def test_a_presentation_changed_after_signing_is_invalid(good_badge: dict[str, Any]) -> None:
    vp = signed(presentation(good_badge), HOLDER, proof_purpose="authentication")
    vp["holder"] = STRANGER.controller
    report = verify(vp, options())
    assert outcome(report)["proof"] == ("invalid", "invalid_signature")


def test_a_presentation_signed_by_another_than_its_holder_is_invalid(
    good_badge: dict[str, Any],
) -> None:
    vp = signed(presentation(good_badge), STRANGER, proof_purpose="authentication")
    report = verify(vp, options())
    assert outcome(report)["proof"] == ("valid", "proof_valid")
    assert outcome(report)["issuer"] == ("invalid", "holder_key_mismatch")
    assert report.verdict == "invalid"


def test_an_unsigned_presentation_is_a_container_with_a_notice(
    good_badge: dict[str, Any],
) -> None:
    report = verify(presentation(good_badge, holder=None), options())
    assert outcome(report)["proof"] == ("skipped", "presentation_unsigned")
    assert "presentation_unsigned" in report.notices
    assert report.verdict == "valid"


def test_an_unverifiable_credential_makes_the_presentation_indeterminate(
    revoked_badge: dict[str, Any], good_badge: dict[str, Any]
) -> None:
    report = verify(presentation(good_badge, revoked_badge), options(status_source=None))
    assert outcome(report)["credentials"] == ("indeterminate", "credential_unchecked")
    assert report.verdict == "indeterminate"


def test_a_presentation_inside_a_presentation_is_refused(good_badge: dict[str, Any]) -> None:
    report = verify(presentation(presentation(good_badge)), options())
    assert report.credentials[0].check("parse").code == "presentation_nested"  # type: ignore[union-attr]
    assert report.verdict == "invalid"


def test_an_empty_presentation_has_nothing_to_verify() -> None:
    report = verify(presentation(), options())
    assert outcome(report)["credentials"] == ("skipped", "presentation_empty")


def vc_jwt(credential: Mapping[str, Any]) -> str:
    return sign_vc_jwt(credential, ISSUER)


def test_a_presentation_may_carry_vc_jwts_plain_or_enveloped() -> None:
    token = vc_jwt(badge())
    enveloped = {
        "@context": [VC_V2],
        "type": "EnvelopedVerifiableCredential",
        "id": f"data:application/vc+jwt,{token}",
    }
    report = verify(presentation(token, enveloped, holder=None), options())
    assert [r.format for r in report.credentials] == ["vc-jwt", "vc-jwt"]
    assert [r.verdict for r in report.credentials] == ["valid", "valid"]


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def vp_jwt(vp: Mapping[str, Any], key: KeyPair = HOLDER, **claims: Any) -> str:
    header = {"alg": key.jws_alg, "kid": key.id, "typ": "JWT"}
    payload = {"iss": HOLDER.controller, "vp": dict(vp), **claims}
    signing_input = f"{b64url(json.dumps(header).encode())}.{b64url(json.dumps(payload).encode())}"
    return f"{signing_input}.{b64url(key.sign(signing_input.encode('ascii')))}"


def test_a_vp_jwt_signed_by_its_holder_is_verified(
    good_badge: dict[str, Any], revoked_badge: dict[str, Any]
) -> None:
    report = verify(vp_jwt(presentation(good_badge)), options())
    assert report.format == "vp-jwt"
    assert report.verdict == "valid", report.to_dict("en", include_credential=False)
    assert outcome(report)["issuer"] == ("valid", "holder_bound")
    with_revoked = verify(vp_jwt(presentation(good_badge, revoked_badge)), options())
    assert with_revoked.verdict == "invalid"


def test_a_vp_jwt_with_a_wrong_signature_or_key_is_invalid(good_badge: dict[str, Any]) -> None:
    token = vp_jwt(presentation(good_badge))
    head, payload, _ = token.split(".")
    forged = f"{head}.{payload}.{b64url(STRANGER.sign(b'x'))}"
    assert outcome(verify(forged, options()))["proof"] == ("invalid", "invalid_signature")
    foreign = verify(vp_jwt(presentation(good_badge), STRANGER), options())
    assert outcome(foreign)["issuer"] == ("invalid", "holder_key_mismatch")


def test_an_expired_vp_jwt_is_invalid(good_badge: dict[str, Any]) -> None:
    token = vp_jwt(presentation(good_badge), exp=int(datetime(2025, 1, 1, tzinfo=UTC).timestamp()))
    assert outcome(verify(token, options()))["validity"] == ("invalid", "expired")


def test_a_vp_jwt_with_alg_none_is_invalid(good_badge: dict[str, Any]) -> None:
    payload = b64url(json.dumps({"vp": presentation(good_badge)}).encode())
    token = f"{b64url(json.dumps({'alg': 'none'}).encode())}.{payload}.AA"
    assert outcome(verify(token, options()))["proof"] == ("invalid", "jwt_alg_not_allowed")
