"""Routes of the public page of an issued badge, its downloads, and the images of
regional badges.

``GET  /badges/{id}``           the page (template ``badge.html``; French by default,
                                ``?lang=en``, the reader's chosen language, else
                                Accept-Language): image, name, description, criteria,
                                issuer, dates, evidence, référentiel version, the
                                catalogue entry of a regional badge, and the live status
                                read from the database (valid, suspended, revoked,
                                expired, not yet valid) in a ``role="status"`` banner.
                                No token: ``id`` is the credential's UUID.
``POST /badges/{id}``           the same page with a verification report: the
                                no-JavaScript path of "Vérifier maintenant" (with
                                JavaScript, the page's script posts the credential to
                                ``POST /verify`` itself). It changes nothing and needs
                                no sign-in: no CSRF token, as for ``POST /verify``.
``GET  /badges/{id}.json``      the signed credential, as an attachment
                                (``application/vc+ld+json``; a VC-JWT as
                                ``application/vc+jwt``)
``GET  /badges/{id}.svg``       the badge image with the credential baked in
``GET  /badges/{id}.png``       the same as PNG (:mod:`issuer_api.web.badge_files`)
``GET  /badges/static/{name}``  the page's stylesheet and script
``GET  /regional-badges/{code}/image.svg[?version=N][&lang=en]``
                                the generated image (:mod:`aggregation.images`) of a
                                regional achievement of the active référentiel, or of
                                version number ``N``; cacheable, and unable to run
                                script (``default-src 'none'``)

The page shows what :mod:`issuer_api.web.badge_context` draws from
:mod:`issuer_api.web.badge_view`. Pages carry the strict Content-Security-Policy of
every page (no inline script or style); images carry ``default-src 'none';
style-src 'unsafe-inline'``.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any, Final, Literal

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, Response
from sqlalchemy.ext.asyncio import AsyncSession

from issuer_api.accounts.sessions import OptionalLearner
from issuer_api.deps import Session
from issuer_api.i18n import Language
from issuer_api.issuers import service as issuers
from issuer_api.links import public_base_url
from issuer_api.region.store import identity_of
from issuer_api.routers.verify import run_verification
from issuer_api.wallet.offers import offerable
from issuer_api.web.badge_context import (
    DI_MEDIA_TYPE,
    JWT_MEDIA_TYPE,
    badge_page_context,
)
from issuer_api.web.badge_files import (
    badge_image,
    baked_png,
    baked_svg,
    conditional,
    file_response,
    filename,
)
from issuer_api.web.badge_urls import (
    ACHIEVEMENT_CODE,
    BADGE_PREFIX,
    REGIONAL_PREFIX,
    wallet_offer_path,
)
from issuer_api.web.badge_view import BadgeView, load_badge, referential_version, regional_svg
from issuer_api.web.pages import static_file, verification_messages
from issuer_api.web.templating import SECURITY_HEADERS, page_language, render_page
from obhub_i18n import N_, gettext

router = APIRouter(include_in_schema=False)

STATIC_PREFIX: Final = "/badges/static"
STATIC_FILES: Final = {
    "credential.css": "text/css; charset=utf-8",
    "credential.js": "text/javascript; charset=utf-8",
}
IMAGE_SECURITY_HEADERS: Final = {
    "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'",
    "X-Content-Type-Options": "nosniff",
    "Cross-Origin-Resource-Policy": "cross-origin",
}
REGIONAL_CACHE_CONTROL: Final = "public, max-age=86400"
DOWNLOAD_CACHE_CONTROL: Final = "public, max-age=3600"

NOT_FOUND: Final = (
    N_("Badge not found"),
    N_(
        "No badge matches this address. Check the link you were given, or verify a badge "
        "you have on the verification page."
    ),
)
ERASED: Final = (
    N_("Badge erased"),
    N_("This badge was revoked, then erased at its holder's request: it is no longer published."),
)
REGIONAL_NOT_FOUND: Final = N_("Unknown regional badge.")

Lang = Annotated[str | None, Query(max_length=8)]


def _message_page(
    request: Request, lang: str | None, message: tuple[str, str], status_code: int
) -> HTMLResponse:
    language = page_language(request, lang)
    title, text = (gettext(language, m) for m in message)
    return render_page(
        request,
        "badge_message.html",
        language,
        {"title": title, "text": text},
        status_code=status_code,
    )


async def _published(
    request: Request, session: AsyncSession, credential_id: str, lang: str | None
) -> BadgeView | HTMLResponse:
    """The badge, or the page saying it does not exist (404) or was erased (410)."""
    view = await load_badge(session, credential_id)
    if view is None:
        return _message_page(request, lang, NOT_FOUND, 404)
    if view.credential.erased_at is not None:
        return _message_page(request, lang, ERASED, 410)
    return view


def _bases(request: Request) -> list[str]:
    settings = request.app.state.settings
    return list(dict.fromkeys((public_base_url(settings, request), issuers.base_url(settings))))


# --------------------------------------------------------------------------- downloads


@router.get(f"{BADGE_PREFIX}/{{credential_id}}.json")
async def badge_json(
    request: Request, session: Session, credential_id: str, lang: Lang = None
) -> Response:
    view = await _published(request, session, credential_id, lang)
    if isinstance(view, Response):
        return view
    if view.is_jwt and view.credential.jwt:
        body, media, extension = view.credential.jwt.encode("ascii"), JWT_MEDIA_TYPE, "jwt"
    else:
        body, media, extension = view.payload.encode("utf-8"), DI_MEDIA_TYPE, "json"
    return file_response(
        request,
        body,
        media,
        filename(view, extension),
        disposition="attachment",
        headers={**SECURITY_HEADERS, "Access-Control-Allow-Origin": "*"},
        cache_control=DOWNLOAD_CACHE_CONTROL,
    )


@router.get(f"{BADGE_PREFIX}/{{credential_id}}.svg")
async def badge_svg_download(
    request: Request, session: Session, credential_id: str, lang: Lang = None
) -> Response:
    return await _baked_download(request, session, credential_id, lang, "svg")


@router.get(f"{BADGE_PREFIX}/{{credential_id}}.png")
async def badge_png_download(
    request: Request, session: Session, credential_id: str, lang: Lang = None
) -> Response:
    return await _baked_download(request, session, credential_id, lang, "png")


async def _baked_download(
    request: Request,
    session: AsyncSession,
    credential_id: str,
    lang: str | None,
    extension: Literal["svg", "png"],
) -> Response:
    """The badge image with the credential baked in, as SVG or PNG."""
    view = await _published(request, session, credential_id, lang)
    if isinstance(view, Response):
        return view
    image = await badge_image(session, view, _bases(request))
    if extension == "svg":
        body, media_type = baked_svg(image, view), "image/svg+xml"
    else:
        body, media_type = await baked_png(image, view), "image/png"
    return file_response(
        request,
        body,
        media_type,
        filename(view, extension),
        disposition="inline",
        headers=IMAGE_SECURITY_HEADERS,
        cache_control=DOWNLOAD_CACHE_CONTROL,
    )


@router.get(f"{STATIC_PREFIX}/{{name}}")
async def badge_static(name: str) -> Response:
    return static_file(name, STATIC_FILES)


# --------------------------------------------------------------------------- the page


@router.get(f"{BADGE_PREFIX}/{{credential_id}}", response_class=HTMLResponse)
async def badge_page(
    request: Request,
    session: Session,
    learner_id: OptionalLearner,
    credential_id: str,
    lang: Lang = None,
) -> HTMLResponse:
    return await _badge_page(request, session, learner_id, credential_id, lang, verified=False)


@router.post(f"{BADGE_PREFIX}/{{credential_id}}", response_class=HTMLResponse)
async def badge_page_verified(
    request: Request,
    session: Session,
    learner_id: OptionalLearner,
    credential_id: str,
    lang: Lang = None,
) -> HTMLResponse:
    """The no-JavaScript "Vérifier maintenant": verify like ``POST /verify``, render."""
    return await _badge_page(request, session, learner_id, credential_id, lang, verified=True)


async def _badge_page(
    request: Request,
    session: AsyncSession,
    learner_id: str | None,
    credential_id: str,
    lang: str | None,
    *,
    verified: bool,
) -> HTMLResponse:
    """The badge page; when ``verified``, with the report of verifying it now (not stored)."""
    view = await _published(request, session, credential_id, lang)
    if isinstance(view, Response):
        return view
    language = page_language(request, lang)
    result: dict[str, Any] | None = None
    if verified:
        report = await run_verification(request, view.payload.encode("utf-8"), None)
        result = report.to_dict(language, include_credential=False)
    context = badge_page_context(
        language,
        view,
        public_base_url(request.app.state.settings, request),
        now=datetime.now(UTC),
        report=result,
        messages=verification_messages(language),
        site_name=identity_of(request).scheme_name,
    )
    # Its holder, signed in, can put it in a wallet (wallet.pages).
    owner = learner_id is not None and await offerable(session, learner_id, view.credential.id)
    context["wallet_url"] = wallet_offer_path(view.credential.id) if owner else None
    return render_page(request, "badge.html", language, context, no_store=verified)


# --------------------------------------------------------------------------- regional images


@router.get(f"{REGIONAL_PREFIX}/{{code}}/image.svg")
async def regional_badge_image(
    request: Request,
    session: Session,
    code: str,
    version: Annotated[int | None, Query(ge=1, le=1_000_000_000)] = None,
    lang: Lang = None,
) -> Response:
    """The generated SVG of a regional achievement (active référentiel, or ``version``)."""
    language: Language = "en" if lang == "en" else "fr"
    found = (
        await referential_version(session, version) if ACHIEVEMENT_CODE.fullmatch(code) else None
    )
    svg = regional_svg(found, code, language) if found is not None else None
    if svg is None:
        return Response(
            gettext(language, REGIONAL_NOT_FOUND),
            status_code=404,
            media_type="text/plain; charset=utf-8",
            headers=IMAGE_SECURITY_HEADERS,
        )
    headers = {**IMAGE_SECURITY_HEADERS, "Cache-Control": REGIONAL_CACHE_CONTROL}
    return conditional(request, svg.encode("utf-8"), "image/svg+xml", headers)
