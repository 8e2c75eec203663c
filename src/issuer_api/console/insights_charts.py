"""Bar charts drawn on the server as SVG: no script, no CDN, no inline style.

Only presentation attributes (``fill``, ``font-size`` …) are used, so the strict
Content-Security-Policy (no inline style) holds. Each chart has a ``<title>`` and a
``<desc>`` and is tied to them with ``aria-labelledby``; the data table beside it
carries the same figures for screen readers and for anyone who prefers numbers. A
hidden figure (fewer than 10 people) is drawn as no bar, with the words of the table.
"""

from __future__ import annotations

from collections.abc import Sequence
from html import escape
from typing import Final

from markupsafe import Markup

WIDTH: Final = 640
LABEL_WIDTH: Final = 260
BAR_HEIGHT: Final = 22
GAP: Final = 8
TOP: Final = 8
BAR_COLOUR: Final = "#0b5394"
TEXT_COLOUR: Final = "#1a1a1a"
MAX_LABEL: Final = 38


def _short(text: str) -> str:
    return text if len(text) <= MAX_LABEL else text[: MAX_LABEL - 1] + "…"


def bar_chart(
    chart_id: str,
    title: str,
    description: str,
    bars: Sequence[tuple[str, int | None]],
    *,
    hidden_text: str,
) -> Markup:
    """A horizontal bar chart of ``bars`` (label, value or None when hidden)."""
    height = TOP * 2 + max(1, len(bars)) * (BAR_HEIGHT + GAP)
    top = max((value for _, value in bars if value is not None), default=0)
    room = WIDTH - LABEL_WIDTH - 70
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" role="img" '
        f'viewBox="0 0 {WIDTH} {height}" width="100%" '
        f'aria-labelledby="{chart_id}-title {chart_id}-desc">',
        f'<title id="{chart_id}-title">{escape(title)}</title>',
        f'<desc id="{chart_id}-desc">{escape(description)}</desc>',
    ]
    for index, (label, value) in enumerate(bars):
        y = TOP + index * (BAR_HEIGHT + GAP)
        middle = y + BAR_HEIGHT / 2 + 5
        parts.append(
            f'<text x="{LABEL_WIDTH - 8}" y="{middle}" text-anchor="end" font-size="14" '
            f'fill="{TEXT_COLOUR}">{escape(_short(label))}</text>'
        )
        if value is None:
            parts.append(
                f'<text x="{LABEL_WIDTH}" y="{middle}" font-size="14" font-style="italic" '
                f'fill="{TEXT_COLOUR}">{escape(hidden_text)}</text>'
            )
            continue
        length = 0 if top == 0 else max(1, round(room * value / top)) if value else 0
        parts.append(
            f'<rect x="{LABEL_WIDTH}" y="{y}" width="{length}" height="{BAR_HEIGHT}" '
            f'fill="{BAR_COLOUR}"/>'
        )
        parts.append(
            f'<text x="{LABEL_WIDTH + length + 6}" y="{middle}" font-size="14" '
            f'fill="{TEXT_COLOUR}">{value}</text>'
        )
    parts.append("</svg>")
    return Markup("".join(parts))  # noqa: S704 - every text above is escaped
