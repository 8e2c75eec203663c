"""``GET /status/{list_id}``: a published Bitstring Status List credential (public)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Header, Path, Request, Response

from issuer_api.deps import AppSettings, Kek, Session
from issuer_api.errors import error_responses
from issuer_api.statuslists import service
from issuer_api.statuslists.service import CACHE_CONTROL, MEDIA_TYPE, StatusListCache

router = APIRouter(tags=["status"])

_EXAMPLE: dict[str, Any] = {
    "@context": ["https://www.w3.org/ns/credentials/v2"],
    "id": "https://badges.normandie.fr/status/5b0c2f0e-1f4e-4c55-9a43-8f1f2b7d3c10",
    "type": ["VerifiableCredential", "BitstringStatusListCredential"],
    "issuer": "did:web:badges.normandie.fr",
    "validFrom": "2026-11-22T09:00:00Z",
    "credentialSubject": {
        "id": "https://badges.normandie.fr/status/5b0c2f0e-1f4e-4c55-9a43-8f1f2b7d3c10#list",
        "type": "BitstringStatusList",
        "statusPurpose": "revocation",
        "encodedList": "uH4sIAAAAAAAAA-3BMQEAAADCoPVPbQwfoAAAAAAAAAAAAAAAAAAAAIC3AYbSVKsAQAAA",
    },
    "proof": {
        "type": "DataIntegrityProof",
        "cryptosuite": "eddsa-rdfc-2022",
        "created": "2026-11-22T09:00:00Z",
        "verificationMethod": "did:web:badges.normandie.fr#key-1",
        "proofPurpose": "assertionMethod",
        "proofValue": "z3FXQjecWufY46yg5abdVZsXqLhxhueuSoZgNSARiKBk9czhSePTFehP8c3PGfb6a",
    },
}


def _cache(request: Request) -> StatusListCache:
    cache: StatusListCache = request.app.state.status_list_cache
    return cache


@router.get(
    "/status/{list_id}",
    summary="Liste de statuts publiée / Published status list",
    description=(
        "Le `BitstringStatusListCredential` signé (eddsa-rdfc-2022) d'une liste de statuts "
        "(révocation ou suspension). Public ; `ETag` = version de la liste, "
        "`If-None-Match` honoré (304), mis en cache 60 s. / The signed "
        "`BitstringStatusListCredential` of a status list (revocation or suspension). "
        "Public; `ETag` = list version, `If-None-Match` honoured (304), cacheable for 60 s."
    ),
    response_class=Response,
    responses={
        200: {
            "description": "La liste signée / The signed list",
            "content": {MEDIA_TYPE: {"schema": {"type": "object"}, "example": _EXAMPLE}},
            "headers": {
                "ETag": {"schema": {"type": "string"}, "description": 'W/"<version>"'},
                "Cache-Control": {"schema": {"type": "string"}},
            },
        },
        304: {"description": "Inchangée depuis l'ETag envoyé / Unchanged since the ETag sent"},
        **error_responses(404),
    },
)
async def get_status_list(
    *,
    request: Request,
    session: Session,
    settings: AppSettings,
    kek: Kek,
    list_id: Annotated[str, Path(max_length=36)],
    if_none_match: Annotated[str | None, Header(max_length=1000)] = None,
) -> Response:
    head = await service.head(session, list_id)
    headers = {"ETag": service.etag_for(head.version), "Cache-Control": CACHE_CONTROL}
    if service.etag_matches(if_none_match, head.version):
        return Response(status_code=304, headers=headers)
    published = await service.publish(session, head, settings, kek, _cache(request))
    headers["ETag"] = published.etag
    return Response(published.body, media_type=MEDIA_TYPE, headers=headers)
