"""The insights' bar charts: SVG drawn on the server, readable without sight, safe
under the strict Content-Security-Policy (no inline style), labels escaped."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

from issuer_api.console.insights_charts import bar_chart

SVG = "{http://www.w3.org/2000/svg}"


def chart(bars: list[tuple[str, int | None]]) -> ET.Element:
    markup = bar_chart(
        "c", "Badges <par> mois", "Les mêmes chiffres", bars, hidden_text="moins de 10"
    )
    assert re.search(r"\sstyle=", str(markup)) is None
    return ET.fromstring(str(markup))  # noqa: S314 - markup this test just drew


def test_a_chart_names_itself_for_screen_readers() -> None:
    svg = chart([("Organiser", 27)])
    assert svg.get("role") == "img"
    assert svg.get("aria-labelledby") == "c-title c-desc"
    assert svg.find(f"{SVG}title").text == "Badges <par> mois"  # type: ignore[union-attr]
    assert svg.find(f"{SVG}desc").text == "Les mêmes chiffres"  # type: ignore[union-attr]


def test_bars_are_as_long_as_their_figures_and_a_hidden_figure_has_no_bar() -> None:
    svg = chart([("Alpha", 20), ("Beta", 10), ("Gamma", None)])
    widths = [int(rect.get("width", "0")) for rect in svg.iter(f"{SVG}rect")]
    assert len(widths) == 2
    assert widths[0] == 2 * widths[1]
    texts = [t.text for t in svg.iter(f"{SVG}text")]
    assert texts == ["Alpha", "20", "Beta", "10", "Gamma", "moins de 10"]


def test_a_label_cannot_inject_markup() -> None:
    svg = chart([('<script>alert("x")</script>', 12)])
    assert svg.find(f".//{SVG}script") is None
    assert any("<script>" in (t.text or "") for t in svg.iter(f"{SVG}text"))
