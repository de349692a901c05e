"""Reads on the audit log."""

from __future__ import annotations

from django.db.models import QuerySet

from .models import AuditEvent, ChainVerification


def latest_verification() -> ChainVerification | None:
    return ChainVerification.objects.order_by("-ran_at").first()


def events_for_case(case_id: int) -> QuerySet[AuditEvent]:
    return AuditEvent.objects.for_case(case_id).order_by("seq")
