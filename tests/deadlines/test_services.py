from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.test import Client

from apps.audit.choices import AuditAction
from apps.audit.models import AuditEvent
from apps.cases import services as case_services
from apps.deadlines import services
from apps.deadlines.models import Deadline, DeadlineStatus
from tests.support import log_in_verified, make_staff

pytestmark = pytest.mark.django_db
PARIS = ZoneInfo("Europe/Paris")


@pytest.fixture
def agent():
    return make_staff("ines@cnil.test")


@pytest.fixture
def case(agent):
    return case_services.case_open(actor=agent, origin="ex_officio", legal_regime="gdpr", title="Délais")


def test_create_records_rule_source_and_explanation(agent, case):
    deadline = services.deadline_create(
        actor=agent,
        case=case,
        kind="sanction_observations",
        started_at=datetime(2024, 12, 31, 10, tzinfo=PARIS),
        start_event="Réception du rapport",
    )
    assert deadline.due_at.astimezone(PARIS).date().isoformat() == "2025-01-31"
    assert "CPC art. 642" in deadline.legal_source
    assert deadline.rule_text.startswith("1 months")
    assert AuditEvent.objects.filter(action=AuditAction.DEADLINE_CREATED, case_id=case.pk).count() == 1
    assert deadline.history.count() == 1


def test_formal_notice_extends_once_and_only_later(agent, case):
    deadline = services.deadline_create(
        actor=agent,
        case=case,
        kind="formal_notice_compliance",
        amount=30,
        started_at=datetime(2025, 3, 3, 9, tzinfo=PARIS),
        start_event="Réception de la mise en demeure",
    )
    with pytest.raises(ValidationError):
        services.deadline_extend(
            actor=agent, deadline=deadline, new_due_at=deadline.due_at, reason="x", granted_by="Présidente"
        )
    later = deadline.due_at + timedelta(days=30)
    deadline = services.deadline_extend(
        actor=agent, deadline=deadline, new_due_at=later, reason="Travaux en cours", granted_by="Présidente"
    )
    assert (deadline.status, deadline.due_at) == (DeadlineStatus.EXTENDED, later)
    with pytest.raises(ValidationError, match="1"):
        services.deadline_extend(
            actor=agent, deadline=deadline, new_due_at=later + timedelta(days=1), reason="x", granted_by="P"
        )
    services.deadline_meet(actor=agent, deadline=deadline)
    with pytest.raises(ValidationError):
        services.deadline_extend(
            actor=agent, deadline=deadline, new_due_at=later + timedelta(days=9), reason="x", granted_by="P"
        )


def test_closing_the_case_cancels_open_deadlines(agent, case):
    open_one = services.deadline_create(
        actor=agent,
        case=case,
        kind="complainant_update",
        started_at=datetime(2025, 1, 6, tzinfo=PARIS),
        start_event="Plainte",
    )
    met = services.deadline_create(
        actor=agent,
        case=case,
        kind="rapporteur_reply",
        started_at=datetime(2025, 1, 6, tzinfo=PARIS),
        start_event="Observations",
    )
    services.deadline_meet(actor=agent, deadline=met)
    case_services.case_transition(
        actor=agent,
        case=case,
        to_status="closed",
        reason="Rien à relever",
        deciding_body="president",
        decision_reference="D-1",
    )
    assert Deadline.objects.get(pk=open_one.pk).status == DeadlineStatus.CANCELLED
    assert Deadline.objects.get(pk=met.pk).status == DeadlineStatus.MET


def test_overdue_queryset_with_frozen_time(agent, case):
    with time_machine.travel(datetime(2025, 1, 6, 9, tzinfo=PARIS), tick=False):
        deadline = services.deadline_create(
            actor=agent,
            case=case,
            kind="breach_notification",
            started_at=datetime(2025, 1, 6, 8, tzinfo=PARIS),
            start_event="Prise de connaissance",
        )
        assert not Deadline.objects.overdue().exists()
    with time_machine.travel(datetime(2025, 1, 9, 8, 1, tzinfo=PARIS), tick=False):
        assert list(Deadline.objects.overdue()) == [deadline]


def test_deadlines_tab_explains_the_due_date(agent, case):
    services.deadline_create(
        actor=agent,
        case=case,
        kind="document_request",
        amount=5,
        started_at=datetime(2024, 4, 26, 9, tzinfo=PARIS),
        start_event="Réception du courrier",
    )
    client = Client()
    log_in_verified(client, agent)
    page = client.get(f"/cases/{case.pk}/tab/deadlines/").content.decode()
    assert "02/05/2024" in page
    assert "01/05/2024" in page  # where the period ended before rolling
    assert "Réception du courrier" in page


def test_my_deadlines_lists_my_cases_overdue_first(agent, case):
    other = make_staff("hugo@cnil.test")
    theirs = case_services.case_open(actor=other, origin="ex_officio", legal_regime="gdpr", title="Autre")
    now = datetime.now(tz=PARIS)
    services.deadline_create(
        actor=agent, case=case, kind="document_request", amount=30, started_at=now, start_event="Courrier"
    )
    services.deadline_create(
        actor=agent, case=case, kind="rapporteur_reply", started_at=now - timedelta(days=60), start_event="Observations"
    )
    services.deadline_create(
        actor=other, case=theirs, kind="document_request", amount=5, started_at=now, start_event="Pas à moi"
    )
    client = Client()
    log_in_verified(client, agent)
    page = client.get("/deadlines/mine/").content.decode()
    assert page.index("Réponse du rapporteur") < page.index("Documents demandés")
    assert "Dépassée" in page
    assert theirs.reference not in page


def test_a_complaint_owes_the_complainant_news_within_3_months(agent):
    complaint = case_services.case_open(
        actor=agent,
        origin="complaint",
        legal_regime="gdpr",
        title="Plainte",
        complainant={"full_name": "Camille", "lodged_on": date(2025, 1, 31)},
    )
    deadline = Deadline.objects.get(case=complaint)
    assert deadline.kind == "complainant_update"
    assert deadline.due_at.astimezone(PARIS).date().isoformat() == "2025-04-30"  # 31 Jan + 3 months, clamped
    other = case_services.case_open(actor=agent, origin="ex_officio", legal_regime="gdpr", title="Auto-saisine")
    assert not Deadline.objects.filter(case=other).exists()


def test_add_and_extend_a_deadline_from_the_case(agent, case):
    client = Client()
    log_in_verified(client, agent)
    response = client.post(
        f"/deadlines/case/{case.pk}/new/",
        {
            "kind": "formal_notice_compliance",
            "start_event": "Réception de la mise en demeure",
            "started_at": "2025-03-03T09:00",
            "amount": "30",
        },
    )
    assert response.status_code == 302
    deadline = Deadline.objects.get(case=case, kind="formal_notice_compliance")
    too_short = client.post(
        f"/deadlines/case/{case.pk}/new/",
        {"kind": "formal_notice_compliance", "start_event": "x", "started_at": "2025-03-03T09:00", "amount": "5"},
    )
    assert too_short.status_code == 200
    assert "Au moins 10" in too_short.content.decode()
    earlier = client.post(
        f"/deadlines/case/{case.pk}/{deadline.pk}/extend/",
        {"new_due_at": "2025-03-10T12:00", "granted_by": "Présidente", "reason": "x"},
    )
    assert "postérieure" in earlier.content.decode()
    ok = client.post(
        f"/deadlines/case/{case.pk}/{deadline.pk}/extend/",
        {"new_due_at": "2025-05-30T12:00", "granted_by": "Présidente", "reason": "Travaux"},
    )
    assert ok.status_code == 302
    deadline.refresh_from_db()
    assert deadline.status == DeadlineStatus.EXTENDED
    outsider = Client()
    log_in_verified(outsider, make_staff("hugo@cnil.test"))
    assert outsider.get(f"/deadlines/case/{case.pk}/{deadline.pk}/extend/").status_code == 404
