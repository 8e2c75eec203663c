"""The verification pipeline: any supported input in, a :class:`~verify.report.Report` out.

Order follows the OB 3.0 verification algorithm (``ob_v3p0/verification.md``):
parse → contexts → safe mode → schema → proof → issuer binding → refresh →
status → validity window → endorsements → recipient.

Everything with an outside dependency is injected through
:class:`VerifyOptions`: the verification-method resolver, the source of status
list documents, the source of other network documents (OB 2.0 hosted
Assertions, BadgeClasses, Profiles, keys, revocation lists), and the current
time. The pipeline itself does no I/O, so it is deterministic and fast to
test; :mod:`verify.resolvers` builds the network-backed collaborators.
Policy decisions are documented in ``docs/verification-policy.md``.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from typing import Any

from obcore import baking, compiled, jsonld, jsontext, rdfc
from obcore import contexts as ctx_mod
from obcore import identity as identity_mod
from obcore.errors import (
    ContextError,
    InvalidKeyError,
    LimitExceededError,
    MalformedInputError,
    ObcoreError,
    ProofError,
    ResolutionError,
    SafeModeError,
    SignatureError,
)
from obcore.keys import PublicKey
from obcore.model import display_text, is_ob3_context, node_id, parse_datetime, type_names
from obcore.proofs import dataintegrity as di
from obcore.proofs import vcjwt
from obcore.resolve import LocalResolver, MethodResolver, ResolvedMethod
from obcore.schema import declared_schema_ids, language_values_as_strings, validate_credential
from obcore.statuslist import status_of
from verify import ob2, presentation
from verify.report import Check, CheckStatus, Report
from verify.sources import ACCEPT_BADGE, DocumentSource

StatusSource = Callable[[str], Mapping[str, Any] | str]
"""Returns the status list credential (JSON object or VC-JWT) published at a URL.

Raises :class:`~obcore.errors.ResolutionError` when it cannot be obtained."""

MAX_INPUT_BYTES = 4 * 1024 * 1024
MAX_ENDORSEMENTS = 16
OB_TYPES = frozenset({"OpenBadgeCredential", "AchievementCredential"})
VC_CONTEXTS = frozenset({ctx_mod.VC_V1, ctx_mod.VC_V2})


@dataclass(frozen=True)
class VerifyOptions:
    resolver: MethodResolver = field(default_factory=LocalResolver)
    status_source: StatusSource | None = None
    now: datetime | None = None
    clock_skew: timedelta = timedelta(minutes=5)
    recipient: str | None = None
    # Other identifiers of the same person (their email and their DID): the recipient
    # check passes when the credential is made out to ``recipient`` or any of these.
    recipient_aliases: tuple[str, ...] = ()
    # Trust the 1EdTech ``https://issuer#z6Mk…`` convention for issuer binding
    # (off by default: it lets anyone name any https issuer; see the policy).
    trust_fragment_keys: bool = False
    check_schema: bool = True
    limits: rdfc.Limits = rdfc.DEFAULT_LIMITS
    # Network documents for OB 2.0 verification (hosted Assertions, BadgeClasses,
    # issuer Profiles, keys, revocation lists); None = offline (indeterminate).
    documents: DocumentSource | None = None

    def current_time(self) -> datetime:
        return self.now if self.now is not None else datetime.now(UTC)

    def recipients(self) -> tuple[str, ...]:
        """The identifiers the recipient check accepts (none: the check is skipped)."""
        return tuple(value for value in (self.recipient, *self.recipient_aliases) if value)


# ---------------------------------------------------------------------------
# Parsing
# ---------------------------------------------------------------------------


@dataclass
class _Parsed:
    format: str
    document: dict[str, Any] | None = None
    token: str | None = None
    url: str | None = None  # an OB 2.0 hosted Assertion given by its URL


_URL_RE = re.compile(r"https?://[^\s]+", re.IGNORECASE)


def _looks_like_jwt(text: str) -> bool:
    parts = text.strip().split(".")
    return len(parts) == 3 and all(parts) and not text.lstrip().startswith("{")


def _jws_format(token: str) -> str:
    """``vc-jwt``, ``vp-jwt`` (a ``vp`` claim) or ``ob2-signed`` (an OB 2.0 Assertion)."""
    payload = ob2.peek_jws_payload(token)
    if payload is not None and "vc" not in payload:
        if isinstance(payload.get("vp"), Mapping):
            return "vp-jwt"
        if ob2.is_assertion(payload):
            return "ob2-signed"
    return "vc-jwt"


def _parse(data: Mapping[str, Any] | str | bytes) -> _Parsed:
    """Recognise the input: JSON credential, compact JWS, or a baked PNG/SVG."""
    if isinstance(data, Mapping):
        return _Parsed("json", document=dict(data))
    if isinstance(data, bytes):
        if len(data) > MAX_INPUT_BYTES:
            raise LimitExceededError("input is too large", code="document_too_large")
        if (
            data.startswith(b"\x89PNG")
            or data.lstrip()[:5] in (b"<?xml", b"<svg ", b"<svg>")
            or (data.lstrip().startswith(b"<") and b"<svg" in data[:4096])
        ):
            unbaked = baking.unbake(data)
            inner = _parse(unbaked.payload)
            inner.format = f"baked-{unbaked.image_format}+{inner.format}"
            return inner
        try:
            data = data.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise MalformedInputError(
                "input is not UTF-8 text or an image", code="malformed_json"
            ) from exc
    text = data.strip().lstrip("\ufeff")
    if len(text) > MAX_INPUT_BYTES:
        raise LimitExceededError("input is too large", code="document_too_large")
    if _URL_RE.fullmatch(text):
        return _Parsed("ob2-hosted", url=text)
    if _looks_like_jwt(text):
        return _Parsed(_jws_format(text), token=text)
    try:
        document = jsontext.loads(text)
    except jsontext.UnpairedSurrogateError as exc:
        raise MalformedInputError(
            "input holds a lone UTF-16 surrogate escape: not Unicode text", code="malformed_json"
        ) from exc
    except (ValueError, RecursionError) as exc:  # ValueError: also 4,300+ digit integers
        raise MalformedInputError("input is not valid JSON", code="malformed_json") from exc
    if not isinstance(document, dict):
        raise MalformedInputError("a credential is a JSON object", code="not_a_credential")
    if set(document) == {"url"} and isinstance(document["url"], str):
        url = document["url"].strip()
        if not _URL_RE.fullmatch(url):
            raise MalformedInputError("url must be an http(s) URL", code="invalid_url")
        return _Parsed("ob2-hosted", url=url)
    return _Parsed("json", document=document)


def issuer_id(credential: Mapping[str, Any]) -> str | None:
    return node_id(credential.get("issuer"))


# ---------------------------------------------------------------------------
# Individual checks
# ---------------------------------------------------------------------------


def _check_contexts(doc: Mapping[str, Any]) -> Check:
    raw = doc.get("@context")
    contexts = raw if isinstance(raw, list) else [raw]
    if not contexts or not isinstance(contexts[0], str) or contexts[0] not in VC_CONTEXTS:
        return Check(
            "contexts",
            "invalid",
            "invalid_context_order",
            "the first @context must be the VC v1 or v2 context",
        )
    unknown = [c for c in contexts if isinstance(c, str) and not ctx_mod.is_known(c)]
    if unknown:
        return Check(
            "contexts",
            "invalid",
            "unknown_context",
            f"unknown context {unknown[0]!r}",
            {"contexts": unknown[:5]},
        )
    if type_names(doc.get("type")) & OB_TYPES and not any(is_ob3_context(c) for c in contexts):
        return Check(
            "contexts",
            "invalid",
            "missing_ob_context",
            "an OpenBadgeCredential needs the OB 3.0 context",
        )
    return Check("contexts", "valid", "contexts_known")


def _check_safe_mode(
    doc: Mapping[str, Any], limits: rdfc.Limits, cache: dict[str, str], *, signed_as_json: bool
) -> Check:
    unsecured = {k: v for k, v in doc.items() if k != "proof"}
    try:
        if not signed_as_json:
            # VC-JWT: the signature covers the bytes, so the canonical form (RDFC)
            # serves nothing; the safe-mode conversion stays (the compiled walk, or
            # the reference path), it is what finds undefined terms and types.
            compiled.to_quads(unsecured)
            return Check("safe_mode", "valid", "safe_mode_ok")
        canonical = compiled.canonicalize(unsecured, limits)
    except SafeModeError as exc:
        # For a VC-JWT the signature covers the bytes, so nothing can hide; still
        # undefined terms are not part of the credential's meaning.
        status: CheckStatus = "invalid" if signed_as_json else "indeterminate"
        return Check("safe_mode", status, exc.code, exc.message)
    except (ContextError, LimitExceededError, MalformedInputError) as exc:
        return Check("safe_mode", "invalid", exc.code, exc.message)
    cache[repr(unsecured.get("@context"))] = canonical
    return Check("safe_mode", "valid", "safe_mode_ok")


def _check_schema(doc: Mapping[str, Any], notices: list[str]) -> Check:
    """The 1EdTech JSON Schema, as the verification policy applies it.

    A credential that declares the schema in ``credentialSchema`` must conform to it.
    One that does not is not refused for what VCDM 2.0 itself permits and the schema
    predates: language value objects (``{"@value", "@language", "@direction"}``) where
    the schema wants a plain string. Such deviations are reported (the schema issues in
    the check's data, a notice), not failed; every other issue still fails.
    """
    result = validate_credential(doc)
    if (
        result.applicable
        and not result.valid
        and not result.converted_from_vcdm11
        and not declared_schema_ids(doc)
        and validate_credential(language_values_as_strings(doc)).valid
    ):
        issues = [{"path": i.path, "message": i.message} for i in result.issues]
        notices.append("schema_language_value_objects")
        return Check(
            "schema",
            "valid",
            "schema_language_values",
            f"{result.issues[0].path}: {result.issues[0].message}" if result.issues else None,
            {"schema": result.schema_id, "issues": issues, "total": result.total_issues},
        )
    if not result.applicable:
        return Check("schema", "skipped", "schema_not_applicable", result.note)
    if result.converted_from_vcdm11 and not result.valid:
        # The OB 3.0 schemas describe VCDM 2.0 credentials and no schema exists
        # for the 1.1 form (OB3-NOTES §9): issues are reported, not failed.
        issues = [{"path": i.path, "message": i.message} for i in result.issues]
        return Check(
            "schema",
            "skipped",
            "schema_legacy_relaxed",
            result.note,
            {"schema": result.schema_id, "issues": issues, "total": result.total_issues},
        )
    if result.valid:
        data = {"schema": result.schema_id}
        if result.converted_from_vcdm11:
            data["note"] = result.note or ""
        return Check("schema", "valid", "schema_valid", None, data)
    issues = [{"path": i.path, "message": i.message} for i in result.issues]
    first = result.issues[0] if result.issues else None
    detail = f"{first.path}: {first.message}" if first else None
    return Check(
        "schema",
        "invalid",
        "schema_invalid",
        detail,
        {"schema": result.schema_id, "issues": issues, "total": result.total_issues},
    )


def _binding(
    issuer: str | None,
    resolved: ResolvedMethod | None,
    key: PublicKey | None,
    options: VerifyOptions,
) -> Check:
    if issuer is None:
        return Check("issuer", "invalid", "missing_issuer", "the credential names no issuer")
    if resolved is None:
        # A key given inline (JWT header jwk) is bound only when the issuer DID is that key.
        if key is not None and issuer.startswith(("did:key:", "did:jwk:")):
            try:
                issuer_key = options.resolver(issuer, "assertionMethod").key
            except (ResolutionError, InvalidKeyError):
                issuer_key = None
            if issuer_key is not None and issuer_key.to_jwk() == key.to_jwk():
                return Check("issuer", "valid", "issuer_bound")
            return Check(
                "issuer", "invalid", "issuer_key_mismatch", "the header key is not the issuer's key"
            )
        return Check(
            "issuer",
            "indeterminate",
            "issuer_key_unbound",
            "the key is given inline and nothing links it to the issuer",
        )
    if resolved.source == "fragment" and not options.trust_fragment_keys:
        return Check(
            "issuer",
            "indeterminate",
            "issuer_key_unbound",
            "the key was read from the URL fragment without dereferencing the URL",
            {"verificationMethod": resolved.id},
        )
    if resolved.source in ("jwk", "jwks") and resolved.controller != issuer:
        # A bare JWK names no controller: the URL it was published at is not
        # proof that the issuer owns it.
        return Check(
            "issuer",
            "indeterminate",
            "issuer_key_unbound",
            "the key was published as a bare JWK that names no controller",
            {"verificationMethod": resolved.id},
        )
    if resolved.controller == issuer:
        return Check(
            "issuer",
            "valid",
            "issuer_bound",
            None,
            {"verificationMethod": resolved.id, "controller": resolved.controller},
        )
    return Check(
        "issuer",
        "invalid",
        "issuer_key_mismatch",
        f"key controller {resolved.controller!r} is not the issuer {issuer!r}",
        {"verificationMethod": resolved.id, "controller": resolved.controller},
    )


def _proof_checks_di(
    doc: Mapping[str, Any], options: VerifyOptions, cache: dict[str, str], notices: list[str]
) -> tuple[Check, Check]:
    proofs = di.verify_document(doc, options.resolver, limits=options.limits, canonical_cache=cache)
    issuer = issuer_id(doc)
    if not proofs:
        return (
            Check("proof", "invalid", "no_proof", "the credential has no proof"),
            Check("issuer", "skipped", "no_proof"),
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
                "verificationMethod": p.verification_method,
            }
            for p in proofs
        ]
    }
    if verdict == "valid":
        bindings = [
            _binding(issuer, p.resolved, None, options) for p in proofs if p.status == "valid"
        ]
        bound = next((b for b in bindings if b.status == "valid"), None)
        issuer_check = bound or next((b for b in bindings if b.status == "invalid"), bindings[0])
        return Check("proof", "valid", "proof_valid", None, data), issuer_check
    failing = next((p for p in proofs if p.status == verdict), proofs[0])
    status: CheckStatus = (
        "indeterminate" if verdict in ("indeterminate", "unsupported") else "invalid"
    )
    code = failing.code if verdict != "unsupported" else "unsupported_proof_type"
    return (
        Check("proof", status, code, failing.message, data),
        Check("issuer", "skipped", "no_proof"),
    )


def _check_validity(
    doc: Mapping[str, Any], options: VerifyOptions, jwt: vcjwt.JwtResult | None = None
) -> Check:
    now = options.current_time()
    skew = options.clock_skew
    start_raw = doc.get("validFrom", doc.get("issuanceDate"))
    end_raw = doc.get("validUntil", doc.get("expirationDate"))
    try:
        start = parse_datetime(start_raw) if isinstance(start_raw, str) else None
        end = parse_datetime(end_raw) if isinstance(end_raw, str) else None
    except ValueError as exc:
        return Check("validity", "invalid", "invalid_date", str(exc)[:200])
    if jwt is not None:
        # A JWT's nbf/exp apply when the credential itself has no dates; a claim
        # that is present but not a usable NumericDate is an invalid date.
        for claim, value in (("nbf", jwt.not_before), ("exp", jwt.expires_at)):
            if claim in jwt.claims and value is None:
                return Check(
                    "validity",
                    "invalid",
                    "invalid_date",
                    f"the JWT {claim} claim is not a usable date",
                )
        start = start if start is not None else jwt.not_before
        end = end if end is not None else jwt.expires_at
    data = {"now": di.format_datetime(now)}
    if start is not None and now + skew < start:
        return Check(
            "validity", "invalid", "not_yet_valid", f"valid from {di.format_datetime(start)}", data
        )
    if end is not None and now - skew > end:
        return Check(
            "validity", "invalid", "expired", f"expired on {di.format_datetime(end)}", data
        )
    return Check("validity", "valid", "within_validity", None, data)


def _verify_status_list(
    list_doc: object,
    url: str,
    issuer: str | None,
    options: VerifyOptions,
    notices: list[str],
) -> tuple[dict[str, Any] | None, Check | None]:
    """Verify a status list credential; return its subject, or a failing status check."""
    if not isinstance(list_doc, (str, Mapping)):
        return None, Check(
            "status",
            "invalid",
            "status_list_invalid",
            "the status list is neither a JSON object nor a JWT",
        )
    sub_options = replace(
        options, recipient=None, recipient_aliases=(), status_source=None, check_schema=False
    )
    report = verify(list_doc if isinstance(list_doc, str) else dict(list_doc), sub_options)
    failing = [
        c
        for c in report.checks
        if c.id in ("proof", "issuer", "safe_mode", "validity") and c.status != "valid"
    ]
    if failing:
        # A list whose own proof could not be checked (its key unreachable) says nothing
        # either way: the status is indeterminate, never invalid, whatever else failed.
        unchecked = any(c.id == "proof" and c.status == "indeterminate" for c in failing)
        status: CheckStatus = (
            "indeterminate"
            if unchecked or all(c.status == "indeterminate" for c in failing)
            else "invalid"
        )
        return None, Check(
            "status",
            status,
            "status_list_invalid",
            f"status list {failing[0].id}: {failing[0].detail or failing[0].code}",
        )
    credential = report.credential or {}
    if credential.get("id") != url:
        # The W3C validate algorithm has no such step and real lists are often
        # published under another URL than their id (mirrors, fixtures): reported.
        notices.append("status_list_id_differs")
    if issuer is not None and issuer_id(credential) != issuer:
        # Bitstring Status List does not require the same issuer (lists are often
        # published by a dedicated key); the fact is reported, not failed.
        notices.append("status_list_issuer_differs")
    subject = credential.get("credentialSubject")
    if not isinstance(subject, dict):
        return None, Check(
            "status", "invalid", "status_list_invalid", "the status list has no credentialSubject"
        )
    return subject, None


def _check_status(doc: Mapping[str, Any], options: VerifyOptions, notices: list[str]) -> Check:
    raw = doc.get("credentialStatus")
    if raw is None:
        return Check("status", "skipped", "no_status")
    entries = raw if isinstance(raw, list) else [raw]
    results: list[dict[str, Any]] = []
    for entry in entries:
        if not isinstance(entry, Mapping):
            return Check("status", "invalid", "malformed_status", "credentialStatus is malformed")
        types = type_names(entry.get("type"))
        if types & {"BitstringStatusListEntry", "StatusList2021Entry"}:
            url = entry.get("statusListCredential")
        elif "1EdTechRevocationList" in types:
            url = entry.get("id")
        else:
            return Check(
                "status",
                "indeterminate",
                "unsupported_status_type",
                f"status type {entry.get('type')!r} is not supported",
            )
        if not isinstance(url, str):
            return Check("status", "invalid", "malformed_status", "status entry has no list URL")
        if options.status_source is None:
            return Check(
                "status",
                "indeterminate",
                "status_not_checked",
                "no status list source is configured",
                {"url": url},
            )
        try:
            list_doc = options.status_source(url)
        except ResolutionError as exc:
            return Check(
                "status",
                "indeterminate",
                "status_not_checked",
                exc.message,
                {"url": url, "reason": exc.code},
            )
        if "1EdTechRevocationList" in types:
            revoked = _revocation_list_says_revoked(list_doc, doc.get("id"))
            if revoked is None:
                return Check(
                    "status",
                    "indeterminate",
                    "status_list_invalid",
                    "the revocation list is malformed",
                    {"url": url},
                )
            results.append({"purpose": "revocation", "value": int(revoked), "url": url})
            continue
        subject, failure = _verify_status_list(list_doc, url, issuer_id(doc), options, notices)
        if failure is not None:
            return replace(failure, data={"url": url})
        if subject is None:  # pragma: no cover - failure is set whenever subject is None
            continue
        try:
            try:
                value = status_of(entry, subject)
            except LimitExceededError:
                raise
            except MalformedInputError as exc:
                if exc.code != "status_list_too_small":
                    raise
                # Lists shorter than the 131,072-entry minimum exist in the wild
                # (100,000 is common); reading one leaks nothing more, so it is
                # accepted with a notice. obhub always publishes full-size lists.
                notices.append("status_list_below_minimum_length")
                value = status_of(entry, subject, min_entries=1)
        except ObcoreError as exc:
            return Check("status", "invalid", exc.code, exc.message, {"url": url})
        results.append({"purpose": entry.get("statusPurpose"), "value": value, "url": url})
    for r in results:
        if r["value"] and r["purpose"] == "revocation":
            return Check("status", "invalid", "revoked", None, {"entries": results})
        if r["value"] and r["purpose"] == "suspension":
            return Check("status", "invalid", "suspended", None, {"entries": results})
    return Check("status", "valid", "status_active", None, {"entries": results})


def _revocation_list_says_revoked(list_doc: Mapping[str, Any] | str, cred_id: Any) -> bool | None:
    if not isinstance(list_doc, Mapping):
        return None
    revoked = list_doc.get("revokedCredential")
    if not isinstance(revoked, list):
        return None
    for item in revoked:
        if isinstance(item, Mapping) and item.get("id") == cred_id:
            return item.get("revoked", True) is not False
    return False


def _collect_endorsements(doc: Mapping[str, Any]) -> list[Mapping[str, Any] | str]:
    found: list[Mapping[str, Any] | str] = []
    holders: list[Any] = [doc, doc.get("issuer")]
    subject = doc.get("credentialSubject")
    if isinstance(subject, Mapping):
        achievement = subject.get("achievement")
        holders.append(achievement)
        if isinstance(achievement, Mapping):
            holders.append(achievement.get("creator"))
    for holder in holders:
        if not isinstance(holder, Mapping):
            continue
        for item in holder.get("endorsement") or []:
            if isinstance(item, Mapping):
                found.append(item)
        for item in holder.get("endorsementJwt") or []:
            if isinstance(item, str):
                found.append(item)
    return found


def _check_recipient(doc: Mapping[str, Any], options: VerifyOptions) -> Check:
    wanted = options.recipients()
    if not wanted:
        return Check("recipient", "skipped", "recipient_not_checked")
    subject = doc.get("credentialSubject")
    if not isinstance(subject, Mapping):
        return Check("recipient", "invalid", "recipient_mismatch", "no credentialSubject")
    if subject.get("id") in wanted:
        return Check("recipient", "valid", "recipient_matches")
    identifiers = subject.get("identifier") or []
    if isinstance(identifiers, Mapping):
        identifiers = [identifiers]
    for ident in identifiers:
        if isinstance(ident, Mapping) and any(identity_mod.matches(ident, w) for w in wanted):
            return Check("recipient", "valid", "recipient_matches")
    return Check("recipient", "invalid", "recipient_mismatch")


def summarize(doc: Mapping[str, Any], lang: str = "fr") -> dict[str, Any]:
    """What a person needs to see: badge, issuer, recipient, dates (no verification)."""
    subject = doc.get("credentialSubject")
    subject = subject if isinstance(subject, Mapping) else {}
    achievement = subject.get("achievement")
    achievement = achievement if isinstance(achievement, Mapping) else {}
    issuer = doc.get("issuer")
    issuer_obj = issuer if isinstance(issuer, Mapping) else {"id": issuer}

    def text(value: Any) -> str | None:
        try:
            return display_text(value, lang)
        except (AttributeError, TypeError):
            return None

    def image(value: Any) -> str | None:
        if isinstance(value, str):
            return value
        if isinstance(value, Mapping) and isinstance(value.get("id"), str):
            return str(value["id"])
        return None

    criteria = achievement.get("criteria")
    identifiers = subject.get("identifier") or []
    if isinstance(identifiers, Mapping):
        identifiers = [identifiers]
    summary: dict[str, Any] = {
        "id": doc.get("id"),
        "type": sorted(type_names(doc.get("type"))),
        "name": text(doc.get("name")) or text(achievement.get("name")),
        "description": text(doc.get("description")) or text(achievement.get("description")),
        "image": image(doc.get("image")) or image(achievement.get("image")),
        "issuer": {
            "id": issuer_obj.get("id"),
            "name": text(issuer_obj.get("name")),
            "url": issuer_obj.get("url"),
            "image": image(issuer_obj.get("image")),
        },
        "achievement": {
            "id": achievement.get("id"),
            "name": text(achievement.get("name")),
            "description": text(achievement.get("description")),
            "achievementType": achievement.get("achievementType"),
            "criteria": text(criteria.get("narrative")) if isinstance(criteria, Mapping) else None,
        },
        "recipient": {
            "id": subject.get("id"),
            "identifiers": [
                {"identityType": i.get("identityType"), "hashed": i.get("hashed")}
                for i in identifiers
                if isinstance(i, Mapping)
            ],
        },
        "validFrom": doc.get("validFrom", doc.get("issuanceDate")),
        "validUntil": doc.get("validUntil", doc.get("expirationDate")),
        "awardedDate": doc.get("awardedDate"),
    }
    return {k: v for k, v in summary.items() if v not in (None, [], {})}


# ---------------------------------------------------------------------------
# The pipeline
# ---------------------------------------------------------------------------


def _fail_parse(fmt: str, exc: ObcoreError) -> Report:
    return Report(fmt, [Check("parse", "invalid", exc.code, exc.message)])


@dataclass
class _Subject:
    """What the proof stage works on: the credential and how it was secured."""

    format: str
    document: dict[str, Any]
    jwt: vcjwt.JwtResult | None = None
    jwt_error: ObcoreError | None = None

    @property
    def is_jwt(self) -> bool:
        return self.jwt is not None or self.jwt_error is not None


def _open(parsed: _Parsed, options: VerifyOptions) -> _Subject | Report:
    """Obtain the credential: JSON as given, or a VC-JWT verified (or decoded for display)."""
    if parsed.token is None:
        if parsed.document is None:  # pragma: no cover - _parse always sets one of them
            return _fail_parse(parsed.format, MalformedInputError("nothing to verify"))
        return _Subject(parsed.format, parsed.document)
    try:
        result = vcjwt.verify_vc_jwt(parsed.token, options.resolver)
    except (ProofError, InvalidKeyError, ResolutionError, SignatureError) as exc:
        try:
            return _Subject(parsed.format, vcjwt.decode_unverified(parsed.token), jwt_error=exc)
        except ObcoreError as exc2:
            return _fail_parse(parsed.format, exc2)
    except ObcoreError as exc:
        return _fail_parse(parsed.format, exc)
    return _Subject(parsed.format, result.credential, jwt=result)


def _format_prefix(fmt: str) -> str:
    """``baked-png+`` for a baked input, else ``""``."""
    return fmt.rsplit("+", 1)[0] + "+" if fmt.startswith("baked-") and "+" in fmt else ""


def _has_subjects(value: Any) -> bool:
    """VCDM 2.0 §4.8 / 1.1 §4.4: one or more objects."""
    if isinstance(value, Mapping):
        return True
    return (
        isinstance(value, list) and bool(value) and all(isinstance(item, Mapping) for item in value)
    )


def _classify(
    subject: _Subject, options: VerifyOptions, *, allow_presentation: bool
) -> Report | None:
    """Route OB 2.0 Assertions and presentations; refuse what is not a credential."""
    document = subject.document
    try:
        jsonld.check_bounds(document)
    except ObcoreError as exc:
        return _fail_parse(subject.format, exc)
    types = type_names(document.get("type"))
    if "VerifiableCredential" in types:
        if not _has_subjects(document.get("credentialSubject")):
            check = Check(
                "parse",
                "invalid",
                "malformed_credential",
                "credentialSubject must be an object, or a non-empty array of objects",
            )
            return Report(subject.format, [check], credential=document)
        return None
    prefix = _format_prefix(subject.format)
    if "VerifiablePresentation" in types:
        if not allow_presentation:
            check = Check(
                "parse",
                "invalid",
                "presentation_nested",
                "a presentation cannot carry a presentation",
            )
            return Report(f"{prefix}vp", [check], credential=document)
        return presentation.verify_presentation(
            document, options, _stages(options), fmt=f"{prefix}vp"
        )
    if ob2.is_assertion(document):
        return ob2.verify_assertion(document, options, prefix=prefix)
    return Report(
        subject.format,
        [Check("parse", "invalid", "not_a_credential", "type lacks VerifiableCredential")],
        credential=document,
    )


def _proof_stage(
    subject: _Subject,
    checks: list[Check],
    options: VerifyOptions,
    cache: dict[str, str],
    notices: list[str],
) -> tuple[Check, Check]:
    """The proof check and the issuer-binding check that depends on it."""
    document = subject.document
    if subject.jwt is not None:
        jwt = subject.jwt
        proof = Check(
            "proof",
            "valid",
            "proof_valid",
            None,
            {"alg": jwt.alg, "verificationMethod": jwt.verification_method},
        )
        return proof, _binding(issuer_id(document), jwt.resolved, jwt.key, options)
    skipped_issuer = Check("issuer", "skipped", "no_proof")
    if subject.jwt_error is not None:
        error = subject.jwt_error
        status: CheckStatus = "indeterminate" if isinstance(error, ResolutionError) else "invalid"
        return Check("proof", status, error.code, error.message), skipped_issuer
    blocking = next(
        (c for c in checks if c.id in ("contexts", "safe_mode") and c.status == "invalid"), None
    )
    if blocking is not None:
        # An embedded proof covers the canonical form, which cannot be computed safely.
        detail = "the document cannot be canonicalized safely"
        return Check("proof", "invalid", blocking.code, detail), skipped_issuer
    return _proof_checks_di(document, options, cache, notices)


def _endorsement_stage(
    document: Mapping[str, Any], options: VerifyOptions, depth: int
) -> tuple[Check, list[Report]]:
    found = _collect_endorsements(document) if depth == 0 else []
    if not found:
        return Check("endorsements", "skipped", "no_endorsements"), []
    sub = replace(options, recipient=None, recipient_aliases=())
    reports = [verify(item, sub, _depth=depth + 1) for item in found[:MAX_ENDORSEMENTS]]
    verdicts = {r.verdict for r in reports}
    if "invalid" in verdicts:
        return Check("endorsements", "invalid", "endorsement_invalid"), reports
    if "indeterminate" in verdicts:
        return Check("endorsements", "indeterminate", "endorsement_unchecked"), reports
    data = {"count": len(reports)}
    return Check("endorsements", "valid", "endorsements_valid", None, data), reports


def _document_checks(
    document: Mapping[str, Any], options: VerifyOptions, cache: dict[str, str], signed_as_json: bool
) -> list[Check]:
    """The ``contexts`` and ``safe_mode`` checks of a JSON-LD document."""
    contexts_check = _check_contexts(document)
    if contexts_check.status != "valid":
        return [contexts_check, Check("safe_mode", "skipped", contexts_check.code)]
    safe = _check_safe_mode(document, options.limits, cache, signed_as_json=signed_as_json)
    return [contexts_check, safe]


def _stages(options: VerifyOptions) -> presentation.Stages:
    """The pipeline as a presentation needs it: each credential alone, no nested presentation."""

    def verify_one(item: Mapping[str, Any] | str) -> Report:
        return verify(item, options, _allow_presentation=False)

    def document_checks(
        document: Mapping[str, Any], cache: dict[str, str], signed_as_json: bool
    ) -> list[Check]:
        return _document_checks(document, options, cache, signed_as_json)

    return presentation.Stages(verify_one, document_checks)


def _verify_url(url: str, options: VerifyOptions, allow_presentation: bool, fmt: str) -> Report:
    """A badge given by URL (directly or baked in an image): fetch it, verify what is there.

    An OB 2.0 Assertion goes to hosted verification, where the fetched copy is
    the authority; so does a URL that cannot be fetched (no network, an error,
    404, 410 Gone), which is what a badge URL has always meant (OB 2.0 hosted).
    Anything else served there (OB 3.0 JSON, VC-JWT, baked image) is verified
    like a badge given directly.
    """
    hosted_format = f"{_format_prefix(fmt)}ob2-hosted"
    if options.documents is None:
        return ob2.verify_hosted(None, options, url=url, fmt=hosted_format)
    try:
        fetched = options.documents.get(url, accept=ACCEPT_BADGE)
    except ResolutionError:
        return ob2.verify_hosted(None, options, url=url, fmt=hosted_format)
    if fetched.status != 200:
        return ob2.verify_hosted(None, options, url=url, fmt=hosted_format)
    try:
        document = json.loads(fetched.body)
    except (ValueError, RecursionError):
        document = None
    if isinstance(document, dict) and (
        "Assertion" in type_names(document.get("type"))
        or ctx_mod.OB_V2 in json.dumps(document.get("@context", ""))[:2000]
    ):
        return ob2.verify_hosted(None, options, url=url, fmt=hosted_format)
    if isinstance(document, dict) and set(document) == {"url"}:
        check = Check("parse", "invalid", "not_a_credential", "a URL may not point at a URL")
        return Report("url", [check])
    report = verify(fetched.body, options, _allow_presentation=allow_presentation)
    report.format = f"url+{report.format}"
    return report


def _route_token(
    parsed: _Parsed, options: VerifyOptions, allow_presentation: bool
) -> Report | None:
    """OB 2.0 hosted URLs and signed JWS, and VP-JWTs, have their own verifiers."""
    fmt = parsed.format
    prefix = _format_prefix(fmt)
    if parsed.url is not None:
        return _verify_url(parsed.url, options, allow_presentation, fmt)
    if parsed.token is None:
        return None
    if fmt.endswith("ob2-signed"):
        return ob2.verify_signed(parsed.token, options, fmt=fmt)
    if fmt.endswith("vp-jwt"):
        if not allow_presentation:
            check = Check(
                "parse",
                "invalid",
                "presentation_nested",
                "a presentation cannot carry a presentation",
            )
            return Report(f"{prefix}vp-jwt", [check])
        return presentation.verify_presentation_jwt(
            parsed.token, options, _stages(options), fmt=fmt
        )
    return None


def verify(
    data: Mapping[str, Any] | str | bytes,
    options: VerifyOptions | None = None,
    *,
    _depth: int = 0,
    _allow_presentation: bool = True,
) -> Report:
    """Verify a credential, an OB 2.0 Assertion or a presentation.

    Input: JSON (object or text), a compact JWS, an OB 2.0 hosted Assertion URL,
    or a baked PNG/SVG image carrying any of these.
    """
    options = options or VerifyOptions()
    try:
        parsed = _parse(data)
    except ObcoreError as exc:
        return _fail_parse("unknown", exc)
    routed = _route_token(parsed, options, _allow_presentation)
    if routed is not None:
        return routed
    opened = _open(parsed, options)
    if isinstance(opened, Report):
        return opened
    refused = _classify(opened, options, allow_presentation=_allow_presentation)
    if refused is not None:
        return refused
    document = opened.document
    notices: list[str] = []
    cache: dict[str, str] = {}
    checks = [Check("parse", "valid", "parsed", None, {"format": opened.format})]
    checks.extend(_document_checks(document, options, cache, not opened.is_jwt))
    if options.check_schema:
        checks.append(_check_schema(document, notices))
    checks.extend(_proof_stage(opened, checks, options, cache, notices))
    refresh = "refresh_not_followed" if document.get("refreshService") else "no_refresh_service"
    checks.append(Check("refresh", "skipped", refresh))
    checks.append(_check_status(document, options, notices))
    checks.append(_check_validity(document, options, opened.jwt))
    endorsement_check, endorsement_reports = _endorsement_stage(document, options, _depth)
    checks.append(endorsement_check)
    checks.append(_check_recipient(document, options))
    return Report(
        opened.format,
        checks,
        credential=document,
        summary=summarize(document),
        notices=notices,
        endorsements=endorsement_reports,
    )
