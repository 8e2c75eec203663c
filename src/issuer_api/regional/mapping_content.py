"""What a mapping is about, for the people who decide it: the partner badge's content.

A mapping names a partner achievement by its id. The hub knows its content from the
partner badges it holds with that achievement id (name, description, criteria as the
credential described them, issuer, partner); a proposal nobody has delivered yet shows
what the mapping itself says.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from issuer_api.models import AchievementMapping
from issuer_api.regional import repository


@dataclass(frozen=True)
class BadgeContent:
    """The partner achievement of a mapping, as known to the hub."""

    achievement_id: str
    name: str | None
    description: str | None
    criteria: str | None
    issuer_id: str | None
    partner_name: str | None
    seen: bool  # a partner badge with this achievement id was received


def _text(value: Any) -> str | None:
    """A plain text from an OB field (a string, or a language map)."""
    if isinstance(value, str):
        return value.strip()[:2000] or None
    if isinstance(value, Mapping):
        for key in ("fr", "en", *value.keys()):
            found = value.get(key)
            if isinstance(found, str) and found.strip():
                return found.strip()[:2000]
    return None


def _criteria(achievement: Mapping[str, Any]) -> str | None:
    criteria = achievement.get("criteria")
    if isinstance(criteria, Mapping):
        return _text(criteria.get("narrative")) or _text(criteria.get("id"))
    return _text(criteria)


async def contents(
    session: AsyncSession, mappings: Sequence[AchievementMapping]
) -> dict[str, BadgeContent]:
    """The content of each mapping's partner achievement, by mapping id."""
    ids = sorted({m.achievement_id for m in mappings})
    badges = {
        badge.achievement_id: (badge, partner)
        for badge, partner in await repository.badges_with_achievements(session, ids)
    }
    partners = await repository.partner_names(
        session, sorted({m.partner_id for m in mappings if m.partner_id is not None})
    )
    found: dict[str, BadgeContent] = {}
    for mapping in mappings:
        seen = badges.get(mapping.achievement_id)
        if seen is None:
            found[mapping.id] = BadgeContent(
                achievement_id=mapping.achievement_id,
                name=None,
                description=None,
                criteria=None,
                issuer_id=mapping.issuer_id,
                partner_name=partners.get(mapping.partner_id or ""),
                seen=False,
            )
            continue
        badge, partner_name = seen
        achievement = badge.achievement or {}
        found[mapping.id] = BadgeContent(
            achievement_id=mapping.achievement_id,
            name=badge.achievement_name or _text(achievement.get("name")),
            description=_text(achievement.get("description")),
            criteria=_criteria(achievement),
            issuer_id=mapping.issuer_id or badge.issuer_id,
            partner_name=partner_name or partners.get(mapping.partner_id or ""),
            seen=True,
        )
    return found
