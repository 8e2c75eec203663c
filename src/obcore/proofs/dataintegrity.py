"""Embedded proofs: Data Integrity ``eddsa-rdfc-2022`` and ``Ed25519Signature2020``.

Specification: W3C *Data Integrity EdDSA Cryptosuites v1.0*
(https://www.w3.org/TR/vc-di-eddsa/), section 3.3 "eddsa-rdfc-2022". Method
names follow the algorithm steps:

* :func:`transform` — §3.3.3 Transformation (RDFC-1.0 of the unsecured document);
* :func:`proof_configuration` — §3.3.5 Proof Configuration;
* :func:`hash_data` — §3.3.4 Hashing (SHA-256(config) ‖ SHA-256(document));
* :func:`serialize_proof` — §3.3.6 Proof Serialization (Ed25519, base58btc);
* :func:`verify_proof_value` — §3.3.7 Proof Verification;
* :func:`add_proof` — §3.3.1 Create Proof; :func:`verify_proof` — §3.3.2 Verify Proof.

Policies (see ``docs/verification-policy.md``):

* ``eddsa-2022`` — the pre-Recommendation name of the same algorithm — is
  verified exactly like ``eddsa-rdfc-2022`` and reported with a notice; it is
  never produced.
* ``Ed25519Signature2020`` (legacy suite, same hashing; the proof
  configuration gets the suite context appended when the document lacks it,
  as jsonld-signatures does) is verified and never produced.
* Several proofs: each recognised proof is checked; the document is verified
  when at least one proof verifies and none of the recognised ones fails.
  Proofs of an unknown type are reported as ``unsupported`` and ignored.
* Safe mode applies to the document and to each proof configuration.
"""

from __future__ import annotations

import copy
import hashlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Literal

from obcore import compiled, multibase, rdfc
from obcore.contexts import ED25519_2020
from obcore.errors import (
    InvalidKeyError,
    MalformedInputError,
    ObcoreError,
    ProofError,
    ResolutionError,
    SignatureError,
)
from obcore.keys import KeyPair, PublicKey
from obcore.resolve import MethodResolver, ResolvedMethod

DATA_INTEGRITY_PROOF = "DataIntegrityProof"
EDDSA_RDFC_2022 = "eddsa-rdfc-2022"
EDDSA_2022 = "eddsa-2022"
ED25519_SIGNATURE_2020 = "Ed25519Signature2020"
ASSERTION_METHOD = "assertionMethod"

SUPPORTED_CRYPTOSUITES = frozenset({EDDSA_RDFC_2022, EDDSA_2022})

ProofStatus = Literal["valid", "invalid", "unsupported", "indeterminate"]


@dataclass(frozen=True)
class ProofCheck:
    """The outcome of checking one embedded proof."""

    index: int
    type: str
    cryptosuite: str | None
    verification_method: str | None
    status: ProofStatus
    code: str
    message: str
    resolved: ResolvedMethod | None = None
    notices: tuple[str, ...] = ()


def format_datetime(value: datetime) -> str:
    """XSD dateTime in UTC with second precision (``2024-01-01T00:00:00Z``)."""
    return value.astimezone(UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")


def _canonical(document: Mapping[str, Any], limits: rdfc.Limits) -> str:
    return compiled.canonicalize(document, limits)


# ---- algorithm steps ----------------------------------------------------------


def transform(unsecured: Mapping[str, Any], limits: rdfc.Limits = rdfc.DEFAULT_LIMITS) -> str:
    """§3.3.3 Transformation: canonical N-Quads of the unsecured document."""
    return _canonical(unsecured, limits)


def proof_configuration(
    options: Mapping[str, Any],
    document_context: Any,
    limits: rdfc.Limits = rdfc.DEFAULT_LIMITS,
) -> str:
    """§3.3.5 Proof Configuration: canonical N-Quads of the proof options.

    ``options`` must not hold ``proofValue``; its ``@context`` becomes the
    document's. For the legacy Ed25519Signature2020 suite the suite context is
    appended when the document does not carry it.
    """
    config = dict(options)
    config.pop("proofValue", None)
    if config.get("type") == ED25519_SIGNATURE_2020:
        ctx = list(document_context) if isinstance(document_context, list) else [document_context]
        if ED25519_2020 not in ctx:
            ctx.append(ED25519_2020)
        config["@context"] = ctx
    else:
        config["@context"] = document_context
    return _canonical(config, limits)


def hash_data(canonical_config: str, canonical_document: str) -> bytes:
    """§3.3.4 Hashing: SHA-256(proof configuration) ‖ SHA-256(document), 64 bytes."""
    return (
        hashlib.sha256(canonical_config.encode("utf-8")).digest()
        + hashlib.sha256(canonical_document.encode("utf-8")).digest()
    )


def serialize_proof(hashed: bytes, key: KeyPair) -> str:
    """§3.3.6 Proof Serialization: Ed25519 signature, multibase base58btc."""
    if key.type != "ed25519":
        raise InvalidKeyError("eddsa-rdfc-2022 signs with an Ed25519 key", code="wrong_key_type")
    return multibase.encode_z(key.sign(hashed))


def verify_proof_value(hashed: bytes, proof_value: Any, public: PublicKey) -> bool:
    """§3.3.7 Proof Verification."""
    if public.type != "ed25519":
        raise InvalidKeyError(
            "eddsa proofs need an Ed25519 verification key", code="wrong_key_type"
        )
    if not isinstance(proof_value, str):
        raise ProofError("proofValue is missing or not a string", code="malformed_proof_value")
    try:
        signature = multibase.decode_z(proof_value)
    except MalformedInputError as exc:
        raise ProofError(
            "proofValue is not multibase base58btc", code="malformed_proof_value"
        ) from exc
    if len(signature) != 64:
        raise ProofError("an Ed25519 signature is 64 bytes", code="malformed_proof_value")
    return public.verify(signature, hashed)


# ---- create -----------------------------------------------------------------------


def proof_options(
    key: KeyPair,
    *,
    verification_method: str | None = None,
    created: datetime | str | None = None,
    proof_purpose: str = ASSERTION_METHOD,
) -> dict[str, Any]:
    vm = verification_method or key.id
    if not vm:
        raise ProofError(
            "a verification method id is required to sign", code="missing_verification_method"
        )
    when = created or datetime.now(UTC)
    return {
        "type": DATA_INTEGRITY_PROOF,
        "cryptosuite": EDDSA_RDFC_2022,
        "created": when if isinstance(when, str) else format_datetime(when),
        "verificationMethod": vm,
        "proofPurpose": proof_purpose,
    }


def add_proof(
    document: Mapping[str, Any],
    key: KeyPair,
    *,
    verification_method: str | None = None,
    created: datetime | str | None = None,
    proof_purpose: str = ASSERTION_METHOD,
    limits: rdfc.Limits = rdfc.DEFAULT_LIMITS,
) -> dict[str, Any]:
    """§3.3.1 Create Proof: return a copy of ``document`` with an eddsa-rdfc-2022 proof.

    An existing proof (or proof set) is kept and the new proof appended. The
    document is checked in safe mode: undefined terms are refused.
    """
    if "@context" not in document:
        raise MalformedInputError("the document has no @context", code="missing_context")
    secured: dict[str, Any] = _copy(dict(document))
    existing = secured.pop("proof", None)
    options = proof_options(
        key, verification_method=verification_method, created=created, proof_purpose=proof_purpose
    )
    canonical_document = transform(secured, limits)
    canonical_config = proof_configuration(options, secured["@context"], limits)
    proof = {
        **options,
        "proofValue": serialize_proof(hash_data(canonical_config, canonical_document), key),
    }
    if existing is None:
        secured["proof"] = proof
    else:
        secured["proof"] = [*(existing if isinstance(existing, list) else [existing]), proof]
    return secured


# ---- verify -----------------------------------------------------------------------


def _proofs(document: Mapping[str, Any]) -> list[Any]:
    proof = document.get("proof")
    if proof is None:
        return []
    return list(proof) if isinstance(proof, list) else [proof]


def _starts_with(context: Any, prefix: Any) -> bool:
    ctx = context if isinstance(context, list) else [context]
    pre = prefix if isinstance(prefix, list) else [prefix]
    return ctx[: len(pre)] == pre


def verify_proof(
    document: Mapping[str, Any],
    proof: Any,
    resolver: MethodResolver,
    *,
    index: int = 0,
    expected_purpose: str = ASSERTION_METHOD,
    limits: rdfc.Limits = rdfc.DEFAULT_LIMITS,
    _canonical_cache: dict[str, str] | None = None,
) -> ProofCheck:
    """§3.3.2 Verify Proof for one embedded proof of ``document``."""
    if not isinstance(proof, Mapping):
        return ProofCheck(
            index, "?", None, None, "invalid", "malformed_proof", "a proof must be a JSON object"
        )
    ptype = proof.get("type")
    suite = proof.get("cryptosuite")
    vm = proof.get("verificationMethod")
    vm_id = vm.get("id") if isinstance(vm, Mapping) else vm
    vm_id = vm_id if isinstance(vm_id, str) else None
    ptype_s = ptype if isinstance(ptype, str) else str(ptype)
    suite_s = suite if isinstance(suite, str) else None
    notices: list[str] = []

    def result(
        status: ProofStatus, code: str, message: str, resolved: ResolvedMethod | None = None
    ) -> ProofCheck:
        return ProofCheck(
            index, ptype_s, suite_s, vm_id, status, code, message, resolved, tuple(notices)
        )

    if ptype == DATA_INTEGRITY_PROOF:
        if suite not in SUPPORTED_CRYPTOSUITES:
            return result(
                "unsupported",
                "unsupported_cryptosuite",
                f"cryptosuite {_shown(suite)} is not supported",
            )
        if suite == EDDSA_2022:
            notices.append("legacy_cryptosuite_name")
    elif ptype != ED25519_SIGNATURE_2020:
        return result(
            "unsupported", "unsupported_proof_type", f"proof type {_shown(ptype)} is not supported"
        )
    purpose = proof.get("proofPurpose")
    if purpose != expected_purpose:
        return result(
            "invalid",
            "proof_purpose_mismatch",
            f"proofPurpose is {_shown(purpose)}, expected {expected_purpose!r}",
        )
    created = proof.get("created")
    if created is not None and not _is_datetime(created):
        return result("invalid", "malformed_proof", "proof.created is not a valid date-time")
    if vm_id is None:
        return result(
            "invalid", "missing_verification_method", "the proof names no verification method"
        )
    unsecured = {k: v for k, v in document.items() if k != "proof"}
    options = {k: v for k, v in proof.items() if k != "proofValue"}
    if "@context" in options:
        if not _starts_with(document.get("@context"), options["@context"]):
            return result(
                "invalid",
                "proof_context_mismatch",
                "the proof's @context does not match the document's",
            )
        unsecured["@context"] = options["@context"]
    # Canonicalize first: a safe-mode or bound violation makes the proof
    # invalid whatever the key, and must not be masked by a resolution failure.
    try:
        cache = _canonical_cache if _canonical_cache is not None else {}
        cache_key = repr(unsecured.get("@context"))
        canonical_document = cache.get(cache_key)
        if canonical_document is None:
            canonical_document = transform(unsecured, limits)
            cache[cache_key] = canonical_document
        canonical_config = proof_configuration(options, unsecured.get("@context"), limits)
    except ObcoreError as exc:
        return result("invalid", exc.code, exc.message)
    try:
        resolved = resolver(vm_id, expected_purpose)
    except ResolutionError as exc:
        return result("indeterminate", exc.code, exc.message)
    except InvalidKeyError as exc:
        return result("invalid", exc.code, exc.message)
    if resolved.source == "did:key-bare":
        notices.append("bare_did_key_method")
    if not resolved.authorised:
        return result(
            "invalid",
            "verification_method_not_authorised",
            f"{vm_id} is not authorised for {expected_purpose}",
            resolved,
        )
    try:
        ok = verify_proof_value(
            hash_data(canonical_config, canonical_document), proof.get("proofValue"), resolved.key
        )
    except ObcoreError as exc:
        return result("invalid", exc.code, exc.message, resolved)
    if not ok:
        return result("invalid", SignatureError.code, "the signature does not verify", resolved)
    return result("valid", "ok", "the signature verifies", resolved)


def verify_document(
    document: Mapping[str, Any],
    resolver: MethodResolver,
    *,
    expected_purpose: str = ASSERTION_METHOD,
    limits: rdfc.Limits = rdfc.DEFAULT_LIMITS,
    canonical_cache: dict[str, str] | None = None,
) -> list[ProofCheck]:
    """Check every embedded proof of ``document`` (see the module policy).

    ``canonical_cache`` may hold canonical forms of the unsecured document
    already computed by the caller (keyed by ``repr`` of its ``@context``).
    """
    cache: dict[str, str] = canonical_cache if canonical_cache is not None else {}
    return [
        verify_proof(
            document,
            proof,
            resolver,
            index=i,
            expected_purpose=expected_purpose,
            limits=limits,
            _canonical_cache=cache,
        )
        for i, proof in enumerate(_proofs(document))
    ]


def overall(checks: Sequence[ProofCheck]) -> ProofStatus:
    """Combine proof checks: valid when one is valid and no recognised one fails."""
    recognised = [c for c in checks if c.status != "unsupported"]
    if any(c.status == "invalid" for c in recognised):
        return "invalid"
    if any(c.status == "valid" for c in recognised):
        return "valid"
    if any(c.status == "indeterminate" for c in recognised):
        return "indeterminate"
    return "unsupported"


def _copy(value: Any) -> Any:
    """A deep copy: JSON data copied directly (much faster than ``copy.deepcopy``)."""
    kind = type(value)
    if kind is dict:
        return {key: _copy(item) for key, item in value.items()}
    if kind is list:
        return [_copy(item) for item in value]
    if kind is str or kind is int or kind is float or kind is bool or value is None:
        return value
    return copy.deepcopy(value)


def _shown(value: Any) -> str:
    """A value for a message: quoted, or "missing" (never the word None)."""
    return "missing" if value is None else repr(value)[:80]


def _is_datetime(value: Any) -> bool:
    if not isinstance(value, str):
        return False
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return False
    return parsed.tzinfo is not None or "T" in value
