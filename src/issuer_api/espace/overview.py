"""What "Mon espace" shows a learner, read from the records and put in plain words.

:func:`overview` gathers, for one learner: the partner badges received (from which
partner, when, their status), the regional badges (image, public page, downloads,
LinkedIn), the progress in each competency of the active référentiel (the evaluation
behind ``GET /learners/{id}/progress``, :func:`aggregation.progress.progress`) and the
history of their badges (partner badge events, regional badges awarded, suspended,
restored, revoked — from the audit trail). Every text is a catalogue message in the
page's language; nothing here writes.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Final

from babel.dates import format_date
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from aggregation.progress import CompetencyProgress, progress
from aggregation.referential import Referential
from aggregation.rules import BadgesCondition, Missing
from issuer_api.credentials import repository as credential_repository
from issuer_api.i18n import Language
from issuer_api.learners import repository as learners
from issuer_api.models import (
    AuditEvent,
    Partner,
    PartnerBadge,
    PartnerBadgeEvent,
    RegionalAward,
    WalletDelivery,
)
from issuer_api.regional import repository as regional_repository
from issuer_api.regional import service as regional
from issuer_api.regional.flows import AWARD_TARGET
from issuer_api.settings import Settings
from issuer_api.web.badge_urls import (
    BADGE_PREFIX,
    badge_page_url,
    linkedin_url,
    regional_image_url,
    wallet_offer_path,
)
from obhub_i18n import N_, gettext, ngettext

# Partner badge statuses, in words.
BADGE_STATUS: Final = {
    "active": N_("Valid"),
    "suspended": N_("Suspended"),
    "revoked": N_("Revoked"),
    "expired": N_("Expired"),
}
AWARD_STATE: Final = {
    "active": N_("Valid"),
    "suspended": N_("Suspended"),
    "revoked": N_("Revoked"),
}
# What happened to a partner badge ({badge}: its name, {partner}: where it came from).
BADGE_EVENTS: Final = {
    "stored": N_("Partner badge “{badge}” received from {partner}"),
    "replaced": N_("Partner badge “{badge}” updated by {partner}"),
    "revoked": N_("Partner badge “{badge}” revoked by {partner}"),
    "suspended": N_("Partner badge “{badge}” suspended by {partner}"),
    "reinstated": N_("Partner badge “{badge}” valid again"),
    "expired": N_("Partner badge “{badge}” expired"),
    "deleted": N_("Partner badge “{badge}” removed"),
}
# What happened to a regional badge ({badge}: its name), by audit action.
AWARD_EVENTS: Final = {
    "regional_badge.awarded": N_("Regional badge “{badge}” awarded"),
    "regional_badge.suspended": N_("Regional badge “{badge}” suspended"),
    "regional_badge.restored": N_("Regional badge “{badge}” restored"),
    "regional_badge.revoked": N_("Regional badge “{badge}” revoked"),
}
WALLET_DELIVERED: Final = N_("Added to a wallet on {date}")
UNKNOWN_PARTNER: Final = N_("an organisation outside the network")
UNNAMED_BADGE: Final = N_("Badge without a name")


def now_utc() -> datetime:
    return datetime.now(UTC)


def day(moment: datetime | None, language: Language) -> str:
    """``moment`` as a date people read (``7 décembre 2026``, ``December 7, 2026``)."""
    if moment is None:
        return ""
    return format_date(moment, format="long", locale=language)


# --------------------------------------------------------------------------- views


@dataclass(frozen=True)
class PartnerBadgeView:
    name: str
    partner: str
    received: datetime
    received_text: str
    status: str  # active | suspended | revoked | expired
    status_text: str


@dataclass(frozen=True)
class AwardView:
    code: str
    name: str
    state: str
    state_text: str
    awarded: datetime
    awarded_text: str
    image_url: str
    page_url: str | None
    json_url: str | None
    png_url: str | None
    svg_url: str | None
    linkedin_url: str | None
    wallet_url: str | None = None  # the page that puts it in a wallet (not if revoked)
    # When a copy went to a wallet, in words (most recent first).
    wallet_deliveries: tuple[str, ...] = ()


@dataclass(frozen=True)
class CompetencyView:
    code: str
    name: str
    level: str | None  # the highest level reached, in words
    target: str | None  # the next level (or regional badge), in words
    steps: tuple[str, ...]  # what is missing for ``target``, one sentence each
    partner_badges: int  # partner badges counted in the competency now


@dataclass(frozen=True)
class HistoryEntry:
    at: datetime
    at_text: str
    text: str


@dataclass(frozen=True)
class Overview:
    partner_badges: list[PartnerBadgeView]
    awards: list[AwardView]
    competencies: list[CompetencyView]
    history: list[HistoryEntry]


# --------------------------------------------------------------------------- progress words


def _quote(text: str, language: Language) -> str:
    return f"« {text} »" if language == "fr" else f"“{text}”"


def missing_sentence(missing: Missing, competency: str, target: str, language: Language) -> str:
    """One thing the learner still needs for ``target``, in plain words."""
    n = missing.needed
    values = {
        "count": n,
        "competency": _quote(competency, language),
        "target": _quote(target, language),
    }
    condition = missing.condition
    if missing.code == "missing_badges" and isinstance(condition, BadgesCondition):
        if condition.competency is not None:
            values["competency"] = _quote(condition.competency.name.get(language), language)
        if condition.level is not None:
            values["level"] = _quote(condition.level.name.get(language), language)
            text = ngettext(
                language,
                "{count} more partner badge at level {level} in {competency} for {target}",
                "{count} more partner badges at level {level} in {competency} for {target}",
                n,
            )
        elif condition.min_level is not None:
            values["level"] = _quote(condition.min_level.name.get(language), language)
            text = ngettext(
                language,
                "{count} more partner badge at level {level} or above in {competency} for {target}",
                "{count} more partner badges at level {level} or above in {competency} "
                "for {target}",
                n,
            )
        else:
            text = ngettext(
                language,
                "{count} more partner badge in {competency} for {target}",
                "{count} more partner badges in {competency} for {target}",
                n,
            )
        return text.format_map(values)
    if missing.code == "missing_issuers":
        text = ngettext(
            language,
            "Badges from {count} more organisation in {competency} for {target}",
            "Badges from {count} more organisations in {competency} for {target}",
            n,
        )
        return text.format_map(values)
    names = ", ".join(_quote(a.name.get(language), language) for a in missing.achievements)
    values["names"] = names
    if missing.code == "missing_regional":
        text = ngettext(
            language,
            "First obtain the regional badge {names} for {target}",
            "First obtain the regional badges {names} for {target}",
            n,
        )
        return text.format_map(values)
    text = ngettext(
        language,
        "{count} more regional badge among {names} for {target}",
        "{count} more regional badges among {names} for {target}",
        n,
    )
    return text.format_map(values)


def competency_view(
    item: CompetencyProgress, language: Language, ref: Referential
) -> CompetencyView:
    name = item.competency.name.get(language)
    target: str | None = None
    if item.next_level is not None:
        target = item.next_level.name.get(language)
    elif item.next_achievement is not None:
        target = ref.achievement(item.next_achievement).name.get(language)
    steps = tuple(
        missing_sentence(missing, name, target or name, language) for missing in item.missing
    )
    return CompetencyView(
        code=item.competency.code,
        name=name,
        level=item.level.name.get(language) if item.level is not None else None,
        target=target,
        steps=steps,
        partner_badges=len(item.counted),
    )


# --------------------------------------------------------------------------- gathering


async def _partner_names(session: AsyncSession, ids: Sequence[str | None]) -> dict[str, str]:
    wanted = sorted({i for i in ids if i is not None})
    if not wanted:
        return {}
    rows = await session.execute(select(Partner.id, Partner.name).where(Partner.id.in_(wanted)))
    return {row.id: row.name for row in rows}


def _badge_view(
    badge: PartnerBadge, partners: Mapping[str, str], language: Language, now: datetime
) -> PartnerBadgeView:
    status = badge.status if badge.status in BADGE_STATUS else "active"
    if status == "active" and badge.valid_until is not None and _aware(badge.valid_until) <= now:
        status = "expired"  # past its end date before a re-check recorded it
    return PartnerBadgeView(
        name=badge.achievement_name or gettext(language, UNNAMED_BADGE),
        partner=_partner(badge, partners, language),
        received=badge.created_at,
        received_text=day(badge.awarded_at or badge.created_at, language),
        status=status,
        status_text=gettext(language, BADGE_STATUS[status]),
    )


def _partner(badge: PartnerBadge, partners: Mapping[str, str], language: Language) -> str:
    if badge.partner_id is not None and badge.partner_id in partners:
        return partners[badge.partner_id]
    return gettext(language, UNKNOWN_PARTNER)


def _award_name(award: RegionalAward, ref: Referential | None, language: Language) -> str:
    if ref is not None:
        try:
            return ref.achievement(award.achievement_code).name.get(language)
        except KeyError:
            pass
    names = award.explanation.get("name")
    if isinstance(names, dict):
        found = names.get(language) or names.get("fr")
        if isinstance(found, str):
            return found
    return award.achievement_code


async def _award_view(
    session: AsyncSession,
    award: RegionalAward,
    ref: Referential | None,
    *,
    numbers: Mapping[str, int],
    base_url: str,
    language: Language,
) -> AwardView:
    name = _award_name(award, ref, language)
    state = award.state if award.state in AWARD_STATE else "active"
    page = json_url = png_url = svg_url = linkedin = None
    credential = (
        await credential_repository.get(session, award.credential_id)
        if award.credential_id is not None
        else None
    )
    if credential is not None and credential.erased_at is None:
        page = badge_page_url(base_url, credential.id)
        prefix = f"{base_url}{BADGE_PREFIX}/{credential.id}"
        json_url, png_url, svg_url = f"{prefix}.json", f"{prefix}.png", f"{prefix}.svg"
        if state == "active":
            issuer = credential.document.get("issuer")
            organisation = issuer.get("name") if isinstance(issuer, dict) else None
            linkedin = linkedin_url(
                name=name,
                organization=organisation if isinstance(organisation, str) else "",
                issued=award.created_at,
                expires=None,
                page_url=page,
                credential_id=credential.id,
            )
    offered = page is not None and credential is not None and state != "revoked"
    wallet = wallet_offer_path(award.credential_id) if offered and award.credential_id else None
    return AwardView(
        code=award.achievement_code,
        name=name,
        state=state,
        state_text=gettext(language, AWARD_STATE[state]),
        awarded=award.created_at,
        awarded_text=day(award.created_at, language),
        image_url=regional_image_url(
            base_url, award.achievement_code, numbers.get(award.referential_version_id), language
        ),
        page_url=page,
        json_url=json_url,
        png_url=png_url,
        svg_url=svg_url,
        linkedin_url=linkedin,
        wallet_url=wallet,
        wallet_deliveries=await _deliveries(session, award.credential_id, language),
    )


async def _deliveries(
    session: AsyncSession, credential_id: str | None, language: Language
) -> tuple[str, ...]:
    if credential_id is None:
        return ()
    moments = await session.scalars(
        select(WalletDelivery.delivered_at)
        .where(WalletDelivery.credential_id == credential_id)
        .order_by(WalletDelivery.delivered_at.desc())
    )
    return tuple(
        gettext(language, WALLET_DELIVERED).format(date=day(moment, language)) for moment in moments
    )


async def _award_audit(session: AsyncSession, award_ids: Sequence[str]) -> list[AuditEvent]:
    if not award_ids:
        return []
    rows = await session.scalars(
        select(AuditEvent).where(
            AuditEvent.target_type == AWARD_TARGET,
            AuditEvent.target_id.in_(list(award_ids)),
            AuditEvent.action.in_(list(AWARD_EVENTS)),
        )
    )
    return list(rows)


def _history(
    events: Sequence[PartnerBadgeEvent],
    badges: Mapping[str, PartnerBadge],
    *,
    partners: Mapping[str, str],
    audit: Sequence[AuditEvent],
    awards: Mapping[str, AwardView],
    language: Language,
) -> list[HistoryEntry]:
    entries: list[HistoryEntry] = []
    for event in events:
        message = BADGE_EVENTS.get(event.kind)
        badge = badges.get(event.partner_badge_id or "")
        if message is None or badge is None:
            continue
        text = gettext(language, message).format_map(
            {
                "badge": badge.achievement_name or gettext(language, UNNAMED_BADGE),
                "partner": _partner(badge, partners, language),
            }
        )
        entries.append(HistoryEntry(event.at, day(event.at, language), text))
    for row in audit:
        award = awards.get(row.target_id)
        if award is None:
            continue
        text = gettext(language, AWARD_EVENTS[row.action]).format_map({"badge": award.name})
        entries.append(HistoryEntry(row.at, day(row.at, language), text))
    entries.sort(key=lambda entry: _aware(entry.at), reverse=True)
    return entries


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


async def overview(
    session: AsyncSession,
    settings: Settings,
    kek: bytes,
    learner_id: str,
    *,
    base_url: str,
    language: Language,
) -> Overview:
    """Everything "Mon espace" shows the learner ``learner_id``."""
    now = now_utc()
    active = await regional.active_referential(session, settings, kek)
    state = await regional.snapshot(session, active, learner_id)
    result = state.evaluate(now, state.active_codes(), state.classifier())
    ref = active.referential
    badges = list(state.badges.values())
    partners = await _partner_names(session, [b.partner_id for b in badges])
    awards = list(state.awards.values())
    versions = await regional_repository.versions_by_id(
        session, [award.referential_version_id for award in awards]
    )
    numbers = {version_id: version.number for version_id, version in versions.items()}
    award_views = {
        award.id: await _award_view(
            session, award, ref, numbers=numbers, base_url=base_url, language=language
        )
        for award in awards
    }
    history = _history(
        await learners.events_of(session, learner_id),
        state.badges,
        partners=partners,
        audit=await _award_audit(session, list(award_views)),
        awards=award_views,
        language=language,
    )
    return Overview(
        partner_badges=sorted(
            (_badge_view(b, partners, language, now) for b in badges),
            key=lambda view: _aware(view.received),
            reverse=True,
        ),
        awards=sorted(award_views.values(), key=lambda view: _aware(view.awarded), reverse=True),
        competencies=[
            competency_view(item, language, ref) for item in progress(result).competencies
        ],
        history=history,
    )


def context(view: Overview) -> dict[str, Any]:
    """The template context of ``espace.html``."""
    return {
        "partner_badges": view.partner_badges,
        "awards": view.awards,
        "competencies": view.competencies,
        "history": view.history,
    }
