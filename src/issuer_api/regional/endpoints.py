"""Regional aggregation routes: référentiel, mappings, dry run, progress, claims.

Scopes: ``admin`` loads the référentiel and decides mappings; ``read`` (or ``admin``)
reads the référentiel, mappings and any learner's progress; a partner's ``deliver``
client proposes mappings for its own trusted issuers, sees its own proposals, reads
the progress of learners it delivered badges for, runs dry runs and submits claims
(counsellors get a ``deliver`` client).
"""

from __future__ import annotations

from typing import Annotated, Any, Final

from fastapi import APIRouter, Depends, Path, Query, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import ValidationError
from sqlalchemy.ext.asyncio import AsyncSession
from starlette.datastructures import UploadFile

from issuer_api.auth import scopes
from issuer_api.auth.deps import AuthenticatedClient, CurrentClient, ForbiddenError, RequireScopes
from issuer_api.deps import AppSettings, Kek, Session
from issuer_api.errors import ApiError, error_responses
from issuer_api.i18n import Language, negotiate_language
from issuer_api.ingestion.schemas import MAX_BADGES, RecipientIn
from issuer_api.links import PublicBase
from issuer_api.own_documents import OwnDocuments
from issuer_api.regional import claims, dryrun, repository, service
from issuer_api.regional.schemas import (
    ClaimAck,
    ClaimIn,
    ClaimRecord,
    DryRunIn,
    DryRunOut,
    MappingDecisionIn,
    MappingIn,
    MappingPage,
    MappingRecord,
    MappingState,
    ProgressOut,
    ReferentialLoaded,
    ReferentialRecord,
    ReferentialVersionPage,
)
from verify.cache import HttpCache

router = APIRouter()

REFERENTIAL_TAG: Final = "referential"
REGIONAL_TAG: Final = "regional-badges"
MAX_PAGE: Final = 200
MAX_FORM_FIELDS: Final = 8

OPENAPI_TAGS: Final = [
    {
        "name": REFERENTIAL_TAG,
        "description": "Référentiel régional versionné, correspondances de badges partenaires, "
        "simulation / Versioned regional référentiel, partner badge mappings, dry run.",
    },
    {
        "name": REGIONAL_TAG,
        "description": "Badges régionaux : progression des bénéficiaires, demandes "
        "(claims) / Regional badges: learners' progress, claims.",
    },
]


class UnsupportedClaimMediaTypeError(ApiError):
    status_code = 415
    code = "unsupported_media_type"


def RequireAnyScope(*wanted: str) -> Any:  # noqa: N802 - reads as a declaration in routes
    """The client must hold at least one of ``wanted`` (``admin`` holds them all)."""

    async def check(client: CurrentClient) -> AuthenticatedClient:
        if not any(client.has(scope) for scope in wanted):
            challenge = (
                f'Bearer realm="obhub", error="insufficient_scope", scope="{" ".join(wanted)}"'
            )
            raise ForbiddenError(
                code="insufficient_scope",
                details={"required_any": list(wanted)},
                headers={"WWW-Authenticate": challenge},
            )
        return client

    return Depends(check)


AdminClient = Annotated[AuthenticatedClient, RequireScopes(scopes.ADMIN)]
ReaderClient = Annotated[AuthenticatedClient, RequireScopes(scopes.READ)]
PartnerOrReader = Annotated[AuthenticatedClient, RequireAnyScope(scopes.READ, scopes.DELIVER)]
Deliverer = Annotated[AuthenticatedClient, RequireScopes(scopes.DELIVER)]

MappingId = Annotated[
    str, Path(max_length=36, description="Identifiant de la correspondance / mapping id")
]
LearnerId = Annotated[
    str,
    Path(
        max_length=36,
        description="Identifiant interne du bénéficiaire / internal learner id",
        examples=["5b0e7c1a-2f3d-4e5a-8b9c-0d1e2f3a4b5c"],
    ),
]
ClaimId = Annotated[str, Path(max_length=36, description="Identifiant de la demande / claim id")]


def _language(request: Request, settings: Any) -> Language:
    language: Language = negotiate_language(
        request.headers.get("accept-language"), settings.default_language
    )
    return language


def _http_cache(request: Request) -> HttpCache:
    """The process-wide cache of DID documents and status lists (shared with /verify)."""
    state = request.app.state
    cache = getattr(state, "verify_http_cache", None)
    if not isinstance(cache, HttpCache):
        cache = HttpCache()
        state.verify_http_cache = cache
    return cache


def _invalid_body(exc: ValidationError) -> RequestValidationError:
    return RequestValidationError(
        [{**error, "loc": ("body", *error.get("loc", ()))} for error in exc.errors()]
    )


# --------------------------------------------------------------------------- référentiel

_REFERENTIAL_BODY: Final[dict[str, Any]] = {
    "requestBody": {
        "required": True,
        "content": {
            "application/yaml": {
                "schema": {"type": "string"},
                "example": 'code: normandie\nversion: "2026.2"\n…',
            },
            "text/yaml": {"schema": {"type": "string"}},
            "application/json": {"schema": {"type": "object"}},
        },
    }
}


@router.put(
    "/referential",
    status_code=201,
    response_model=ReferentialLoaded,
    tags=[REFERENTIAL_TAG],
    summary="Charger le référentiel / Load the référentiel",
    description=(
        "Corps YAML (`application/yaml`, `text/yaml`) ou JSON. Vérifié en entier : 422 "
        "`invalid_referential` avec la liste des problèmes (`path`, `code`, messages "
        "français et anglais, ligne YAML). Enregistré comme nouvelle version active (201) ; "
        "les badges de la Région sont créés ou versionnés ; tous les bénéficiaires sont "
        "réévalués en tâche de fond. Le référentiel déjà actif : 200, rien n'est "
        "enregistré. Portée `admin`. / YAML (`application/yaml`, `text/yaml`) or JSON "
        "body. Checked in full: 422 `invalid_referential` listing every issue (`path`, "
        "`code`, French and English messages, YAML line). Stored as the new active "
        "version (201); the Region's achievements are created or versioned; every learner "
        "is re-evaluated in the background. The référentiel already active: 200, nothing "
        "stored. Scope `admin`."
    ),
    responses={
        200: {"model": ReferentialLoaded, "description": "Déjà actif / already active"},
        **error_responses(401, 403, 409, 413, 415, 422),
    },
    openapi_extra=_REFERENTIAL_BODY,
)
async def load_referential(
    *, request: Request, client: AdminClient, session: Session, settings: AppSettings, kek: Kek
) -> JSONResponse:
    referential = service.read_body(await request.body(), request.headers.get("content-type"))
    loaded = await service.load(session, settings, kek, referential, actor=client.client_id)
    answer = ReferentialLoaded(
        **service.record(loaded.version).model_dump(),
        changed=loaded.changed,
        achievements=loaded.achievements,
        reevaluation_queued=loaded.reevaluation_queued,
    )
    return JSONResponse(answer.model_dump(mode="json"), status_code=201 if loaded.changed else 200)


@router.get(
    "/referential",
    response_model=ReferentialRecord,
    tags=[REFERENTIAL_TAG],
    summary="Référentiel actif / Active référentiel",
    description=(
        "Le document (JSON canonique), sa version et son empreinte ; sans référentiel "
        "chargé, celui livré avec le service est chargé d'abord. Portée `read`. / The "
        "document (canonical JSON), its version and digest; with none loaded, the one "
        "shipped with the service is loaded first. Scope `read`."
    ),
    responses=error_responses(401, 403),
)
async def active_referential(
    *, _client: ReaderClient, session: Session, settings: AppSettings, kek: Kek
) -> ReferentialRecord:
    active = await service.active_referential(session, settings, kek)
    return service.record(active.version)


@router.get(
    "/referential/versions",
    response_model=ReferentialVersionPage,
    tags=[REFERENTIAL_TAG],
    summary="Versions du référentiel / Référentiel versions",
    description=(
        "Toutes les versions chargées, la plus récente d'abord. Portée `read`. / Every "
        "version loaded, newest first. Scope `read`."
    ),
    responses=error_responses(401, 403),
)
async def referential_versions(
    *, _client: ReaderClient, session: Session
) -> ReferentialVersionPage:
    versions = await repository.version_list(session)
    return ReferentialVersionPage(
        items=[service.summary(version) for version in versions], total=len(versions)
    )


@router.get(
    "/referential/versions/{number}",
    response_model=ReferentialRecord,
    tags=[REFERENTIAL_TAG],
    summary="Une version du référentiel / One référentiel version",
    description=(
        "Le document tel qu'il a été chargé sous ce numéro. Portée `read`. / The document "
        "as loaded under this number. Scope `read`."
    ),
    responses=error_responses(401, 403, 404, 422),
)
async def referential_version(
    *,
    number: Annotated[int, Path(ge=1, le=1_000_000, description="Numéro / number")],
    _client: ReaderClient,
    session: Session,
) -> ReferentialRecord:
    return service.record(await service.get_version(session, number))


# --------------------------------------------------------------------------- mappings


@router.post(
    "/referential/mappings",
    status_code=201,
    response_model=MappingRecord,
    tags=[REFERENTIAL_TAG],
    summary="Proposer une correspondance / Propose a mapping",
    description=(
        "Un badge partenaire (id OB 3.0 de son achievement) compterait pour une compétence "
        "et un niveau du référentiel actif. La proposition ne compte qu'une fois approuvée "
        "par la Région. Un administrateur, ou le client d'un partenaire (portée `deliver`) "
        "pour un émetteur dont il a la confiance (`issuer_id` obligatoire). / A partner "
        "badge (its achievement's OB 3.0 id) would count toward a competency and level of "
        "the active référentiel. It counts only once approved by the Region. An "
        "administrator, or a partner's client (scope `deliver`) for an issuer it is trusted "
        "for (`issuer_id` required)."
    ),
    responses=error_responses(401, 403, 409, 422),
)
async def propose_mapping(
    *,
    body: MappingIn,
    client: Annotated[AuthenticatedClient, RequireScopes(scopes.DELIVER)],
    session: Session,
    settings: AppSettings,
    kek: Kek,
) -> MappingRecord:
    mapping = await service.propose_mapping(session, settings, kek, client, body)
    return service.mapping_record(mapping)


@router.get(
    "/referential/mappings",
    response_model=MappingPage,
    tags=[REFERENTIAL_TAG],
    summary="Correspondances / Mappings",
    description=(
        "Les plus récentes d'abord, filtre `state`. Portée `read` : toutes ; client d'un "
        "partenaire : les siennes. / Newest first, `state` filter. Scope `read`: all; a "
        "partner's client: its own."
    ),
    responses=error_responses(401, 403, 422),
)
async def list_mappings(
    *,
    client: PartnerOrReader,
    session: Session,
    state: Annotated[MappingState | None, Query()] = None,
    limit: Annotated[int, Query(ge=1, le=MAX_PAGE)] = 50,
    offset: Annotated[int, Query(ge=0, le=10_000_000)] = 0,
) -> MappingPage:
    rows, total = await service.visible_mappings(
        session, client, state=state, limit=limit, offset=offset
    )
    return MappingPage(
        items=[service.mapping_record(row) for row in rows],
        total=total,
        limit=limit,
        offset=offset,
    )


async def _decide(
    session: AsyncSession,
    mapping_id: str,
    client: AuthenticatedClient,
    body: MappingDecisionIn | None,
    *,
    approve: bool,
) -> MappingRecord:
    mapping = await service.decide_mapping(
        session,
        mapping_id,
        approve=approve,
        actor=client.client_id,
        note=body.note if body is not None else None,
    )
    return service.mapping_record(mapping)


@router.post(
    "/referential/mappings/{mapping_id}/approve",
    response_model=MappingRecord,
    tags=[REFERENTIAL_TAG],
    summary="Approuver une correspondance / Approve a mapping",
    description=(
        "Le badge partenaire compte désormais ; les bénéficiaires qui le détiennent sont "
        "réévalués. Journalisé. Portée `admin`. / The partner badge counts from now on; "
        "learners holding it are re-evaluated. Audited. Scope `admin`."
    ),
    responses=error_responses(401, 403, 404, 409, 422),
)
async def approve_mapping(
    *,
    mapping_id: MappingId,
    client: AdminClient,
    session: Session,
    body: MappingDecisionIn | None = None,
) -> MappingRecord:
    return await _decide(session, mapping_id, client, body, approve=True)


@router.post(
    "/referential/mappings/{mapping_id}/reject",
    response_model=MappingRecord,
    tags=[REFERENTIAL_TAG],
    summary="Refuser une correspondance / Reject a mapping",
    description=(
        "La proposition ne comptera pas. Journalisé. Portée `admin`. / The proposal will "
        "not count. Audited. Scope `admin`."
    ),
    responses=error_responses(401, 403, 404, 409, 422),
)
async def reject_mapping(
    *,
    mapping_id: MappingId,
    client: AdminClient,
    session: Session,
    body: MappingDecisionIn | None = None,
) -> MappingRecord:
    return await _decide(session, mapping_id, client, body, approve=False)


# --------------------------------------------------------------------------- dry run


@router.post(
    "/referential/evaluate",
    response_model=DryRunOut,
    tags=[REFERENTIAL_TAG],
    summary="Simuler l'attribution / Dry run",
    description=(
        "Vérifie les badges donnés, les classe et les évalue comme ceux d'un même "
        "bénéficiaire contre le référentiel actif, ou celui donné dans `referential` (un "
        "brouillon) : pour chaque badge régional, s'il serait attribué et pourquoi ; pour "
        "chaque badge, pourquoi il ne compte pas. Rien n'est enregistré ni émis. Portées "
        "`read` ou `deliver`. / Verifies the badges given, classifies them and evaluates "
        "them as one learner's against the active référentiel, or the one given in "
        "`referential` (a draft): for each regional badge, whether it would be awarded and "
        "why; for each badge, why it does not count. Nothing is stored or issued. Scopes "
        "`read` or `deliver`."
    ),
    responses=error_responses(400, 401, 403, 413, 422),
)
async def evaluate_badges(
    *,
    request: Request,
    body: DryRunIn,
    _client: PartnerOrReader,
    session: Session,
    settings: AppSettings,
) -> DryRunOut:
    state = request.app.state
    own = OwnDocuments.here(
        settings,
        state.sessions,
        state.kek.get_secret_value(),
        state.status_list_cache,
        request_base=str(request.base_url),
    )
    return await dryrun.dry_run(
        session,
        settings,
        body,
        cache=_http_cache(request),
        language=_language(request, settings),
        own=own,
    )


# --------------------------------------------------------------------------- progress


@router.get(
    "/learners/{learner_id}/progress",
    response_model=ProgressOut,
    tags=[REGIONAL_TAG],
    summary="Progression d'un bénéficiaire / A learner's progress",
    description=(
        "Par compétence : niveau détenu, badges partenaires comptés, ce qui manque pour le "
        "niveau suivant ; les badges régionaux détenus avec leur page publique ; les "
        "badges partenaires (faits publics) et ce pour quoi ils comptent. Portée `read` ; "
        "le client d'un partenaire pour les bénéficiaires à qui il a livré des badges. / "
        "Per competency: level held, partner badges counted, what is missing for the next "
        "level; the regional badges held with their public page; the partner badges "
        "(public facts) and what they count for. Scope `read`; a partner's client for the "
        "learners it delivered badges to."
    ),
    responses=error_responses(401, 403, 404),
)
async def learner_progress(
    *,
    learner_id: LearnerId,
    client: PartnerOrReader,
    session: Session,
    settings: AppSettings,
    kek: Kek,
    base_url: PublicBase,
) -> ProgressOut:
    return await service.learner_progress(
        session, settings, kek, client, learner_id, base_url=base_url
    )


# --------------------------------------------------------------------------- claims


def _inline(node: Any, defs: dict[str, Any]) -> Any:
    """A JSON Schema with its ``$defs`` references replaced by the definitions."""
    if isinstance(node, dict):
        ref = node.get("$ref")
        if isinstance(ref, str) and ref.startswith("#/$defs/"):
            return _inline(defs[ref.removeprefix("#/$defs/")], defs)
        return {key: _inline(value, defs) for key, value in node.items() if key != "$defs"}
    if isinstance(node, list):
        return [_inline(value, defs) for value in node]
    return node


def _self_contained(schema: dict[str, Any]) -> Any:
    return _inline(schema, schema.get("$defs", {}))


_CLAIM_BODY: Final[dict[str, Any]] = {
    "requestBody": {
        "required": True,
        "content": {
            "application/json": {"schema": _self_contained(ClaimIn.model_json_schema())},
            "multipart/form-data": {
                "schema": {
                    "type": "object",
                    "properties": {
                        "email": {"type": "string"},
                        "did": {"type": "string"},
                        "badges": {
                            "type": "array",
                            "items": {"type": "string", "format": "binary"},
                        },
                    },
                    "required": ["badges"],
                }
            },
        },
    }
}


async def _claim_input(request: Request, body: bytes) -> tuple[RecipientIn, list[Any]]:
    media = request.headers.get("content-type", "").split(";", 1)[0].strip().lower()
    if media in ("application/json", ""):
        try:
            claim = ClaimIn.model_validate_json(body or b"null")
        except ValidationError as exc:
            raise _invalid_body(exc) from None
        return claim.recipient, list(claim.badges)
    if media != "multipart/form-data":
        raise UnsupportedClaimMediaTypeError(details={"content_type": media[:100]})
    form = await request.form(max_files=MAX_BADGES, max_fields=MAX_FORM_FIELDS)
    try:
        fields = {
            name: value.strip()
            for name in ("email", "did")
            if isinstance(value := form.get(name), str) and value.strip()
        }
        try:
            recipient = RecipientIn.model_validate(fields)
        except ValidationError as exc:
            raise _invalid_body(exc) from None
        badges: list[Any] = []
        for name in ("badges", "badge", "file"):
            for item in form.getlist(name):
                if isinstance(item, UploadFile):
                    badges.append(claims.decode_upload(await item.read()))
                elif isinstance(item, str) and item.strip():
                    badges.append(item)
    finally:
        await form.close()
    if not badges:
        raise claims.InvalidClaimError(details={"errors": [{"badge": None, "message": "no badge"}]})
    return recipient, badges


@router.post(
    "/claims",
    status_code=202,
    response_model=ClaimAck,
    tags=[REGIONAL_TAG],
    summary="Faire reconnaître des badges / Claim badges",
    description=(
        "Un bénéficiaire, ou un conseiller pour lui, soumet des badges obtenus ailleurs "
        "(JSON, VC-JWT, images cuites, URL d'assertion OB 2.0, présentations vérifiables — "
        "dépliées) pour obtenir les badges régionaux auxquels il a droit. JSON "
        "`{recipient, badges}` ou formulaire multipart (`email` ou `did`, fichiers "
        "`badges`). Enregistré, vérifié ensuite : un badge compte si un partenaire actif "
        "fait confiance à son émetteur et s'il est délivré à ce destinataire (hachage "
        "d'identité de l'e-mail ou DID) — seul le destinataire donné est vérifié. "
        "Réponse 202 ; suivre `GET /claims/{id}`. Portée "
        "`deliver`. / A learner, or a counsellor for them, submits badges earned elsewhere "
        "(JSON, VC-JWT, baked images, OB 2.0 assertion URLs, verifiable presentations — "
        "split) to obtain the regional badges they qualify for. JSON `{recipient, badges}` "
        "or a multipart form (`email` or `did`, `badges` files). Stored, verified later: a "
        "badge counts if an active partner trusts its issuer and it is made out to that "
        "recipient (email identity hash or DID) — only the recipient given is checked. "
        "202 answer; follow `GET "
        "/claims/{id}`. Scope `deliver`."
    ),
    responses=error_responses(400, 401, 403, 413, 415, 422),
    openapi_extra=_CLAIM_BODY,
)
async def submit_claim(
    *, request: Request, client: Deliverer, session: Session, kek: Kek
) -> JSONResponse:
    body = await request.body()
    recipient, badges = await _claim_input(request, body)
    delivery = await claims.submit(
        session, kek, client, recipient=recipient, badges=badges, body=body
    )
    ack = claims.acknowledgement(delivery)
    return JSONResponse(
        ack.model_dump(mode="json"), status_code=202, headers={"Location": ack.links["self"]}
    )


@router.get(
    "/claims/{claim_id}",
    response_model=ClaimRecord,
    tags=[REGIONAL_TAG],
    summary="Suivre une demande / Follow a claim",
    description=(
        "Le résultat de chaque badge (accepté, doublon, refusé et pourquoi) et les badges "
        "régionaux du bénéficiaire, dont ceux obtenus depuis la demande. Visible par le "
        "client qui l'a faite et par les administrateurs. Portée `deliver`. / Each badge's "
        "outcome (accepted, duplicate, rejected and why) and the learner's regional "
        "badges, those awarded since the claim included. Visible to the client that made "
        "it and to administrators. Scope `deliver`."
    ),
    responses=error_responses(401, 403, 404),
)
async def follow_claim(
    *,
    request: Request,
    claim_id: ClaimId,
    client: Deliverer,
    session: Session,
    settings: AppSettings,
    base_url: PublicBase,
) -> ClaimRecord:
    return await claims.follow(
        session, client, claim_id, language=_language(request, settings), base_url=base_url
    )
