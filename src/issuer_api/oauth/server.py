"""The authorization server: Authlib's grants and endpoints on obhub's storage.

One :class:`ObAuthorizationServer` is built per request around a synchronous view of
the request's database session (``AsyncSession.run_sync``: Authlib's hooks are
synchronous), so every hook reads and writes in the request's unit of work.
:mod:`issuer_api.oauth.adapter` converts the requests and responses.

Registered with Authlib:

* the authorization code grant, PKCE required with ``S256`` only (:class:`S256Only`),
  ``state`` required (the OB 3.0 profile); codes are single-use, live 600 s and are
  stored hashed; a replayed code revokes the grant it was issued for (RFC 6749 §4.1.2);
* the refresh token grant with rotation: a used refresh token is dead, and presenting
  it again revokes the whole grant (its newer refresh token and its access tokens);
* the client credentials grant of the Region's clients, unchanged (obhub's scopes);
* revocation (RFC 7009) and dynamic registration (RFC 7591).
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, ClassVar, Final

from authlib.oauth2 import AuthorizationServer
from authlib.oauth2.rfc6749 import (
    InvalidGrantError,
    InvalidRequestError,
    InvalidScopeError,
    OAuth2Error,
    OAuth2Request,
    scope_to_list,
)
from authlib.oauth2.rfc6749.grants import (
    AuthorizationCodeGrant,
    ClientCredentialsGrant,
    RefreshTokenGrant,
)
from authlib.oauth2.rfc7009 import RevocationEndpoint
from authlib.oauth2.rfc7591 import ClientRegistrationEndpoint
from authlib.oauth2.rfc7636 import CodeChallenge
from sqlalchemy import update
from sqlalchemy.orm import Session

from issuer_api.accounts.tokens import token_hash
from issuer_api.auth import tokens
from issuer_api.auth.service import CLIENT_ID_PREFIX, SECRET_PREFIX, hash_secret
from issuer_api.models import (
    ApiClient,
    AuditEvent,
    OAuthAuthorizationCode,
    OAuthGrant,
    OAuthRefreshToken,
)
from issuer_api.oauth import clients
from issuer_api.oauth import scopes as ob_scopes
from issuer_api.settings import Settings

CODE_LIFETIME: Final = timedelta(seconds=600)
REFRESH_PREFIX: Final = "obr_"
S256: Final = "S256"
REGISTRATION_ACTOR: Final = "oauth-registration"


def now_utc() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True)
class GrantUser:
    """The resource owner of a code or refresh token: a learner, through one grant."""

    learner_id: str
    grant_id: str


def revoke_grant(db: Session, grant_id: str, now: datetime) -> None:
    db.execute(
        update(OAuthGrant)
        .where(OAuthGrant.id == grant_id, OAuthGrant.revoked_at.is_(None))
        .values(revoked_at=now)
    )


def _live_grant(db: Session, grant_id: str) -> OAuthGrant | None:
    grant = db.get(OAuthGrant, grant_id)
    return grant if grant is not None and grant.revoked_at is None else None


def _claim(
    db: Session, model: type[OAuthAuthorizationCode | OAuthRefreshToken], row_id: str
) -> bool:
    """Mark a code or refresh token used, atomically: False if it already was."""
    result = db.execute(
        update(model)
        .where(model.id == row_id, model.used_at.is_(None))
        .values(used_at=now_utc())
        .execution_options(synchronize_session=False)
    )
    return bool(getattr(result, "rowcount", 0) == 1)


class CodeView:
    """An authorization code row behind Authlib's AuthorizationCodeMixin."""

    def __init__(self, row: OAuthAuthorizationCode) -> None:
        self.row = row
        self.code_challenge = row.code_challenge
        self.code_challenge_method = row.code_challenge_method

    def get_redirect_uri(self) -> str | None:
        return self.row.redirect_uri

    def get_scope(self) -> str:
        return self.row.scope


class RefreshView:
    """A refresh token row behind Authlib's TokenMixin (also what revocation revokes)."""

    def __init__(self, row_id: str | None, grant: OAuthGrant, scope: str) -> None:
        self.row_id = row_id
        self.grant = grant
        self.scope = scope

    def check_client(self, client: clients.OAuthClient) -> bool:
        return bool(self.grant.client_id == client.get_client_id())

    def get_scope(self) -> str:
        return self.scope

    def get_expires_in(self) -> int:
        return 0

    def is_expired(self) -> bool:
        return False

    def is_revoked(self) -> bool:
        return self.grant.revoked_at is not None


class S256Only(CodeChallenge):  # type: ignore[misc]  # Authlib is untyped
    """PKCE for every client, confidential ones included, with ``S256`` only."""

    SUPPORTED_CODE_CHALLENGE_METHOD: ClassVar[list[str]] = [S256]
    DEFAULT_CODE_CHALLENGE_METHOD = S256

    def validate_code_challenge(self, grant: Any, redirect_uri: str) -> None:
        data = grant.request.payload.data
        if not data.get("code_challenge"):
            raise InvalidRequestError("code_challenge is required (PKCE, S256)")
        if data.get("code_challenge_method") != S256:
            raise InvalidRequestError("code_challenge_method must be S256")
        super().validate_code_challenge(grant, redirect_uri)


class CodeGrant(AuthorizationCodeGrant):  # type: ignore[misc]
    TOKEN_ENDPOINT_AUTH_METHODS: ClassVar[list[str]] = [clients.AUTH_METHOD]
    server: ObAuthorizationServer

    def validate_authorization_request(self) -> str:
        redirect_uri: str = super().validate_authorization_request()
        if not self.request.payload.state:
            raise InvalidRequestError("state is required", redirect_uri=redirect_uri)
        return redirect_uri

    def save_authorization_code(self, code: str, request: OAuth2Request) -> None:
        db, now = self.server.db, now_utc()
        grant = OAuthGrant(
            client_id=request.client.get_client_id(),
            learner_id=request.user,
            scopes=scope_to_list(request.scope),
            created_at=now,
        )
        db.add(grant)
        db.flush()
        data = request.payload.data
        db.add(
            OAuthAuthorizationCode(
                id=token_hash(code),
                grant_id=grant.id,
                client_id=grant.client_id,
                redirect_uri=request.payload.redirect_uri,
                scope=request.scope,
                code_challenge=data["code_challenge"],
                code_challenge_method=data["code_challenge_method"],
                expires_at=now + CODE_LIFETIME,
                created_at=now,
            )
        )

    def query_authorization_code(self, code: str, client: clients.OAuthClient) -> CodeView | None:
        if len(code) > 128:
            return None
        db = self.server.db
        row = db.get(OAuthAuthorizationCode, token_hash(code))
        if row is None or row.client_id != client.get_client_id():
            return None
        if row.used_at is not None:  # replayed: whatever it yielded dies (§4.1.2)
            revoke_grant(db, row.grant_id, now_utc())
            return None
        if row.expires_at <= now_utc() or _live_grant(db, row.grant_id) is None:
            return None
        return CodeView(row)

    def delete_authorization_code(self, authorization_code: CodeView) -> None:
        # Kept, marked used, so that a replay is recognised; two racing exchanges: the
        # second finds it used, and the grant dies.
        if not _claim(self.server.db, OAuthAuthorizationCode, authorization_code.row.id):
            revoke_grant(self.server.db, authorization_code.row.grant_id, now_utc())
            raise InvalidGrantError("the code was already used")

    def authenticate_user(self, authorization_code: CodeView) -> GrantUser | None:
        grant = _live_grant(self.server.db, authorization_code.row.grant_id)
        return GrantUser(grant.learner_id, grant.id) if grant is not None else None


class RotatingRefreshGrant(RefreshTokenGrant):  # type: ignore[misc]
    TOKEN_ENDPOINT_AUTH_METHODS: ClassVar[list[str]] = [clients.AUTH_METHOD]
    INCLUDE_NEW_REFRESH_TOKEN = True
    server: ObAuthorizationServer

    def authenticate_refresh_token(self, refresh_token: str) -> RefreshView | None:
        if len(refresh_token) > 128:
            return None
        db, now = self.server.db, now_utc()
        row = db.get(OAuthRefreshToken, token_hash(refresh_token))
        if row is None:
            return None
        if row.used_at is not None:  # a rotated token again: stolen or replayed
            revoke_grant(db, row.grant_id, now)
            return None
        grant = _live_grant(db, row.grant_id)
        if grant is None or row.expires_at <= now:
            return None
        return RefreshView(row.id, grant, row.scope)

    def authenticate_user(self, refresh_token: RefreshView) -> GrantUser:
        return GrantUser(refresh_token.grant.learner_id, refresh_token.grant.id)

    def revoke_old_credential(self, refresh_token: RefreshView) -> None:
        assert refresh_token.row_id is not None  # noqa: S101 - set by authenticate_refresh_token
        if not _claim(self.server.db, OAuthRefreshToken, refresh_token.row_id):
            revoke_grant(self.server.db, refresh_token.grant.id, now_utc())
            raise InvalidGrantError("the refresh token was already used")


class RegionClientCredentials(ClientCredentialsGrant):  # type: ignore[misc]
    """The Region's clients: obhub's scopes, as before the OB 3.0 API."""

    TOKEN_ENDPOINT_AUTH_METHODS: ClassVar[list[str]] = [clients.AUTH_METHOD]

    def validate_token_request(self) -> None:
        super().validate_token_request()
        if clients.region_scope_error(self.request.client, self.request.payload.scope):
            raise InvalidScopeError("a requested scope is unknown or not held")


class UnsupportedTokenTypeRevocationError(OAuth2Error):  # type: ignore[misc]  # Authlib is untyped
    """RFC 7009 §2.2.1 (Authlib's own class answers 401 and takes no description)."""

    error = "unsupported_token_type"
    status_code = 400


class Revocation(RevocationEndpoint):  # type: ignore[misc]
    """RFC 7009. A refresh token or an OB access token revokes its whole grant (the
    learner's authorisation of this client, with every token issued from it); the
    Region's client-credentials tokens are not revocable one by one (they expire in
    minutes; disabling the client stops them at once): presented by the client they were
    issued to, they are answered ``unsupported_token_type`` (§2.2.1) rather than a 200
    that would claim a revocation that did not happen. Unknown tokens are 200 (§2.2)."""

    server: ObAuthorizationServer

    def authenticate_token(
        self, request: OAuth2Request, client: clients.OAuthClient
    ) -> RefreshView | None:
        token: RefreshView | None = super().authenticate_token(request, client)
        if token is None and self._is_own_region_token(request.form["token"], client):
            raise UnsupportedTokenTypeRevocationError(
                description="client credentials access tokens cannot be revoked; "
                "they expire on their own, and disabling the client stops them at once"
            )
        return token

    def _is_own_region_token(self, token_string: str, client: clients.OAuthClient) -> bool:
        if len(token_string) > tokens.MAX_TOKEN_CHARS or token_string.startswith(REFRESH_PREFIX):
            return False
        try:
            access = tokens.verify(self.server.token_key, token_string)
        except tokens.InvalidTokenError:
            return False
        return access.grant_id is None and access.client_id == client.get_client_id()

    def query_token(self, token_string: str, token_type_hint: str | None) -> RefreshView | None:
        db = self.server.db
        if len(token_string) > tokens.MAX_TOKEN_CHARS:
            return None
        if token_string.startswith(REFRESH_PREFIX):
            row = db.get(OAuthRefreshToken, token_hash(token_string))
            grant = db.get(OAuthGrant, row.grant_id) if row is not None else None
            return RefreshView(row.id, grant, row.scope) if row and grant else None
        try:
            access = tokens.verify(self.server.token_key, token_string)
        except tokens.InvalidTokenError:
            return None
        grant = db.get(OAuthGrant, access.grant_id) if access.grant_id else None
        return RefreshView(None, grant, " ".join(access.scopes)) if grant else None

    def revoke_token(self, token: RefreshView, request: OAuth2Request) -> None:
        revoke_grant(self.server.db, token.grant.id, now_utc())


class Registration(ClientRegistrationEndpoint):  # type: ignore[misc]
    """RFC 7591 as the OB 3.0 API profiles it: open (no initial access token)."""

    server: ObAuthorizationServer

    def authenticate_token(self, request: Any) -> bool:
        return True

    def get_server_metadata(self) -> dict[str, Any]:
        return {
            "scopes_supported": sorted(ob_scopes.ALL),
            "response_types_supported": ["code"],
            "grant_types_supported": list(clients.REGISTERED_GRANT_TYPES),
            "token_endpoint_auth_methods_supported": [clients.AUTH_METHOD],
        }

    def extract_client_metadata(self, request: Any) -> dict[str, Any]:
        clients.check_registration(request.payload.data)
        metadata: dict[str, Any] = super().extract_client_metadata(request)
        metadata.setdefault("token_endpoint_auth_method", clients.AUTH_METHOD)
        metadata.setdefault("grant_types", list(clients.REGISTERED_GRANT_TYPES))
        metadata.setdefault("response_types", ["code"])
        return metadata

    def generate_client_id(self, request: Any) -> str:
        return CLIENT_ID_PREFIX + secrets.token_hex(12)

    def generate_client_secret(self, request: Any) -> str:
        return SECRET_PREFIX + secrets.token_urlsafe(32)

    def save_client(
        self, client_info: dict[str, Any], client_metadata: dict[str, Any], request: Any
    ) -> ApiClient:
        row = ApiClient(
            id=client_info["client_id"],
            name=client_metadata["client_name"].strip(),
            secret_hash=hash_secret(client_info["client_secret"]),
            scopes=sorted(set(scope_to_list(client_metadata["scope"]))),
            registration=dict(client_metadata),
        )
        self.server.db.add(row)
        # The Region sees every registration in its journal (then links it to a partner).
        self.server.db.add(
            AuditEvent(
                actor=REGISTRATION_ACTOR,
                action="oauth_client.register",
                target_type="oauth_client",
                target_id=row.id,
                data={
                    "client_name": row.name,
                    "client_uri": client_metadata.get("client_uri"),
                    "software_id": client_metadata.get("software_id"),
                    "software_version": client_metadata.get("software_version"),
                },
            )
        )
        self.server.db.flush()
        return row


class ObAuthorizationServer(AuthorizationServer):  # type: ignore[misc]
    """Authlib's server bound to one request's database session (synchronous view)."""

    def __init__(self, db: Session, settings: Settings, token_key: bytes) -> None:
        super().__init__(scopes_supported=None)
        self.db = db
        self.settings = settings
        self.token_key = token_key
        self.register_token_generator("default", self._generate_token)
        self.register_grant(CodeGrant, [S256Only(required=True)])
        self.register_grant(RotatingRefreshGrant)
        self.register_grant(RegionClientCredentials)
        self.register_endpoint(Revocation)
        self.register_endpoint(Registration)

    def query_client(self, client_id: str) -> clients.OAuthClient | None:
        if not client_id or len(client_id) > 64:
            return None
        row = self.db.get(ApiClient, client_id)
        if row is None or row.disabled_at is not None:
            return None
        return clients.OAuthClient(row)

    def save_token(self, token: dict[str, Any], request: OAuth2Request) -> None:
        refresh = token.get("refresh_token")
        if refresh is None or not isinstance(request.user, GrantUser):
            return
        now = now_utc()
        self.db.add(
            OAuthRefreshToken(
                id=token_hash(refresh),
                grant_id=request.user.grant_id,
                client_id=request.client.get_client_id(),
                scope=token["scope"],
                expires_at=now + timedelta(seconds=self.settings.ob_refresh_token_ttl_seconds),
                created_at=now,
            )
        )

    def _generate_token(  # noqa: PLR0917 - Authlib's token generator signature
        self,
        grant_type: str,
        client: clients.OAuthClient,
        user: GrantUser | None = None,
        scope: str | None = None,
        expires_in: int | None = None,
        include_refresh_token: bool = True,
    ) -> dict[str, Any]:
        row = client.row
        if isinstance(user, GrantUser):
            granted = frozenset(scope_to_list(scope) or [])
            ttl = self.settings.ob_access_token_ttl_seconds
            access, _ = tokens.issue(
                self.token_key,
                row.id,
                granted,
                None,
                ttl,
                grant_id=user.grant_id,
            )
        else:  # the Region's client credentials: everything held unless narrowed
            granted = frozenset(scope.split()) if scope and scope.strip() else frozenset(row.scopes)
            ttl = self.settings.access_token_ttl_seconds
            access, _ = tokens.issue(self.token_key, row.id, granted, row.issuer_id, ttl)
        token: dict[str, Any] = {
            "access_token": access,
            "token_type": "Bearer",
            "expires_in": ttl,
            "scope": " ".join(sorted(granted)),
        }
        if include_refresh_token and isinstance(user, GrantUser):
            token["refresh_token"] = REFRESH_PREFIX + secrets.token_urlsafe(32)
        return token

    def create_oauth2_request(self, request: OAuth2Request) -> OAuth2Request:
        return request  # built by the adapter

    def create_json_request(self, request: Any) -> Any:
        return request

    def handle_response(
        self, status_code: int, payload: Any, headers: list[tuple[str, str]]
    ) -> tuple[int, Any, list[tuple[str, str]]]:
        return status_code, payload, headers

    def send_signal(self, name: str, *args: Any, **kwargs: Any) -> None:
        return None
