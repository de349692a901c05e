"""Sanction decisions: the fine ceiling on the group's turnover, the simplified procedure's caps, the
deciding body, and the appeal deadline from the decision's receipt."""

from datetime import date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import ValidationError

from apps.cases.models import Case
from apps.deadlines.models import Deadline
from apps.outcomes import deliveries, sanctions, services
from apps.outcomes.models import Obligation, SanctionDecision

from .support import procedure_ready

pytestmark = pytest.mark.django_db
PARIS = ZoneInfo("Europe/Paris")
M = Decimal("1000000")


def test_fine_ceiling_on_the_preceding_years_group_turnover(agent, setting):
    case, party, finding, _security, _proof = setting
    services.assessment_record(
        actor=agent,
        party=party,
        obligation=Obligation.objects.get(code="gdpr-5-1-f"),
        status="infringement",
        finding={"facts": "Confidentialité non assurée"},
    )
    integrity = party.assessments.get(obligation__code="gdpr-5-1-f").finding
    services.group_turnover_record(
        actor=agent, organisation=party.organisation, financial_year=2024, amount=2_000 * M, source="Rapport annuel"
    )
    procedure_ready(agent, party, _proof)
    common = {
        "actor": agent,
        "party": party,
        "deciding_body": "restricted_committee",
        "reference": "SAN-2025-001",
        "decided_on": date(2025, 6, 12),
        "findings": [finding, integrity],  # same processing: capped at the gravest (4 % of 2 bn = 80 M)
        "published": True,
    }
    with pytest.raises(ValidationError) as error:
        sanctions.sanction_decide(**common, fine=80 * M + 1)
    assert "80\u202f000\u202f000 €" in error.value.message_dict["fine"][0]
    assert not SanctionDecision.objects.exists()
    decision = sanctions.sanction_decide(**common, fine=80 * M)
    assert decision.ceiling == 80 * M
    assert "83(3)" in decision.ceiling_explanation
    assert Case.objects.get(pk=case.pk).status == "decided_sanction"

    deliveries.delivery_record(
        actor=agent,
        document_kind="decision",
        document_id=decision.pk,
        means="bailiff",
        sent_at=datetime(2025, 6, 13, 10, tzinfo=PARIS),
        received_at=datetime(2025, 6, 16, 10, tzinfo=PARIS),
        proof=_proof,
    )
    appeal = Deadline.objects.get(kind="appeal")
    assert appeal.object_id == str(decision.pk)
    # délai franc: notified 16 June, the period ends 17 August (a Sunday) → Monday 18 August
    assert appeal.due_at.astimezone(PARIS).date() == date(2025, 8, 18)


def test_without_turnover_the_fixed_amount_and_the_2_percent_tier_only(agent, setting):
    _case, party, finding, _security, _proof = setting
    procedure_ready(agent, party, _proof)
    with pytest.raises(ValidationError) as error:
        sanctions.sanction_decide(
            actor=agent,
            party=party,
            deciding_body="restricted_committee",
            reference="SAN-2",
            decided_on=date(2025, 4, 10),
            findings=[finding],
            fine=10 * M + 1,
        )
    assert "10\u202f000\u202f000 €" in error.value.message_dict["fine"][0]


def test_simplified_procedure_caps_and_its_deciding_body(agent, setting):
    _case, party, finding, _security, _proof = setting
    procedure_ready(agent, party, _proof, "simplified")
    base = {
        "actor": agent,
        "party": party,
        "reference": "SIMP-1",
        "decided_on": date(2025, 3, 3),
        "findings": [finding],
    }
    with pytest.raises(ValidationError) as error:
        sanctions.sanction_decide(**base, deciding_body="restricted_committee", fine=Decimal("5000"))
    assert "deciding_body" in error.value.message_dict
    with pytest.raises(ValidationError) as error:
        sanctions.sanction_decide(
            **base,
            deciding_body="restricted_committee_president",
            fine=Decimal("20001"),
            injunction="Mettre en place la MFA",
            penalty_per_day=Decimal("101"),
            published=True,
        )
    assert set(error.value.message_dict) >= {"fine", "penalty_per_day", "published"}
    assert "20\u202f000 €" in error.value.message_dict["fine"][0]
    decision = sanctions.sanction_decide(
        **base,
        deciding_body="restricted_committee_president",
        fine=Decimal("20000"),
        injunction="Mettre en place la MFA",
        penalty_per_day=Decimal("100"),
    )
    assert decision.procedure == "simplified"


def test_no_sanction_and_decisions_outside_a_procedure(agent, setting):
    case, party, _finding, _security, _proof = setting
    with pytest.raises(ValidationError):  # the case is under investigation, not in a sanction procedure
        sanctions.sanction_decide(
            actor=agent, party=party, deciding_body="restricted_committee", reference="X", decided_on=date(2025, 4, 1)
        )
    procedure_ready(agent, party, _proof)
    with pytest.raises(ValidationError) as error:
        sanctions.sanction_decide(
            actor=agent,
            party=party,
            deciding_body="",
            reference="SAN-3",
            decided_on=date(2025, 4, 1),
            no_sanction=True,
            reminder=True,
        )
    assert {"deciding_body", "no_sanction"} <= set(error.value.message_dict)
    sanctions.sanction_decide(
        actor=agent,
        party=party,
        deciding_body="restricted_committee",
        reference="SAN-3",
        decided_on=date(2025, 4, 1),
        no_sanction=True,
    )
    assert Case.objects.get(pk=case.pk).status == "decided_no_sanction"
