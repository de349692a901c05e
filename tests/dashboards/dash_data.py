"""Generated data for the managers' dashboard tests, and the brute-force figures computed from it in Python.

Rows are written with the ORM (not the services) so that dates can lie anywhere in the past: the
dashboard reads what the services would have written, and the brute force reads it back independently.
"""

from __future__ import annotations

import itertools
import random
import statistics
from collections import Counter, defaultdict
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from apps.breaches.models import BreachNotification
from apps.cases.models import Case, CaseTransition, Party
from apps.deadlines.models import Deadline
from apps.organisations.models import Organisation, Sector
from apps.outcomes.models import FormalNotice, SanctionDecision

PARIS = ZoneInfo("Europe/Paris")
_refs = itertools.count(1)
STATUSES_OPEN = ["opened", "investigating", "formal_notice", "warning"]


def month_of(value) -> date:
    if isinstance(value, datetime):
        value = value.astimezone(PARIS).date()
    return value.replace(day=1)


def sectors(n: int = 2) -> list[Sector]:
    return [Sector.objects.create(code=f"s{i}", name_fr=f"Secteur {i}", name_en=f"Sector {i}") for i in range(n)]


def organisation(sector: Sector | None) -> Organisation:
    number = next(_refs)
    return Organisation.objects.create(legal_name=f"Organisation {number}", country="DE", sector=sector)


def case(actor, *, lead=None, opened_at, status="opened", origin="ex_officio", origin_case=None, orgs=()) -> Case:
    c = Case.objects.create(
        reference=f"2020-{next(_refs):06d}",
        origin=origin,
        legal_regime="gdpr",
        title=f"Dossier {status}",
        status=status,
        lead_investigator=lead,
        opened_by=actor,
        origin_case=origin_case,
    )
    Case.objects.filter(pk=c.pk).update(created_at=opened_at)
    c.refresh_from_db()
    for org in orgs:
        Party.objects.create(case=c, organisation=org, role="controller", processing="traitement")
    return c


def transition(actor, c: Case, to_status: str, at: datetime) -> None:
    CaseTransition.objects.create(case=c, from_status=c.status, to_status=to_status, actor=actor, at=at, reason="r")
    c.status = to_status
    Case.objects.filter(pk=c.pk).update(status=to_status)


def deadline(c: Case, due_at: datetime, status="open") -> Deadline:
    return Deadline.objects.create(
        case=c,
        kind="test",
        title=f"Échéance {next(_refs)}",
        rule_text="r",
        legal_source="l",
        amount=1,
        unit="days",
        start_event="e",
        started_at=due_at - timedelta(days=10),
        due_at=due_at,
        status=status,
    )


def breach(actor, c: Case, controller, received_at: datetime, delay_hours: float, phase="initial"):
    return BreachNotification.objects.create(
        case=c,
        controller=controller,
        phase=phase,
        received_at=received_at,
        awareness_at=received_at - timedelta(hours=delay_hours),
        recorded_by=actor,
    )


def notice(actor, c: Case, decided_on: date, status: str) -> FormalNotice:
    party = c.parties.first()
    return FormalNotice.objects.create(
        case=c,
        party=party,
        decision_reference=f"MED-{next(_refs)}",
        decided_on=decided_on,
        period_days=10,
        status=status,
        recorded_by=actor,
    )


def sanction(actor, c: Case, decided_on: date, fine, no_sanction=False) -> SanctionDecision:
    return SanctionDecision.objects.create(
        case=c,
        party=c.parties.first(),
        procedure="ordinary",
        deciding_body="restricted_committee",
        reference=f"SAN-{next(_refs)}",
        decided_on=decided_on,
        fine=fine,
        no_sanction=no_sanction,
        recorded_by=actor,
    )


def generate(actor, leads: list, sector_list: list[Sector], *, cases: int, seed: int = 7, now: datetime) -> list[Case]:
    """Random cases over the last two years: parties in 0-2 sectors, closures, reopenings, notices, sanctions,
    breach notifications (some late) and deadlines (some overdue, some soon, some far)."""
    rng = random.Random(seed)
    orgs = [organisation(s) for s in sector_list] + [organisation(None)]
    made = []
    for _ in range(cases):
        opened = now - timedelta(days=rng.randint(1, 700), hours=rng.randint(0, 23))
        c = case(
            actor,
            lead=rng.choice([*leads, None]),
            opened_at=opened,
            status=rng.choice(STATUSES_OPEN),
            origin=rng.choice(["ex_officio", "complaint", "breach_notification"]),
            orgs=rng.sample(orgs, rng.randint(0, 2)),
        )
        made.append(c)
        span = (now - opened).days
        if rng.random() < 0.5 and span > 2:
            closed = opened + timedelta(days=rng.randint(1, span - 1))
            transition(actor, c, "closed", closed)
            if rng.random() < 0.3 and (now - closed).days > 2:  # reopened
                reopened = closed + timedelta(days=1)
                transition(actor, c, "investigating", reopened)
                if rng.random() < 0.5:
                    transition(actor, c, "closed", reopened + timedelta(days=rng.randint(0, (now - reopened).days - 1)))
        if c.parties.exists():
            controller = c.parties.first().organisation
            if rng.random() < 0.5:
                breach(actor, c, controller, opened, rng.choice([1, 71.9, 72, 72.1, 100]))
                if rng.random() < 0.3:
                    breach(actor, c, controller, opened + timedelta(days=3), 200, phase="complementary")
            if rng.random() < 0.4:
                on = (opened + timedelta(days=rng.randint(0, max(1, span)))).astimezone(PARIS).date()
                notice(actor, c, on, rng.choice(["issued", "running", "complied", "not_complied"]))
            if rng.random() < 0.2:
                on = (opened + timedelta(days=rng.randint(0, max(1, span)))).astimezone(PARIS).date()
                sanction(
                    actor,
                    c,
                    on,
                    Decimal(rng.randint(0, 10**6)) / 100 if rng.random() < 0.8 else None,
                    no_sanction=rng.random() < 0.2,
                )
        for _d in range(rng.randint(0, 2)):
            deadline(
                c, now + timedelta(days=rng.uniform(-20, 40)), status=rng.choice(["open", "extended", "missed", "met"])
            )
    return made


# --- The brute force --------------------------------------------------------------------------------


@dataclass
class Expected:
    opened: Counter
    closed: Counter
    breaches: Counter
    on_time: Counter
    open_status: Counter
    open_origin: Counter
    close_median: float | None
    notice_median: float | None
    complied: int
    not_complied: int
    sanctions: int
    fines: Decimal
    overdue: Counter  # by lead id
    soon: Counter
    open_by_lead: Counter


def expected(*, start: date, end: date, sector=None, lead=None, now: datetime) -> Expected:
    def selected(c: Case) -> bool:
        if lead is not None and c.lead_investigator_id != lead.pk:
            return False
        return sector is None or any(p.organisation.sector_id == sector.pk for p in c.parties.all())

    def in_period(month: date) -> bool:
        return start <= month <= end

    cases = [c for c in Case.objects.prefetch_related("parties__organisation", "transitions") if selected(c)]
    e = Expected(
        Counter(),
        Counter(),
        Counter(),
        Counter(),
        Counter(),
        Counter(),
        None,
        None,
        0,
        0,
        0,
        Decimal(0),
        Counter(),
        Counter(),
        Counter(),
    )
    close_days, notice_days = [], []
    for c in cases:
        opened = c.created_at
        if in_period(month_of(opened)):
            e.opened[month_of(opened)] += 1
        if c.status == "closed":
            last = max((t for t in c.transitions.all() if t.to_status == "closed"), key=lambda t: t.at)
            if in_period(month_of(last.at)):
                e.closed[month_of(last.at)] += 1
                close_days.append((last.at.astimezone(PARIS).date() - opened.astimezone(PARIS).date()).days)
        else:
            e.open_status[c.status] += 1
            e.open_origin[c.origin] += 1
            e.open_by_lead[c.lead_investigator_id] += 1
        notices = list(FormalNotice.objects.filter(case=c))
        if notices:
            first = min(n.decided_on for n in notices)
            if in_period(month_of(first)):
                notice_days.append((first - opened.astimezone(PARIS).date()).days)
        for n in notices:
            if in_period(month_of(n.decided_on)):
                e.complied += n.status == "complied"
                e.not_complied += n.status == "not_complied"
        for s in SanctionDecision.objects.filter(case=c, no_sanction=False):
            if in_period(month_of(s.decided_on)):
                e.sanctions += 1
                e.fines += s.fine or 0
        for b in BreachNotification.objects.filter(case=c, phase="initial"):
            if in_period(month_of(b.received_at)):
                e.breaches[month_of(b.received_at)] += 1
                e.on_time[month_of(b.received_at)] += (b.received_at - b.awareness_at) <= timedelta(hours=72)
        deadlines = Deadline.objects.filter(case=c, status__in=["open", "extended", "missed"])
        for d in deadlines if c.status != "closed" else ():  # a closed case has nothing due
            if d.due_at < now:
                e.overdue[c.lead_investigator_id] += 1
            elif d.due_at < now + timedelta(days=14):
                e.soon[c.lead_investigator_id] += 1
    e.close_median = statistics.median(close_days) if close_days else None
    e.notice_median = statistics.median(notice_days) if notice_days else None
    return e


def by_lead(counter: Counter) -> dict:
    return defaultdict(int, counter)
