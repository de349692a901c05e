"""Reads on outcomes: the case's party x obligation grid in three queries."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Q

from apps.cases.models import Case, Party
from apps.deadlines.models import Deadline

from .models import (
    Appeal,
    Assessment,
    Delivery,
    FormalNotice,
    Liquidation,
    Obligation,
    SanctionDecision,
    SanctionProcedure,
)


@dataclass
class GridRow:
    obligation: Obligation
    cells: list[tuple[Party, Assessment | None]]


def outcome_grid(case: Case) -> tuple[list[Party], list[GridRow]]:
    """Rows of active obligations, a column per party, each cell its assessment (or None)."""
    parties = list(case.parties.select_related("organisation").order_by("added_at", "id"))
    obligations = list(Obligation.objects.filter(active=True))
    assessments = {
        (a.party_id, a.obligation_id): a for a in Assessment.objects.filter(party__case=case).select_related("finding")
    }
    rows = [GridRow(o, [(p, assessments.get((p.pk, o.pk))) for p in parties]) for o in obligations]
    return parties, rows


def assessment_for(party: Party, obligation: Obligation) -> Assessment | None:
    return (
        Assessment.objects.filter(party=party, obligation=obligation)
        .prefetch_related("evidence", "finding__evidence")
        .first()
    )


def case_formal_notices(case: Case):
    return FormalNotice.objects.filter(case=case).select_related("party__organisation").order_by("-decided_on", "-id")


def document_deliveries(kind: str, document):
    return Delivery.objects.filter(document_kind=kind, document_id=document.pk).select_related("proof")


def case_decisions(case: Case):
    return SanctionDecision.objects.filter(case=case).select_related("party__organisation")


def decision_appeal(decision: SanctionDecision):
    return Appeal.objects.filter(decision=decision).first()


def decision_liquidations(decision: SanctionDecision):
    return Liquidation.objects.filter(decision=decision).order_by("id")


def case_procedures(case: Case):
    return SanctionProcedure.objects.filter(case=case).select_related("party__organisation")


def procedure_page(procedure: SanctionProcedure) -> dict:
    """The procedure's reports, rounds of observations, hearing, and the deadlines they started."""
    hearing = procedure.hearings.first()
    started_by = Q(object_type="outcomes.sanctionprocedure", object_id=str(procedure.pk))
    if hearing is not None:
        started_by |= Q(object_type="outcomes.hearing", object_id=str(hearing.pk))
    return {
        "reports": list(procedure.reports.all()),
        "observations": list(procedure.observations.select_related("document")),
        "hearing": hearing,
        "deadlines": list(Deadline.objects.filter(started_by, case_id=procedure.case_id).order_by("due_at")),
    }
