"""The Service Description Document of the Open Badges API (``GET /ims/ob/v3p0/discovery``).

The specification ships its API as an OpenAPI 3.0 file (``ob_v3p0_openapi.json``, kept
in this package as data: the service never fetches it). A host publishes a *profiled*
copy of it: the same paths and schemas, with its own ``info`` (title, terms of service,
``x-imssf-privacyPolicyUrl``, ``x-imssf-image``), ``servers`` and
``components.securitySchemes.OAuth2ACG`` (``x-imssf-registrationUrl`` and the
authorization code flow's URLs). Every URL is absolute, on the public base URL.
"""

from __future__ import annotations

import copy
import json
from functools import cache
from importlib.resources import files
from typing import Any, Final

from issuer_api.oauth.paths import AUTHORIZE_PATH, REGISTER_PATH, TOKEN_PATH
from issuer_api.region.identity import RegionIdentity
from issuer_api.settings import Settings

SPEC_FILE: Final = "ob_v3p0_openapi.json"
API_PATH: Final = "/ims/ob/v3p0"


@cache
def _specification() -> dict[str, Any]:
    text = files("issuer_api.obapi").joinpath(SPEC_FILE).read_text(encoding="utf-8")
    document: dict[str, Any] = json.loads(text)
    return document


def specification() -> dict[str, Any]:
    """The specification's OpenAPI document, as shipped (a copy: callers may change it)."""
    return copy.deepcopy(_specification())


def _absolute(base: str, url: str) -> str:
    return f"{base}{url}" if url.startswith("/") else url


def service_description(
    base: str, settings: Settings, identity: RegionIdentity, version: str
) -> dict[str, Any]:
    """The profiled OpenAPI document for this hub, at the public base URL ``base``."""
    document = specification()
    scheme = document["components"]["securitySchemes"]["OAuth2ACG"]
    scopes = scheme["flows"]["authorizationCode"]["scopes"]
    info: dict[str, Any] = {
        "title": f"{identity.scheme_name} — Open Badges 3.0 API",
        "description": (
            f"Les badges numériques de {identity.name} et de ses partenaires (hôte Open "
            f"Badges 3.0) / The digital badges of {identity.name} and its partners "
            "(Open Badges 3.0 host)."
        ),
        "version": document["info"]["version"],
        "x-obhub-version": version,
        "termsOfService": str(settings.terms_of_service_url or identity.website),
        "x-imssf-privacyPolicyUrl": str(settings.privacy_policy_url or identity.website),
    }
    if identity.contact_email:
        info["contact"] = {"name": identity.name, "email": identity.contact_email}
    if identity.logo:
        info["x-imssf-image"] = _absolute(base, identity.logo)
    document["info"] = info
    document["servers"] = [{"url": f"{base}{API_PATH}", "description": identity.name}]
    document["components"]["securitySchemes"]["OAuth2ACG"] = {
        "type": "oauth2",
        "description": "OAuth 2.0 Authorization Code Grant (PKCE S256)",
        "x-imssf-registrationUrl": f"{base}{REGISTER_PATH}",
        "flows": {
            "authorizationCode": {
                "authorizationUrl": f"{base}{AUTHORIZE_PATH}",
                "tokenUrl": f"{base}{TOKEN_PATH}",
                "refreshUrl": f"{base}{TOKEN_PATH}",
                "scopes": scopes,
            }
        },
    }
    return document
