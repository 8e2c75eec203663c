"""Every query on issuers, signing keys and their audit trail. No rules here: see service."""

from __future__ import annotations

from typing import Final

from sqlalchemy import bindparam, func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import joinedload

from issuer_api.models import Issuer, SigningKey
from issuer_api.sql import lock_row


async def get_by_id(session: AsyncSession, issuer_id: str) -> Issuer | None:
    return await session.get(Issuer, issuer_id)


# The keys in the same statement (every issuance reads them): one round trip, not the
# relationship's default second SELECT. Built once (see issuer_api.auth.deps).
_BY_SLUG: Final = (
    select(Issuer).where(Issuer.slug == bindparam("slug")).options(joinedload(Issuer.keys))
)


async def get_by_slug(session: AsyncSession, slug: str) -> Issuer | None:
    result = await session.execute(_BY_SLUG, {"slug": slug})
    return result.unique().scalar_one_or_none()


_REGION: Final = select(Issuer).where(Issuer.is_region.is_(True)).options(joinedload(Issuer.keys))


async def get_region(session: AsyncSession) -> Issuer | None:
    """The Region with its keys (one statement: each regional badge minted reads them)."""
    result = await session.execute(_REGION)
    return result.unique().scalar_one_or_none()


async def slug_exists(session: AsyncSession, slug: str) -> bool:
    result = await session.execute(select(Issuer.id).where(Issuer.slug == slug))
    return result.first() is not None


async def page(session: AsyncSession, *, limit: int, offset: int) -> tuple[list[Issuer], int]:
    """Issuers, the Region first, then by slug; and how many there are in all."""
    total = (await session.execute(select(func.count()).select_from(Issuer))).scalar_one()
    rows = await session.execute(
        select(Issuer).order_by(Issuer.is_region.desc(), Issuer.slug).limit(limit).offset(offset)
    )
    return list(rows.scalars()), total


async def all_issuers(session: AsyncSession) -> list[Issuer]:
    """Every issuer with its keys (the JWKS). Small: one row per partner organisation."""
    rows = await session.execute(select(Issuer).order_by(Issuer.is_region.desc(), Issuer.slug))
    return list(rows.scalars())


def add(session: AsyncSession, issuer: Issuer) -> None:
    session.add(issuer)


async def lock(session: AsyncSession, issuer_id: str) -> None:
    """Serialise key changes of one issuer until the transaction ends."""
    await lock_row(session, Issuer.__table__, issuer_id, touch="slug")  # type: ignore[arg-type]


async def keys_of(session: AsyncSession, issuer_id: str) -> list[SigningKey]:
    """The issuer's keys as committed now (after :func:`lock`: including concurrent ones)."""
    rows = await session.execute(
        select(SigningKey)
        .where(SigningKey.issuer_id == issuer_id)
        .order_by(SigningKey.number)
        .execution_options(populate_existing=True)
    )
    return list(rows.scalars())
