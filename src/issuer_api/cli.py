"""The ``obhub`` command line: a stable contract for operators and partner CI.

Exit codes (``obhub verify``): 0 valid, 1 invalid, 2 could not be checked,
64 usage error (bad arguments, unreadable input). Other commands exit 0 on
success and 64 on a usage or input error. Secrets are never printed except
where a command exists to hand one over once.
"""

from __future__ import annotations

import argparse
import json
import os
import ssl
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn
from urllib.parse import urlsplit

import uvicorn
import yaml

from obcore import baking, did, keywrap
from obcore.errors import ObcoreError, ResolutionError
from obcore.keys import KeyPair
from obcore.model import parse_datetime
from obcore.proofs import dataintegrity, vcjwt
from obcore.resolve import LocalResolver
from verify.cache import CachingSource, HttpCache
from verify.fetch import DEFAULT_PORTS, HttpFetcher, is_loopback_name
from verify.pipeline import VerifyOptions, verify
from verify.report import Check, Report
from verify.resolvers import network_options
from verify.sources import ACCEPT_BADGE, DocumentSource, Fetched

if TYPE_CHECKING:
    from issuer_api.settings import Settings

EXIT_OK = 0
EXIT_INVALID = 1
EXIT_INDETERMINATE = 2
EXIT_USAGE = 64


class UsageError(Exception):
    """Bad arguments or input: reported on stderr, exit code 64."""


def _fail(message: str) -> NoReturn:
    raise UsageError(message)


def _read_input(path: str) -> bytes:
    if path == "-":
        return sys.stdin.buffer.read()
    try:
        return Path(path).read_bytes()
    except OSError as exc:
        _fail(f"cannot read {path}: {exc.strerror}")


def _read_json(path: str) -> dict[str, Any]:
    try:
        value = json.loads(_read_input(path))
    except (ValueError, RecursionError):  # includes UnicodeDecodeError
        _fail(f"{path} is not valid JSON")
    if not isinstance(value, dict):
        _fail(f"{path} must hold a JSON object")
    return value


def _write_secret_file(path: Path, text: str) -> None:
    """Create ``path`` readable by its owner only (private key material)."""
    flags = os.O_WRONLY | os.O_CREAT | os.O_TRUNC
    try:
        fd = os.open(path, flags, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
        path.chmod(0o600)
    except OSError as exc:
        _fail(f"cannot write {path}: {exc.strerror}")


def _write_file(path: Path, data: bytes) -> None:
    try:
        path.write_bytes(data)
    except OSError as exc:
        _fail(f"cannot write {path}: {exc.strerror}")


# ---- keys -------------------------------------------------------------------


def cmd_keys_generate(args: argparse.Namespace) -> int:

    pair = KeyPair.generate(args.type)
    public = pair.public
    if args.controller:
        controller = args.controller
        vm_id = f"{controller}#{public.to_multibase() if pair.type != 'rsa' else 'key-1'}"
    elif pair.type == "rsa":
        controller = did.did_jwk_for(public)
        vm_id = f"{controller}#0"
    else:
        controller = did.did_key_for(public)
        vm_id = did.did_key_vm_id(public)
    pair = pair.with_ids(vm_id, controller)
    out = Path(args.out)
    if args.kek_file:
        sealed = keywrap.seal_keypair(pair, _kek(args.kek_file))
        _write_secret_file(out, json.dumps(sealed, indent=2) + "\n")
    else:
        _write_secret_file(out, pair.dumps() + "\n")
    print(
        json.dumps(
            {
                "type": pair.type,
                "controller": controller,
                "verificationMethod": vm_id,
                "publicKeyJwk": public.to_jwk(),
                "jwkThumbprint": public.thumbprint(),
                "file": str(out),
            },
            indent=2,
        )
    )
    return EXIT_OK


def _kek(kek_file: str | None) -> bytes:
    """The key-encryption key: from --kek-file, else the OBHUB_KEK environment variable."""
    if kek_file:
        text = _read_input(kek_file).decode("utf-8", errors="replace")
    elif os.environ.get("OBHUB_KEK"):
        text = os.environ["OBHUB_KEK"]
    else:
        _fail("this key file is encrypted: give --kek-file FILE or set OBHUB_KEK")
    try:
        return keywrap.parse_kek(text)
    except ObcoreError as exc:
        _fail(exc.message)


def _load_key(path: str, kek_file: str | None = None) -> KeyPair:
    try:
        data = _read_json(path)
        if keywrap.is_sealed(data):
            pair = keywrap.unseal_keypair(data, _kek(kek_file))
        else:
            pair = KeyPair.from_export(data)
    except ObcoreError as exc:
        _fail(f"{path}: {exc.message}")
    if pair.controller is None or pair.id is None:
        if pair.type == "rsa":
            controller = did.did_jwk_for(pair.public)
            pair = pair.with_ids(f"{controller}#0", controller)
        else:
            pair = pair.with_ids(did.did_key_vm_id(pair.public), did.did_key_for(pair.public))
    return pair


# ---- sign -------------------------------------------------------------------


def cmd_sign(args: argparse.Namespace) -> int:

    credential = _read_json(args.credential)
    if args.created is not None:
        if args.format != "di":
            _fail("--created applies to --format di only (a VC-JWT carries no proof.created)")
        try:
            parse_datetime(args.created)
        except ValueError:
            _fail(f"--created: {args.created!r} is not an ISO 8601 date-time")
    pair = _load_key(args.key, args.kek_file)
    if not args.keep_issuer:
        issuer = credential.get("issuer")
        if isinstance(issuer, dict):
            credential["issuer"] = {**issuer, "id": pair.controller}
        else:
            credential["issuer"] = pair.controller
    try:
        if args.format == "di":
            if pair.type != "ed25519":
                _fail(
                    "Data Integrity (eddsa-rdfc-2022) signing needs an Ed25519 key; "
                    "use --format jwt for P-256 or RSA keys"
                )
            if args.alg not in (None, "EdDSA"):
                _fail("--alg applies to --format jwt only")
            signed = dataintegrity.add_proof(credential, pair, created=args.created)
            sys.stdout.write(json.dumps(signed, indent=2, ensure_ascii=False) + "\n")
        else:
            if args.alg is not None and args.alg != pair.jws_alg:
                _fail(
                    f"--alg {args.alg} does not match the {pair.type} key "
                    f"(which signs {pair.jws_alg})"
                )
            sys.stdout.write(vcjwt.sign_vc_jwt(credential, pair, kid=pair.id) + "\n")
    except ObcoreError as exc:
        _fail(f"cannot sign: {exc.message} ({exc.code})")
    return EXIT_OK


# ---- verify -------------------------------------------------------------------


def _status_files(pairs: Sequence[str]) -> dict[str, Mapping[str, Any] | str]:
    mapping: dict[str, Mapping[str, Any] | str] = {}
    for item in pairs:
        url, sep, path = item.partition("=")
        if not sep or not url or not path:
            _fail("--status-list takes URL=FILE")
        raw = _read_input(path).decode("utf-8", errors="replace").strip()
        try:
            value = json.loads(raw)
        except ValueError:
            mapping[url] = raw  # a VC-JWT status list
            continue
        if not isinstance(value, dict):
            _fail(f"--status-list {path}: a status list credential is a JSON object or a JWT")
        mapping[url] = value
    return mapping


def _print_human(report: Any, lang: str) -> None:
    data = report.to_dict(lang, include_credential=False)
    summary = data.get("summary", {})
    marks = {"valid": "✔", "invalid": "✘", "indeterminate": "?", "skipped": "·"}
    print(data["message"])
    if summary.get("name"):
        issuer = summary.get("issuer", {})
        print(f"  {summary['name']} — {issuer.get('name') or issuer.get('id') or ''}")
    for check in data["checks"]:
        print(f"  {marks[check['status']]} {check['id']:<13} {check['message']}")
        if check.get("detail") and check["status"] in ("invalid", "indeterminate"):
            print(f"      {check['detail']}")


def _fetch_input(url: str, source: DocumentSource) -> bytes | Report:
    """The badge at ``url`` (JSON, JWT or baked image), through the SSRF-safe fetcher.

    A badge that cannot be downloaded could not be checked: an indeterminate
    report (exit code 2), not a usage error.
    """
    try:
        fetched = source.get(url, accept=ACCEPT_BADGE)
    except ResolutionError as exc:
        detail = f"cannot fetch {url}: {exc.message}"
        return Report("url", [Check("parse", "indeterminate", exc.code, detail, {"url": url})])
    if fetched.status != 200:
        detail = f"cannot fetch {url}: the server answered {fetched.status}"
        return Report(
            "url", [Check("parse", "indeterminate", "fetch_status", detail, {"url": url})]
        )
    return fetched.body


def _service_base(url: str) -> str:
    """``--service``: an http(s) origin, optionally with a path prefix, no trailing slash."""
    parts = urlsplit(url.strip())
    if (
        parts.scheme not in ("http", "https")
        or not parts.hostname
        or parts.username
        or parts.password
        or parts.query
        or parts.fragment
    ):
        _fail(f"--service: {url!r} is not the http(s) address of a running obhub")
    return f"{parts.scheme}://{parts.netloc.lower()}{parts.path.rstrip('/')}"


@dataclass(frozen=True)
class ServiceDocuments:
    """``obhub verify --service URL``: documents published under ``base`` (a running
    obhub, typically ``http://127.0.0.1:8000`` on a development machine) are fetched from
    it even though its address is a loopback or private one; every other URL keeps the
    SSRF guard untouched (the exception is for this origin, scheme, host and port, and
    path prefix only; a redirect elsewhere is fetched without it).

    On a loopback base, the other loopback names of the same port are the same service:
    a badge issued from a browser on ``http://localhost:8000`` names that host, and
    ``--service http://127.0.0.1:8000`` reads its documents all the same (from the base,
    never from the name in the badge)."""

    base: str
    fetcher: HttpFetcher

    @classmethod
    def at(cls, base: str) -> ServiceDocuments:
        host = urlsplit(base).hostname or ""
        return cls(base, HttpFetcher(allowlist=[host], origin=base))

    def _at_service(self, url: str) -> str | None:
        """Where the service serves ``url`` (``url`` itself, or its loopback alias at the
        base), or ``None`` if ``url`` is not the service's."""
        try:
            parts, base = urlsplit(url), urlsplit(self.base)
            port, base_port = parts.port, base.port
        except ValueError:
            return None
        if parts.username or parts.password:
            return None
        target = f"{parts.scheme.lower()}://{parts.netloc.lower()}{parts.path}"
        if target.startswith(self.base + "/"):
            return url
        aliased = (
            parts.scheme.lower() == base.scheme
            and is_loopback_name((parts.hostname or "").lower())
            and is_loopback_name(base.hostname or "")
            and (port or DEFAULT_PORTS.get(base.scheme))
            == (base_port or DEFAULT_PORTS.get(base.scheme))
        )
        if not aliased:
            return None
        at_base = f"{base.scheme}://{base.netloc}{parts.path}"
        if not at_base.startswith(self.base + "/"):
            return None
        return at_base + (f"?{parts.query}" if parts.query else "")

    def serves(self, url: str) -> bool:
        return self._at_service(url) is not None

    def get(self, url: str, *, accept: str = "application/json") -> Fetched | None:
        target = self._at_service(url)
        if target is None:
            return None
        fetched = self.fetcher.get(target, accept=accept)
        return fetched if target == url else replace(fetched, url=url)


@dataclass(frozen=True)
class _Fetching:
    """The service's documents as a :class:`~verify.sources.DocumentSource` (the badge
    given as a URL of the service)."""

    service: ServiceDocuments

    def get(self, url: str, *, accept: str = "application/json") -> Fetched:
        found = self.service.get(url, accept=accept)
        if found is None:
            raise ResolutionError(f"{url[:200]} is not the service's", code="fetch_forbidden")
        return found


def cmd_verify(args: argparse.Namespace) -> int:
    fetcher = HttpFetcher(allowlist=args.allow_host or [])
    service = ServiceDocuments.at(_service_base(args.service)) if args.service else None
    if args.input.startswith(("http://", "https://")):
        if args.offline:
            _fail("--offline cannot verify a URL; download the badge first")
        source: DocumentSource = fetcher
        if service is not None and service.serves(args.input):
            source = _Fetching(service)
        fetched = _fetch_input(args.input, source)
        if isinstance(fetched, Report):
            return _emit(fetched, args)
        data = fetched
    else:
        data = _read_input(args.input)
    now: datetime | None = None
    if args.now:
        try:
            now = parse_datetime(args.now)
        except ValueError:
            _fail(f"--now: {args.now!r} is not an ISO 8601 date-time")
    lists = _status_files(args.status_list or [])
    if args.offline:
        options = VerifyOptions(
            resolver=LocalResolver(allow_fragment_multikey=args.trust_fragment_keys),
            now=now,
            recipient=args.recipient,
            trust_fragment_keys=args.trust_fragment_keys,
        )
    else:
        options = network_options(
            source=CachingSource(fetcher, HttpCache()),
            trust_fragment_keys=args.trust_fragment_keys,
            recipient=args.recipient,
            now=now,
            local=service,
        )
    network_status = options.status_source

    def status_source(url: str) -> Mapping[str, Any] | str:
        if url in lists:
            return lists[url]
        if network_status is not None:
            return network_status(url)
        raise ResolutionError(
            f"no status list given for {url} (use --status-list URL=FILE)",
            code="status_not_checked",
        )

    if lists or network_status is not None:
        options = replace(options, status_source=status_source)
    return _emit(verify(data, options), args)


def _emit(report: Report, args: argparse.Namespace) -> int:
    """Print a report (JSON or plain words) and return the exit code of its verdict."""
    if args.json:
        print(json.dumps(report.to_dict(args.lang), indent=2, ensure_ascii=False))
    else:
        _print_human(report, args.lang)
    return {"valid": EXIT_OK, "invalid": EXIT_INVALID, "indeterminate": EXIT_INDETERMINATE}[
        report.verdict
    ]


# ---- bake / unbake --------------------------------------------------------------


def cmd_bake(args: argparse.Namespace) -> int:

    try:
        payload = _read_input(args.credential).decode("utf-8").strip()
    except UnicodeDecodeError:
        _fail(f"{args.credential} is not UTF-8 text (a JSON credential or a compact JWS)")
    try:
        baked = baking.bake(_read_input(args.image), payload)
    except ObcoreError as exc:
        _fail(f"cannot bake: {exc.message} ({exc.code})")
    _write_file(Path(args.out), baked)
    return EXIT_OK


def cmd_unbake(args: argparse.Namespace) -> int:

    try:
        unbaked = baking.unbake(_read_input(args.file))
    except ObcoreError as exc:
        _fail(f"cannot unbake: {exc.message} ({exc.code})")
    sys.stdout.write(unbaked.payload + "\n")
    return EXIT_OK


# ---- database and clients ---------------------------------------------------------


def _service_settings() -> Settings:
    """The settings from the environment, refused (exit 64, with the reason) when invalid
    or when they would mint credentials nobody can verify."""
    from pydantic import ValidationError  # noqa: PLC0415 - service commands only

    from issuer_api.settings import (  # noqa: PLC0415
        UnverifiableConfigurationError,
        check_mintable,
        get_settings,
    )

    try:
        settings = get_settings()
        check_mintable(settings)
    except ValidationError as exc:
        _fail(f"invalid configuration (OBHUB_* variables):\n{exc}")
    except UnverifiableConfigurationError as exc:
        _fail(str(exc))
    return settings


def cmd_migrate(args: argparse.Namespace) -> int:
    """Upgrade the schema, then create the Region issuer (first start; idempotent)."""
    _migrate(_service_settings(), demo=args.demo)
    return EXIT_OK


def _migrate(settings: Settings, *, demo: bool) -> None:
    import asyncio  # noqa: PLC0415 - database commands only

    from issuer_api.bootstrap import first_start  # noqa: PLC0415
    from issuer_api.migrate import migration_lock, upgrade  # noqa: PLC0415
    from issuer_api.region.store import configured_identity  # noqa: PLC0415
    from issuer_api.settings import KekError  # noqa: PLC0415

    settings.ensure_data_dir()
    with migration_lock(settings.effective_database_url):
        upgrade(settings.effective_database_url)
        print(
            f"database ready: {settings.effective_database_url.split('://', 1)[0]}",
            file=sys.stderr,
        )
        try:
            report = asyncio.run(first_start(settings, demo=demo))
        except KekError as exc:
            _fail(str(exc))
    identity = (
        "did:web" if report.did_web else "did:key (OBHUB_PUBLIC_BASE_URL non défini / not set)"
    )
    local_base = str(settings.local_base_url).rstrip("/")
    local = f"{local_base}/issuers/{report.region_slug}  (obhub serve)"
    lines = [
        f"{configured_identity(settings).name} : {report.region_did}",
        f"  identité / identity : {identity}",
        f"  profil / profile    : {report.region_profile_url if report.did_web else local}",
    ]
    if report.demo_issuers:
        lines.append(
            f"Démonstration / demo : émetteurs {', '.join(report.demo_issuers)}, "
            f"{report.demo_achievements} badge(s) créé(s) / achievement(s) created"
        )
    base = str(settings.public_base_url).rstrip("/") if settings.public_base_url else None
    lines += [
        "",
        "Démarrer le service / start the service :",
        "  obhub serve            (http://127.0.0.1:8000 par défaut / by default"
        + (f", public : {base})" if base else ")"),
        "Créer un client d'administration / create an administration client :",
        '  obhub clients create --name "Région - administration" --scope admin',
        "puis / then : POST /oauth/token (HTTP Basic client_id:client_secret)",
    ]
    print("\n".join(lines), file=sys.stderr)


async def _create_client(name: str, scopes: list[str], issuer_slug: str | None) -> Any:
    from sqlalchemy import select  # noqa: PLC0415 - database commands only

    from issuer_api.auth.service import create_client  # noqa: PLC0415
    from issuer_api.db import create_engine, session_factory, session_scope  # noqa: PLC0415
    from issuer_api.models import Issuer  # noqa: PLC0415
    from issuer_api.settings import get_settings  # noqa: PLC0415

    settings = get_settings()
    engine = create_engine(settings.effective_database_url)
    try:
        async with session_scope(session_factory(engine)) as session:
            issuer_id = None
            if issuer_slug:
                issuer = (
                    await session.execute(select(Issuer).where(Issuer.slug == issuer_slug))
                ).scalar_one_or_none()
                if issuer is None:
                    _fail(f"no issuer with slug {issuer_slug!r}")
                issuer_id = issuer.id
            return await create_client(session, name, scopes, issuer_id)
    finally:
        await engine.dispose()


def _database_error(exc: Exception) -> NoReturn:
    """Say why a database command failed: an unmigrated schema, or something else."""
    from sqlalchemy.exc import SQLAlchemyError  # noqa: PLC0415 - database commands only

    from issuer_api.migrate import database_is_migrated  # noqa: PLC0415
    from issuer_api.settings import get_settings  # noqa: PLC0415

    try:
        migrated = database_is_migrated(get_settings().effective_database_url)
    except SQLAlchemyError:
        migrated = True  # unreachable: the original error says more than "migrate"
    if not migrated:
        _fail("the database is not migrated: run `obhub migrate` first")
    _fail(f"the database refused the operation ({type(exc).__name__}); try again")


def cmd_clients_create(args: argparse.Namespace) -> int:
    import asyncio  # noqa: PLC0415 - database commands only

    from sqlalchemy.exc import OperationalError, ProgrammingError  # noqa: PLC0415

    from issuer_api.auth.service import UnknownScopeError  # noqa: PLC0415

    try:
        created = asyncio.run(_create_client(args.name, args.scope, args.issuer))
    except UnknownScopeError as exc:
        _fail(str(exc))
    except (OperationalError, ProgrammingError) as exc:
        _database_error(exc)
    if args.json:
        print(json.dumps({"client_id": created.client_id, "client_secret": created.client_secret}))
    else:
        print(f"client_id:     {created.client_id}")
        print(f"client_secret: {created.client_secret}")
        print(
            "Le secret n'est affiché qu'une fois : conservez-le. "
            "/ The secret is shown only once: keep it.",
            file=sys.stderr,
        )
    return EXIT_OK


def cmd_staff_create(args: argparse.Namespace) -> int:
    """A console account; its one-time password is printed once (to be replaced at the
    first sign-in, at /console/mot-de-passe)."""
    import asyncio  # noqa: PLC0415 - database commands only

    from sqlalchemy.exc import OperationalError, ProgrammingError  # noqa: PLC0415

    from issuer_api.accounts.signin import is_plausible_email  # noqa: PLC0415
    from issuer_api.staff.service import StaffExistsError  # noqa: PLC0415

    if not is_plausible_email(args.email.strip()):
        _fail("--email is not an email address")
    if args.region_account:
        from issuer_api.settings import get_settings  # noqa: PLC0415

        if not get_settings().oidc_enabled:
            _fail("--region-account needs OBHUB_OIDC_ISSUER (sign-in with the Region's account)")
    try:
        staff_id, password = asyncio.run(
            _create_staff(args.email, args.role, args.name, local=not args.region_account)
        )
    except StaffExistsError:
        _fail("a staff account with this email already exists")
    except (OperationalError, ProgrammingError) as exc:
        _database_error(exc)
    if args.json:
        print(
            json.dumps(
                {
                    "id": staff_id,
                    "email": args.email,
                    "role": args.role,
                    "password": password or None,
                }
            )
        )
    elif not password:
        print(f"email:    {args.email}")
        print(f"role:     {args.role}")
        print(
            "Connexion par le compte de la Région uniquement (même adresse e-mail), sur "
            "/console/connexion. / Sign-in with the Region's account only (same email "
            "address), on /console/connexion.",
            file=sys.stderr,
        )
    else:
        print(f"email:    {args.email}")
        print(f"role:     {args.role}")
        print(f"password: {password}")
        print(
            "Mot de passe à usage unique, affiché une seule fois : il devra être changé à la "
            "première connexion sur /console/connexion. / One-time password, shown once: it "
            "must be changed at the first sign-in on /console/connexion.",
            file=sys.stderr,
        )
    return EXIT_OK


async def _create_staff(
    email: str, role: str, name: str | None, *, local: bool = True
) -> tuple[str, str]:
    from issuer_api.db import create_engine, session_factory, session_scope  # noqa: PLC0415
    from issuer_api.settings import get_settings  # noqa: PLC0415
    from issuer_api.staff.service import create_member  # noqa: PLC0415

    settings = get_settings()
    kek = settings.load_or_create_kek()
    engine = create_engine(settings.effective_database_url)
    try:
        async with session_scope(session_factory(engine)) as session:
            created = await create_member(
                session, kek, email=email, role=role, display_name=name, by="cli", local=local
            )
            return created.member.id, created.password
    finally:
        await engine.dispose()


# ---- openapi -------------------------------------------------------------------


def openapi_yaml() -> str:
    """The OpenAPI document the service serves, as YAML (the committed openapi.yaml)."""
    from issuer_api.app import create_app  # noqa: PLC0415 - only this command needs the app

    document = create_app().openapi()
    return yaml.safe_dump(document, sort_keys=False, allow_unicode=True, width=100)


def cmd_openapi(args: argparse.Namespace) -> int:
    text = openapi_yaml()
    if args.out:
        _write_file(Path(args.out), text.encode("utf-8"))
    else:
        sys.stdout.write(text)
    return EXIT_OK


# ---- serve ---------------------------------------------------------------------


def _tls_files(args: argparse.Namespace) -> tuple[str, str] | None:
    """The certificate and key ``serve`` presents: options first, then the settings.

    Both or neither; the pair is loaded once here so that an unreadable file or a key
    that does not match the certificate is a usage error, not a server that dies later.
    """
    from issuer_api.settings import get_settings  # noqa: PLC0415

    cert: str | None = args.tls_cert
    key: str | None = args.tls_key
    if cert is None and key is None:
        try:
            settings = get_settings()
        except ValueError as exc:
            _fail(f"invalid settings: {exc}")
        if settings.tls_cert_file is not None and settings.tls_key_file is not None:
            cert, key = str(settings.tls_cert_file), str(settings.tls_key_file)
    if cert is None and key is None:
        return None
    if cert is None or key is None:
        _fail("--tls-cert and --tls-key go together: give both files or neither")
    for option, path in (("--tls-cert", cert), ("--tls-key", key)):
        try:
            Path(path).read_bytes()
        except OSError as exc:
            _fail(f"{option}: cannot read {path}: {exc.strerror}")
    try:
        ssl.create_default_context(ssl.Purpose.CLIENT_AUTH).load_cert_chain(cert, key)
    except ssl.SSLError as exc:
        _fail(f"--tls-cert/--tls-key: not a PEM certificate and its matching key ({exc.reason})")
    return cert, key


def listen_url(host: str, port: int, scheme: str = "http") -> str:
    """The address ``obhub serve --host --port`` answers on, as a base URL. A wildcard
    host (every interface) is reached on loopback from the machine itself."""
    name = host.strip().strip("[]")
    if name in ("", "0.0.0.0", "::"):  # noqa: S104 - naming the wildcard, not binding it
        name = "127.0.0.1"
    if ":" in name:
        name = f"[{name}]"
    return f"{scheme}://{name}:{port}"


def _require_migrated(settings: Settings) -> None:
    from sqlalchemy.exc import SQLAlchemyError  # noqa: PLC0415 - service commands only

    from issuer_api.migrate import database_is_migrated  # noqa: PLC0415

    settings.ensure_data_dir()
    try:
        migrated = database_is_migrated(settings.effective_database_url)
    except SQLAlchemyError as exc:
        _fail(f"cannot read the database: {type(exc).__name__}")
    if not migrated:
        _fail(
            "la base de données n'est pas migrée : lancez `obhub migrate` (ou `obhub serve "
            "--migrate`). / the database is not migrated: run `obhub migrate` first (or "
            "`obhub serve --migrate`)."
        )


def cmd_serve(args: argparse.Namespace) -> int:
    """Serve the API. Without a public base URL, the URLs minted outside a request (jobs)
    use the address served here (``OBHUB_LOCAL_BASE_URL`` unless already set)."""
    from issuer_api.server import BoundedHttpToolsProtocol  # noqa: PLC0415 - this command only

    tls = _tls_files(args)
    scheme = "https" if tls is not None else "http"
    if not os.environ.get("OBHUB_LOCAL_BASE_URL"):
        os.environ["OBHUB_LOCAL_BASE_URL"] = listen_url(args.host, args.port, scheme)
    settings = _service_settings()
    if args.migrate:
        _migrate(settings, demo=False)
    else:
        _require_migrated(settings)
    print(f"obhub : {scheme}://{args.host}:{args.port}  (/docs, /verifier)", file=sys.stderr)
    if settings.public_base_url is None:
        local = str(settings.local_base_url).rstrip("/")
        print(
            f"OBHUB_PUBLIC_BASE_URL n'est pas défini : les badges créés par les tâches portent "
            f"des URL en {local} (OBHUB_LOCAL_BASE_URL si le service est joint ailleurs, "
            "p. ex. docker -p 8080:8000) ; en production, définissez OBHUB_PUBLIC_BASE_URL. / "
            f"OBHUB_PUBLIC_BASE_URL is not set: credentials minted by jobs carry URLs on "
            f"{local} (set OBHUB_LOCAL_BASE_URL if the service is reached elsewhere, e.g. "
            "docker -p 8080:8000); production sets OBHUB_PUBLIC_BASE_URL.",
            file=sys.stderr,
        )
    uvicorn.run(
        "issuer_api.app:create_app",
        factory=True,
        host=args.host,
        port=args.port,
        log_config=None,  # the app configures JSON logging; no second log format
        access_log=False,  # the app logs one JSON line per request itself
        proxy_headers=True,
        forwarded_allow_ips=settings.trusted_proxies,
        ssl_certfile=tls[0] if tls is not None else None,
        ssl_keyfile=tls[1] if tls is not None else None,
        http=BoundedHttpToolsProtocol,  # httptools, with bounded request heads (431)
        # None: uvicorn reads WEB_CONCURRENCY, else 1. Each worker is a process of its own
        # (stateless: they share only the database), started and restarted by uvicorn.
        workers=args.workers,
    )
    return EXIT_OK


# ---- référentiel ----------------------------------------------------------------


def cmd_referential_check(args: argparse.Namespace) -> int:
    """Validate a référentiel file (YAML or JSON): 0 valid, 1 invalid, 64 unreadable."""
    from aggregation.check import check_text  # noqa: PLC0415 - this command only

    data = _read_input(args.file)
    report = check_text(data, "<stdin>" if args.file == "-" else args.file)
    if args.json:
        print(json.dumps(report.to_dict(), ensure_ascii=False, indent=2))
    else:
        from aggregation.check import format_report  # noqa: PLC0415

        stream = sys.stdout if report.ok else sys.stderr
        print("\n".join(format_report(report, args.lang)), file=stream)
    return EXIT_OK if report.ok else EXIT_INVALID


# ---- worker --------------------------------------------------------------------


async def _run_worker(concurrency: int | None) -> None:
    from issuer_api.db import create_engine, session_factory  # noqa: PLC0415
    from issuer_api.jobs.runtime import JobRuntime  # noqa: PLC0415
    from issuer_api.logs import configure_logging  # noqa: PLC0415 - worker only

    settings = _service_settings()
    _require_migrated(settings)
    if concurrency is not None:
        settings = settings.model_copy(update={"worker_concurrency": concurrency})
    configure_logging(settings.log_level)
    if settings.public_base_url is None and not os.environ.get("OBHUB_LOCAL_BASE_URL"):
        print(
            "OBHUB_PUBLIC_BASE_URL n'est pas défini : les badges créés ici portent des URL en "
            f"{settings.local_base_url} ; donnez OBHUB_LOCAL_BASE_URL si l'API écoute ailleurs. "
            "/ OBHUB_PUBLIC_BASE_URL is not set: credentials minted here carry URLs on "
            f"{settings.local_base_url}; set OBHUB_LOCAL_BASE_URL if the API listens elsewhere.",
            file=sys.stderr,
        )
    settings.ensure_data_dir()
    kek = settings.load_or_create_kek()
    engine = create_engine(settings.effective_database_url)
    try:
        runtime = JobRuntime(settings, session_factory(engine), kek)
        print(
            f"obhub worker {runtime.worker_id}: moteur / engine {runtime.engine}, "
            f"{settings.worker_concurrency} tâche(s) à la fois / job(s) at once",
            file=sys.stderr,
        )
        await runtime.run_forever()
    finally:
        await engine.dispose()


def cmd_outbox(args: argparse.Namespace) -> int:
    """List the emails written to the outbox (no SMTP configured): file, size, subject.
    Never the addresses: open a file to read it."""
    from issuer_api.mail import outbox  # noqa: PLC0415 - this command only
    from issuer_api.settings import get_settings  # noqa: PLC0415

    folder = outbox.folder(get_settings().data_dir)
    entries = outbox.entries(folder)
    if args.json:
        listed = [{"file": e.name, "size": e.size, "subject": e.subject} for e in entries]
        print(
            json.dumps({"folder": str(folder.absolute()), "messages": listed}, ensure_ascii=False)
        )
        return EXIT_OK
    if not entries:
        print(f"no email in {folder.absolute()}")
        return EXIT_OK
    print(f"{len(entries)} email(s) in {folder.absolute()}")
    for entry in entries:
        print(f"{entry.name}  {entry.size:>7}  {entry.subject}")
    return EXIT_OK


def cmd_worker(args: argparse.Namespace) -> int:
    """Run background jobs in the foreground until SIGINT/SIGTERM."""
    import asyncio  # noqa: PLC0415 - worker only

    from issuer_api.settings import KekError  # noqa: PLC0415

    if args.concurrency is not None and args.concurrency < 1:
        raise UsageError("--concurrency must be at least 1")
    try:
        asyncio.run(_run_worker(args.concurrency))
    except KekError as exc:
        _fail(str(exc))
    except KeyboardInterrupt:
        pass
    return EXIT_OK


# ---- parser --------------------------------------------------------------------


def _positive_int(value: str) -> int:
    """An argparse type: an integer of at least 1 (argparse turns the error into usage, 64)."""
    try:
        number = int(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not an integer: {value!r}") from None
    if number < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1: {number}")
    return number


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="obhub",
        description="obhub — Open Badges 3.0: signer, vérification, intégration "
        "(sign, verify and bake Open Badges 3.0 credentials).",
    )
    sub = parser.add_subparsers(dest="command", required=True)

    keys = sub.add_parser("keys", help="manage signing keys").add_subparsers(
        dest="keys_command", required=True
    )
    gen = keys.add_parser("generate", help="generate a key pair into a file (mode 0600)")
    gen.add_argument("--type", choices=["ed25519", "p256", "rsa"], default="ed25519")
    gen.add_argument("--out", required=True, help="KEY.json to write")
    gen.add_argument("--controller", help="controller id (default: the key's did:key/did:jwk)")
    gen.add_argument("--kek-file", help="encrypt the key file with this key-encryption key")
    gen.set_defaults(func=cmd_keys_generate)

    sign = sub.add_parser("sign", help="sign an unsigned credential (JSON or JWT on stdout)")
    sign.add_argument("credential", help="UNSIGNED.json or -")
    sign.add_argument("--key", required=True, help="KEY.json")
    sign.add_argument("--format", choices=["di", "jwt"], default="di")
    sign.add_argument("--alg", choices=["EdDSA", "ES256", "RS256"])
    sign.add_argument(
        "--keep-issuer",
        action="store_true",
        help="keep the issuer id instead of setting it to the key's DID",
    )
    sign.add_argument("--created", help="proof creation time (ISO 8601; default now)")
    sign.add_argument(
        "--kek-file",
        help="key-encryption key of an encrypted key file "
        "(default: the OBHUB_KEK environment variable)",
    )
    sign.set_defaults(func=cmd_sign)

    ver = sub.add_parser("verify", help="verify a credential (JSON, JWT, baked PNG/SVG)")
    ver.add_argument("input", help="FILE, - for standard input, or an https URL")
    ver.add_argument("--json", action="store_true", help="print the per-check report as JSON")
    ver.add_argument("--now", help="verify as of this ISO 8601 date-time")
    ver.add_argument("--recipient", help="check the badge belongs to this email or DID")
    ver.add_argument(
        "--status-list",
        action="append",
        metavar="URL=FILE",
        help="use FILE as the status list published at URL (repeatable)",
    )
    ver.add_argument(
        "--trust-fragment-keys",
        action="store_true",
        help="accept keys named in an https URL fragment (1EdTech convention)",
    )
    ver.add_argument(
        "--offline",
        action="store_true",
        help="fetch nothing: did:key/did:jwk keys and --status-list files only",
    )
    ver.add_argument(
        "--service",
        metavar="URL",
        help="a running obhub (e.g. http://127.0.0.1:8000): read the documents it publishes "
        "(status lists, DID documents) from it, even on a local address (on a loopback "
        "address, under any loopback name of the same port: localhost, 127.0.0.1, [::1])",
    )
    ver.add_argument(
        "--allow-host",
        action="append",
        metavar="HOST",
        help="let the fetcher reach this private host or network, http allowed (repeatable)",
    )
    ver.add_argument("--lang", choices=["fr", "en"], default="fr")
    ver.set_defaults(func=cmd_verify)

    bake = sub.add_parser("bake", help="embed a credential in a PNG or SVG image")
    bake.add_argument("credential", help="signed credential: JSON or compact JWS file")
    bake.add_argument("--image", required=True, help="PNG or SVG image")
    bake.add_argument("--out", required=True)
    bake.set_defaults(func=cmd_bake)

    unbake = sub.add_parser("unbake", help="print the credential baked in an image")
    unbake.add_argument("file")
    unbake.set_defaults(func=cmd_unbake)

    _add_service_commands(sub)
    return parser


def _add_service_commands(sub: Any) -> None:
    """Commands that run or administer the service (database, clients, OpenAPI, server)."""
    migrate = sub.add_parser(
        "migrate", help="create or upgrade the database schema, create the Region issuer"
    )
    migrate.add_argument(
        "--demo",
        action="store_true",
        help="also add two sample partner issuers and a few achievements",
    )
    migrate.set_defaults(func=cmd_migrate)

    clients = sub.add_parser("clients", help="manage API clients").add_subparsers(
        dest="clients_command", required=True
    )
    create = clients.add_parser("create", help="create an OAuth client (secret printed once)")
    create.add_argument("--name", required=True)
    create.add_argument(
        "--scope",
        action="append",
        required=True,
        help="admin, issue, status, read, achievements, deliver (repeatable)",
    )
    create.add_argument("--issuer", help="slug of the issuer a partner client acts for")
    create.add_argument(
        "--json", action="store_true", help='print {"client_id", "client_secret"} as JSON'
    )
    create.set_defaults(func=cmd_clients_create)

    staff = sub.add_parser("staff", help="manage the Region's staff accounts").add_subparsers(
        dest="staff_command", required=True
    )
    staff_create = staff.add_parser(
        "create", help="create a console account (a one-time password is printed once)"
    )
    staff_create.add_argument("--email", required=True)
    staff_create.add_argument(
        "--role",
        required=True,
        choices=["administrator", "referential_editor", "partner_manager", "read_only"],
    )
    staff_create.add_argument("--name", help="the name shown in the console")
    staff_create.add_argument(
        "--region-account",
        action="store_true",
        help="no password: the member signs in with the Region's account only (OpenID Connect)",
    )
    staff_create.add_argument(
        "--json", action="store_true", help='print {"id", "email", "role", "password"} as JSON'
    )
    staff_create.set_defaults(func=cmd_staff_create)

    openapi = sub.add_parser("openapi", help="print the service's OpenAPI document (YAML)")
    openapi.add_argument("--out", help="write to this file instead of standard output")
    openapi.set_defaults(func=cmd_openapi)

    serve = sub.add_parser("serve", help="start the HTTP service")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8000)
    serve.add_argument(
        "--tls-cert",
        metavar="FILE",
        help="serve HTTPS with this PEM certificate (default: OBHUB_TLS_CERT_FILE)",
    )
    serve.add_argument(
        "--tls-key",
        metavar="FILE",
        help="PEM private key of --tls-cert (default: OBHUB_TLS_KEY_FILE)",
    )
    serve.add_argument(
        "--workers",
        type=_positive_int,
        metavar="N",
        help="worker processes serving requests (default: WEB_CONCURRENCY, else 1)",
    )
    serve.add_argument(
        "--migrate",
        action="store_true",
        help="migrate the database (and create the Region issuer) first, as `obhub migrate`",
    )
    serve.set_defaults(func=cmd_serve)

    referential = sub.add_parser(
        "referential", help="work with référentiel files (regional badges and their rules)"
    ).add_subparsers(dest="referential_command", required=True, metavar="COMMAND")
    check = referential.add_parser(
        "check", help="validate a référentiel file (YAML or JSON); exit 0 valid, 1 invalid"
    )
    check.add_argument("file", help="the file, or - for standard input")
    check.add_argument("--json", action="store_true", help="print the issues as JSON")
    check.add_argument("--lang", choices=["fr", "en"], default="fr")
    check.set_defaults(func=cmd_referential_check)

    outbox_cmd = sub.add_parser(
        "outbox", help="list the emails written to the outbox (when no SMTP is configured)"
    )
    outbox_cmd.add_argument("--json", action="store_true", help="print JSON")
    outbox_cmd.set_defaults(func=cmd_outbox)

    worker = sub.add_parser(
        "worker",
        help="run background jobs (verifying deliveries, minting, notifications); "
        "start as many as needed, on any machine, with PostgreSQL",
    )
    worker.add_argument("--concurrency", type=int, help="jobs run at once (default 4)")
    worker.set_defaults(func=cmd_worker)


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # argparse exits 2 on usage errors; the contract says 64
        return EXIT_USAGE if exc.code not in (0, None) else EXIT_OK
    try:
        code: int = args.func(args)
    except UsageError as exc:
        print(f"obhub: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except BrokenPipeError:  # e.g. `obhub verify --json … | head`
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return EXIT_OK
    return code


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
