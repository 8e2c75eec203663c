"""The référentiel, edited safely: read it, draft a new version, simulate it, publish it.

``GET  /console/referentiel``                          the active version, its rules in
                                                       plain words, the history (VIEW)
``GET  /console/referentiel/nouvelle-version``         the editor, pre-filled (EDIT_REFERENTIAL)
``POST /console/referentiel/nouvelle-version``         "Vérifier" or "Simuler" (EDIT_REFERENTIAL)
``POST /console/referentiel/verification``             the check as you type, JSON
                                                       (EDIT_REFERENTIAL; the editor's script)
``GET  /console/referentiel/simulations/{id}``         what the draft would change (VIEW)
``GET  /console/referentiel/simulations/{id}/images/{code}.svg``  the draft's badge images
``POST /console/referentiel/simulations/{id}/publier`` publish (PUBLISH_REFERENTIAL)

Simulating and publishing go through :mod:`issuer_api.regional.simulation` (publishing
itself through :func:`issuer_api.regional.service.load`, as ``PUT /referential``).
"""

from __future__ import annotations

import json
from importlib import resources
from typing import Annotated, Any, Final

import yaml
from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response

from aggregation.errors import Issue, ReferentialError
from aggregation.images import achievement_svg
from aggregation.referential import Referential, default_referential, load_referential
from aggregation.rules import AllOf, AnyOf, Condition
from aggregation.wording import say
from issuer_api.accounts import csrf
from issuer_api.console.forms import refused_form
from issuer_api.console.pages import console_page
from issuer_api.deps import AppSettings, Kek, Session
from issuer_api.i18n import Language
from issuer_api.models import ReferentialSimulation, ReferentialVersion
from issuer_api.regional import repository, service, simulation
from issuer_api.staff.names import display_names
from issuer_api.staff.roles import Permission
from issuer_api.staff.sessions import StaffPrincipal, staff_with
from issuer_api.web.credential_page import IMAGE_SECURITY_HEADERS
from issuer_api.web.templating import page_language
from obhub_i18n import N_, gettext

router = APIRouter(include_in_schema=False)

PATH: Final = "/console/referentiel"
EDITOR: Final = PATH + "/nouvelle-version"
MAX_DOCUMENT_CHARS: Final = 200_000
MAX_ISSUES: Final = 50
Viewer = Annotated[StaffPrincipal, Depends(staff_with(Permission.VIEW))]
Editor = Annotated[StaffPrincipal, Depends(staff_with(Permission.EDIT_REFERENTIAL))]
Publisher = Annotated[StaffPrincipal, Depends(staff_with(Permission.PUBLISH_REFERENTIAL))]
PUBLISH_REFUSALS: Final = {
    "simulation_outdated": (
        409,
        N_(
            "The data changed since this simulation (new badges, decisions, or another "
            "day). Simulate the draft again before publishing it."
        ),
    ),
    "simulation_already_published": (409, N_("This draft was already published.")),
    "losses_not_confirmed": (
        422,
        N_(
            "Some learners would lose badges: tick the box and type the number of badges "
            "lost to confirm."
        ),
    ),
}


# --------------------------------------------------------------------------- helpers


def _shipped_text() -> str:
    data = resources.files("aggregation").joinpath("data", "normandie.yaml").read_text("utf-8")
    return str(data)


def yaml_of(version: ReferentialVersion) -> str:
    """The version as YAML: the shipped file (with its comments) when it is that one."""
    if version.digest == default_referential().digest():
        return _shipped_text()
    return str(yaml.safe_dump(version.document, allow_unicode=True, sort_keys=False, width=100))


def check(text: str) -> tuple[Referential | None, list[Issue]]:
    """The draft, or every issue found in it (with line numbers when known)."""
    if not text.strip():
        return None, [Issue.of("$", "empty", say(N_("The référentiel is empty.")))]
    try:
        return load_referential(text), []
    except ReferentialError as exc:
        return None, exc.issues


def issue_view(issue: Issue, language: Language) -> dict[str, Any]:
    return {
        "line": issue.line,
        "path": issue.path,
        "code": issue.code,
        "message": issue.message(language),
    }


def rule_tree(condition: Condition, lang: str) -> dict[str, Any]:
    """A condition in plain words, with its sub-conditions (``all`` / ``any``)."""
    children = condition.conditions if isinstance(condition, AllOf | AnyOf) else ()
    return {
        "text": condition.describe(lang),
        "children": [rule_tree(child, lang) for child in children],
    }


def rules_view(referential: Referential, language: Language) -> list[dict[str, Any]]:
    """Every regional badge with its rule in plain words."""
    lang = str(language)
    return [
        {
            "code": achievement.code,
            "name": achievement.name.get(lang),
            "competency": achievement.competency.name.get(lang) if achievement.competency else None,
            "level": achievement.level.name.get(lang) if achievement.level else None,
            "rule": rule_tree(achievement.rule, lang),
            "implies": list(achievement.implies),
            "image": achievement.image,
        }
        for achievement in referential.achievements
    ]


async def _form(request: Request, max_fields: int = 6) -> tuple[Any, str]:
    form = await request.form(
        max_files=0, max_fields=max_fields, max_part_size=MAX_DOCUMENT_CHARS * 4
    )
    raw = form.get("document")
    return form, raw[: MAX_DOCUMENT_CHARS + 1] if isinstance(raw, str) else ""


# --------------------------------------------------------------------------- reading


@router.get(PATH, response_class=HTMLResponse)
async def referential_page(
    *,
    request: Request,
    staff: Viewer,
    db: Session,
    settings: AppSettings,
    kek: Kek,
    published: Annotated[str | None, Query(alias="publie", max_length=4)] = None,
) -> HTMLResponse:
    language = page_language(request)
    active = await service.active_referential(db, settings, kek)
    versions = list(reversed(await repository.version_list(db)))
    simulations = await simulation.recent(db)
    return console_page(
        request,
        "console/referential.html",
        language,
        staff,
        {
            "active": active.version,
            "name": active.referential.name.get(str(language)),
            "badges": rules_view(active.referential, language),
            "versions": versions,
            "simulations": simulations,
            "names": await display_names(
                db, [v.loaded_by for v in versions] + [s.created_by for s in simulations]
            ),
            "published": published == "1",
        },
    )


# --------------------------------------------------------------------------- drafting


def _editor(
    request: Request,
    staff: StaffPrincipal,
    language: Language,
    text: str,
    *,
    issues: list[Issue] | None = None,
    checked: bool = False,
    status_code: int = 200,
) -> HTMLResponse:
    shown = [issue_view(issue, language) for issue in (issues or [])[:MAX_ISSUES]]
    return console_page(
        request,
        "console/referential_editor.html",
        language,
        staff,
        {
            "document": text,
            "issues": shown,
            "more_issues": max(0, len(issues or []) - MAX_ISSUES),
            "checked": checked,
            "max_chars": MAX_DOCUMENT_CHARS,
        },
        status_code=status_code,
    )


@router.get(EDITOR, response_class=HTMLResponse)
async def editor_page(
    request: Request, staff: Editor, db: Session, settings: AppSettings, kek: Kek
) -> HTMLResponse:
    active = await service.active_referential(db, settings, kek)
    return _editor(request, staff, page_language(request), yaml_of(active.version))


@router.post(EDITOR, response_class=HTMLResponse)
async def submit_draft(
    request: Request, staff: Editor, db: Session, settings: AppSettings, kek: Kek
) -> Response:
    language = page_language(request)
    form, text = await _form(request)
    if not csrf.is_valid(request, form):
        return refused_form(request, language)
    if len(text) > MAX_DOCUMENT_CHARS:
        too_long = Issue.of(
            "$", "too_long", say(N_("The référentiel is longer than 200,000 characters."))
        )
        return _editor(
            request,
            staff,
            language,
            text[:MAX_DOCUMENT_CHARS],
            issues=[too_long],
            checked=True,
            status_code=413,
        )
    draft, issues = check(text)
    if draft is None:
        response = _editor(
            request, staff, language, text, issues=issues, checked=True, status_code=422
        )
        response.headers["X-Error-Code"] = "invalid_referential"
        return response
    active = await service.active_referential(db, settings, kek)
    if draft.digest() == active.referential.digest():
        same = Issue.of(
            "$",
            "same_as_active",
            say(N_("This text is the active version: change something before simulating it.")),
        )
        response = _editor(
            request, staff, language, text, issues=[same], checked=True, status_code=422
        )
        response.headers["X-Error-Code"] = "same_as_active"
        return response
    if form.get("action") != "simulate":
        return _editor(request, staff, language, text, checked=True)
    simulated = await simulation.simulate(db, settings, kek, draft, actor=staff.actor)
    return RedirectResponse(
        f"{PATH}/simulations/{simulated.id}", status_code=303, headers={"Cache-Control": "no-store"}
    )


@router.post(PATH + "/verification")
async def check_as_you_type(request: Request, staff: Editor) -> JSONResponse:
    """The issues of the text being typed (the editor's script calls it, debounced)."""
    language = page_language(request)
    form, text = await _form(request, max_fields=4)
    headers = {"Cache-Control": "no-store"}
    if not csrf.is_valid(request, form):
        return JSONResponse({"code": "csrf_failed"}, status_code=403, headers=headers)
    if len(text) > MAX_DOCUMENT_CHARS:
        return JSONResponse({"code": "too_long"}, status_code=413, headers=headers)
    _, issues = check(text)
    return JSONResponse(
        {
            "valid": not issues,
            "count": len(issues),
            "issues": [issue_view(issue, language) for issue in issues[:MAX_ISSUES]],
        },
        headers=headers,
    )


# --------------------------------------------------------------------------- simulations


async def _simulation_page(
    request: Request,
    staff: StaffPrincipal,
    db: Session,
    settings: AppSettings,
    found: ReferentialSimulation,
    *,
    error: str | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    language = page_language(request)
    draft = simulation.draft_of(found)
    lang = str(language)
    badges = [
        {**badge, "label": badge["name"].get(lang) or badge["name"].get("fr") or badge["code"]}
        for badge in found.result.get("badges", [])
    ]
    return console_page(
        request,
        "console/referential_simulation.html",
        language,
        staff,
        {
            "simulation": found,
            "result": found.result,
            "badges": badges,
            "rules": rules_view(draft, language),
            "current": await simulation.is_current(db, settings, found),
            "names": await display_names(db, [found.created_by]),
            "draft_text": json.dumps(found.document, ensure_ascii=False, indent=2),
            "error": error,
        },
        status_code=status_code,
    )


@router.get(PATH + "/simulations/{simulation_id}", response_class=HTMLResponse)
async def simulation_page(
    request: Request, simulation_id: str, staff: Viewer, db: Session, settings: AppSettings
) -> Response:
    try:
        found = await simulation.get(db, simulation_id[:36])
    except simulation.SimulationNotFoundError:
        return _not_found(request, staff)
    return await _simulation_page(request, staff, db, settings, found)


def _not_found(request: Request, staff: StaffPrincipal) -> HTMLResponse:
    language = page_language(request)
    response = console_page(
        request,
        "console/refused.html",
        language,
        staff,
        {"message": gettext(language, N_("This simulation does not exist."))},
        status_code=404,
    )
    response.headers["X-Error-Code"] = "simulation_not_found"
    return response


@router.get(PATH + "/simulations/{simulation_id}/images/{code}.svg")
async def draft_image(
    *,
    simulation_id: str,
    code: str,
    staff: Viewer,
    db: Session,
    lang: Annotated[str | None, Query(max_length=2)] = None,
) -> Response:
    """The generated image of a regional badge of the draft (never cached publicly)."""
    headers = {**IMAGE_SECURITY_HEADERS, "Cache-Control": "private, no-store"}
    try:
        found = await simulation.get(db, simulation_id[:36])
        svg = achievement_svg(simulation.draft_of(found), code[:64], "en" if lang == "en" else "fr")
    except (simulation.SimulationNotFoundError, KeyError):
        return Response(status_code=404, headers=headers)
    return Response(svg.encode("utf-8"), media_type="image/svg+xml", headers=headers)


@router.post(PATH + "/simulations/{simulation_id}/publier", response_class=HTMLResponse)
async def publish(
    *,
    request: Request,
    simulation_id: str,
    staff: Publisher,
    db: Session,
    settings: AppSettings,
    kek: Kek,
) -> Response:
    language = page_language(request)
    form = await request.form(max_files=0, max_fields=6)
    if not csrf.is_valid(request, form):
        return refused_form(request, language)
    confirmed: int | None = None
    typed = form.get("lost")
    if form.get("confirm") == "yes" and isinstance(typed, str) and typed.strip().isdigit():
        confirmed = int(typed.strip()[:9])
    try:
        await simulation.publish(
            db, settings, kek, simulation_id[:36], actor=staff.actor, confirmed_losses=confirmed
        )
    except simulation.SimulationNotFoundError:
        return _not_found(request, staff)
    except simulation.SimulationError as exc:
        status_code, message = PUBLISH_REFUSALS[exc.code]
        found = await simulation.get(db, simulation_id[:36])
        response = await _simulation_page(
            request,
            staff,
            db,
            settings,
            found,
            error=gettext(language, message),
            status_code=status_code,
        )
        response.headers["X-Error-Code"] = exc.code
        return response
    return RedirectResponse(
        f"{PATH}?publie=1", status_code=303, headers={"Cache-Control": "no-store"}
    )
