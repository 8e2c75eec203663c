"""Insights for public policy: what the badges do, never a group smaller than 10.

``GET /console/indicateurs``             the tables and their charts (every role)
``GET /console/indicateurs/{name}.csv``  one table as CSV (UTF-8 with BOM, ``;``
                                         separator as French Excel expects)

Filters (query string, on both): ``du`` and ``au`` (months ``YYYY-MM``, inclusive) and
``competence`` (a competency code: the regional badges of that competency; partner
activity and claims are not about one competency and ignore it).

Small cells: :mod:`aggregation.disclosure` (the rule is written there).
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Annotated, Any, Final

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse, Response

from aggregation.referential import Referential
from issuer_api.console import insights_queries as queries
from issuer_api.console import insights_tables as tables
from issuer_api.console.insights_charts import bar_chart
from issuer_api.console.pages import console_page
from issuer_api.deps import Session
from issuer_api.i18n import Language
from issuer_api.regional import service as regional
from issuer_api.staff.roles import Permission
from issuer_api.staff.sessions import StaffPrincipal, staff_with
from issuer_api.web.templating import SECURITY_HEADERS, page_language
from obhub_i18n import N_, gettext

router = APIRouter(include_in_schema=False)

INSIGHTS: Final = "/console/indicateurs"
_MONTH: Final = re.compile(r"^(\d{4})-(0[1-9]|1[0-2])$")
Viewer = Annotated[StaffPrincipal, Depends(staff_with(Permission.VIEW))]
MonthParam = Annotated[str | None, Query(max_length=64)]
CodeParam = Annotated[str | None, Query(max_length=64)]


@dataclass(frozen=True, slots=True)
class Chosen:
    """The filters as read: values to show back in the form, errors per field."""

    start: str
    end: str
    competency: str
    filters: queries.Filters
    errors: dict[str, str]


def _month_start(value: str, *, following: bool = False) -> datetime | None:
    found = _MONTH.match(value)
    if found is None:
        return None
    year, month = int(found.group(1)), int(found.group(2))
    if following:
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return datetime(year, month, 1, tzinfo=UTC)


def read_filters(
    language: Language,
    referential: Referential | None,
    start: str | None,
    end: str | None,
    competency: str | None,
) -> Chosen:
    """The filters of the query string; a wrong one is reported and not applied."""
    errors: dict[str, str] = {}
    start, end, competency = (start or "").strip(), (end or "").strip(), (competency or "").strip()
    begins = _month_start(start) if start else None
    if start and begins is None:
        errors["du"] = gettext(
            language, N_("Give the first month as year and month, e.g. 2026-09.")
        )
    ends = _month_start(end, following=True) if end else None
    if end and ends is None:
        errors["au"] = gettext(language, N_("Give the last month as year and month, e.g. 2026-12."))
    if begins is not None and ends is not None and ends <= begins:
        errors["au"] = gettext(language, N_("The last month comes before the first month."))
        ends = None
    codes: frozenset[str] | None = None
    if competency:
        found = referential.find_competency(competency) if referential else None
        if found is None or referential is None:
            errors["competence"] = gettext(language, N_("Choose a competency from the list."))
        else:
            competency = found.code
            codes = frozenset(a.code for a in referential.achievements_for(found.code))
    return Chosen(start, end, competency, queries.Filters(begins, ends, codes), errors)


async def _referential(db: Session) -> Referential | None:
    active = await regional.stored_active(db)
    return None if active is None else active.referential


async def collect(
    db: Session, referential: Referential | None, filters: queries.Filters, language: Language
) -> tables.Insights:
    """Every table of the insights, small cells hidden."""
    labels = tables.Labels(referential, language)
    by_level = await queries.awards_by_competency_and_level(
        db, filters, tables.classification(referential)
    )
    delays, median = tables.delays_table(await queries.award_delays(db, filters), language)
    found = [
        tables.competencies_table(by_level, labels, language),
        tables.one_way_table(
            "badges-mois",
            await queries.awards_by_month(db, filters),
            caption=gettext(language, N_("Learners awarded a regional badge, by month")),
            note=gettext(
                language,
                N_(
                    "Distinct learners per month of award (UTC). Totals add the figures shown only."
                ),
            ),
            label_header=gettext(language, N_("Month")),
            language=language,
        ),
        tables.one_way_table(
            "badges-partenaires",
            await queries.awards_by_partner(db, filters),
            caption=gettext(
                language, N_("Learners awarded a regional badge, by partner of the evidence")
            ),
            note=gettext(
                language,
                N_(
                    "Distinct learners whose regional badge rests on at least one badge of the "
                    "partner. A badge resting on two partners counts for both."
                ),
            ),
            label_header=gettext(language, N_("Partner")),
            language=language,
        ),
        delays,
        tables.activity_table(await queries.partner_activity(db, filters), language),
        tables.refusals_table(await queries.refusals_by_partner(db, filters), labels, language),
        tables.claims_table(await queries.claims_by_outcome(db, filters), labels, language),
    ]
    return tables.Insights({t.name: t for t in found}, median)


def _query_string(chosen: Chosen) -> str:
    pairs = [("du", chosen.start), ("au", chosen.end), ("competence", chosen.competency)]
    kept = [f"{k}={v}" for k, v in pairs if v and k not in chosen.errors]
    return "?" + "&".join(kept) if kept else ""


@router.get(INSIGHTS, response_class=HTMLResponse)
async def insights_page(
    request: Request,
    *,
    staff: Viewer,
    db: Session,
    du: MonthParam = None,
    au: MonthParam = None,
    competence: CodeParam = None,
) -> HTMLResponse:
    language = page_language(request)
    referential = await _referential(db)
    chosen = read_filters(language, referential, du, au, competence)
    found = await collect(db, referential, chosen.filters, language)
    hidden = gettext(language, N_("fewer than 10"))
    charts = {
        name: bar_chart(
            f"chart-{name}",
            table.caption,
            gettext(language, N_("Bar chart of the table below; the same figures.")),
            table.chart,
            hidden_text=hidden,
        )
        for name, table in found.tables.items()
    }
    context: dict[str, Any] = {
        "tables": [found.tables[name] for name in tables.TABLE_NAMES],
        "charts": charts,
        "median_days": None
        if found.median_days is None
        else f"{found.median_days:.1f}".replace(".", "," if language == "fr" else "."),
        "hidden_text": hidden,
        "chosen": chosen,
        "errors": chosen.errors,
        "query": _query_string(chosen),
        "competencies": [
            (c.code, c.name.get(language))
            for c in (referential.competencies if referential else ())
        ],
    }
    return console_page(
        request,
        "console/insights.html",
        language,
        staff,
        context,
        status_code=400 if chosen.errors else 200,
    )


_FORMULA_START: Final = ("=", "+", "-", "@", "\t", "\r")


def _csv_text(value: str) -> str:
    """A text cell that a spreadsheet will not run as a formula (a partner's name
    starting with ``=`` stays a name)."""
    return "'" + value if value.startswith(_FORMULA_START) else value


def to_csv(table: tables.Table, hidden: str) -> bytes:
    """The table as CSV: UTF-8 with BOM, ``;`` separator, hidden cells in words."""
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
    writer.writerow([_csv_text(table.label_header), *map(_csv_text, table.columns)])
    rows = [*table.rows, *([table.total] if table.total is not None else [])]
    for row in rows:
        values = (
            hidden if v is None else _csv_text(v) if isinstance(v, str) else v for v in row.values
        )
        writer.writerow([_csv_text(row.label), *values])
    return ("\ufeff" + out.getvalue()).encode("utf-8")


@router.get(INSIGHTS + "/{name}.csv")
async def insights_csv(
    request: Request,
    *,
    name: str,
    staff: Viewer,
    db: Session,
    du: MonthParam = None,
    au: MonthParam = None,
    competence: CodeParam = None,
) -> Response:
    language = page_language(request)
    if name not in tables.TABLE_NAMES:
        return Response(
            gettext(language, N_("There is no such table.")),
            status_code=404,
            media_type="text/plain; charset=utf-8",
            headers={**SECURITY_HEADERS, "X-Error-Code": "insight_not_found"},
        )
    referential = await _referential(db)
    chosen = read_filters(language, referential, du, au, competence)
    if chosen.errors:
        return Response(
            "\n".join(chosen.errors.values()),
            status_code=400,
            media_type="text/plain; charset=utf-8",
            headers={**SECURITY_HEADERS, "X-Error-Code": "insight_filter_invalid"},
        )
    found = await collect(db, referential, chosen.filters, language)
    body = to_csv(found.tables[name], gettext(language, N_("fewer than 10")))
    return Response(
        body,
        media_type="text/csv; charset=utf-8",
        headers={
            **SECURITY_HEADERS,
            "Cache-Control": "no-store",
            "Content-Disposition": f'attachment; filename="indicateurs-{name}.csv"',
        },
    )
