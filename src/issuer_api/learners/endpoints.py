"""Learner administration (scope ``admin``): find, read, export, erase, re-check.

Learners are personal data: there is no listing. An administrator finds a learner by
an email or a DID (compared by keyed hash), then reads the record, exports everything
held about the person (GDPR right of access) or erases it (right to erasure).
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query, Response
from fastapi.responses import JSONResponse

from issuer_api.auth import scopes
from issuer_api.auth.deps import AuthenticatedClient, RequireScopes
from issuer_api.deps import Kek, Session
from issuer_api.errors import error_responses
from issuer_api.learners import service
from issuer_api.learners.schemas import LearnerExport, LearnerRecord, LearnerRef, RecheckQueued

router = APIRouter(tags=["learners"])

AdminClient = Annotated[AuthenticatedClient, RequireScopes(scopes.ADMIN)]
LearnerId = Annotated[
    str,
    Path(
        max_length=36,
        description="Identifiant interne du bénéficiaire / internal learner id",
        examples=["5b0e7c1a-2f3d-4e5a-8b9c-0d1e2f3a4b5c"],
    ),
]


@router.get(
    "/learners",
    response_model=LearnerRef,
    summary="Trouver un bénéficiaire / Find a learner",
    description=(
        "Par adresse e-mail ou par DID (exactement l'un des deux), comparés par empreinte "
        "à clé : aucune liste n'est jamais renvoyée. Portée `admin`. / By email or by DID "
        "(exactly one), compared by keyed hash: nothing is ever listed. Scope `admin`."
    ),
    responses=error_responses(401, 403, 404, 422),
)
async def find_learner(
    *,
    _client: AdminClient,
    session: Session,
    kek: Kek,
    email: Annotated[str | None, Query(max_length=320)] = None,
    did: Annotated[str | None, Query(max_length=2000)] = None,
) -> LearnerRef:
    return await service.lookup(session, kek, email=email, did=did)


@router.get(
    "/learners/{learner_id}",
    response_model=LearnerRecord,
    summary="Consulter un bénéficiaire / Get a learner",
    description=(
        "Identifiants en clair, badges partenaires (faits publics et statut), badges "
        "régionaux. Portée `admin`. / Identifiers in clear, partner badges (public facts "
        "and status), regional badges. Scope `admin`."
    ),
    responses=error_responses(401, 403, 404),
)
async def get_learner(
    *, learner_id: LearnerId, _client: AdminClient, session: Session, kek: Kek
) -> LearnerRecord:
    return await service.record(session, kek, learner_id)


@router.get(
    "/learners/{learner_id}/export",
    response_model=LearnerExport,
    summary="Exporter les données d'un bénéficiaire / Export a learner's data",
    description=(
        "Tout ce que le service détient sur la personne (droit d'accès, RGPD art. 15) : "
        "identifiants, badges tels que reçus, envois les concernant, événements, badges "
        "régionaux ; un document JSON à télécharger. L'export est journalisé. Portée "
        "`admin`. / Everything the service holds about the person (GDPR art. 15): "
        "identifiers, badges as received, deliveries concerning them, events, regional "
        "badges; a JSON document to download. The export is audited. Scope `admin`."
    ),
    responses=error_responses(401, 403, 404),
)
async def export_learner(
    *, learner_id: LearnerId, client: AdminClient, session: Session, kek: Kek
) -> JSONResponse:
    document = await service.export(session, kek, learner_id, actor=client.client_id)
    return JSONResponse(
        document.model_dump(mode="json"),
        headers={
            "Content-Disposition": f'attachment; filename="learner-{learner_id}.json"',
            "Cache-Control": "no-store",
        },
    )


@router.delete(
    "/learners/{learner_id}",
    status_code=204,
    summary="Effacer un bénéficiaire / Erase a learner",
    description=(
        "Droit à l'effacement (RGPD art. 17) : supprime identifiants, badges partenaires, "
        "événements et badges régionaux (les badges régionaux émis sont révoqués) et efface "
        "le contenu des envois le concernant ; les compteurs restent. Journalisé sans "
        "donnée personnelle. Portée `admin`. / Right to erasure (GDPR art. 17): deletes "
        "identifiers, partner badges, events and regional badges (issued regional "
        "credentials are revoked) and wipes the content of deliveries concerning them; "
        "counters stay. Audited without personal data. Scope `admin`."
    ),
    responses=error_responses(401, 403, 404),
)
async def erase_learner(
    *, learner_id: LearnerId, client: AdminClient, session: Session
) -> Response:
    await service.erase(session, learner_id, actor=client.client_id)
    return Response(status_code=204)


@router.post(
    "/learners/{learner_id}/recheck",
    status_code=202,
    response_model=RecheckQueued,
    summary="Revérifier les badges d'un bénéficiaire / Re-check a learner's badges",
    description=(
        "Met en file une nouvelle vérification du statut (révocation, suspension, "
        "expiration) de ses badges partenaires. Portée `admin`. / Queues a new check of "
        "the status (revocation, suspension, expiry) of their partner badges. Scope `admin`."
    ),
    responses=error_responses(401, 403, 404),
)
async def recheck_learner(
    *, learner_id: LearnerId, _client: AdminClient, session: Session
) -> RecheckQueued:
    queued = await service.request_recheck(session, learner_id)
    return RecheckQueued(learner_id=learner_id, queued=queued)
