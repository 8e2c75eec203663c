"""Acceptance rules for a partner badge: pure functions over a verification report.

No database, no network: :mod:`issuer_api.ingestion.processing` gathers the facts
(the report, the issuers the sending partner is trusted for, the attempt number) and
these rules say what becomes of the badge. Every rejection carries reason codes — the
receipts show them, with their French and English messages from
:data:`issuer_api.i18n.MESSAGE_IDS`:

``not_verified``             a check failed (``check`` = its id, ``check_code`` = its code)
``verification_unavailable`` a check could not be done on the last attempt (network)
``issuer_not_trusted``       the issuer is not one the sending partner is trusted for
``recipient_mismatch``       the credential is not for the recipient the envelope names
                             (for a claim a learner makes from their space: for none of
                             their emails and DIDs)
``recipient_missing``        the envelope names no recipient
``unsupported_payload``      a presentation or something else than one credential
``partner_suspended``        the sending partner is suspended
``duplicate`` / ``superseded`` / ``replaced_older`` / ``recipient_conflict``
                             OB 3.0 equality with a badge already kept (see :func:`compare`)

Trust. A credential's issuer is compared with the partner's trusted identifiers:
DIDs as normalised by :func:`issuer_api.privacy.normalize_did` (for a DID URL, its DID
part), URLs exactly. A delivery without a partner (a learner's claim) is accepted if
any active partner trusts the issuer; that partner becomes the badge's partner.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Final, Literal

from issuer_api.privacy import normalize_did, normalize_email
from obcore.did import is_did, split_did_url
from obcore.model import node_id, parse_datetime
from verify.report import INFORMATIONAL_CHECKS, Report

Reason = dict[str, str]

NOT_VERIFIED: Final = "not_verified"
VERIFICATION_UNAVAILABLE: Final = "verification_unavailable"
ISSUER_NOT_TRUSTED: Final = "issuer_not_trusted"
RECIPIENT_MISMATCH: Final = "recipient_mismatch"
RECIPIENT_MISSING: Final = "recipient_missing"
UNSUPPORTED_PAYLOAD: Final = "unsupported_payload"
PARTNER_SUSPENDED: Final = "partner_suspended"
DUPLICATE: Final = "duplicate"
SUPERSEDED: Final = "superseded"
REPLACED_OLDER: Final = "replaced_older"
RECIPIENT_CONFLICT: Final = "recipient_conflict"
PROCESSING_FAILED: Final = "processing_failed"
PAYLOAD_ERASED: Final = "payload_erased"
INVALID_UNICODE: Final = "invalid_unicode"
FETCH_FORBIDDEN: Final = "fetch_forbidden"

REASON_CODES: Final = (
    NOT_VERIFIED,
    VERIFICATION_UNAVAILABLE,
    ISSUER_NOT_TRUSTED,
    RECIPIENT_MISMATCH,
    RECIPIENT_MISSING,
    UNSUPPORTED_PAYLOAD,
    PARTNER_SUSPENDED,
    DUPLICATE,
    SUPERSEDED,
    REPLACED_OLDER,
    RECIPIENT_CONFLICT,
    PROCESSING_FAILED,
    PAYLOAD_ERASED,
    INVALID_UNICODE,
    FETCH_FORBIDDEN,
)
"""Every reason code an item can carry (each has a message in the catalogue)."""


def reason(code: str, **extra: str) -> Reason:
    return {"code": code, **extra}


# --------------------------------------------------------------------------- decision


@dataclass(frozen=True)
class TrustedIssuer:
    """An issuer identifier a partner is trusted for."""

    partner_id: str
    identifier: str


@dataclass(frozen=True)
class Decision:
    """``accept`` (with the partner the badge counts for), ``reject`` or ``retry``."""

    action: Literal["accept", "reject", "retry"]
    reasons: tuple[Reason, ...] = ()
    partner_id: str | None = None

    @property
    def reason_list(self) -> list[Reason]:
        return [dict(r) for r in self.reasons]


def reject(*reasons: Reason) -> Decision:
    return Decision("reject", tuple(reasons))


def decide(
    report: Report,
    *,
    sender: str | None,
    trusted: Sequence[TrustedIssuer],
    last_attempt: bool,
) -> Decision:
    """What becomes of a verified item.

    ``sender`` is the delivering partner (``None`` for a claim); ``trusted`` the
    identifiers of the sender (or, for a claim, of every active partner, in order of
    preference). The verdict comes first: failed checks reject the badge; checks that
    could not be done are retried (``retry``), except on the last attempt — or when the
    issuer named is not trusted anyway, or a document is at a target the fetcher refuses
    by rule (``fetch_forbidden``), which no retry can change.
    """
    if report.format.endswith(("vp", "vp-jwt")) or report.credentials:
        return reject(reason(UNSUPPORTED_PAYLOAD, check="parse", check_code=report.format))
    verdict = report.verdict
    issuer = issuer_of(report)
    partner = trusting_partner(issuer, trusted, sender) if issuer is not None else None
    if verdict == "invalid":
        return reject(*failed_check_reasons(report))
    if verdict == "indeterminate":
        if issuer is not None and partner is None:
            return reject(reason(ISSUER_NOT_TRUSTED))
        forbidden = forbidden_fetch_reasons(report)
        if forbidden:  # the target is refused by rule: no retry changes that
            return reject(*forbidden)
        if not last_attempt:
            return Decision("retry", tuple(unavailable_check_reasons(report)))
        return reject(*unavailable_check_reasons(report))
    if partner is None:
        return reject(reason(ISSUER_NOT_TRUSTED))
    recipient = report.check("recipient")
    if recipient is None or recipient.status != "valid":
        return reject(reason(RECIPIENT_MISMATCH))
    return Decision("accept", partner_id=partner)


def failed_check_reasons(report: Report) -> list[Reason]:
    """One reason per failed check; a failed ``recipient`` check is ``recipient_mismatch``."""
    reasons: list[Reason] = []
    for check in report.checks:
        if check.status != "invalid" or check.id in INFORMATIONAL_CHECKS:
            continue
        if check.id == "recipient":
            reasons.append(reason(RECIPIENT_MISMATCH))
        else:
            reasons.append(reason(NOT_VERIFIED, check=check.id, check_code=check.code))
    return reasons


def forbidden_fetch_reasons(report: Report) -> list[Reason]:
    """One ``fetch_forbidden`` reason per check whose document is at a forbidden target.

    The fetcher refuses a target (a private, loopback or link-local address, a scheme
    it does not fetch) by rule: that is permanent, unlike a timeout or a 503, so the
    badge is rejected at once rather than retried for minutes.
    """
    return [
        reason(FETCH_FORBIDDEN, check=check.id, check_code=check.code)
        for check in report.checks
        if check.status == "indeterminate"
        and check.id not in INFORMATIONAL_CHECKS
        and (check.code == "fetch_forbidden" or check.data.get("reason") == "fetch_forbidden")
    ]


def unavailable_check_reasons(report: Report) -> list[Reason]:
    """One ``verification_unavailable`` reason per check that could not be done."""
    return [
        reason(VERIFICATION_UNAVAILABLE, check=check.id, check_code=check.code)
        for check in report.checks
        if check.status == "indeterminate" and check.id not in INFORMATIONAL_CHECKS
    ]


# --------------------------------------------------------------------------- trust


def issuer_key(identifier: str) -> str:
    """The form issuer identifiers are compared in: a DID (of a DID URL) normalised,
    anything else (an https issuer id, an OB 2.0 Profile URL) exactly as written."""
    text = identifier.strip()
    if text[:4].lower() == "did:":
        did, _fragment = split_did_url(normalize_did(text))
        return did
    return identifier


def trusting_partner(
    issuer: str, trusted: Sequence[TrustedIssuer], sender: str | None
) -> str | None:
    """The partner the badge of ``issuer`` counts for: the sender if it trusts the issuer;
    for a claim (no sender), the first partner in ``trusted`` that does."""
    wanted = issuer_key(issuer)
    for entry in trusted:
        if sender is not None and entry.partner_id != sender:
            continue
        if issuer_key(entry.identifier) == wanted:
            return entry.partner_id
    return None


def issuer_of(report: Report) -> str | None:
    """The issuer id of the verified credential (for OB 2.0: the Profile fetched)."""
    summary_issuer = report.summary.get("issuer")
    if isinstance(summary_issuer, Mapping) and isinstance(summary_issuer.get("id"), str):
        return str(summary_issuer["id"])
    if report.credential is not None:
        return node_id(report.credential.get("issuer"))
    return None


# --------------------------------------------------------------------------- facts


@dataclass(frozen=True)
class BadgeFacts:
    """What is kept about an accepted credential (no personal data but in ``original``)."""

    issuer_id: str
    credential_id: str
    format: str
    achievement_id: str | None
    achievement_name: str | None
    achievement: dict[str, Any]
    valid_from: datetime | None
    valid_until: datetime | None
    awarded_at: datetime | None
    digest: str
    extra_identifiers: tuple[tuple[Literal["email", "did"], str], ...] = field(default=())

    @property
    def equality_key(self) -> str:
        return equality_key(self.issuer_id, self.credential_id)


def equality_key(issuer_id: str, credential_id: str) -> str:
    """OB 3.0 equality: same issuer id and same credential id are the same credential."""
    return hashlib.sha256(f"{issuer_id}\n{credential_id}".encode()).hexdigest()


def badge_facts(
    report: Report, *, digest: str, badge_class: Mapping[str, Any] | None = None
) -> BadgeFacts:
    """The facts of a verified credential (OB 3.0, VC-JWT, or an OB 2.0 Assertion whose
    BadgeClass is ``badge_class`` when it was fetched)."""
    credential = report.credential or {}
    summary = report.summary
    issuer = issuer_of(report) or ""
    raw_id = credential.get("id")
    credential_id = raw_id if isinstance(raw_id, str) and raw_id else f"urn:sha256:{digest}"
    summary_achievement = summary.get("achievement")
    summary_achievement = summary_achievement if isinstance(summary_achievement, Mapping) else {}
    if is_ob2(report):
        achievement = ob2_achievement(credential, badge_class, summary_achievement)
        awarded = _date(credential.get("issuedOn"))
    else:
        achievement = ob3_achievement(credential)
        awarded = _date(credential.get("awardedDate"))
    achievement_id = summary_achievement.get("id") or achievement.get("id")
    name = summary_achievement.get("name") or achievement.get("name") or summary.get("name")
    return BadgeFacts(
        issuer_id=issuer,
        credential_id=credential_id,
        format=report.format,
        achievement_id=achievement_id if isinstance(achievement_id, str) else None,
        achievement_name=name[:500] if isinstance(name, str) else None,
        achievement=achievement,
        valid_from=_date(summary.get("validFrom")),
        valid_until=_date(summary.get("validUntil")),
        awarded_at=awarded,
        digest=digest,
        extra_identifiers=tuple(subject_identifiers(report)),
    )


def is_ob2(report: Report) -> bool:
    return "ob2-" in report.format


def ob3_achievement(credential: Mapping[str, Any]) -> dict[str, Any]:
    """``credentialSubject.achievement`` as the credential gives it."""
    subject = _first_subject(credential)
    achievement = subject.get("achievement") if subject else None
    return _plain_json(achievement) if isinstance(achievement, Mapping) else {}


_OB2_ALIGNMENT_FIELDS: Final = (
    "targetName",
    "targetUrl",
    "targetDescription",
    "targetFramework",
    "targetCode",
)


def ob2_achievement(
    assertion: Mapping[str, Any],
    badge_class: Mapping[str, Any] | None,
    summary_achievement: Mapping[str, Any],
) -> dict[str, Any]:
    """An OB 2.0 BadgeClass in OB 3.0 ``Achievement`` terms (``alignment`` entries as
    ``Alignment`` objects with targetName/targetUrl/targetCode…, ``tags`` as ``tag``)."""
    badge = badge_class
    if badge is None and isinstance(assertion.get("badge"), Mapping):
        badge = assertion["badge"]
    badge = badge or {}
    achievement: dict[str, Any] = {"type": ["Achievement"]}
    for key in ("id", "name", "description"):
        value = badge.get(key, summary_achievement.get(key))
        if isinstance(value, str):
            achievement[key] = value
    criteria = badge.get("criteria")
    if isinstance(criteria, str):
        achievement["criteria"] = {"id": criteria}
    elif isinstance(criteria, Mapping):
        achievement["criteria"] = _plain_json(criteria)
    image = badge.get("image")
    if isinstance(image, str):
        achievement["image"] = {"id": image, "type": "Image"}
    alignments = badge.get("alignment")
    if isinstance(alignments, Mapping):
        alignments = [alignments]
    if isinstance(alignments, list):
        mapped = [
            {"type": ["Alignment"]}
            | {k: a[k] for k in _OB2_ALIGNMENT_FIELDS if isinstance(a.get(k), str)}
            for a in alignments
            if isinstance(a, Mapping)
        ]
        if mapped:
            achievement["alignment"] = mapped
    tags = badge.get("tags")
    if isinstance(tags, list) and all(isinstance(t, str) for t in tags):
        achievement["tag"] = list(tags)
    return achievement


def subject_identifiers(report: Report) -> list[tuple[Literal["email", "did"], str]]:
    """Identifiers of the recipient readable in the credential itself: the subject's DID,
    and emails given unhashed — to link to the learner alongside the envelope's."""
    credential = report.credential or {}
    found: list[tuple[Literal["email", "did"], str]] = []
    if is_ob2(report):
        recipient = credential.get("recipient")
        if (
            isinstance(recipient, Mapping)
            and recipient.get("type") == "email"
            and recipient.get("hashed") is False
            and isinstance(recipient.get("identity"), str)
        ):
            found.append(("email", normalize_email(recipient["identity"])))
        return found
    return found + ob3_subject_identifiers(credential)


def ob3_subject_identifiers(
    credential: Mapping[str, Any],
) -> list[tuple[Literal["email", "did"], str]]:
    """The OB 3.0 subject's DID (first), then its email identifiers given unhashed."""
    subject = _first_subject(credential)
    if not subject:
        return []
    found: list[tuple[Literal["email", "did"], str]] = []
    subject_id = subject.get("id")
    if isinstance(subject_id, str) and is_did(subject_id):
        found.append(("did", normalize_did(subject_id)))
    identifiers = subject.get("identifier") or []
    if isinstance(identifiers, Mapping):
        identifiers = [identifiers]
    for ident in identifiers if isinstance(identifiers, list) else []:
        if (
            isinstance(ident, Mapping)
            and ident.get("identityType") in ("emailAddress", "email")
            and ident.get("hashed") is False
            and isinstance(ident.get("identityHash"), str)
        ):
            found.append(("email", normalize_email(ident["identityHash"])))
    return found


def _first_subject(credential: Mapping[str, Any]) -> Mapping[str, Any] | None:
    subject = credential.get("credentialSubject")
    if isinstance(subject, list):
        subject = subject[0] if subject else None
    return subject if isinstance(subject, Mapping) else None


def _plain_json(value: Mapping[str, Any]) -> dict[str, Any]:
    """A JSON-safe deep copy."""
    copied: dict[str, Any] = json.loads(json.dumps(value, ensure_ascii=False, default=str))
    return copied


def _date(value: Any) -> datetime | None:
    if not isinstance(value, str):
        return None
    try:
        return parse_datetime(value)
    except ValueError:
        return None


def stored_report(report: Report, language: Literal["fr", "en"] = "en") -> dict[str, Any]:
    """The verification report kept with a badge: the credential itself left out (it is
    kept sealed) and so is the recipient (a DID is personal data, kept sealed only)."""
    document = report.to_dict(language, include_credential=False)
    summary = document.get("summary")
    if isinstance(summary, dict):
        document["summary"] = {k: v for k, v in summary.items() if k != "recipient"}
    return document


# --------------------------------------------------------------------------- equality


Comparison = Literal["replace", "duplicate", "superseded"]


def compare(stored_valid_from: datetime | None, new_valid_from: datetime | None) -> Comparison:
    """The same credential delivered again: a newer ``validFrom`` (OB 2.0: ``issuedOn``)
    replaces the kept one; the same (or none) is a duplicate; an older one is superseded."""
    if new_valid_from is None:
        return "duplicate"
    if stored_valid_from is None or new_valid_from > stored_valid_from:
        return "replace"
    if new_valid_from == stored_valid_from:
        return "duplicate"
    return "superseded"


def equality_reason(comparison: Comparison) -> Reason:
    return reason(
        {"replace": REPLACED_OLDER, "duplicate": DUPLICATE, "superseded": SUPERSEDED}[comparison]
    )


# --------------------------------------------------------------------------- re-checks


BadgeStatus = Literal["active", "revoked", "suspended", "expired"]


def status_after_recheck(report: Report) -> BadgeStatus | None:
    """The status a fresh verification gives a kept badge; ``None`` when it could not be
    told (the status list or the hosted Assertion could not be fetched): keep it.

    Revoked wins over expired, expired over suspended (a suspension can be lifted).
    """
    status = report.check("status")
    validity = report.check("validity")
    if status is not None and status.status == "invalid" and status.code == "revoked":
        return "revoked"
    if validity is not None and validity.status == "invalid" and validity.code == "expired":
        return "expired"
    if status is not None and status.status == "invalid" and status.code == "suspended":
        return "suspended"
    if status is None or status.status in ("valid", "skipped"):
        return "active"
    return None


def event_for(previous: str, new: BadgeStatus) -> str:
    """The event kind recorded for a status change."""
    if new == "active":
        return "reinstated"
    return new
