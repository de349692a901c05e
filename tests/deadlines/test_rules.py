"""Deadline rules at their edges (DOMAIN.md, "Deadlines: the rules to compute")."""

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from apps.deadlines.calendar import is_working_day, next_working_day
from apps.deadlines.rules import RULES, Unit, add_months, backward, forward

PARIS = ZoneInfo("Europe/Paris")
UTC = ZoneInfo("UTC")


def paris(*args):
    return datetime(*args, tzinfo=PARIS)


def due_day(computed):
    return computed.due_at.astimezone(PARIS).date()


def test_72_hours_never_move_for_weekends_or_holidays():
    # Friday 26 April 2024 10:00 → Monday 29 April 10:00, a weekend in between: hours are hours.
    assert forward(paris(2024, 4, 26, 10), 72, Unit.HOURS).due_at == paris(2024, 4, 29, 10)
    # Ending on 1 May (a public holiday): still 72 h.
    assert forward(paris(2024, 4, 28, 9), 72, Unit.HOURS).due_at == paris(2024, 5, 1, 9)


def test_72_hours_across_the_october_dst_change_are_72_real_hours():
    start = paris(2024, 10, 25, 12)  # CEST (UTC+2); clocks go back on 27 October
    due = forward(start, 72, Unit.HOURS).due_at
    assert due - start == timedelta(hours=72)
    assert due.astimezone(UTC) == datetime(2024, 10, 28, 10, tzinfo=UTC)  # 10:00 UTC + 72 h
    assert due.astimezone(PARIS).hour == 11  # wall clock moved back an hour


def test_72_hours_across_the_march_dst_change():
    start = paris(2024, 3, 29, 12)  # CET; clocks go forward on 31 March
    due = forward(start, 72, Unit.HOURS).due_at
    assert due.astimezone(UTC) - start.astimezone(UTC) == timedelta(hours=72)
    assert due.astimezone(PARIS).hour == 13


@pytest.mark.parametrize(
    ("start", "amount", "unit", "expected"),
    [
        (date(2024, 4, 26), 5, Unit.DAYS, date(2024, 5, 2)),  # ends 1 May (holiday) → Thursday 2 May
        (date(2024, 7, 4), 10, Unit.DAYS, date(2024, 7, 15)),  # ends Sunday 14 July → Monday 15
        (date(2025, 7, 4), 10, Unit.DAYS, date(2025, 7, 15)),  # ends Monday 14 July (holiday) → Tuesday 15
        (date(2024, 3, 22), 10, Unit.DAYS, date(2024, 4, 2)),  # ends Easter Monday 1 April → Tuesday 2
        (date(2024, 6, 5), 10, Unit.DAYS, date(2024, 6, 17)),  # ends Saturday 15 → Monday 17
        (date(2024, 6, 4), 10, Unit.DAYS, date(2024, 6, 14)),  # a Friday: no roll
        (date(2023, 1, 31), 1, Unit.MONTHS, date(2023, 2, 28)),  # month end clamp
        (date(2024, 1, 31), 1, Unit.MONTHS, date(2024, 2, 29)),  # leap year
        (date(2024, 2, 29), 12, Unit.MONTHS, date(2025, 2, 28)),  # 29 February + 1 year
        (date(2024, 2, 29), 1, Unit.MONTHS, date(2024, 3, 29)),
        (date(2024, 12, 6), 4, Unit.WEEKS, date(2025, 1, 3)),
        (date(2024, 11, 30), 1, Unit.MONTHS, date(2024, 12, 30)),
        (date(2025, 12, 25), 1, Unit.DAYS, date(2025, 12, 26)),
        (date(2025, 12, 24), 1, Unit.DAYS, date(2025, 12, 26)),  # ends Christmas → Friday 26
    ],
)
def test_forward_periods_roll_to_the_next_working_day(start, amount, unit, expected):
    computed = forward(paris(start.year, start.month, start.day, 15), amount, unit)
    assert due_day(computed) == expected
    assert computed.due_at.astimezone(PARIS).time().hour == 23  # end of the day, Paris


def test_the_rolled_date_is_kept_to_explain_the_due_date():
    computed = forward(paris(2024, 4, 26, 9), 5, Unit.DAYS)
    assert computed.rolled_from == date(2024, 5, 1)
    assert forward(paris(2024, 6, 4, 9), 10, Unit.DAYS).rolled_from is None


def test_delai_franc_appeal_example_of_domain_md():
    # "a decision notified on 3 January can be appealed until 4 March"
    computed = RULES["appeal"].compute(paris(2023, 1, 3, 11))
    assert due_day(RULES["appeal"].compute(paris(2025, 1, 3, 11))) == date(2025, 3, 4)  # a Tuesday
    # 2023-03-04 is a Saturday: the délai franc then rolls to Monday 6 March.
    assert due_day(computed) == date(2023, 3, 6)
    assert due_day(RULES["appeal_overseas"].compute(paris(2025, 1, 3, 11))) == date(2025, 4, 4)
    assert due_day(RULES["appeal_abroad"].compute(paris(2025, 1, 3, 11))) == next_working_day(date(2025, 5, 4))


def test_backward_periods_are_never_moved_forward():
    hearing = paris(2024, 5, 13, 10)  # a Monday
    latest = backward(hearing, 8, Unit.DAYS)
    assert due_day(latest) == date(2024, 5, 5)  # a Sunday: stays a Sunday
    prosecutor = RULES["prosecutor_notice"].compute(paris(2024, 5, 2, 9))
    assert prosecutor.due_at == paris(2024, 5, 1, 9)  # 1 May: still 24 h before
    assert RULES["prosecutor_notice"].shortfall_is_warning
    assert not RULES["hearing_convocation"].shortfall_is_warning


def test_lengths_set_case_by_case_respect_the_legal_floor():
    with pytest.raises(ValueError, match="at least 10"):
        RULES["formal_notice_compliance"].compute(paris(2024, 5, 2, 9), amount=5)
    with pytest.raises(ValueError, match="must be given"):
        RULES["document_request"].compute(paris(2024, 5, 2, 9))
    assert due_day(RULES["formal_notice_compliance"].compute(paris(2024, 5, 2, 9), amount=10)) == date(2024, 5, 13)
    with pytest.raises(ValueError, match="positive"):
        forward(paris(2024, 5, 2, 9), 0, Unit.DAYS)


def test_every_rule_has_a_source_and_computes():
    start = paris(2026, 3, 2, 10)
    for rule in RULES.values():
        assert rule.source
        computed = rule.compute(start, amount=rule.amount or 15)
        assert computed.due_at.tzinfo is not None


def test_calendar():
    assert not is_working_day(date(2026, 5, 1))
    assert not is_working_day(date(2026, 4, 6))  # Easter Monday 2026
    assert not is_working_day(date(2026, 11, 28))  # a Saturday
    assert is_working_day(date(2026, 11, 30))
    assert next_working_day(date(2026, 5, 8)) == date(2026, 5, 11)


def test_add_months_clamps():
    assert add_months(date(2024, 10, 31), 4) == date(2025, 2, 28)
    assert add_months(date(2024, 12, 15), 1) == date(2025, 1, 15)
