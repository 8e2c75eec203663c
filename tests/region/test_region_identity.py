"""The Region's identity is a checked value: Normandy's by default, anything another
Region configures as long as it is readable (contrast), safe (https links, images only)
and complete; a refusal names the field and says what to do."""

from __future__ import annotations

import base64
from pathlib import Path

import pytest
from pydantic import ValidationError

from issuer_api.region.identity import (
    DEFAULT_IDENTITY,
    IdentityError,
    all_errors,
    contrast_ratio,
    stylesheet,
    validated,
)
from issuer_api.region.store import configured_identity
from issuer_api.settings import Settings
from obhub_i18n import render

BRETAGNE = {
    "name": "Région Bretagne",
    "scheme_name": "La Bretagne reconnaît les compétences",
    "website": "https://www.bretagne.bzh",
    "primary_colour": "#6a1b9a",
    "accent_colour": "#1b5e20",
    "footer_fr": "Un service de la Région Bretagne.",
    "footer_en": "A service of the Brittany Region.",
    "contact_email": "badges@bretagne.bzh",
}


def refusal(values: dict[str, str]) -> IdentityError:
    with pytest.raises(IdentityError) as caught:
        validated(values)
    return caught.value


def test_by_default_the_identity_is_normandys_of_today() -> None:
    assert DEFAULT_IDENTITY.name == "Région Normandie"
    assert DEFAULT_IDENTITY.scheme_name == "La Normandie badge les compétences"
    assert DEFAULT_IDENTITY.website == "https://www.normandie.fr"
    assert DEFAULT_IDENTITY.footer("fr").startswith("Un service de la Région Normandie")
    assert DEFAULT_IDENTITY.footer("en").startswith("A service of the Normandy Region")
    assert (DEFAULT_IDENTITY.primary_colour, DEFAULT_IDENTITY.accent_colour) == (
        "#0b4f8a",
        "#0b3a66",
    )


def test_another_region_is_a_set_of_values() -> None:
    identity = validated(BRETAGNE)
    assert identity.as_dict() == {**BRETAGNE, "logo": None}
    css = stylesheet(identity)
    assert "--c-primary: #6a1b9a;" in css
    assert "--c-header-bg: #1b5e20;" in css


def test_a_colour_too_light_to_read_on_white_is_refused_with_its_contrast() -> None:
    error = refusal({"primary_colour": "#ffcc00"})
    assert (error.field, error.code) == ("primary_colour", "colour_contrast")
    assert render("fr", error.message, error.params) == (
        "Cette couleur est trop claire pour être lue sur du blanc : son contraste est de "
        "1.51:1, il faut au moins 4,5:1. Choisissez une couleur plus foncée."
    )
    assert round(contrast_ratio("#767676"), 2) == 4.54  # the lightest grey that passes
    assert validated({"accent_colour": "#767676"}).accent_colour == "#767676"


def test_a_colour_must_be_written_as_six_hexadecimal_digits() -> None:
    for written in ("blue", "#12345", "rgb(0,0,0)", "0b4f8a", ""):
        assert refusal({"accent_colour": written}).code == "colour_format"
    assert validated({"primary_colour": " #0B4F8A "}).primary_colour == "#0b4f8a"
    assert validated({"primary_colour": "#039"}).primary_colour == "#003399"


def test_links_are_https_addresses() -> None:
    for written in (
        "http://www.bretagne.bzh",
        "javascript:alert(1)",
        "www.bretagne.bzh",
        "https://user:pw@bretagne.bzh",
        "https://bretagne bzh",
    ):
        error = refusal({"website": written})
        assert (error.field, error.code) == ("website", "url")
    assert render("en", refusal({"website": "ftp://x.fr"}).message, {}) == (
        "Enter a full web address beginning with https://."
    )


def test_a_logo_is_an_image_address_a_site_path_or_an_svg_or_png_data_uri() -> None:
    svg = "data:image/svg+xml;base64," + base64.b64encode(b"<svg/>").decode()
    png = "data:image/png;base64," + base64.b64encode(b"\x89PNG\r\n\x1a\n0000").decode()
    for accepted in (svg, png, "/static/logo.svg", "https://www.bretagne.bzh/logo.png"):
        assert validated({"logo": accepted}).logo == accepted
    for refused in (
        "data:text/html;base64,PHNjcmlwdD4=",
        "data:image/png;base64,AAAA",  # not a PNG
        "//evil.example/logo.png",
        "/static/../settings.py",
        "javascript:alert(1)",
    ):
        assert refusal({"logo": refused}).code == "logo"
    big = "data:image/svg+xml;base64," + "A" * 200_000
    assert refusal({"logo": big}).code == "logo_size"
    assert validated({"logo": "  "}).logo is None


def test_texts_are_required_and_bounded_and_every_refusal_is_listed() -> None:
    errors = all_errors({"name": " ", "footer_en": "x" * 601, "contact_email": "nobody"})
    assert [(e.field, e.code) for e in errors] == [
        ("name", "required"),
        ("footer_en", "too_long"),
        ("contact_email", "email"),
    ]
    assert render("fr", errors[1].message, errors[1].params) == (
        "Ce texte est trop long : 600 caractères au plus."
    )


def test_configuration_alone_makes_another_region(tmp_path: Path) -> None:
    settings = Settings(
        data_dir=tmp_path,
        region_name="Région Bretagne",
        region_primary_colour="#6a1b9a",
        region_footer_fr="Un service de la Région Bretagne.",
    )
    identity = configured_identity(settings)
    assert (identity.name, identity.primary_colour) == ("Région Bretagne", "#6a1b9a")
    assert identity.footer("fr") == "Un service de la Région Bretagne."
    assert identity.scheme_name == DEFAULT_IDENTITY.scheme_name  # not configured: default


def test_a_region_file_is_read_and_the_variables_win_over_it(tmp_path: Path) -> None:
    path = tmp_path / "region.yaml"
    path.write_text(
        "name: Région Bretagne\n"
        "scheme_name: La Bretagne reconnaît les compétences\n"
        "website: https://www.bretagne.bzh\n"
        "accent_colour: '#1b5e20'\n"
        "footer:\n  fr: Un service de la Région Bretagne.\n  en: A service of Brittany.\n",
        encoding="utf-8",
    )
    settings = Settings(data_dir=tmp_path, region_file=path, region_name="Bretagne")
    identity = configured_identity(settings)
    assert identity.name == "Bretagne"
    assert identity.scheme_name == "La Bretagne reconnaît les compétences"
    assert (identity.accent_colour, identity.footer("en")) == ("#1b5e20", "A service of Brittany.")


def test_a_bad_configuration_stops_the_start_naming_the_variable(tmp_path: Path) -> None:
    with pytest.raises(ValidationError) as caught:
        Settings(data_dir=tmp_path, region_primary_colour="#eeeeee")
    assert "OBHUB_REGION_PRIMARY_COLOUR" in str(caught.value)
    assert "4.5:1" in str(caught.value)
    path = tmp_path / "region.yaml"
    path.write_text("website: http://bretagne.bzh\n", encoding="utf-8")
    with pytest.raises(ValidationError) as caught:
        Settings(data_dir=tmp_path, region_file=path)
    assert "OBHUB_REGION_FILE: website" in str(caught.value)
