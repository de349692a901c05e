"""Issue 10, history tables do not bloat: each service of controls writes one history version per
object it changes (the check and the shared state: tests/history_rows.py)."""

from datetime import timedelta

import pytest
from django.utils import timezone

from apps.controls import services as control_services
from tests.history_rows import Scenarios, check

pytestmark = pytest.mark.django_db
SCENARIOS = Scenarios()


@SCENARIOS.add("control_record")
def _(w):
    case = w.case
    return lambda: control_services.control_record(
        actor=w.agent, case=case, kind="online", decision_reference="2026-1", urls="https://demo.example"
    ), {"Control": 1}


@SCENARIOS.add("control_record (agents, notice already given)")
def _(w):
    w.ready("colleague")
    case, documents = w.case, [w.proof]
    start = timezone.now() + timedelta(days=2)
    # One version of the control with its agents and documents; its notice deadline created met.
    return lambda: control_services.control_record(
        actor=w.agent,
        case=case,
        agents=[w.agent, w.colleague],
        documents=documents,
        kind="on_site",
        decision_reference="2026-2",
        planned_start=start,
        prosecutor_informed_at=timezone.now(),
    ), {"Control": 1, "Deadline": 1}


@SCENARIOS.add("control_update (fields and agents)")
def _(w):
    w.ready("colleague")
    control = control_services.control_record(
        actor=w.agent,
        case=w.case,
        agents=[w.agent],
        kind="online",
        decision_reference="2026-3",
        urls="https://a.example",
    )
    return lambda: control_services.control_update(
        actor=w.agent, control=control, agents=[w.agent, w.colleague], notes="Deux agents"
    ), {"Control": 1}


@pytest.mark.parametrize("service", SCENARIOS)
def test_a_service_writes_one_version_per_object_it_changes(service):
    check(service, SCENARIOS[service])
