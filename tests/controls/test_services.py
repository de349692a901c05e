from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.test import Client
from django.utils import timezone

from apps.audit.choices import AuditAction
from apps.audit.models import AuditEvent
from apps.cases import services as case_services
from apps.controls import services
from apps.controls.models import Control
from apps.deadlines.models import Deadline
from apps.evidence import services as evidence_services
from tests.support import log_in_verified, make_staff

pytestmark = pytest.mark.django_db


@pytest.fixture
def agent():
    return make_staff("ines@cnil.test")


@pytest.fixture
def case(agent):
    return case_services.case_open(actor=agent, origin="ex_officio", legal_regime="gdpr", title="Contrôle")


def test_record_and_update_write_history_and_audit(agent, case):
    start = timezone.now() + timedelta(days=3)
    control = services.control_record(
        actor=agent, case=case, agents=[agent], kind="on_site", decision_reference="2026-1", planned_start=start
    )
    services.control_update(actor=agent, control=control, person_in_charge="DSI", actual_arrival=start)
    # Created (with its agents) and updated: one version each, the agents in the first one's snapshot.
    assert [record.history_type for record in control.history.order_by("history_date", "history_id")] == ["+", "~"]
    assert [agent.user_id for agent in control.history.earliest().agents.all()] == [agent.pk]
    events = AuditEvent.objects.filter(case_id=case.pk, action__in=["control_recorded", "control_changed"])
    assert [e.action for e in events.order_by("seq")] == [AuditAction.CONTROL_RECORDED, AuditAction.CONTROL_CHANGED]
    assert events.last().data["fields"] == ["actual_arrival", "person_in_charge"]


def test_checks_refuse_inconsistent_controls_without_writing(agent, case):
    now = timezone.now()
    with pytest.raises(ValidationError):
        services.control_record(
            actor=agent,
            case=case,
            kind="on_site",
            decision_reference="1",
            planned_start=now,
            planned_end=now - timedelta(hours=1),
        )
    with pytest.raises(ValidationError):
        services.control_record(actor=agent, case=case, kind="online", decision_reference="1")
    with pytest.raises(ValidationError):
        services.control_record(
            actor=agent, case=case, kind="on_site", decision_reference="1", objection=True, actual_arrival=now
        )
    assert not Control.objects.exists()


def test_prosecutor_notice_shortfall_is_a_warning_not_a_bar(agent, case):
    start = timezone.now() + timedelta(days=1)
    control = services.control_record(
        actor=agent,
        case=case,
        kind="on_site",
        decision_reference="1",
        planned_start=start,
        prosecutor_informed_at=start - timedelta(hours=20),
    )
    assert control.prosecutor_notice_short
    control = services.control_update(actor=agent, control=control, prosecutor_informed_at=start - timedelta(hours=25))
    assert not control.prosecutor_notice_short


def test_controls_tab_and_form(agent, case):
    client = Client()
    log_in_verified(client, agent)
    response = client.post(
        f"/cases/{case.pk}/controls/new/",
        {"kind": "documentary", "decision_reference": "2026-42", "agents": [agent.pk]},
    )
    assert response.status_code == 302
    page = client.get(f"/cases/{case.pk}/tab/controls/").content.decode()
    assert "2026-42" in page
    assert "Ines" in page or agent.full_name in page
    outsider = make_staff("hugo@cnil.test")
    other = Client()
    log_in_verified(other, outsider)
    control = Control.objects.get()
    assert other.get(f"/cases/{case.pk}/controls/{control.pk}/edit/").status_code == 404


def test_a_control_lists_its_minutes_from_the_case_evidence(agent, case):
    pv = evidence_services.evidence_register(
        actor=agent, case=case, upload=ContentFile(b"%PDF-1.4 pv", name="pv.pdf"), title="PV jour 1", source="on_site"
    )
    control = services.control_record(actor=agent, case=case, kind="on_site", decision_reference="1", documents=[pv])
    assert list(control.documents.all()) == [pv]
    other_case = case_services.case_open(actor=agent, origin="ex_officio", legal_regime="gdpr", title="Autre")
    foreign = evidence_services.evidence_register(
        actor=agent, case=other_case, upload=ContentFile(b"%PDF-1.4 x", name="x.pdf"), title="X", source="public"
    )
    with pytest.raises(ValidationError):
        services.control_update(actor=agent, control=control, documents=[pv, foreign])
    assert list(control.documents.all()) == [pv]


def test_an_on_site_control_owes_the_prosecutor_notice(agent, case):
    start = timezone.now() + timedelta(days=3)
    control = services.control_record(
        actor=agent,
        case=case,
        kind="on_site",
        decision_reference="1",
        planned_start=start,
        prosecutor_informed_at=start - timedelta(hours=10),
    )
    deadline = Deadline.objects.get(case=case, kind="prosecutor_notice")
    assert deadline.due_at == start - timedelta(hours=24)
    assert deadline.object_id == str(control.pk)
    assert deadline.status == "met"
    assert deadline.met_at > deadline.due_at  # informed late: a warning, not a bar (the control stands)
    assert control.prosecutor_notice_short
