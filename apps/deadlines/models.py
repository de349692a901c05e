from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from apps.cases.models import Case
from apps.core.history import CaseHistory


class DeadlineStatus(models.TextChoices):
    OPEN = "open", _("Open")
    MET = "met", _("Met")
    MISSED = "missed", _("Missed")
    EXTENDED = "extended", _("Extended")
    CANCELLED = "cancelled", _("Cancelled")


class DeadlineQuerySet(models.QuerySet):
    def pending(self):
        return self.filter(status__in=[DeadlineStatus.OPEN, DeadlineStatus.EXTENDED])

    def overdue(self, *, on=None):
        return self.pending().filter(due_at__lt=on or timezone.now())


class Deadline(models.Model):
    """A due date computed by a rule of ``rules.RULES`` from a start event; it explains itself.

    ``object_type``/``object_id`` name what started it (a control, a notification...) without a
    foreign key, so lower apps never depend on higher ones.
    """

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="deadlines", verbose_name=_("case"))
    kind = models.CharField(_("kind"), max_length=50)
    title = models.CharField(_("title"), max_length=255)
    rule_text = models.CharField(_("rule"), max_length=255)
    legal_source = models.CharField(_("legal source"), max_length=255)
    amount = models.PositiveIntegerField(_("length"))
    unit = models.CharField(_("unit"), max_length=10)
    start_event = models.CharField(_("start event"), max_length=200)
    started_at = models.DateTimeField(_("start"))
    due_at = models.DateTimeField(_("due"))
    rolled_from = models.DateField(_("period ended on (before rolling)"), null=True, blank=True)
    status = models.CharField(_("status"), max_length=12, choices=DeadlineStatus.choices, default=DeadlineStatus.OPEN)
    met_at = models.DateTimeField(_("met at"), null=True, blank=True)
    max_extensions = models.PositiveSmallIntegerField(_("extensions allowed"), null=True, blank=True)
    object_type = models.CharField(max_length=100, blank=True)
    object_id = models.CharField(max_length=64, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    history = CaseHistory(case="case", no_db_index=["id", "created_by", "case"])
    objects = DeadlineQuerySet.as_manager()

    class Meta:
        verbose_name = _("deadline")
        verbose_name_plural = _("deadlines")
        ordering = ["due_at", "id"]
        indexes = [
            models.Index(fields=["status", "due_at"], name="deadline_status_due_idx"),
            # The managers' dashboard: outstanding deadlines, soonest (most overdue) first.
            models.Index(
                fields=["due_at", "id"],
                name="deadline_outstanding_idx",
                condition=models.Q(status__in=["open", "extended", "missed"]),
            ),
            # What started a deadline (a request, a control, a notice...): its latest deadline is read
            # for every request of the portal's list and of a case's requests.
            models.Index(fields=["object_type", "object_id", "-created_at", "-id"], name="deadline_object_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.title} ({self.due_at:%Y-%m-%d %H:%M})"


class DeadlineExtension(models.Model):
    """One extension: the due date before and after, why, and who granted it."""

    deadline = models.ForeignKey(Deadline, on_delete=models.CASCADE, related_name="extensions")
    previous_due_at = models.DateTimeField(_("previous due date"))
    new_due_at = models.DateTimeField(_("new due date"))
    reason = models.TextField(_("reason"))
    granted_by = models.CharField(_("granted by"), max_length=200)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.deadline_id}: {self.previous_due_at:%Y-%m-%d} → {self.new_due_at:%Y-%m-%d}"


class ReminderKind(models.TextChoices):
    REMINDER = "reminder", _("Reminder before the due date")
    MISSED = "missed", _("Missed deadline escalated")


class DeadlineReminder(models.Model):
    """One reminder or escalation of a deadline, recorded before it is sent so it is sent once.

    The unique constraint is the claim: a run inserts the row with its own ``claim_token`` and
    sends only rows bearing that token; a concurrent or repeated run's insert is a no-op. The
    due date is part of the key, so extending a deadline arms its reminders again for the new
    date. ``sent_at`` stays empty until the e-mail has gone: a claim left unsent for
    ``DEADLINE_REMINDER_STALE_AFTER`` (a worker died) is claimed again and resent.
    A missed deadline has one escalation (``offset_seconds`` 0).
    """

    deadline = models.ForeignKey(Deadline, on_delete=models.CASCADE, related_name="reminders")
    kind = models.CharField(_("kind"), max_length=10, choices=ReminderKind.choices)
    offset_seconds = models.PositiveIntegerField(_("before the due date (seconds)"))
    due_at = models.DateTimeField(_("due date reminded"))
    claim_token = models.UUIDField(_("claimed by run"))
    claimed_at = models.DateTimeField(_("claimed at"))
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=1)

    class Meta:
        verbose_name = _("deadline reminder")
        verbose_name_plural = _("deadline reminders")
        ordering = ["claimed_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["deadline", "due_at", "offset_seconds", "kind"], name="deadline_reminder_once"
            )
        ]
        indexes = [
            models.Index(fields=["claim_token"], name="deadline_reminder_token_idx"),
            models.Index(
                fields=["claimed_at"], name="deadline_reminder_unsent_idx", condition=models.Q(sent_at__isnull=True)
            ),
        ]

    def __str__(self) -> str:
        return f"{self.deadline_id} {self.kind} -{self.offset_seconds}s"


class CalendarFeed(models.Model):
    """A user's iCalendar feed: the secret token of its URL is known only by its SHA-256."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="calendar_feed")
    token_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(default=timezone.now)
    last_used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("calendar feed")

    def __str__(self) -> str:
        return f"calendar feed of {self.user_id}"
