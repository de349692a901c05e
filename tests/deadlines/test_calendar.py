"""The iCalendar feed: my open deadlines behind a secret link that I can replace or revoke."""

import re
from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
from django.test import Client
from icalendar import Calendar

from apps.accounts import services as account_services
from apps.audit.choices import AuditAction
from apps.audit.models import AuditEvent
from apps.cases import services as case_services
from apps.deadlines import services
from apps.deadlines.models import CalendarFeed
from tests.support import log_in_verified, make_staff

pytestmark = pytest.mark.django_db
PARIS = ZoneInfo("Europe/Paris")


@pytest.fixture
def agent():
    return make_staff("ines@cnil.test")


@pytest.fixture
def client_for(agent):
    client = Client()
    log_in_verified(client, agent)
    return client


def new_link(client) -> str:
    page = client.post("/deadlines/calendar/", {"action": "renew"}).content.decode()
    return re.search(r'id="calendar-url" type="text" readonly value="http://testserver([^"]+)"', page).group(1)


def test_my_open_deadlines_as_calendar_events(agent, client_for):
    mine = case_services.case_open(actor=agent, origin="ex_officio", legal_regime="gdpr", title="Délais")
    services.deadline_create(
        actor=agent,
        case=mine,
        kind="sanction_observations",  # 1 month from 28 January: Friday 28 February
        started_at=datetime(2025, 1, 28, 10, tzinfo=PARIS),
        start_event="Réception du rapport",
    )
    services.deadline_create(
        actor=agent,
        case=mine,
        kind="breach_notification",
        started_at=datetime(2025, 3, 3, 9, 30, tzinfo=PARIS),
        start_event="Connaissance de la violation",
    )
    other = make_staff("autre@cnil.test")
    theirs = case_services.case_open(actor=other, origin="ex_officio", legal_regime="gdpr", title="Pas à moi")
    services.deadline_create(
        actor=other,
        case=theirs,
        kind="complainant_update",
        started_at=datetime(2025, 1, 2, tzinfo=PARIS),
        start_event="x",
    )

    url = new_link(client_for)
    response = Client().get(url)  # a calendar application: no session
    assert response.status_code == 200
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    events = {str(e["summary"]): e for e in Calendar.from_ical(response.content).walk("VEVENT")}
    assert set(events) == {
        f"Observations sur le rapport de sanction — {mine.reference}",
        f"Notification de la violation à la CNIL — {mine.reference}",
    }
    day_event = events[f"Observations sur le rapport de sanction — {mine.reference}"]
    assert day_event.decoded("dtstart") == date(2025, 2, 28)  # an all-day event on the due day
    hour_event = events[f"Notification de la violation à la CNIL — {mine.reference}"]
    assert hour_event.decoded("dtstart") == datetime(2025, 3, 6, 9, 30, tzinfo=PARIS)  # 72 real hours
    assert f"/cases/{mine.pk}/tab/deadlines/" in str(hour_event["description"])
    assert CalendarFeed.objects.get(user=agent).last_used_at is not None


def test_replace_and_revoke_the_link(agent, client_for):
    first = new_link(client_for)
    token = first.rsplit("/", 1)[1].removesuffix(".ics")
    assert not CalendarFeed.objects.filter(token_hash__contains=token).exists()  # only its hash is stored
    second = new_link(client_for)
    assert second != first
    assert Client().get(first).status_code == 404
    assert Client().get(second).status_code == 200
    page = client_for.get("/deadlines/calendar/").content.decode()
    assert second not in page  # shown once, when created

    client_for.post("/deadlines/calendar/", {"action": "revoke"})
    assert Client().get(second).status_code == 404
    assert not CalendarFeed.objects.exists()
    actions = list(AuditEvent.objects.filter(action__startswith="calendar_feed").values_list("action", flat=True))
    assert actions == [AuditAction.CALENDAR_FEED_CREATED] * 2 + [AuditAction.CALENDAR_FEED_REVOKED]
    assert client_for.post("/deadlines/calendar/", {"action": "nonsense"}).status_code == 400


def test_unknown_token_and_deactivated_user_look_the_same(agent, client_for):
    url = new_link(client_for)
    assert Client().get("/deadlines/calendar/not-a-token.ics").status_code == 404
    account_services.user_deactivate(actor=None, user=agent)
    assert Client().get(url).status_code == 404
