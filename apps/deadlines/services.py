"""Writes on deadlines: created from a rule, extended within the law's limits, met, cancelled."""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, time, timedelta

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from apps.audit.choices import AuditAction
from apps.audit.services import audit_record
from apps.cases.choices import CaseStatus
from apps.cases.models import Case

from .models import CalendarFeed, Deadline, DeadlineExtension, DeadlineStatus
from .rules import RULES


def _audit(action, *, actor, deadline: Deadline, summary: str, ip=None, **data):
    audit_record(
        actor=actor,
        action=action,
        summary=summary,
        object_type="deadlines.deadline",
        object_id=str(deadline.pk),
        case_id=deadline.case_id,
        data=data,
        ip=ip,
    )


@transaction.atomic
def deadline_create(
    *,
    actor,
    case: Case,
    kind: str,
    started_at: datetime,
    start_event: str,
    amount: int | None = None,
    title: str = "",
    object_type: str = "",
    object_id: str = "",
    met_at: datetime | None = None,
    ip: str | None = None,
) -> Deadline:
    """Compute and record a deadline from its rule; the stored fields explain the due date.

    ``met_at``: what the deadline waits for has already happened (a notification received with
    its awareness date): the deadline is created met, one version, and both events are audited.
    """
    rule = RULES.get(kind)
    if rule is None:
        raise ValidationError({"kind": _("Unknown kind of deadline.")})
    if amount is None and rule.amount is None:
        raise ValidationError({"amount": _("Give the length of this deadline.")})
    if amount is not None and rule.minimum is not None and amount < rule.minimum:
        raise ValidationError({"amount": _("At least %(minimum)d for this deadline.") % {"minimum": rule.minimum}})
    try:
        computed = rule.compute(started_at, amount=amount)
    except ValueError as exc:
        raise ValidationError({"amount": _("Invalid length: %(error)s") % {"error": exc}}) from exc
    length = amount if amount is not None else rule.amount
    deadline = Deadline(
        case=case,
        kind=kind,
        title=title or str(rule.label),
        rule_text=f"{length} {rule.unit}{' (délai franc)' if rule.franc else ''}, {rule.direction}",
        legal_source=rule.source,
        amount=length,
        unit=rule.unit,
        start_event=start_event,
        started_at=started_at,
        due_at=computed.due_at,
        rolled_from=computed.rolled_from,
        max_extensions=rule.max_extensions,
        object_type=object_type,
        object_id=object_id,
        created_by=actor,
    )
    if met_at is not None:
        deadline.met_at, deadline.status = met_at, DeadlineStatus.MET
    deadline._change_reason = "deadline_create"
    deadline.save()
    _audit(
        AuditAction.DEADLINE_CREATED,
        actor=actor,
        deadline=deadline,
        summary=_("Deadline “%(title)s” due %(due)s")
        % {"title": deadline.title, "due": timezone.localtime(deadline.due_at).strftime("%d/%m/%Y %H:%M")},
        ip=ip,
        kind=kind,
        due_at=deadline.due_at.isoformat(),
    )
    if met_at is not None:
        _met_audit(actor=actor, deadline=deadline, ip=ip)
    return deadline


def _met_audit(*, actor, deadline: Deadline, ip) -> None:
    _audit(
        AuditAction.DEADLINE_MET,
        actor=actor,
        deadline=deadline,
        summary=_("Deadline “%(title)s” met") % {"title": deadline.title},
        ip=ip,
        late=deadline.met_at > deadline.due_at,
    )


@transaction.atomic
def deadline_extend(
    *, actor, deadline: Deadline, new_due_at: datetime, reason: str, granted_by: str, ip: str | None = None
) -> Deadline:
    """Extend an open deadline to a later date, within the number of extensions the law allows."""
    deadline = Deadline.objects.select_for_update().get(pk=deadline.pk)
    if deadline.status not in (DeadlineStatus.OPEN, DeadlineStatus.EXTENDED):
        raise ValidationError(_("Only an open deadline can be extended."))
    if new_due_at <= deadline.due_at:
        raise ValidationError({"new_due_at": _("The new due date must be later than the current one.")})
    if deadline.max_extensions is not None and deadline.extensions.count() >= deadline.max_extensions:
        raise ValidationError(
            _("This deadline can be extended %(count)d time(s) only.") % {"count": deadline.max_extensions}
        )
    if not reason.strip() or not granted_by.strip():
        raise ValidationError(_("An extension states its reason and who granted it."))
    DeadlineExtension.objects.create(
        deadline=deadline,
        previous_due_at=deadline.due_at,
        new_due_at=new_due_at,
        reason=reason.strip(),
        granted_by=granted_by.strip(),
        actor=actor,
    )
    previous = deadline.due_at
    deadline.due_at, deadline.status = new_due_at, DeadlineStatus.EXTENDED
    deadline._change_reason = "deadline_extend"
    deadline.save(update_fields=["due_at", "status"])
    _audit(
        AuditAction.DEADLINE_EXTENDED,
        actor=actor,
        deadline=deadline,
        summary=_("Deadline “%(title)s” extended") % {"title": deadline.title},
        ip=ip,
        previous_due_at=previous.isoformat(),
        new_due_at=new_due_at.isoformat(),
        granted_by=granted_by.strip(),
    )
    return deadline


@transaction.atomic
def deadline_meet(*, actor, deadline: Deadline, met_at: datetime | None = None, ip: str | None = None) -> Deadline:
    """Record that what the deadline waited for happened (late if after the due date: still met)."""
    deadline = Deadline.objects.select_for_update().get(pk=deadline.pk)
    if deadline.status not in (DeadlineStatus.OPEN, DeadlineStatus.EXTENDED, DeadlineStatus.MISSED):
        raise ValidationError(_("This deadline is already closed."))
    deadline.met_at = met_at or timezone.now()
    deadline.status = DeadlineStatus.MET
    deadline._change_reason = "deadline_meet"
    deadline.save(update_fields=["met_at", "status"])
    _met_audit(actor=actor, deadline=deadline, ip=ip)
    return deadline


@transaction.atomic
def deadline_cancel(*, actor, deadline: Deadline, reason: str, ip: str | None = None) -> Deadline:
    """Cancel a pending deadline whose start event no longer holds (a hearing moved, a reply no longer due)."""
    deadline = Deadline.objects.select_for_update().get(pk=deadline.pk)
    if deadline.status not in (DeadlineStatus.OPEN, DeadlineStatus.EXTENDED, DeadlineStatus.MISSED):
        raise ValidationError(_("This deadline is already closed."))
    deadline.status = DeadlineStatus.CANCELLED
    deadline._change_reason = reason
    deadline.save(update_fields=["status"])
    _audit(
        AuditAction.DEADLINE_CANCELLED,
        actor=actor,
        deadline=deadline,
        summary=_("Deadline “%(title)s” cancelled: %(reason)s") % {"title": deadline.title, "reason": reason},
        ip=ip,
    )
    return deadline


@transaction.atomic
def deadline_mark_missed(*, actor=None, deadline: Deadline, ip: str | None = None) -> Deadline:
    """Record that a pending deadline passed its due date unmet (the reminder task: ``actor=None``, the system).

    Refused for a deadline that is closed, or not yet due. Still met later by ``deadline_meet``
    (late); the miss stays in the history and the audit log.
    """
    deadline = Deadline.objects.select_for_update().get(pk=deadline.pk)
    if deadline.status not in (DeadlineStatus.OPEN, DeadlineStatus.EXTENDED):
        raise ValidationError(_("Only an open deadline can be missed."))
    if deadline.due_at >= timezone.now():
        raise ValidationError(_("This deadline is not past its due date yet."))
    deadline.status = DeadlineStatus.MISSED
    deadline._change_reason = "deadline_mark_missed"
    deadline.save(update_fields=["status"])
    _audit(
        AuditAction.DEADLINE_MISSED,
        actor=actor,
        deadline=deadline,
        summary=_("Deadline “%(title)s” missed (due %(due)s)")
        % {"title": deadline.title, "due": timezone.localtime(deadline.due_at).strftime("%d/%m/%Y %H:%M")},
        ip=ip,
        due_at=deadline.due_at.isoformat(),
    )
    return deadline


def cancel_open_deadlines_on_closure(case: Case, transition) -> None:
    """Closing a case cancels its open deadlines (a reaction run inside the transition)."""
    if transition.to_status != CaseStatus.CLOSED:
        return
    for deadline in Deadline.objects.select_for_update().filter(case=case).pending():
        deadline.status = DeadlineStatus.CANCELLED
        deadline._change_reason = "case closed"
        deadline.save(update_fields=["status"])
        _audit(
            AuditAction.DEADLINE_CANCELLED,
            actor=transition.actor,
            deadline=deadline,
            summary=_("Deadline “%(title)s” cancelled: case closed") % {"title": deadline.title},
        )


def complainant_deadline_on_opening(case: Case, actor) -> None:
    """A complaint owes the complainant news within 3 months of its lodging (GDPR Art. 78(2))."""
    complainant = getattr(case, "complainant", None) if case.origin == "complaint" else None
    if complainant is None:
        return
    lodged = datetime.combine(complainant.lodged_on, time(12), tzinfo=timezone.get_current_timezone())
    deadline_create(
        actor=actor,
        case=case,
        kind="complainant_update",
        started_at=lodged,
        start_event=_("Complaint lodged"),
        object_type="cases.complainant",
        object_id=str(complainant.pk),
    )


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@transaction.atomic
def calendar_feed_renew(*, actor, ip: str | None = None) -> str:
    """Create the user's calendar feed, or replace its token (the old URL stops working).

    Returns the new secret token: it is shown once, and only its hash is stored.
    """
    token = secrets.token_urlsafe(32)
    feed, created = CalendarFeed.objects.select_for_update().get_or_create(
        user=actor, defaults={"token_hash": _token_hash(token)}
    )
    if not created:
        feed.token_hash, feed.created_at, feed.last_used_at = _token_hash(token), timezone.now(), None
        feed.save(update_fields=["token_hash", "created_at", "last_used_at"])
    audit_record(
        actor=actor,
        action=AuditAction.CALENDAR_FEED_CREATED,
        summary=_("Calendar feed link created") if created else _("Calendar feed link replaced"),
        object_type="deadlines.calendarfeed",
        object_id=str(feed.pk),
        ip=ip,
    )
    return token


@transaction.atomic
def calendar_feed_revoke(*, actor, ip: str | None = None) -> bool:
    """Revoke the user's calendar feed: its URL answers 404 from now on."""
    deleted, _detail = CalendarFeed.objects.filter(user=actor).delete()
    if deleted:
        audit_record(
            actor=actor,
            action=AuditAction.CALENDAR_FEED_REVOKED,
            summary=_("Calendar feed link revoked"),
            object_type="deadlines.calendarfeed",
            object_id=str(actor.pk),
            ip=ip,
        )
    return bool(deleted)


def calendar_feed_used(feed: CalendarFeed) -> None:
    """Note when a calendar application last read the feed (at most once a minute)."""
    now = timezone.now()
    if feed.last_used_at is None or now - feed.last_used_at > timedelta(minutes=1):
        CalendarFeed.objects.filter(pk=feed.pk).update(last_used_at=now)
