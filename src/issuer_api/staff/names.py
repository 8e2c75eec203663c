"""Who did it, in words: the display names of the staff members the audit log names."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Final

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from issuer_api.models import StaffMember

PREFIX: Final = "staff:"


async def display_names(db: AsyncSession, actors: Iterable[str | None]) -> dict[str, str]:
    """``staff:<id>`` → the member's display name, for those who have one (never an email)."""
    ids = {actor[len(PREFIX) :] for actor in actors if actor and actor.startswith(PREFIX)}
    if not ids:
        return {}
    rows = await db.execute(
        select(StaffMember.id, StaffMember.display_name).where(StaffMember.id.in_(sorted(ids)))
    )
    return {PREFIX + row.id: row.display_name for row in rows if row.display_name}
