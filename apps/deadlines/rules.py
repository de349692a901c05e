"""Deadline rules: how a due date is computed from a start, and from which legal source.

DOMAIN.md, "Deadlines: the rules to compute":
- hour periods (72 h) never move for weekends or holidays, and are real hours (across a change
  of daylight saving time too);
- forward day, week and month periods start the day after the event; months are calendar months
  clamped to the month's end; a period ending on a Saturday, Sunday or French public holiday runs
  to the end of the next working day (Reg. 1182/71 art. 3(4); CPC art. 642 by analogy);
- backward periods ("at least N before an event") are never moved: the latest date to act is
  simply event - N;
- the délai franc (appeal to the Conseil d'État): neither the day of notification nor the last
  day counts, then the roll applies.
Due dates of day-based periods are the end of the day, Europe/Paris.
"""

from __future__ import annotations

import calendar as pycalendar
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.utils.translation import gettext_lazy as _

from .calendar import next_working_day

PARIS = ZoneInfo("Europe/Paris")
UTC = ZoneInfo("UTC")


class Unit:
    HOURS = "hours"
    DAYS = "days"
    WEEKS = "weeks"
    MONTHS = "months"


@dataclass(frozen=True)
class Computed:
    due_at: datetime
    explanation: str
    rolled_from: date | None = None  # the date the period ended on before rolling to a working day


def add_months(day: date, months: int) -> date:
    """Calendar months, clamped to the month's end (31 January + 1 month = 28/29 February)."""
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return date(year, month, min(day.day, pycalendar.monthrange(year, month)[1]))


def end_of_day(day: date) -> datetime:
    return datetime.combine(day, time(23, 59, 59, 999999), tzinfo=PARIS)


def _local_date(moment: datetime) -> date:
    return moment.astimezone(PARIS).date()


def forward(start: datetime, amount: int, unit: str, *, franc: bool = False) -> Computed:
    """A forward period from ``start`` (hours never move; day-based periods roll)."""
    if amount <= 0:
        raise ValueError("a period is positive")
    if unit == Unit.HOURS:
        # Real hours: arithmetic on a Europe/Paris datetime would add wall-clock hours (wrong
        # across a daylight-saving change), so count in UTC.
        return Computed(start.astimezone(UTC) + timedelta(hours=amount), f"{amount} h")
    day = _local_date(start)
    if unit == Unit.DAYS:
        end = day + timedelta(days=amount)
    elif unit == Unit.WEEKS:
        end = day + timedelta(weeks=amount)
    elif unit == Unit.MONTHS:
        end = add_months(day, amount)
    else:
        raise ValueError(f"unknown unit {unit}")
    if franc:
        end += timedelta(days=1)  # the last day does not count either
    rolled = next_working_day(end)
    return Computed(end_of_day(rolled), f"{amount} {unit}", rolled_from=end if rolled != end else None)


def backward(event: datetime, amount: int, unit: str) -> Computed:
    """ "At least N before ``event``": the latest moment to act, never moved forward."""
    if amount <= 0:
        raise ValueError("a period is positive")
    if unit == Unit.HOURS:
        return Computed(event.astimezone(UTC) - timedelta(hours=amount), f"{amount} h before")
    if unit == Unit.DAYS:
        return Computed(end_of_day(_local_date(event) - timedelta(days=amount)), f"{amount} days before")
    raise ValueError(f"unknown unit {unit}")


@dataclass(frozen=True)
class Rule:
    """A kind of deadline: its counting, default length, legal source and limits."""

    code: str
    label: str
    source: str
    unit: str
    amount: int | None  # None: the length is set case by case (formal notice, request for documents)
    direction: str = "forward"
    franc: bool = False
    max_extensions: int | None = None
    minimum: int | None = None  # the law's floor for a length set case by case
    shortfall_is_warning: bool = False

    def compute(self, start: datetime, *, amount: int | None = None) -> Computed:
        length = amount if amount is not None else self.amount
        if length is None:
            raise ValueError("this deadline's length must be given")
        if self.minimum is not None and length < self.minimum:
            raise ValueError(f"at least {self.minimum} {self.unit}")
        if self.direction == "backward":
            return backward(start, length, self.unit)
        return forward(start, length, self.unit, franc=self.franc)


RULES: dict[str, Rule] = {
    rule.code: rule
    for rule in (
        Rule("breach_notification", _("Breach notification to the CNIL"), "GDPR Art. 33(1)", Unit.HOURS, 72),
        Rule(
            "prosecutor_notice",
            _("Prosecutor informed before an on-site control"),
            "Control procedure: prosecutor informed at the latest 24 h before (a shortfall warns)",
            Unit.HOURS,
            24,
            direction="backward",
            shortfall_is_warning=True,
        ),
        Rule(
            "hearing_convocation",
            _("Hearing convocation received"),
            "Control procedure: the convocation reaches the person at least 8 days before",
            Unit.DAYS,
            8,
            direction="backward",
        ),
        Rule(
            "formal_notice_compliance",
            _("Compliance with a formal notice"),
            "Formal notice: at least 10 days from receipt, extendable once; Reg. 1182/71 art. 3(4) / CPC art. 642 roll",
            Unit.DAYS,
            None,
            max_extensions=1,
            minimum=10,
        ),
        Rule(
            "formal_notice_compliance_urgent",
            _("Compliance with an urgent formal notice"),
            "Formal notice in urgency: 24 h from receipt, extendable once",
            Unit.HOURS,
            24,
            max_extensions=1,
        ),
        Rule(
            "sanction_observations",
            _("Observations on the sanction report"),
            "Sanction procedure: 1 month from receipt of the report; CPC art. 642 by analogy",
            Unit.MONTHS,
            1,
        ),
        Rule(
            "sanction_observations_urgent",
            _("Observations on the sanction report (urgency)"),
            "Urgency procedure: 8 days for observations",
            Unit.DAYS,
            8,
        ),
        Rule(
            "rapporteur_reply",
            _("Rapporteur's reply"),
            "Sanction procedure: 1 month from receipt of the observations; CPC art. 642 by analogy",
            Unit.MONTHS,
            1,
        ),
        Rule(
            "committee_hearing_notice",
            _("Notice of the restricted committee's hearing"),
            "Sanction procedure: hearing notified at least 15 days ahead",
            Unit.DAYS,
            15,
            direction="backward",
        ),
        Rule(
            "committee_hearing_notice_urgent",
            _("Notice of the restricted committee's hearing (urgency)"),
            "Urgency procedure: convocation at least 8 days ahead",
            Unit.DAYS,
            8,
            direction="backward",
        ),
        Rule(
            "astreinte_observations",
            _("Observations on the liquidation of a periodic penalty"),
            "Periodic penalty liquidation: 15 days for observations",
            Unit.DAYS,
            15,
        ),
        Rule(
            "appeal",
            _("Appeal to the Conseil d'État"),
            "Appeal to the Conseil d'État: 2 months from notification, délai franc",
            Unit.MONTHS,
            2,
            franc=True,
        ),
        Rule(
            "appeal_overseas",
            _("Appeal to the Conseil d'État (overseas)"),
            "Appeal to the Conseil d'État: délai franc, extended for distance",
            Unit.MONTHS,
            3,
            franc=True,
        ),
        Rule(
            "appeal_abroad",
            _("Appeal to the Conseil d'État (abroad)"),
            "Appeal to the Conseil d'État: délai franc, extended for distance",
            Unit.MONTHS,
            4,
            franc=True,
        ),
        Rule("art60_objection", _("Objection to a draft decision"), "GDPR Art. 60(4) (4 weeks)", Unit.WEEKS, 4),
        Rule(
            "art60_revised_objection",
            _("Objection to a revised draft decision"),
            "GDPR Art. 60(5) (2 weeks)",
            Unit.WEEKS,
            2,
        ),
        Rule(
            "complainant_update",
            _("Complainant informed of progress"),
            "GDPR Art. 78(2) (3 months from the complaint)",
            Unit.MONTHS,
            3,
        ),
        Rule(
            "communication_order",
            _("Communication to data subjects ordered by the CNIL"),
            "GDPR Art. 34(4): the period set in the order, from its receipt; CPC art. 642 by analogy",
            Unit.DAYS,
            None,
            minimum=1,
        ),
        Rule(
            "document_request",
            _("Documents requested"),
            "Documentary control: as set in the letter, from receipt",
            Unit.DAYS,
            None,
        ),
    )
}
