"""Every page audited in headless Chromium: axe-core (WCAG 2.1 AA), keyboard, 320 px.

One browser run (``audit_run``: ``e2e/audit.mjs``, every page of :data:`PAGES` in
each of its languages, in sequence) against ``obhub serve``; one test per page and
language asserts what the audit saw:

* no axe-core violation of the WCAG 2.0 / 2.1 A and AA rules;
* the page is in the language asked for (``<html lang>``, from Accept-Language);
* no horizontal scrolling on a 320 px wide screen;
* Tab from the top reaches the skip link first, then every stop is visible and shows
  where focus is;
* no console error, uncaught error or Content-Security-Policy violation (the CSP
  stays on: axe is injected by the driver, which the CSP does not govern).

Adding a page is one line in :data:`PAGES`: its path (``{regional}`` and ``{revoked}``
stand for badges the live server issued, see ``seeded_badges``), and
``needs_learner=True`` for a page of a signed-in learner (the audit then carries the
session cookie of a learner created in the live server's database).
"""

from __future__ import annotations

import asyncio
import json
import subprocess
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Final
from urllib.parse import urlencode

import pytest
from sqlalchemy import create_engine as create_sync_engine
from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

import node_harness
from aggregation.referential import default_referential
from issuer_api.accounts import sessions as learner_sessions
from issuer_api.accounts import signin
from issuer_api.db import create_engine, session_factory, session_scope
from issuer_api.learners import service as learners
from issuer_api.models import AchievementMapping, ApiClient, OAuthGrant, Partner
from issuer_api.models.ingest import Learner
from issuer_api.models.regional import ReferentialVersion, RegionalAward
from issuer_api.oauth import scopes as ob_scopes
from issuer_api.settings import SQLITE_FILENAME, Settings
from issuer_api.staff import service as staff_service
from issuer_api.staff import sessions as staff_sessions
from web.conftest import VALID, ensure_chromium

pytestmark = pytest.mark.e2e

AUDIT_TIMEOUT_S: Final = (
    900  # every page, both languages, one Chromium: minutes on a loaded machine
)
LANGUAGES: Final = ("fr", "en")


AUDIT_CLIENT: Final = "obc_accessibility_audit"
AUDIT_AUTHORIZE: Final = "/oauth/authorize?" + urlencode(
    {
        "response_type": "code",
        "client_id": AUDIT_CLIENT,
        "redirect_uri": "https://app.campus-caen.example/callback",
        "scope": " ".join(sorted(ob_scopes.ALL)),
        "state": "audit",
        "code_challenge": "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM",
        "code_challenge_method": "S256",
    }
)


@dataclass(frozen=True)
class AuditedPage:
    """A page to audit: ``path`` on the live server (``{regional}``, ``{revoked}``: ids
    of issued badges), whether it needs a signed-in learner, and optional browser
    steps before the audit (see ``e2e/audit.mjs``)."""

    name: str
    path: str
    needs_learner: bool = False
    javascript: bool = True
    steps: tuple[dict[str, str], ...] = ()
    wait_for: str | None = None
    languages: tuple[str, ...] = LANGUAGES
    skip_link: bool = True
    status: int = 200
    needs_staff: bool = False


PAGES: Final = (
    AuditedPage("home", "/"),
    AuditedPage("verifier", "/verifier"),
    AuditedPage("lms", "/developpeurs/lms"),
    AuditedPage(
        "verifier-result-no-js",
        "/verifier",
        javascript=False,
        steps=(
            {"fill": "#badge-text", "text": VALID.read_text(encoding="utf-8")},
            {"click": "#verify-button"},
        ),
    ),
    AuditedPage("badge", "/badges/{regional}"),
    AuditedPage("badge-revoked", "/badges/{revoked}"),
    AuditedPage("catalogue", "/badges-regionaux"),
    AuditedPage("catalogue-entry", "/badges-regionaux/ORG-II"),
    AuditedPage("catalogue-unknown", "/badges-regionaux/INCONNU", status=404),
    AuditedPage("catalogue-signed-in", "/badges-regionaux", needs_learner=True, languages=("fr",)),
    # Learners: sign-in (form, link sent, an unknown link), Mon espace and its pages.
    AuditedPage("sign-in", "/connexion"),
    AuditedPage(
        "sign-in-sent",
        "/connexion",
        steps=(
            {"fill": "#email", "text": "camille@example.fr"},
            {"click": "form.account-form button"},
        ),
    ),
    AuditedPage("sign-in-link", "/connexion/lien?jeton={link}"),
    AuditedPage("sign-in-link-unknown", "/connexion/lien?jeton=inconnu", status=400),
    AuditedPage("space", "/espace", needs_learner=True),
    AuditedPage("claim", "/espace/solliciter", needs_learner=True),
    AuditedPage(
        "claim-nothing-given",
        "/espace/solliciter",
        needs_learner=True,
        javascript=False,
        steps=({"click": "form.space-form button[type=submit]"},),
        status=400,
    ),
    AuditedPage(
        "claim-result",
        "/espace/solliciter",
        needs_learner=True,
        steps=(
            {"file": "#files", "path": str(VALID)},
            {"click": "form.space-form button[type=submit]"},
        ),
    ),
    AuditedPage("my-data", "/espace/donnees", needs_learner=True),
    AuditedPage("erase", "/espace/donnees/effacer", needs_learner=True),
    AuditedPage("preferences", "/espace/preferences", needs_learner=True),
    AuditedPage("authorised-applications", "/espace/applications", needs_learner=True),
    # The OB 3.0 API's consent page (an application registered for the audit).
    AuditedPage("oauth-consent", AUDIT_AUTHORIZE, needs_learner=True),
    AuditedPage("badge-holder", "/badges/{regional}", needs_learner=True, languages=("fr",)),
    AuditedPage("wallet", "/espace/portefeuille/{regional}", needs_learner=True),
    AuditedPage(
        "wallet-offer",
        "/espace/portefeuille/{regional}",
        needs_learner=True,
        steps=({"click": "form.wallet-form button[type=submit]"},),
    ),
    # The Region's console.
    AuditedPage("console-sign-in", "/console/connexion"),
    AuditedPage("console", "/console", needs_staff=True),
    AuditedPage("console-password", "/console/mot-de-passe", needs_staff=True),
    AuditedPage("console-mappings", "/console/correspondances", needs_staff=True),
    AuditedPage("console-referential", "/console/referentiel", needs_staff=True),
    AuditedPage("console-editor", "/console/referentiel/nouvelle-version", needs_staff=True),
    AuditedPage(
        "console-editor-unchanged",
        "/console/referentiel/nouvelle-version",
        needs_staff=True,
        javascript=False,
        steps=({"click": "form.editor button[value=simulate]"},),
        status=422,
    ),
    AuditedPage(
        "console-simulation",
        "/console/referentiel/seuils",
        needs_staff=True,
        steps=(
            {"fill": "form.thresholds input[type=number]", "text": "5"},
            {"click": "form.thresholds button[type=submit]"},
        ),
    ),
    AuditedPage("console-thresholds", "/console/referentiel/seuils", needs_staff=True),
    AuditedPage("console-insights", "/console/indicateurs", needs_staff=True),
    AuditedPage("console-identity", "/console/identite", needs_staff=True),
    AuditedPage("console-team", "/console/equipe", needs_staff=True),
    AuditedPage("console-team-new", "/console/equipe/nouveau", needs_staff=True),
    AuditedPage("console-partners", "/console/partenaires", needs_staff=True),
    AuditedPage("console-partner-new", "/console/partenaires/nouveau", needs_staff=True),
    AuditedPage("console-partner", "/console/partenaires/greta-rouen", needs_staff=True),
    AuditedPage(
        "console-partner-deliveries",
        "/console/partenaires/greta-rouen/livraisons",
        needs_staff=True,
    ),
    AuditedPage(
        "console-partner-suspend", "/console/partenaires/greta-rouen/suspendre", needs_staff=True
    ),
    # Swagger UI (English only), one operation open.
    AuditedPage(
        "docs",
        "/docs",
        wait_for=".opblock",
        steps=({"click": ".opblock-summary-control", "waitFor": ".opblock-body"},),
        languages=("en",),
    ),
)


# --------------------------------------------------------------------------- an application


@pytest.fixture(scope="session")
def authorised_application(live_env: dict[str, str], seeded_badges: dict[str, str]) -> None:
    """An application registered through the OB 3.0 API (:data:`AUDIT_CLIENT`), which the
    signed-in learner already authorised once (so "Applications autorisées" lists it)."""
    database = Path(live_env["OBHUB_DATA_DIR"]) / SQLITE_FILENAME
    engine = create_sync_engine(f"sqlite:///{database}")
    base = "https://app.campus-caen.example"
    try:
        with Session(engine) as db, db.begin():
            learner_id = db.scalar(
                select(RegionalAward.learner_id).where(
                    RegionalAward.credential_id == seeded_badges["regional"]
                )
            )
            assert learner_id is not None
            db.add(
                ApiClient(
                    id=AUDIT_CLIENT,
                    name="Carnet de compétences du Campus",
                    secret_hash="0" * 64,
                    scopes=sorted(ob_scopes.ALL),
                    registration={
                        "client_name": "Carnet de compétences du Campus",
                        "client_uri": f"{base}/",
                        "logo_uri": f"{base}/logo.png",
                        "tos_uri": f"{base}/cgu",
                        "policy_uri": f"{base}/confidentialite",
                        "redirect_uris": [f"{base}/callback"],
                        "scope": " ".join(sorted(ob_scopes.ALL)),
                    },
                )
            )
            db.flush()
            db.add(
                OAuthGrant(
                    client_id=AUDIT_CLIENT,
                    learner_id=learner_id,
                    scopes=[ob_scopes.CREDENTIAL_READONLY, ob_scopes.CREDENTIAL_UPSERT],
                )
            )
    finally:
        engine.dispose()


def audited(page: AuditedPage, lang: str) -> str:
    return f"{page.name}-{lang}"


CASES: Final = [
    pytest.param(page, lang, id=audited(page, lang)) for page in PAGES for lang in page.languages
]


# --------------------------------------------------------------------------- a learner


async def _open_learner_session(database: Path, kek: bytes, credential_id: str) -> tuple[str, str]:
    """A session of the learner who holds the regional badge ``credential_id``, and a
    sign-in link of theirs (its token)."""
    engine = create_engine(f"sqlite:///{database}")
    try:
        async with session_scope(session_factory(engine)) as db:
            learner_id = await db.scalar(
                select(RegionalAward.learner_id).where(RegionalAward.credential_id == credential_id)
            )
            assert learner_id is not None, "the seeded regional badge has no award"
            await learners.link_identifier(
                db, kek, learner_id, "email", "camille.martin@example.fr", now=datetime.now(UTC)
            )
            link = await signin.create_token(db, learner_id, None)
            return await learner_sessions.open_session(db, learner_id), link
    finally:
        await engine.dispose()


@pytest.fixture(scope="session")
def signed_in_learner(live_env: dict[str, str], seeded_badges: dict[str, str]) -> dict[str, str]:
    """The session cookie of the learner holding the seeded regional badge (opened with
    the app's own session factory and :func:`issuer_api.accounts.sessions.open_session`):
    Mon espace shows their partner badges, regional badge and progress."""
    database = Path(live_env["OBHUB_DATA_DIR"]) / SQLITE_FILENAME
    kek = Settings(data_dir=database.parent).load_or_create_kek()
    token, link = asyncio.run(_open_learner_session(database, kek, seeded_badges["regional"]))
    return {"name": learner_sessions.COOKIE, "value": token, "link": link}


# --------------------------------------------------------------------------- a staff member


async def _open_staff_session(database: Path, kek: bytes) -> str:
    engine = create_engine(f"sqlite:///{database}")
    try:
        async with session_scope(session_factory(engine)) as db:
            created = await staff_service.create_member(
                db, kek, email="agent@region.example", role="administrator", display_name="Agent"
            )
            created.member.must_change_password = False
            return await staff_sessions.open_session(db, created.member.id)
    finally:
        await engine.dispose()


@pytest.fixture(scope="session")
def signed_in_staff(live_server: str, live_env: dict[str, str]) -> dict[str, str]:
    """The console cookie of an administrator created in the live server's database."""
    data_dir = Path(live_env["OBHUB_DATA_DIR"])
    kek = Settings(data_dir=data_dir).load_or_create_kek()
    token = asyncio.run(_open_staff_session(data_dir / SQLITE_FILENAME, kek))
    return {"name": staff_sessions.COOKIE, "value": token}


# --------------------------------------------------------------------------- the catalogue


@pytest.fixture(scope="session")
def full_catalogue(live_env: dict[str, str], seeded_badges: dict[str, str]) -> None:
    """The live server's catalogue as it is in use: the shipped référentiel active again
    (after the seeded one: awards keep their own version), partners whose badges count,
    and a badge held by 10 people (its number shown)."""
    database = Path(live_env["OBHUB_DATA_DIR"]) / SQLITE_FILENAME
    referential = default_referential()
    engine = create_sync_engine(f"sqlite:///{database}")
    try:
        with Session(engine) as db, db.begin():
            db.execute(update(ReferentialVersion).values(active=False))
            number = db.scalar(select(func.max(ReferentialVersion.number))) or 0
            version = ReferentialVersion(
                number=number + 1,
                code=referential.code,
                version=referential.version,
                digest=referential.digest(),
                document=referential.to_document(),
                active=True,
            )
            db.add(version)
            for slug, name, competency, level in (
                ("mission-locale-caen", "Mission locale de Caen", "ORG", "II"),
                ("greta-rouen", "GRETA de Rouen", "COM", "I"),
            ):
                partner = Partner(slug=slug, name=name)
                db.add(partner)
                db.flush()
                db.add(
                    AchievementMapping(
                        achievement_id=f"https://{slug}.example.fr/badges/1",
                        partner_id=partner.id,
                        competency=competency,
                        level=level,
                        state="approved",
                    )
                )
            db.flush()
            for _ in range(10):
                learner = Learner()
                db.add(learner)
                db.flush()
                db.add(
                    RegionalAward(
                        learner_id=learner.id,
                        achievement_code="COM-I",
                        referential_version_id=version.id,
                    )
                )
    finally:
        engine.dispose()


# --------------------------------------------------------------------------- the run


@dataclass(frozen=True)
class ServedForAudit:
    """The live server ready to audit: its issued badges and a signed-in learner."""

    badges: dict[str, str]
    learner_cookie: dict[str, str]
    staff_cookie: dict[str, str]


@pytest.fixture(scope="session")
def served_for_audit(
    seeded_badges: dict[str, str],
    signed_in_learner: dict[str, str],
    signed_in_staff: dict[str, str],
    full_catalogue: None,
    authorised_application: None,
) -> ServedForAudit:
    return ServedForAudit(seeded_badges, signed_in_learner, signed_in_staff)


@pytest.fixture(scope="session")
def audit_run(
    e2e_harness: Path,
    live_server: str,
    served_for_audit: ServedForAudit,
    tmp_path_factory: pytest.TempPathFactory,
) -> dict[str, Any]:
    """Every page of :data:`PAGES`, in each of its languages, audited in one Chromium."""
    chromium = ensure_chromium()
    node = node_harness.require("node", "the accessibility audit")
    out_dir = tmp_path_factory.mktemp("web-audit")
    learner_cookie = {key: served_for_audit.learner_cookie[key] for key in ("name", "value")}
    specs = [
        {
            "name": audited(page, lang),
            "url": page.path.format(
                **served_for_audit.badges, link=served_for_audit.learner_cookie["link"]
            ),
            "lang": lang,
            "javaScript": page.javascript,
            "steps": list(page.steps),
            "cookies": [
                *([learner_cookie] if page.needs_learner else []),
                *([served_for_audit.staff_cookie] if page.needs_staff else []),
            ],
            **({"waitFor": page.wait_for, "waitTimeout": 60000} if page.wait_for else {}),
        }
        for page in PAGES
        for lang in page.languages
    ]
    config = {"baseUrl": live_server, "chromium": chromium, "outDir": str(out_dir), "pages": specs}
    config_path = out_dir / "config.json"
    config_path.write_text(json.dumps(config), encoding="utf-8")
    try:
        proc = subprocess.run(  # noqa: S603 - node from PATH, our script
            [node, str(e2e_harness / "audit.mjs"), str(config_path)],
            cwd=e2e_harness,
            capture_output=True,
            text=True,
            timeout=AUDIT_TIMEOUT_S,
            check=False,
        )
    except subprocess.TimeoutExpired as late:
        pytest.fail(
            f"the accessibility audit timed out after {AUDIT_TIMEOUT_S}s:\n{late.stderr!r}",
            pytrace=False,
        )
    if proc.returncode != 0:
        pytest.fail(
            f"e2e/audit.mjs failed (exit {proc.returncode}):\n{proc.stdout}\n{proc.stderr}",
            pytrace=False,
        )
    results: dict[str, Any] = json.loads(proc.stdout)
    (out_dir / "results.json").write_text(json.dumps(results, indent=2), encoding="utf-8")
    return results


# --------------------------------------------------------------------------- the tests


@pytest.mark.parametrize(("page", "lang"), CASES)
def test_the_page_passes_the_accessibility_audit(
    audit_run: dict[str, Any], page: AuditedPage, lang: str
) -> None:
    seen = audit_run[audited(page, lang)]
    assert seen["ok"], seen.get("error")
    assert seen["status"] == page.status
    assert seen["violations"] == [], json.dumps(seen["violations"], indent=1, ensure_ascii=False)
    assert seen["htmlLang"] == lang
    overflow = seen["overflow"]
    assert overflow["scrollWidth"] <= overflow["clientWidth"], overflow
    keyboard = seen["keyboard"]
    assert keyboard["stops"], "Tab reaches nothing"
    if page.skip_link:
        assert keyboard["skipLinkFirst"], keyboard["stops"][:3]
    assert keyboard["problems"] == [], keyboard["problems"]
    assert seen["pageErrors"] == []
    assert seen["console"] == [], seen["console"]
    assert seen["csp"] == []
