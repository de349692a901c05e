"""Issue 10, history tables do not bloat: each service of breach notifications, no-notification
decisions and Art. 34 campaigns writes one history version per object it changes (the check and the
shared state: tests/history_rows.py)."""

from datetime import timedelta

import pytest
from django.utils import timezone

from apps.breaches import services as breach_services
from tests.history_rows import Scenarios, check

pytestmark = pytest.mark.django_db
SCENARIOS = Scenarios()


@SCENARIOS.add("breach_notification_record")
def _(w):
    case, organisation = w.case, w.organisation
    aware = timezone.now() - timedelta(hours=30)
    # The notification, and its 72-hour deadline created met (one version, not created then met).
    return lambda: breach_services.breach_notification_record(
        actor=w.agent,
        case=case,
        controller=organisation,
        phase="initial",
        awareness_at=aware,
        received_at=aware + timedelta(hours=20),
    ), {"BreachNotification": 1, "Deadline": 1}


@SCENARIOS.add("no_notification_record")
def _(w):
    case, organisation = w.case, w.organisation
    return lambda: breach_services.no_notification_record(
        actor=w.agent, case=case, controller=organisation, reasoning="Pas de risque", decided_at=timezone.now()
    ), {"NoNotificationDecision": 1}


@SCENARIOS.add("campaign_record")
def _(w):
    case, organisation = w.case, w.organisation
    return lambda: breach_services.campaign_record(
        actor=w.agent, case=case, controller=organisation, decision="required", channels=["letter"], planned_total=10
    ), {"Campaign": 1}


@pytest.mark.parametrize("service", SCENARIOS)
def test_a_service_writes_one_version_per_object_it_changes(service):
    check(service, SCENARIOS[service])
