"""The demo shows a case at each outcome, each reached through the services (so consistent)."""

import pytest
from django.core.management import call_command

from apps.audit.verify import verify_chain
from apps.cases.models import Case
from apps.outcomes.models import Appeal, Assessment, FormalNotice, SanctionDecision, SanctionProcedure

pytestmark = pytest.mark.django_db


def test_seed_demo_has_a_case_at_each_outcome():
    call_command("seed_demo", "--force")
    statuses = set(Case.objects.values_list("status", flat=True))
    assert {"reminder", "formal_notice", "notice_complied", "appeal", "decided_sanction", "decided_no_sanction"} <= (
        statuses
    )
    closed = Case.objects.filter(status="closed", origin_case__isnull=False)
    assert Assessment.objects.filter(party__case__in=closed, status="compliant").exists()  # closed compliant
    assert set(FormalNotice.objects.values_list("status", flat=True)) == {"running", "complied"}
    ordinary = SanctionDecision.objects.get(procedure="ordinary")
    assert ordinary.fine
    assert ordinary.published
    assert ordinary.ceiling >= ordinary.fine
    assert Appeal.objects.get(decision=ordinary).suspension == "pending"
    simplified = SanctionDecision.objects.filter(procedure="simplified")
    assert {d.no_sanction for d in simplified} == {True, False}
    assert not any(d.published for d in simplified)
    assert set(SanctionProcedure.objects.values_list("step", flat=True)) == {"decided"}
    assert verify_chain().ok
