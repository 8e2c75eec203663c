"""``POST /verify``: verify a badge and return the per-check report.

Accepted bodies: a credential as JSON (``application/json``,
``application/ld+json``, ``application/vc+ld+json``), a VC-JWT or JSON as text
(``text/plain``, ``application/jwt``), a baked image (``image/png``,
``image/svg+xml``), or a ``multipart/form-data`` upload with a ``file`` field.
The answer is 200 whatever the verdict: ``verified``/``verdict`` say it, each
check says why. 4xx is only for a request that cannot be used (empty,
unsupported media type, too large).
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response
from pydantic import BaseModel, Field
from starlette.datastructures import UploadFile

from issuer_api import verification
from issuer_api.errors import ApiError, error_responses
from issuer_api.i18n import negotiate_language
from issuer_api.json_bodies import judges_unicode_itself
from issuer_api.own_documents import OwnDocuments
from obcore import jsontext
from verify.cache import HttpCache, MemoryOnlySource, RequestSource
from verify.pipeline import verify
from verify.report import Report
from verify.resolvers import network_options, network_source

router = APIRouter(tags=["verification"])

JSON_TYPES = ("application/json", "application/ld+json", "application/vc+ld+json")
TEXT_TYPES = ("text/plain", "application/jwt", "application/vc+jwt")
IMAGE_TYPES = ("image/png", "image/svg+xml")


class EmptyBodyError(ApiError):
    status_code = 400
    code = "empty_body"


class UnsupportedMediaTypeError(ApiError):
    status_code = 415
    code = "unsupported_media_type"


class MissingFileError(ApiError):
    status_code = 400
    code = "missing_file"


class CheckOut(BaseModel):
    id: str = Field(examples=["proof"])
    status: Literal["valid", "invalid", "indeterminate", "skipped"]
    code: str = Field(examples=["proof_valid"])
    message: str = Field(examples=["La signature est valide."])
    messages: dict[str, str]
    detail: str | None = None
    data: dict[str, Any] | None = None


class VerifyResponse(BaseModel):
    verified: bool
    verdict: Literal["valid", "invalid", "indeterminate"]
    message: str
    messages: dict[str, str]
    format: str = Field(examples=["json"])
    checks: list[CheckOut]
    summary: dict[str, Any]
    notices: list[str] | None = None
    endorsements: list[dict[str, Any]] | None = None
    credential: dict[str, Any] | None = None


_EXAMPLE_JWT = "eyJhbGciOiJFZERTQSIsImtpZCI6ImRpZDprZXk6ejZNay4uLiJ9.eyJpc3MiOiIuLi4ifQ.c2ln"
_OPENAPI_BODY: dict[str, Any] = {
    "requestBody": {
        "required": True,
        "content": {
            "application/json": {
                "schema": {"type": "object", "description": "An OB 3.0 credential (JSON)."},
                "example": {
                    "@context": ["https://www.w3.org/ns/credentials/v2"],
                    "type": ["VerifiableCredential", "OpenBadgeCredential"],
                },
            },
            "text/plain": {
                "schema": {"type": "string", "description": "A compact VC-JWT."},
                "example": _EXAMPLE_JWT,
            },
            "multipart/form-data": {
                "schema": {
                    "type": "object",
                    "properties": {
                        "file": {"type": "string", "format": "binary"},
                        "recipient": {
                            "type": "string",
                            "description": "email or DID of the expected recipient",
                        },
                    },
                    "required": ["file"],
                },
            },
            "image/png": {"schema": {"type": "string", "format": "binary"}},
            "image/svg+xml": {"schema": {"type": "string", "format": "binary"}},
        },
    }
}


def _shared_cache(request: Request) -> HttpCache:
    """The process-wide cache of DID documents, key documents and status lists."""
    state = request.app.state
    cache = getattr(state, "verify_http_cache", None)
    if not isinstance(cache, HttpCache):
        cache = HttpCache()
        state.verify_http_cache = cache
    return cache


async def _read_payload(request: Request) -> tuple[bytes, str | None]:
    """The badge bytes, and the expected recipient when a form carries one.

    A form field keeps the recipient (personal data) out of URLs, which proxies log.
    """
    media = request.headers.get("content-type", "").split(";", 1)[0].strip().lower()
    form_recipient: str | None = None
    if media == "multipart/form-data":
        form = await request.form(max_files=1, max_fields=4)
        try:
            upload = form.get("file")
            if not isinstance(upload, UploadFile):
                raise MissingFileError()
            data = await upload.read()
            field = form.get("recipient")
            if isinstance(field, str) and field.strip():
                form_recipient = field.strip()[:320]
        finally:
            await form.close()
    elif media in JSON_TYPES or media in TEXT_TYPES or media in IMAGE_TYPES or media == "":
        data = await request.body()
    else:
        raise UnsupportedMediaTypeError(details={"content_type": media[:100]})
    if not data.strip():
        raise EmptyBodyError()
    return data, form_recipient


@router.post(
    "/verify",
    response_model=VerifyResponse,
    response_model_exclude_none=True,
    summary="Vérifier un badge / Verify a badge",
    description=(
        "Vérifie un badge (JSON, VC-JWT, image PNG/SVG cuite) et renvoie le détail de chaque "
        "contrôle. / Verifies a badge (JSON, VC-JWT, baked PNG/SVG) and returns each check."
    ),
    responses=error_responses(400, 413, 415),
    openapi_extra=_OPENAPI_BODY,
)
@judges_unicode_itself  # a lone surrogate is a malformed badge: the report says so
async def verify_badge(
    request: Request,
    recipient: Annotated[
        str | None,
        Query(
            max_length=320,
            description="email or DID of the expected recipient (prefer the `recipient` "
            "form field: URLs end up in proxy logs)",
        ),
    ] = None,
    lang: Annotated[Literal["fr", "en"] | None, Query()] = None,
) -> Response:
    data, form_recipient = await _read_payload(request)
    settings = request.app.state.settings
    language = lang or negotiate_language(
        request.headers.get("accept-language"), settings.default_language
    )
    report = await run_verification(request, data, form_recipient or recipient)
    # The report is built to the documented shape (``VerifyResponse``, checked by
    # tests/api/test_verify_endpoint.py): answered as is, not validated and serialised
    # again field by field through the response model (about a quarter of the CPU).
    return Response(
        jsontext.dumps_compact(report.to_dict(language), non_finite="null"),
        media_type=JSON_TYPES[0],
    )


async def run_verification(request: Request, data: bytes, recipient: str | None) -> Report:
    """Verify ``data`` as ``POST /verify`` does (same options, same metrics).

    Shared with the ``/verifier`` web page, whose no-JavaScript form posts here, and the
    badge page's "Vérifier maintenant". The service's own documents (status lists, DID
    documents, profiles) are read from its database, not fetched (see
    :mod:`issuer_api.own_documents`). A small badge whose documents are all in memory is
    verified on the event loop, any other in a worker thread
    (:mod:`issuer_api.verification`).
    """
    state = request.app.state
    own = OwnDocuments.here(
        state.settings,
        state.sessions,
        state.kek.get_secret_value(),
        state.status_list_cache,
        request_base=str(request.base_url),
    )
    settings = state.settings
    cache = _shared_cache(request)

    def attempt(inline: bool) -> Report:
        # On the loop: what the cache holds fresh, nothing else. In a worker thread: each
        # document at most once per verification, all of them under one deadline.
        source = (
            MemoryOnlySource(cache)
            if inline
            else RequestSource(
                network_source(settings.fetch_allowlist, cache=cache),
                settings.verify_deadline_seconds,
            )
        )
        options = network_options(source=source, recipient=recipient, local=own)
        return verify(data, verification.attempt_options(options, inline))

    report = await verification.run_verification(attempt, len(data))
    request.app.state.metrics.verifications.labels(report.verdict).inc()
    return report
