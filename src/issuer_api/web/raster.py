"""PNG pictures of SVG badge images, through CairoSVG.

The baked PNG of a badge (``GET /badges/{id}.png``) needs a raster picture of its SVG
image. CairoSVG (cairo's renderer) draws it, text included with real fonts.

The SVG may come from a partner's credential (a ``data:`` image), so it is treated as
hostile: it is first parsed with defusedxml (no DTD entities, no external entities),
its size and element count are bounded, and CairoSVG runs with a URL fetcher that
refuses every reference — nothing on the network or the disk is ever read while
drawing (inline ``data:`` images included are refused too: a badge image is drawn from
its own shapes and text).
"""

from __future__ import annotations

from typing import Any, Final, NoReturn
from xml.etree.ElementTree import Element, ParseError

from cairosvg.surface import PNGSurface
from defusedxml.common import DefusedXmlException
from defusedxml.ElementTree import fromstring

__all__ = ["MAX_ELEMENTS", "MAX_SIZE", "MAX_SVG_BYTES", "RasterError", "parse_svg", "render_png"]

MAX_SIZE: Final = 1024
"""Longest side of a picture, in pixels."""
MAX_ELEMENTS: Final = 5_000
MAX_SVG_BYTES: Final = 2 * 1024 * 1024
_SVG_NS: Final = "{http://www.w3.org/2000/svg}"


class RasterError(ValueError):
    """The SVG cannot be read, is past a limit, or cannot be drawn."""


def parse_svg(svg: str | bytes) -> Element:
    """The root of ``svg``, parsed safely; :class:`RasterError` if it is not an SVG."""
    data = svg.encode("utf-8") if isinstance(svg, str) else svg
    if len(data) > MAX_SVG_BYTES:
        raise RasterError("the SVG is too large")
    try:
        root = fromstring(data, forbid_dtd=False, forbid_entities=True, forbid_external=True)
    except (ParseError, DefusedXmlException, ValueError) as exc:
        raise RasterError(f"not a readable SVG: {exc}") from exc
    if root.tag not in {"svg", _SVG_NS + "svg"}:
        raise RasterError("the document is not an SVG")
    if sum(1 for _ in root.iter()) > MAX_ELEMENTS:
        raise RasterError("the SVG has too many elements")
    return root


def _length(value: str | None) -> float | None:
    if value is None:
        return None
    text = value.strip().removesuffix("px")
    try:
        number = float(text)
    except ValueError:
        return None
    return number if 0 < number < 1e6 else None


def _dimensions(root: Element) -> tuple[float, float]:
    """The SVG's own size: ``width``/``height``, else its ``viewBox``, else 512 by 512."""
    width, height = _length(root.get("width")), _length(root.get("height"))
    if width is None or height is None:
        box = (root.get("viewBox") or "").replace(",", " ").split()
        if len(box) == 4:
            width, height = _length(box[2]), _length(box[3])
    if width is None or height is None:
        return 512.0, 512.0
    return width, height


def _refuse(url: str, *args: Any, **kwargs: Any) -> NoReturn:
    raise RasterError("external references are not followed")


def render_png(svg: str | bytes, *, size: int | None = None) -> bytes:
    """A PNG of ``svg``; ``size`` (pixels) is the longer side (default: the SVG's own,
    at most :data:`MAX_SIZE`). Raises :class:`RasterError` when it cannot be drawn."""
    if size is not None and not 1 <= size <= MAX_SIZE:
        raise RasterError(f"size must be between 1 and {MAX_SIZE}")
    width, height = _dimensions(parse_svg(svg))
    longest = max(width, height)
    target = min(size or int(longest), MAX_SIZE)
    data = svg.encode("utf-8") if isinstance(svg, str) else svg
    try:
        png: bytes = PNGSurface.convert(
            bytestring=data,
            output_width=max(1, round(width * target / longest)),
            output_height=max(1, round(height * target / longest)),
            url_fetcher=_refuse,
            unsafe=False,
        )
    except RasterError:
        raise
    except Exception as exc:  # CairoSVG raises many kinds on malformed drawings
        raise RasterError(f"the SVG cannot be drawn: {type(exc).__name__}") from exc
    return png
