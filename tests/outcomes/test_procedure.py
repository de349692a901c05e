"""The sanction procedure at its boundaries: observations periods from the report's receipt, the rounds
(the organisation has the last word), the hearing's notice (15 days, 8 in urgency), the simplified
procedure's hearing on request and its switch to the ordinary one, the urgency limitation (3 months),
the appeal with its suspension and ruling, and a periodic penalty's liquidation."""

from datetime import date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from apps.audit.choices import AuditAction
from apps.audit.models import AuditEvent
from apps.cases import services as case_services
from apps.cases.models import Case, CaseTransition
from apps.deadlines.models import Deadline
from apps.outcomes import appeals, deliveries, sanctions, services
from apps.outcomes.models import Appeal, Hearing, Liquidation, Observation, SanctionDecision, SanctionProcedure

from .support import (
    CLOSED,
    CONVOCATION_RECEIVED,
    HEARING,
    OBSERVATIONS,
    deliver,
    procedure_ready,
    report_delivered,
)

pytestmark = pytest.mark.django_db
PARIS = ZoneInfo("Europe/Paris")


def paris(*args):
    return datetime(*args, tzinfo=PARIS)


def test_a_sanction_procedure_needs_no_prior_notice_but_its_service(agent, setting):
    case, party, _finding, _security, _proof = setting
    with pytest.raises(ValidationError):  # the generic status form cannot open it: a rapporteur is appointed
        case_services.case_transition(
            actor=agent,
            case=case,
            to_status="sanction_ordinary",
            reason="x",
            deciding_body="president",
            decision_reference="D",
        )
    with pytest.raises(ValidationError) as error:
        sanctions.sanction_procedure_open(
            actor=agent,
            party=party,
            procedure="ordinary",
            referral_reference="",
            opened_on=date(2025, 1, 2),
            rapporteur="",
        )
    assert {"referral_reference", "rapporteur"} <= set(error.value.message_dict)
    assert not SanctionProcedure.objects.exists()
    procedure = sanctions.sanction_procedure_open(
        actor=agent,
        party=party,
        procedure="ordinary",
        referral_reference="D-1",
        opened_on=date(2025, 1, 2),
        rapporteur="M. Rapporteur",
    )
    assert Case.objects.get(pk=case.pk).status == "sanction_ordinary"
    transition = CaseTransition.objects.get(case=case, to_status="sanction_ordinary")
    assert (transition.deciding_body, transition.decision_reference) == ("president", "D-1")
    with pytest.raises(ValidationError):  # one procedure at a time
        sanctions.sanction_procedure_open(
            actor=agent,
            party=party,
            procedure="simplified",
            referral_reference="D-2",
            opened_on=date(2025, 1, 3),
            rapporteur="Agent",
        )
    assert procedure.history.count() == 1


def test_report_receipt_opens_one_month_then_rounds_with_the_last_word_to_the_organisation(agent, setting):
    _case, party, _finding, _security, proof = setting
    procedure = report_delivered(agent, party, proof)
    observations = Deadline.objects.get(kind="sanction_observations")
    assert observations.due_at.astimezone(PARIS).date() == date(2025, 2, 7)  # 7 January + 1 month
    assert observations.max_extensions is None  # extendable by the committee's president
    with pytest.raises(ValidationError):  # the rapporteur replies to observations, not first
        sanctions.observation_record(
            actor=agent, procedure=procedure, author="rapporteur", received_at=OBSERVATIONS, summary="Réponse"
        )
    with pytest.raises(ValidationError) as error:  # observations carry a document or a summary
        sanctions.observation_record(actor=agent, procedure=procedure, author="organisation", received_at=OBSERVATIONS)
    assert "document" in error.value.message_dict
    sanctions.observation_record(
        actor=agent, procedure=procedure, author="organisation", received_at=OBSERVATIONS, summary="Défense"
    )
    assert Deadline.objects.get(pk=observations.pk).status == "met"
    reply = Deadline.objects.get(kind="rapporteur_reply")
    assert reply.due_at.astimezone(PARIS).date() == date(2025, 3, 5)  # 5 February + 1 month
    sanctions.observation_record(
        actor=agent, procedure=procedure, author="rapporteur", received_at=paris(2025, 3, 3, 9), summary="Réponse"
    )
    assert Deadline.objects.get(pk=reply.pk).status == "met"
    with pytest.raises(ValidationError) as error:  # the organisation has the last word
        sanctions.investigation_close(actor=agent, procedure=procedure, closed_on=date(2025, 3, 4))
    assert "dernier mot" in " ".join(error.value.messages)
    sanctions.observation_record(
        actor=agent, procedure=procedure, author="organisation", received_at=paris(2025, 3, 20, 9), declined=True
    )
    assert not Deadline.objects.filter(kind="rapporteur_reply").pending().exists()  # declined: nothing to reply to
    sanctions.investigation_close(actor=agent, procedure=procedure, closed_on=date(2025, 3, 21))
    procedure.refresh_from_db()
    assert procedure.step == "closed"
    assert Observation.objects.filter(procedure=procedure).count() == 3


def test_the_investigation_stays_open_while_the_observations_period_runs(agent, setting):
    _case, party, _finding, _security, proof = setting
    procedure = sanctions.sanction_procedure_open(
        actor=agent,
        party=party,
        procedure="urgency",
        referral_reference="D-U",
        opened_on=timezone.localdate(),
        rapporteur="M. Rapporteur",
    )
    report = sanctions.sanction_report_record(
        actor=agent, procedure=procedure, reference="RAP-U", dated_on=timezone.localdate()
    )
    received = timezone.now() - timedelta(hours=1)
    deliver(agent, "sanction_report", report, proof, sent_at=received - timedelta(hours=2), received_at=received)
    urgent = Deadline.objects.get(kind="sanction_observations_urgent")
    assert (urgent.due_at.date() - received.date()).days >= 8  # 8 days in urgency (rolled to a working day)
    with pytest.raises(ValidationError) as error:
        sanctions.investigation_close(actor=agent, procedure=procedure, closed_on=timezone.localdate())
    assert "observations" in " ".join(error.value.messages)


@pytest.mark.parametrize(("procedure_kind", "minimum"), [("ordinary", 15), ("urgency", 8)])
def test_the_convocation_reaches_the_organisation_15_days_ahead_8_in_urgency(
    agent,
    setting,
    procedure_kind,
    minimum,
):
    _case, party, _finding, _security, proof = setting
    procedure = report_delivered(agent, party, proof, procedure_kind)
    sanctions.observation_record(
        actor=agent, procedure=procedure, author="organisation", received_at=OBSERVATIONS, summary="Défense"
    )
    sanctions.investigation_close(actor=agent, procedure=procedure, closed_on=CLOSED)
    hearing = sanctions.hearing_schedule(actor=agent, procedure=procedure, scheduled_at=HEARING, public=False)
    latest = Deadline.objects.get(object_type="outcomes.hearing", object_id=str(hearing.pk))
    assert latest.due_at.astimezone(PARIS).date() == HEARING.date() - timedelta(days=minimum)
    delivery = deliver(agent, "hearing_convocation", hearing, proof, sent_at=paris(2025, 2, 20, 9))
    too_late = HEARING - timedelta(days=minimum - 1)
    with pytest.raises(ValidationError) as error:
        deliveries.delivery_receipt_record(actor=agent, delivery=delivery, received_at=too_late, proof=proof)
    message = error.value.message_dict["received_at"][0]
    assert f"{minimum - 1} jours" in message
    assert f"au moins {minimum}" in message
    assert receipts_recorded(hearing) == 0  # refused: nothing recorded
    deliveries.delivery_receipt_record(
        actor=agent, delivery=delivery, received_at=HEARING - timedelta(days=minimum), proof=proof
    )
    assert Deadline.objects.get(pk=latest.pk).status == "met"
    with pytest.raises(ValidationError) as error:  # moving the hearing closer than the notice allows
        sanctions.hearing_schedule(actor=agent, procedure=procedure, scheduled_at=HEARING - timedelta(days=1))
    assert "scheduled_at" in error.value.message_dict
    sanctions.hearing_schedule(actor=agent, procedure=procedure, scheduled_at=HEARING + timedelta(days=7))
    assert Hearing.objects.get().history.count() == 2


def receipts_recorded(hearing):
    return hearing.case.deliveries.filter(document_kind="hearing_convocation", received_at__isnull=False).count()


def test_simplified_hearing_only_on_request_then_switch_to_ordinary_keeping_what_was_done(agent, setting):
    case, party, finding, _security, proof = setting
    procedure = procedure_ready(agent, party, proof, "simplified")
    with pytest.raises(ValidationError) as error:
        sanctions.hearing_schedule(actor=agent, procedure=procedure, scheduled_at=HEARING)
    assert "demande" in " ".join(error.value.messages)
    sanctions.sanction_procedure_switch(
        actor=agent, procedure=procedure, reference="PFR-2025-3", switched_on=date(2025, 2, 12)
    )
    procedure.refresh_from_db()
    assert procedure.procedure == "ordinary"
    assert Case.objects.get(pk=case.pk).status == "sanction_ordinary"
    assert procedure.reports.count() == 1
    assert procedure.observations.count() == 1
    assert procedure.step == "closed"
    assert list(procedure.history.order_by("history_date").values_list("procedure", flat=True))[-2:] == [
        "simplified",
        "ordinary",
    ]
    transition = CaseTransition.objects.get(case=case, to_status="sanction_ordinary")
    assert transition.deciding_body == "restricted_committee_president"
    with pytest.raises(ValidationError):  # switched once: it is ordinary now
        sanctions.sanction_procedure_switch(
            actor=agent, procedure=procedure, reference="PFR-2", switched_on=date(2025, 2, 13)
        )
    with pytest.raises(ValidationError) as error:  # now an ordinary procedure: the decision follows a hearing
        sanctions.sanction_decide(
            actor=agent,
            party=party,
            deciding_body="restricted_committee",
            reference="SAN-X",
            decided_on=date(2025, 4, 1),
            findings=[finding],
            reminder=True,
        )
    assert "suit la séance" in " ".join(error.value.messages)
    hearing = sanctions.hearing_schedule(actor=agent, procedure=procedure, scheduled_at=HEARING)
    deliver(agent, "hearing_convocation", hearing, proof, sent_at=paris(2025, 2, 20), received_at=CONVOCATION_RECEIVED)
    with pytest.raises(ValidationError):  # not before the hearing
        sanctions.sanction_decide(
            actor=agent,
            party=party,
            deciding_body="restricted_committee",
            reference="SAN-X",
            decided_on=HEARING.date() - timedelta(days=1),
            reminder=True,
        )
    sanctions.sanction_decide(
        actor=agent,
        party=party,
        deciding_body="restricted_committee",
        reference="SAN-X",
        decided_on=HEARING.date(),
        reminder=True,
    )
    assert SanctionProcedure.objects.get().step == "decided"


def test_urgency_limitation_lasts_three_months_at_most(agent, setting):
    _case, party, finding, _security, proof = setting
    procedure_ready(agent, party, proof, "urgency")
    base = {
        "actor": agent,
        "party": party,
        "deciding_body": "restricted_committee",
        "reference": "URG-1",
        "decided_on": date(2025, 4, 10),
        "findings": [finding],
        "limitation": "Suspension des accès au portail des professionnels de santé",
    }
    with pytest.raises(ValidationError) as error:
        sanctions.sanction_decide(**base, limitation_until=date(2025, 7, 11))
    assert "10/07/2025" in error.value.message_dict["limitation_until"][0]
    decision = sanctions.sanction_decide(**base, limitation_until=date(2025, 7, 10))
    assert decision.limitation_until == date(2025, 7, 10)


def test_a_limitation_outside_the_urgency_procedure_is_refused(agent, setting):
    _case, party, _finding, _security, proof = setting
    procedure_ready(agent, party, proof)
    with pytest.raises(ValidationError) as error:
        sanctions.sanction_decide(
            actor=agent,
            party=party,
            deciding_body="restricted_committee",
            reference="SAN-L",
            decided_on=date(2025, 4, 10),
            limitation="Limiter",
            limitation_until=date(2025, 5, 1),
        )
    assert "limitation" in error.value.message_dict
    assert not SanctionDecision.objects.exists()


def decided(agent, party, finding, proof, **measures):
    procedure_ready(agent, party, proof)
    decision = sanctions.sanction_decide(
        actor=agent,
        party=party,
        deciding_body="restricted_committee",
        reference="SAN-2025-9",
        decided_on=date(2025, 4, 10),
        findings=[finding],
        **measures,
    )
    deliver(agent, "decision", decision, proof, sent_at=paris(2025, 4, 11), received_at=paris(2025, 4, 14))
    return decision


def test_appeal_with_suspension_and_a_reduced_fine_closes_the_case(agent, setting):
    case, party, finding, _security, proof = setting
    decision = decided(agent, party, finding, proof, fine=Decimal("500000"), published=True)
    appeal = appeals.appeal_lodge(
        actor=agent, decision=decision, lodged_on=date(2025, 6, 2), reference="CE 501234", suspension_requested=True
    )
    assert Case.objects.get(pk=case.pk).status == "appeal"
    assert Deadline.objects.get(kind="appeal").status == "met"
    with pytest.raises(ValidationError):
        appeals.appeal_lodge(actor=agent, decision=decision, lodged_on=date(2025, 6, 3), reference="CE 2")
    appeals.appeal_suspension_record(actor=agent, appeal=appeal, suspension="rejected")
    with pytest.raises(ValidationError):  # ruled once
        appeals.appeal_suspension_record(actor=agent, appeal=appeal, suspension="granted")
    ruling = {"outcome": "reduced", "outcome_on": date(2026, 3, 2), "outcome_reference": "CE 2026-17"}
    with pytest.raises(ValidationError) as error:
        appeals.appeal_outcome_record(actor=agent, appeal=appeal, reduced_fine=Decimal("500000"), **ruling)
    assert "500\xa0000,00" in error.value.message_dict["reduced_fine"][0]
    appeals.appeal_outcome_record(actor=agent, appeal=appeal, reduced_fine=Decimal("300000"), **ruling)
    appeal = Appeal.objects.get()
    assert (appeal.outcome, appeal.reduced_fine, appeal.suspension) == ("reduced", Decimal("300000"), "rejected")
    assert Case.objects.get(pk=case.pk).status == "closed"
    closing = CaseTransition.objects.get(case=case, to_status="closed")
    assert (closing.deciding_body, closing.decision_reference) == ("conseil_etat", "CE 2026-17")
    assert SanctionDecision.objects.get().fine == Decimal("500000")  # the decision itself is never rewritten


def test_periodic_penalty_liquidation_after_15_days_within_days_times_rate(agent, setting):
    _case, party, finding, _security, proof = setting
    decision = decided(
        agent,
        party,
        finding,
        proof,
        injunction="Déployer l'authentification multifacteur",
        penalty_per_day=Decimal("1000"),
    )
    with pytest.raises(ValidationError):
        appeals.liquidation_open(actor=agent, decision=decision, reference="LIQ-1", days_late=0)
    liquidation = appeals.liquidation_open(actor=agent, decision=decision, reference="LIQ-1", days_late=30)
    with pytest.raises(ValidationError):  # the notice must be received first
        appeals.liquidation_decide(
            actor=agent,
            liquidation=liquidation,
            amount_due=Decimal("1"),
            decided_on=date(2025, 9, 1),
            decision_reference="L-1",
        )
    received = timezone.now() - timedelta(days=1)
    deliver(agent, "liquidation_notice", liquidation, proof, sent_at=received - timedelta(days=1), received_at=received)
    period = Deadline.objects.get(kind="astreinte_observations")
    assert (period.due_at.date() - received.date()).days >= 15
    decision_data = {"decided_on": timezone.localdate(), "decision_reference": "L-2026-1"}
    with pytest.raises(ValidationError) as error:  # the 15 days run
        appeals.liquidation_decide(actor=agent, liquidation=liquidation, amount_due=Decimal("1000"), **decision_data)
    assert "observations" in " ".join(error.value.messages)
    appeals.liquidation_observations_record(actor=agent, liquidation=liquidation, received_at=timezone.now())
    assert Deadline.objects.get(pk=period.pk).status == "met"
    with pytest.raises(ValidationError) as error:
        appeals.liquidation_decide(
            actor=agent, liquidation=liquidation, amount_due=Decimal("30000.01"), **decision_data
        )
    assert "30\xa0000,00" in error.value.message_dict["amount_due"][0]
    appeals.liquidation_decide(actor=agent, liquidation=liquidation, amount_due=Decimal("30000"), **decision_data)
    assert Liquidation.objects.get().amount_due == Decimal("30000")


def test_every_step_writes_history_and_an_audit_event(agent, setting):
    case, party, finding, _security, proof = setting
    before = AuditEvent.objects.filter(case_id=case.pk).count()
    decision = decided(agent, party, finding, proof, fine=Decimal("1000"))
    appeals.appeal_lodge(actor=agent, decision=decision, lodged_on=date(2025, 5, 2), reference="CE 1")
    actions = list(AuditEvent.objects.filter(case_id=case.pk).values_list("action", flat=True))[before:]
    assert actions.count(AuditAction.SANCTION_PROCEDURE) >= 5  # open, report, observations, closed, hearing
    assert AuditAction.SANCTION_DECIDED in actions
    assert AuditAction.APPEAL_RECORDED in actions
    steps = set(
        AuditEvent.objects.filter(case_id=case.pk, action=AuditAction.SANCTION_PROCEDURE).values_list(
            "data__step", flat=True
        )
    )
    assert {"open", "report", "observations", "closed", "hearing"} <= steps
    procedure = SanctionProcedure.objects.get()
    assert procedure.history.count() >= 4  # opened, report, closed, decided
    assert Hearing.history.count() == 1
    assert Appeal.history.count() == 1


def test_closure_of_a_public_notice_is_published(agent, setting):
    from .test_formal_notices import deliver as deliver_notice
    from .test_formal_notices import issue

    _case, party, finding, security, proof = setting
    notice = issue(
        agent,
        party,
        finding,
        security,
        public=True,
        bureau_decision_reference="B-2024-2",
        published_on=date(2024, 3, 1),
    )
    deliver_notice(agent, notice, proof, means="bailiff")
    with pytest.raises(ValidationError):  # not complied with yet
        services.notice_closure_publish(actor=agent, notice=notice, published_on=date(2024, 4, 1))
    for measure in notice.measures.all():
        services.measure_check(actor=agent, measure=measure, met=True)
    with pytest.raises(ValidationError):  # before the notice's own publication
        services.notice_closure_publish(actor=agent, notice=notice, published_on=date(2024, 2, 1))
    services.notice_closure_publish(actor=agent, notice=notice, published_on=date(2024, 4, 1))
    notice.refresh_from_db()
    assert notice.closure_published_on == date(2024, 4, 1)
    assert AuditEvent.objects.filter(action=AuditAction.PUBLICATION_RECORDED).count() == 1
