"""The FastAPI application: :func:`create_app`, its lifespan, middleware and logging.

Nothing happens at import time. ``create_app(settings)`` assembles the application;
its lifespan (run by the ASGI server at start-up) configures logging, creates the data
directory and loads — or, on first start, generates — the key-encryption key.

What the application keeps on ``app.state``: ``settings`` (:class:`Settings`), ``kek``
(the key-encryption key as :class:`pydantic.SecretBytes`, set by the lifespan), the
readiness checks of :mod:`issuer_api.routers.health` and ``status_list_cache`` (signed
status list credentials, :class:`issuer_api.statuslists.service.StatusListCache`).

Middleware, outermost first::

    ServerErrorMiddleware       (Starlette) turns any escaped exception into 500 internal_error
    RequestContextMiddleware    request id (X-Request-ID) and one JSON log line per request
    BodySizeLimitMiddleware     413 payload_too_large past OBHUB_MAX_BODY_BYTES (a page
                                for a browser's form: issuer_api.web.too_large)
    ExceptionMiddleware         (Starlette) ApiError, validation and HTTP errors -> error body
    routers
"""

from __future__ import annotations

import asyncio
import logging
import re
import time
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from importlib.metadata import PackageNotFoundError, version
from typing import Any, Final

from fastapi import Depends, FastAPI, Request
from fastapi.responses import RedirectResponse, Response
from pydantic import SecretBytes
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncEngine
from starlette.datastructures import Headers, MutableHeaders
from starlette.routing import NoMatchFound
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from issuer_api.accounts.sessions import SignInRequiredError
from issuer_api.achievements import endpoints as achievement_endpoints
from issuer_api.auth import tokens
from issuer_api.console import auth as console_auth
from issuer_api.console import deliveries as console_deliveries
from issuer_api.console import identity as console_identity
from issuer_api.console import insights as console_insights
from issuer_api.console import mappings as console_mappings
from issuer_api.console import oidc as console_oidc
from issuer_api.console import pages as console_pages
from issuer_api.console import partner_access as console_partner_access
from issuer_api.console import partners as console_partners
from issuer_api.console import referential as console_referential
from issuer_api.console import team as console_team
from issuer_api.console import thresholds as console_thresholds
from issuer_api.credentials import endpoints as credential_endpoints
from issuer_api.db import create_engine, session_factory
from issuer_api.errors import (
    REQUEST_ID_HEADER,
    BodySizeLimitMiddleware,
    document_common_errors,
    install_error_handlers,
    scoped_error_prefixes,
    set_request_id,
)
from issuer_api.espace import router as espace_router
from issuer_api.ingestion import endpoints as ingestion_endpoints
from issuer_api.issuers import endpoints as issuer_endpoints
from issuer_api.jobs.runtime import JobRuntime
from issuer_api.json_bodies import refuse_unpaired_surrogates
from issuer_api.learners import endpoints as learner_endpoints
from issuer_api.logs import configure_logging
from issuer_api.metrics import Metrics, MetricsMiddleware
from issuer_api.metrics import router as metrics_router
from issuer_api.migrate import is_migrated
from issuer_api.oauth import admin as oauth_admin
from issuer_api.oauth import consent as oauth_consent
from issuer_api.oauth import endpoints as oauth_endpoints
from issuer_api.obapi import endpoints as obapi_endpoints
from issuer_api.obapi import imsx as obapi_errors
from issuer_api.outbound import endpoints as outbound_endpoints
from issuer_api.partners import endpoints as partner_endpoints
from issuer_api.region import store as region_store
from issuer_api.regional import endpoints as regional_endpoints
from issuer_api.routers import health, verify
from issuer_api.routers.health import NotReadyError, add_readiness_check
from issuer_api.settings import Settings, check_mintable, get_settings
from issuer_api.staff.sessions import (
    PasswordChangeRequiredError,
    StaffForbiddenError,
    StaffSignInRequiredError,
)
from issuer_api.statuslists import endpoints as statuslist_endpoints
from issuer_api.statuslists.service import StatusListCache
from issuer_api.vcapi import endpoints as vcapi_endpoints
from issuer_api.wallet import router as wallet_router
from issuer_api.web import router as web_router
from issuer_api.web import too_large
from issuer_api.web.apidocs import router as apidocs_router
from issuer_api.web.catalogue import router as catalogue_router
from issuer_api.web.credential_page import router as badge_router
from issuer_api.web.developers import router as developers_router
from issuer_api.web.home import router as home_router
from issuer_api.web.preferences import router as preferences_router
from issuer_api.web.signin import router as signin_router
from verify.fetch import configure_gate

logger = logging.getLogger(__name__)
access_logger = logging.getLogger("issuer_api.access")

DESCRIPTION: Final = """\
**Français.** obhub émet, vérifie et agrège des badges numériques
[Open Badges 3.0](https://www.imsglobal.org/spec/ob/v3p0/) pour les écosystèmes
régionaux de reconnaissance des compétences. Cette instance : {region}.

Toutes les erreurs ont le même corps : `{"error": {"code", "message", "messages",
"status", "request_id", "details"}}`. `code` est stable et n'est jamais traduit ;
`message` suit l'en-tête `Accept-Language` (français ou anglais) ; `messages` donne
les deux langues. Chaque réponse porte l'en-tête `X-Request-ID`. Une méthode qu'un
chemin ne prend pas en charge reçoit 405 `method_not_allowed`, avec l'en-tête `Allow`
qui liste celles qu'il accepte.

---

**English.** obhub issues, verifies and aggregates Open Badges 3.0 digital credentials
for regional skills-recognition ecosystems. This instance: {region}.

Every error has the same body: `{"error": {"code", "message", "messages", "status",
"request_id", "details"}}`. `code` is stable and never translated; `message` follows
the `Accept-Language` header (French or English); `messages` carries both languages.
Every response carries an `X-Request-ID` header. A method a path does not support gets
405 `method_not_allowed`, with an `Allow` header listing those it does.
"""

OPENAPI_TAGS: Final = [
    {"name": "health", "description": "Sondes de vie et de disponibilité / Liveness, readiness."},
    {
        "name": "issuers",
        "description": "Administration des émetteurs et de leurs clés (portée `admin`) / "
        "Issuer and key administration (scope `admin`).",
    },
    {
        "name": "identity",
        "description": "Profils, documents DID et clés publiques, sans jeton / Profiles, "
        "DID documents and public keys, no token needed.",
    },
    {
        "name": "achievements",
        "description": "Badges (achievements) versionnés / Versioned achievements.",
    },
    {
        "name": "credentials",
        "description": "Émission, consultation, révocation et suspension des badges / "
        "Issuing, reading, revoking and suspending credentials.",
    },
    {
        "name": "status",
        "description": "Listes de statuts publiées (Bitstring Status List), sans jeton / "
        "Published status lists (Bitstring Status List), no token needed.",
    },
    {
        "name": "partners",
        "description": "Registre des partenaires : émetteurs de confiance, secrets de webhook, "
        "client OAuth (portée `admin`) / Partner registry: trusted issuers, webhook secrets, "
        "OAuth client (scope `admin`).",
    },
    {
        "name": "deliveries",
        "description": "Livraison de badges par les partenaires : webhook signé (Standard "
        "Webhooks) ou OAuth (portée `deliver`), enregistrée avant l'accusé 202 / Partner badge "
        "deliveries: signed webhook (Standard Webhooks) or OAuth (scope `deliver`), stored "
        "before the 202 acknowledgement.",
    },
    {
        "name": "receipts",
        "description": "Reçus de livraison : le résultat de chaque badge (portée `deliver`) / "
        "Delivery receipts: each badge's outcome (scope `deliver`).",
    },
    {
        "name": "oauth-clients",
        "description": "Applications enregistrées par l'API Open Badges 3.0 et leur lien à un "
        "partenaire (portée `admin`) / Clients registered through the Open Badges 3.0 API "
        "and their link to a partner (scope `admin`).",
    },
    {
        "name": "learners",
        "description": "Bénéficiaires : recherche, dossier, export et effacement (RGPD), "
        "portée `admin` / Learners: lookup, record, export, erasure (GDPR), scope `admin`.",
    },
    *regional_endpoints.OPENAPI_TAGS,
    {
        "name": "webhooks",
        "description": outbound_endpoints.TAG_DESCRIPTION,
    },
    obapi_endpoints.TAG,
    {
        "name": "vc-api",
        "description": "API W3C VC-API (émettre, vérifier, changer un statut) / W3C VC-API "
        "(issue, verify, update status).",
    },
]


def create_app(settings: Settings | None = None) -> FastAPI:
    """Assemble the application. ``settings`` defaults to :func:`get_settings` (the environment)."""
    settings = settings if settings is not None else get_settings()
    configured = region_store.configured_identity(settings)
    app = FastAPI(
        title="obhub",
        version=_package_version(),
        description=DESCRIPTION.replace("{region}", configured.name),
        openapi_tags=OPENAPI_TAGS,
        lifespan=_lifespan,
        dependencies=[Depends(refuse_unpaired_surrogates), Depends(region_store.refresh_identity)],
        # /docs is served by issuer_api.web.apidocs with its assets from the package
        # (FastAPI's own pages load them from a CDN); there is no /redoc.
        docs_url=None,
        redoc_url=None,
    )
    app.state.settings = settings
    app.state.region_identity = region_store.IdentityCache(configured)
    configure_gate(total=settings.fetch_max_concurrency, per_host=settings.fetch_max_per_host)
    _document_common_errors(app)
    install_error_handlers(app)
    obapi_errors.install(app)
    app.add_exception_handler(SignInRequiredError, _sign_in_first)
    app.add_exception_handler(StaffSignInRequiredError, console_pages.sign_in_first)
    app.add_exception_handler(PasswordChangeRequiredError, console_pages.change_password_first)
    app.add_exception_handler(StaffForbiddenError, console_pages.forbidden)
    # add_middleware wraps what is already there: the last added runs first.
    app.add_middleware(
        BodySizeLimitMiddleware,
        max_body_bytes=settings.max_body_bytes,
        default_language=settings.default_language,
        page=too_large.page,
    )
    app.state.metrics = Metrics()
    app.add_middleware(MetricsMiddleware, metrics=app.state.metrics)
    app.add_middleware(RequestContextMiddleware)
    app.state.status_list_cache = StatusListCache()
    for router in (
        health.router,
        verify.router,
        oauth_endpoints.router,
        oauth_consent.router,
        oauth_admin.router,
        issuer_endpoints.router,
        achievement_endpoints.router,
        credential_endpoints.router,
        statuslist_endpoints.router,
        vcapi_endpoints.router,
        obapi_endpoints.router,
        partner_endpoints.router,
        ingestion_endpoints.router,
        outbound_endpoints.router,
        learner_endpoints.router,
        regional_endpoints.router,
        home_router,
        web_router,
        apidocs_router,
        developers_router,
        badge_router,
        catalogue_router,
        signin_router,
        console_auth.router,
        console_identity.router,
        console_insights.router,
        console_mappings.router,
        console_referential.router,
        console_thresholds.router,
        console_oidc.router,
        console_team.router,
        console_partners.router,
        console_partner_access.router,
        console_deliveries.router,
        preferences_router,
        espace_router,
        wallet_router,
        metrics_router,
    ):
        app.include_router(router)
    app.webhooks.include_router(outbound_endpoints.webhooks)
    return app


def _document_common_errors(app: FastAPI) -> None:
    """``app.openapi()`` gives FastAPI's document with the errors every route can answer
    (:func:`issuer_api.errors.document_common_errors`)."""

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            app.openapi_schema = document_common_errors(
                FastAPI.openapi(app), skip_prefixes=scoped_error_prefixes(app)
            )
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]


WARM_CONNECTIONS: Final = 8
"""Database connections each process opens at start-up, before its first request."""


async def _open_connections(engine: AsyncEngine) -> None:
    """On PostgreSQL, open a few pooled connections now: otherwise the first burst of
    requests opens them all at once (a server process each), and waits. A database that
    does not answer yet is no reason not to start: ``/readyz`` says so meanwhile. (An
    SQLite connection opens in a fraction of a millisecond: nothing to gain there.)"""
    if engine.dialect.name != "postgresql":
        return

    async def one() -> None:
        async with engine.connect() as connection:
            await connection.execute(text("SELECT 1"))

    try:
        async with asyncio.timeout(5):
            await asyncio.gather(*(one() for _ in range(WARM_CONNECTIONS)))
    except (OSError, TimeoutError, SQLAlchemyError) as error:
        logger.warning("database connections not opened at start-up: %s", type(error).__name__)


@asynccontextmanager
async def _lifespan(app: FastAPI) -> AsyncIterator[None]:
    settings: Settings = app.state.settings
    configure_logging(settings.log_level)
    check_mintable(settings)
    settings.ensure_data_dir()
    app.state.kek = SecretBytes(settings.load_or_create_kek())
    app.state.token_key = tokens.signing_key(app.state.kek.get_secret_value())
    engine = create_engine(settings.effective_database_url, pool_size=settings.database_pool_size)
    app.state.engine = engine
    app.state.sessions = session_factory(engine)

    async def database_ready() -> None:
        async with engine.connect() as connection:
            await connection.execute(text("SELECT 1"))

    async def schema_ready() -> None:
        async with engine.connect() as connection:
            if not await connection.run_sync(is_migrated):
                raise NotReadyError(
                    "database_not_migrated", "the database schema is not at the head revision"
                )

    _build_routes(app)
    await _open_connections(engine)
    add_readiness_check(app, "database", database_ready)
    add_readiness_check(app, "migrations", schema_ready)
    jobs = JobRuntime(settings, app.state.sessions, app.state.kek.get_secret_value())
    app.state.jobs = jobs
    if jobs.in_process_by_default:
        jobs.start_background()
    if settings.public_base_url is None:
        logger.warning(
            "OBHUB_PUBLIC_BASE_URL is not set: issuers are did:key and the public URLs "
            "written into credentials are on the local address (%s, or each request's Host "
            "header); set an https public base URL in production",
            settings.local_base_url,
        )
    logger.info(
        "obhub started",
        extra={
            "version": app.version,
            "database_backend": settings.effective_database_url.split(":", 1)[0],
        },
    )
    try:
        yield
    finally:
        await jobs.stop()
        await engine.dispose()
        logger.info("obhub stopped")


def _build_routes(app: FastAPI) -> None:
    """Build every route's request handling now, not when the first request comes.

    FastAPI builds the routes of an included router (their dependency graphs and
    validation models, some 0.4 s of CPU here) the first time a request is matched
    against them: the first requests a process serves waited for it, and those queued
    behind them too — a partner's first webhooks answered in a second instead of a few
    milliseconds. Looking up a name no route has walks, hence builds, all of them.
    """
    try:
        app.url_path_for("obhub:build-routes")
    except NoMatchFound:
        return


def _package_version() -> str:
    try:
        return version("obhub")
    except PackageNotFoundError:  # running from a source tree that was never installed
        return "0+unknown"


# --------------------------------------------------------------------------- request context

_SANE_REQUEST_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:-]{0,127}")


class RequestContextMiddleware:
    """Give each request an id and log one JSON line when it completes.

    An incoming ``X-Request-ID`` is kept if it is 1-128 characters of ``A-Z a-z 0-9 . _ : -``
    starting with a letter or digit (safe to log and to echo); otherwise a new one is
    generated. The id is echoed
    in the response header and stored for the error handlers. The log line records
    method, path (without query string), status, duration and request id — never bodies,
    headers or query parameters.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        incoming = Headers(scope=scope).get(REQUEST_ID_HEADER)
        if incoming is not None and _SANE_REQUEST_ID.fullmatch(incoming):
            request_id = incoming
        else:
            request_id = uuid.uuid4().hex
        set_request_id(scope, request_id)
        status = 500  # if the application fails before answering
        started = time.perf_counter()

        async def send_with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                MutableHeaders(scope=message)[REQUEST_ID_HEADER] = request_id
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        finally:
            access_logger.info(
                "request",
                extra={
                    "method": scope["method"],
                    "path": scope["path"],
                    "status": status,
                    "duration_ms": round((time.perf_counter() - started) * 1000, 3),
                    "request_id": request_id,
                },
            )


async def _sign_in_first(request: Request, exc: Exception) -> Response:
    """A page for signed-in learners, asked signed out: to the sign-in page, then back."""
    assert isinstance(exc, SignInRequiredError)  # noqa: S101 - registered for this class only
    return RedirectResponse(exc.location, status_code=303, headers={"Cache-Control": "no-store"})
