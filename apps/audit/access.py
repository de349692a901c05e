"""The access log: who looked at or took away sensitive material, sealed into the audit chain.

Recording must cost a page view nothing noticeable, so :func:`access_record` is one INSERT in
the request, without the chain's lock. Every minute (beat, ``AUDIT_ACCESS_SEAL_SECONDS``) the
task ``seal_access_records`` calls :func:`access_seal`, which takes the unsealed records in
batches and appends, for each batch, **one** audit event (``access_sealed``) carrying the number
of records, their first and last ids and the SHA-256 of their canonical bytes; the records then
name that event (``batch_seq``). The database refuses any other change and any removal
(migration 0015), and :func:`access_verify` recomputes every batch's digest: a sealed record
altered, removed, added or moved to another batch after sealing no longer matches the event,
and the event itself is held by the chain.

The window: a record not yet sealed (a minute at most while the worker runs) is protected by the
triggers only, like any row before it is chained.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass

from django.conf import settings
from django.db import transaction
from django.utils import translation
from django.utils.translation import gettext as _

from .choices import AuditAction
from .models import AccessRecord, AuditEvent, canonical_json, format_time
from .services import _actor_snapshot, _locked_head, audit_record

# The hashed fields of a record, in this order. Part of the format: changing it breaks every seal.
SEALED_FIELDS = (
    "id",
    "at",
    "user_id",
    "user_name",
    "user_kind",
    "action",
    "object_type",
    "object_id",
    "case_id",
    "label",
    "path",
    "ip",
)
SEAL_OBJECT_TYPE = "access_batch"


def access_record(
    *,
    actor,
    action: str,
    object_type: str,
    object_id: str | int = "",
    case_id: int | None = None,
    label: str = "",
    request=None,
    path: str | None = None,
) -> AccessRecord:
    """Record that ``actor`` (a user, or None for a capability link) reached an object.

    Call it once the permission check has let the reader through: a refused attempt is not an
    access. ``request`` gives the address and the path (without the query string, which may
    carry filters); ``path`` replaces the latter where the path itself is a secret (a feed token).
    """
    snapshot = _actor_snapshot(actor, None)
    return AccessRecord.objects.create(
        user_id=snapshot["actor_id"],
        user_name=snapshot["actor_name"],
        user_kind=snapshot["actor_kind"],
        action=str(action),
        object_type=object_type,
        object_id=str(object_id),
        case_id=case_id,
        label=str(label)[:255],
        path=(path if path is not None else request.path if request is not None else "")[:500],
        ip=(request.META.get("REMOTE_ADDR") or None) if request is not None else None,
    )


def record_bytes(values: dict) -> bytes:
    """RFC 8785 JSON of a record's sealed fields (``values`` maps field names to database values)."""
    document = {name: values[name] for name in SEALED_FIELDS}
    document["at"] = format_time(values["at"])
    return canonical_json(document)


def batch_digest(rows: Iterable[dict]) -> tuple[int, str]:
    """(count, SHA-256 over each record's canonical bytes followed by a newline, in id order)."""
    digest = hashlib.sha256()
    count = 0
    for values in rows:
        digest.update(record_bytes(values))
        digest.update(b"\n")
        count += 1
    return count, digest.hexdigest()


@transaction.atomic
def access_seal(*, limit: int | None = None) -> AuditEvent | None:
    """Seal up to ``limit`` unsealed records, oldest first, into one chained event; None if none wait.

    The chain head is locked first, so two sealers never take the same records: the second waits,
    then finds them sealed.
    """
    limit = limit or settings.AUDIT_ACCESS_BATCH
    _locked_head()
    rows = list(AccessRecord.objects.unsealed().order_by("id").values(*SEALED_FIELDS)[:limit])
    if not rows:
        return None
    count, digest = batch_digest(rows)
    with translation.override(settings.LANGUAGE_CODE):
        summary = _("%(count)d access records sealed") % {"count": count}
    event = audit_record(
        actor=None,
        action=AuditAction.ACCESS_SEALED,
        summary=summary,
        object_type=SEAL_OBJECT_TYPE,
        data={"count": count, "first_id": rows[0]["id"], "last_id": rows[-1]["id"], "sha256": digest},
    )
    AccessRecord.objects.filter(id__in=[values["id"] for values in rows]).update(batch_seq=event.seq)
    return event


def access_seal_all(*, max_batches: int = 100) -> list[AuditEvent]:
    """Seal what waits, batch after batch (each its own transaction), at most ``max_batches``."""
    events = []
    for _batch in range(max_batches):
        event = access_seal()
        if event is None:
            break
        events.append(event)
    return events


@dataclass(frozen=True)
class AccessCheck:
    ok: bool
    batches_checked: int
    records_checked: int
    first_bad_seq: int | None = None
    reason: str = ""


def access_verify(*, chunk_size: int = 5000) -> AccessCheck:
    """Recompute every sealed batch and compare it with its sealing event; name the first that differs.

    Streams the sealed records in (batch, id) order; memory holds one entry per sealing event.
    """
    seals = dict(AuditEvent.objects.filter(action=AuditAction.ACCESS_SEALED).order_by("seq").values_list("seq", "data"))
    found: dict[int, tuple[int, str]] = {}
    current = None
    digest = None
    count = 0

    def close():
        if current is not None:
            found[current] = (count, digest.hexdigest())

    rows = (
        AccessRecord.objects.filter(batch_seq__isnull=False)
        .order_by("batch_seq", "id")
        .values(*SEALED_FIELDS, "batch_seq")
        .iterator(chunk_size=chunk_size)
    )
    for values in rows:
        if values["batch_seq"] != current:
            close()
            current, digest, count = values["batch_seq"], hashlib.sha256(), 0
        digest.update(record_bytes(values))
        digest.update(b"\n")
        count += 1
    close()
    problems: dict[int, str] = {}
    for seq in found.keys() - seals.keys():
        problems[seq] = f"records claim to be sealed by event #{seq}, which sealed no access records"
    for seq, data in seals.items():
        got_count, got_digest = found.get(seq, (0, hashlib.sha256().hexdigest()))
        if got_count != data.get("count"):
            problems[seq] = f"batch sealed by event #{seq} had {data.get('count')} records, {got_count} are left"
        elif got_digest != data.get("sha256"):
            problems[seq] = f"a record of the batch sealed by event #{seq} was altered after sealing"
    records = sum(count for count, _digest in found.values())
    if problems:
        first = min(problems)
        return AccessCheck(False, len(seals), records, first, problems[first])
    return AccessCheck(True, len(seals), records)
