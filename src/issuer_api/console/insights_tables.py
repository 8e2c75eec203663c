"""The insights as tables a person reads: labels in plain words, small cells hidden.

Each :class:`Table` is what a page shows beside its chart and what its CSV export
holds — built once, so the page and the export cannot disagree. Every figure about
people goes through :mod:`aggregation.disclosure` here; a table keeps only what may be
shown (``None`` for a hidden cell), never the raw count.
"""

from __future__ import annotations

import statistics
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Final

from aggregation.disclosure import Cell, disclose, disclose_grid, disclose_rows, disclosed_statistic
from aggregation.referential import Referential
from issuer_api.console import insights_queries as queries
from issuer_api.i18n import MESSAGE_IDS, Language, messages
from obhub_i18n import N_, gettext
from verify import messages as verify_messages

Value = int | str | None
"""A cell as shown: a number, a text (a rate, a duration), or ``None`` (fewer than 10)."""

TABLE_NAMES: Final = (
    "badges-competences",
    "badges-mois",
    "badges-partenaires",
    "delais",
    "activite-partenaires",
    "refus-partenaires",
    "reclamations",
)


@dataclass(frozen=True, slots=True)
class Row:
    label: str
    values: tuple[Value, ...]


@dataclass(frozen=True, slots=True)
class Table:
    """A table: ``columns`` after the label column; ``total`` of the disclosed cells."""

    name: str
    caption: str
    note: str
    label_header: str
    columns: tuple[str, ...]
    rows: tuple[Row, ...]
    total: Row | None = None
    chart: tuple[tuple[str, int | None], ...] = field(default=())


@dataclass(frozen=True, slots=True)
class Insights:
    tables: dict[str, Table]
    median_days: float | None


def _t(language: Language, message: str) -> str:
    return gettext(language, message)


def _cell(cell: Cell) -> Value:
    return cell.value


def _pct(part: int, whole: int) -> str | None:
    return None if whole == 0 else f"{round(100 * part / whole)} %"


class Labels:
    """Names of competencies, levels and reasons in the reader's language."""

    def __init__(self, referential: Referential | None, language: Language) -> None:
        self.referential = referential
        self.language = language

    def competency(self, code: str) -> str:
        if self.referential is not None and code:
            found = self.referential.find_competency(code)
            if found is not None:
                return found.name.get(self.language)
        return code or _t(self.language, N_("No competency (general badges)"))

    def level(self, code: str) -> str:
        if self.referential is not None and code:
            found = self.referential.find_level(code)
            if found is not None:
                return f"{found.code} : {found.name.get(self.language)}"
        return code or _t(self.language, N_("No level"))

    def reason(self, key: str) -> str:
        """A reason key (``code|check_code``) in plain words: the failed check's own
        message when there is one (it says what was wrong), else the reason's."""
        code, _, check = key.partition(queries.REASON_SEPARATOR)
        found = verify_messages.CATALOGUE.get(check) if check else None
        general = messages(code)[self.language] if code in MESSAGE_IDS else code
        if found is None:
            return general
        return _t(self.language, N_("{reason} Check: {check}")).format(
            reason=general, check=found[self.language]
        )

    def levels_order(self) -> list[str]:
        return [level.code for level in self.referential.levels] if self.referential else []

    def competencies_order(self) -> list[str]:
        return [c.code for c in self.referential.competencies] if self.referential else []


def classification(referential: Referential | None) -> queries.Classification:
    if referential is None:
        return queries.Classification({}, {})
    competency = {a.code: a.competency.code for a in referential.achievements if a.competency}
    level = {a.code: a.level.code for a in referential.achievements if a.level}
    return queries.Classification(competency, level)


def _ordered(found: Mapping[tuple[str, str], int], preferred: list[str], index: int) -> list[str]:
    present = list(dict.fromkeys(key[index] for key in found))
    return [k for k in preferred if k in present] + [k for k in present if k not in preferred]


def competencies_table(
    found: Mapping[tuple[str, str], int], labels: Labels, language: Language
) -> Table:
    rows = _ordered(found, labels.competencies_order(), 0)
    columns = _ordered(found, labels.levels_order(), 1)
    grid = disclose_grid(found, rows, columns)
    return Table(
        name="badges-competences",
        caption=_t(language, N_("Learners awarded a regional badge, by competency and level")),
        note=_t(
            language,
            N_(
                "Distinct learners. A learner holding several levels of a competency counts "
                "in each level. Totals add the figures shown only."
            ),
        ),
        label_header=_t(language, N_("Competency")),
        columns=(*(labels.level(c) for c in columns), _t(language, N_("Sum shown"))),
        rows=tuple(
            Row(
                labels.competency(r),
                (*(_cell(grid.cell(r, c)) for c in columns), grid.row_totals[r]),
            )
            for r in rows
        ),
        total=Row(
            _t(language, N_("Sum of the figures shown")),
            (*(grid.column_totals[c] for c in columns), grid.total),
        ),
        chart=tuple((labels.competency(r), grid.row_totals[r] or None) for r in rows),
    )


def one_way_table(
    name: str,
    found: Mapping[str, int],
    *,
    caption: str,
    note: str,
    label_header: str,
    language: Language,
    label: Mapping[str, str] | None = None,
) -> Table:
    rows, total = disclose_rows(found)
    named = [((label or {}).get(row.key, row.key), row.cell.value) for row in rows]
    return Table(
        name=name,
        caption=caption,
        note=note,
        label_header=label_header,
        columns=(_t(language, N_("Learners")),),
        rows=tuple(Row(text, (value,)) for text, value in named),
        total=Row(_t(language, N_("Sum of the figures shown")), (total,)),
        chart=tuple(named),
    )


def delays_table(delays: queries.Delays, language: Language) -> tuple[Table, float | None]:
    names = {
        "hour": _t(language, N_("Within an hour")),
        "day": _t(language, N_("Within a day")),
        "week": _t(language, N_("Within a week")),
        "month": _t(language, N_("Within 30 days")),
        "longer": _t(language, N_("After more than 30 days")),
    }
    table = one_way_table(
        "delais",
        delays.buckets,
        caption=_t(
            language,
            N_("Time from the partner badge that completed a rule to the regional badge"),
        ),
        note=_t(
            language,
            N_(
                "Distinct learners per delay: from the date the partner awarded the last "
                "badge the rule needed to the regional badge. Each line counts the delays "
                "longer than the line above, up to its own limit."
            ),
        ),
        label_header=_t(language, N_("Delay")),
        language=language,
        label=names,
    )
    median = disclosed_statistic(
        delays.learners,
        statistics.median(delays.seconds) / 86400 if delays.seconds else None,
    )
    return table, median


def activity_table(activity: list[queries.PartnerActivity], language: Language) -> Table:
    rows = []
    for entry in activity:
        decided = entry.accepted + entry.duplicate + entry.refused + entry.failed
        accepted, refused = disclose(entry.accepted), disclose(entry.refused)
        # The badges received and the rate would give a hidden count back (received minus
        # accepted, accepted ÷ rate): they are hidden with it.
        hiding = accepted.value is None or refused.value is None
        rows.append(
            Row(
                entry.name,
                (
                    entry.deliveries,
                    None if hiding else entry.badges,
                    accepted.value,
                    refused.value,
                    _t(language, N_("no badge"))
                    if decided == 0
                    else None
                    if hiding
                    else disclosed_statistic(
                        decided, _pct(entry.accepted + entry.duplicate, decided)
                    ),
                ),
            )
        )
    return Table(
        name="activite-partenaires",
        caption=_t(language, N_("Partner activity: deliveries and badges received")),
        note=_t(
            language,
            N_(
                "Counts of deliveries and badges, not of people. Fewer than 10 badges accepted "
                "or refused are not shown (they could single someone out), nor then the "
                "partner's badges received and acceptance rate, which would give them back; "
                "nor the acceptance rate (badges accepted or already held, out of the badges "
                "processed) of fewer than 10 badges."
            ),
        ),
        label_header=_t(language, N_("Partner")),
        columns=(
            _t(language, N_("Deliveries")),
            _t(language, N_("Badges received")),
            _t(language, N_("Badges accepted")),
            _t(language, N_("Badges refused")),
            _t(language, N_("Acceptance rate")),
        ),
        rows=tuple(rows),
        chart=tuple(
            (row.label, row.values[1] if isinstance(row.values[1], int) else None) for row in rows
        ),
    )


def refusals_table(
    found: Mapping[tuple[str, str], int], labels: Labels, language: Language
) -> Table:
    grid = disclose_grid({(p, code): n for (p, code), n in found.items()})
    return Table(
        name="refus-partenaires",
        caption=_t(language, N_("Refusal reasons per partner")),
        note=_t(
            language,
            N_(
                "Distinct people whose badge was refused, per reason (a badge refused for "
                "two reasons counts in both). Totals add the figures shown only."
            ),
        ),
        label_header=_t(language, N_("Partner")),
        columns=(*(labels.reason(c) for c in grid.columns), _t(language, N_("Sum shown"))),
        rows=tuple(
            Row(p, (*(_cell(grid.cell(p, c)) for c in grid.columns), grid.row_totals[p]))
            for p in grid.rows
        ),
        total=Row(
            _t(language, N_("Sum of the figures shown")),
            (*(grid.column_totals[c] for c in grid.columns), grid.total),
        ),
        chart=tuple((p, grid.row_totals[p] or None) for p in grid.rows),
    )


def claims_table(found: Mapping[str, int], labels: Labels, language: Language) -> Table:
    names = {
        "accepted": _t(language, N_("Accepted")),
        "duplicate": _t(language, N_("Already held (duplicate)")),
        "pending": _t(language, N_("Being checked")),
        "failed": _t(language, N_("Could not be checked")),
    }
    for key in found:
        if key.startswith("refused:"):
            reason = labels.reason(key.removeprefix("refused:"))
            names[key] = _t(language, N_("Refused: {reason}")).format(reason=reason)
    order = [k for k in names if k in found and not k.startswith("refused:")]
    order += sorted(k for k in found if k.startswith("refused:"))
    return one_way_table(
        "reclamations",
        {key: found[key] for key in order},
        caption=_t(language, N_("Badges claimed by learners, and their outcome")),
        note=_t(
            language,
            N_(
                "Distinct people per outcome of the badges they added themselves. A refused "
                "badge counts once per reason. Totals add the figures shown only."
            ),
        ),
        label_header=_t(language, N_("Outcome")),
        language=language,
        label=names,
    )
