"""The managers' dashboard as tables: the same rows feed the page, its charts and its CSV exports.

A cell is a value (int, float, Decimal, a month as a ``date``, a ``datetime``, text) or a ``Link``;
``cell_text`` writes it the French way for the page and the CSV alike.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from functools import lru_cache
from typing import NamedTuple
from zoneinfo import ZoneInfo

from django.http import StreamingHttpResponse
from django.urls import reverse
from django.utils import formats
from django.utils.html import escape, format_html
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from . import exports, stats

PARIS = ZoneInfo("Europe/Paris")


class Link(NamedTuple):
    text: str
    url: str

    def __str__(self) -> str:
        return self.text


@dataclass
class Table:
    slug: str
    caption: str
    headers: list[str]
    rows: Iterable[list] = field(default_factory=list)
    empty: str = ""

    def body_html(self) -> SafeString:
        """The table's rows as HTML (``<tr>``…), the first cell of each a row header; empty if no row.

        Written here rather than by a template loop: a page may show hundreds of rows (the workload
        of every lead investigator) and a loop of template tags per cell cost more than the queries."""
        return mark_safe("".join(_row_html(row) for row in self.rows))  # noqa: S308 - every cell escaped


def cell_text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, Link):
        return value.text
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    if isinstance(value, datetime):
        return formats.date_format(value.astimezone(PARIS), "d/m/Y H:i")
    if isinstance(value, date):
        return formats.date_format(value, "YEAR_MONTH_FORMAT")
    if isinstance(value, (int, float, Decimal)):
        return _number(value)
    return str(value)


@lru_cache(maxsize=16)
def _separators(language: str | None) -> tuple[str, str] | None:
    """(decimal separator, thousands separator) of the language, or None where its grouping is not
    plain thousands (then Django's ``number_format`` does the work)."""
    if formats.get_format("NUMBER_GROUPING") != 3:
        return None
    return str(formats.get_format("DECIMAL_SEPARATOR")), str(formats.get_format("THOUSAND_SEPARATOR"))


def _number(value) -> str:
    """Integers and amounts grouped by thousands, amounts with 2 decimals, other floats with 1:
    ``formats.number_format``'s output, without its per-call lookups (a table has thousands of cells)."""
    separators = _separators(get_language())
    if separators is None:
        if isinstance(value, Decimal):
            return formats.number_format(value, 2, force_grouping=True)
        if isinstance(value, float):
            return formats.number_format(value, 1)
        return formats.number_format(value, 0, force_grouping=True)
    decimal, thousands = separators
    if isinstance(value, Decimal):
        text = f"{value:,.2f}"
    elif isinstance(value, float):
        return f"{value:.1f}".replace(".", decimal)
    else:
        text = f"{value:,}"
    return text.replace(",", "\0").replace(".", decimal).replace("\0", thousands)


def _cell_html(value) -> str:
    if isinstance(value, Link):
        return format_html('<a href="{}">{}</a>', value.url, value.text)
    return escape(cell_text(value)) if value is not None else "—"


def _row_html(row: list) -> str:
    first, *rest = row
    return (
        f'<tr><th scope="row">{_cell_html(first)}</th>'
        + "".join(f"<td>{_cell_html(value)}</td>" for value in rest)
        + "</tr>"
    )


def _days(value: float | None):
    return None if value is None else float(value)


# --- The tables of the page -------------------------------------------------------------------


def monthly_table(figures: stats.Monthly) -> Table:
    return Table(
        "monthly",
        _("New and closed cases per month"),
        [_("Month"), _("New cases"), _("Closed cases")],
        [[r.month, r.opened, r.closed] for r in figures.rows],
    )


def breaches_table(figures: stats.Monthly) -> Table:
    return Table(
        "breaches",
        _("Breach notifications received within 72 hours, per month"),
        [_("Month"), _("Initial notifications"), _("Within 72 hours"), _("Share within 72 hours (%)")],
        [[r.month, r.breaches, r.breaches_on_time, r.on_time_percent] for r in figures.rows],
    )


def open_status_table(open_now: stats.OpenNow) -> Table:
    return Table(
        "open_status",
        _("Open cases by status"),
        [_("Status"), _("Open cases")],
        [list(r) for r in open_now.by_status],
        empty=_("No open case."),
    )


def open_origin_table(open_now: stats.OpenNow) -> Table:
    return Table(
        "open_origin",
        _("Open cases by origin"),
        [_("Origin"), _("Open cases")],
        [list(r) for r in open_now.by_origin],
        empty=_("No open case."),
    )


def workload_table(rows: list[stats.WorkloadRow]) -> Table:
    return Table(
        "workload",
        _("Workload per lead investigator"),
        [_("Lead investigator"), _("Open cases"), _("Overdue deadlines"), _("Deadlines in the next 14 days")],
        [[r.name or _("No lead investigator"), r.open_cases, r.overdue, r.soon] for r in rows],
        empty=_("No open case and no deadline."),
    )


def deadlines_table(deadlines) -> Table:
    def rows() -> Iterator[list]:
        for d in deadlines:
            lead = d.case.lead_investigator
            yield [
                Link(d.case.reference, reverse("cases:detail", args=[d.case_id])),
                d.title,
                d.due_at,
                _("Overdue") if d.overdue else _("Due within 14 days"),
                (lead.get_full_name() if lead else _("No lead investigator")),
            ]

    return Table(
        "deadlines",
        _("Overdue and soon-due deadlines"),
        [_("Case"), _("Deadline"), _("Due on"), _("State"), _("Lead investigator")],
        rows(),
        empty=_("No overdue deadline and none due within 14 days."),
    )


def indicators_table(figures: stats.Monthly) -> Table:
    return Table(
        "indicators",
        _("Indicators for the period"),
        [_("Indicator"), _("Value"), _("Based on")],
        [
            [_("Median time from opening to closure (days)"), _days(figures.close_median_days), figures.closed_cases],
            [
                _("Median time from opening to formal notice (days)"),
                _days(figures.notice_median_days),
                figures.noticed_cases,
            ],
            [
                _("Formal notices complied with within their period (%)"),
                figures.notices_complied_percent,
                figures.notices_complied + figures.notices_not_complied,
            ],
            [_("Share of breach notifications within 72 hours (%)"), figures.on_time_percent, figures.breaches],
            [_("Sanctions decided"), figures.sanctions, figures.sanctions],
            [_("Total fines (EUR)"), figures.fines_total, figures.sanctions],
        ],
    )


def incidents_table(incidents: list) -> Table:
    return Table(
        "incidents",
        _("Incidents opened in the period"),
        [_("Case"), _("Title"), _("Linked cases")],
        [
            [Link(case.reference, reverse("dashboards:incident", args=[case.pk])), case.title, n]
            for case, n in incidents
        ],
        empty=_("No incident with linked cases opened in the period."),
    )


def incident_table(rows) -> Table:
    def cells():
        for row in rows:
            campaign = row.campaign
            yield [
                row.controller.legal_name,
                Link(row.case.reference, reverse("cases:detail", args=[row.case.pk])),
                row.get_status_display(),
                row.latest.received_at if row.latest else None,
                campaign.get_decision_display() if campaign else _("No campaign"),
                campaign.sent if campaign else None,
                campaign.planned_total if campaign else None,
                (campaign.progress_percent if campaign else None),
            ]

    return Table(
        "controllers",
        _("Controllers of the incident"),
        [
            _("Controller"),
            _("Case"),
            _("Notification (Art. 33)"),
            _("Last notification received"),
            _("Communication (Art. 34)"),
            _("Data subjects informed"),
            _("Data subjects to inform"),
            _("Progress (%)"),
        ],
        cells(),
        empty=_("No controller in this incident yet."),
    )


# --- Charts ---------------------------------------------------------------------------------------


def monthly_chart(figures: stats.Monthly) -> dict:
    return {
        "type": "bar",
        "labels": [cell_text(r.month) for r in figures.rows],
        "datasets": [
            {"label": _("New cases"), "data": [r.opened for r in figures.rows]},
            {"label": _("Closed cases"), "data": [r.closed for r in figures.rows]},
        ],
        "max": None,
    }


def breaches_chart(figures: stats.Monthly) -> dict:
    return {
        "type": "line",
        "labels": [cell_text(r.month) for r in figures.rows],
        "datasets": [{"label": _("Share within 72 hours (%)"), "data": [r.on_time_percent for r in figures.rows]}],
        "max": 100,
    }


# --- CSV ------------------------------------------------------------------------------------------


def csv_response(table: Table, filename: str) -> StreamingHttpResponse:
    """The table as a streamed CSV, in the exports' format (UTF-8 with BOM, ``;``, French, formulas
    neutralised): the cells as the page shows them."""
    return exports.csv_response(
        filename,
        lambda: [cell_text(header) for header in table.headers],
        lambda: ([cell_text(cell) for cell in row] for row in table.rows),
    )
