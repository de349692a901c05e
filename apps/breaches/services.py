"""Writes on breach notifications (GDPR Art. 33)."""

from __future__ import annotations

from datetime import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from apps.audit.choices import AuditAction
from apps.audit.services import audit_record
from apps.cases.models import Case
from apps.deadlines import services as deadline_services
from apps.organisations.models import Organisation

from .choices import Phase
from .models import BreachNotification, NoNotificationDecision

CONTENT_FIELDS = (
    "occurred_from",
    "occurred_to",
    "natures",
    "data_categories",
    "subject_categories",
    "approx_subjects",
    "approx_records",
    "dpo_contact",
    "likely_consequences",
    "measures_taken",
    "measures_proposed",
    "cross_border",
    "delay_reason",
)


@transaction.atomic
def breach_notification_record(
    *,
    actor,
    case: Case,
    controller: Organisation,
    phase: str,
    received_at: datetime,
    awareness_at: datetime | None = None,
    processor_informed_at: datetime | None = None,
    ip: str | None = None,
    **content,
) -> BreachNotification:
    """Record one phase of a controller's notification, and its 72-hour deadline on the first.

    The awareness time defaults to the time the processor informed the controller. It cannot be
    after the receipt, and a complementary notification follows an initial one.
    """
    unknown = set(content) - set(CONTENT_FIELDS)
    if unknown:
        raise TypeError(f"unknown fields: {sorted(unknown)}")
    awareness_at = awareness_at or processor_informed_at
    errors = {}
    if awareness_at is None:
        errors["awareness_at"] = _("When did the controller become aware?")
    elif awareness_at > received_at:
        errors["awareness_at"] = _("The controller cannot become aware after the CNIL received the notification.")
    if (
        content.get("occurred_from")
        and content.get("occurred_to")
        and content["occurred_to"] < content["occurred_from"]
    ):
        errors["occurred_to"] = _("The end of the breach is before its start.")
    if received_at > timezone.now():
        errors["received_at"] = _("A notification cannot be received in the future.")
    earlier = BreachNotification.objects.filter(case=case, controller=controller)
    if phase == Phase.INITIAL and earlier.filter(phase=Phase.INITIAL).exists():
        errors["phase"] = _("This controller's initial notification is already recorded.")
    if phase == Phase.COMPLEMENTARY and not earlier.exists():
        errors["phase"] = _("A complementary notification follows an initial one.")
    if errors:
        raise ValidationError(errors)
    notification = BreachNotification(
        case=case,
        controller=controller,
        phase=phase,
        received_at=received_at,
        awareness_at=awareness_at,
        processor_informed_at=processor_informed_at,
        recorded_by=actor,
        **content,
    )
    notification._change_reason = "breach_notification_record"
    notification.save()
    Case.objects.filter(pk=case.pk).update(last_activity_at=timezone.now())
    audit_record(
        actor=actor,
        action=AuditAction.BREACH_NOTIFICATION_RECORDED,
        summary=_("%(phase)s from %(controller)s%(late)s")
        % {
            "phase": notification.get_phase_display(),
            "controller": controller,
            "late": _(" (late)") if notification.is_late else "",
        },
        object_type="breaches.breachnotification",
        object_id=str(notification.pk),
        case_id=case.pk,
        data={"controller": controller.pk, "phase": phase, "late": notification.is_late},
        ip=ip,
    )
    if phase == Phase.INITIAL:
        deadline = deadline_services.deadline_create(
            actor=actor,
            case=case,
            kind="breach_notification",
            started_at=awareness_at,
            start_event=_("%(controller)s aware of the breach") % {"controller": controller},
            object_type="breaches.breachnotification",
            object_id=str(notification.pk),
            ip=ip,
        )
        deadline_services.deadline_meet(actor=actor, deadline=deadline, met_at=received_at, ip=ip)
    return notification


@transaction.atomic
def no_notification_record(
    *, actor, case: Case, controller: Organisation, reasoning: str, decided_at: datetime, ip: str | None = None
) -> NoNotificationDecision:
    """A controller that decided not to notify (no risk) — recorded with its reasoning (Art. 33(5))."""
    if not reasoning.strip():
        raise ValidationError({"reasoning": _("The decision not to notify states its reasoning.")})
    if NoNotificationDecision.objects.filter(case=case, controller=controller).exists():
        raise ValidationError(_("This controller's decision is already recorded."))
    decision = NoNotificationDecision.objects.create(
        case=case, controller=controller, reasoning=reasoning.strip(), decided_at=decided_at, recorded_by=actor
    )
    audit_record(
        actor=actor,
        action=AuditAction.BREACH_NOT_NOTIFIED,
        summary=_("%(controller)s decided not to notify") % {"controller": controller},
        object_type="breaches.nonotificationdecision",
        object_id=str(decision.pk),
        case_id=case.pk,
        data={"controller": controller.pk},
        ip=ip,
    )
    return decision
