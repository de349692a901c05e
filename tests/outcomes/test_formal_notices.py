"""Formal notices: findings and measures, delivery and receipt, the period from receipt, compliance and closure."""

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import ValidationError

from apps.audit.choices import AuditAction
from apps.audit.models import AuditEvent
from apps.cases import services as case_services
from apps.cases.models import Case
from apps.deadlines import services as deadline_services
from apps.deadlines.models import Deadline
from apps.outcomes import deliveries, sanctions, services
from apps.outcomes.models import FormalNotice, Measure

pytestmark = pytest.mark.django_db
PARIS = ZoneInfo("Europe/Paris")
PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
SENT = datetime(2024, 2, 28, 10, tzinfo=PARIS)
RECEIVED = datetime(2024, 3, 4, 9, tzinfo=PARIS)  # a Monday


def issue(agent, party, finding, security, **overrides):
    values = {
        "actor": agent,
        "party": party,
        "findings": [finding],
        "measures": [
            {"obligation": security, "description": "Mettre en place l'authentification multifacteur"},
            {"obligation": security, "description": "Journaliser les accès au portail"},
        ],
        "decision_reference": "MED-2024-001",
        "decided_on": date(2024, 2, 27),
        "period_days": 10,
    }
    return services.formal_notice_issue(**(values | overrides))


def deliver(agent, notice, proof, *, means):
    """Sent on SENT, received on RECEIVED with its proof."""
    return deliveries.delivery_record(
        actor=agent,
        document_kind="formal_notice",
        document_id=notice.pk,
        means=means,
        sent_at=SENT,
        received_at=RECEIVED,
        proof=proof,
    )


def test_refusals_with_the_rule(agent, setting):
    case, party, finding, security, _proof = setting
    cases = [
        ({"findings": []}, "findings"),
        ({"measures": []}, "measures"),
        ({"period_days": 9}, "period_days"),
        ({"period_days": None}, "period_days"),
        ({"public": True}, "bureau_decision_reference"),
    ]
    for overrides, field in cases:
        with pytest.raises(ValidationError) as error:
            issue(agent, party, finding, security, **overrides)
        assert field in error.value.message_dict, overrides
        if field == "period_days":
            assert "au moins 10 jours" in error.value.message_dict[field][0]  # the rule, in the refusal
    assert not FormalNotice.objects.exists()
    assert Case.objects.get(pk=case.pk).status == "investigating"


def test_period_runs_from_receipt_exactly_10_days_and_extends_once(agent, setting):
    case, party, finding, security, proof = setting
    notice = issue(agent, party, finding, security)
    assert Case.objects.get(pk=case.pk).status == "formal_notice"
    assert notice.measures.count() == 2
    delivery = deliveries.delivery_record(
        actor=agent, document_kind="formal_notice", document_id=notice.pk, means="signed_receipt_letter", sent_at=SENT
    )
    assert not Deadline.objects.filter(kind="formal_notice_compliance").exists()  # nothing runs before receipt
    with pytest.raises(ValidationError) as error:
        deliveries.delivery_receipt_record(
            actor=agent, delivery=delivery, received_at=SENT - timedelta(hours=1), proof=proof
        )
    assert "received_at" in error.value.message_dict
    with pytest.raises(ValidationError) as error:
        deliveries.delivery_receipt_record(actor=agent, delivery=delivery, received_at=RECEIVED, proof=None)
    assert "proof" in error.value.message_dict
    deliveries.delivery_receipt_record(actor=agent, delivery=delivery, received_at=RECEIVED, proof=proof)
    deadline = Deadline.objects.get(kind="formal_notice_compliance")
    assert deadline.due_at.astimezone(PARIS).date() == date(2024, 3, 14)  # 10 days from receipt (Thursday)
    assert deadline.object_id == str(notice.pk)
    with pytest.raises(ValidationError):
        deliveries.delivery_receipt_record(actor=agent, delivery=delivery, received_at=RECEIVED, proof=proof)

    deadline_services.deadline_extend(
        actor=agent,
        deadline=deadline,
        new_due_at=deadline.due_at + timedelta(days=10),
        reason="Délai",
        granted_by="Président",
    )
    with pytest.raises(ValidationError):
        deadline_services.deadline_extend(
            actor=agent,
            deadline=deadline,
            new_due_at=deadline.due_at + timedelta(days=20),
            reason="Encore",
            granted_by="Président",
        )


def test_urgent_notice_runs_24_hours(agent, setting):
    _case, party, finding, security, proof = setting
    notice = issue(agent, party, finding, security, urgent=True, period_days=3)
    assert notice.period_days is None
    deliver(agent, notice, proof, means="bailiff")
    deadline = Deadline.objects.get(kind="formal_notice_compliance_urgent")
    assert deadline.due_at == RECEIVED + timedelta(hours=24)


def test_compliance_all_met_allows_closure(agent, setting):
    case, party, finding, security, proof = setting
    notice = issue(agent, party, finding, security)
    deliver(agent, notice, proof, means="qualified_erm")
    first, second = Measure.objects.filter(notice=notice)
    services.measure_check(actor=agent, measure=first, met=True, note="MFA déployée")
    assert FormalNotice.objects.get().status == "running"
    services.measure_check(actor=agent, measure=second, met=True)
    assert FormalNotice.objects.get().status == "complied"
    assert Case.objects.get(pk=case.pk).status == "notice_complied"
    assert Deadline.objects.get(kind="formal_notice_compliance").status == "met"
    case_services.case_transition(
        actor=agent,
        case=case,
        to_status="closed",
        reason="Conforme",
        deciding_body="president",
        decision_reference="C-1",
    )
    assert Case.objects.get(pk=case.pk).status == "closed"
    actions = set(AuditEvent.objects.filter(case_id=case.pk).values_list("action", flat=True))
    assert {AuditAction.FORMAL_NOTICE_ISSUED, AuditAction.DELIVERY_RECORDED, AuditAction.MEASURE_CHECKED} <= actions
    assert notice.history.count() >= 1
    assert all(m.history.filter(history_type="+").exists() for m in notice.measures.all())  # created with history


def test_a_measure_not_met_leads_to_sanction_not_closure(agent, setting):
    case, party, finding, security, proof = setting
    notice = issue(agent, party, finding, security)
    deliver(agent, notice, proof, means="bailiff")
    first, second = Measure.objects.filter(notice=notice)
    services.measure_check(actor=agent, measure=first, met=True)
    services.measure_check(actor=agent, measure=second, met=False, note="Journalisation absente")
    assert FormalNotice.objects.get().status == "not_complied"
    assert Case.objects.get(pk=case.pk).status == "formal_notice"
    with pytest.raises(ValidationError) as error:  # the guard, even for a service
        case_services.case_transition(actor=agent, case=case, to_status="notice_complied", reason="x", service=True)
    assert "mise en demeure" in " ".join(error.value.messages)
    with pytest.raises(ValidationError):  # the President refers the case through the procedure's service
        case_services.case_transition(
            actor=agent,
            case=case,
            to_status="sanction_ordinary",
            reason="x",
            deciding_body="president",
            decision_reference="D-1",
        )
    sanctions.sanction_procedure_open(
        actor=agent,
        party=party,
        procedure="ordinary",
        referral_reference="D-2024-9",
        opened_on=date(2024, 4, 2),
        rapporteur="Mme Rapporteure",
    )
    assert Case.objects.get(pk=case.pk).status == "sanction_ordinary"
