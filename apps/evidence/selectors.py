"""Reads on evidence (callers pass a case already checked by ``case_get_for_user``)."""

from django.db.models import QuerySet

from apps.cases.models import Case

from .models import CustodyEvent, Evidence, IntegrityAlert


def evidence_of_case(case: Case) -> QuerySet[Evidence]:
    return (
        Evidence.objects.filter(case=case)
        .select_related("blob", "registered_by", "superseded_by")
        .defer("blob__extracted_text")
    )


def custody_of(evidence: Evidence) -> list[CustodyEvent]:
    return list(evidence.custody.select_related("actor").order_by("at", "id"))


def alerts_for_case(case: Case) -> list[IntegrityAlert]:
    return list(IntegrityAlert.objects.filter(blob__evidence__case=case).select_related("blob").distinct())


def all_alerts() -> list[IntegrityAlert]:
    return list(
        IntegrityAlert.objects.select_related("blob").prefetch_related("blob__evidence__case").order_by("-detected_at")
    )


def recent_alerts(limit: int) -> list[IntegrityAlert]:
    return list(
        IntegrityAlert.objects.select_related("blob")
        .prefetch_related("blob__evidence__case")
        .order_by("-detected_at")[:limit]
    )


def alert_count() -> int:
    return IntegrityAlert.objects.count()
