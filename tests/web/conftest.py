"""Fixtures of the ``/verifier`` page tests: badges, and for the ``e2e`` tests a real
server (``obhub serve`` in a subprocess) driven by headless Chromium.

The browser is Debian's ``chromium`` (``/usr/bin/chromium``), driven by
``playwright-core`` from ``tests/web/e2e`` (copied to ``.cache/web-e2e`` and installed
there with ``npm ci``, as the interop harness is). When Chromium is missing the setup
installs it with ``apt-get install -y chromium`` if it runs as root with apt-get
available (CI does); otherwise the e2e tests FAIL with the reason. They never skip.
"""

from __future__ import annotations

import copy
import fcntl
import json
import os
import shutil
import struct
import subprocess
import zlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import create_engine, func, select, update
from sqlalchemy.orm import Session

import node_harness
from aggregation.images import achievement_svg, svg_data_uri
from aggregation.referential import parse_referential
from issuer_api.models.ingest import Learner
from issuer_api.models.regional import ReferentialVersion, RegionalAward
from issuer_api.settings import SQLITE_FILENAME
from obcore import baking
from servers import obhub_command, obhub_serve

REPO_ROOT = Path(__file__).resolve().parents[2]
VECTORS = REPO_ROOT / "tests" / "fixtures" / "vectors"
VALID = VECTORS / "dcc-v2-di-didkey-basicOBv3.json"
TAMPERED = VECTORS / "derived-dcc-v2-di-basicOBv3-TAMPERED-achievement-name.json"

HARNESS_SOURCE = Path(__file__).parent / "e2e"
HARNESS_CACHE = REPO_ROOT / ".cache" / "web-e2e"
APT_TIMEOUT_S = 900
BROWSER_TIMEOUT_S = 180
SERVER_START_TIMEOUT_S = 30
CHROMIUM_CANDIDATES = ("/usr/bin/chromium", "/usr/bin/chromium-browser")

XSS = {
    "name": "<script>window.__pwned='name'</script>Badge <b>gras</b>",
    "description": "<img src=x onerror=\"window.__pwned='description'\">",
    "narrative": '"><svg onload="window.__pwned=\'narrative\'"></svg>',
    "issuer": "</dd><script>window.__pwned='issuer'</script>Émetteur & Cie",
}


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        "e2e: drives the /verifier page in headless Chromium against a real server "
        "(needs node, npm and Debian's chromium, installed by the test setup)",
    )


# --------------------------------------------------------------------------- badges


def tiny_png(size: int = 64) -> bytes:
    """A ``size``x``size`` RGB PNG (a blue disc with a white ring), built here."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
        )

    rows = bytearray()
    centre = (size - 1) / 2
    for y in range(size):
        rows.append(0)
        for x in range(size):
            distance = ((x - centre) ** 2 + (y - centre) ** 2) ** 0.5 / (size / 2)
            if distance < 0.72:
                rows += bytes((11, 79, 138))
            elif distance < 0.86:
                rows += bytes((255, 255, 255))
            elif distance < 1.0:
                rows += bytes((194, 65, 12))
            else:
                rows += bytes((244, 246, 249))
    header = struct.pack(">IIBBBBB", size, size, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(bytes(rows)))
        + chunk(b"IEND", b"")
    )


def hostile_badge() -> dict[str, Any]:
    """The valid vector with markup and script addresses everywhere a person reads.

    The signature no longer matches (the verdict is invalid) but the summary, which
    the page shows, is built from all of it.
    """
    badge: dict[str, Any] = copy.deepcopy(json.loads(VALID.read_text(encoding="utf-8")))
    badge["name"] = XSS["name"]
    badge["description"] = XSS["description"]
    badge["image"] = {"id": "javascript:window.__pwned='image'", "type": "Image"}
    issuer = badge["issuer"] if isinstance(badge["issuer"], dict) else {"id": badge["issuer"]}
    issuer["name"] = XSS["issuer"]
    issuer["url"] = "javascript:window.__pwned='url'"
    issuer["image"] = {"id": "data:text/html,<script>window.__pwned='logo'</script>"}
    badge["issuer"] = issuer
    subject = badge["credentialSubject"]
    subject["achievement"]["criteria"] = {"narrative": XSS["narrative"]}
    subject["identifier"] = [
        {
            "type": "IdentityObject",
            "identityHash": "sha256$" + "0" * 64,
            "identityType": "emailAddress",
            "hashed": True,
            "salt": "pepper",
        }
    ]
    return badge


@pytest.fixture(scope="session")
def baked_png(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("web-badges") / "badge.png"
    path.write_bytes(baking.bake(tiny_png(), VALID.read_text(encoding="utf-8")))
    return path


# --------------------------------------------------------------------------- chromium


def _chromium_path() -> str | None:
    for candidate in CHROMIUM_CANDIDATES:
        if os.access(candidate, os.X_OK):
            return candidate
    return shutil.which("chromium")


def _apt_get(apt: str, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    try:
        return subprocess.run(  # noqa: S603 - apt-get from PATH with fixed arguments
            [apt, *args],
            capture_output=True,
            text=True,
            env=env,
            timeout=APT_TIMEOUT_S,
            check=False,
        )
    except subprocess.TimeoutExpired:
        pytest.fail(f"`apt-get {' '.join(args)}` timed out after {APT_TIMEOUT_S}s", pytrace=False)


def ensure_chromium() -> str:
    """Debian's Chromium, installed with apt-get when missing (root only), else FAIL."""
    found = _chromium_path()
    if found:
        return found
    apt = shutil.which("apt-get")
    if apt is None or os.geteuid() != 0:
        pytest.fail(
            "the /verifier end-to-end tests need Debian's Chromium (/usr/bin/chromium): "
            "install it with `apt-get install -y chromium` (the test setup does it itself "
            "only when running as root with apt-get available). These tests are part of CI "
            "and are never skipped.",
            pytrace=False,
        )
    lock_path = REPO_ROOT / ".cache" / "chromium-install.lock"
    lock_path.parent.mkdir(parents=True, exist_ok=True)
    with lock_path.open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            if _chromium_path() is None:
                proc = _apt_get(apt, "install", "-y", "-q", "chromium")
                if proc.returncode != 0:  # stale or empty package lists: refresh once
                    _apt_get(apt, "update", "-q")
                    proc = _apt_get(apt, "install", "-y", "-q", "chromium")
                if proc.returncode != 0:
                    pytest.fail(
                        f"`apt-get install -y chromium` failed (exit {proc.returncode}):\n"
                        f"{proc.stdout[-3000:]}\n{proc.stderr[-3000:]}",
                        pytrace=False,
                    )
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)
    found = _chromium_path()
    if found is None:
        pytest.fail("apt-get installed chromium but /usr/bin/chromium is missing", pytrace=False)
    return found


# --------------------------------------------------------------------------- playwright-core


@pytest.fixture(scope="session")
def e2e_harness() -> Path:
    """``tests/web/e2e`` installed in ``.cache/web-e2e`` (``npm ci``), ready to run."""
    node_harness.install(HARNESS_SOURCE, HARNESS_CACHE, "the /verifier end-to-end tests")
    return HARNESS_CACHE


# --------------------------------------------------------------------------- live server


@pytest.fixture(scope="session")
def live_env(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """The environment of the live server and of the ``obhub`` commands that seed it: its
    own data directory and nothing else (no fetch allow-list: the server reads the status
    lists of the badges it issued, at ``http://127.0.0.1:…``, from its own database)."""
    workdir = tmp_path_factory.mktemp("web-server")
    env = {k: v for k, v in os.environ.items() if not k.startswith("OBHUB_")}
    env["OBHUB_DATA_DIR"] = str(workdir / "data")
    return env


@pytest.fixture(scope="session")
def live_server(live_env: dict[str, str]) -> Iterator[str]:
    """``obhub serve`` on a free port with its own data directory; yields the base URL.

    The database is migrated first (``obhub migrate``: schema and the Region issuer).
    """
    workdir = Path(live_env["OBHUB_DATA_DIR"]).parent
    _obhub(live_env, "migrate")
    with obhub_serve(log_path=workdir / "server.log", env=live_env, cwd=workdir) as server:
        answer = server.wait_until_answering(
            "/verifier", SERVER_START_TIMEOUT_S, accept=lambda page: page.status_code == 200
        )
        if answer is None:
            reason = (
                f"exited with {server.process.returncode}"
                if server.process.poll() is not None
                else f"did not answer within {SERVER_START_TIMEOUT_S}s"
            )
            pytest.fail(f"obhub serve {reason}:\n{server.log()}", pytrace=False)
        yield server.base_url


# --------------------------------------------------------------------------- browser run


@pytest.fixture(scope="session")
def browser_run(
    e2e_harness: Path,
    live_server: str,
    baked_png: Path,
    seeded_badges: dict[str, str],
    tmp_path_factory: pytest.TempPathFactory,
) -> dict[str, Any]:
    """Every scenario of ``e2e/run.mjs`` in one Chromium; ``{scenario: observations}``.

    Screenshots are written to ``out_dir`` (``browser_run["out_dir"]``).
    """
    chromium = ensure_chromium()
    node = node_harness.require("node", "the /verifier end-to-end tests")
    out_dir = tmp_path_factory.mktemp("web-e2e")
    xss_path = out_dir / "hostile-badge.json"
    xss_path.write_text(json.dumps(hostile_badge(), ensure_ascii=False), encoding="utf-8")
    config = {
        "baseUrl": live_server,
        "chromium": chromium,
        "outDir": str(out_dir),
        "valid": str(VALID),
        "baked": str(baked_png),
        "xss": str(xss_path),
        "badges": seeded_badges,
    }
    config_path = out_dir / "config.json"
    config_path.write_text(json.dumps(config), encoding="utf-8")
    try:
        proc = subprocess.run(  # noqa: S603 - node from PATH, our script
            [node, str(e2e_harness / "run.mjs"), str(config_path)],
            cwd=e2e_harness,
            capture_output=True,
            text=True,
            timeout=BROWSER_TIMEOUT_S,
            check=False,
        )
    except subprocess.TimeoutExpired:
        pytest.fail(f"the browser run timed out after {BROWSER_TIMEOUT_S}s", pytrace=False)
    if proc.returncode != 0:
        pytest.fail(
            f"e2e/run.mjs failed (exit {proc.returncode}):\n{proc.stdout}\n{proc.stderr}",
            pytrace=False,
        )
    results: dict[str, Any] = json.loads(proc.stdout)
    results["out_dir"] = str(out_dir)
    return results


# --------------------------------------------------------------------------- badge pages


def regional_document() -> dict[str, Any]:
    """A small référentiel (one competency, two levels, one regional badge), as stored in
    ``ReferentialVersion.document``."""
    return {
        "code": "normandie",
        "version": "2026.1",
        "name": {
            "fr": "Badges régionaux — Région Normandie",
            "en": "Regional badges — Région Normandie",
        },
        "levels": [
            {"code": "I", "rank": 1, "name": {"fr": "Je pratique", "en": "I practise"}},
            {"code": "II", "rank": 2, "name": {"fr": "Je maîtrise", "en": "I master"}},
        ],
        "competencies": [
            {
                "code": "ORG",
                "uri": "https://badges.normandie.fr/referentiel/competences/organiser",
                "name": {"fr": "Organiser", "en": "Organising"},
            }
        ],
        "achievements": [
            {
                "code": "ORG-II",
                "competency": "ORG",
                "level": "II",
                "name": {"fr": "Organiser — Je maîtrise", "en": "Organising — I master"},
                "description": {
                    "fr": "La personne organise son activité en autonomie.",
                    "en": "The person organises their work autonomously.",
                },
                "criteria": {
                    "fr": "Au moins 3 badges partenaires reconnus dans la compétence.",
                    "en": "At least 3 recognised partner badges in the competency.",
                },
                "rule": {"badges": {"competency": "ORG", "min_count": 3}},
            }
        ],
    }


PARTNER_EVIDENCE = [
    {
        "id": "urn:uuid:6f1c2b9e-0a4d-4c3e-9b8a-1d2e3f4a5b6c",
        "credential_id": "7a0c7b8e-1f2a-4b3c-8d9e-0f1a2b3c4d5e",
        "issuer": "did:web:campus.example.fr",
        "digest": "sha256:" + "ab" * 32,
        "name": "Gestion de projet — niveau avancé",
    },
    {
        "id": "https://afpa.example.fr/badges/123",
        "credential_id": "8b1d8c9f-2a3b-4c4d-9e0f-1a2b3c4d5e6f",
        "issuer": "did:web:afpa.example.fr",
        "digest": "sha256:" + "cd" * 32,
    },
]


def _obhub(env: dict[str, str], *args: str) -> str:
    """Run ``obhub ARGS`` with ``env``; its standard output (FAIL on a non-zero exit)."""
    proc = subprocess.run(  # noqa: S603 - our own entry point, fixed arguments
        [*obhub_command(), *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=SERVER_START_TIMEOUT_S * 4,
        check=False,
    )
    if proc.returncode != 0:
        pytest.fail(
            f"obhub {' '.join(args)} exited with {proc.returncode}:\n{proc.stderr[-3000:]}",
            pytrace=False,
        )
    return proc.stdout


def _add_award(env: dict[str, str], credential_id: str) -> None:
    """What the minting job writes for a regional badge: référentiel version, learner,
    award with its partner badges (straight into the live server's SQLite file)."""
    document = regional_document()
    database = Path(env["OBHUB_DATA_DIR"]) / SQLITE_FILENAME
    engine = create_engine(f"sqlite:///{database}")
    try:
        with Session(engine) as session, session.begin():
            learner = Learner()
            # `obhub migrate` loaded the shipped référentiel as version 1: this one
            # replaces it, as `PUT /referential` would.
            session.execute(update(ReferentialVersion).values(active=False))
            number = session.scalar(select(func.max(ReferentialVersion.number))) or 0
            version = ReferentialVersion(
                number=number + 1,
                code=document["code"],
                version=document["version"],
                digest=parse_referential(document).digest(),
                document=document,
                active=True,
            )
            session.add_all([learner, version])
            session.flush()
            session.add(
                RegionalAward(
                    learner_id=learner.id,
                    achievement_code="ORG-II",
                    credential_id=credential_id,
                    referential_version_id=version.id,
                    evidence=PARTNER_EVIDENCE,
                )
            )
    finally:
        engine.dispose()


@pytest.fixture(scope="session")
def seeded_badges(live_server: str, live_env: dict[str, str]) -> dict[str, str]:
    """Badges issued by the live server for the badge-page scenarios, by role:
    ``regional`` (valid, with its award, référentiel version and partner badges) and
    ``revoked``. Issued through the HTTP API with an admin client made by ``obhub``."""
    created = json.loads(
        _obhub(live_env, "clients", "create", "--name", "e2e", "--scope", "admin", "--json")
    )
    with httpx.Client(base_url=live_server, timeout=30.0) as http:
        token = http.post(
            "/oauth/token",
            data={"grant_type": "client_credentials"},
            auth=(created["client_id"], created["client_secret"]),
        )
        assert token.status_code == 200, token.text
        headers = {"Authorization": f"Bearer {token.json()['access_token']}"}
        image = achievement_svg(parse_referential(regional_document()), "ORG-II")
        achievement = http.post(
            "/issuers/region/achievements",
            json={
                "name": "Organiser — Je maîtrise",
                "description": "La personne organise son activité en autonomie.",
                "criteria": {"narrative": "Au moins 3 badges partenaires reconnus."},
                "image": svg_data_uri(image),
            },
            headers=headers,
        )
        assert achievement.status_code == 201, achievement.text

        def issue() -> str:
            response = http.post(
                "/issuers/region/credentials",
                json={
                    "achievement_id": achievement.json()["id"],
                    "recipient": {"email": "camille.martin@example.fr"},
                },
                headers=headers,
            )
            assert response.status_code == 201, response.text
            credential_id: str = response.json()["id"]
            return credential_id

        regional, revoked = issue(), issue()
        response = http.post(
            f"/credentials/{revoked}/revoke", json={"reason": "Erreur"}, headers=headers
        )
        assert response.status_code == 200, response.text
    _add_award(live_env, regional)
    return {"regional": regional, "revoked": revoked}
