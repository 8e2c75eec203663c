"""A new version by its thresholds only: the numbers of the active version's rules in a
form, for those who would rather not edit YAML.

``GET  /console/referentiel/seuils``   the form, pre-filled (EDIT_REFERENTIAL)
``POST /console/referentiel/seuils``   build the draft and simulate it (EDIT_REFERENTIAL)

Every number of every rule is a field: the minimum number of partner badges
(``min_count``), of different organisations (``min_issuers``), of regional badges
(``n_of``). The draft is the active document with those numbers changed, checked like
any référentiel, then simulated (:mod:`issuer_api.regional.simulation`).
"""

from __future__ import annotations

import copy
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Annotated, Any, Final

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.datastructures import FormData

from aggregation.errors import ReferentialError
from aggregation.referential import Referential, parse_referential
from aggregation.rules import AllOf, AnyOf, BadgesCondition, Condition, NOfCondition
from issuer_api.accounts import csrf
from issuer_api.console.forms import refused_form
from issuer_api.console.pages import console_page
from issuer_api.deps import AppSettings, Kek, Session
from issuer_api.i18n import Language
from issuer_api.regional import service, simulation
from issuer_api.staff.roles import Permission
from issuer_api.staff.sessions import StaffPrincipal, staff_with
from issuer_api.web.templating import page_language
from obhub_i18n import N_, gettext

router = APIRouter(include_in_schema=False)

PATH: Final = "/console/referentiel/seuils"
MAX_THRESHOLD: Final = 1000
Editor = Annotated[StaffPrincipal, Depends(staff_with(Permission.EDIT_REFERENTIAL))]
LABELS: Final = {
    "min_count": N_("Minimum number of partner badges"),
    "min_issuers": N_("Minimum number of different organisations"),
    "n": N_("Number of regional badges required"),
}


@dataclass(frozen=True)
class Field:
    """One number of one rule: where it is in the document and what it says."""

    name: str  # the form field (and HTML id)
    achievement: int  # index in ``achievements``
    path: tuple[int, ...]  # child indices from the rule
    key: str  # min_count | min_issuers | n
    value: int
    condition: str  # the condition in plain words


def _fields(condition: Condition, index: int, path: tuple[int, ...], lang: str) -> Iterator[Field]:
    where = "-".join(["a" + str(index), "r", *(str(step) for step in path)])
    if isinstance(condition, BadgesCondition):
        yield Field(
            f"{where}-min_count",
            index,
            path,
            "min_count",
            condition.min_count,
            condition.describe(lang),
        )
        yield Field(
            f"{where}-min_issuers",
            index,
            path,
            "min_issuers",
            condition.min_issuers,
            condition.describe(lang),
        )
    elif isinstance(condition, NOfCondition):
        yield Field(f"{where}-n", index, path, "n", condition.n, condition.describe(lang))
    elif isinstance(condition, AllOf | AnyOf):
        for position, child in enumerate(condition.conditions):
            yield from _fields(child, index, (*path, position), lang)


def fields(referential: Referential, lang: str) -> list[Field]:
    found: list[Field] = []
    for index, achievement in enumerate(referential.achievements):
        found.extend(_fields(achievement.rule, index, (), lang))
    return found


def _set(document: dict[str, Any], field: Field, value: int) -> None:
    node: Any = document["achievements"][field.achievement]["rule"]
    for step in field.path:
        kind = "all" if "all" in node else "any"
        node = node[kind][step]
    target = node["badges"] if "badges" in node else node["n_of"]
    target[field.key] = value


def _groups(referential: Referential, found: list[Field], lang: str) -> list[dict[str, Any]]:
    groups: list[dict[str, Any]] = []
    for index, achievement in enumerate(referential.achievements):
        own = [f for f in found if f.achievement == index]
        if own:
            groups.append(
                {"code": achievement.code, "name": achievement.name.get(lang), "fields": own}
            )
    return groups


def _page(
    request: Request,
    staff: StaffPrincipal,
    language: Language,
    referential: Referential,
    *,
    values: dict[str, str] | None = None,
    errors: list[dict[str, str]] | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    lang = str(language)
    found = fields(referential, lang)
    return console_page(
        request,
        "console/referential_thresholds.html",
        language,
        staff,
        {
            "groups": _groups(referential, found, lang),
            "labels": {key: gettext(language, text) for key, text in LABELS.items()},
            "values": values or {f.name: str(f.value) for f in found},
            "version_label": (values or {}).get("version_label", referential.version),
            "errors": errors or [],
            "failed": {error["field"] for error in errors or []},
            "max": MAX_THRESHOLD,
        },
        status_code=status_code,
    )


@router.get(PATH, response_class=HTMLResponse)
async def thresholds_page(
    *, request: Request, staff: Editor, db: Session, settings: AppSettings, kek: Kek
) -> HTMLResponse:
    active = await service.active_referential(db, settings, kek)
    return _page(request, staff, page_language(request), active.referential)


def _read(
    form: FormData, found: list[Field], language: Language
) -> tuple[dict[str, str], dict[str, int], list[dict[str, str]]]:
    values: dict[str, str] = {}
    numbers: dict[str, int] = {}
    errors: list[dict[str, str]] = []
    for field in found:
        raw = form.get(field.name)
        text = raw.strip()[:12] if isinstance(raw, str) else ""
        values[field.name] = text
        if not text.isdigit() or not 1 <= int(text) <= MAX_THRESHOLD:
            message = gettext(language, N_("Enter a whole number between 1 and 1000."))
            errors.append({"field": field.name, "message": message})
            continue
        numbers[field.name] = int(text)
    raw_label = form.get("version_label")
    label = raw_label.strip()[:64] if isinstance(raw_label, str) else ""
    values["version_label"] = label
    if not label:
        message = gettext(language, N_("Give the new version a name, for example 2026.2."))
        errors.append({"field": "version_label", "message": message})
    return values, numbers, errors


@router.post(PATH, response_class=HTMLResponse)
async def submit_thresholds(
    *, request: Request, staff: Editor, db: Session, settings: AppSettings, kek: Kek
) -> Response:
    language = page_language(request)
    form = await request.form(max_files=0, max_fields=500)
    if not csrf.is_valid(request, form):
        return refused_form(request, language)
    active = await service.active_referential(db, settings, kek)
    found = fields(active.referential, str(language))
    values, numbers, errors = _read(form, found, language)
    document = copy.deepcopy(active.referential.to_document())
    if not errors:
        for field in found:
            _set(document, field, numbers[field.name])
        document["version"] = values["version_label"]
        try:
            draft = parse_referential(document)
        except ReferentialError as exc:
            errors = [
                {
                    "field": found[0].name if found else "version_label",
                    "message": issue.message(language),
                }
                for issue in exc.issues[:10]
            ]
        else:
            if draft.digest() == active.referential.digest():
                message = gettext(language, N_("Nothing changed: change a number first."))
                errors = [
                    {"field": found[0].name if found else "version_label", "message": message}
                ]
    if errors:
        response = _page(
            request,
            staff,
            language,
            active.referential,
            values=values,
            errors=errors,
            status_code=422,
        )
        response.headers["X-Error-Code"] = "invalid_thresholds"
        return response
    simulated = await simulation.simulate(db, settings, kek, draft, actor=staff.actor)
    return RedirectResponse(
        f"/console/referentiel/simulations/{simulated.id}",
        status_code=303,
        headers={"Cache-Control": "no-store"},
    )
