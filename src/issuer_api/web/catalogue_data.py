"""What the public catalogue of regional badges shows, read from the database.

The entries are the regional badges of the active référentiel (the shipped default when
none is stored yet, read without writing). Two grouped queries feed every entry:

* how many people hold each badge (active awards), shown only from
  :data:`HOLDERS_SHOWN_FROM` on, so that a badge held by a handful of people does not
  point at them;
* the partner structures whose badges count toward each badge: approved achievement
  mappings of active partners (the mapping's own partner, or for a mapping an
  administrator made for an issuer, the partners trusting that issuer), names only.

Texts of the référentiel (names, descriptions) are data, in the reader's language when
the référentiel holds it; the criteria are words generated from the rules
(:mod:`aggregation.criteria`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Final

from sqlalchemy import and_, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from aggregation.criteria import Criteria, counting_conditions, counts_toward, criteria
from aggregation.images import achievement_svg, svg_data_uri
from aggregation.referential import Achievement, Referential, default_referential
from issuer_api.i18n import Language
from issuer_api.models import AchievementMapping, Partner, PartnerTrustedIssuer, RegionalAward
from issuer_api.regional import repository as regional_repository
from issuer_api.regional.service import referential_of
from issuer_api.web.badge_urls import regional_image_url
from obhub_i18n import N_, gettext, ngettext

HOLDERS_SHOWN_FROM: Final = 10
"""Below this many holders, the catalogue says "fewer than 10" rather than the number."""
CATALOGUE_PATH: Final = "/badges-regionaux"
FEWER_HOLDERS: Final = N_("Fewer than {count} holders")
GENERAL_GROUP_HINT: Final = N_("These badges recognise several skills together.")


@dataclass(frozen=True, slots=True)
class MappedPartner:
    """A partner structure whose achievement counts in a competency at a level."""

    name: str
    achievement_id: str
    competency: str
    level: str


@dataclass(frozen=True, slots=True)
class BadgeEntry:
    """One regional badge as the catalogue shows it, in one language."""

    code: str
    href: str
    name: str
    description: str
    narrative: str
    image: str
    competency: str | None
    competency_code: str | None
    level: str | None
    level_description: str | None
    criteria: Criteria
    partners: tuple[str, ...]
    holders: int | None
    """How many people hold it, or ``None`` when fewer than :data:`HOLDERS_SHOWN_FROM`."""
    holders_text: str
    implies: tuple[tuple[str, str], ...]
    """The regional badges awarded with it: ``(name, href)``."""


@dataclass(frozen=True, slots=True)
class BadgeGroup:
    """The badges of one competency, or those of no competency (``code`` ``None``)."""

    code: str | None
    anchor: str
    name: str
    description: str | None
    entries: tuple[BadgeEntry, ...]


@dataclass(frozen=True, slots=True)
class Catalogue:
    name: str
    description: str | None
    version: str
    groups: tuple[BadgeGroup, ...]

    def entry(self, code: str) -> BadgeEntry | None:
        for group in self.groups:
            for entry in group.entries:
                if entry.code == code:
                    return entry
        return None


# --------------------------------------------------------------------------- queries


async def active(session: AsyncSession) -> tuple[Referential, int | None]:
    """The active référentiel and its stored version number (``None``: the shipped
    default, not stored yet)."""
    version = await regional_repository.active_version(session)
    if version is None:
        return default_referential(), None
    return referential_of(version), version.number


async def holders_per_badge(session: AsyncSession) -> dict[str, int]:
    """Active awards per regional badge code (one grouped query)."""
    rows = await session.execute(
        select(RegionalAward.achievement_code, func.count())
        .where(RegionalAward.state == "active")
        .group_by(RegionalAward.achievement_code)
    )
    return {code: int(count) for code, count in rows.all()}


async def mapped_partners(session: AsyncSession) -> list[MappedPartner]:
    """Approved mappings with the active partner each one stands for (one query)."""
    trusted = select(PartnerTrustedIssuer.partner_id).where(
        PartnerTrustedIssuer.identifier == AchievementMapping.issuer_id
    )
    rows = await session.execute(
        select(
            Partner.name,
            AchievementMapping.achievement_id,
            AchievementMapping.competency,
            AchievementMapping.level,
        )
        .join(
            Partner,
            or_(
                Partner.id == AchievementMapping.partner_id,
                and_(AchievementMapping.partner_id.is_(None), Partner.id.in_(trusted)),
            ),
        )
        .where(AchievementMapping.state == "approved", Partner.state == "active")
        .distinct()
    )
    return [MappedPartner(*row) for row in rows.all()]


async def load_catalogue(session: AsyncSession, lang: Language) -> Catalogue:
    referential, number = await active(session)
    holders = await holders_per_badge(session)
    partners = await mapped_partners(session)
    return build_catalogue(referential, number, holders, partners, lang)


# --------------------------------------------------------------------------- view


def entry_href(code: str) -> str:
    return f"{CATALOGUE_PATH}/{code}"


def image_of(
    referential: Referential, achievement: Achievement, number: int | None, lang: Language
) -> str:
    """The badge image the hub serves (pinned to the version), or the declared one."""
    if achievement.image is not None:
        return achievement.image
    if number is not None:
        try:
            return regional_image_url("", achievement.code, number, lang)
        except ValueError:  # a code the image route does not serve
            pass
    return svg_data_uri(achievement_svg(referential, achievement.code, lang))


def partners_of(
    referential: Referential, code: str, partners: Sequence[MappedPartner]
) -> tuple[str, ...]:
    conditions = counting_conditions(referential, code)
    names = {
        partner.name
        for partner in partners
        if counts_toward(
            referential,
            conditions,
            achievement_id=partner.achievement_id,
            competency=partner.competency,
            level=partner.level,
        )
    }
    return tuple(sorted(names, key=str.casefold))


def holders_text(count: int, lang: Language) -> str:
    if count < HOLDERS_SHOWN_FROM:
        return gettext(lang, FEWER_HOLDERS).format(count=HOLDERS_SHOWN_FROM)
    return ngettext(lang, "{count} holder", "{count} holders", count).format(count=count)


def general_group(entries: tuple[BadgeEntry, ...], lang: Language) -> BadgeGroup:
    name = ngettext(lang, "General badge", "General badges", len(entries))
    return BadgeGroup(None, "group-general", name, gettext(lang, GENERAL_GROUP_HINT), entries)


def build_catalogue(
    referential: Referential,
    number: int | None,
    holders: Mapping[str, int],
    partners: Sequence[MappedPartner],
    lang: Language,
) -> Catalogue:
    def entry(achievement: Achievement) -> BadgeEntry:
        count = holders.get(achievement.code, 0)
        level = achievement.level
        return BadgeEntry(
            code=achievement.code,
            href=entry_href(achievement.code),
            name=achievement.name.get(lang),
            description=achievement.description.get(lang),
            narrative=achievement.criteria.get(lang),
            image=image_of(referential, achievement, number, lang),
            competency=achievement.competency.name.get(lang) if achievement.competency else None,
            competency_code=achievement.competency.code if achievement.competency else None,
            level=level.name.get(lang) if level else None,
            level_description=level.description.get(lang) if level and level.description else None,
            criteria=criteria(referential, achievement, lang),
            partners=partners_of(referential, achievement.code, partners),
            holders=count if count >= HOLDERS_SHOWN_FROM else None,
            holders_text=holders_text(count, lang),
            implies=tuple(
                (referential.achievement(code).name.get(lang), entry_href(code))
                for code in achievement.implies
            ),
        )

    groups = [
        BadgeGroup(
            competency.code,
            f"group-{competency.code}",
            competency.name.get(lang),
            competency.description.get(lang) if competency.description else None,
            tuple(entry(a) for a in referential.achievements_for(competency.code)),
        )
        for competency in referential.competencies
    ]
    general = tuple(entry(a) for a in referential.achievements if a.competency is None)
    if general:
        groups.append(general_group(general, lang))
    return Catalogue(
        name=referential.name.get(lang),
        description=referential.description.get(lang) if referential.description else None,
        version=referential.version,
        groups=tuple(group for group in groups if group.entries),
    )
