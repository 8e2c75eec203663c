"""Addresses of the public badge pages: a badge's page, the image of a regional badge,
its entry in the public catalogue, and LinkedIn's "add a certification" link."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Final
from urllib.parse import quote, urlencode

from issuer_api.i18n import Language

BADGE_PREFIX: Final = "/badges"
REGIONAL_PREFIX: Final = "/regional-badges"
CATALOGUE_PREFIX: Final = "/badges-regionaux"
LINKEDIN_ADD_URL: Final = "https://www.linkedin.com/profile/add"
ACHIEVEMENT_CODE: Final = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,63}")
REGIONAL_IMAGE_PATH: Final = re.compile(
    r"/regional-badges/(?P<code>[A-Za-z0-9][A-Za-z0-9_.-]{0,63})/image\.svg"
)


WALLET_PREFIX: Final = "/espace/portefeuille"


def wallet_offer_path(credential_id: str) -> str:
    """The learner's page that puts regional badge ``credential_id`` in their wallet."""
    return f"{WALLET_PREFIX}/{credential_id}"


def badge_page_url(base_url: str, credential_id: str) -> str:
    """The public page of credential ``credential_id`` (its UUID)."""
    return f"{base_url}{BADGE_PREFIX}/{credential_id}"


def catalogue_entry_path(code: str) -> str | None:
    """The public catalogue's entry of regional achievement ``code`` (None if ``code``
    is not an achievement code)."""
    if not ACHIEVEMENT_CODE.fullmatch(code):
        return None
    return f"{CATALOGUE_PREFIX}/{quote(code, safe='')}"


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
