"""Achievement routes: an issuer's badge classes (token) and their public documents.

Writing needs the ``achievements`` scope, reading the list and history needs ``read``;
a partner client acts only for its own issuer. The Achievement documents themselves are
public: ``/achievements/{id}`` (current version) and ``/achievements/{id}/versions/{n}``
(immutable).
"""

from __future__ import annotations

from typing import Annotated, Final

from fastapi import APIRouter, Path, Query, Response
from fastapi.responses import JSONResponse

from issuer_api.achievements import service
from issuer_api.achievements.schemas import (
    AchievementContent,
    AchievementCreate,
    AchievementDocument,
    AchievementList,
    AchievementRecord,
)
from issuer_api.auth import scopes
from issuer_api.auth.deps import AuthenticatedClient, RequireScopes, ensure_can_act_for
from issuer_api.deps import AppSettings, Session
from issuer_api.errors import error_responses
from issuer_api.issuers import service as issuers
from issuer_api.issuers.endpoints import IssuerRef
from issuer_api.models import Issuer

router = APIRouter(tags=["achievements"])

CURRENT_CACHE: Final = "public, max-age=60"
VERSION_CACHE: Final = "public, max-age=31536000, immutable"

Writer = Annotated[AuthenticatedClient, RequireScopes(scopes.ACHIEVEMENTS)]
Reader = Annotated[AuthenticatedClient, RequireScopes(scopes.READ)]
AchievementRef = Annotated[
    str,
    Path(
        max_length=100,
        description="Identifiant (UUID) ou slug du badge / achievement id (UUID) or slug",
        examples=["sauveteur-secouriste"],
    ),
]
AchievementId = Annotated[str, Path(max_length=36, description="Identifiant (UUID) / id (UUID)")]


async def _issuer_for(session: Session, client: AuthenticatedClient, ref: str) -> Issuer:
    issuer = await issuers.get_issuer(session, ref)
    ensure_can_act_for(client, issuer.id)
    return issuer


@router.post(
    "/issuers/{issuer}/achievements",
    status_code=201,
    response_model=AchievementRecord,
    summary="Créer un badge (achievement) / Create an achievement",
    description=(
        "Crée la version 1 d'un badge de l'émetteur. Portée `achievements` ; un partenaire "
        "n'agit que pour son émetteur. / Creates version 1 of an achievement of the issuer. "
        "Scope `achievements`; a partner acts only for its own issuer."
    ),
    responses=error_responses(401, 403, 404, 409, 422),
)
async def create_achievement(
    *,
    issuer: IssuerRef,
    data: AchievementCreate,
    client: Writer,
    session: Session,
    settings: AppSettings,
    response: Response,
) -> AchievementRecord:
    owner = await _issuer_for(session, client, issuer)
    achievement = await service.create_achievement(
        session, settings, owner, data, actor=client.client_id
    )
    response.headers["Location"] = f"/issuers/{owner.slug}/achievements/{achievement.id}"
    return await service.achievement_record(session, owner, achievement)


@router.get(
    "/issuers/{issuer}/achievements",
    response_model=AchievementList,
    summary="Lister les badges d'un émetteur / List an issuer's achievements",
    description="Par slug. Portée `read`. / By slug. Scope `read`.",
    responses=error_responses(401, 403, 404, 422),
)
async def list_achievements(
    *,
    issuer: IssuerRef,
    client: Reader,
    session: Session,
    settings: AppSettings,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    offset: Annotated[int, Query(ge=0, le=10_000_000)] = 0,
) -> AchievementList:
    owner = await _issuer_for(session, client, issuer)
    items, total = await service.list_achievements(
        session, settings, owner, limit=limit, offset=offset
    )
    return AchievementList(items=items, total=total, limit=limit, offset=offset)


@router.get(
    "/issuers/{issuer}/achievements/{achievement}",
    response_model=AchievementRecord,
    summary="Consulter un badge et son historique / Get an achievement and its history",
    description="Portée `read`. / Scope `read`.",
    responses=error_responses(401, 403, 404),
)
async def get_achievement(
    *,
    issuer: IssuerRef,
    achievement: AchievementRef,
    client: Reader,
    session: Session,
) -> AchievementRecord:
    owner = await _issuer_for(session, client, issuer)
    found = await service.get_achievement(session, owner, achievement)
    return await service.achievement_record(session, owner, found)


@router.put(
    "/issuers/{issuer}/achievements/{achievement}",
    response_model=AchievementRecord,
    summary="Modifier un badge (nouvelle version) / Update an achievement (new version)",
    description=(
        "Remplace le contenu : une nouvelle version est créée si le document change (sinon "
        "rien n'est enregistré). Les badges déjà émis ne changent pas. Portée `achievements`. "
        "/ Replaces the content: a new version is stored if the document changes (otherwise "
        "nothing is). Credentials already issued do not change. Scope `achievements`."
    ),
    responses=error_responses(401, 403, 404, 409, 422),
)
async def update_achievement(
    *,
    issuer: IssuerRef,
    achievement: AchievementRef,
    data: AchievementContent,
    client: Writer,
    session: Session,
    settings: AppSettings,
) -> AchievementRecord:
    owner = await _issuer_for(session, client, issuer)
    found = await service.get_achievement(session, owner, achievement)
    await service.update_achievement(session, settings, found, data, actor=client.client_id)
    return await service.achievement_record(session, owner, found)


# --------------------------------------------------------------------------- public documents


@router.get(
    "/achievements/{achievement_id}",
    response_model=AchievementDocument,
    summary="Badge OB 3.0 (version courante) / OB 3.0 Achievement (current version)",
    description=(
        "Le document `Achievement` de la version courante, sans jeton. / The current "
        "version's `Achievement` document, no token needed."
    ),
    responses=error_responses(404),
)
async def public_achievement(achievement_id: AchievementId, session: Session) -> Response:
    version = await service.resolve_version(session, achievement_id)
    return JSONResponse(service.public_document(version), headers={"Cache-Control": CURRENT_CACHE})


@router.get(
    "/achievements/{achievement_id}/versions/{version}",
    response_model=AchievementDocument,
    summary="Badge OB 3.0, version donnée / OB 3.0 Achievement, given version",
    description=(
        "Une version est immuable : c'est le document que les badges émis avec elle "
        "contiennent. / A version is immutable: the document credentials issued with it "
        "embed."
    ),
    responses=error_responses(404, 422),
)
async def public_achievement_version(
    *,
    achievement_id: AchievementId,
    version: Annotated[int, Path(ge=1, le=1_000_000)],
    session: Session,
) -> Response:
    found = await service.resolve_version(session, achievement_id, version)
    return JSONResponse(service.public_document(found), headers={"Cache-Control": VERSION_CACHE})
