"""Where the authorization server answers: one place for its routes, its RFC 8414
metadata and the OB 3.0 API's discovery document."""

from __future__ import annotations

from typing import Final

TOKEN_PATH: Final = "/oauth/token"  # noqa: S105 - a path
REVOKE_PATH: Final = "/oauth/revoke"
REGISTER_PATH: Final = "/oauth/register"
AUTHORIZE_PATH: Final = "/oauth/authorize"
METADATA_PATH: Final = "/.well-known/oauth-authorization-server"
