"""The files of a badge: its image, baked with the signed credential as SVG or PNG, and
the HTTP answers that carry them (ETag, ``Content-Disposition``).

**Which image.** A badge's image is its achievement's ``image``: when it is this
service's own regional image URL (:func:`~issuer_api.web.badge_urls.regional_image_url`,
under the public base URL or the request's), the SVG is generated again from the
référentiel version it names; a ``data:image/svg+xml`` or ``data:image/png`` image is
used as it is; anything else (an address elsewhere, which is never fetched, or no
image) gets a generated shield with the badge's name. The PNG is drawn from that SVG
in pure Python (no native library), or is the achievement's own PNG.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import re
import unicodedata
from collections import OrderedDict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Final, Literal
from urllib.parse import parse_qs, unquote_to_bytes, urlsplit

import anyio
from fastapi import Request
from fastapi.responses import Response
from sqlalchemy.ext.asyncio import AsyncSession

from aggregation.images import badge_svg
from issuer_api.i18n import Language
from issuer_api.web import raster
from issuer_api.web.badge_urls import REGIONAL_IMAGE_PATH
from issuer_api.web.badge_view import BadgeView, localized, referential_version, regional_svg
from obcore import baking
from obcore.errors import MalformedInputError

PNG_SIZE: Final = 512
MAX_DATA_IMAGE_BYTES: Final = 2 * 1024 * 1024
_PNG_CACHE_SIZE: Final = 64


@dataclass(frozen=True)
class BadgeImage:
    """The image of a badge: an SVG text, and the achievement's own PNG when it has one."""

    svg: str
    png: bytes | None = None


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
        match = REGIONAL_IMAGE_PATH.fullmatch(origin_path[len(base) :])
        if match is None:
            continue
        query = parse_qs(parts.query)
        version_text = (query.get("version") or [""])[0]
        version = int(version_text) if version_text.isdigit() and len(version_text) < 10 else None
        lang: Language = "en" if (query.get("lang") or [""])[0] == "en" else "fr"
        return match.group("code"), version, lang
    return None


def fallback_svg(view: BadgeView) -> str:
    """A generated shield with the badge's name (French, as the credential's image)."""
    name = view.name("fr")
    achievement_id = view.achievement.get("id")
    return badge_svg(
        name,
        localized(view.achievement.get("name"), "fr") or name,
        color_key=achievement_id if isinstance(achievement_id, str) else name,
        header=view.issuer_name("fr") or None,
    )


async def badge_image(session: AsyncSession, view: BadgeView, bases: Sequence[str]) -> BadgeImage:
    """The image of ``view`` (see the module's docstring); ``bases`` are this service's
    base URLs."""
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
            found = _own_image(*data)
            if found is not None:
                return found
    return BadgeImage(fallback_svg(view))


def _own_image(media: str, raw: bytes) -> BadgeImage | None:
    if media == "image/svg+xml":
        try:
            text = raw.decode("utf-8")
            raster.parse_svg(text)
        except (UnicodeDecodeError, raster.RasterError):
            return None
        return BadgeImage(text)
    if media == "image/png" and raw.startswith(b"\x89PNG\r\n\x1a\n"):
        encoded = base64.b64encode(raw).decode("ascii")
        wrapper = (
            '<svg xmlns="http://www.w3.org/2000/svg" '
            'xmlns:xlink="http://www.w3.org/1999/xlink" width="512" height="512" '
            'viewBox="0 0 512 512"><image width="512" height="512" '
            f'xlink:href="data:image/png;base64,{encoded}"/></svg>\n'
        )
        return BadgeImage(wrapper, raw)
    return None


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
        fallback = fallback_svg(view)
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
        return baking.bake_svg(fallback_svg(view), view.payload)


# --------------------------------------------------------------------------- responses


def _slug(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text)
    plain = "".join(c for c in decomposed if not unicodedata.combining(c)).lower()
    slug = re.sub(r"[^a-z0-9]+", "-", plain).strip("-")[:60].strip("-")
    return slug or "badge"


def filename(view: BadgeView, extension: str) -> str:
    """``sauveteur-secouriste-du-travail-1a2b3c4d.png``: the badge's name and id."""
    return f"{_slug(view.name('fr'))}-{view.credential.id[:8]}.{extension}"


def _etag(body: bytes) -> str:
    return f'"{hashlib.sha256(body).hexdigest()[:32]}"'


def _not_modified(request: Request, etag: str) -> bool:
    header = request.headers.get("if-none-match")
    if not header:
        return False
    return any(tag.strip().removeprefix("W/") in (etag, "*") for tag in header.split(","))


def file_response(
    request: Request,
    body: bytes,
    media_type: str,
    name: str,
    *,
    disposition: Literal["attachment", "inline"],
    headers: Mapping[str, str],
    cache_control: str,
) -> Response:
    """``body`` as the file ``name``, with its ETag (304 when unchanged)."""
    out = {
        **headers,
        "Cache-Control": cache_control,
        "Content-Disposition": f'{disposition}; filename="{name}"',
    }
    return conditional(request, body, media_type, out)


def conditional(
    request: Request, body: bytes, media_type: str, headers: Mapping[str, str]
) -> Response:
    """``body`` with its ETag, or 304 Not Modified when the request's If-None-Match matches."""
    etag = _etag(body)
    out = {**headers, "ETag": etag}
    if _not_modified(request, etag):
        return Response(status_code=304, headers=out)
    return Response(body, media_type=media_type, headers=out)
