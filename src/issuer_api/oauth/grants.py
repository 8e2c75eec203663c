"""What a learner authorised: listed in Mon espace, withdrawn there, exported, erased."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Final

from sqlalchemy import delete, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from issuer_api.models import ApiClient, OAuthAuthorizationCode, OAuthGrant, OAuthRefreshToken


@dataclass(frozen=True)
class AuthorisedApplication:
    """A client the learner authorised (its live grants taken together)."""

    client_id: str
    name: str
    client_uri: str | None
    scopes: frozenset[str]
    authorised_at: datetime  # the latest authorisation


async def authorised_applications(
    session: AsyncSession, learner_id: str
) -> list[AuthorisedApplication]:
    rows = await session.execute(
        select(OAuthGrant, ApiClient)
        .join(ApiClient, ApiClient.id == OAuthGrant.client_id)
        .where(OAuthGrant.learner_id == learner_id, OAuthGrant.revoked_at.is_(None))
        .order_by(OAuthGrant.created_at)
    )
    found: dict[str, AuthorisedApplication] = {}
    for grant, client in rows.all():
        before = found.get(client.id)
        found[client.id] = AuthorisedApplication(
            client_id=client.id,
            name=client.name,
            client_uri=(client.registration or {}).get("client_uri"),
            scopes=frozenset(grant.scopes) | (before.scopes if before else frozenset()),
            authorised_at=grant.created_at,
        )
    return sorted(found.values(), key=lambda a: a.authorised_at, reverse=True)


async def withdraw(session: AsyncSession, learner_id: str, client_id: str) -> int:
    """Revoke every live grant of ``learner_id`` to ``client_id``: its codes, refresh
    tokens and access tokens stop at once. How many grants were revoked."""
    result = await session.execute(
        update(OAuthGrant)
        .where(
            OAuthGrant.learner_id == learner_id,
            OAuthGrant.client_id == client_id,
            OAuthGrant.revoked_at.is_(None),
        )
        .values(revoked_at=datetime.now(UTC))
        .execution_options(synchronize_session=False)
    )
    return int(getattr(result, "rowcount", 0) or 0)


async def export_rows(session: AsyncSession, learner_id: str) -> list[dict[str, object]]:
    """Every grant of the learner (live or revoked), without codes or tokens."""
    rows = await session.execute(
        select(OAuthGrant, ApiClient)
        .join(ApiClient, ApiClient.id == OAuthGrant.client_id)
        .where(OAuthGrant.learner_id == learner_id)
        .order_by(OAuthGrant.created_at)
    )
    return [
        {
            "id": grant.id,
            "client_id": client.id,
            "client_name": client.name,
            "client_uri": (client.registration or {}).get("client_uri"),
            "scopes": sorted(grant.scopes),
            "authorised_at": grant.created_at.isoformat(),
            "revoked_at": grant.revoked_at.isoformat() if grant.revoked_at else None,
        }
        for grant, client in rows.all()
    ]


async def erase(session: AsyncSession, learner_id: str) -> int:
    """Delete the learner's grants with their codes and refresh tokens; how many grants."""
    ids = (
        await session.scalars(select(OAuthGrant.id).where(OAuthGrant.learner_id == learner_id))
    ).all()
    if ids:
        for model in (OAuthAuthorizationCode, OAuthRefreshToken):
            await session.execute(
                delete(model)
                .where(model.grant_id.in_(ids))
                .execution_options(synchronize_session=False)
            )
        await session.execute(
            delete(OAuthGrant)
            .where(OAuthGrant.id.in_(ids))
            .execution_options(synchronize_session=False)
        )
    return len(ids)


CODE_KEPT: Final = timedelta(days=1)


async def purge(session: AsyncSession, *, now: datetime | None = None) -> dict[str, int]:
    """Delete what can no longer serve: codes a day past their expiry (kept that long so
    a replay is still recognised) and refresh tokens expired or of a revoked grant. The
    grants stay (the learner's export lists them, revoked or not)."""
    now = now or datetime.now(UTC)
    codes = await session.execute(
        delete(OAuthAuthorizationCode)
        .where(OAuthAuthorizationCode.expires_at <= now - CODE_KEPT)
        .execution_options(synchronize_session=False)
    )
    revoked = select(OAuthGrant.id).where(OAuthGrant.revoked_at.is_not(None))
    refresh = await session.execute(
        delete(OAuthRefreshToken)
        .where((OAuthRefreshToken.expires_at <= now) | OAuthRefreshToken.grant_id.in_(revoked))
        .execution_options(synchronize_session=False)
    )
    return {
        "codes": int(getattr(codes, "rowcount", 0) or 0),
        "refresh_tokens": int(getattr(refresh, "rowcount", 0) or 0),
    }
