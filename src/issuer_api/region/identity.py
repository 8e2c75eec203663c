"""The Region's identity: a pure, validated value with Normandy's values as defaults.

Colours are ``#rrggbb`` with a contrast of at least 4.5:1 against white (WCAG 2.1 AA
for text): the primary colour is used for links and buttons on white, the accent for
the header, under white text. Links are ``https`` (``http`` only for ``localhost``);
the logo is such a link, a path of this site (``/static/…``) or a ``data:`` URI of an
SVG or PNG image.

Every refusal is an :class:`IdentityError` naming the field, a stable code and a
message id of the catalogue (English source text, translated by the caller).
"""

from __future__ import annotations

import base64
import binascii
import re
from collections.abc import Mapping
from dataclasses import asdict, dataclass, replace
from typing import Any, Final
from urllib.parse import urlsplit

from obhub_i18n import N_

MIN_CONTRAST: Final = 4.5
MAX_TEXT_CHARS: Final = 200
MAX_FOOTER_CHARS: Final = 600
MAX_URL_CHARS: Final = 2048
MAX_LOGO_BYTES: Final = 100 * 1024
FIELDS: Final = (
    "name",
    "scheme_name",
    "website",
    "logo",
    "primary_colour",
    "accent_colour",
    "footer_fr",
    "footer_en",
    "contact_email",
)

DEFAULT_NAME: Final = "Région Normandie"
DEFAULT_SCHEME_NAME: Final = "La Normandie badge les compétences"
DEFAULT_WEBSITE: Final = "https://www.normandie.fr"
DEFAULT_PRIMARY: Final = "#0b4f8a"
DEFAULT_ACCENT: Final = "#0b3a66"
DEFAULT_FOOTER_FR: Final = (
    "Un service de la Région Normandie : des badges numériques ouverts qui reconnaissent "
    "les compétences des personnes en parcours d'insertion professionnelle."
)
DEFAULT_FOOTER_EN: Final = (
    "A service of the Normandy Region: open badges recognising the skills of people in "
    "professional integration."
)

_HEX = re.compile(r"#[0-9a-fA-F]{6}")
_SHORT_HEX = re.compile(r"#[0-9a-fA-F]{3}")
_EMAIL = re.compile(r"[A-Za-z0-9._+-]{1,64}@[A-Za-z0-9](?:[A-Za-z0-9.-]{0,251}[A-Za-z0-9])?")
_DATA_URI = re.compile(r"data:(image/svg\+xml|image/png)(;base64)?,(.*)", re.DOTALL)
_SITE_PATH = re.compile(r"/[A-Za-z0-9._~/-]{1,500}")

ERROR_REQUIRED: Final = N_("Enter a value.")
ERROR_TOO_LONG: Final = N_("This text is too long: {limit} characters at most.")
ERROR_COLOUR_FORMAT: Final = N_(
    "Enter a colour as # followed by six hexadecimal digits, for example #0b4f8a."
)
ERROR_COLOUR_CONTRAST: Final = N_(
    "This colour is too light to be read on white: its contrast is {ratio}:1, at least "
    "4.5:1 is needed. Choose a darker colour."
)
ERROR_URL: Final = N_("Enter a full web address beginning with https://.")
ERROR_LOGO: Final = N_(
    "Enter the logo's address (https://…), a path of this site (/static/…) or an SVG or "
    "PNG image as a data: URI."
)
ERROR_LOGO_SIZE: Final = N_("This image is too large: 100 KB at most.")
ERROR_EMAIL: Final = N_("Enter an email address, for example contact@region.fr.")


class IdentityError(ValueError):
    """A value of the identity is refused: ``field``, stable ``code``, message id."""

    def __init__(
        self, field_name: str, code: str, message: str, params: Mapping[str, Any] | None = None
    ) -> None:
        super().__init__(f"{field_name}: {code}")
        self.field = field_name
        self.code = code
        self.message = message
        self.params = dict(params or {})


@dataclass(frozen=True, slots=True)
class RegionIdentity:
    """Who runs this instance. Build it with :func:`validated` to check every field."""

    name: str = DEFAULT_NAME
    scheme_name: str = DEFAULT_SCHEME_NAME
    website: str = DEFAULT_WEBSITE
    logo: str | None = None
    primary_colour: str = DEFAULT_PRIMARY
    accent_colour: str = DEFAULT_ACCENT
    footer_fr: str = DEFAULT_FOOTER_FR
    footer_en: str = DEFAULT_FOOTER_EN
    contact_email: str | None = None

    def footer(self, language: str) -> str:
        """The footer text in ``language`` (English for any language but French)."""
        return self.footer_fr if language == "fr" else self.footer_en

    def as_dict(self) -> dict[str, str | None]:
        values: dict[str, str | None] = asdict(self)
        return values


DEFAULT_IDENTITY: Final = RegionIdentity()


def contrast_ratio(colour: str, other: str = "#ffffff") -> float:
    """The WCAG 2.1 contrast ratio of two ``#rrggbb`` colours (1 to 21)."""
    first, second = _luminance(colour), _luminance(other)
    light, dark = max(first, second), min(first, second)
    return (light + 0.05) / (dark + 0.05)


def _luminance(colour: str) -> float:
    channels = [int(colour[index : index + 2], 16) / 255 for index in (1, 3, 5)]
    linear = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def darker(colour: str, amount: float = 0.25) -> str:
    """``colour`` mixed with black (hover states)."""
    channels = [round(int(colour[i : i + 2], 16) * (1 - amount)) for i in (1, 3, 5)]
    return "#" + "".join(f"{c:02x}" for c in channels)


def check_colour(field_name: str, value: str) -> str:
    text = value.strip()
    if _SHORT_HEX.fullmatch(text):
        text = "#" + "".join(c * 2 for c in text[1:])
    if not _HEX.fullmatch(text):
        raise IdentityError(field_name, "colour_format", ERROR_COLOUR_FORMAT)
    text = text.lower()
    ratio = contrast_ratio(text)
    if ratio < MIN_CONTRAST:
        raise IdentityError(
            field_name, "colour_contrast", ERROR_COLOUR_CONTRAST, {"ratio": f"{ratio:.2f}"}
        )
    return text


def check_url(field_name: str, value: str) -> str:
    text = value.strip()
    if len(text) > MAX_URL_CHARS or any(c.isspace() or ord(c) < 32 for c in text):
        raise IdentityError(field_name, "url", ERROR_URL)
    parts = urlsplit(text)
    local = parts.hostname in ("localhost", "127.0.0.1")
    if parts.scheme != "https" and not (parts.scheme == "http" and local):
        raise IdentityError(field_name, "url", ERROR_URL)
    if not parts.hostname or ("." not in parts.hostname and not local):
        raise IdentityError(field_name, "url", ERROR_URL)
    if parts.username or parts.password:
        raise IdentityError(field_name, "url", ERROR_URL)
    return text


def check_logo(value: str) -> str:
    text = value.strip()
    if text.startswith("data:"):
        match = _DATA_URI.fullmatch(text)
        if match is None:
            raise IdentityError("logo", "logo", ERROR_LOGO)
        if len(text) > MAX_LOGO_BYTES * 4 // 3 + 100:
            raise IdentityError("logo", "logo_size", ERROR_LOGO_SIZE)
        if match.group(2):
            try:
                raw = base64.b64decode(match.group(3), validate=True)
            except (binascii.Error, ValueError):
                raise IdentityError("logo", "logo", ERROR_LOGO) from None
            png = match.group(1) == "image/png"
            if png and not raw.startswith(b"\x89PNG\r\n\x1a\n"):
                raise IdentityError("logo", "logo", ERROR_LOGO)
        return text
    if text.startswith("/") and not text.startswith("//"):
        if not _SITE_PATH.fullmatch(text) or ".." in text:
            raise IdentityError("logo", "logo", ERROR_LOGO)
        return text
    try:
        return check_url("logo", text)
    except IdentityError:
        raise IdentityError("logo", "logo", ERROR_LOGO) from None


def check_email(value: str) -> str:
    text = value.strip()
    if len(text) > 320 or not _EMAIL.fullmatch(text):
        raise IdentityError("contact_email", "email", ERROR_EMAIL)
    return text


def _text(field_name: str, value: str, limit: int) -> str:
    text = " ".join(value.split())
    if not text:
        raise IdentityError(field_name, "required", ERROR_REQUIRED)
    if len(text) > limit:
        raise IdentityError(field_name, "too_long", ERROR_TOO_LONG, {"limit": limit})
    return text


def validated(values: Mapping[str, Any], base: RegionIdentity = DEFAULT_IDENTITY) -> RegionIdentity:
    """``base`` with the given ``values`` (field name → text) checked and applied.

    A field absent from ``values`` keeps ``base``'s value; an empty optional field
    (``logo``, ``contact_email``) removes it. Raises :class:`IdentityError` at the first
    field refused (:func:`all_errors` lists every one).
    """
    errors = all_errors(values)
    if errors:
        raise errors[0]
    return replace(base, **_cleaned(values))  # type: ignore[arg-type]  # checked per field


def all_errors(values: Mapping[str, Any]) -> list[IdentityError]:
    """Every field of ``values`` refused, in the order of :data:`FIELDS`."""
    errors: list[IdentityError] = []
    for name in FIELDS:
        if name not in values:
            continue
        try:
            _clean(name, values[name])
        except IdentityError as exc:
            errors.append(exc)
    unknown = sorted(set(values) - set(FIELDS))
    if unknown:
        errors.append(IdentityError(unknown[0], "unknown_field", ERROR_REQUIRED))
    return errors


def _cleaned(values: Mapping[str, Any]) -> dict[str, str | None]:
    return {name: _clean(name, values[name]) for name in FIELDS if name in values}


def _clean(name: str, raw: Any) -> str | None:
    value = "" if raw is None else str(raw)
    if name in ("logo", "contact_email") and not value.strip():
        return None
    if name in ("primary_colour", "accent_colour"):
        return check_colour(name, value)
    if name == "website":
        return check_url(name, value)
    if name == "logo":
        return check_logo(value)
    if name == "contact_email":
        return check_email(value)
    limit = MAX_FOOTER_CHARS if name.startswith("footer_") else MAX_TEXT_CHARS
    return _text(name, value, limit)


def stylesheet(identity: RegionIdentity) -> str:
    """The CSS of ``/static/region.css``: the layout's colour custom properties."""
    primary, accent = identity.primary_colour, identity.accent_colour
    return (
        "/* The Region's colours (generated from its identity). */\n"
        ":root {\n"
        f"  --c-primary: {primary};\n"
        f"  --c-primary-hover: {darker(primary)};\n"
        f"  --c-header-bg: {accent};\n"
        "}\n"
    )
