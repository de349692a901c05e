"""Issue 10, history tables do not bloat: each service of deadlines writes one history version per
object it changes (the check and the shared state: tests/history_rows.py)."""

from datetime import timedelta

import pytest
from django.utils import timezone

from apps.deadlines import services as deadline_services
from tests.history_rows import Scenarios, check

pytestmark = pytest.mark.django_db
SCENARIOS = Scenarios()


@SCENARIOS.add("deadline_create")
def _(w):
    case = w.case
    return lambda: deadline_services.deadline_create(
        actor=w.agent, case=case, kind="breach_notification", started_at=timezone.now(), start_event="Connaissance"
    ), {"Deadline": 1}


@SCENARIOS.add("deadline_create (already met)")
def _(w):
    case = w.case
    return lambda: deadline_services.deadline_create(
        actor=w.agent,
        case=case,
        kind="breach_notification",
        started_at=timezone.now() - timedelta(hours=3),
        start_event="Connaissance",
        met_at=timezone.now(),
    ), {"Deadline": 1}


@SCENARIOS.add("deadline_extend")
def _(w):
    deadline = w.deadline("formal_notice_compliance", amount=10)
    return lambda: deadline_services.deadline_extend(
        actor=w.agent,
        deadline=deadline,
        new_due_at=deadline.due_at + timedelta(days=10),
        reason="Demande motivée",
        granted_by="Présidente",
    ), {"Deadline": 1}


@SCENARIOS.add("deadline_meet")
def _(w):
    deadline = w.deadline()
    return lambda: deadline_services.deadline_meet(actor=w.agent, deadline=deadline), {"Deadline": 1}


@SCENARIOS.add("deadline_cancel")
def _(w):
    deadline = w.deadline()
    return lambda: deadline_services.deadline_cancel(actor=w.agent, deadline=deadline, reason="Sans objet"), {
        "Deadline": 1
    }


@SCENARIOS.add("deadline_mark_missed")
def _(w):
    deadline = deadline_services.deadline_create(
        actor=w.agent,
        case=w.case,
        kind="breach_notification",
        started_at=timezone.now() - timedelta(days=5),
        start_event="Connaissance",
    )
    return lambda: deadline_services.deadline_mark_missed(deadline=deadline), {"Deadline": 1}


@pytest.mark.parametrize("service", SCENARIOS)
def test_a_service_writes_one_version_per_object_it_changes(service):
    check(service, SCENARIOS[service])
