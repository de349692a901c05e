from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import ValidationError
from django.test import Client

from apps.audit.choices import AuditAction
from apps.audit.models import AuditEvent
from apps.breaches import services
from apps.breaches.selectors import controller_rows
from apps.cases import services as case_services
from apps.deadlines.models import Deadline
from apps.organisations.services import relationship_record
from tests.support import log_in_verified, make_organisation, make_staff, valid_siren

pytestmark = pytest.mark.django_db
PARIS = ZoneInfo("Europe/Paris")
AWARE = datetime(2024, 2, 1, 9, tzinfo=PARIS)


@pytest.fixture
def agent():
    return make_staff("ines@cnil.test")


@pytest.fixture
def incident(agent):
    operator = make_organisation("Opérateur", valid_siren(1))
    insurers = [make_organisation(f"Mutuelle {n}", valid_siren(n + 1)) for n in range(1, 4)]
    for insurer in insurers:
        relationship_record(actor=None, kind="processing", client=insurer, provider=operator, processing="tp")
    case = case_services.case_open(actor=agent, origin="breach_notification", legal_regime="gdpr", title="Fuite")
    case_services.party_add(actor=agent, case=case, organisation=operator, role="processor", processing="tp")
    linked = case_services.case_fan_out(actor=agent, case=case)
    return case, insurers, linked


def test_72_hour_clock_from_the_processors_information(agent, incident):
    _case, insurers, linked = incident
    on_time = services.breach_notification_record(
        actor=agent,
        case=linked[0],
        controller=insurers[0],
        phase="initial",
        processor_informed_at=AWARE,
        received_at=AWARE + timedelta(hours=71),
        approx_subjects=1_200_000,
    )
    assert on_time.awareness_at == AWARE
    assert not on_time.is_late
    late = services.breach_notification_record(
        actor=agent,
        case=linked[1],
        controller=insurers[1],
        phase="initial",
        awareness_at=AWARE,
        received_at=AWARE + timedelta(hours=73),
    )
    assert late.is_late
    assert late.late_without_reason
    deadline = Deadline.objects.get(object_type="breaches.breachnotification", object_id=str(late.pk))
    assert (deadline.kind, deadline.status, deadline.due_at) == (
        "breach_notification",
        "met",
        AWARE + timedelta(hours=72),
    )
    assert AuditEvent.objects.filter(action=AuditAction.BREACH_NOTIFICATION_RECORDED).count() == 2


def test_the_incident_lists_every_controller_with_its_status(agent, incident):
    case, insurers, linked = incident
    services.breach_notification_record(
        actor=agent,
        case=linked[0],
        controller=insurers[0],
        phase="initial",
        awareness_at=AWARE,
        received_at=AWARE + timedelta(hours=5),
    )
    services.breach_notification_record(
        actor=agent,
        case=linked[1],
        controller=insurers[1],
        phase="initial",
        awareness_at=AWARE,
        received_at=AWARE + timedelta(days=5),
        delay_reason="Enquête interne",
    )
    services.no_notification_record(
        actor=agent, case=linked[2], controller=insurers[2], reasoning="Données chiffrées", decided_at=AWARE
    )
    statuses = {row.controller.legal_name: (row.status, row.late_without_reason) for row in controller_rows(case)}
    assert statuses == {
        "Mutuelle 1": ("on_time", False),
        "Mutuelle 2": ("late", False),
        "Mutuelle 3": ("not_notified", False),
    }


def test_phases_and_the_latest_picture(agent, incident):
    _case, insurers, linked = incident
    services.breach_notification_record(
        actor=agent,
        case=linked[0],
        controller=insurers[0],
        phase="initial",
        awareness_at=AWARE,
        received_at=AWARE + timedelta(hours=80),
    )
    services.breach_notification_record(
        actor=agent,
        case=linked[0],
        controller=insurers[0],
        phase="complementary",
        awareness_at=AWARE,
        received_at=AWARE + timedelta(days=10),
        approx_subjects=33_000_000,
        delay_reason="Ampleur découverte tard",
    )
    row = controller_rows(linked[0])[0]
    assert [n.phase for n in row.phases] == ["initial", "complementary"]
    assert row.latest.approx_subjects == 33_000_000
    assert row.status == "late"
    assert not row.late_without_reason  # the complementary phase gave the reasons


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"phase": "initial", "awareness_at": AWARE + timedelta(days=2), "received_at": AWARE}, "awareness_at"),
        ({"phase": "complementary", "awareness_at": AWARE, "received_at": AWARE}, "phase"),
        (
            {
                "phase": "initial",
                "awareness_at": AWARE,
                "received_at": AWARE,
                "occurred_from": AWARE,
                "occurred_to": AWARE - timedelta(days=1),
            },
            "occurred_to",
        ),
    ],
)
def test_bad_input_saves_nothing(agent, incident, fields, field):
    _case, insurers, linked = incident
    with pytest.raises(ValidationError) as info:
        services.breach_notification_record(actor=agent, case=linked[0], controller=insurers[0], **fields)
    assert field in info.value.message_dict
    assert not Deadline.objects.filter(kind="breach_notification").exists()


def test_breach_tab_and_form(agent, incident):
    case, insurers, linked = incident
    client = Client()
    log_in_verified(client, agent)
    response = client.post(
        f"/cases/{linked[0].pk}/breach/notifications/new/",
        {
            "controller": insurers[0].pk,
            "phase": "initial",
            "received_at": "2024-02-05T10:00",
            "awareness_at": "2024-02-01T09:00",
        },
    )
    assert response.status_code == 302
    page = client.get(f"/cases/{case.pk}/tab/breach/").content.decode()
    assert "Reçue en retard" in page
    assert "En retard sans motif" in page
    assert page.count("Non reçue") == 2
    bad = client.post(
        f"/cases/{linked[1].pk}/breach/notifications/new/",
        {
            "controller": insurers[1].pk,
            "phase": "initial",
            "received_at": "2024-02-01T10:00",
            "awareness_at": "2024-02-03T09:00",
        },
    )
    assert bad.status_code == 200
    assert "après" in bad.content.decode()
