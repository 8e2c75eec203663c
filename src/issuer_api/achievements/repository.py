"""Every query on achievements and their versions. No rules here: see service."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Final

from sqlalchemy import and_, bindparam, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from issuer_api.models import Achievement, AchievementVersion
from issuer_api.sql import sqlite_write_lock


async def get(session: AsyncSession, achievement_id: str) -> Achievement | None:
    return await session.get(Achievement, achievement_id)


@dataclass(frozen=True)
class VersionToIssue:
    """What issuance reads of a version: its id, its achievement's issuer, its document."""

    id: str
    issuer_id: str
    document: dict[str, Any]


# Built once (see issuer_api.auth.deps): the current version of an achievement by id.
_CURRENT_BY_ID: Final = (
    select(AchievementVersion.id, Achievement.issuer_id, AchievementVersion.document)
    .join(
        AchievementVersion,
        and_(
            AchievementVersion.achievement_id == Achievement.id,
            AchievementVersion.version == Achievement.current_version,
        ),
    )
    .where(Achievement.id == bindparam("achievement_id"))
)


async def version_to_issue(
    session: AsyncSession,
    *,
    achievement_id: str | None,
    issuer_id: str | None,
    slug: str | None,
    version: int | None,
) -> VersionToIssue | None:
    """One statement, no ORM object: the achievement (by id, else by the issuer's
    ``slug``) joined with its version ``version`` (its current one when None)."""
    if achievement_id is not None and version is None:  # what nearly every issuance asks
        row = (await session.execute(_CURRENT_BY_ID, {"achievement_id": achievement_id})).first()
        return VersionToIssue(row[0], row[1], row[2]) if row is not None else None
    wanted = Achievement.current_version if version is None else version
    statement = select(AchievementVersion.id, Achievement.issuer_id, AchievementVersion.document)
    statement = statement.join(
        AchievementVersion,
        and_(
            AchievementVersion.achievement_id == Achievement.id,
            AchievementVersion.version == wanted,
        ),
    )
    if achievement_id is not None:
        statement = statement.where(Achievement.id == achievement_id)
    else:
        statement = statement.where(Achievement.issuer_id == issuer_id, Achievement.slug == slug)
    row = (await session.execute(statement)).first()
    return VersionToIssue(row[0], row[1], row[2]) if row is not None else None


async def get_by_slug(session: AsyncSession, issuer_id: str, slug: str) -> Achievement | None:
    result = await session.execute(
        select(Achievement).where(Achievement.issuer_id == issuer_id, Achievement.slug == slug)
    )
    return result.scalar_one_or_none()


async def lock(session: AsyncSession, achievement_id: str) -> Achievement | None:
    """The achievement as committed now, its row locked until the end of the transaction
    (``SELECT … FOR UPDATE``; on SQLite, :func:`issuer_api.sql.sqlite_write_lock` first)."""
    await sqlite_write_lock(session, Achievement.__table__, achievement_id, touch="slug")  # type: ignore[arg-type]
    result = await session.execute(
        select(Achievement)
        .where(Achievement.id == achievement_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    return result.scalar_one_or_none()


async def get_version(
    session: AsyncSession, achievement_id: str, version: int
) -> AchievementVersion | None:
    result = await session.execute(
        select(AchievementVersion).where(
            AchievementVersion.achievement_id == achievement_id,
            AchievementVersion.version == version,
        )
    )
    return result.unique().scalar_one_or_none()


async def versions(session: AsyncSession, achievement_id: str) -> Sequence[AchievementVersion]:
    result = await session.execute(
        select(AchievementVersion)
        .where(AchievementVersion.achievement_id == achievement_id)
        .order_by(AchievementVersion.version)
    )
    return result.unique().scalars().all()


async def page(
    session: AsyncSession, issuer_id: str, *, limit: int, offset: int
) -> tuple[list[tuple[Achievement, AchievementVersion]], int]:
    """The issuer's achievements with their current version, by slug; and the total."""
    total = (
        await session.execute(
            select(func.count()).select_from(Achievement).where(Achievement.issuer_id == issuer_id)
        )
    ).scalar_one()
    rows = await session.execute(
        select(Achievement, AchievementVersion)
        .join(
            AchievementVersion,
            and_(
                AchievementVersion.achievement_id == Achievement.id,
                AchievementVersion.version == Achievement.current_version,
            ),
        )
        .where(Achievement.issuer_id == issuer_id)
        .order_by(Achievement.slug)
        .limit(limit)
        .offset(offset)
    )
    return [(row[0], row[1]) for row in rows.unique()], total


def add(session: AsyncSession, item: Achievement | AchievementVersion) -> None:
    session.add(item)
