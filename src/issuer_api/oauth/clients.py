"""Clients as the authorization server sees them, and the OB 3.0 registration rules.

Two kinds of client share ``api_client``:

* the Region's clients (created by an administrator, ``registration`` NULL): the client
  credentials grant, obhub's own scopes (``issue``, ``admin`` …);
* clients registered through ``POST /oauth/register`` (RFC 7591 as the OB 3.0 API
  profiles it): the authorization code grant with PKCE and refresh tokens, the four
  OB scopes only.

Neither can use the other's grant or scopes. :func:`check_registration` applies the OB
3.0 profile to a registration request: the required fields, ``client_secret_basic``
only, grant types ``authorization_code`` + ``refresh_token``, response type ``code``,
and every URI on the host of ``client_uri`` over https (http is accepted for
``localhost`` and ``127.0.0.1`` only, for development and tests).
"""

from __future__ import annotations

import hmac
import ipaddress
import re
import unicodedata
from collections.abc import Mapping
from typing import Any, Final
from urllib.parse import SplitResult, urlsplit

from authlib.oauth2.rfc6749 import ClientMixin, list_to_scope, scope_to_list
from authlib.oauth2.rfc7591.errors import InvalidClientMetadataError, InvalidRedirectURIError

from issuer_api.auth import scopes as region_scopes
from issuer_api.auth.service import hash_secret
from issuer_api.models import ApiClient
from issuer_api.oauth import scopes as ob_scopes

AUTHORIZATION_CODE: Final = "authorization_code"
REFRESH_TOKEN: Final = "refresh_token"  # noqa: S105 - a grant type's name
CLIENT_CREDENTIALS: Final = "client_credentials"
AUTH_METHOD: Final = "client_secret_basic"
REGISTERED_GRANT_TYPES: Final = (AUTHORIZATION_CODE, REFRESH_TOKEN)
REQUIRED_FIELDS: Final = (
    "client_name",
    "client_uri",
    "logo_uri",
    "tos_uri",
    "policy_uri",
    "software_id",
    "software_version",
    "redirect_uris",
    "scope",
)
URI_FIELDS: Final = ("client_uri", "logo_uri", "tos_uri", "policy_uri")
DEVELOPMENT_HOSTS: Final = frozenset({"localhost", "127.0.0.1"})
MAX_REDIRECT_URIS: Final = 10
MAX_URI_CHARS: Final = 2000
MAX_TEXT_CHARS: Final = 200
# Characters no registered URI may hold: they have no business in a URI and some would
# split a Content-Security-Policy source list or an HTML attribute.
FORBIDDEN_URI_CHARACTERS: Final = frozenset("*;,'\"<>\\`")
DNS_LABEL: Final = re.compile(r"(?!-)[a-z0-9-]{1,63}(?<!-)")
MAX_HOST_CHARS: Final = 253


class OAuthClient(ClientMixin):  # type: ignore[misc]  # Authlib is untyped
    """An ``api_client`` row behind Authlib's client interface."""

    def __init__(self, row: ApiClient) -> None:
        self.row = row

    @property
    def registered(self) -> bool:
        return self.row.registration is not None

    @property
    def redirect_uris(self) -> list[str]:
        uris = (self.row.registration or {}).get("redirect_uris", [])
        return [u for u in uris if isinstance(u, str)]

    def get_client_id(self) -> str:
        return self.row.id

    def get_default_redirect_uri(self) -> str | None:
        uris = self.redirect_uris
        return uris[0] if len(uris) == 1 else None

    def get_allowed_scope(self, scope: str | None) -> str | None:
        """The requested scope if the client holds all of it (else None: invalid_scope);
        without one, everything the client holds."""
        held = set(self.row.scopes)
        if not scope:
            return str(list_to_scope(sorted(held)))
        asked = set(scope_to_list(scope))
        return str(list_to_scope(sorted(asked))) if asked <= held else None

    def check_redirect_uri(self, redirect_uri: str) -> bool:
        return redirect_uri in self.redirect_uris  # exact match (RFC 6749 §3.1.2.3)

    def check_client_secret(self, client_secret: str) -> bool:
        return hmac.compare_digest(self.row.secret_hash, hash_secret(client_secret))

    def check_endpoint_auth_method(self, method: str, endpoint: str) -> bool:
        return bool(method == AUTH_METHOD)

    def check_response_type(self, response_type: str) -> bool:
        return self.registered and response_type == "code"

    @property
    def grant_types(self) -> list[str]:
        """The grant types the client registered (RFC 7591's default when it named none)."""
        grants = (self.row.registration or {}).get("grant_types", [AUTHORIZATION_CODE])
        return [g for g in grants if isinstance(g, str)] if isinstance(grants, list) else []

    def check_grant_type(self, grant_type: str) -> bool:
        """Whether the client may use ``grant_type``; Authlib also asks it whether to issue
        a refresh token, so a client registered without ``refresh_token`` gets none."""
        if self.registered:
            return grant_type in REGISTERED_GRANT_TYPES and grant_type in self.grant_types
        return bool(grant_type == CLIENT_CREDENTIALS)


def _uri_error(field: str, message: str) -> Exception:
    error: Exception
    if field == "redirect_uris":
        error = InvalidRedirectURIError(description=message)
    else:
        error = InvalidClientMetadataError(description=f"{field}: {message}")
    return error


def _dns_name(host: str) -> str | None:
    """The ASCII (punycode) form of a DNS host name made of LDH labels, or None."""
    try:
        ascii_host = host.encode("idna").decode("ascii").lower()
    except (UnicodeError, ValueError):
        return None
    labels = ascii_host.split(".")
    if len(ascii_host) > MAX_HOST_CHARS or not all(DNS_LABEL.fullmatch(x) for x in labels):
        return None
    if labels[-1].isdigit():  # 1.2.3 or 999.1.1.1: not a name, not a valid address
        return None
    return ascii_host


def canonical_host(host: str) -> str | None:
    """A URI host as obhub keeps and compares it: an IP literal in its compressed form
    (IPv6 in brackets), a DNS name in punycode, lower case; None for anything else."""
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return _dns_name(host)
    if isinstance(address, ipaddress.IPv6Address):
        # A zone (fe80::1%eth0) names an interface of the machine, not a host.
        return None if address.scope_id else f"[{address.compressed}]"
    return address.compressed


def _split(value: str) -> tuple[SplitResult, str] | None:
    """The parts and canonical host of a URI free of forbidden characters, or None."""
    if any(c.isspace() or c in FORBIDDEN_URI_CHARACTERS for c in value):
        return None
    try:
        parts = urlsplit(value)
        parts.port  # noqa: B018 - raises ValueError on a malformed port
    except ValueError:
        return None
    host = canonical_host(parts.hostname or "")
    return (parts, host) if host else None


def _host_of(field: str, value: object) -> str:
    """The canonical host of an absolute https URI (http for the development hosts)."""
    if not isinstance(value, str) or not value or len(value) > MAX_URI_CHARS:
        raise _uri_error(field, "an absolute URI is required")
    split = _split(value)
    if split is None:
        raise _uri_error(field, "not a valid URI with a DNS name or IP address as its host")
    parts, host = split
    if parts.username is not None or parts.password is not None:
        raise _uri_error(field, "an absolute URI with a host and no credentials is required")
    if parts.scheme == "https" or (parts.scheme == "http" and host in DEVELOPMENT_HOSTS):
        return host
    raise _uri_error(field, "must use https (http only for localhost and 127.0.0.1)")


def csp_source(uri: str) -> str | None:
    """The Content-Security-Policy source of a registered URI's origin, rebuilt from its
    validated scheme, host and port (never copied from the URI), or None."""
    split = _split(uri)
    if split is None:
        return None
    parts, host = split
    if parts.scheme not in ("https", "http"):
        return None
    port = f":{parts.port}" if parts.port is not None else ""
    return f"{parts.scheme}://{host}{port}"


def _text(data: Mapping[str, Any], field: str) -> None:
    value = data[field]
    if not isinstance(value, str) or not value.strip() or len(value) > MAX_TEXT_CHARS:
        raise InvalidClientMetadataError(
            description=f"{field} must be a non-empty string of at most {MAX_TEXT_CHARS} characters"
        )
    # Control and format characters (bidirectional overrides among them) would let a name
    # read differently on the consent page from what it is.
    if any(unicodedata.category(char) in ("Cc", "Cf") for char in value):
        raise InvalidClientMetadataError(
            description=f"{field} must not contain control or formatting characters"
        )


def check_registration(data: Mapping[str, Any]) -> None:
    """Raise the RFC 7591 §3.2.2 error of a registration request the OB profile refuses."""
    missing = [f for f in REQUIRED_FIELDS if data.get(f) in (None, "", [])]
    if missing:
        raise InvalidClientMetadataError(description=f"missing: {', '.join(missing)}")
    for field in ("client_name", "software_id", "software_version"):
        _text(data, field)
    scope = data["scope"]
    if not isinstance(scope, str) or not scope.split() or not set(scope.split()) <= ob_scopes.ALL:
        raise InvalidClientMetadataError(
            description="scope: only the Open Badges 3.0 API scopes may be registered"
        )
    method = data.get("token_endpoint_auth_method", AUTH_METHOD)
    if method != AUTH_METHOD:
        raise InvalidClientMetadataError(
            description="token_endpoint_auth_method: only client_secret_basic is supported"
        )
    grants = data.get("grant_types", list(REGISTERED_GRANT_TYPES))
    if (
        not isinstance(grants, list)
        or AUTHORIZATION_CODE not in grants
        or not set(grants) <= set(REGISTERED_GRANT_TYPES)
    ):
        raise InvalidClientMetadataError(
            description="grant_types: authorization_code (and refresh_token) only"
        )
    if data.get("response_types", ["code"]) != ["code"]:
        raise InvalidClientMetadataError(description="response_types: only code is supported")
    host = _host_of("client_uri", data["client_uri"])
    for field in URI_FIELDS:
        if _host_of(field, data[field]) != host:
            raise _uri_error(field, "must be on the host of client_uri")
    redirects = data["redirect_uris"]
    if not isinstance(redirects, list) or not 0 < len(redirects) <= MAX_REDIRECT_URIS:
        raise InvalidRedirectURIError(
            description=f"redirect_uris: a list of 1 to {MAX_REDIRECT_URIS} URIs is required"
        )
    for uri in redirects:
        if _host_of("redirect_uris", uri) != host:
            raise InvalidRedirectURIError(
                description="redirect_uris: not on the host of client_uri"
            )
        if "#" in uri:
            raise InvalidRedirectURIError(description="redirect_uris: no fragment allowed")


def region_scope_error(client: OAuthClient, scope: str | None) -> bool:
    """Whether a client-credentials request asks for a scope unknown or not held."""
    if scope is None or not scope.strip():
        return False
    asked = frozenset(scope.split())
    return not (asked <= region_scopes.ALL and asked <= frozenset(client.row.scopes))
