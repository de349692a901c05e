"""Reads of the managers' dashboard: the figures, from the summary cube and a few indexed live queries.

Every function here runs a fixed number of queries whatever the data: the monthly figures and the
open cases are sums over ``StatCell`` (rewritten by ``stats_refresh``); deadlines are read live from
their ``(status, due_at)`` index (only the outstanding ones due within 14 days); an incident reads
its own cases through ``breaches.selectors.controller_rows``.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.db.models import Case as When_
from django.db.models import DateField, Exists, F, IntegerField, OuterRef, Sum, Value, When
from django.utils import timezone

from apps.breaches.selectors import campaign_totals, controller_rows
from apps.cases.choices import CaseStatus, Origin
from apps.cases.models import Case, Party
from apps.deadlines.models import Deadline
from apps.organisations.models import Sector

from .stats_models import StatCell, StatSnapshot
from .stats_refresh import DEADLINES_SOON, OUTSTANDING_DEADLINES

SOON = DEADLINES_SOON
OUTSTANDING = OUTSTANDING_DEADLINES
HISTOGRAMS = ("close_days", "notice_days")
MONTHLY_METRICS = ("opened", "closed", "close_days", "notice_days", "notice_outcome", "breach", "sanction", "incident")
DEADLINE_LIST_LIMIT = 50
INCIDENT_LIST_LIMIT = 20


@dataclass(frozen=True)
class Filters:
    start: date  # first day of the first month
    end: date  # first day of the last month
    sector: Sector | None = None
    investigator: object | None = None  # a user: lead investigator of the case

    def months(self) -> list[date]:
        out, month = [], self.start
        while month <= self.end:
            out.append(month)
            month = (month + timedelta(days=32)).replace(day=1)
        return out

    def cells(self, *, per_lead: bool = False):
        """The cube's cells of the filters: rolled up over every lead unless an investigator is
        chosen or ``per_lead`` (figures grouped by lead)."""
        cells = StatCell.objects.filter(sector=self.sector) if self.sector else StatCell.objects.filter(sector=None)
        if self.investigator is not None:
            return cells.filter(every_lead=False, lead=self.investigator)
        return cells.filter(every_lead=not per_lead)


def median(histogram: dict[int, int]) -> float | None:
    """The median of values given as {value: how many}: the middle one, or the mean of the two middle ones."""
    total = sum(histogram.values())
    if not total:
        return None
    wanted = sorted({(total - 1) // 2, total // 2})
    found, seen = [], 0
    for value in sorted(histogram):
        count = histogram[value]
        while wanted and wanted[0] < seen + count:
            found.append(value)
            wanted.pop(0)
        seen += count
    return sum(found) / len(found)


def percent(part: int, whole: int) -> float | None:
    return round(100 * part / whole, 1) if whole else None


@dataclass
class MonthRow:
    month: date
    opened: int = 0
    closed: int = 0
    breaches: int = 0
    breaches_on_time: int = 0

    @property
    def on_time_percent(self) -> float | None:
        return percent(self.breaches_on_time, self.breaches)


@dataclass
class Monthly:
    rows: list[MonthRow]
    close_median_days: float | None
    closed_cases: int
    notice_median_days: float | None
    noticed_cases: int
    notices_complied: int
    notices_not_complied: int
    sanctions: int
    fines_total: Decimal
    incidents: list[tuple[int, int]] = field(default_factory=list)  # (case id, linked cases)

    @property
    def notices_complied_percent(self) -> float | None:
        return percent(self.notices_complied, self.notices_complied + self.notices_not_complied)

    @property
    def breaches(self) -> int:
        return sum(r.breaches for r in self.rows)

    @property
    def breaches_on_time(self) -> int:
        return sum(r.breaches_on_time for r in self.rows)

    @property
    def on_time_percent(self) -> float | None:
        return percent(self.breaches_on_time, self.breaches)


def monthly(filters: Filters) -> Monthly:
    """Every per-month figure of the period: one query on the cube."""
    rows = {m: MonthRow(m) for m in filters.months()}
    close_days: dict[int, int] = defaultdict(int)
    notice_days: dict[int, int] = defaultdict(int)
    outcomes: dict[str, int] = defaultdict(int)
    sanctions, fines = 0, Decimal(0)
    incidents: dict[int, int] = defaultdict(int)
    # The histograms (days to closure, to formal notice) are summed over the whole period in SQL: per
    # month they would be thousands of rows to add up here.
    cells = (
        filters.cells()
        .filter(metric__in=MONTHLY_METRICS, month__gte=filters.start, month__lte=filters.end)
        .annotate(
            period=When_(When(metric__in=HISTOGRAMS, then=Value(None)), default=F("month"), output_field=DateField())
        )
        .values("metric", "period", "key")
        .annotate(total=Sum("n"), money=Sum("amount"))
        .order_by()
    )
    for cell in cells:
        metric, row, key, n = cell["metric"], rows.get(cell["period"]), cell["key"], cell["total"]
        if metric == "opened":
            row.opened += n
        elif metric == "closed":
            row.closed += n
        elif metric == "breach":
            row.breaches += n
            if key == "on_time":
                row.breaches_on_time += n
        elif metric == "close_days":
            close_days[int(key)] += n
        elif metric == "notice_days":
            notice_days[int(key)] += n
        elif metric == "notice_outcome":
            outcomes[key] += n
        elif metric == "sanction":
            sanctions += n
            fines += cell["money"] or Decimal(0)
        elif metric == "incident":
            incidents[int(key)] = max(incidents[int(key)], n)
    return Monthly(
        rows=list(rows.values()),
        close_median_days=median(close_days),
        closed_cases=sum(close_days.values()),
        notice_median_days=median(notice_days),
        noticed_cases=sum(notice_days.values()),
        notices_complied=outcomes["complied"],
        notices_not_complied=outcomes["not_complied"],
        sanctions=sanctions,
        fines_total=fines,
        incidents=sorted(incidents.items(), key=lambda i: -i[0])[:INCIDENT_LIST_LIMIT],
    )


@dataclass
class OpenNow:
    by_status: list[tuple[str, int]]  # (label, count), in workflow order
    by_origin: list[tuple[str, int]]
    by_lead: dict[int | None, int]

    @property
    def total(self) -> int:
        return sum(n for _label, n in self.by_status)


def open_now(filters: Filters) -> OpenNow:
    """Open cases today by status, origin and lead investigator: one query on the cube's snapshot cells.

    Counts by status and origin come from the cells rolled up over every lead (a dozen rows), counts
    by lead from the per-lead status cells summed per lead (one row per lead): adding up every
    (status, lead) cell here was thousands of rows per request at a million cases.
    """
    status, origin, lead = defaultdict(int), defaultdict(int), defaultdict(int)
    by_key = (
        filters.cells()
        .filter(metric__in=("open_status", "open_origin"), month=None)
        .values("metric", "key")
        .annotate(who=Value(None, output_field=IntegerField()), total=Sum("n"))
        .order_by()
    )
    by_lead = (
        filters.cells(per_lead=True)
        .filter(metric="open_status", month=None)
        .values("lead")
        .annotate(metric=Value("lead"), key=Value(""), who=F("lead"), total=Sum("n"))
        .values("metric", "key", "who", "total")
        .order_by()
    )
    for cell in by_key.union(by_lead, all=True):
        if cell["metric"] == "open_status":
            status[cell["key"]] += cell["total"]
        elif cell["metric"] == "open_origin":
            origin[cell["key"]] += cell["total"]
        else:
            lead[cell["who"]] += cell["total"]
    return OpenNow(
        by_status=[(str(label), status[value]) for value, label in CaseStatus.choices if value in status],
        by_origin=[(str(label), origin[value]) for value, label in Origin.choices if value in origin],
        by_lead=dict(lead),
    )


def _deadlines_scope(filters: Filters, now):
    """Outstanding deadlines (open, extended, missed but not yet met) due within 14 days or overdue, of
    cases not closed (closing a case cancels its open deadlines; a missed one stays missed, not due)."""
    deadlines = Deadline.objects.filter(status__in=OUTSTANDING, due_at__lt=now + SOON).exclude(
        case__status=CaseStatus.CLOSED
    )
    if filters.sector is not None:
        deadlines = deadlines.filter(
            Exists(Party.objects.filter(case=OuterRef("case_id"), organisation__sector=filters.sector))
        )
    if filters.investigator is not None:
        deadlines = deadlines.filter(case__lead_investigator=filters.investigator)
    return deadlines


def deadline_list(filters: Filters, *, now=None, limit: int | None = DEADLINE_LIST_LIMIT):
    """The overdue and soon-due deadlines, soonest first (all of them for the CSV: ``limit=None``)."""
    now = now or timezone.now()
    deadlines = (
        _deadlines_scope(filters, now)
        .select_related("case", "case__lead_investigator")
        .annotate(overdue=When_(When(due_at__lt=now, then=Value(1)), default=Value(0), output_field=IntegerField()))
        .order_by("due_at", "id")
    )
    return deadlines[:limit] if limit else deadlines.iterator(chunk_size=2000)


def deadline_counts(filters: Filters) -> dict[int | None, tuple[int, int]]:
    """{lead investigator id: (overdue, due within 14 days)}, as of the last refresh: one query on the cube."""
    counts: dict[int | None, list[int]] = defaultdict(lambda: [0, 0])
    for cell in (
        filters.cells(per_lead=True)
        .filter(metric="deadlines", month=None)
        .values("lead", "key")
        .annotate(total=Sum("n"))
    ):
        counts[cell["lead"]][0 if cell["key"] == "overdue" else 1] += cell["total"]
    return {lead: (overdue, soon) for lead, (overdue, soon) in counts.items()}


@dataclass
class WorkloadRow:
    lead: object | None  # a user, or None: cases without a lead investigator
    open_cases: int
    overdue: int
    soon: int

    @property
    def name(self) -> str:
        return self.lead.get_full_name() if self.lead is not None else ""


def workload(open_cases: OpenNow, counts: dict[int | None, tuple[int, int]]) -> list[WorkloadRow]:
    """Per lead investigator: open cases, overdue deadlines, deadlines in the next 14 days (one query for names)."""
    ids = set(open_cases.by_lead) | set(counts)
    users = {u.pk: u for u in get_user_model().objects.filter(pk__in=[i for i in ids if i is not None])}
    rows = [
        WorkloadRow(users.get(i) if i is not None else None, open_cases.by_lead.get(i, 0), *counts.get(i, (0, 0)))
        for i in ids
    ]
    return sorted(rows, key=lambda r: (r.lead is None, -r.open_cases, -r.soon, r.name))


def snapshot() -> StatSnapshot | None:
    return StatSnapshot.objects.filter(pk=1).first()


def incidents(ids_and_counts: list[tuple[int, int]]) -> list[tuple[Case, int]]:
    cases = Case.objects.in_bulk([pk for pk, _n in ids_and_counts])
    return [(cases[pk], n) for pk, n in ids_and_counts if pk in cases]


def incident(case: Case):
    """Per controller of the incident and of its fan-out cases: notification status and Art. 34 campaign."""
    rows = controller_rows(case)
    return rows, campaign_totals(rows)
