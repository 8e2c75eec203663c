"""``POST /referential/evaluate``: what a set of badges would earn, and why. Stores nothing.

Partners call it from their CI to check that the badges they issue count as they
expect. Each badge (as claims take them: presentations are split) is verified with
the universal verifier (off the event loop, the network options of ``POST /verify``),
then read like the ingestion reads a delivered badge: its issuer must be trusted by an
active partner (recognised), its achievement classified against the référentiel —
the active one, or a draft given inline. The badges are then evaluated together as
one learner's, holding no regional badge yet.

The answer gives, per regional badge, ``would_award`` with the explanation (French and
English texts), the badges counted and what is missing; per badge, the verification
verdict, what it counts for, and why it does not count (``not_verified``,
``verification_unavailable``, ``recipient_mismatch``, ``issuer_not_trusted``,
``badge_no_alignment``, ``badge_expired``, ``badge_not_yet_valid``,
``badge_outside_window``, ``badge_duplicate``).

Nothing is written: no référentiel is stored (with none active, the shipped default
is used in memory), no badge kept, no credential minted.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import partial
from typing import Any, Final

import anyio.to_thread
from sqlalchemy.ext.asyncio import AsyncSession

from aggregation.classify import BadgeFact, Classifier, alignments_from_achievement
from aggregation.referential import Referential, default_referential
from aggregation.rules import Result, evaluate, fact_status
from issuer_api.i18n import Language
from issuer_api.ingestion import acceptance
from issuer_api.ingestion.acceptance import Reason, TrustedIssuer, reason
from issuer_api.ingestion.envelope import TooManyBadgesError
from issuer_api.ingestion.processing import digest_of, verifier_input, verify_on_network
from issuer_api.ingestion.receipts import reason as render_reason
from issuer_api.regional import repository, service
from issuer_api.regional.claims import Part, unpack
from issuer_api.regional.schemas import (
    MAX_DRY_RUN_BADGES,
    DryRunAchievement,
    DryRunBadge,
    DryRunIn,
    DryRunOut,
)
from issuer_api.settings import Settings
from verify.cache import HttpCache
from verify.report import INFORMATIONAL_CHECKS, Report
from verify.sources import LocalDocuments

NO_ALIGNMENT: Final = "badge_no_alignment"
IGNORED_REASONS: Final = {
    "inactive": "badge_inactive",
    "expired": "badge_expired",
    "not_yet_valid": "badge_not_yet_valid",
    "outside_window": "badge_outside_window",
    "duplicate": "badge_duplicate",
}


@dataclass(frozen=True)
class _Checked:
    part: Part
    report: Report
    digest: str
    badge_class: Mapping[str, Any] | None


def _verify_all(
    parts: Sequence[Part],
    settings: Settings,
    cache: HttpCache,
    recipient: str | None,
    own: LocalDocuments | None = None,
) -> list[_Checked]:
    """Verify every part (CPU and network: run in a worker thread)."""
    checked: list[_Checked] = []
    for part in parts:
        try:
            data = verifier_input(part.kind, part.payload)
        except ValueError:
            data = part.payload
        verified = verify_on_network(
            data,
            settings.fetch_allowlist,
            cache,
            recipient,
            own=own,
            deadline=settings.verify_deadline_seconds,
        )
        checked.append(_Checked(part, verified.report, digest_of(data), verified.badge_class()))
    return checked


def _badge_id(part: Part) -> str:
    return f"badge-{part.position}" + (f".{part.part}" if part.part is not None else "")


def _verification_reasons(report: Report, partner: str | None) -> list[Reason]:
    """Why a badge cannot count before the rules are even applied."""
    issuer = acceptance.issuer_of(report)
    if report.verdict == "invalid":
        return acceptance.failed_check_reasons(report)
    if report.verdict == "indeterminate":
        if issuer is not None and partner is None:
            return [reason(acceptance.ISSUER_NOT_TRUSTED)]
        return acceptance.unavailable_check_reasons(report)
    if partner is None:
        return [reason(acceptance.ISSUER_NOT_TRUSTED)]
    return []


def _fact(
    checked: _Checked, partner: str | None, counts: bool, now: datetime
) -> tuple[BadgeFact | None, acceptance.BadgeFacts | None]:
    if checked.report.credential is None:
        return None, None
    facts = acceptance.badge_facts(
        checked.report, digest=checked.digest, badge_class=checked.badge_class
    )
    if not facts.issuer_id:
        return None, facts
    issued = facts.awarded_at or facts.valid_from or now
    fact = BadgeFact(
        id=_badge_id(checked.part),
        issuer_id=facts.issuer_id,
        source=partner,
        achievement_id=facts.achievement_id or facts.credential_id,
        alignments=alignments_from_achievement(facts.achievement),
        issued_on=issued,
        expires=facts.valid_until,
        active=counts,
        status=None if counts else "not_counted",
    )
    return fact, facts


def _ignored(result: Result) -> dict[str, str]:
    """Why each badge matched some condition but was set aside (first reason found)."""
    found: dict[str, str] = {}

    def walk(explanation: Any) -> None:
        for item in explanation.ignored:
            found.setdefault(item.id, item.reason)
        for child in explanation.children:
            walk(child)

    for achieved in result.achievements:
        walk(achieved.explanation)
    return found


async def dry_run(
    session: AsyncSession,
    settings: Settings,
    body: DryRunIn,
    *,
    cache: HttpCache,
    language: Language,
    own: LocalDocuments | None = None,
) -> DryRunOut:
    """Verify, classify and evaluate ``body.badges`` (see the module docstring)."""
    referential, source = await _referential(session, body)
    parts = unpack(body.badges)
    if len(parts) > MAX_DRY_RUN_BADGES:
        raise TooManyBadgesError(details={"max_badges": MAX_DRY_RUN_BADGES, "badges": len(parts)})
    mappings = tuple(
        service.mapping_fact(row) for row in await repository.approved_mappings(session)
    )
    trusted = await repository.active_trusted_issuers(session)
    recipient = body.recipient.value if body.recipient is not None else None
    checked = await anyio.to_thread.run_sync(
        partial(_verify_all, parts, settings, cache, recipient, own)
    )
    now = service.now_utc()
    classifier = Classifier(referential, mappings)
    rows = [_row(item, trusted, now) for item in checked]
    facts = [row.fact for row in rows if row.fact is not None]
    result = evaluate(referential, facts, now, classifier=classifier)
    ignored = _ignored(result)
    badges = [row.out(classifier, ignored, now, language) for row in rows]
    achievements = [
        DryRunAchievement(
            code=achieved.code,
            name=achieved.achievement.name.to_dict(),
            would_award=achieved.satisfied,
            reason=achieved.reason,
            counted=list(achieved.counted),
            counted_regional=list(achieved.counted_regional),
            missing=[missing.to_dict() for missing in achieved.missing],
            explanation=achieved.explanation.to_dict(),
        )
        for achieved in result.achievements
    ]
    return DryRunOut(
        referential={
            "code": referential.code,
            "version": referential.version,
            "digest": referential.digest(),
            "source": source,
        },
        would_award=[a.code for a in result.achievements if a.satisfied],
        achievements=achievements,
        badges=badges,
    )


async def _referential(session: AsyncSession, body: DryRunIn) -> tuple[Referential, str]:
    if body.referential is not None:
        return service.read_inline(body.referential), "inline"
    active = await service.stored_active(session)
    if active is None:
        return default_referential(), "default"
    return active.referential, "active"


@dataclass(frozen=True)
class _Row:
    checked: _Checked
    partner: str | None
    reasons: list[Reason]
    fact: BadgeFact | None
    facts: acceptance.BadgeFacts | None

    def out(
        self,
        classifier: Classifier,
        ignored: Mapping[str, str],
        now: datetime,
        language: Language,
    ) -> DryRunBadge:
        report = self.checked.report
        reasons = list(self.reasons)
        matches = classifier.matches(self.fact) if self.fact is not None else ()
        if not reasons and self.fact is not None:
            if not matches:
                reasons.append(reason(NO_ALIGNMENT))
            else:
                status = fact_status(self.fact, now) or ignored.get(self.fact.id)
                if status is not None and status in IGNORED_REASONS:
                    reasons.append(reason(IGNORED_REASONS[status]))
        facts = self.facts
        return DryRunBadge(
            position=self.checked.part.position,
            part=self.checked.part.part,
            id=_badge_id(self.checked.part),
            format=report.format,
            verified=report.verified,
            verdict=report.verdict,
            issuer_id=acceptance.issuer_of(report),
            partner_id=self.partner,
            credential_id=facts.credential_id if facts else None,
            achievement_id=facts.achievement_id if facts else None,
            achievement_name=facts.achievement_name if facts else None,
            counts=not reasons and bool(matches),
            counts_for=[
                {"competency": m.competency, "level": m.level, "via": m.via} for m in matches
            ],
            reasons=[render_reason(entry, language) for entry in reasons],
            failed_checks=[
                {"id": check.id, "status": check.status, "code": check.code}
                for check in report.checks
                if check.status in ("invalid", "indeterminate")
                and check.id not in INFORMATIONAL_CHECKS
            ],
        )


def _row(checked: _Checked, trusted: Sequence[TrustedIssuer], now: datetime) -> _Row:
    issuer = acceptance.issuer_of(checked.report)
    partner = acceptance.trusting_partner(issuer, trusted, None) if issuer else None
    reasons = _verification_reasons(checked.report, partner)
    fact, facts = _fact(checked, partner, not reasons, now)
    return _Row(checked, partner, reasons, fact, facts)
