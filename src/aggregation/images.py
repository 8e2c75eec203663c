"""Generated badge images: deterministic SVG 1.1 shields.

When a regional achievement declares no ``image``, :func:`achievement_image` gives a
``data:image/svg+xml`` URI of :func:`achievement_svg`: a shield in the competency's
colour (the achievement's or competency's ``color``, else a stable hash of the
competency code - the achievement code for a general badge - into an accessible palette),
the competency name, one star per level rank (filled up to the badge's level) and a
ribbon with the level label ("Je pratique", "Je maîtrise").

The SVG is self-contained: no external resource, no script, no font file (generic
``sans-serif``); every text is XML-escaped; ``<title>`` and ``<desc>`` make it
accessible (``role="img"``). Element ids carry a digest of the content, so several
badges can be inlined in one page. The same inputs always give the same bytes.
"""

from __future__ import annotations

import base64
import hashlib
import math
import re
from typing import TYPE_CHECKING, Final

from aggregation.model import Lang

if TYPE_CHECKING:
    from aggregation.referential import Referential

__all__ = [
    "PALETTE",
    "SIZE",
    "achievement_image",
    "achievement_svg",
    "badge_svg",
    "color_for",
    "svg_data_uri",
]

SIZE: Final = 512
PALETTE: Final[tuple[str, ...]] = (
    "#1f4e9c",  # blue
    "#b3261e",  # red
    "#1b7f4c",  # green
    "#7b3fa0",  # purple
    "#b45309",  # amber
    "#0f766e",  # teal
    "#9d174d",  # raspberry
    "#4338ca",  # indigo
)
"""Colours with at least 4.5:1 contrast against white text."""

_CONTROL: Final = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
_SHIELD: Final = "M256 20 L462 86 V250 C462 374 374 452 256 496 C138 452 50 374 50 250 V86 Z"
_INNER: Final = "M256 48 L436 106 V250 C436 358 360 428 256 468 C152 428 76 358 76 250 V106 Z"


def _escape(text: str) -> str:
    """XML-escape text for element content and attribute values (quotes included)."""
    text = _CONTROL.sub("", text)
    return (
        text.replace("&", "&amp;")
        .replace("<", "&lt;")
        .replace(">", "&gt;")
        .replace('"', "&quot;")
        .replace("'", "&apos;")
    )


def color_for(key: str) -> str:
    """A palette colour chosen by a stable hash of ``key`` (a competency code)."""
    return PALETTE[hashlib.sha256(key.encode("utf-8")).digest()[0] % len(PALETTE)]


def _mix(color: str, other: str, weight: float) -> str:
    a = [int(color[i : i + 2], 16) for i in (1, 3, 5)]
    b = [int(other[i : i + 2], 16) for i in (1, 3, 5)]
    return "#" + "".join(f"{round(x + (y - x) * weight):02x}" for x, y in zip(a, b, strict=True))


def _star(cx: float, cy: float, radius: float) -> str:
    points = []
    for i in range(10):
        r = radius if i % 2 == 0 else radius * 0.45
        angle = -math.pi / 2 + i * math.pi / 5
        points.append(f"{cx + r * math.cos(angle):.1f} {cy + r * math.sin(angle):.1f}")
    return "M" + " L".join(points) + " Z"


def _wrap(text: str, width: int) -> list[str]:
    lines: list[str] = []
    for word in text.split():
        if lines and len(lines[-1]) + 1 + len(word) <= width:
            lines[-1] += " " + word
        else:
            lines.append(word)
    return lines or [""]


def _layout(text: str, max_lines: int = 3) -> list[str]:
    """The fewest, narrowest lines (at most ``max_lines``; the last one cut with …)."""
    for width in range(12, 33):
        lines = _wrap(text, width)
        if len(lines) <= max_lines:
            return lines
    kept = lines[:max_lines]
    kept[-1] = kept[-1][: width - 1].rstrip() + "…"
    return kept


def _fit(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def badge_svg(
    title: str,
    label: str,
    level_label: str | None = None,
    *,
    rank: int = 0,
    max_rank: int = 0,
    color: str | None = None,
    color_key: str | None = None,
    header: str | None = None,
    description: str | None = None,
) -> str:
    """A shield badge as SVG 1.1 text.

    ``title`` (the achievement name) is the accessible ``<title>``; ``label`` (the
    competency name) is written large; ``level_label`` goes on the ribbon; ``rank`` of
    ``max_rank`` stars are filled. ``color`` (``#rrggbb``) wins over ``color_key``
    (hashed into :data:`PALETTE`, default: ``label``). ``header`` is a small line at
    the top (e.g. "Région Normandie").
    """
    base = (color or color_for(color_key or label)).lower()
    light, dark = _mix(base, "#ffffff", 0.28), _mix(base, "#000000", 0.35)
    desc = description or " — ".join(part for part in (label, level_label) if part)
    seed = "\x1f".join((title, label, level_label or "", str(rank), str(max_rank), base))
    uid = hashlib.sha256(seed.encode("utf-8")).hexdigest()[:10]
    out = [
        '<?xml version="1.0" encoding="UTF-8"?>',
        f'<svg xmlns="http://www.w3.org/2000/svg" version="1.1" width="{SIZE}" '
        f'height="{SIZE}" viewBox="0 0 {SIZE} {SIZE}" role="img" '
        f'aria-labelledby="t-{uid} d-{uid}">',
        f'<title id="t-{uid}">{_escape(title)}</title>',
        f'<desc id="d-{uid}">{_escape(desc)}</desc>',
        "<defs>",
        f'<linearGradient id="g-{uid}" x1="0" y1="0" x2="0" y2="1">'
        f'<stop offset="0" stop-color="{light}"/><stop offset="1" stop-color="{base}"/>'
        "</linearGradient>",
        "</defs>",
        f'<path d="{_SHIELD}" fill="url(#g-{uid})" stroke="{dark}" stroke-width="10" '
        'stroke-linejoin="round"/>',
        f'<path d="{_INNER}" fill="none" stroke="#ffffff" stroke-opacity="0.55" '
        'stroke-width="4" stroke-linejoin="round"/>',
    ]
    text_style = 'font-family="DejaVu Sans, Arial, Helvetica, sans-serif" fill="#ffffff"'
    if header:
        header = _fit(header, 40)
        header_size = max(14, min(24, int(320 / max(1.0, len(header) * 0.58))))
        out.append(
            f'<text x="256" y="132" text-anchor="middle" font-size="{header_size}" '
            f"{text_style}>{_escape(header)}</text>"
        )
    lines = _layout(label)
    longest = max(len(line) for line in lines)
    size = max(20, min(60, int(330 / max(1.0, longest * 0.7))))
    middle = 226 if level_label or max_rank > 0 else 270
    top = middle - (len(lines) - 1) * size * 0.55
    out.append(f'<g font-weight="bold" text-anchor="middle" font-size="{size}" {text_style}>')
    for index, line in enumerate(lines):
        y = top + index * size * 1.1
        out.append(f'<text x="256" y="{y:.1f}">{_escape(line)}</text>')
    out.append("</g>")
    if max_rank > 0:
        spacing, radius = 52, 20
        start = 256 - spacing * (max_rank - 1) / 2
        for index in range(max_rank):
            path = _star(start + index * spacing, 306, radius)
            if index < rank:
                out.append(f'<path d="{path}" fill="#ffd54a" stroke="{dark}" stroke-width="2"/>')
            else:
                out.append(
                    f'<path d="{path}" fill="none" stroke="#ffffff" stroke-opacity="0.8" '
                    'stroke-width="3"/>'
                )
    if level_label:
        level_label = _fit(level_label, 40)
        ribbon_size = max(14, min(32, int(380 / max(1.0, len(level_label) * 0.62))))
        out.extend(
            [
                f'<path d="M40 350 H472 L452 382 L472 414 H40 L60 382 Z" fill="#ffffff" '
                f'stroke="{dark}" stroke-width="4"/>',
                f'<text x="256" y="{382 + ribbon_size * 0.36:.1f}" text-anchor="middle" '
                f'font-size="{ribbon_size}" '
                'font-weight="bold" '
                f'font-family="DejaVu Sans, Arial, Helvetica, sans-serif" fill="{dark}">'
                f"{_escape(level_label)}</text>",
            ]
        )
    out.append("</svg>")
    return "\n".join(out) + "\n"


def _label(name: str, level_name: str | None) -> str:
    for separator in (" \u2014 ", " - ", " \u2013 "):
        suffix = f"{separator}{level_name}"
        if level_name and name.endswith(suffix):
            return name[: -len(suffix)]
    return name


def achievement_svg(referential: Referential, code: str, lang: Lang | str = "fr") -> str:
    """The generated SVG of regional achievement ``code`` (:class:`KeyError` if unknown)."""
    achievement = referential.achievement(code)
    level = achievement.level
    level_name = level.name.get(lang) if level is not None else None
    competency = achievement.competency
    label = (
        competency.name.get(lang)
        if competency is not None
        else _label(achievement.name.get(lang), level_name)
    )
    return badge_svg(
        achievement.name.get(lang),
        label,
        level_name,
        rank=level.rank if level is not None else 0,
        max_rank=max(lvl.rank for lvl in referential.levels) if level is not None else 0,
        color=achievement.color or (competency.color if competency is not None else None),
        color_key=competency.code if competency is not None else achievement.code,
        description=achievement.description.get(lang),
    )


def svg_data_uri(svg: str) -> str:
    """``data:image/svg+xml;base64,…`` for an SVG text."""
    return "data:image/svg+xml;base64," + base64.b64encode(svg.encode("utf-8")).decode("ascii")


def achievement_image(referential: Referential, code: str, lang: Lang | str = "fr") -> str:
    """The image of achievement ``code``: its declared ``image``, else a generated SVG data URI."""
    achievement = referential.achievement(code)
    if achievement.image is not None:
        return achievement.image
    return svg_data_uri(achievement_svg(referential, code, lang))
