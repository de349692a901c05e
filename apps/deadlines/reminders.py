"""Deadline reminders and missed-deadline escalations: each one sent once, even across reruns.

One run (the hourly ``tasks.send_deadline_reminders``) under a ``claim_token``: the Celery task's
id, so that a task redelivered after its worker died (``acks_late`` + ``reject_on_worker_lost``)
finds the claims it made and sends them at once, rather than after the stale delay:

1. recovery: claims that a run made but never marked sent (it died between the claim and the
   e-mail) and older than ``DEADLINE_REMINDER_STALE_AFTER`` are claimed again under row locks
   (``FOR UPDATE SKIP LOCKED``) by a conditional UPDATE, so two runs never both take one;
2. missed: every pending deadline past its due date is marked missed (``deadline_mark_missed``,
   audited, system actor) and its one escalation claimed in the same transaction;
3. reminders: for every pending deadline, the closest reminder whose moment (due date - offset)
   has come is claimed by INSERT ... ON CONFLICT DO NOTHING under the unique constraint;
4. delivery: only the rows bearing this run's token are sent — an e-mail to the case team (and
   the managers for a missed deadline), then, in one transaction, the in-app notifications and
   ``sent_at``.

Each claim is committed before anything is sent. A crash after the e-mail and before ``sent_at``
sends that e-mail again after the stale delay (at least once); the in-app notification is written
with ``sent_at``, so exactly once. Only the closest reminder is sent: a deadline created two
days before its due date, or a run after an outage, sends one reminder, not a burst.
"""

from __future__ import annotations

import logging
import smtplib
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import EmailMessage
from django.db import transaction
from django.db.models import F, Q
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from apps.accounts.selectors import active_managers
from apps.cases.selectors import case_team_members
from apps.notifications.services import notify

from .models import Deadline, DeadlineReminder, DeadlineStatus, ReminderKind
from .rules import PARIS, Unit
from .services import deadline_mark_missed

logger = logging.getLogger(__name__)

PENDING = (DeadlineStatus.OPEN, DeadlineStatus.EXTENDED)
NOTIFICATION_KINDS = {ReminderKind.REMINDER: "deadline_reminder", ReminderKind.MISSED: "deadline_missed"}


def reminder_offsets(unit: str) -> list[timedelta]:
    """How long before the due date reminders go, closest first: hours for hour deadlines, else days."""
    if unit == Unit.HOURS:
        offsets = [timedelta(hours=h) for h in settings.DEADLINE_REMINDER_OFFSETS_HOURS]
    else:
        offsets = [timedelta(days=d) for d in settings.DEADLINE_REMINDER_OFFSETS_DAYS]
    return sorted(offset for offset in offsets if offset > timedelta(0))


def due_offset(deadline: Deadline, now: datetime) -> timedelta | None:
    """The closest reminder due at ``now``: the smallest offset with ``due_at - offset <= now < due_at``."""
    if not now < deadline.due_at:
        return None
    for offset in reminder_offsets(deadline.unit):
        if deadline.due_at - offset <= now:
            return offset
    return None


def reminders_claim_stale(*, token: uuid.UUID, now: datetime) -> int:
    """Claim again the unsent claims older than the stale delay that are still worth sending."""
    cutoff = now - settings.DEADLINE_REMINDER_STALE_AFTER
    still_wanted = Q(kind=ReminderKind.MISSED) | Q(
        kind=ReminderKind.REMINDER, deadline__status__in=PENDING, deadline__due_at=F("due_at"), deadline__due_at__gt=now
    )
    candidates = list(
        DeadlineReminder.objects.filter(
            sent_at__isnull=True, claimed_at__lt=cutoff, attempts__lt=settings.DEADLINE_REMINDER_MAX_ATTEMPTS
        )
        .filter(still_wanted)
        .values_list("pk", flat=True)
    )
    if not candidates:
        return 0
    # Re-claimed under row locks, in id order, skipping rows a concurrent run holds: the conditions
    # are read again on each row's latest version, so a row another run has just re-claimed (its
    # claimed_at is now fresh) no longer matches and two runs never both resend it.
    with transaction.atomic():
        mine = list(
            DeadlineReminder.objects.select_for_update(skip_locked=True)
            .filter(pk__in=candidates, sent_at__isnull=True, claimed_at__lt=cutoff)
            .order_by("pk")
            .values_list("pk", flat=True)
        )
        return DeadlineReminder.objects.filter(pk__in=mine, sent_at__isnull=True, claimed_at__lt=cutoff).update(
            claim_token=token, claimed_at=now, attempts=F("attempts") + 1
        )


def reminders_claim_missed(*, token: uuid.UUID, now: datetime) -> int:
    """Mark each pending deadline past due missed and claim its escalation, both in one transaction."""
    claimed = 0
    for deadline in Deadline.objects.overdue(on=now).order_by("pk").only("pk"):
        try:
            with transaction.atomic():
                deadline = deadline_mark_missed(actor=None, deadline=deadline)
                DeadlineReminder.objects.bulk_create(
                    [
                        DeadlineReminder(
                            deadline=deadline,
                            kind=ReminderKind.MISSED,
                            offset_seconds=0,
                            due_at=deadline.due_at,
                            claim_token=token,
                            claimed_at=now,
                        )
                    ],
                    ignore_conflicts=True,
                )
        except ValidationError:
            continue  # met, or marked missed by a concurrent run, since it was listed
        claimed += 1
    return claimed


def reminders_claim_due(*, token: uuid.UUID, now: datetime) -> int:
    """Claim the closest reminder due of every pending deadline; those already claimed are left alone.

    Returns how many were due; this run's own claims are the rows bearing its token."""
    longest_hours = max(reminder_offsets(Unit.HOURS), default=timedelta(0))
    longest_days = max(reminder_offsets(Unit.DAYS), default=timedelta(0))
    candidates = (
        Deadline.objects.pending()
        .filter(due_at__gt=now)
        .filter(
            Q(unit=Unit.HOURS, due_at__lte=now + longest_hours)
            | (~Q(unit=Unit.HOURS) & Q(due_at__lte=now + longest_days))
        )
        .order_by("pk")
        .only("pk", "unit", "due_at")
    )
    rows = []
    for deadline in candidates:
        offset = due_offset(deadline, now)
        if offset is not None:
            rows.append(
                DeadlineReminder(
                    deadline=deadline,
                    kind=ReminderKind.REMINDER,
                    offset_seconds=int(offset.total_seconds()),
                    due_at=deadline.due_at,
                    claim_token=token,
                    claimed_at=now,
                )
            )
    if rows:
        with transaction.atomic():
            DeadlineReminder.objects.bulk_create(rows, ignore_conflicts=True)
    return len(rows)


@dataclass(frozen=True)
class Message:
    subject: str
    body: str
    path: str


def compose(reminder: DeadlineReminder) -> Message:
    """The e-mail and notification text, in the site's language (no request, no user language here)."""
    deadline = reminder.deadline
    path = reverse("cases:tab", kwargs={"pk": deadline.case_id, "tab": "deadlines"})
    with translation.override(settings.LANGUAGE_CODE):
        values = {
            "title": deadline.title,
            "reference": deadline.case.reference,
            "due": reminder.due_at.astimezone(PARIS).strftime("%d/%m/%Y %H:%M"),
            "source": deadline.legal_source,
            "link": f"{settings.SITE_URL}{path}",
        }
        if reminder.kind == ReminderKind.MISSED:
            subject = _("Deadline missed: “%(title)s” — case %(reference)s") % values
            opening = _(
                "The deadline “%(title)s” of case %(reference)s was due on %(due)s (Paris time) and was not "
                "met: it is now marked missed."
            )
        else:
            subject = _("Reminder: “%(title)s” due %(due)s — case %(reference)s") % values
            opening = _("The deadline “%(title)s” of case %(reference)s is due on %(due)s (Paris time).")
        body = "\n\n".join(
            [
                opening % values,
                _("Legal source: %(source)s") % values,
                _("Open the case's deadlines: %(link)s") % values,
            ]
        )
    return Message(subject=subject, body=body, path=path)


def recipients_for(reminder: DeadlineReminder) -> list:
    """The case team; for a missed deadline, or a case with no team, the managers too."""
    team = case_team_members(reminder.deadline.case)
    if reminder.kind == ReminderKind.MISSED or not team:
        team = team + active_managers()
    return list({user.pk: user for user in team}.values())


def reminders_deliver(*, token: uuid.UUID, now: datetime) -> int:
    """Send this run's claims: the e-mail first, then the notifications together with ``sent_at``."""
    sent = 0
    claimed = (
        DeadlineReminder.objects.filter(claim_token=token, sent_at__isnull=True)
        .select_related("deadline__case")
        .order_by("pk")
    )
    for reminder in claimed:
        deadline = reminder.deadline
        if reminder.kind == ReminderKind.REMINDER and (
            deadline.status not in PENDING or deadline.due_at != reminder.due_at or deadline.due_at <= now
        ):
            continue  # met, cancelled or extended since it was claimed: nothing to remind of
        message = compose(reminder)
        recipients = recipients_for(reminder)
        addresses = [user.email for user in recipients if user.email]
        try:
            if addresses:
                EmailMessage(subject=message.subject, body=message.body, to=addresses).send()
        except (smtplib.SMTPException, OSError):
            level = logging.ERROR if reminder.attempts >= settings.DEADLINE_REMINDER_MAX_ATTEMPTS else logging.WARNING
            logger.log(
                level, "deadline reminder %s not sent (attempt %s)", reminder.pk, reminder.attempts, exc_info=True
            )
            continue  # stays claimed and unsent: the recovery pass tries again once it is stale
        with transaction.atomic():
            marked = DeadlineReminder.objects.filter(pk=reminder.pk, claim_token=token, sent_at__isnull=True).update(
                sent_at=timezone.now()
            )
            if marked:
                notify(
                    recipients=recipients,
                    title=message.subject,
                    body=message.body,
                    url=message.path,
                    kind=NOTIFICATION_KINDS[reminder.kind],
                )
        sent += 1
    return sent


def reminders_send_due(*, now: datetime | None = None, token: uuid.UUID | None = None) -> dict[str, int]:
    """One run: recover stale claims, escalate missed deadlines, claim due reminders, send what it claimed.

    ``token``: the run's identity, the same across redeliveries of one task (a fresh one if none)."""
    now = now or timezone.now()
    token = token or uuid.uuid4()
    recovered = reminders_claim_stale(token=token, now=now)
    missed = reminders_claim_missed(token=token, now=now)
    due = reminders_claim_due(token=token, now=now)
    sent = reminders_deliver(token=token, now=now)
    return {"recovered": recovered, "missed": missed, "reminders_due": due, "sent": sent}
