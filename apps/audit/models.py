"""The append-only audit log and its hash chains.

Each event links to the previous event of the whole chain and to the previous event of the
same case: ``hash = SHA-256(previous hash || canonical bytes)``, the canonical bytes being the
RFC 8785 JSON of a fixed field list (:func:`canonical_bytes`). Altering, removing, inserting
or reordering a row breaks the links after it, which ``audit_verify`` reports.
"""

import hashlib
from datetime import UTC

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from . import canonical
from .choices import AccessAction, ActorKind, AuditAction

GENESIS_HASH = "0" * 64

# The hashed fields, in the order they are listed (RFC 8785 sorts the keys anyway). Changing
# this list breaks every existing chain: it is part of the format.
CANONICAL_FIELDS = (
    "seq",
    "occurred_at",
    "actor_id",
    "actor_name",
    "actor_role",
    "actor_kind",
    "action",
    "object_type",
    "object_id",
    "case_id",
    "summary",
    "data",
    "ip",
)


class AuditLogAppendOnlyError(Exception):
    """Raised on any attempt to change or remove an audit event."""


def format_time(value) -> str:
    """UTC, microseconds, trailing Z: the one textual form of an event's time."""
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def canonical_json(document) -> bytes:
    """RFC 8785 (JSON Canonicalization Scheme) bytes of a JSON value: the same content, the same bytes.

    ``apps.audit.canonical``: the C json encoder where it writes exactly the reference's bytes
    (``rfc8785``, 30 times slower), the reference otherwise; tests/audit/test_canonical.py.
    """
    return canonical.canonical_json(document)


def canonical_bytes(values: dict) -> bytes:
    """RFC 8785 JSON of the canonical fields; ``values`` maps field names to database values."""
    document = {name: values[name] for name in CANONICAL_FIELDS}
    document["occurred_at"] = format_time(values["occurred_at"])
    return canonical_json(document)


def link(previous_hash: str, payload: bytes) -> str:
    return hashlib.sha256(previous_hash.encode("ascii") + payload).hexdigest()


class AuditEventQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise AuditLogAppendOnlyError("audit events are never updated")

    def delete(self):
        raise AuditLogAppendOnlyError("audit events are never deleted")

    def bulk_update(self, objs, fields, batch_size=None):
        raise AuditLogAppendOnlyError("audit events are never updated")

    def for_case(self, case_id: int):
        return self.filter(case_id=case_id)


class AuditEvent(models.Model):
    """One thing that happened, who did it, and its two hash links. Never changed, never removed.

    Rows are appended only by ``apps.audit.services.audit_record``; the model refuses updates and
    deletes, and the database refuses them too (triggers, migration 0002).
    """

    seq = models.BigIntegerField(_("sequence number"), primary_key=True)
    occurred_at = models.DateTimeField(_("time"))
    actor_id = models.BigIntegerField(_("actor id"), null=True, blank=True)
    actor_name = models.CharField(_("actor"), max_length=200)
    actor_role = models.CharField(_("actor role"), max_length=100, blank=True)
    actor_kind = models.CharField(_("actor kind"), max_length=20, choices=ActorKind.choices)
    action = models.CharField(_("action"), max_length=64, choices=AuditAction.choices)
    object_type = models.CharField(_("object type"), max_length=100, blank=True)
    object_id = models.CharField(_("object id"), max_length=64, blank=True)
    case_id = models.BigIntegerField(_("case id"), null=True, blank=True)
    summary = models.CharField(_("summary"), max_length=255)
    data = models.JSONField(_("data"), default=dict, blank=True)
    ip = models.GenericIPAddressField(_("IP address"), null=True, blank=True)
    prev_hash = models.CharField(_("previous hash"), max_length=64)
    hash = models.CharField(_("hash"), max_length=64, unique=True)
    case_prev_hash = models.CharField(_("previous hash in the case"), max_length=64, blank=True)
    case_hash = models.CharField(_("hash in the case"), max_length=64, blank=True)

    objects = AuditEventQuerySet.as_manager()

    class Meta:
        verbose_name = _("audit event")
        verbose_name_plural = _("audit events")
        ordering = ["seq"]
        indexes = [
            models.Index(fields=["case_id", "seq"], name="audit_event_case_seq"),
            # The case timeline: the case's newest events first, read in index order until a page is full.
            models.Index(fields=["case_id", "occurred_at", "seq"], name="audit_event_case_time"),
            # Who acted on a case (the timeline's actor filter): one probe per person (selectors.case_actor_ids).
            models.Index(fields=["case_id", "actor_id"], name="audit_event_case_actor"),
            models.Index(fields=["actor_id", "seq"], name="audit_event_actor_seq"),
        ]

    def __str__(self) -> str:
        return f"#{self.seq} {self.action}: {self.summary}"

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise AuditLogAppendOnlyError("audit events are never updated")
        kwargs["force_insert"] = True
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise AuditLogAppendOnlyError("audit events are never deleted")

    def canonical_values(self) -> dict:
        return {name: getattr(self, name) for name in CANONICAL_FIELDS}


class AuditChainHead(models.Model):
    """The last event's sequence number and hash: a single row, locked by each append.

    It is a cache and a lock, not evidence: verification recomputes everything from the events.
    """

    id = models.PositiveSmallIntegerField(primary_key=True, default=1)
    seq = models.BigIntegerField(default=0)
    hash = models.CharField(max_length=64, default=GENESIS_HASH)

    class Meta:
        verbose_name = _("audit chain head")

    def __str__(self) -> str:
        return f"head #{self.seq}"


class ChainVerification(models.Model):
    """The result of one recomputation of the chains (command or nightly task)."""

    ran_at = models.DateTimeField(_("ran at"), default=timezone.now)
    ok = models.BooleanField(_("intact"))
    events_checked = models.BigIntegerField(_("events checked"))
    head_seq = models.BigIntegerField(_("head sequence number"), null=True, blank=True)
    head_hash = models.CharField(_("head hash"), max_length=64, blank=True)
    first_broken_seq = models.BigIntegerField(_("first broken sequence number"), null=True, blank=True)
    case_id = models.BigIntegerField(_("case id"), null=True, blank=True)
    detail = models.TextField(_("detail"), blank=True)
    # The sealed access records, checked against their sealing events (None: not checked in this run).
    access_ok = models.BooleanField(_("access log intact"), null=True, blank=True)
    access_records_checked = models.BigIntegerField(_("access records checked"), null=True, blank=True)
    access_first_bad_seq = models.BigIntegerField(_("first bad sealing event"), null=True, blank=True)
    access_detail = models.TextField(_("access log detail"), blank=True)

    class Meta:
        verbose_name = _("chain verification")
        verbose_name_plural = _("chain verifications")
        ordering = ["-ran_at"]

    def __str__(self) -> str:
        return f"{self.ran_at:%Y-%m-%d %H:%M} {'OK' if self.ok else 'BROKEN'}"


class AccessRecordQuerySet(models.QuerySet):
    def delete(self):
        raise AuditLogAppendOnlyError("access records are never deleted")

    def unsealed(self):
        return self.filter(batch_seq__isnull=True)


class AccessRecord(models.Model):
    """Someone looked at or took away sensitive material: a case page, an evidence item, an answer,
    a download, an export (ASVS V16).

    Written cheaply in the request (one INSERT, no chain lock) and sealed later, in batches, into
    the audit chain by ``apps.audit.access.access_seal``: the sealing event carries the SHA-256
    of its records' canonical bytes and ``batch_seq`` names that event. The database refuses any
    change but that one (NULL → the sealing event's number) and any removal (migration 0015).
    """

    id = models.BigAutoField(primary_key=True)
    at = models.DateTimeField(_("time"), default=timezone.now)
    user_id = models.BigIntegerField(_("user id"), null=True, blank=True)
    user_name = models.CharField(_("person"), max_length=200)
    user_kind = models.CharField(_("kind of user"), max_length=20, choices=ActorKind.choices)
    action = models.CharField(_("access"), max_length=20, choices=AccessAction.choices)
    object_type = models.CharField(_("object type"), max_length=100)
    object_id = models.CharField(_("object id"), max_length=64, blank=True)
    case_id = models.BigIntegerField(_("case id"), null=True, blank=True)
    label = models.CharField(_("what"), max_length=255, blank=True)
    path = models.CharField(_("address"), max_length=500, blank=True)
    ip = models.GenericIPAddressField(_("IP address"), null=True, blank=True)
    batch_seq = models.BigIntegerField(_("sealed by event"), null=True, blank=True)

    objects = AccessRecordQuerySet.as_manager()

    class Meta:
        verbose_name = _("access record")
        verbose_name_plural = _("access records")
        ordering = ["id"]
        indexes = [
            models.Index(fields=["case_id", "-at", "-id"], name="audit_access_case_at"),
            models.Index(fields=["batch_seq", "id"], name="audit_access_batch"),
            # The sealer's queue: only the unsealed rows, so it stays small whatever the log's size.
            models.Index(fields=["id"], name="audit_access_unsealed", condition=models.Q(batch_seq__isnull=True)),
        ]

    def __str__(self) -> str:
        return f"{self.user_name} {self.action} {self.object_type} {self.object_id}"

    def delete(self, *args, **kwargs):
        raise AuditLogAppendOnlyError("access records are never deleted")
