"""Demo deadlines: one due soon, one overdue (the complainant's comes with the complaint case; the sanction
procedures' come from their steps in the outcomes demo)."""

from datetime import timedelta

from django.utils import timezone

from apps.cases.choices import CaseStatus
from apps.cases.models import Case

from . import services
from .models import Deadline


def seed_deadlines() -> str:
    if Deadline.objects.filter(kind="document_request", start_event__startswith="Réception du questionnaire").exists():
        return "already there"
    now = timezone.now()
    plans = [  # (days since the letter was received, days given): one due soon, one overdue
        (10, 15, "Réception du questionnaire"),
        (30, 15, "Réception du questionnaire (relance)"),
    ]
    cases = Case.objects.filter(status=CaseStatus.INVESTIGATING, origin_case__isnull=False).order_by("-reference")
    for case, (days_ago, amount, event) in zip(cases, plans, strict=False):
        services.deadline_create(
            actor=case.lead_investigator,
            case=case,
            kind="document_request",
            amount=amount,
            started_at=now - timedelta(days=days_ago),
            start_event=event,
        )
    return f"{Deadline.objects.count()} deadlines"
