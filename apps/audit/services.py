"""Appending to the audit log: the one way an audit event is written."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils import timezone

from .choices import ActorKind
from .models import GENESIS_HASH, AuditChainHead, AuditEvent, ChainVerification, canonical_bytes, link
from .verify import VerificationResult


def client_ip(request) -> str | None:
    """The address the request came from (the proxy sets REMOTE_ADDR, see BEHIND_PROXY)."""
    return request.META.get("REMOTE_ADDR") or None


def _actor_snapshot(actor, actor_kind: str | None) -> dict[str, Any]:
    if actor is None:
        kind = actor_kind or ActorKind.SYSTEM
        return {"actor_id": None, "actor_name": "system", "actor_role": "", "actor_kind": kind}
    return {
        "actor_id": actor.pk,
        "actor_name": (actor.get_full_name() or actor.get_username())[:200],
        "actor_role": str(getattr(actor, "audit_role", ""))[:100],
        "actor_kind": actor_kind or getattr(actor, "audit_kind", ActorKind.STAFF),
    }


def _locked_head() -> AuditChainHead:
    """The chain head, locked until the transaction ends; created if a flush removed it."""
    AuditChainHead.objects.bulk_create([AuditChainHead(id=1)], ignore_conflicts=True)
    head = AuditChainHead.objects.select_for_update().get(id=1)
    last = AuditEvent.objects.order_by("-seq").values_list("seq", "hash").first()
    if last is not None and last[0] != head.seq:
        # The head is only a cache: the events are the truth.
        head.seq, head.hash = last
    return head


@transaction.atomic
def audit_record(
    *,
    actor,
    action: str,
    summary: str,
    object_type: str = "",
    object_id: str = "",
    case_id: int | None = None,
    data: dict | None = None,
    ip: str | None = None,
    actor_kind: str | None = None,
) -> AuditEvent:
    """Append one event, in the caller's transaction, after the current head of the chain.

    ``actor`` is a user or ``None`` for the system (or an anonymous visitor). Appends are
    serialised by the lock on the head row, so two writers never get the same predecessor.
    """
    head = _locked_head()
    event = AuditEvent(
        seq=head.seq + 1,
        occurred_at=timezone.now(),
        action=str(action),
        object_type=object_type,
        object_id=str(object_id),
        case_id=case_id,
        summary=str(summary)[:255],
        data=data or {},
        ip=ip or None,
        **_actor_snapshot(actor, actor_kind),
    )
    payload = canonical_bytes(event.canonical_values())
    event.prev_hash = head.hash
    event.hash = link(head.hash, payload)
    if case_id is not None:
        previous_in_case = (
            AuditEvent.objects.filter(case_id=case_id).order_by("-seq").values_list("case_hash", flat=True).first()
        )
        event.case_prev_hash = previous_in_case or GENESIS_HASH
        event.case_hash = link(event.case_prev_hash, payload)
    event.save()
    head.seq, head.hash = event.seq, event.hash
    head.save(update_fields=["seq", "hash"])
    return event


def verification_record(*, result: VerificationResult, case_id: int | None = None, access=None) -> ChainVerification:
    """Keep the outcome of a verification run (the nightly task, or the command); ``access`` is the
    access log's check (``apps.audit.access.AccessCheck``) when it ran."""
    return ChainVerification.objects.create(
        access_ok=access.ok if access is not None else None,
        access_records_checked=access.records_checked if access is not None else None,
        access_first_bad_seq=access.first_bad_seq if access is not None else None,
        access_detail=access.reason if access is not None else "",
        ok=result.ok,
        events_checked=result.events_checked,
        head_seq=result.head_seq,
        head_hash=result.head_hash,
        first_broken_seq=result.first_broken_seq,
        case_id=case_id,
        detail=result.reason,
    )
