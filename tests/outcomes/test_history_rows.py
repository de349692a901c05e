"""Issue 10, history tables do not bloat: each service of assessments, formal notices, deliveries,
sanction procedures, appeals and liquidations writes one history version per object it changes (the
check and the shared state: tests/history_rows.py)."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from apps.outcomes import appeals, deliveries, documents, sanctions
from apps.outcomes import services as outcome_services
from apps.outcomes.models import Measure, Obligation
from tests.history_rows import Scenarios, check, paris
from tests.outcomes.support import deliver, procedure_ready, report_delivered

pytestmark = pytest.mark.django_db
SCENARIOS = Scenarios()


@SCENARIOS.add("assessment_record")
def _(w):
    w.ready("proof")
    party = w.party
    return lambda: outcome_services.assessment_record(
        actor=w.agent,
        party=party,
        obligation=Obligation.objects.get(code="gdpr-32"),
        status="infringement",
        evidence=[w.proof],
        finding={"facts": "Pas de MFA", "evidence": [w.proof]},
    ), {"Assessment": 1, "Finding": 1}


@SCENARIOS.add("assessment_record (again, other evidence)")
def _(w):
    finding, other = w.finding, w.evidence("Capture")
    return lambda: outcome_services.assessment_record(
        actor=w.agent,
        party=w.party,
        obligation=finding.assessment.obligation,
        status="infringement",
        evidence=[other],
        finding={"facts": "Pas de MFA ni de journalisation", "evidence": [other]},
    ), {"Assessment": 1, "Finding": 1}


@SCENARIOS.add("assessment_record (back to compliant)")
def _(w):
    finding = w.finding
    return lambda: outcome_services.assessment_record(
        actor=w.agent, party=w.party, obligation=finding.assessment.obligation, status="compliant"
    ), {"Assessment": 1, "Finding": 1}


@SCENARIOS.add("group_turnover_record")
def _(w):
    organisation = w.organisation
    return lambda: outcome_services.group_turnover_record(
        actor=w.agent, organisation=organisation, financial_year=2024, amount=Decimal("1000000"), source="Rapport"
    ), {"GroupTurnover": 1}


@SCENARIOS.add("group_turnover_record (correction)")
def _(w):
    outcome_services.group_turnover_record(
        actor=w.agent, organisation=w.organisation, financial_year=2024, amount=Decimal("1000000"), source="Rapport"
    )
    return lambda: outcome_services.group_turnover_record(
        actor=w.agent, organisation=w.organisation, financial_year=2024, amount=Decimal("1200000"), source="Greffe"
    ), {"GroupTurnover": 1}


@SCENARIOS.add("formal_notice_issue")
def _(w):
    w.finding  # noqa: B018
    # The notice with its findings, its measure, and the case moving to "formal notice".
    return w.notice, {"FormalNotice": 1, "Measure": 1, "Case": 1}


@SCENARIOS.add("delivery_record")
def _(w):
    notice = w.notice()
    return lambda: deliveries.delivery_record(
        actor=w.agent,
        document_kind="formal_notice",
        document_id=notice.pk,
        means="signed_receipt_letter",
        sent_at=timezone.now() - timedelta(days=2),
    ), {"Delivery": 1}


@SCENARIOS.add("delivery_record (with its receipt)")
def _(w):
    notice, proof = w.notice(), w.proof
    # One version of the delivery holding the receipt; the compliance deadline it starts.
    return lambda: deliveries.delivery_record(
        actor=w.agent,
        document_kind="formal_notice",
        document_id=notice.pk,
        means="signed_receipt_letter",
        sent_at=timezone.now() - timedelta(days=2),
        received_at=timezone.now() - timedelta(days=1),
        proof=proof,
    ), {"Delivery": 1, "FormalNotice": 1, "Deadline": 1}


@SCENARIOS.add("delivery_receipt_record")
def _(w):
    notice, proof = w.notice(), w.proof
    delivery = deliveries.delivery_record(
        actor=w.agent,
        document_kind="formal_notice",
        document_id=notice.pk,
        means="signed_receipt_letter",
        sent_at=timezone.now() - timedelta(days=2),
    )
    return lambda: deliveries.delivery_receipt_record(
        actor=w.agent, delivery=delivery, received_at=timezone.now() - timedelta(days=1), proof=proof
    ), {"Delivery": 1, "FormalNotice": 1, "Deadline": 1}


@SCENARIOS.add("measure_check")
def _(w):
    notice = w.notice()
    deliver(w.agent, "formal_notice", notice, w.proof, sent_at=paris(2025, 3, 2), received_at=paris(2025, 3, 4))
    measure = Measure.objects.get(notice=notice)
    # The last measure met: the notice complied with, its compliance deadline met, the case moves on.
    return lambda: outcome_services.measure_check(actor=w.agent, measure=measure, met=True, note="MFA en place"), {
        "Measure": 1,
        "FormalNotice": 1,
        "Deadline": 1,
        "Case": 1,
    }


@SCENARIOS.add("notice_closure_publish")
def _(w):
    notice = w.notice(public=True, bureau_decision_reference="BUR-2025-1", published_on=date(2025, 3, 2))
    deliver(w.agent, "formal_notice", notice, w.proof, sent_at=paris(2025, 3, 2), received_at=paris(2025, 3, 4))
    outcome_services.measure_check(actor=w.agent, measure=Measure.objects.get(notice=notice), met=True)
    return lambda: outcome_services.notice_closure_publish(
        actor=w.agent, notice=notice, published_on=timezone.localdate()
    ), {"FormalNotice": 1}


@SCENARIOS.add("sanction_procedure_open")
def _(w):
    party = w.party
    return lambda: sanctions.sanction_procedure_open(
        actor=w.agent,
        party=party,
        procedure="ordinary",
        referral_reference="D-2025-001",
        opened_on=date(2025, 1, 2),
        rapporteur="Mme Rapporteure",
    ), {"SanctionProcedure": 1, "Case": 1}


@SCENARIOS.add("sanction_report_record")
def _(w):
    procedure = sanctions.sanction_procedure_open(
        actor=w.agent,
        party=w.party,
        procedure="ordinary",
        referral_reference="D-2025-001",
        opened_on=date(2025, 1, 2),
        rapporteur="Mme Rapporteure",
    )
    return lambda: sanctions.sanction_report_record(
        actor=w.agent, procedure=procedure, reference="RAP-2025-001", dated_on=date(2025, 1, 3)
    ), {"SanctionReport": 1, "SanctionProcedure": 1}


@SCENARIOS.add("observation_record")
def _(w):
    procedure = report_delivered(w.agent, w.party, w.proof)
    return lambda: sanctions.observation_record(
        actor=w.agent, procedure=procedure, author="organisation", received_at=paris(2025, 2, 5, 10), summary="Défense"
    ), {"Observation": 1, "Deadline": 2}  # the observations deadline met, the rapporteur's reply one started


@SCENARIOS.add("investigation_close")
def _(w):
    procedure = report_delivered(w.agent, w.party, w.proof)
    sanctions.observation_record(
        actor=w.agent, procedure=procedure, author="organisation", received_at=paris(2025, 2, 5, 10), summary="Défense"
    )
    return lambda: sanctions.investigation_close(actor=w.agent, procedure=procedure, closed_on=date(2025, 2, 10)), {
        "SanctionProcedure": 1,
        "Deadline": 1,
    }


@SCENARIOS.add("hearing_schedule")
def _(w):
    procedure = report_delivered(w.agent, w.party, w.proof)
    sanctions.observation_record(
        actor=w.agent, procedure=procedure, author="organisation", received_at=paris(2025, 2, 5, 10), summary="Défense"
    )
    sanctions.investigation_close(actor=w.agent, procedure=procedure, closed_on=date(2025, 2, 10))
    return lambda: sanctions.hearing_schedule(
        actor=w.agent, procedure=procedure, scheduled_at=paris(2025, 3, 20, 10)
    ), {"Hearing": 1, "Deadline": 1}


@SCENARIOS.add("hearing_request_record")
def _(w):
    procedure = report_delivered(w.agent, w.party, w.proof, procedure="simplified")
    return lambda: sanctions.hearing_request_record(actor=w.agent, procedure=procedure), {"SanctionProcedure": 1}


@SCENARIOS.add("sanction_procedure_switch")
def _(w):
    procedure = report_delivered(w.agent, w.party, w.proof, procedure="simplified")
    return lambda: sanctions.sanction_procedure_switch(
        actor=w.agent, procedure=procedure, reference="D-2025-002", switched_on=date(2025, 1, 20)
    ), {"SanctionProcedure": 1, "Case": 1}


@SCENARIOS.add("sanction_decide")
def _(w):
    procedure_ready(w.agent, w.party, w.proof)
    finding = w.finding
    # One version of the decision with its findings; the procedure decided; the case decided.
    return lambda: sanctions.sanction_decide(
        actor=w.agent,
        party=w.party,
        deciding_body="restricted_committee",
        reference="SAN-2025-9",
        decided_on=date(2025, 4, 10),
        findings=[finding],
        fine=Decimal("1000"),
    ), {"SanctionDecision": 1, "SanctionProcedure": 1, "Case": 1}


@SCENARIOS.add("appeal_lodge")
def _(w):
    decision = w.delivered_decision(fine=Decimal("1000"))
    return lambda: appeals.appeal_lodge(
        actor=w.agent, decision=decision, lodged_on=date(2025, 5, 2), reference="CE 1", suspension_requested=True
    ), {"Appeal": 1, "Case": 1, "Deadline": 1}


@SCENARIOS.add("appeal_suspension_record")
def _(w):
    decision = w.delivered_decision(fine=Decimal("1000"))
    appeal = appeals.appeal_lodge(
        actor=w.agent, decision=decision, lodged_on=date(2025, 5, 2), reference="CE 1", suspension_requested=True
    )
    return lambda: appeals.appeal_suspension_record(actor=w.agent, appeal=appeal, suspension="rejected"), {"Appeal": 1}


@SCENARIOS.add("appeal_outcome_record")
def _(w):
    decision = w.delivered_decision(fine=Decimal("1000"))
    appeal = appeals.appeal_lodge(actor=w.agent, decision=decision, lodged_on=date(2025, 5, 2), reference="CE 1")
    return lambda: appeals.appeal_outcome_record(
        actor=w.agent, appeal=appeal, outcome="confirmed", outcome_on=date(2026, 3, 2), outcome_reference="CE 2026-17"
    ), {"Appeal": 1, "Case": 1}


@SCENARIOS.add("liquidation_open")
def _(w):
    decision = w.delivered_decision(injunction="Mettre en place la MFA", penalty_per_day=Decimal("1000"))
    return lambda: appeals.liquidation_open(actor=w.agent, decision=decision, reference="LIQ-1", days_late=30), {
        "Liquidation": 1
    }


@SCENARIOS.add("liquidation_observations_record")
def _(w):
    decision = w.delivered_decision(injunction="Mettre en place la MFA", penalty_per_day=Decimal("1000"))
    liquidation = appeals.liquidation_open(actor=w.agent, decision=decision, reference="LIQ-1", days_late=30)
    received = timezone.now() - timedelta(days=1)
    deliver(
        w.agent, "liquidation_notice", liquidation, w.proof, sent_at=received - timedelta(days=1), received_at=received
    )
    return lambda: appeals.liquidation_observations_record(
        actor=w.agent, liquidation=liquidation, received_at=timezone.now()
    ), {"Liquidation": 1, "Deadline": 1}


@SCENARIOS.add("liquidation_decide")
def _(w):
    decision = w.delivered_decision(injunction="Mettre en place la MFA", penalty_per_day=Decimal("1000"))
    liquidation = appeals.liquidation_open(actor=w.agent, decision=decision, reference="LIQ-1", days_late=30)
    received = timezone.now() - timedelta(days=1)
    deliver(
        w.agent, "liquidation_notice", liquidation, w.proof, sent_at=received - timedelta(days=1), received_at=received
    )
    appeals.liquidation_observations_record(actor=w.agent, liquidation=liquidation, received_at=timezone.now())
    return lambda: appeals.liquidation_decide(
        actor=w.agent,
        liquidation=liquidation,
        amount_due=Decimal("30000"),
        decided_on=timezone.localdate(),
        decision_reference="L-2026-1",
    ), {"Liquidation": 1}


@SCENARIOS.add("document_generate")
def _(w):
    notice = w.notice()
    # The PDF registered as evidence with its party: one version.
    return lambda: documents.document_generate(actor=w.agent, kind="formal_notice", obj=notice), {"Evidence": 1}


@pytest.mark.parametrize("service", SCENARIOS)
def test_a_service_writes_one_version_per_object_it_changes(service):
    check(service, SCENARIOS[service])
