from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class TimeStampedModel(models.Model):
    """Creation and last-change times (UTC)."""

    created_at = models.DateTimeField(_("created at"), default=timezone.now, editable=False)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        abstract = True


class OutboxMessage(models.Model):
    """A Celery task to send, written in the transaction of the change that asks for it.

    ``apps.core.queue.enqueue_on_commit`` writes the row; it is published right after the commit
    when the broker answers, otherwise by the relay (``manage.py outbox_relay``), in ``id`` order.
    ``task_id`` is the Celery task id, the same on every publication of the row. Sent rows are
    kept ``OUTBOX_KEEP_SENT_DAYS`` days, then purged by the relay; pending rows are never purged.
    """

    task_id = models.UUIDField(_("task id"), unique=True, editable=False)
    task_name = models.CharField(_("task"), max_length=200)
    args = models.JSONField(_("positional arguments"), default=list, blank=True)
    kwargs = models.JSONField(_("keyword arguments"), default=dict, blank=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now, editable=False)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    attempts = models.PositiveIntegerField(_("failed attempts"), default=0)
    last_error = models.CharField(_("last error"), max_length=500, blank=True)

    class Meta:
        verbose_name = _("outbox message")
        verbose_name_plural = _("outbox messages")
        ordering = ["id"]
        indexes = [
            # The relay's query: pending rows in order. Sent rows (nearly all) stay out of it.
            models.Index(fields=["id"], condition=models.Q(sent_at__isnull=True), name="core_outbox_pending"),
            models.Index(fields=["sent_at"], name="core_outbox_sent_at"),
        ]

    def __str__(self) -> str:
        return f"{self.task_name} {self.task_id}"
