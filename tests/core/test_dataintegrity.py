"""Data Integrity proofs: eddsa-rdfc-2022 (sign and verify), Ed25519Signature2020 (verify).

The published test vectors (W3C vc-di-eddsa and the OB 3.0 implementation
guide) are reproduced byte for byte from their inputs; then every policy of
``obcore.proofs.dataintegrity`` is pinned, and property tests check that any
single change to a signed credential is caught.
"""

from __future__ import annotations

import copy
import hashlib
import json
import socket
from collections.abc import Iterator, Mapping
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from obcore import multibase
from obcore.did import DID_CONTEXT, MULTIKEY_CONTEXT, did_key_for, did_key_vm_id
from obcore.errors import (
    ContextError,
    InvalidKeyError,
    MalformedInputError,
    ProofError,
    SafeModeError,
)
from obcore.keys import KeyPair
from obcore.proofs import dataintegrity as di
from obcore.proofs.dataintegrity import ProofCheck
from obcore.resolve import LocalResolver

SPEC = Path(__file__).parent.parent / "fixtures" / "spec"
W3C = SPEC / "w3c"
OB3 = SPEC / "ob3"
INTEROP = Path(__file__).parent.parent / "fixtures" / "interop"

VC_V2 = "https://www.w3.org/ns/credentials/v2"
OB_CONTEXT = "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"
ED25519_2020_CONTEXT = "https://w3id.org/security/suites/ed25519-2020/v1"
CREATED = "2024-05-01T08:00:00Z"
LOCAL = LocalResolver()


def load(path: Path) -> Any:
    return json.loads(path.read_text(encoding="utf-8"))


def did_key_pair(seed_byte: int) -> KeyPair:
    key = KeyPair.from_ed25519_seed(bytes([seed_byte]) * 32)
    return key.with_ids(did_key_vm_id(key.public), did_key_for(key.public))


ISSUER_KEY = did_key_pair(1)
SECOND_KEY = did_key_pair(2)


def teamwork_badge(issuer: str = ISSUER_KEY.controller or "") -> dict[str, Any]:
    """The plain OB 3.0 interop credential, issued by ``issuer``."""
    credential: dict[str, Any] = load(INTEROP / "ob3-plain.json")
    credential["issuer"]["id"] = issuer
    return credential


@pytest.fixture(scope="module")
def signed_teamwork_badge() -> dict[str, Any]:
    return di.add_proof(teamwork_badge(), ISSUER_KEY, created=CREATED)


def statuses(document: Mapping[str, Any], resolver: Any = LOCAL) -> list[tuple[str, str]]:
    return [(c.status, c.code) for c in di.verify_document(document, resolver)]


def check(index: int, status: di.ProofStatus) -> ProofCheck:
    return ProofCheck(index, "DataIntegrityProof", "eddsa-rdfc-2022", None, status, status, "")


@pytest.fixture
def no_network(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[Any]]:
    """Any attempt to open a connection or resolve a name fails the test loudly."""
    attempts: list[Any] = []

    def refuse(*args: Any, **kwargs: Any) -> Any:
        attempts.append(args)
        raise AssertionError(f"network access attempted: {args!r}")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket.socket, "connect_ex", refuse)
    monkeypatch.setattr(socket, "getaddrinfo", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    yield attempts
    assert attempts == []


# ---- the W3C vc-di-eddsa test vector --------------------------------------------------------


@pytest.fixture(scope="module")
def w3c_vector() -> dict[str, Any]:
    keypair = load(W3C / "vc-di-eddsa-keypair.json")
    secret = multibase.decode_z(keypair["privateKeyMultibase"])
    assert secret[:2] == multibase.ED25519_PRIV
    return {
        "key": KeyPair.from_ed25519_seed(secret[2:]),
        "public": keypair["publicKeyMultibase"],
        "options": load(W3C / "vc-di-eddsa-rdfc-2022-proof-config.json"),
        "unsigned": load(W3C / "vc-di-eddsa-unsigned.json"),
        "signed": load(W3C / "vc-di-eddsa-rdfc-2022-signed.json"),
        "document_nq": (W3C / "test-vectors" / "eddsa-rdfc-2022-document-canonical.nq").read_text(),
        "config_nq": (
            W3C / "test-vectors" / "eddsa-rdfc-2022-proof-config-canonical.nq"
        ).read_text(),
        "combined_hash": (W3C / "test-vectors" / "eddsa-rdfc-2022-combined-hash.hex")
        .read_text()
        .strip(),
        "signature": (W3C / "test-vectors" / "eddsa-rdfc-2022-signature.b58").read_text().strip(),
    }


def test_the_w3c_vector_key_is_the_published_multikey(w3c_vector: dict[str, Any]) -> None:
    assert w3c_vector["key"].public.to_multibase() == w3c_vector["public"]


def test_the_w3c_vector_document_transforms_to_the_published_canonical_n_quads(
    w3c_vector: dict[str, Any],
) -> None:
    assert di.transform(w3c_vector["unsigned"]) == w3c_vector["document_nq"]


def test_the_w3c_vector_proof_options_give_the_published_canonical_configuration(
    w3c_vector: dict[str, Any],
) -> None:
    options = w3c_vector["options"]
    assert di.proof_configuration(options, options["@context"]) == w3c_vector["config_nq"]
    without_context = {k: v for k, v in options.items() if k != "@context"}
    assert (
        di.proof_configuration(without_context, w3c_vector["unsigned"]["@context"])
        == w3c_vector["config_nq"]
    )


def test_the_w3c_vector_hash_is_the_published_combined_hash(w3c_vector: dict[str, Any]) -> None:
    hashed = di.hash_data(w3c_vector["config_nq"], w3c_vector["document_nq"])
    assert hashed.hex() == w3c_vector["combined_hash"]
    assert hashed[:32] == hashlib.sha256(w3c_vector["config_nq"].encode()).digest()
    assert hashed[32:] == hashlib.sha256(w3c_vector["document_nq"].encode()).digest()


def test_signing_the_w3c_vector_yields_the_published_proof_value(
    w3c_vector: dict[str, Any],
) -> None:
    options = w3c_vector["options"]
    signed = di.add_proof(
        w3c_vector["unsigned"],
        w3c_vector["key"],
        created=options["created"],
        verification_method=options["verificationMethod"],
    )
    assert signed["proof"]["proofValue"] == w3c_vector["signature"]
    assert signed == w3c_vector["signed"]
    assert json.dumps(signed, sort_keys=True) == json.dumps(w3c_vector["signed"], sort_keys=True)


def test_the_published_w3c_signed_credential_verifies(w3c_vector: dict[str, Any]) -> None:
    (result,) = di.verify_document(w3c_vector["signed"], LOCAL)
    assert (result.status, result.code, result.notices) == ("valid", "ok", ())
    assert result.resolved is not None
    assert result.resolved.source == "did:key"


# ---- the OB 3.0 implementation-guide test vector --------------------------------------------


@pytest.fixture(scope="module")
def ob3_vector() -> dict[str, Any]:
    keypair = load(OB3 / "spec-test-vector-keypair.json")
    signed = load(OB3 / "spec-test-vector-eddsa-rdfc-2022-signed.json")
    return {
        "keypair": keypair,
        "key": KeyPair.from_export(keypair),
        "unsigned": load(OB3 / "spec-test-vector-unsigned.json"),
        "signed": signed,
        "options": {k: v for k, v in signed["proof"].items() if k != "proofValue"},
        "document_nq": (
            OB3 / "test-vectors" / "spec-test-vector-document-canonical.nq"
        ).read_text(),
        "config_nq": (
            OB3 / "test-vectors" / "spec-test-vector-proof-config-canonical.nq"
        ).read_text(),
        "expected": keypair["expected"],
    }


def test_the_ob3_vector_document_transforms_to_the_published_canonical_n_quads(
    ob3_vector: dict[str, Any],
) -> None:
    canonical = di.transform(ob3_vector["unsigned"])
    assert canonical == ob3_vector["document_nq"]
    assert (
        hashlib.sha256(canonical.encode()).hexdigest()
        == ob3_vector["expected"]["documentSha256Hex"]
    )


def test_the_ob3_vector_proof_options_give_the_published_canonical_configuration(
    ob3_vector: dict[str, Any],
) -> None:
    config = di.proof_configuration(ob3_vector["options"], ob3_vector["unsigned"]["@context"])
    assert config == ob3_vector["config_nq"]
    assert (
        hashlib.sha256(config.encode()).hexdigest()
        == ob3_vector["expected"]["proofConfigSha256Hex"]
    )


def test_the_ob3_vector_hash_is_the_two_published_hashes_concatenated(
    ob3_vector: dict[str, Any],
) -> None:
    expected = ob3_vector["expected"]
    hashed = di.hash_data(ob3_vector["config_nq"], ob3_vector["document_nq"])
    assert hashed.hex() == expected["proofConfigSha256Hex"] + expected["documentSha256Hex"]


def test_signing_the_ob3_vector_yields_the_published_signature_and_proof_value(
    ob3_vector: dict[str, Any],
) -> None:
    options = ob3_vector["options"]
    signed = di.add_proof(
        ob3_vector["unsigned"],
        ob3_vector["key"],
        created=options["created"],
        verification_method=options["verificationMethod"],
    )
    proof_value = signed["proof"]["proofValue"]
    assert proof_value == ob3_vector["expected"]["proofValue"]
    assert multibase.decode_z(proof_value).hex() == ob3_vector["expected"]["signatureHex"]
    assert signed == ob3_vector["signed"]


def test_the_ob3_vector_verifies_only_through_the_fragment_key_convention(
    ob3_vector: dict[str, Any],
) -> None:
    assert statuses(ob3_vector["signed"]) == [("indeterminate", "unresolvable_verification_method")]
    assert statuses(ob3_vector["signed"], LocalResolver(allow_fragment_multikey=True)) == [
        ("valid", "ok")
    ]


# ---- signing and verifying ------------------------------------------------------------------


def test_a_signed_credential_verifies_and_names_its_key(
    signed_teamwork_badge: dict[str, Any],
) -> None:
    proof = signed_teamwork_badge["proof"]
    assert proof == {
        "type": "DataIntegrityProof",
        "cryptosuite": "eddsa-rdfc-2022",
        "created": CREATED,
        "verificationMethod": ISSUER_KEY.id,
        "proofPurpose": "assertionMethod",
        "proofValue": proof["proofValue"],
    }
    (result,) = di.verify_document(signed_teamwork_badge, LOCAL)
    assert (result.status, result.code) == ("valid", "ok")
    assert result.index == 0
    assert result.type == "DataIntegrityProof"
    assert result.cryptosuite == "eddsa-rdfc-2022"
    assert result.verification_method == ISSUER_KEY.id
    assert result.resolved is not None
    assert result.resolved.controller == ISSUER_KEY.controller


def test_signing_leaves_the_input_document_untouched() -> None:
    credential = teamwork_badge()
    before = copy.deepcopy(credential)
    di.add_proof(credential, ISSUER_KEY, created=CREATED)
    assert credential == before


def test_created_defaults_to_now_in_utc_at_second_precision() -> None:
    before = datetime.now(UTC).replace(microsecond=0)
    created = di.add_proof(teamwork_badge(), ISSUER_KEY)["proof"]["created"]
    after = datetime.now(UTC)
    assert created.endswith("Z")
    assert "." not in created
    assert before <= datetime.fromisoformat(created) <= after


def test_a_created_datetime_is_written_in_utc() -> None:
    paris = timezone(timedelta(hours=2))
    created = datetime(2024, 5, 1, 10, 0, 0, 123456, tzinfo=paris)
    assert di.add_proof(teamwork_badge(), ISSUER_KEY, created=created)["proof"]["created"] == (
        CREATED
    )
    assert di.format_datetime(created) == CREATED


def test_a_document_without_a_proof_has_no_proof_checks() -> None:
    assert di.verify_document(teamwork_badge(), LOCAL) == []
    assert di.overall([]) == "unsupported"


def test_signing_needs_a_verification_method() -> None:
    anonymous = KeyPair.from_ed25519_seed(bytes(32))
    with pytest.raises(ProofError) as exc:
        di.add_proof(teamwork_badge(), anonymous)
    assert exc.value.code == "missing_verification_method"


def test_signing_needs_an_ed25519_key() -> None:
    p256 = KeyPair.generate("p256").with_ids("did:example:1#p256", "did:example:1")
    with pytest.raises(InvalidKeyError) as exc:
        di.add_proof(teamwork_badge(), p256)
    assert exc.value.code == "wrong_key_type"


def test_signing_needs_a_context() -> None:
    credential = teamwork_badge()
    del credential["@context"]
    with pytest.raises(MalformedInputError) as exc:
        di.add_proof(credential, ISSUER_KEY)
    assert exc.value.code == "missing_context"


# ---- proof sets ---------------------------------------------------------------------------


def test_an_appended_proof_keeps_the_first_and_both_verify(
    signed_teamwork_badge: dict[str, Any],
) -> None:
    twice = di.add_proof(signed_teamwork_badge, SECOND_KEY, created=CREATED)
    assert isinstance(twice["proof"], list)
    assert len(twice["proof"]) == 2
    assert twice["proof"][0] == signed_teamwork_badge["proof"]
    assert twice["proof"][1]["verificationMethod"] == SECOND_KEY.id
    checks = di.verify_document(twice, LOCAL)
    assert [(c.index, c.status) for c in checks] == [(0, "valid"), (1, "valid")]
    assert di.overall(checks) == "valid"


def test_a_third_proof_is_appended_to_an_existing_proof_set(
    signed_teamwork_badge: dict[str, Any],
) -> None:
    twice = di.add_proof(signed_teamwork_badge, SECOND_KEY, created=CREATED)
    thrice = di.add_proof(twice, did_key_pair(3), created=CREATED)
    assert thrice["proof"][:2] == twice["proof"]
    assert statuses(thrice) == [("valid", "ok")] * 3


def test_one_failing_proof_in_a_set_makes_the_document_invalid(
    signed_teamwork_badge: dict[str, Any],
) -> None:
    twice = di.add_proof(signed_teamwork_badge, SECOND_KEY, created=CREATED)
    twice["proof"][1]["created"] = "2024-05-01T08:00:01Z"
    checks = di.verify_document(twice, LOCAL)
    assert [(c.status, c.code) for c in checks] == [
        ("valid", "ok"),
        ("invalid", "invalid_signature"),
    ]
    assert di.overall(checks) == "invalid"


# ---- policies -------------------------------------------------------------------------------


@pytest.mark.parametrize("purpose", ["authentication", "capabilityInvocation", None])
def test_a_proof_purpose_other_than_assertion_method_is_refused(purpose: str | None) -> None:
    signed = di.add_proof(
        teamwork_badge(), ISSUER_KEY, created=CREATED, proof_purpose=purpose or "assertionMethod"
    )
    if purpose is None:
        del signed["proof"]["proofPurpose"]
    assert statuses(signed) == [("invalid", "proof_purpose_mismatch")]


def test_a_proof_checked_for_another_expected_purpose_uses_that_purpose() -> None:
    signed = di.add_proof(
        teamwork_badge(), ISSUER_KEY, created=CREATED, proof_purpose="authentication"
    )
    (result,) = di.verify_document(signed, LOCAL, expected_purpose="authentication")
    assert result.status == "valid"


def test_a_key_the_issuer_lists_only_for_authentication_cannot_issue() -> None:
    did = "did:web:badges.region.example"
    vm_id = f"{did}#login-key"
    document = {
        "@context": [DID_CONTEXT, MULTIKEY_CONTEXT],
        "id": did,
        "verificationMethod": [
            {
                "id": vm_id,
                "type": "Multikey",
                "controller": did,
                "publicKeyMultibase": ISSUER_KEY.public.to_multibase(),
            }
        ],
        "authentication": [vm_id],
    }
    resolver = LocalResolver(documents=lambda url: document if url == did else None)
    signed = di.add_proof(
        teamwork_badge(did), ISSUER_KEY, created=CREATED, verification_method=vm_id
    )
    (result,) = di.verify_document(signed, resolver)
    assert (result.status, result.code) == ("invalid", "verification_method_not_authorised")
    assert result.resolved is not None
    assert result.resolved.source == "did:web"
    document["assertionMethod"] = [vm_id]
    assert statuses(signed, resolver) == [("valid", "ok")]


def sign_by_hand(document: Mapping[str, Any], options: Mapping[str, Any], key: KeyPair) -> str:
    """The proofValue the algorithm steps give for ``options`` (whatever its suite name)."""
    hashed = di.hash_data(
        di.proof_configuration(options, document["@context"]), di.transform(document)
    )
    return di.serialize_proof(hashed, key)


def test_the_pre_recommendation_name_eddsa_2022_is_verified_with_a_notice() -> None:
    credential = teamwork_badge()
    options = {**di.proof_options(ISSUER_KEY, created=CREATED), "cryptosuite": "eddsa-2022"}
    credential["proof"] = {**options, "proofValue": sign_by_hand(credential, options, ISSUER_KEY)}
    (result,) = di.verify_document(credential, LOCAL)
    assert (result.status, result.code) == ("valid", "ok")
    assert result.cryptosuite == "eddsa-2022"
    assert result.notices == ("legacy_cryptosuite_name",)


def test_the_cryptosuite_name_is_covered_by_the_signature(
    signed_teamwork_badge: dict[str, Any],
) -> None:
    renamed = copy.deepcopy(signed_teamwork_badge)
    renamed["proof"]["cryptosuite"] = "eddsa-2022"
    assert statuses(renamed) == [("invalid", "invalid_signature")]


def test_the_published_ed25519_signature_2020_vector_verifies() -> None:
    signed = load(W3C / "vc-di-ed25519signature2020-signed.json")
    (result,) = di.verify_document(signed, LOCAL)
    assert (result.status, result.type, result.cryptosuite) == (
        "valid",
        "Ed25519Signature2020",
        None,
    )


def test_an_ed25519_signature_2020_proof_gets_the_suite_context_the_document_lacks() -> None:
    credential = teamwork_badge()
    assert ED25519_2020_CONTEXT not in credential["@context"]
    options = {
        "type": "Ed25519Signature2020",
        "created": CREATED,
        "verificationMethod": ISSUER_KEY.id,
        "proofPurpose": "assertionMethod",
    }
    with_suite = di.proof_configuration(options, [*credential["@context"], ED25519_2020_CONTEXT])
    assert di.proof_configuration(options, credential["@context"]) == with_suite
    credential["proof"] = {**options, "proofValue": sign_by_hand(credential, options, ISSUER_KEY)}
    assert statuses(credential) == [("valid", "ok")]


@pytest.mark.parametrize(
    ("proof", "code"),
    [
        ({"type": "EcdsaSecp256k1Signature2019", "proofValue": "z1"}, "unsupported_proof_type"),
        ({"type": "BbsBlsSignature2020"}, "unsupported_proof_type"),
        ({"type": ["DataIntegrityProof"]}, "unsupported_proof_type"),
        (
            {"type": "DataIntegrityProof", "cryptosuite": "ecdsa-rdfc-2019"},
            "unsupported_cryptosuite",
        ),
        (
            {"type": "DataIntegrityProof", "cryptosuite": "eddsa-jcs-2022"},
            "unsupported_cryptosuite",
        ),
        ({"type": "DataIntegrityProof"}, "unsupported_cryptosuite"),
    ],
)
def test_a_proof_of_an_unknown_type_or_cryptosuite_is_unsupported(
    proof: dict[str, Any], code: str
) -> None:
    document = {**teamwork_badge(), "proof": proof}
    assert statuses(document) == [("unsupported", code)]
    assert di.overall(di.verify_document(document, LOCAL)) == "unsupported"


def test_an_unknown_extra_proof_is_ignored_next_to_a_valid_one(
    signed_teamwork_badge: dict[str, Any],
) -> None:
    document = copy.deepcopy(signed_teamwork_badge)
    document["proof"] = [document["proof"], {"type": "BbsBlsSignature2020", "proofValue": "x"}]
    checks = di.verify_document(document, LOCAL)
    assert [(c.status, c.code) for c in checks] == [
        ("valid", "ok"),
        ("unsupported", "unsupported_proof_type"),
    ]
    assert di.overall(checks) == "valid"


@pytest.mark.parametrize(
    ("statuses_in", "verdict"),
    [
        (["valid", "unsupported"], "valid"),
        (["unsupported", "valid"], "valid"),
        (["valid", "invalid"], "invalid"),
        (["invalid", "valid"], "invalid"),
        (["unsupported"], "unsupported"),
        (["unsupported", "unsupported"], "unsupported"),
        ([], "unsupported"),
        (["indeterminate"], "indeterminate"),
        (["indeterminate", "unsupported"], "indeterminate"),
        (["valid", "indeterminate"], "valid"),
        (["indeterminate", "invalid"], "invalid"),
        (["unsupported", "invalid"], "invalid"),
    ],
)
def test_proof_checks_combine_valid_when_one_verifies_and_no_recognised_one_fails(
    statuses_in: list[di.ProofStatus], verdict: str
) -> None:
    assert di.overall([check(i, s) for i, s in enumerate(statuses_in)]) == verdict


@pytest.mark.parametrize(
    "proof_value",
    [
        "u" + multibase.b64url_encode(bytes(64)),
        "z0OIl" + "1" * 80,
        multibase.encode_z(bytes(63)),
        multibase.encode_z(bytes(65)),
        "z",
        "",
        12345,
        None,
    ],
)
def test_a_malformed_proof_value_is_invalid(
    signed_teamwork_badge: dict[str, Any], proof_value: Any
) -> None:
    document = copy.deepcopy(signed_teamwork_badge)
    if proof_value is None:
        del document["proof"]["proofValue"]
    else:
        document["proof"]["proofValue"] = proof_value
    assert statuses(document) == [("invalid", "malformed_proof_value")]


def test_a_well_formed_signature_by_another_key_is_invalid(
    signed_teamwork_badge: dict[str, Any],
) -> None:
    document = copy.deepcopy(signed_teamwork_badge)
    other = di.add_proof(teamwork_badge(), SECOND_KEY, created=CREATED)
    document["proof"]["proofValue"] = other["proof"]["proofValue"]
    assert statuses(document) == [("invalid", "invalid_signature")]


def test_a_proof_context_that_is_not_a_prefix_of_the_documents_is_refused(
    signed_teamwork_badge: dict[str, Any],
) -> None:
    document = copy.deepcopy(signed_teamwork_badge)
    document["proof"]["@context"] = [OB_CONTEXT, VC_V2]
    assert statuses(document) == [("invalid", "proof_context_mismatch")]
    document["proof"]["@context"] = [VC_V2, "https://w3id.org/security/data-integrity/v2"]
    assert statuses(document) == [("invalid", "proof_context_mismatch")]


def test_a_proof_context_equal_to_the_documents_is_accepted(
    signed_teamwork_badge: dict[str, Any],
) -> None:
    document = copy.deepcopy(signed_teamwork_badge)
    document["proof"]["@context"] = list(document["@context"])
    assert statuses(document) == [("valid", "ok")]


def test_a_malformed_created_date_is_refused(signed_teamwork_badge: dict[str, Any]) -> None:
    document = copy.deepcopy(signed_teamwork_badge)
    document["proof"]["created"] = "the first of May"
    assert statuses(document) == [("invalid", "malformed_proof")]


def test_a_proof_without_a_verification_method_is_refused(
    signed_teamwork_badge: dict[str, Any],
) -> None:
    document = copy.deepcopy(signed_teamwork_badge)
    del document["proof"]["verificationMethod"]
    assert statuses(document) == [("invalid", "missing_verification_method")]


def test_a_proof_that_is_not_an_object_is_invalid(signed_teamwork_badge: dict[str, Any]) -> None:
    document = {**signed_teamwork_badge, "proof": ["not a proof"]}
    assert statuses(document) == [("invalid", "malformed_proof")]


def test_a_key_that_cannot_be_resolved_leaves_the_proof_indeterminate(
    signed_teamwork_badge: dict[str, Any],
) -> None:
    document = copy.deepcopy(signed_teamwork_badge)
    document["proof"]["verificationMethod"] = "did:example:issuer#key-1"
    assert statuses(document) == [("indeterminate", "unsupported_did_method")]


def test_a_p256_verification_key_cannot_check_an_eddsa_proof(
    signed_teamwork_badge: dict[str, Any],
) -> None:
    p256 = KeyPair.generate("p256").public
    vm_id = f"{did_key_for(p256)}#{p256.to_multibase()}"
    document = copy.deepcopy(signed_teamwork_badge)
    document["proof"]["verificationMethod"] = vm_id
    assert statuses(document) == [("invalid", "wrong_key_type")]


def test_a_bare_did_key_verification_method_verifies_with_a_notice() -> None:
    signed = di.add_proof(
        teamwork_badge(), ISSUER_KEY, created=CREATED, verification_method=ISSUER_KEY.controller
    )
    (result,) = di.verify_document(signed, LOCAL)
    assert result.status == "valid"
    assert result.notices == ("bare_did_key_method",)


# ---- safe mode and the closed context loader -----------------------------------------------


def test_signing_a_document_with_an_undefined_term_is_refused() -> None:
    credential = {**teamwork_badge(), "favouriteColour": "vert"}
    with pytest.raises(SafeModeError) as exc:
        di.add_proof(credential, ISSUER_KEY, created=CREATED)
    assert exc.value.code == "safe_mode_undefined_term"


def test_signing_a_document_with_an_undefined_type_is_refused() -> None:
    credential = teamwork_badge()
    credential["credentialSubject"]["type"] = ["AchievementSubject", "LearnerOfTheMonth"]
    with pytest.raises(SafeModeError) as exc:
        di.add_proof(credential, ISSUER_KEY, created=CREATED)
    assert exc.value.code == "safe_mode_undefined_type"


@pytest.mark.parametrize("where", ["credential", "credentialSubject", "achievement", "issuer"])
def test_an_undefined_property_added_after_signing_makes_the_proof_invalid(
    signed_teamwork_badge: dict[str, Any], where: str
) -> None:
    document = copy.deepcopy(signed_teamwork_badge)
    node = {
        "credential": document,
        "credentialSubject": document["credentialSubject"],
        "achievement": document["credentialSubject"]["achievement"],
        "issuer": document["issuer"],
    }[where]
    node["unsignedClaim"] = "Diplôme d'État"
    assert statuses(document) == [("invalid", "safe_mode_undefined_term")]


def test_an_undefined_term_in_the_proof_options_makes_the_proof_invalid(
    signed_teamwork_badge: dict[str, Any],
) -> None:
    document = copy.deepcopy(signed_teamwork_badge)
    document["proof"]["note"] = "signed on a Tuesday"
    assert statuses(document) == [("invalid", "safe_mode_undefined_term")]


def test_a_relative_identifier_added_after_signing_makes_the_proof_invalid(
    signed_teamwork_badge: dict[str, Any],
) -> None:
    document = copy.deepcopy(signed_teamwork_badge)
    document["credentialSubject"]["id"] = "learner-1"
    assert statuses(document) == [("invalid", "safe_mode_relative_id")]


UNKNOWN_CONTEXT = "https://contexts.attacker.example/badge.jsonld"


def test_a_document_with_an_unknown_context_is_refused_without_touching_the_network(
    no_network: list[Any],
) -> None:
    credential = teamwork_badge()
    credential["@context"] = [*credential["@context"], UNKNOWN_CONTEXT]
    with pytest.raises(ContextError) as transform_exc:
        di.transform(credential)
    with pytest.raises(ContextError) as sign_exc:
        di.add_proof(credential, ISSUER_KEY, created=CREATED)
    assert transform_exc.value.code == sign_exc.value.code == "unknown_context"


def test_a_signed_document_given_an_unknown_context_is_invalid_without_touching_the_network(
    signed_teamwork_badge: dict[str, Any], no_network: list[Any]
) -> None:
    document = copy.deepcopy(signed_teamwork_badge)
    document["@context"] = [*document["@context"], UNKNOWN_CONTEXT]
    assert statuses(document) == [("invalid", "unknown_context")]


def test_a_context_url_changed_after_signing_makes_the_proof_invalid(
    signed_teamwork_badge: dict[str, Any],
) -> None:
    for version in ("3.0.0", "3.0.1", "3.0.2"):
        document = copy.deepcopy(signed_teamwork_badge)
        document["@context"][1] = OB_CONTEXT.replace("3.0.3", version)
        assert di.overall(di.verify_document(document, LOCAL)) == "invalid", version


RELATIVE_CONTEXT_REFERENCES = [
    ("top-level", "https0//purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"),
    ("credentialSubject", "context.jsonld"),
    ("credentialSubject", {"@import": "context.jsonld"}),
]


@pytest.mark.parametrize(("where", "context"), RELATIVE_CONTEXT_REFERENCES)
def test_a_signed_document_given_a_relative_context_reference_is_invalid(
    signed_teamwork_badge: dict[str, Any], where: str, context: Any, no_network: list[Any]
) -> None:
    document = copy.deepcopy(signed_teamwork_badge)
    if where == "top-level":
        document["@context"][1] = context
    else:
        document["credentialSubject"]["@context"] = context
    (result,) = di.verify_document(document, LOCAL)
    assert result.status == "invalid"
    with pytest.raises((ContextError, MalformedInputError)):
        di.transform({k: v for k, v in document.items() if k != "proof"})


def test_the_network_guard_itself_catches_a_connection(no_network: list[Any]) -> None:
    with pytest.raises(AssertionError, match="network access attempted"):
        socket.create_connection(("contexts.attacker.example", 443))
    no_network.clear()


# ---- properties -------------------------------------------------------------------------------

# Any Unicode scalar value (control characters included); lone surrogates are not text.
ANY_CHARACTER = st.characters(codec="utf-8")
ANY_TEXT = st.text(ANY_CHARACTER, min_size=1, max_size=24)
SLUG = st.text("abcdefghijklmnopqrstuvwxyz0123456789-", min_size=1, max_size=12)


@st.composite
def alignments(draw: st.DrawFn) -> dict[str, Any]:
    alignment = {
        "type": ["Alignment"],
        "targetName": draw(ANY_TEXT),
        "targetUrl": f"https://frameworks.example/{draw(SLUG)}",
    }
    if draw(st.booleans()):
        alignment["targetDescription"] = draw(ANY_TEXT)
    return alignment


@st.composite
def evidence_items(draw: st.DrawFn, number: int) -> dict[str, Any]:
    item: dict[str, Any] = {"type": ["Evidence"], "narrative": draw(ANY_TEXT)}
    if draw(st.booleans()):
        # Distinct ids: two objects with one id are one RDF node, and dropping a member
        # one of them repeats from the other would rightly change nothing that is signed.
        item["id"] = f"https://portfolio.example/{number}/{draw(SLUG)}"
    if draw(st.booleans()):
        item["name"] = draw(ANY_TEXT)
    return item


@st.composite
def ob3_credentials(draw: st.DrawFn) -> dict[str, Any]:
    credential = teamwork_badge()
    credential["name"] = draw(ANY_TEXT)
    achievement = credential["credentialSubject"]["achievement"]
    achievement["name"] = draw(ANY_TEXT)
    achievement["description"] = draw(ANY_TEXT)
    achievement["criteria"]["narrative"] = draw(ANY_TEXT)
    found = draw(st.lists(alignments(), max_size=3))
    if found:
        achievement["alignment"] = found
    evidence = [draw(evidence_items(number)) for number in range(draw(st.integers(0, 3)))]
    if evidence:
        credential["evidence"] = evidence
    return credential


def string_paths(value: Any, path: tuple[Any, ...] = ()) -> Iterator[tuple[Any, ...]]:
    """Paths to every non-empty string value in a JSON document but its context URLs.

    Context URLs have their own tests: an unknown one is refused before any
    canonicalization, and a relative one is the bug pinned by
    ``test_a_signed_document_given_a_relative_context_reference_is_invalid``.
    """
    if isinstance(value, dict):
        for key, item in value.items():
            if key != "@context":
                yield from string_paths(item, (*path, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from string_paths(item, (*path, index))
    elif isinstance(value, str) and value:
        yield path


def key_paths(value: Any, path: tuple[Any, ...] = ()) -> Iterator[tuple[Any, ...]]:
    """Paths to every member of every object in a JSON document."""
    if isinstance(value, dict):
        for key, item in value.items():
            yield (*path, key)
            yield from key_paths(item, (*path, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from key_paths(item, (*path, index))


def objects_without_description(
    value: Any, path: tuple[Any, ...] = ()
) -> Iterator[tuple[Any, ...]]:
    if isinstance(value, dict):
        if "description" not in value and "@context" not in path:
            yield path
        for key, item in value.items():
            yield from objects_without_description(item, (*path, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from objects_without_description(item, (*path, index))


def at(document: Any, path: tuple[Any, ...]) -> Any:
    for step in path:
        document = document[step]
    return document


def body_of(signed: Mapping[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in signed.items() if k != "proof"}


PROPERTY_SETTINGS = settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)


@PROPERTY_SETTINGS
@given(ob3_credentials())
def test_any_generated_ob3_credential_signs_and_verifies(credential: dict[str, Any]) -> None:
    signed = di.add_proof(credential, ISSUER_KEY, created=CREATED)
    assert statuses(signed) == [("valid", "ok")]


@PROPERTY_SETTINGS
@given(ob3_credentials(), st.data())
def test_changing_any_one_character_of_any_string_of_a_signed_credential_is_detected(
    credential: dict[str, Any], data: st.DataObject
) -> None:
    signed = di.add_proof(credential, ISSUER_KEY, created=CREATED)
    path = data.draw(st.sampled_from(sorted(string_paths(body_of(signed)), key=repr)))
    original: str = at(signed, path)
    position = data.draw(st.integers(0, len(original) - 1))
    replacement = data.draw(ANY_CHARACTER.filter(lambda c: c != original[position]))
    tampered = copy.deepcopy(signed)
    at(tampered, path[:-1])[path[-1]] = original[:position] + replacement + original[position + 1 :]
    assert di.overall(di.verify_document(tampered, LOCAL)) == "invalid"


@PROPERTY_SETTINGS
@given(ob3_credentials(), st.data())
def test_dropping_any_one_member_of_a_signed_credential_is_detected(
    credential: dict[str, Any], data: st.DataObject
) -> None:
    signed = di.add_proof(credential, ISSUER_KEY, created=CREATED)
    path = data.draw(st.sampled_from(sorted(key_paths(body_of(signed)), key=repr)))
    tampered = copy.deepcopy(signed)
    del at(tampered, path[:-1])[path[-1]]
    assert di.overall(di.verify_document(tampered, LOCAL)) == "invalid"


@PROPERTY_SETTINGS
@given(ob3_credentials(), st.data(), ANY_TEXT)
def test_adding_a_defined_property_to_a_signed_credential_is_detected(
    credential: dict[str, Any], data: st.DataObject, description: str
) -> None:
    signed = di.add_proof(credential, ISSUER_KEY, created=CREATED)
    path = data.draw(
        st.sampled_from(sorted(objects_without_description(body_of(signed)), key=repr))
    )
    tampered = copy.deepcopy(signed)
    at(tampered, path)["description"] = description
    assert di.overall(di.verify_document(tampered, LOCAL)) == "invalid"


@PROPERTY_SETTINGS
@given(ob3_credentials(), st.data())
def test_changing_any_one_character_of_the_proof_value_is_detected(
    credential: dict[str, Any], data: st.DataObject
) -> None:
    signed = di.add_proof(credential, ISSUER_KEY, created=CREATED)
    proof_value: str = signed["proof"]["proofValue"]
    position = data.draw(st.integers(0, len(proof_value) - 1))
    replacement = data.draw(ANY_CHARACTER.filter(lambda c: c != proof_value[position]))
    tampered = copy.deepcopy(signed)
    tampered["proof"]["proofValue"] = (
        proof_value[:position] + replacement + proof_value[position + 1 :]
    )
    (result,) = di.verify_document(tampered, LOCAL)
    assert result.status == "invalid"
    assert result.code in ("invalid_signature", "malformed_proof_value")
