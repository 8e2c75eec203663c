"""Service configuration: one ``pydantic-settings`` class read from ``OBHUB_*`` variables.

Nothing is read at import time. :func:`get_settings` builds a fresh :class:`Settings`
from the environment each time it is called; tests set the environment (or pass
values directly) and then build the application with ``create_app(settings)``.

With no variable set at all the service runs on an embedded SQLite database in
``./var`` and generates its key-encryption key there on first start.
"""

from __future__ import annotations

import ipaddress
import json
import logging
import os
import re
import secrets
import stat
from pathlib import Path
from typing import Annotated, Literal, Self

from pydantic import (
    AnyHttpUrl,
    Field,
    NonNegativeInt,
    PositiveInt,
    SecretStr,
    field_validator,
    model_validator,
)
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from obcore import keywrap
from obcore.errors import InvalidKeyError

logger = logging.getLogger(__name__)

KEK_BYTES = keywrap.KEK_BYTES
"""Length of the key-encryption key, in bytes (an AES-256 key)."""

SQLITE_FILENAME = "obhub.sqlite3"
KEK_FILENAME = "kek"
DEFAULT_LOCAL_BASE_URL = "http://127.0.0.1:8000"
"""Where ``obhub serve`` listens by default (``make run``)."""

LogLevel = Literal["DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"]
CascadePolicy = Literal["suspend", "revoke", "keep"]
"""What happens to a regional badge that lost its support (see ``cascade_policy``)."""

_HOSTNAME = re.compile(
    r"(?=.{1,253}\Z)(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)(?:\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)*"
)


class KekError(ValueError):
    """The configured key-encryption key is missing, unreadable or not 32 base64url bytes.

    Messages never contain the key material itself.
    """


def decode_kek(encoded: str) -> bytes:
    """Decode a key-encryption key written as base64url (RFC 4648 §5), padding optional."""
    try:
        return keywrap.parse_kek(encoded)
    except InvalidKeyError as exc:
        raise KekError(exc.message) from None


def encode_kek(key: bytes) -> str:
    """The base64url form (no padding) used in ``OBHUB_KEK`` and in the generated key file."""
    return keywrap.format_kek(key)


class UnverifiableConfigurationError(ValueError):
    """The configuration would make the service mint credentials nobody can verify."""


class Settings(BaseSettings):
    """Every setting of the service. Environment variables carry the ``OBHUB_`` prefix.

    List values (``OBHUB_FETCH_ALLOWLIST``) are given either as a JSON array or as a
    comma-separated string.
    """

    model_config = SettingsConfigDict(
        env_prefix="OBHUB_",
        extra="forbid",
        frozen=True,
        # Validation errors must not echo a malformed key or a URL with its password.
        hide_input_in_errors=True,
    )

    database_url: str | None = Field(default=None, repr=False)
    """SQLAlchemy URL. ``None``: an SQLite file ``obhub.sqlite3`` in :attr:`data_dir`.
    Hidden from ``repr`` because it may carry a password."""

    data_dir: Path = Path("var")
    """Directory for the embedded database and the generated key-encryption key."""

    public_base_url: AnyHttpUrl | None = None
    """Public origin of the service, used to build the URLs it publishes (issuer profiles,
    status lists) and its did:web identity. Must be ``https``: a did:web resolves over
    https only (see :func:`check_mintable`). ``None`` until a deployment sets it."""

    local_base_url: AnyHttpUrl = AnyHttpUrl(DEFAULT_LOCAL_BASE_URL)
    """Where the service answers when no public base URL is set (local development): the
    origin of the URLs minted outside a request (background jobs). ``obhub serve`` sets it
    from ``--host``/``--port``; a separate ``obhub worker`` must be given the same."""

    kek: SecretStr | None = None
    """Key-encryption key protecting issuers' private keys at rest: 32 bytes in base64url."""

    kek_file: Path | None = None
    """A file holding the key-encryption key (same encoding), e.g. a mounted secret.
    If neither ``kek`` nor ``kek_file`` is set, one is generated in ``data_dir/kek``
    (mode 0600) on first start; see :meth:`load_or_create_kek`."""

    tls_cert_file: Path | None = None
    """PEM certificate (chain) ``obhub serve`` presents when it serves HTTPS itself, for
    deployments without a TLS-terminating reverse proxy. Set with :attr:`tls_key_file`."""

    tls_key_file: Path | None = Field(default=None, repr=False)
    """PEM private key matching :attr:`tls_cert_file`."""

    log_level: LogLevel = "INFO"

    trusted_proxies: str = Field(default="127.0.0.1", max_length=2000)
    """Addresses (comma-separated IPs or CIDRs, or ``*``) of the reverse proxies whose
    ``X-Forwarded-For`` / ``X-Forwarded-Proto`` ``obhub serve`` believes: the client
    address of rate limits and the https scheme of cookies come from them."""

    max_body_bytes: PositiveInt = 2 * 1024 * 1024
    """Largest accepted request body (declared or streamed); larger ones get a 413."""

    fetch_allowlist: Annotated[list[str], NoDecode] = Field(default_factory=list)
    """Host names and IP networks (CIDR) the SSRF-safe fetcher may reach even though
    they are private or local. Empty by default: only public addresses are fetched."""

    verify_deadline_seconds: Annotated[float, Field(gt=0, le=120)] = 10.0
    """Time budget of one verification's fetches (``POST /verify``), all documents
    together: each is fetched at most once per verification; past the budget the checks
    that need a document not fetched yet are "could not be checked"."""

    fetch_max_concurrency: Annotated[int, Field(ge=1, le=1000)] = 24
    """Outbound fetches in flight at once in the process (all hosts)."""

    fetch_max_per_host: Annotated[int, Field(ge=1, le=100)] = 4
    """Outbound fetches in flight at once to one host: a slow host cannot hold more."""

    default_language: Literal["fr", "en"] = "fr"
    """Language of error messages when ``Accept-Language`` names none we support."""
    access_token_ttl_seconds: PositiveInt = 900
    """Lifetime of OAuth access tokens (short-lived: 15 minutes by default)."""
    ob_access_token_ttl_seconds: PositiveInt = 3600
    """Lifetime of the access tokens of the Open Badges 3.0 API (the spec recommends 3600)."""
    ob_refresh_token_ttl_seconds: PositiveInt = 30 * 24 * 3600
    """Lifetime of a refresh token of the OB 3.0 API (each use replaces it: rotation)."""

    sign_up_links_per_hour: PositiveInt = 200
    """Sign-in links sent to addresses no learner holds, at most, per hour for the whole
    hub (beyond: nothing is sent, a warning is logged): asking for a link cannot be turned
    into a way to send mail to any address in bulk."""

    database_pool_size: PositiveInt = 20
    """PostgreSQL connections each API process keeps open (half as many again are opened
    on demand, then closed). Size ``max_connections`` of the server for every process:
    uvicorn workers, ``obhub worker`` processes. Fewer than the requests a process has in
    flight, and connections are opened and closed all the time (a server process each,
    statements never prepared)."""

    oauth_registrations_per_hour: PositiveInt = 10
    """Client registrations (``POST /oauth/register``, open as the OB 3.0 API requires)
    one client address may ask for per hour (an IPv6 address counts with its /64)."""

    run_jobs_in_process: bool | None = None
    """Run background jobs (verifying deliveries, minting, notifications) inside the API
    process. ``None``: yes on SQLite (the embedded default), no on PostgreSQL, where
    ``obhub worker`` processes do the work."""
    worker_concurrency: PositiveInt = 4
    """Jobs one worker process runs at once."""
    job_lease_seconds: PositiveInt = 300
    """Embedded engine: a claimed job whose process died is taken again after this; either
    engine: how long a batch of the inbox holds its deliveries (renewed while it runs)."""
    worker_stalled_after_seconds: PositiveInt = 30
    """Distributed engine: jobs of a worker silent (no heartbeat) for this long are
    handed back to the queue."""
    worker_heartbeat_seconds: PositiveInt = 10
    """Distributed engine: how often a worker proves it is alive."""
    cascade_policy: CascadePolicy = "suspend"
    """What happens to a regional badge whose partner badges no longer support it (one
    was revoked, suspended or expired): suspended until support returns (default),
    revoked for good, or kept (the change is only recorded)."""
    job_retry_backoff_seconds: NonNegativeInt = 2
    """First wait before a failed job is retried; doubled at each further attempt."""

    smtp_url: SecretStr | None = None
    """Where emails are sent: ``smtp://user:password@host:587`` (STARTTLS, required when
    a user is given), ``smtps://user:password@host:465`` (implicit TLS) or
    ``smtp://host:25`` (no authentication). ``None`` (the embedded default): each
    message is written as an ``.eml`` file under ``data_dir/outbox/``. Secret: it
    carries a password."""
    smtp_ca_file: Path | None = None
    """PEM certificates to trust for the SMTP server (a private CA), besides the system's."""
    smtp_timeout_seconds: Annotated[float, Field(gt=0, le=300)] = 30.0
    """Time limit of one SMTP conversation; a slow server is tried again later."""
    mail_from: str | None = None
    """The ``From`` of every email (an address, optionally with a display name).
    ``None``: the Region's scheme name at ``ne-pas-repondre@localhost``."""

    # The Region's identity (issuer_api.region): the console's choice wins over these,
    # which win over the defaults (Région Normandie). Checked at start-up.
    region_file: Path | None = None
    """A YAML file of the identity: ``name``, ``scheme_name``, ``website``, ``logo``,
    ``primary_colour``, ``accent_colour``, ``footer`` (``{fr, en}``) or ``footer_fr`` and
    ``footer_en``, ``contact_email``. The ``OBHUB_REGION_*`` variables win over it."""
    region_name: str | None = None
    """The Region's name (e.g. "Région Bretagne"): issuer profile, emails."""
    region_scheme_name: str | None = None
    """The programme's name shown at the top of every page and email."""
    region_website: str | None = None
    """The Region's website (https)."""
    region_logo: str | None = None
    """The logo in the header: https address, site path (``/static/…``) or data: URI."""
    region_primary_colour: str | None = None
    """Links and buttons (``#rrggbb``, contrast at least 4.5:1 on white)."""
    region_accent_colour: str | None = None
    """The header's background, under white text (same rule)."""
    region_footer_fr: str | None = None
    """The footer text of pages and emails, in French."""
    region_footer_en: str | None = None
    """The footer text of pages and emails, in English."""
    region_contact_email: str | None = None
    """The address readers can write to (shown in the footer and emails)."""

    terms_of_service_url: AnyHttpUrl | None = None
    """The terms of service of the Open Badges API (its discovery document's
    ``termsOfService``). ``None``: the Region's website."""
    privacy_policy_url: AnyHttpUrl | None = None
    """The privacy policy of the Open Badges API (``x-imssf-privacyPolicyUrl``).
    ``None``: the Region's website."""

    oidc_issuer: AnyHttpUrl | None = None
    """The Region's identity provider for staff sign-in (OpenID Connect): its issuer URL,
    ``https`` (``http`` only for a host of :attr:`fetch_allowlist`, for local tests).
    Its discovery document is read at ``/.well-known/openid-configuration``. The provider
    is trusted: it may be on the intranet (a private address). ``None``: local staff
    accounts only."""
    oidc_client_id: str | None = None
    """The console's client id at the identity provider (set with :attr:`oidc_issuer`)."""
    oidc_client_secret: SecretStr | None = None
    """The console's client secret at the identity provider."""
    oidc_scopes: str = "openid email profile"
    """Scopes asked at sign-in (space separated; ``openid`` is always asked)."""

    @field_validator("log_level", mode="before")
    @classmethod
    def _upper_log_level(cls, value: object) -> object:
        return value.upper() if isinstance(value, str) else value

    @field_validator("fetch_allowlist", mode="before")
    @classmethod
    def _split_allowlist(cls, value: object) -> object:
        if not isinstance(value, str):
            return value
        text = value.strip()
        if text.startswith("["):
            return json.loads(text)
        return [item for item in (part.strip() for part in text.split(",")) if item]

    @field_validator("fetch_allowlist", mode="after")
    @classmethod
    def _check_allowlist(cls, entries: list[str]) -> list[str]:
        normalized = []
        for entry in entries:
            candidate = entry.strip().lower()
            try:
                normalized.append(str(ipaddress.ip_network(candidate, strict=False)))
            except ValueError:
                if not _HOSTNAME.fullmatch(candidate):
                    raise ValueError(
                        f"{entry!r} is neither a host name nor an IP network (CIDR)"
                    ) from None
                normalized.append(candidate)
        return normalized

    @field_validator("kek", mode="after")
    @classmethod
    def _check_kek(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None:
            decode_kek(value.get_secret_value())
        return value

    @field_validator("smtp_url", mode="after")
    @classmethod
    def _check_smtp_url(cls, value: SecretStr | None) -> SecretStr | None:
        if value is None or not value.get_secret_value().strip():
            return None
        from issuer_api.mail.smtp import parse_smtp_url  # noqa: PLC0415 - avoids a cycle

        parse_smtp_url(value.get_secret_value())  # raises ValueError, never echoing it
        return value

    @model_validator(mode="after")
    def _region_identity(self) -> Self:
        from issuer_api.region.store import configured_identity  # noqa: PLC0415 - a cycle

        configured_identity(self)  # raises ValueError naming the refused field
        return self

    @model_validator(mode="after")
    def _one_kek_source(self) -> Self:
        if self.kek is not None and self.kek_file is not None:
            raise ValueError("set OBHUB_KEK or OBHUB_KEK_FILE, not both")
        return self

    @model_validator(mode="after")
    def _tls_pair(self) -> Self:
        if (self.tls_cert_file is None) != (self.tls_key_file is None):
            raise ValueError("set OBHUB_TLS_CERT_FILE and OBHUB_TLS_KEY_FILE together")
        return self

    @model_validator(mode="after")
    def _oidc_complete(self) -> Self:
        values = (self.oidc_issuer, self.oidc_client_id, self.oidc_client_secret)
        if any(value is not None for value in values) and None in values:
            raise ValueError(
                "set OBHUB_OIDC_ISSUER, OBHUB_OIDC_CLIENT_ID and OBHUB_OIDC_CLIENT_SECRET together"
            )
        issuer = self.oidc_issuer
        if (
            issuer is not None
            and issuer.scheme != "https"
            and (issuer.host or "").lower() not in self.fetch_allowlist
        ):
            raise ValueError(
                "OBHUB_OIDC_ISSUER must be an https URL (http only for a host of "
                "OBHUB_FETCH_ALLOWLIST)"
            )
        return self

    @property
    def oidc_enabled(self) -> bool:
        """Whether staff may sign in through the Region's identity provider."""
        return self.oidc_issuer is not None

    @property
    def effective_database_url(self) -> str:
        """:attr:`database_url`, or the embedded SQLite file in :attr:`data_dir`.

        The SQLite file itself is created by the driver on first connection; the
        directory is created by :meth:`ensure_data_dir`.
        """
        if self.database_url is not None and self.database_url.strip():
            return self.database_url.strip()
        return f"sqlite:///{(self.data_dir / SQLITE_FILENAME).absolute()}"

    def ensure_data_dir(self) -> Path:
        """Create :attr:`data_dir` (mode 0700 when new) and return it."""
        self.data_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
        return self.data_dir

    def load_or_create_kek(self) -> bytes:
        """Return the 32-byte key-encryption key, generating it on first start if needed.

        Sources, in order: ``OBHUB_KEK``; ``OBHUB_KEK_FILE`` (which must exist);
        ``data_dir/kek``, created with mode 0600 from 32 random bytes when absent.
        Losing the generated file makes every stored private key unreadable: back it up
        with the data directory, or provide the key from a secret store instead.
        """
        if self.kek is not None:
            return decode_kek(self.kek.get_secret_value())
        if self.kek_file is not None:
            return _read_kek_file(self.kek_file)
        path = self.ensure_data_dir() / KEK_FILENAME
        if path.exists():
            return _read_kek_file(path)
        # Write a private temporary file, then link it into place: the key file appears
        # complete or not at all, and a concurrent first start keeps the winner's key.
        key = secrets.token_bytes(KEK_BYTES)
        tmp = path.with_name(f".{KEK_FILENAME}.{secrets.token_hex(8)}.tmp")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        try:
            with os.fdopen(fd, "w", encoding="ascii") as handle:
                handle.write(encode_kek(key) + "\n")
                handle.flush()
                os.fsync(handle.fileno())
            os.link(tmp, path)
        except FileExistsError:
            return _read_kek_file(path)
        finally:
            tmp.unlink(missing_ok=True)
        logger.warning("generated a new key-encryption key", extra={"path": str(path)})
        return key


def _read_kek_file(path: Path) -> bytes:
    try:
        mode = path.stat().st_mode
        text = path.read_text(encoding="ascii")
    except (OSError, UnicodeDecodeError) as exc:
        raise KekError(f"cannot read the key-encryption key file {path}") from exc
    if mode & (stat.S_IRWXG | stat.S_IRWXO):
        logger.warning(
            "the key-encryption key file is readable by other users", extra={"path": str(path)}
        )
    return decode_kek(text)


def check_mintable(settings: Settings) -> None:
    """Refuse a configuration under which the service would mint unverifiable credentials.

    A public base URL makes every issuer a did:web, and a did:web resolves over https
    only: an ``http:`` public base URL gives identities no verifier can resolve. Without
    a public base URL the issuers are did:key and the URLs are minted on
    :attr:`Settings.local_base_url`, which the service's own verifier reads locally.
    Raises :class:`UnverifiableConfigurationError` with a message for the operator.
    """
    base = settings.public_base_url
    if base is not None and base.scheme != "https":
        raise UnverifiableConfigurationError(
            f"OBHUB_PUBLIC_BASE_URL must be an https URL (got {base.scheme}://{base.host}): "
            "it becomes the issuers' did:web, which verifiers resolve over https only, so "
            "credentials issued under it could never be verified. Set the public https "
            "address of the service, or leave it unset for local development "
            "(did:key identities, URLs on the address obhub serve listens on). "
            "/ OBHUB_PUBLIC_BASE_URL doit être une URL https (did:web), ou rester non définie "
            "en développement local."
        )


def get_settings() -> Settings:
    """Build the settings from the current environment (never cached)."""
    return Settings()
