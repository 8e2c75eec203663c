"""PNG pictures of SVG badge images (``issuer_api.web.raster``): drawn by CairoSVG, with
hostile input refused and nothing fetched."""

from __future__ import annotations

import struct

import pytest

from aggregation.images import achievement_svg
from aggregation.referential import default_referential
from issuer_api.web.raster import MAX_SIZE, RasterError, render_png

SVG = '<svg xmlns="http://www.w3.org/2000/svg" width="{w}" height="{h}">{body}</svg>'


def svg(body: str, w: int = 40, h: int = 40) -> str:
    return SVG.format(w=w, h=h, body=body)


def png_size(data: bytes) -> tuple[int, int]:
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    assert data[12:16] == b"IHDR"
    width, height = struct.unpack(">II", data[16:24])
    return width, height


def test_a_regional_badge_renders_at_the_requested_size_and_always_the_same() -> None:
    badge = achievement_svg(default_referential(), "ORG-II", "fr")

    first = render_png(badge, size=512)

    assert png_size(first) == (512, 512)
    assert render_png(badge, size=512) == first


def test_the_aspect_ratio_is_kept_and_the_size_bounded() -> None:
    assert png_size(render_png(svg("", w=200, h=100), size=100)) == (100, 50)
    assert png_size(render_png(svg("", w=5000, h=100))) == (MAX_SIZE, 20)
    with pytest.raises(RasterError):
        render_png(svg(""), size=MAX_SIZE + 1)


def test_external_references_are_never_fetched() -> None:
    hostile = svg('<image href="http://127.0.0.1:9/tracker.png" width="5" height="5"/>')
    with pytest.raises(RasterError, match="external references"):
        render_png(hostile)


@pytest.mark.parametrize(
    "bad",
    [
        b"not xml",
        b'<html xmlns="http://www.w3.org/1999/xhtml"/>',
        b'<!DOCTYPE svg [<!ENTITY a "aaaa">]><svg xmlns="http://www.w3.org/2000/svg">&a;</svg>',
        svg("<g/>" * 6000).encode(),
    ],
    ids=["not-xml", "not-svg", "entity", "too-many-elements"],
)
def test_unreadable_or_oversized_svgs_are_refused(bad: bytes) -> None:
    with pytest.raises(RasterError):
        render_png(bad)
