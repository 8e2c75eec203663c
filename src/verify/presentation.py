"""Verifiable Presentations: a report per credential plus the presentation's own proof.

A presentation (W3C VC Data Model, ``VerifiablePresentation``) is a container: the
credentials it carries are verified one by one exactly as if given alone
(:attr:`Report.credentials`), and the presentation's own proof, if any, is checked
as the holder's: a Data Integrity proof with ``proofPurpose`` ``authentication``
(``verifiableCredential`` items inside are part of the signed document), or a
VP-JWT (``vp`` claim, ``kid`` resolved for ``authentication``, RS256 / ES256 /
EdDSA). ``challenge``/``domain`` (or ``nonce``/``aud``) are not compared: the
verifier has none to offer, so a presentation proves who assembled it, not when.

* A presentation without a proof is accepted as a container: notice
  ``presentation_unsigned``, ``proof`` skipped, its credentials decide.
* ``issuer`` holds the holder binding: the key's controller must be the
  ``holder`` (``holder_bound`` / ``holder_key_mismatch``), skipped without a holder.
* ``credentials`` summarises the per-credential verdicts; the presentation is
  ``invalid`` if any credential (or its proof) is invalid, ``indeterminate`` if any
  is indeterminate. A presentation inside a presentation is refused.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from obcore.errors import InvalidKeyError, ObcoreError, ResolutionError
from obcore.proofs import dataintegrity as di
from obcore.resolve import ResolvedMethod
from verify.ob2 import split_jws
from verify.report import Check, CheckStatus, Report

if TYPE_CHECKING:
    from verify.pipeline import VerifyOptions

AUTHENTICATION = "authentication"
MAX_CREDENTIALS = 32
VP_JWT_ALGS = {"EdDSA": "ed25519", "ES256": "p256", "RS256": "rsa"}
ENVELOPED_JWT_PREFIXES = ("data:application/vc+jwt,", "data:application/vc-ld+jwt,")

VerifyOne = Callable[[Mapping[str, Any] | str], Report]
"""Verifies one credential of the presentation (the pipeline, without presentations)."""

DocumentChecks = Callable[[Mapping[str, Any], dict[str, str], bool], list[Check]]
"""The pipeline's ``contexts`` and ``safe_mode`` checks for a JSON-LD document."""


@dataclass(frozen=True)
class Stages:
    """What the presentation needs from the pipeline (injected to avoid an import cycle)."""

    verify_one: VerifyOne
    document_checks: DocumentChecks


def is_presentation(document: Mapping[str, Any]) -> bool:
    types = document.get("type")
    types = [types] if isinstance(types, str) else types
    return isinstance(types, list) and "VerifiablePresentation" in types


def _holder(document: Mapping[str, Any]) -> str | None:
    holder = document.get("holder")
    if isinstance(holder, Mapping):
        holder = holder.get("id")
    return holder if isinstance(holder, str) else None


def _holder_binding(holder: str | None, resolved: ResolvedMethod | None) -> Check:
    if holder is None:
        return Check("issuer", "skipped", "no_holder")
    data = {"holder": holder, "verificationMethod": resolved.id if resolved else None}
    if resolved is not None and resolved.controller == holder:
        return Check("issuer", "valid", "holder_bound", None, data)
    controller = resolved.controller if resolved else None
    return Check(
        "issuer",
        "invalid",
        "holder_key_mismatch",
        f"the key's controller {controller!r} is not the holder {holder!r}",
        data,
    )


def _unwrap(item: Any) -> Mapping[str, Any] | str | None:
    """A credential as the pipeline takes it; enveloped VC-JWTs are unwrapped."""
    if isinstance(item, str):
        return item
    if not isinstance(item, Mapping):
        return None
    types = item.get("type")
    types = [types] if isinstance(types, str) else types
    item_id = item.get("id")
    if (
        isinstance(types, list)
        and "EnvelopedVerifiableCredential" in types
        and isinstance(item_id, str)
    ):
        for prefix in ENVELOPED_JWT_PREFIXES:
            if item_id.startswith(prefix):
                return item_id[len(prefix) :]
        return None
    return item


def _credentials(vp: Mapping[str, Any], stages: Stages) -> tuple[Check, list[Report]]:
    raw = vp.get("verifiableCredential")
    items = [] if raw is None else raw if isinstance(raw, list) else [raw]
    if not items:
        return Check("credentials", "skipped", "presentation_empty"), []
    if len(items) > MAX_CREDENTIALS:
        detail = f"more than {MAX_CREDENTIALS} credentials"
        return Check("credentials", "invalid", "presentation_too_large", detail), []
    reports: list[Report] = []
    for item in items:
        credential = _unwrap(item)
        if credential is None:
            check = Check("parse", "invalid", "not_a_credential", "the item is not a credential")
            reports.append(Report("unknown", [check]))
        elif isinstance(credential, Mapping) and is_presentation(credential):
            check = Check(
                "parse",
                "invalid",
                "presentation_nested",
                "a presentation cannot carry a presentation",
            )
            reports.append(Report("vp", [check]))
        else:
            reports.append(stages.verify_one(credential))
    verdicts = [r.verdict for r in reports]
    data = {"count": len(reports), "verdicts": verdicts}
    if "invalid" in verdicts:
        return Check("credentials", "invalid", "credential_invalid", None, data), reports
    if "indeterminate" in verdicts:
        return Check("credentials", "indeterminate", "credential_unchecked", None, data), reports
    return Check("credentials", "valid", "credentials_valid", None, data), reports


def _summary(vp: Mapping[str, Any], reports: list[Report]) -> dict[str, Any]:
    summary: dict[str, Any] = {
        "id": vp.get("id"),
        "holder": _holder(vp),
        "credentials": len(reports),
    }
    return {k: v for k, v in summary.items() if v is not None}


def _di_proof(
    vp: Mapping[str, Any], options: VerifyOptions, cache: dict[str, str], notices: list[str]
) -> tuple[Check, Check]:
    if vp.get("proof") is None:
        notices.append("presentation_unsigned")
        return (
            Check("proof", "skipped", "presentation_unsigned"),
            Check("issuer", "skipped", "presentation_unsigned"),
        )
    proofs = di.verify_document(
        vp,
        options.resolver,
        expected_purpose=AUTHENTICATION,
        limits=options.limits,
        canonical_cache=cache,
    )
    for p in proofs:
        notices.extend(n for n in p.notices if n not in notices)
    verdict = di.overall(proofs)
    data = {
        "proofs": [
            {
                "type": p.type,
                "cryptosuite": p.cryptosuite,
                "status": p.status,
                "code": p.code,
                "proofPurpose": AUTHENTICATION,
                "verificationMethod": p.verification_method,
            }
            for p in proofs
        ]
    }
    if verdict == "valid":
        bindings = [_holder_binding(_holder(vp), p.resolved) for p in proofs if p.status == "valid"]
        bound = next((b for b in bindings if b.status in ("valid", "skipped")), bindings[0])
        return Check("proof", "valid", "proof_valid", None, data), bound
    failing = next((p for p in proofs if p.status == verdict), proofs[0])
    status: CheckStatus = (
        "indeterminate" if verdict in ("indeterminate", "unsupported") else "invalid"
    )
    code = failing.code if verdict != "unsupported" else "unsupported_proof_type"
    return Check("proof", status, code, failing.message, data), Check(
        "issuer", "skipped", "no_proof"
    )


def _finish(
    fmt: str,
    vp: Mapping[str, Any],
    *,
    document_checks: list[Check],
    proof: Check,
    binding: Check,
    stages: Stages,
    notices: list[str],
    validity: Check | None = None,
) -> Report:
    credentials_check, reports = _credentials(vp, stages)
    checks = [
        Check("parse", "valid", "parsed", None, {"format": fmt}),
        *document_checks,
        Check("schema", "skipped", "schema_not_applicable", "a presentation has no schema"),
        proof,
        binding,
        validity or Check("validity", "skipped", "no_validity_period"),
        credentials_check,
    ]
    return Report(
        fmt,
        checks,
        credential=dict(vp),
        summary=_summary(vp, reports),
        notices=notices,
        credentials=reports,
    )


def verify_presentation(
    vp: Mapping[str, Any], options: VerifyOptions, stages: Stages, *, fmt: str = "vp"
) -> Report:
    """A presentation given as JSON, with an embedded proof or none."""
    cache: dict[str, str] = {}
    notices: list[str] = []
    document_checks = stages.document_checks(vp, cache, True)
    blocking = next((c for c in document_checks if c.status == "invalid"), None)
    if blocking is not None and vp.get("proof") is not None:
        detail = "the presentation cannot be canonicalized safely"
        proof = Check("proof", "invalid", blocking.code, detail)
        binding = Check("issuer", "skipped", "no_proof")
    else:
        proof, binding = _di_proof(vp, options, cache, notices)
    return _finish(
        fmt,
        vp,
        document_checks=document_checks,
        proof=proof,
        binding=binding,
        stages=stages,
        notices=notices,
    )


def _jwt_dates(claims: Mapping[str, Any], options: VerifyOptions) -> Check:
    now = options.current_time()
    skew = options.clock_skew
    for claim in ("nbf", "exp"):
        value = claims.get(claim)
        if value is None:
            continue
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            return Check("validity", "invalid", "invalid_date", f"{claim} is not a NumericDate")
        try:
            when = datetime.fromtimestamp(value, UTC)
        except (OverflowError, OSError, ValueError):
            return Check("validity", "invalid", "invalid_date", f"{claim} is out of range")
        if claim == "nbf" and now + skew < when:
            return Check("validity", "invalid", "not_yet_valid", f"nbf {di.format_datetime(when)}")
        if claim == "exp" and now - skew > when:
            return Check("validity", "invalid", "expired", f"exp {di.format_datetime(when)}")
    return Check("validity", "valid", "within_validity")


def _jwt_proof(
    header: Mapping[str, Any],
    signing_input: bytes,
    signature: bytes,
    options: VerifyOptions,
) -> tuple[Check, ResolvedMethod | None]:
    alg = header.get("alg")
    if not isinstance(alg, str) or alg not in VP_JWT_ALGS:
        detail = f"alg {alg!r} is not allowed ({', '.join(sorted(VP_JWT_ALGS))})"
        return Check("proof", "invalid", "jwt_alg_not_allowed", detail), None
    if "crit" in header:
        return Check("proof", "invalid", "jwt_header_not_allowed", "crit is not supported"), None
    kid = header.get("kid")
    if not isinstance(kid, str) or not kid:
        detail = "a VP-JWT names its key with kid"
        return Check("proof", "invalid", "jwt_no_key_reference", detail), None
    data = {"alg": alg, "verificationMethod": kid, "proofPurpose": AUTHENTICATION}
    try:
        resolved = options.resolver(kid, AUTHENTICATION)
    except ResolutionError as exc:
        return Check("proof", "indeterminate", exc.code, exc.message, data), None
    except (InvalidKeyError, ObcoreError) as exc:
        return Check("proof", "invalid", exc.code, exc.message, data), None
    if not resolved.authorised:
        detail = f"{kid} is not authorised for authentication"
        return Check("proof", "invalid", "verification_method_not_authorised", detail, data), None
    if resolved.key.type != VP_JWT_ALGS[alg]:
        detail = f"alg {alg} cannot be used with a {resolved.key.type} key"
        return Check("proof", "invalid", "jwt_alg_key_mismatch", detail, data), None
    if not resolved.key.verify(signature, signing_input, alg):
        return Check("proof", "invalid", "invalid_signature", None, data), None
    return Check("proof", "valid", "proof_valid", None, data), resolved


def verify_presentation_jwt(
    token: str, options: VerifyOptions, stages: Stages, *, fmt: str = "vp-jwt"
) -> Report:
    """A VP-JWT: the ``vp`` claim, signed by the holder's ``authentication`` key."""
    try:
        jws = split_jws(token)
    except ObcoreError as exc:
        return Report(fmt, [Check("parse", "invalid", exc.code, exc.message)])
    vp = jws.payload.get("vp")
    if not isinstance(vp, dict) or not is_presentation(vp):
        detail = "the vp claim is not a VerifiablePresentation"
        return Report(fmt, [Check("parse", "invalid", "malformed_jwt", detail)])
    notices: list[str] = []
    document_checks = stages.document_checks(vp, {}, False)
    proof, resolved = _jwt_proof(jws.header, jws.signing_input, jws.signature, options)
    iss = jws.payload.get("iss")
    holder = _holder(vp)
    if isinstance(iss, str) and holder is not None and iss != holder:
        binding = Check(
            "issuer", "invalid", "jwt_claims_mismatch", "iss is not the presentation's holder"
        )
    elif proof.status != "valid":
        binding = Check("issuer", "skipped", "no_proof")
    else:
        binding = _holder_binding(holder or (iss if isinstance(iss, str) else None), resolved)
    validity = _jwt_dates(jws.payload, options)
    return _finish(
        fmt,
        vp,
        document_checks=document_checks,
        proof=proof,
        binding=binding,
        stages=stages,
        notices=notices,
        validity=validity,
    )
