"""The public page of an issued badge, its downloads, and the images of regional badges.

``GET  /badges/{id}``           the page (French by default; ``?lang=en``, else
                                Accept-Language): image, name, description, criteria,
                                issuer, dates, evidence, référentiel version, and the
                                live status read from the database (valid, suspended,
                                revoked, expired, not yet valid) in a ``role="status"``
                                banner. No token: ``id`` is the credential's UUID.
``POST /badges/{id}``           the same page with a verification report: the
                                no-JavaScript path of "Vérifier maintenant" (with
                                JavaScript, the page's script posts the credential to
                                ``POST /verify`` itself)
``GET  /badges/{id}.json``      the signed credential, as an attachment
                                (``application/vc+ld+json``; a VC-JWT as
                                ``application/vc+jwt``)
``GET  /badges/{id}.svg``       the badge image with the credential baked in
``GET  /badges/{id}.png``       the same as PNG (drawn by :mod:`issuer_api.web.raster`)
``GET  /badges/static/{name}``  the page's stylesheet and script
``GET  /regional-badges/{code}/image.svg[?version=N][&lang=en]``
                                the generated image (:mod:`aggregation.images`) of a
                                regional achievement of the active référentiel, or of
                                version number ``N``; cacheable, and unable to run
                                script (``default-src 'none'``)

**Which image.** A badge's image is its achievement's ``image``: when it is this
service's own regional image URL (:func:`regional_image_url`, under the public base URL
or the request's), the SVG is generated again from the référentiel version it names;
a ``data:image/svg+xml`` or ``data:image/png`` image is used as it is; anything else
(an address elsewhere, which is never fetched, or no image) gets a generated shield
with the badge's name. The PNG is drawn from that SVG in pure Python (no native
library), or is the achievement's own PNG.

**Personal data.** The page never shows the recipient: the credential carries only a
salted hash of the email (or a DID), and the page does not include it. The downloads
are the credential itself, as handed to the holder.

Pages carry the strict Content-Security-Policy of the ``/verifier`` page (no inline
script or style); images carry ``default-src 'none'; style-src 'unsafe-inline'``.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import re
import unicodedata
from collections import OrderedDict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Annotated, Any, Final, Literal
from urllib.parse import parse_qs, quote, unquote_to_bytes, urlencode, urlsplit

import anyio
from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, Response
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from aggregation.errors import ReferentialError
from aggregation.images import achievement_svg, badge_svg
from aggregation.referential import Referential, parse_referential
from issuer_api.credentials.service import parse_public_id
from issuer_api.deps import Session
from issuer_api.i18n import Language
from issuer_api.issuers import service as issuers
from issuer_api.links import public_base_url
from issuer_api.models import IssuedCredential, Issuer
from issuer_api.models.regional import ReferentialVersion, RegionalAward
from issuer_api.routers.verify import run_verification
from issuer_api.web import raster
from issuer_api.web.pages import SECURITY_HEADERS, html_response, page_language, static_file
from issuer_api.web.render import (
    Html,
    document,
    el,
    head_start,
    json_script,
    render_report,
    safe_image_url,
    safe_link_url,
    site_header,
    verifier_assets,
)
from issuer_api.web.texts import (
    BADGE_TEXTS,
    STATE_ICONS,
    STATUS_ICONS,
    TEXTS,
    VERDICT_ICONS,
    badge_text,
    format_datetime,
)
from obcore import baking
from obcore.errors import MalformedInputError
from obcore.model import display_text
from verify.messages import CATALOGUE as VERIFY_MESSAGES

router = APIRouter(include_in_schema=False)

BADGE_PREFIX: Final = "/badges"
STATIC_PREFIX: Final = "/badges/static"
REGIONAL_PREFIX: Final = "/regional-badges"
ASSET_VERSION: Final = "1"
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
DI_MEDIA_TYPE: Final = "application/vc+ld+json"
JWT_MEDIA_TYPE: Final = "application/vc+jwt"
PNG_SIZE: Final = 512
MAX_DATA_IMAGE_BYTES: Final = 2 * 1024 * 1024
LINKEDIN_ADD_URL: Final = "https://www.linkedin.com/profile/add"
ACHIEVEMENT_CODE: Final = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,63}")
_REGIONAL_PATH: Final = re.compile(
    r"/regional-badges/(?P<code>[A-Za-z0-9][A-Za-z0-9_.-]{0,63})/image\.svg"
)
_PNG_CACHE_SIZE: Final = 64
_REFERENTIAL_CACHE_SIZE: Final = 8

State = Literal["valid", "suspended", "revoked", "expired", "not_yet_valid"]


# --------------------------------------------------------------------------- URLs


def badge_page_url(base_url: str, credential_id: str) -> str:
    """The public page of credential ``credential_id`` (its UUID)."""
    return f"{base_url}{BADGE_PREFIX}/{credential_id}"


def regional_image_url(
    base_url: str, code: str, version: int | None = None, lang: Language | None = None
) -> str:
    """Where the generated image of regional achievement ``code`` is served.

    ``version`` is a :class:`~issuer_api.models.regional.ReferentialVersion` ``number``
    (pin it in credentials: the image then never changes); without it, the active
    référentiel's. ``lang`` defaults to French.
    """
    if not ACHIEVEMENT_CODE.fullmatch(code):
        raise ValueError(f"not a regional achievement code: {code!r}")
    query = {}
    if version is not None:
        query["version"] = str(version)
    if lang is not None and lang != "fr":
        query["lang"] = lang
    suffix = f"?{urlencode(query)}" if query else ""
    return f"{base_url}{REGIONAL_PREFIX}/{code}/image.svg{suffix}"


def linkedin_url(
    *,
    name: str,
    organization: str,
    issued: datetime | None,
    expires: datetime | None,
    page_url: str,
    credential_id: str,
) -> str:
    """LinkedIn's "add a certification" address, every value percent-encoded."""
    params: dict[str, str] = {
        "startTask": "CERTIFICATION_NAME",
        "name": name,
        "organizationName": organization,
    }
    if issued is not None:
        params["issueYear"] = str(issued.year)
        params["issueMonth"] = str(issued.month)
    if expires is not None:
        params["expirationYear"] = str(expires.year)
        params["expirationMonth"] = str(expires.month)
    params["certUrl"] = page_url
    params["certId"] = credential_id
    return f"{LINKEDIN_ADD_URL}?{urlencode(params, quote_via=quote, safe='')}"


# --------------------------------------------------------------------------- loading


@dataclass(frozen=True)
class BadgeView:
    """An issued credential and what its page shows besides it."""

    credential: IssuedCredential
    issuer: Issuer | None
    award: RegionalAward | None
    referential: ReferentialVersion | None

    @property
    def document(self) -> dict[str, Any]:
        return self.credential.document

    @property
    def achievement(self) -> Mapping[str, Any]:
        subject = self.document.get("credentialSubject")
        if isinstance(subject, list):
            subject = subject[0] if subject else {}
        found = subject.get("achievement") if isinstance(subject, Mapping) else None
        return found if isinstance(found, Mapping) else {}

    def name(self, lang: Language) -> str:
        return (
            _text(self.document.get("name"), lang)
            or _text(self.achievement.get("name"), lang)
            or badge_text(lang, "badge_title")
        )

    def description(self, lang: Language) -> str | None:
        return _text(self.document.get("description"), lang) or _text(
            self.achievement.get("description"), lang
        )

    def issuer_name(self, lang: Language) -> str:
        profile = self.document.get("issuer")
        if isinstance(profile, Mapping):
            found = _text(profile.get("name"), lang)
            if found:
                return found
        if self.issuer is not None:
            return self.issuer.name
        return profile if isinstance(profile, str) else ""

    @property
    def payload(self) -> str:
        """What is baked into images and downloaded: the token, or the compact JSON."""
        if self.credential.format == "jwt" and self.credential.jwt:
            return self.credential.jwt
        return json.dumps(self.document, ensure_ascii=False, separators=(",", ":"))


async def load_badge(session: AsyncSession, ref: str) -> BadgeView | None:
    """The credential ``ref`` (UUID, or ``urn:uuid:`` form) and its regional award."""
    credential_id = parse_public_id(ref)
    if credential_id is None:
        return None
    credential = await session.get(IssuedCredential, credential_id)
    if credential is None:
        return None
    issuer = await session.get(Issuer, credential.issuer_id)
    award = (
        await session.execute(
            select(RegionalAward)
            .where(RegionalAward.credential_id == credential.id)
            .order_by(RegionalAward.created_at)
            .limit(1)
        )
    ).scalar_one_or_none()
    version = (
        await session.get(ReferentialVersion, award.referential_version_id)
        if award is not None
        else None
    )
    return BadgeView(credential, issuer, award, version)


async def referential_version(
    session: AsyncSession, number: int | None
) -> ReferentialVersion | None:
    """Version ``number`` of the référentiel, or the active one."""
    query = select(ReferentialVersion)
    if number is None:
        query = query.where(ReferentialVersion.active.is_(True))
    else:
        query = query.where(ReferentialVersion.number == number)
    return (await session.execute(query.limit(1))).scalar_one_or_none()


_REFERENTIALS: OrderedDict[tuple[str, str], Referential] = OrderedDict()


def _referential(version: ReferentialVersion) -> Referential | None:
    """The parsed référentiel of a stored version (kept: versions never change)."""
    key = (version.id, version.digest)
    found = _REFERENTIALS.get(key)
    if found is None:
        try:
            found = parse_referential(version.document)
        except (ReferentialError, KeyError, TypeError, ValueError):
            return None
        _REFERENTIALS[key] = found
        while len(_REFERENTIALS) > _REFERENTIAL_CACHE_SIZE:
            _REFERENTIALS.popitem(last=False)
    return found


def regional_svg(version: ReferentialVersion, code: str, lang: Language) -> str | None:
    referential = _referential(version)
    if referential is None:
        return None
    try:
        return achievement_svg(referential, code, lang)
    except KeyError:
        return None


# --------------------------------------------------------------------------- state


def _aware(moment: datetime | None) -> datetime | None:
    if moment is None:
        return None
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def live_state(credential: IssuedCredential, now: datetime) -> tuple[State, datetime | None]:
    """The credential's status now, from the database, and the date that goes with it."""
    if credential.revoked_at is not None:
        return "revoked", _aware(credential.revoked_at)
    if credential.suspended:
        return "suspended", None
    valid_until = _aware(credential.valid_until)
    if valid_until is not None and valid_until <= now:
        return "expired", valid_until
    valid_from = _aware(credential.valid_from)
    if valid_from is not None and valid_from > now:
        return "not_yet_valid", valid_from
    return "valid", None


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _parse_date(value: object) -> datetime | None:
    if not isinstance(value, str) or not value.strip():
        return None
    try:
        return _aware(datetime.fromisoformat(value.strip()))
    except ValueError:
        return None


# --------------------------------------------------------------------------- images


def _image_address(achievement: Mapping[str, Any]) -> str | None:
    image = achievement.get("image")
    if isinstance(image, Mapping):
        image = image.get("id")
    return image if isinstance(image, str) and image.strip() else None


def _data_image(address: str) -> tuple[str, bytes] | None:
    """``(media type, bytes)`` of a ``data:image/…`` address, or None."""
    if not address.lower().startswith("data:image/") or "," not in address:
        return None
    if len(address) > MAX_DATA_IMAGE_BYTES * 2:
        return None
    header, data = address[5:].split(",", 1)
    media, *params = header.split(";")
    try:
        raw = (
            base64.b64decode(data, validate=False)
            if "base64" in (p.strip().lower() for p in params)
            else unquote_to_bytes(data)
        )
    except (binascii.Error, ValueError):
        return None
    if len(raw) > MAX_DATA_IMAGE_BYTES:
        return None
    return media.strip().lower(), raw


def _regional_reference(
    address: str, bases: Sequence[str]
) -> tuple[str, int | None, Language] | None:
    """``(code, version, lang)`` when ``address`` is this service's regional image URL."""
    try:
        parts = urlsplit(address)
    except ValueError:
        return None
    origin_path = f"{parts.scheme}://{parts.netloc}{parts.path}"
    for base in bases:
        if not origin_path.startswith(f"{base}/"):
            continue
        match = _REGIONAL_PATH.fullmatch(origin_path[len(base) :])
        if match is None:
            continue
        query = parse_qs(parts.query)
        version_text = (query.get("version") or [""])[0]
        version = int(version_text) if version_text.isdigit() and len(version_text) < 10 else None
        lang: Language = "en" if (query.get("lang") or [""])[0] == "en" else "fr"
        return match.group("code"), version, lang
    return None


def _fallback_svg(view: BadgeView) -> str:
    name = view.name("fr")
    achievement_id = view.achievement.get("id")
    return badge_svg(
        name,
        _text(view.achievement.get("name"), "fr") or name,
        color_key=achievement_id if isinstance(achievement_id, str) else name,
        header=view.issuer_name("fr") or None,
    )


@dataclass(frozen=True)
class BadgeImage:
    """The image of a badge: an SVG text, and the achievement's own PNG when it has one."""

    svg: str
    png: bytes | None = None


async def badge_image(session: AsyncSession, view: BadgeView, bases: Sequence[str]) -> BadgeImage:
    address = _image_address(view.achievement)
    if address is not None:
        regional = _regional_reference(address, bases)
        if regional is not None:
            code, number, lang = regional
            version = await referential_version(session, number)
            svg = regional_svg(version, code, lang) if version is not None else None
            if svg is not None:
                return BadgeImage(svg)
        data = _data_image(address)
        if data is not None:
            media, raw = data
            if media == "image/svg+xml":
                try:
                    text = raw.decode("utf-8")
                    raster.parse_svg(text)
                except (UnicodeDecodeError, raster.RasterError):
                    pass
                else:
                    return BadgeImage(text)
            elif media == "image/png" and raw.startswith(b"\x89PNG\r\n\x1a\n"):
                encoded = base64.b64encode(raw).decode("ascii")
                wrapper = (
                    '<svg xmlns="http://www.w3.org/2000/svg" '
                    'xmlns:xlink="http://www.w3.org/1999/xlink" width="512" height="512" '
                    'viewBox="0 0 512 512"><image width="512" height="512" '
                    f'xlink:href="data:image/png;base64,{encoded}"/></svg>\n'
                )
                return BadgeImage(wrapper, raw)
    return BadgeImage(_fallback_svg(view))


_PNG_CACHE: OrderedDict[str, bytes] = OrderedDict()


def _baked_png(image: BadgeImage, payload: str, fallback: str) -> bytes:
    """The PNG of ``image`` with ``payload`` baked in (CPU-bound: run in a thread)."""
    if image.png is not None:
        try:
            return baking.bake_png(image.png, payload)
        except MalformedInputError:
            pass
    try:
        picture = raster.render_png(image.svg, size=PNG_SIZE)
    except raster.RasterError:
        picture = raster.render_png(fallback, size=PNG_SIZE)
    return baking.bake_png(picture, payload)


async def baked_png(image: BadgeImage, view: BadgeView) -> bytes:
    payload = view.payload
    key = hashlib.sha256(
        b"\x1f".join((image.svg.encode("utf-8"), image.png or b"", payload.encode("utf-8")))
    ).hexdigest()
    found = _PNG_CACHE.get(key)
    if found is None:
        fallback = _fallback_svg(view)
        found = await anyio.to_thread.run_sync(_baked_png, image, payload, fallback)
        _PNG_CACHE[key] = found
        while len(_PNG_CACHE) > _PNG_CACHE_SIZE:
            _PNG_CACHE.popitem(last=False)
    else:
        _PNG_CACHE.move_to_end(key)
    return found


def baked_svg(image: BadgeImage, view: BadgeView) -> bytes:
    try:
        return baking.bake_svg(image.svg, view.payload)
    except MalformedInputError:
        return baking.bake_svg(_fallback_svg(view), view.payload)


# --------------------------------------------------------------------------- responses


def _bases(request: Request) -> list[str]:
    settings = request.app.state.settings
    return list(dict.fromkeys((public_base_url(settings, request), issuers.base_url(settings))))


def _etag(body: bytes) -> str:
    return f'"{hashlib.sha256(body).hexdigest()[:32]}"'


def _not_modified(request: Request, etag: str) -> bool:
    header = request.headers.get("if-none-match")
    if not header:
        return False
    return any(tag.strip().removeprefix("W/") in (etag, "*") for tag in header.split(","))


def _file(
    request: Request,
    body: bytes,
    media_type: str,
    filename: str,
    *,
    disposition: Literal["attachment", "inline"],
    headers: Mapping[str, str],
    cache_control: str,
) -> Response:
    out = {
        **headers,
        "Cache-Control": cache_control,
        "Content-Disposition": f'{disposition}; filename="{filename}"',
    }
    return _conditional(request, body, media_type, out)


def _conditional(
    request: Request, body: bytes, media_type: str, headers: Mapping[str, str]
) -> Response:
    """``body`` with its ETag, or 304 Not Modified when the request's If-None-Match matches."""
    etag = _etag(body)
    out = {**headers, "ETag": etag}
    if _not_modified(request, etag):
        return Response(status_code=304, headers=out)
    return Response(body, media_type=media_type, headers=out)


def _slug(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text)
    plain = "".join(c for c in decomposed if not unicodedata.combining(c)).lower()
    slug = re.sub(r"[^a-z0-9]+", "-", plain).strip("-")[:60].strip("-")
    return slug or "badge"


def filename(view: BadgeView, extension: str) -> str:
    return f"{_slug(view.name('fr'))}-{view.credential.id[:8]}.{extension}"


async def _not_found(request: Request, lang: str | None) -> HTMLResponse:
    return html_response(not_found_page(page_language(request, lang)), status_code=404)


async def _published(
    request: Request, session: AsyncSession, credential_id: str, lang: str | None
) -> BadgeView | HTMLResponse:
    """The badge, or the page saying it does not exist (404) or was erased (410)."""
    view = await load_badge(session, credential_id)
    if view is None:
        return await _not_found(request, lang)
    if view.credential.erased_at is not None:
        language = page_language(request, lang)
        return html_response(message_page(language, "erased_title", "erased_text"), status_code=410)
    return view


# --------------------------------------------------------------------------- routes

Lang = Annotated[str | None, Query(max_length=8)]


@router.get(f"{BADGE_PREFIX}/{{credential_id}}.json")
async def badge_json(
    request: Request, session: Session, credential_id: str, lang: Lang = None
) -> Response:
    view = await _published(request, session, credential_id, lang)
    if isinstance(view, Response):
        return view
    if view.credential.format == "jwt" and view.credential.jwt:
        body, media, extension = view.credential.jwt.encode("ascii"), JWT_MEDIA_TYPE, "jwt"
    else:
        body, media, extension = view.payload.encode("utf-8"), DI_MEDIA_TYPE, "json"
    return _file(
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
    return _file(
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


@router.get(f"{BADGE_PREFIX}/{{credential_id}}", response_class=HTMLResponse)
async def badge_page(
    request: Request, session: Session, credential_id: str, lang: Lang = None
) -> HTMLResponse:
    return await _badge_page(request, session, credential_id, lang, verified=False)


@router.post(f"{BADGE_PREFIX}/{{credential_id}}", response_class=HTMLResponse)
async def badge_page_verified(
    request: Request, session: Session, credential_id: str, lang: Lang = None
) -> HTMLResponse:
    """The no-JavaScript "Vérifier maintenant": verify like ``POST /verify``, render."""
    return await _badge_page(request, session, credential_id, lang, verified=True)


async def _badge_page(
    request: Request, session: AsyncSession, credential_id: str, lang: str | None, *, verified: bool
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
    base = public_base_url(request.app.state.settings, request)
    content = page(language, view, base, now=datetime.now(UTC), report=result)
    return html_response(content, no_store=verified)


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
            badge_text(language, "regional_not_found"),
            status_code=404,
            media_type="text/plain; charset=utf-8",
            headers=IMAGE_SECURITY_HEADERS,
        )
    headers = {**IMAGE_SECURITY_HEADERS, "Cache-Control": REGIONAL_CACHE_CONTROL}
    return _conditional(request, svg.encode("utf-8"), "image/svg+xml", headers)


# --------------------------------------------------------------------------- page


def _text(value: Any, lang: Language) -> str | None:
    try:
        found = display_text(value, lang)
    except (AttributeError, TypeError):
        return None
    return (found.strip() or None) if isinstance(found, str) else None


def _head(
    lang: Language,
    title: str,
    *,
    description: str | None = None,
    canonical: str | None = None,
    alternate: str | None = None,
    social: Mapping[str, str] | None = None,
    extra: Sequence[Html] = (),
) -> Html:
    other: Language = "en" if lang == "fr" else "fr"
    meta = head_start(f"{title} — {badge_text(lang, 'site_name')}")
    if description:
        meta.append(el("meta", {"name": "description", "content": description}, void=True))
    if canonical:
        meta.append(el("link", {"rel": "canonical", "href": canonical}, void=True))
    if alternate:
        meta.append(
            el("link", {"rel": "alternate", "hreflang": other, "href": alternate}, void=True)
        )
    for name, value in (social or {}).items():
        key = "name" if name.startswith("twitter:") else "property"
        meta.append(el("meta", {key: name, "content": value}, void=True))
    meta += [
        *verifier_assets(),
        el(
            "link",
            {"rel": "stylesheet", "href": f"{STATIC_PREFIX}/credential.css?v={ASSET_VERSION}"},
            void=True,
        ),
        *extra,
    ]
    return el("head", None, meta)


def _header(lang: Language, switch_href: str) -> Html:
    return site_header(
        lang,
        badge_text(lang, "site_name"),
        switch_href,
        badge_text(lang, "switch_label"),
        badge_text(lang, "switch_text"),
    )


def _document(lang: Language, head: Html, header: Html, main: Html) -> str:
    footer = el(
        "footer",
        {"class": "site-footer"},
        el("div", {"class": "wrap"}, el("p", None, badge_text(lang, "badge_footer"))),
    )
    return document(lang, head, header, main, footer, skip=badge_text(lang, "skip"))


def not_found_page(lang: Language) -> str:
    return message_page(lang, "not_found_title", "not_found_text")


def message_page(lang: Language, title_key: str, text_key: str) -> str:
    """A page with a title, a sentence and the way to the verification page."""
    other: Language = "en" if lang == "fr" else "fr"
    title = badge_text(lang, title_key)
    main = el(
        "main",
        {"id": "main", "class": "wrap", "tabindex": "-1"},
        el("h1", None, title),
        el("p", {"class": "intro"}, badge_text(lang, text_key)),
        el(
            "p",
            None,
            el("a", {"href": f"/verifier?lang={lang}"}, badge_text(lang, "not_found_link")),
        ),
    )
    head = _head(
        lang, title, extra=[el("meta", {"name": "robots", "content": "noindex"}, void=True)]
    )
    return _document(lang, head, _header(lang, f"?lang={other}"), main)


def page(
    lang: Language,
    view: BadgeView,
    base_url: str,
    *,
    now: datetime,
    report: Mapping[str, Any] | None = None,
) -> str:
    """The public page of one badge; with ``report`` (a ``Report.to_dict``) its verification."""
    other: Language = "en" if lang == "fr" else "fr"
    credential = view.credential
    path = f"{BADGE_PREFIX}/{credential.id}"
    page_url = badge_page_url(base_url, credential.id)
    name = view.name(lang)
    description = view.description(lang)
    issuer_name = view.issuer_name(lang)
    state, state_date = live_state(credential, now)
    awarded = _parse_date(view.document.get("awardedDate")) or _parse_date(
        view.document.get("validFrom")
    )
    expires = _parse_date(view.document.get("validUntil"))
    summary = description or badge_text(lang, "og_description", issuer=issuer_name)
    social = {
        "og:type": "website",
        "og:site_name": badge_text(lang, "site_name"),
        "og:title": name,
        "og:description": summary[:300],
        "og:url": page_url,
        "og:image": f"{page_url}.png",
        "og:image:type": "image/png",
        "og:image:width": str(PNG_SIZE),
        "og:image:height": str(PNG_SIZE),
        "og:image:alt": badge_text(lang, "badge_image_alt", name=name),
        "og:locale": "fr_FR" if lang == "fr" else "en_GB",
        "twitter:card": "summary",
        "twitter:title": name,
        "twitter:description": summary[:200],
        "twitter:image": f"{page_url}.png",
    }
    jwt = credential.format == "jwt" and bool(credential.jwt)
    data = {
        "lang": lang,
        "texts": {**TEXTS[lang], **BADGE_TEXTS[lang]},
        "statusIcons": STATUS_ICONS,
        "verdictIcons": VERDICT_ICONS,
        "messages": {code: entry[lang] for code, entry in VERIFY_MESSAGES.items()},
        "credentialUrl": f"{path}.json",
        "mediaType": "text/plain" if jwt else "application/json",
        "pageUrl": page_url,
    }
    title = name
    if report is not None:
        title = f"{report.get('message', '')} — {name}"
    head = _head(
        lang,
        title,
        description=summary[:300],
        canonical=page_url,
        alternate=f"{path}?lang={other}",
        social=social,
        extra=[
            el(
                "link",
                {
                    "rel": "alternate",
                    "type": JWT_MEDIA_TYPE if jwt else DI_MEDIA_TYPE,
                    "href": f"{path}.json",
                },
                void=True,
            ),
            json_script(data, "badge-data"),
            el(
                "script", {"src": f"{STATIC_PREFIX}/credential.js?v={ASSET_VERSION}", "defer": True}
            ),
        ],
    )
    main = el(
        "main",
        {"id": "main", "class": "wrap badge-page", "tabindex": "-1"},
        _state_banner(lang, state, state_date, now),
        _card(
            lang,
            view,
            name=name,
            description=description,
            issuer_name=issuer_name,
            awarded=awarded,
            expires=expires,
            base_url=base_url,
        ),
        _evidence(lang, view),
        _verify_section(lang, path, report),
        _share_section(
            lang,
            view,
            path=path,
            linkedin=linkedin_url(
                name=name,
                organization=issuer_name,
                issued=awarded,
                expires=expires,
                page_url=page_url,
                credential_id=credential.id,
            ),
            page_url=page_url,
            jwt=jwt,
        ),
    )
    return _document(lang, head, _header(lang, f"{path}?lang={other}"), main)


def _date(moment: datetime, lang: Language) -> Html:
    iso = _iso(moment)
    return el("time", {"datetime": iso}, format_datetime(iso, lang) or iso)


def _state_banner(lang: Language, state: State, when: datetime | None, now: datetime) -> Html:
    detail_date = format_datetime(_iso(when), lang) if when is not None else ""
    return el(
        "div",
        {
            "id": "badge-state",
            "class": f"state state--{state}",
            "role": "status",
            "data-state": state,
        },
        el("span", {"class": "state__icon", "aria-hidden": "true"}, STATE_ICONS[state]),
        el(
            "div",
            {"class": "state__body"},
            el("p", {"class": "state__title"}, badge_text(lang, f"state_{state}")),
            el(
                "p",
                {"class": "state__detail"},
                badge_text(lang, f"state_{state}_detail", date=detail_date or ""),
            ),
            el(
                "p",
                {"class": "state__checked"},
                badge_text(lang, "state_checked", date=format_datetime(_iso(now), lang) or ""),
            ),
        ),
    )


def _card(
    lang: Language,
    view: BadgeView,
    *,
    name: str,
    description: str | None,
    issuer_name: str,
    awarded: datetime | None,
    expires: datetime | None,
    base_url: str,
) -> Html:
    facts: list[Html] = []

    def fact(label: str, *value: Html | str | None) -> None:
        facts.append(el("dt", None, badge_text(lang, label)))
        facts.append(el("dd", None, *value))

    profile = view.document.get("issuer")
    profile = profile if isinstance(profile, Mapping) else {}
    logo = safe_image_url(
        profile.get("image", {}).get("id")
        if isinstance(profile.get("image"), Mapping)
        else profile.get("image")
    )
    website = safe_link_url(profile.get("url"))
    links: list[Html] = []
    if view.issuer is not None:
        profile_link = f"{base_url}/issuers/{quote(view.issuer.slug)}"
        links.append(
            el(
                "a",
                {"href": profile_link, "class": "issuer-profile"},
                badge_text(lang, "issuer_profile"),
            )
        )
    if website:
        links.append(
            el(
                "a",
                {"href": website, "rel": "noopener noreferrer external"},
                badge_text(lang, "issuer_website"),
            )
        )
    fact(
        "issuer",
        el(
            "img",
            {
                "class": "issuer__image",
                "src": logo,
                "alt": "",
                "width": "32",
                "height": "32",
                "referrerpolicy": "no-referrer",
            },
            void=True,
        )
        if logo
        else None,
        el("strong", {"class": "issuer-name"}, issuer_name),
        el("span", {"class": "issuer-links"}, [*_joined(links)]) if links else None,
        el("span", {"class": "ident"}, profile.get("id"))
        if isinstance(profile.get("id"), str)
        else None,
    )
    if awarded is not None:
        fact("awarded", _date(awarded, lang))
    if expires is not None:
        fact("expires", _date(expires, lang))
    criteria = view.achievement.get("criteria")
    criteria = criteria if isinstance(criteria, Mapping) else {}
    narrative = _text(criteria.get("narrative"), lang)
    criteria_link = safe_link_url(criteria.get("id"))
    if narrative or criteria_link:
        fact(
            "criteria",
            el("span", {"class": "prose"}, narrative) if narrative else None,
            el(
                "a",
                {
                    "href": criteria_link,
                    "rel": "noopener noreferrer external",
                    "class": "criteria-link",
                },
                badge_text(lang, "criteria_link"),
            )
            if criteria_link
            else None,
        )
    competency = _competency(lang, view)
    if competency:
        fact("competency", competency)
    if view.referential is not None:
        version = view.referential
        ref_name = _text(version.document.get("name"), lang) or version.code
        fact(
            "referential",
            el(
                "span",
                {"class": "referential", "data-version": str(version.number)},
                badge_text(
                    lang,
                    "referential_version",
                    name=ref_name,
                    version=version.version,
                    number=str(version.number),
                ),
            ),
        )
    credential_uri = view.credential.credential_uri or f"urn:uuid:{view.credential.id}"
    fact("identifier", el("code", {"class": "ident-code"}, credential_uri))
    return el(
        "article",
        {"class": "badge badge-card", "aria-labelledby": "badge-name"},
        el(
            "img",
            {
                "class": "badge__image badge-card__image",
                "src": f"{BADGE_PREFIX}/{view.credential.id}.svg",
                "alt": badge_text(lang, "badge_image_alt", name=name),
                "width": "240",
                "height": "240",
                "decoding": "async",
            },
            void=True,
        ),
        el(
            "div",
            {"class": "badge__body"},
            el("h1", {"id": "badge-name", "class": "badge__name"}, name),
            el("p", {"class": "badge__description prose"}, description) if description else None,
            el("dl", {"class": "facts"}, facts),
        ),
    )


def _joined(links: Sequence[Html]) -> list[Html | str]:
    out: list[Html | str] = []
    for index, link in enumerate(links):
        out.append(" · " if index else " ")
        out.append(link)
    return out


def _competency(lang: Language, view: BadgeView) -> str | None:
    """``Organiser — niveau « Je maîtrise »`` from the référentiel, when regional."""
    if view.award is None or view.referential is None:
        return None
    document = view.referential.document

    def find(section: str, code: object) -> Mapping[str, Any]:
        items = document.get(section)
        for item in items if isinstance(items, list) else []:
            if isinstance(item, Mapping) and item.get("code") == code:
                return item
        return {}

    achievement = find("achievements", view.award.achievement_code)
    competency = _text(find("competencies", achievement.get("competency")).get("name"), lang)
    level = _text(find("levels", achievement.get("level")).get("name"), lang)
    if competency and level:
        return badge_text(lang, "competency_level", competency=competency, level=level)
    return competency


def _evidence(lang: Language, view: BadgeView) -> Html | None:
    items: list[Html] = []
    if view.award is not None and view.award.evidence:
        title, intro = badge_text(lang, "evidence_title"), badge_text(lang, "evidence_intro")
        for entry in view.award.evidence:
            if isinstance(entry, Mapping):
                items.append(_partner_badge(lang, entry))
    else:
        title, intro = badge_text(lang, "evidence_title_plain"), None
        raw = view.document.get("evidence")
        for entry in raw if isinstance(raw, list) else []:
            if isinstance(entry, Mapping):
                items.append(_plain_evidence(lang, entry))
    if not items:
        return None
    return el(
        "section",
        {"class": "evidence", "aria-labelledby": "evidence-title"},
        el("h2", {"id": "evidence-title"}, title),
        el("p", {"class": "intro"}, intro) if intro else None,
        el("ul", {"class": "evidence__list"}, items),
    )


def _partner_badge(lang: Language, entry: Mapping[str, Any]) -> Html:
    issuer = entry.get("issuer")
    if isinstance(issuer, Mapping):
        issuer = _text(issuer.get("name"), lang) or issuer.get("id")
    name = _text(entry.get("name"), lang) or badge_text(lang, "evidence_unnamed")
    facts: list[Html] = []
    for key, label in (("evidence_issuer", issuer), ("evidence_id", entry.get("id"))):
        if isinstance(label, str) and label:
            facts += [el("dt", None, badge_text(lang, key)), el("dd", None, label)]
    digest = entry.get("digest")
    if isinstance(digest, str) and digest:
        facts += [
            el("dt", None, badge_text(lang, "evidence_digest")),
            el("dd", None, el("code", {"class": "digest"}, digest)),
        ]
    return el(
        "li",
        {"class": "evidence__item"},
        el("h3", {"class": "evidence__name"}, name),
        el("dl", {"class": "facts"}, facts),
    )


def _plain_evidence(lang: Language, entry: Mapping[str, Any]) -> Html:
    name = _text(entry.get("name"), lang) or badge_text(lang, "evidence_title_plain")
    narrative = _text(entry.get("narrative"), lang) or _text(entry.get("description"), lang)
    link = safe_link_url(entry.get("id"))
    return el(
        "li",
        {"class": "evidence__item"},
        el("h3", {"class": "evidence__name"}, name),
        el("p", {"class": "prose"}, narrative) if narrative else None,
        el("a", {"href": link, "rel": "noopener noreferrer nofollow external"}, link)
        if link
        else None,
    )


def _verify_section(lang: Language, path: str, report: Mapping[str, Any] | None) -> Html:
    result_attrs: dict[str, str | bool | None] = {
        "id": "result",
        "class": "result",
        "aria-labelledby": "result-title",
        "hidden": report is None,
    }
    shown = {**report, "summary": {}} if report is not None else None
    return el(
        "section",
        {"class": "verify", "aria-labelledby": "verify-title"},
        el("h2", {"id": "verify-title"}, badge_text(lang, "verify_title")),
        el("p", {"class": "intro"}, badge_text(lang, "verify_intro")),
        el(
            "form",
            {"id": "verify-now-form", "method": "post", "action": f"{path}?lang={lang}"},
            el("input", {"type": "hidden", "name": "lang", "value": lang}, void=True),
            el(
                "button",
                {"id": "verify-now", "type": "submit", "class": "button"},
                badge_text(lang, "verify_now"),
            ),
        ),
        el(
            "div",
            {
                "id": "verify-status",
                "class": "visually-hidden",
                "role": "status",
                "aria-live": "polite",
            },
            str(report.get("message", "")) if report is not None else "",
        ),
        el("section", result_attrs, *(render_report(lang, shown) if shown is not None else [])),
    )


def _share_section(
    lang: Language, view: BadgeView, *, path: str, linkedin: str, page_url: str, jwt: bool
) -> Html:
    downloads = [
        (
            f"{path}.json",
            "download_jwt" if jwt else "download_json",
            filename(view, "jwt" if jwt else "json"),
            "download-json",
        ),
        (f"{path}.svg", "download_svg", filename(view, "svg"), "download-svg"),
        (f"{path}.png", "download_png", filename(view, "png"), "download-png"),
    ]
    return el(
        "section",
        {"class": "share", "aria-labelledby": "share-title"},
        el("h2", {"id": "share-title"}, badge_text(lang, "share_title")),
        el(
            "ul",
            {"class": "downloads"},
            [
                el(
                    "li",
                    None,
                    el("a", {"id": ident, "href": href, "download": name}, badge_text(lang, key)),
                )
                for href, key, name, ident in downloads
            ],
        ),
        el("p", {"class": "hint"}, badge_text(lang, "download_hint")),
        el(
            "p",
            {"class": "linkedin"},
            el(
                "a",
                {
                    "id": "linkedin-link",
                    "class": "button button--secondary",
                    "href": linkedin,
                    "target": "_blank",
                    "rel": "noopener noreferrer external",
                },
                badge_text(lang, "linkedin"),
                el("span", {"class": "visually-hidden"}, f" {badge_text(lang, 'linkedin_hint')}"),
            ),
        ),
        el(
            "div",
            {"class": "field copy"},
            el("label", {"for": "page-url"}, badge_text(lang, "page_link")),
            el(
                "div",
                {"class": "copy__row"},
                el(
                    "input",
                    {
                        "id": "page-url",
                        "type": "text",
                        "readonly": True,
                        "value": page_url,
                        "spellcheck": "false",
                    },
                    void=True,
                ),
                el(
                    "button",
                    {"id": "copy-link", "type": "button", "class": "button", "hidden": True},
                    badge_text(lang, "copy_link"),
                ),
            ),
            el(
                "p", {"id": "copy-status", "class": "hint", "role": "status", "aria-live": "polite"}
            ),
        ),
    )
