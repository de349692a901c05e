"""Demo deadlines: one due soon, one overdue (the complainant's comes with the complaint case)."""

from datetime import timedelta

from django.utils import timezone

from apps.cases.choices import CaseStatus
from apps.cases.models import Case

from . import services
from .models import Deadline


def seed_deadlines() -> str:
    if Deadline.objects.filter(kind="formal_notice_compliance").exists():
        return "already there"
    now = timezone.now()
    plans = [
        (
            CaseStatus.FORMAL_NOTICE,
            "formal_notice_compliance",
            30,
            now - timedelta(days=25),
            "Réception de la mise en demeure",
        ),
        (
            CaseStatus.SANCTION_SIMPLIFIED,
            "sanction_observations",
            None,
            now - timedelta(days=40),
            "Réception du rapport de sanction",
        ),
        (CaseStatus.INVESTIGATING, "document_request", 15, now - timedelta(days=10), "Réception du questionnaire"),
    ]
    for status, kind, amount, started_at, event in plans:
        case = Case.objects.filter(status=status, origin_case__isnull=False).order_by("reference").first()
        if case is not None:
            services.deadline_create(
                actor=case.lead_investigator,
                case=case,
                kind=kind,
                amount=amount,
                started_at=started_at,
                start_event=event,
            )
    return f"{Deadline.objects.count()} deadlines"
