"""Reads on the audit log."""

from __future__ import annotations

from dataclasses import dataclass

from django.db import connection
from django.db.models import Count, Max, Min, Q, QuerySet

from .choices import AccessAction, AuditAction
from .models import AccessRecord, AuditEvent, ChainVerification


def latest_verification() -> ChainVerification | None:
    return ChainVerification.objects.order_by("-ran_at").first()


def latest_failed_verification() -> ChainVerification | None:
    """The last run that found the chain or the access log broken."""
    return ChainVerification.objects.filter(Q(ok=False) | Q(access_ok=False)).order_by("-ran_at").first()


def events_for_case(case_id: int) -> QuerySet[AuditEvent]:
    return AuditEvent.objects.for_case(case_id).order_by("seq")


def case_actor_ids(case_id: int) -> list[int]:
    """The users who are the actor of some audit event of the case, by id.

    A loose index scan of ``(case_id, actor_id)``: one probe per distinct actor (the next id above
    the last one found), not one row per event (tens of thousands on a large case). The same SQL
    runs on SQLite and PostgreSQL.
    """
    table = connection.ops.quote_name(AuditEvent._meta.db_table)
    sql = (
        f"WITH RECURSIVE actors(id) AS ("  # noqa: S608 - the table name is the model's; values are parameters
        f" SELECT MIN(actor_id) FROM {table} WHERE case_id = %s"
        f" UNION ALL SELECT (SELECT MIN(e.actor_id) FROM {table} e WHERE e.case_id = %s AND e.actor_id > actors.id)"
        " FROM actors WHERE actors.id IS NOT NULL"
        ") SELECT id FROM actors WHERE id IS NOT NULL"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [case_id, case_id])
        return [row[0] for row in cursor.fetchall()]


def case_access_people(case_id: int) -> QuerySet:
    """Who reached the case's material, one row per person: views, downloads, exports, first and last time."""
    return (
        AccessRecord.objects.filter(case_id=case_id)
        .order_by()
        .values("user_id", "user_name", "user_kind")
        .annotate(
            views=Count("id", filter=Q(action=AccessAction.VIEW)),
            downloads=Count("id", filter=Q(action=AccessAction.DOWNLOAD)),
            exports=Count("id", filter=Q(action=AccessAction.EXPORT)),
            first_at=Min("at"),
            last_at=Max("at"),
        )
        .order_by("-last_at", "user_name")
    )


@dataclass(frozen=True)
class AccessPage:
    records: list[AccessRecord]
    next_before: int | None  # the id to ask the next (older) page with, None on the last page


def case_access_page(
    case_id: int, *, user_id: int | None = None, before: int | None = None, per_page: int = 50
) -> AccessPage:
    """The case's access records, newest first, a keyset page (by id, which grows with time)."""
    records = AccessRecord.objects.filter(case_id=case_id).order_by("-id")
    if user_id is not None:
        records = records.filter(user_id=user_id)
    if before is not None:
        records = records.filter(id__lt=before)
    rows = list(records[: per_page + 1])
    more = len(rows) > per_page
    rows = rows[:per_page]
    return AccessPage(rows, rows[-1].id if more else None)


def last_access_seal() -> AuditEvent | None:
    return AuditEvent.objects.filter(action=AuditAction.ACCESS_SEALED).order_by("-seq").first()


def unsealed_access_summary() -> dict:
    """How many access records wait to be sealed, and since when (the partial index keeps it cheap)."""
    return AccessRecord.objects.unsealed().aggregate(count=Count("id"), oldest=Min("at"))
