"""Rewrites the dashboard's summary cube (``StatCell``) from the base tables.

Run by the ``refresh_dashboard_stats`` Celery task (beat, every ``DASHBOARD_REFRESH_MINUTES``) and at
the end of ``seed_demo``. It reads the cases in id order by chunks, with a fixed number of queries per
chunk, and keeps in memory only the cube (a few cells per case at most), then replaces the cube in one
transaction: a dashboard reads the previous figures until the commit, never a half-written cube.

What each metric counts (months in Europe/Paris):

- ``opened``: cases by month of opening.
- ``closed``: cases closed today, by month of their **last** closure. A case reopened and not closed
  again is not counted; closed, reopened and closed again, it counts once, in the month of its last
  closure (its first closure is not a closure any more: the case was not finished).
- ``close_days``: the same cases, key = days from opening to that last closure (medians).
- ``open_status`` / ``open_origin``: open cases today by status / origin (snapshot, no month).
- ``notice_days``: cases with a formal notice, by month of the first one; key = days from opening.
- ``notice_outcome``: formal notices whose outcome is known, by month decided; key complied / not_complied.
- ``breach``: initial breach notifications by month received; key on_time (within 72 hours of
  awareness, Art. 33(1)) / late.
- ``sanction``: sanction decisions that impose a sanction, by month decided; amount = fines.
- ``incident``: cases with fan-out cases (an incident), by month opened; key = the case id, n = linked cases.
- ``deadlines``: outstanding deadlines (open, extended, missed and not met) of cases not closed, at the
  time of the refresh (snapshot, no month); key overdue / soon (due within 14 days). Counting them
  live meant joining every outstanding deadline to its case on each view (half a second at a
  million cases); the list of the soonest is still read live.
"""

from __future__ import annotations

import time
from collections import Counter, defaultdict
from datetime import date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from django.db import connection, transaction
from django.db.models import Count, Max, Min
from django.utils import timezone

from apps.breaches.choices import Phase
from apps.breaches.models import NOTIFICATION_PERIOD, BreachNotification
from apps.cases.choices import CaseStatus
from apps.cases.models import Case, CaseTransition, Party
from apps.deadlines.models import Deadline, DeadlineStatus
from apps.outcomes.choices import NoticeStatus
from apps.outcomes.models import FormalNotice, SanctionDecision

from .stats_models import StatCell, StatSnapshot

PARIS = ZoneInfo("Europe/Paris")
CHUNK = 2000
# Outstanding: not met nor cancelled; soon: due within 14 days (the dashboard's deadline tables).
OUTSTANDING_DEADLINES = (DeadlineStatus.OPEN, DeadlineStatus.EXTENDED, DeadlineStatus.MISSED)
DEADLINES_SOON = timedelta(days=14)
WRITE_BATCH = 5000


def month_of(value: datetime | date) -> date:
    if isinstance(value, datetime):
        value = value.astimezone(PARIS).date()
    return value.replace(day=1)


def local_date(value: datetime) -> date:
    return value.astimezone(PARIS).date()


class _Cube:
    def __init__(self) -> None:
        self.n: Counter = Counter()
        self.amount: defaultdict = defaultdict(Decimal)

    def add(self, metric, month, sectors, lead, key="", n=1, amount=None) -> None:
        for sector in (None, *sectors):
            for cell in ((metric, month, sector, lead, str(key), False), (metric, month, sector, None, str(key), True)):
                self.n[cell] += n
                if amount:
                    self.amount[cell] += amount

    def cells(self):
        for (metric, month, sector, lead, key, every_lead), n in self.n.items():
            yield StatCell(
                metric=metric,
                month=month,
                sector_id=sector,
                lead_id=lead,
                every_lead=every_lead,
                key=key,
                n=n,
                amount=self.amount.get((metric, month, sector, lead, key, every_lead), Decimal(0)),
            )


def _chunk(cube: _Cube, cases: list[dict], now: datetime) -> None:
    ids = [c["id"] for c in cases]
    sectors: dict[int, set[int]] = defaultdict(set)
    for case_id, sector_id in (
        Party.objects.filter(case_id__in=ids, organisation__sector__isnull=False)
        .values_list("case_id", "organisation__sector_id")
        .distinct()
    ):
        sectors[case_id].add(sector_id)
    last_closure = dict(
        CaseTransition.objects.filter(case_id__in=ids, to_status=CaseStatus.CLOSED)
        .values("case_id")
        .annotate(at=Max("at"))
        .values_list("case_id", "at")
    )
    first_notice = dict(
        FormalNotice.objects.filter(case_id__in=ids)
        .values("case_id")
        .annotate(on=Min("decided_on"))
        .values_list("case_id", "on")
    )
    linked = dict(
        Case.objects.filter(origin_case_id__in=ids)
        .values("origin_case_id")
        .annotate(n=Count("id"))
        .values_list("origin_case_id", "n")
    )
    for case in cases:
        pk, lead, opened = case["id"], case["lead_investigator_id"], case["created_at"]
        s = sectors.get(pk, ())
        cube.add("opened", month_of(opened), s, lead)
        if case["status"] == CaseStatus.CLOSED and pk in last_closure:
            closed = last_closure[pk]
            cube.add("closed", month_of(closed), s, lead)
            cube.add("close_days", month_of(closed), s, lead, (local_date(closed) - local_date(opened)).days)
        elif case["status"] != CaseStatus.CLOSED:
            cube.add("open_status", None, s, lead, case["status"])
            cube.add("open_origin", None, s, lead, case["origin"])
        if pk in first_notice:
            on = first_notice[pk]
            cube.add("notice_days", month_of(on), s, lead, (on - local_date(opened)).days)
        if pk in linked:
            cube.add("incident", month_of(opened), s, lead, pk, n=linked[pk])
    info = {c["id"]: c for c in cases}
    not_closed = [c["id"] for c in cases if c["status"] != CaseStatus.CLOSED]
    for case_id, due in Deadline.objects.filter(
        case_id__in=not_closed, status__in=OUTSTANDING_DEADLINES, due_at__lt=now + DEADLINES_SOON
    ).values_list("case_id", "due_at"):
        key = "overdue" if due < now else "soon"
        cube.add("deadlines", None, sectors.get(case_id, ()), info[case_id]["lead_investigator_id"], key)
    for case_id, received, aware in BreachNotification.objects.filter(case_id__in=ids, phase=Phase.INITIAL).values_list(
        "case_id", "received_at", "awareness_at"
    ):
        key = "on_time" if received <= aware + NOTIFICATION_PERIOD else "late"
        cube.add("breach", month_of(received), sectors.get(case_id, ()), info[case_id]["lead_investigator_id"], key)
    for case_id, decided, status in FormalNotice.objects.filter(
        case_id__in=ids, status__in=[NoticeStatus.COMPLIED, NoticeStatus.NOT_COMPLIED]
    ).values_list("case_id", "decided_on", "status"):
        cube.add(
            "notice_outcome", month_of(decided), sectors.get(case_id, ()), info[case_id]["lead_investigator_id"], status
        )
    for case_id, decided, fine in SanctionDecision.objects.filter(case_id__in=ids, no_sanction=False).values_list(
        "case_id", "decided_on", "fine"
    ):
        cube.add(
            "sanction",
            month_of(decided),
            sectors.get(case_id, ()),
            info[case_id]["lead_investigator_id"],
            amount=fine or Decimal(0),
        )


def refresh() -> StatSnapshot:
    """Recompute the whole cube and replace it atomically; returns the new snapshot."""
    started, now = time.monotonic(), timezone.now()
    cube = _Cube()
    last_id = 0
    fields = ("id", "status", "origin", "lead_investigator_id", "created_at")
    while True:
        cases = list(Case.objects.filter(pk__gt=last_id).order_by("pk").values(*fields)[:CHUNK])
        if not cases:
            break
        _chunk(cube, cases, now)
        last_id = cases[-1]["id"]
    with transaction.atomic():
        StatCell.objects.all().delete()
        batch, count = [], 0
        for cell in cube.cells():
            batch.append(cell)
            if len(batch) >= WRITE_BATCH:
                StatCell.objects.bulk_create(batch)
                count += len(batch)
                batch = []
        StatCell.objects.bulk_create(batch)
        count += len(batch)
        snapshot, _created = StatSnapshot.objects.update_or_create(
            pk=1, defaults={"refreshed_at": now, "seconds": time.monotonic() - started, "cells": count}
        )
    if connection.vendor == "postgresql":
        # Every row was replaced: the planner's statistics of the table are those of the old cube
        # until autovacuum comes by (an empty table's estimates made the dashboard's sums sort on disk).
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE dashboards_statcell")
    return snapshot
