"""Generated badge images: deterministic, accessible, self-contained SVG 1.1."""

from __future__ import annotations

import base64
from xml.etree.ElementTree import Element

import defusedxml.ElementTree as SafeET
import pytest
from regional_scenarios import achievement_yaml, referential_yaml

from aggregation import default_referential, load_referential
from aggregation.images import (
    PALETTE,
    SIZE,
    achievement_image,
    achievement_svg,
    badge_svg,
    color_for,
    svg_data_uri,
)

SVG = "{http://www.w3.org/2000/svg}"
REF = default_referential()


def parse(svg: str) -> Element:
    return SafeET.fromstring(svg.encode("utf-8"))


def texts(root: Element) -> list[str]:
    return [element.text or "" for element in root.iter(f"{SVG}text")]


def test_badge_is_a_512_square_svg_1_1_with_title_and_description() -> None:
    root = parse(achievement_svg(REF, "ADA-II"))
    assert root.tag == f"{SVG}svg"
    assert (root.get("version"), root.get("width"), root.get("height")) == ("1.1", "512", "512")
    assert root.get("viewBox") == f"0 0 {SIZE} {SIZE}"
    assert root.get("role") == "img"
    assert root.findtext(f"{SVG}title") == "S'adapter — Je maîtrise"
    assert root.findtext(f"{SVG}desc")
    assert "S'adapter" in texts(root)
    assert "Je maîtrise" in texts(root)


def test_level_is_shown_by_filled_stars() -> None:
    def filled(code: str) -> int:
        stars = parse(achievement_svg(REF, code)).iter(f"{SVG}path")
        return sum(1 for p in stars if p.get("fill") == "#ffd54a")

    assert (filled("COM-I"), filled("COM-II")) == (1, 2)


def test_text_is_escaped() -> None:
    svg = badge_svg(
        'L\'<b>"engagé"</b> & Cie', "S'adapter <script>alert(1)</script>", "Je maîtrise & plus"
    )
    assert "<script" not in svg
    assert "<b>" not in svg
    assert "&apos;" in svg
    assert "&amp;" in svg
    assert "&lt;" in svg
    assert "&quot;" in svg
    root = parse(svg)
    assert root.findtext(f"{SVG}title") == 'L\'<b>"engagé"</b> & Cie'
    assert "Je maîtrise & plus" in texts(root)
    assert not list(root.iter(f"{SVG}script"))


def test_control_characters_are_dropped() -> None:
    root = parse(badge_svg("A\x00B\x1f", "C\x07D"))
    assert root.findtext(f"{SVG}title") == "AB"


def test_no_external_resource_and_no_script() -> None:
    for achievement in REF.achievements:
        svg = achievement_svg(REF, achievement.code)
        root = parse(svg)
        assert not list(root.iter(f"{SVG}script"))
        assert not list(root.iter(f"{SVG}image"))
        assert not list(root.iter(f"{SVG}style"))
        for element in root.iter():
            for name, value in element.attrib.items():
                assert not name.lower().startswith("on"), name
                assert "href" not in name, name
                assert not value.startswith(("http:", "https:", "data:")), value
        assert "url(#" in svg  # the only reference: the gradient, in the same document


def test_generation_is_deterministic() -> None:
    assert achievement_svg(REF, "ORG-I") == achievement_svg(REF, "ORG-I")
    assert achievement_svg(REF, "ORG-I") != achievement_svg(REF, "ORG-II")


def test_element_ids_differ_between_badges_so_pages_can_inline_several() -> None:
    def ids(code: str) -> set[str]:
        return {e.get("id") or "" for e in parse(achievement_svg(REF, code)).iter()} - {""}

    assert ids("ORG-I").isdisjoint(ids("ORG-II"))


def test_competency_colour_is_stable_and_from_the_palette() -> None:
    assert color_for("ORG") == color_for("ORG")
    assert color_for("ORG") in PALETTE
    colours = {color_for(c.code) for c in REF.competencies}
    assert len(colours) == 4, "the four default competencies have four colours"
    gradient_stop = parse(achievement_svg(REF, "ORG-I")).iter(f"{SVG}stop")
    assert [s.get("stop-color") for s in gradient_stop][-1] == color_for("ORG")


def test_declared_colour_wins() -> None:
    root = parse(achievement_svg(REF, "GEN"))
    assert [s.get("stop-color") for s in root.iter(f"{SVG}stop")][-1] == "#1f4e9c"


def test_general_badge_shows_its_name_without_the_level_suffix() -> None:
    root = parse(achievement_svg(REF, "GEN"))
    assert " ".join(t for t in texts(root) if t != "Je maîtrise") == "Compétences transversales"


def test_english_images() -> None:
    root = parse(achievement_svg(REF, "INT-I", "en"))
    assert root.findtext(f"{SVG}title") == "Fitting in — I practise"


def test_image_is_the_declared_one_or_a_generated_data_uri() -> None:
    uri = achievement_image(REF, "ORG-I")
    assert uri == svg_data_uri(achievement_svg(REF, "ORG-I"))
    prefix = "data:image/svg+xml;base64,"
    assert uri.startswith(prefix)
    parse(base64.b64decode(uri.removeprefix(prefix)).decode("utf-8"))
    declared = load_referential(
        referential_yaml(
            achievement_yaml("A", "{badges: {competency: ORG}}", image="https://cdn.example/a.png")
        )
    )
    assert achievement_image(declared, "A") == "https://cdn.example/a.png"


def test_long_names_wrap() -> None:
    root = parse(badge_svg("t", "Compétences numériques émergentes en cybersécurité industrielle"))
    assert 2 <= len(texts(root)) <= 3


def test_unknown_achievement() -> None:
    with pytest.raises(KeyError):
        achievement_svg(REF, "NOPE")
