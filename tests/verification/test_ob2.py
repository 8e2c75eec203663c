"""Open Badges 2.0 Assertions: hosted and signed verification through an in-memory source.

The documents are the 1EdTech validator's test assets (tests/fixtures/vectors and
its aux/ folder), served under the example.org URLs they name, as the 1EdTech
Java tests map example.org to local files. Nothing touches the network.
"""

from __future__ import annotations

import base64
import json
import struct
import zlib
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature

from obcore.errors import ResolutionError
from verify.pipeline import VerifyOptions, verify
from verify.report import Report
from verify.sources import Fetched

VECTORS = Path(__file__).parent.parent / "fixtures" / "vectors"
NOW = datetime(2026, 11, 22, 12, 0, tzinfo=UTC)
ASSERTION_URL = "https://example.org/beths-robotics-badge.json"
BADGE_URL = "https://example.org/robotics-badge.json"
ISSUER_URL = "https://example.org/organization.json"
KEY1_URL = "http://example.org/key1.json"
RECIPIENT = "nobody@example.org"


def load(name: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((VECTORS / name).read_text(encoding="utf-8"))
    return data


def token(name: str) -> str:
    return (VECTORS / name).read_text(encoding="utf-8").strip()


class MemorySource:
    """A DocumentSource serving JSON documents by URL; records what was asked."""

    def __init__(self, documents: Mapping[str, Any], statuses: Mapping[str, int] | None = None):
        self.documents = dict(documents)
        self.statuses = dict(statuses or {})
        self.requested: list[str] = []

    def get(self, url: str, *, accept: str = "application/json") -> Fetched:
        self.requested.append(url)
        status = self.statuses.get(url, 200)
        if url not in self.documents and status == 200:
            raise ResolutionError(f"{url} is not reachable", code="fetch_failed")
        body = json.dumps(self.documents.get(url, {})).encode()
        return Fetched(url, url, status, "application/ld+json", body)


def aux_documents() -> dict[str, Any]:
    """Every 1EdTech OB 2.0 aux document under its own id, plus the hosted assertion."""
    documents: dict[str, Any] = {}
    for path in sorted((VECTORS / "aux").glob("1edtech-ob20-*.json")):
        document = json.loads(path.read_text(encoding="utf-8"))
        documents[document["id"]] = document
    documents[ASSERTION_URL] = load("1edtech-ob20-hosted-basic-assertion.json")
    return documents


def options(source: MemorySource | None = None, **kwargs: Any) -> VerifyOptions:
    return VerifyOptions(
        **{
            "documents": source if source is not None else MemorySource(aux_documents()),
            "now": NOW,
            **kwargs,
        }
    )


def outcome(report: Report) -> dict[str, tuple[str, str]]:
    return {c.id: (c.status, c.code) for c in report.checks}


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


# ---- hosted ----------------------------------------------------------------------------------


def test_a_hosted_assertion_identical_to_its_hosted_copy_is_valid() -> None:
    source = MemorySource(aux_documents())
    report = verify(load("1edtech-ob20-hosted-basic-assertion.json"), options(source))
    assert report.format == "ob2-hosted"
    assert report.verdict == "valid", report.to_dict("en", include_credential=False)
    got = outcome(report)
    assert got["proof"] == ("valid", "ob2_hosted_verified")
    assert got["issuer"] == ("valid", "ob2_issuer_verified")
    assert got["status"] == ("valid", "status_active")
    assert got["validity"] == ("valid", "within_validity")
    assert got["recipient"] == ("skipped", "recipient_not_checked")
    assert source.requested == [ASSERTION_URL, BADGE_URL, ISSUER_URL]
    assert report.summary["name"] == "Awesome Robotics Badge"
    assert report.summary["issuer"]["id"] == ISSUER_URL
    assert report.summary["validFrom"] == "2016-12-31T23:59:59Z"


def test_a_hosted_assertion_given_by_its_url_is_verified_from_the_hosted_copy() -> None:
    report = verify(ASSERTION_URL, options())
    assert report.format == "ob2-hosted"
    assert report.verdict == "valid"
    assert report.credential == load("1edtech-ob20-hosted-basic-assertion.json")


def test_a_hosted_assertion_answered_with_410_gone_is_revoked() -> None:
    source = MemorySource(aux_documents(), statuses={ASSERTION_URL: 410})
    report = verify(load("1edtech-ob20-hosted-basic-assertion.json"), options(source))
    assert outcome(report)["status"] == ("invalid", "revoked")
    assert outcome(report)["proof"] == ("skipped", "ob2_hosted_gone")
    assert report.verdict == "invalid"


def test_a_hosted_assertion_that_says_revoked_is_revoked() -> None:
    documents = aux_documents()
    documents[ASSERTION_URL] = {
        "@context": "https://w3id.org/openbadges/v2",
        "id": ASSERTION_URL,
        "revoked": True,
        "revocationReason": "Awarded in error",
    }
    report = verify(ASSERTION_URL, options(MemorySource(documents)))
    assert outcome(report)["status"] == ("invalid", "revoked")
    assert report.check("status").detail == "Awarded in error"  # type: ignore[union-attr]
    assert report.verdict == "invalid"


def test_a_given_copy_that_differs_from_the_hosted_one_is_invalid() -> None:
    tampered = {
        **load("1edtech-ob20-hosted-basic-assertion.json"),
        "issuedOn": "2015-01-01T00:00:00Z",
    }
    report = verify(tampered, options())
    assert outcome(report)["proof"] == ("invalid", "ob2_hosted_mismatch")
    assert report.verdict == "invalid"
    # the report shows the issuer's copy, not the altered one
    assert report.credential is not None
    assert report.credential["issuedOn"] == "2016-12-31T23:59:59Z"


def test_a_hosted_copy_under_another_id_is_invalid() -> None:
    documents = aux_documents()
    documents[ASSERTION_URL] = {**documents[ASSERTION_URL], "id": "https://example.org/other.json"}
    report = verify(ASSERTION_URL, options(MemorySource(documents)))
    assert outcome(report)["proof"] == ("invalid", "ob2_hosted_mismatch")


def test_a_hosted_assertion_the_issuer_does_not_publish_is_invalid() -> None:
    source = MemorySource(aux_documents(), statuses={ASSERTION_URL: 404})
    report = verify(ASSERTION_URL, options(source))
    assert outcome(report)["proof"] == ("invalid", "ob2_hosted_not_found")


def test_an_unreachable_hosted_assertion_is_indeterminate() -> None:
    documents = aux_documents()
    del documents[ASSERTION_URL]
    report = verify(ASSERTION_URL, options(MemorySource(documents)))
    assert outcome(report)["proof"] == ("indeterminate", "ob2_hosted_unreachable")
    assert report.verdict == "indeterminate"


def test_an_unreachable_issuer_profile_is_indeterminate() -> None:
    documents = aux_documents()
    del documents[ISSUER_URL]
    report = verify(ASSERTION_URL, options(MemorySource(documents)))
    assert outcome(report)["issuer"] == ("indeterminate", "ob2_document_unavailable")
    assert report.verdict == "indeterminate"


def hosted_elsewhere(assertion_url: str, verification: Mapping[str, Any] | None = None) -> Report:
    documents = aux_documents()
    assertion = {**documents[ASSERTION_URL], "id": assertion_url}
    documents[assertion_url] = assertion
    if verification is not None:
        documents[ISSUER_URL] = {**documents[ISSUER_URL], "verification": dict(verification)}
    return verify(assertion, options(MemorySource(documents)))


def test_a_hosted_assertion_on_another_origin_than_its_issuer_is_invalid() -> None:
    report = hosted_elsewhere("https://evil.example/beths-robotics-badge.json")
    assert outcome(report)["proof"] == ("valid", "ob2_hosted_verified")
    assert outcome(report)["issuer"] == ("invalid", "ob2_origin_mismatch")
    assert report.verdict == "invalid"


def test_the_issuer_may_allow_other_origins() -> None:
    url = "https://badges.example.net/a/1.json"
    allowed = hosted_elsewhere(
        url, {"type": "VerificationObject", "allowedOrigins": ["badges.example.net"]}
    )
    assert outcome(allowed)["issuer"] == ("valid", "ob2_issuer_verified")
    refused = hosted_elsewhere(url, {"allowedOrigins": "other.example.net"})
    assert outcome(refused)["issuer"] == ("invalid", "ob2_origin_mismatch")


def test_the_issuer_may_restrict_assertions_to_a_path_prefix() -> None:
    inside = "https://example.org/issuers/42/assertions/1.json"
    scope = {"startsWith": "https://example.org/issuers/42/"}
    assert outcome(hosted_elsewhere(inside, scope))["issuer"] == ("valid", "ob2_issuer_verified")
    outside = "https://example.org/issuers/43/assertions/1.json"
    assert outcome(hosted_elsewhere(outside, scope))["issuer"] == ("invalid", "ob2_origin_mismatch")


def test_the_recipient_is_recognised_by_the_salted_email_hash() -> None:
    assertion = load("1edtech-ob20-hosted-basic-assertion.json")
    assert outcome(verify(assertion, options(recipient=RECIPIENT)))["recipient"] == (
        "valid",
        "recipient_matches",
    )
    mismatch = verify(assertion, options(recipient="somebody@example.org"))
    assert outcome(mismatch)["recipient"] == ("invalid", "recipient_mismatch")
    assert mismatch.verdict == "invalid"
    also_known_as = options(recipient="did:example:camille", recipient_aliases=(RECIPIENT,))
    assert outcome(verify(assertion, also_known_as))["recipient"] == (
        "valid",
        "recipient_matches",
    )


def test_an_expired_hosted_assertion_is_invalid() -> None:
    documents = aux_documents()
    expiring = {**documents[ASSERTION_URL], "expires": "2020-01-01T00:00:00Z"}
    documents[ASSERTION_URL] = expiring
    report = verify(expiring, options(MemorySource(documents)))
    assert outcome(report)["validity"] == ("invalid", "expired")
    assert report.verdict == "invalid"


def test_an_assertion_issued_in_the_future_is_not_yet_valid() -> None:
    report = verify(
        load("1edtech-ob20-hosted-basic-assertion.json"),
        options(now=datetime(2016, 1, 1, tzinfo=UTC)),
    )
    assert outcome(report)["validity"] == ("invalid", "not_yet_valid")


def test_without_a_document_source_an_ob2_badge_is_never_valid() -> None:
    for data in (
        load("1edtech-ob20-hosted-basic-assertion.json"),
        ASSERTION_URL,
        token("1edtech-ob20-signed.jwt"),
    ):
        report = verify(data, VerifyOptions(now=NOW, recipient="somebody@example.org"))
        assert report.verdict == "indeterminate"
        assert outcome(report)["proof"] == ("indeterminate", "ob2_documents_unavailable")


def test_a_hosted_assertion_whose_id_is_not_a_url_is_invalid() -> None:
    assertion = {**load("1edtech-ob20-hosted-basic-assertion.json"), "id": "urn:uuid:1"}
    report = verify(assertion, options())
    assert outcome(report)["proof"] == ("invalid", "ob2_hosted_id_not_url")


def test_an_assertion_without_a_verification_type_is_refused() -> None:
    assertion = {**load("1edtech-ob20-hosted-basic-assertion.json"), "verification": {}}
    report = verify(assertion, options())
    assert outcome(report) == {"parse": ("invalid", "ob2_unknown_verification")}


def test_the_ob2_report_uses_the_ob3_check_ids() -> None:
    report = verify(ASSERTION_URL, options())
    assert [c.id for c in report.checks] == [
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
    rendered = report.to_dict("fr")
    assert all(c["message"] for c in rendered["checks"])


# ---- signed ----------------------------------------------------------------------------------


def test_the_1edtech_signed_assertion_is_valid_with_its_issuers_key() -> None:
    source = MemorySource(aux_documents())
    report = verify(token("1edtech-ob20-signed.jwt"), options(source, recipient=RECIPIENT))
    assert report.format == "ob2-signed"
    assert report.verdict == "valid", report.to_dict("en", include_credential=False)
    got = outcome(report)
    assert got["proof"] == ("valid", "proof_valid")
    assert got["issuer"] == ("valid", "issuer_bound")
    assert got["status"] == ("skipped", "no_status")
    assert got["recipient"] == ("valid", "recipient_matches")
    assert source.requested == [BADGE_URL, ISSUER_URL, KEY1_URL]


def test_a_signed_assertion_listed_in_the_revocation_list_is_revoked() -> None:
    report = verify(token("1edtech-ob20-signed-revoked.jwt"), options())
    got = outcome(report)
    assert got["proof"] == ("valid", "proof_valid")
    assert got["issuer"] == ("valid", "issuer_bound")
    assert got["status"] == ("invalid", "revoked")
    assert report.check("status").detail == "A good reason, for sure"  # type: ignore[union-attr]
    assert report.verdict == "invalid"


def test_an_unreachable_revocation_list_leaves_the_status_unchecked() -> None:
    documents = aux_documents()
    del documents["http://example.org/revocation-list.json"]
    report = verify(token("1edtech-ob20-signed-revoked.jwt"), options(MemorySource(documents)))
    assert outcome(report)["status"] == ("indeterminate", "status_not_checked")
    assert report.verdict == "indeterminate"


def test_a_signed_assertion_tampered_after_signing_is_invalid() -> None:
    report = verify(token("derived-1edtech-ob20-signed-TAMPERED.jwt"), options())
    assert outcome(report)["proof"] == ("invalid", "invalid_signature")
    assert report.verdict == "invalid"


def test_a_key_the_issuer_does_not_list_is_not_trusted() -> None:
    documents = aux_documents()
    documents[ISSUER_URL] = {**documents[ISSUER_URL], "publicKey": "http://example.org/key2.json"}
    report = verify(token("1edtech-ob20-signed.jwt"), options(MemorySource(documents)))
    assert outcome(report)["issuer"] == ("invalid", "ob2_key_not_listed")
    assert report.verdict == "invalid"


def test_a_key_owned_by_someone_else_is_not_trusted() -> None:
    documents = aux_documents()
    documents[KEY1_URL] = {**documents[KEY1_URL], "owner": "https://evil.example/issuer.json"}
    report = verify(token("1edtech-ob20-signed.jwt"), options(MemorySource(documents)))
    assert outcome(report)["issuer"] == ("invalid", "ob2_key_owner_mismatch")
    assert report.verdict == "invalid"


def test_an_unreachable_key_is_indeterminate() -> None:
    documents = aux_documents()
    del documents[KEY1_URL]
    report = verify(token("1edtech-ob20-signed.jwt"), options(MemorySource(documents)))
    assert outcome(report)["proof"] == ("indeterminate", "unresolvable_verification_method")
    assert report.verdict == "indeterminate"


@pytest.mark.parametrize("alg", ["none", "HS256", "PS256"])
def test_algorithms_other_than_rs256_and_es256_are_refused(alg: str) -> None:
    _, payload, signature = token("1edtech-ob20-signed.jwt").split(".")
    forged = f"{b64url(json.dumps({'alg': alg}).encode())}.{payload}.{signature}"
    report = verify(forged, options())
    assert report.format == "ob2-signed"
    assert outcome(report)["proof"] == ("invalid", "jwt_alg_not_allowed")
    assert report.verdict == "invalid"


def sign_assertion(payload: Mapping[str, Any], private: Any, alg: str) -> str:
    header = b64url(json.dumps({"alg": alg, "typ": "JWT"}).encode())
    signing_input = f"{header}.{b64url(json.dumps(dict(payload)).encode())}".encode()
    if alg == "ES256":
        r, s = decode_dss_signature(private.sign(signing_input, ec.ECDSA(hashes.SHA256())))
        signature = r.to_bytes(32, "big") + s.to_bytes(32, "big")
    else:
        signature = private.sign(signing_input, padding.PKCS1v15(), hashes.SHA256())
    return f"{signing_input.decode()}.{b64url(signature)}"


def pem(private: Any) -> str:
    return str(
        private.public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode("ascii")
    )


@pytest.mark.parametrize("alg", ["ES256", "RS256"])
def test_an_assertion_signed_with_an_ec_or_rsa_key_the_issuer_publishes_is_valid(alg: str) -> None:
    private: Any = (
        ec.generate_private_key(ec.SECP256R1())
        if alg == "ES256"
        else rsa.generate_private_key(public_exponent=65537, key_size=2048)
    )
    key_url = "https://example.org/keys/new.json"
    documents = aux_documents()
    documents[key_url] = {
        "@context": "https://w3id.org/openbadges/v2",
        "id": key_url,
        "type": "CryptographicKey",
        "owner": ISSUER_URL,
        "publicKeyPem": pem(private),
    }
    documents[ISSUER_URL] = {**documents[ISSUER_URL], "publicKey": [KEY1_URL, key_url]}
    payload = load("1edtech-ob20-hosted-basic-assertion.json")
    payload["verification"] = {"type": "SignedBadge", "creator": key_url}
    report = verify(sign_assertion(payload, private, alg), options(MemorySource(documents)))
    assert report.verdict == "valid", report.to_dict("en", include_credential=False)
    # the algorithm must suit the key
    other = "RS256" if alg == "ES256" else "ES256"
    _, body, signature = sign_assertion(payload, private, alg).split(".")
    header = b64url(json.dumps({"alg": other}).encode())
    mismatched = verify(f"{header}.{body}.{signature}", options(MemorySource(documents)))
    assert outcome(mismatched)["proof"] == ("invalid", "jwt_alg_key_mismatch")


def test_without_a_creator_the_issuers_listed_keys_are_tried() -> None:
    private = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    key_url = "https://example.org/keys/only.json"
    documents = aux_documents()
    documents[key_url] = {"id": key_url, "owner": ISSUER_URL, "publicKeyPem": pem(private)}
    documents[ISSUER_URL] = {**documents[ISSUER_URL], "publicKey": [KEY1_URL, key_url]}
    payload = load("1edtech-ob20-hosted-basic-assertion.json")
    payload["verification"] = {"type": "signed"}
    report = verify(sign_assertion(payload, private, "RS256"), options(MemorySource(documents)))
    assert report.verdict == "valid", report.to_dict("en", include_credential=False)


def test_a_signed_assertion_given_without_its_signature_is_invalid() -> None:
    payload = json.loads(
        base64.urlsafe_b64decode(token("1edtech-ob20-signed.jwt").split(".")[1] + "==")
    )
    report = verify(payload, options())
    assert report.format == "ob2-signed"
    assert outcome(report)["proof"] == ("invalid", "ob2_signature_missing")


def test_the_revocation_list_matches_string_entries_and_legacy_uids() -> None:
    private = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    key_url = "https://example.org/keys/r.json"
    list_url = "https://example.org/revocations.json"
    documents = aux_documents()
    documents[key_url] = {"id": key_url, "owner": ISSUER_URL, "publicKeyPem": pem(private)}
    documents[ISSUER_URL] = {
        **documents[ISSUER_URL],
        "publicKey": key_url,
        "revocationList": list_url,
    }
    payload = load("1edtech-ob20-hosted-basic-assertion.json")
    payload["verification"] = {"type": "signed", "creator": key_url}
    payload["id"] = "urn:uuid:6deb4a00-ebce-4b28-8cc2-afa705ef7be4"
    payload["uid"] = "abc123"
    cases = {
        "string id": ["urn:uuid:6deb4a00-ebce-4b28-8cc2-afa705ef7be4"],
        "uid": [{"uid": "abc123", "revocationReason": "legacy"}],
    }
    for case, revoked in cases.items():
        documents[list_url] = {
            "id": list_url,
            "type": "RevocationList",
            "revokedAssertions": revoked,
        }
        report = verify(sign_assertion(payload, private, "RS256"), options(MemorySource(documents)))
        assert outcome(report)["status"] == ("invalid", "revoked"), case
    documents[list_url] = {"id": list_url, "type": "RevocationList", "revokedAssertions": []}
    report = verify(sign_assertion(payload, private, "RS256"), options(MemorySource(documents)))
    assert outcome(report)["status"] == ("valid", "status_active")


# ---- baked -----------------------------------------------------------------------------------


def png_with_text(keyword: bytes, text: str, chunk_type: bytes = b"iTXt") -> bytes:
    def chunk(kind: bytes, data: bytes) -> bytes:
        crc = struct.pack(">I", zlib.crc32(kind + data))
        return struct.pack(">I", len(data)) + kind + data + crc

    if chunk_type == b"iTXt":
        data = keyword + b"\x00\x00\x00\x00\x00" + text.encode()
    else:
        data = keyword + b"\x00" + text.encode("latin-1")
    header = struct.pack(">IIBBBBB", 1, 1, 8, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(chunk_type, data)
        + chunk(b"IDAT", zlib.compress(b"\x00\x7f"))
        + chunk(b"IEND", b"")
    )


def svg_with_assertion(verify_attribute: str) -> bytes:
    return (
        '<svg xmlns="http://www.w3.org/2000/svg" xmlns:openbadges="http://openbadges.org" '
        f'width="10" height="10"><openbadges:assertion verify="{verify_attribute}"/>'
        '<circle cx="5" cy="5" r="4"/></svg>'
    ).encode()


@pytest.mark.parametrize(
    ("image", "fmt"),
    [
        pytest.param(
            png_with_text(b"openbadges", ASSERTION_URL), "baked-png+ob2-hosted", id="png iTXt"
        ),
        pytest.param(
            png_with_text(b"openbadges", ASSERTION_URL, b"tEXt"),
            "baked-png+ob2-hosted",
            id="png tEXt",
        ),
        pytest.param(svg_with_assertion(ASSERTION_URL), "baked-svg+ob2-hosted", id="svg"),
    ],
)
def test_an_image_baked_with_a_hosted_assertion_url_is_verified_online(
    image: bytes, fmt: str
) -> None:
    report = verify(image, options())
    assert report.format == fmt
    assert report.verdict == "valid", report.to_dict("en", include_credential=False)


def test_an_image_baked_with_a_signed_assertion_is_verified() -> None:
    report = verify(svg_with_assertion(token("1edtech-ob20-signed.jwt")), options())
    assert report.format == "baked-svg+ob2-signed"
    assert report.verdict == "valid"


def test_an_image_baked_with_assertion_json_is_verified_as_hosted() -> None:
    text = json.dumps(load("1edtech-ob20-hosted-basic-assertion.json"))
    report = verify(png_with_text(b"openbadges", text), options())
    assert report.format == "baked-png+ob2-hosted"
    assert report.verdict == "valid"


def test_the_time_skew_applies_to_ob2_dates() -> None:
    issued = datetime(2016, 12, 31, 23, 59, 59, tzinfo=UTC)
    report = verify(ASSERTION_URL, options(now=issued - timedelta(minutes=4)))
    assert outcome(report)["validity"] == ("valid", "within_validity")
