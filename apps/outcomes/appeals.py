"""After the decision: the appeal to the Conseil d'État and the liquidation of a periodic penalty."""

from __future__ import annotations

from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from apps.audit.choices import AuditAction
from apps.cases import services as case_services
from apps.cases.choices import CaseStatus, DecidingBody
from apps.deadlines import services as deadline_services

from .choices import AppealOutcome, DocumentKind, SuspensionOutcome
from .models import Appeal, Liquidation, SanctionDecision
from .sanctions import date_short, deadlines_meet, deadlines_pending, receipt_of, save_with_reason
from .services import outcome_audit

LIQUIDATION_BODY = DecidingBody.RESTRICTED_COMMITTEE


def _local_date(moment):
    return timezone.localdate(moment)


def _euros(amount) -> str:
    return formats.number_format(amount, 2, use_l10n=True, force_grouping=True)


# --- Appeal ----------------------------------------------------------------------------------------


@transaction.atomic
def appeal_lodge(
    *, actor, decision: SanctionDecision, lodged_on, reference: str, suspension_requested: bool = False, ip=None
) -> Appeal:
    """An appeal to the Conseil d'État (it does not suspend the decision unless the urgency judge orders so)."""
    decision = SanctionDecision.objects.select_for_update().get(pk=decision.pk)
    if Appeal.objects.filter(decision=decision).exists():
        raise ValidationError(_("An appeal against this decision is already recorded."))
    if receipt_of(DocumentKind.DECISION, decision) is None:
        raise ValidationError(_("Record the notification of the decision first: the appeal period runs from it."))
    errors = {}
    if not reference.strip():
        errors["reference"] = _("Give the Conseil d'État's case number.")
    if lodged_on < decision.decided_on or lodged_on > timezone.localdate():
        errors["lodged_on"] = _("Between the decision and today.")
    if errors:
        raise ValidationError(errors)
    appeal = Appeal(
        decision=decision,
        case_id=decision.case_id,
        lodged_on=lodged_on,
        reference=reference.strip(),
        suspension=SuspensionOutcome.PENDING if suspension_requested else SuspensionOutcome.NOT_REQUESTED,
        recorded_by=actor,
    )
    save_with_reason(appeal, "appeal_lodge")
    deadlines_meet(actor, decision, "appeal", ip)
    case_services.case_transition(
        actor=actor,
        case=decision.case,
        to_status=CaseStatus.APPEAL,
        reason=_("Appeal %(reference)s") % {"reference": appeal.reference},
        service=True,
        ip=ip,
    )
    outcome_audit(
        AuditAction.APPEAL_RECORDED,
        actor=actor,
        case_id=decision.case_id,
        obj=appeal,
        summary=_("Appeal %(reference)s against decision %(decision)s")
        % {"reference": appeal.reference, "decision": decision.reference},
        ip=ip,
        step="lodged",
        suspension_requested=suspension_requested,
    )
    return appeal


@transaction.atomic
def appeal_suspension_record(*, actor, appeal: Appeal, suspension: str, ip=None) -> Appeal:
    """The urgency judge's ruling on the suspension of the decision."""
    appeal = Appeal.objects.select_for_update().get(pk=appeal.pk)
    if appeal.suspension != SuspensionOutcome.PENDING:
        raise ValidationError(_("No suspension request awaits a ruling."))
    if suspension not in (SuspensionOutcome.GRANTED, SuspensionOutcome.REJECTED):
        raise ValidationError({"suspension": _("The judge grants or refuses the suspension.")})
    appeal.suspension = suspension
    save_with_reason(appeal, "suspension ruled", ["suspension"])
    outcome_audit(
        AuditAction.APPEAL_RECORDED,
        actor=actor,
        case_id=appeal.case_id,
        obj=appeal,
        summary=appeal.get_suspension_display(),
        ip=ip,
        step="suspension",
        suspension=suspension,
    )
    return appeal


@transaction.atomic
def appeal_outcome_record(
    *, actor, appeal: Appeal, outcome: str, outcome_on, outcome_reference: str, reduced_fine=None, ip=None
) -> Appeal:
    """The Conseil d'État's ruling (full jurisdiction: it may reduce a fine); the case is closed."""
    appeal = Appeal.objects.select_for_update().select_related("decision").get(pk=appeal.pk)
    if appeal.outcome != AppealOutcome.PENDING:
        raise ValidationError(_("The ruling on this appeal is already recorded."))
    errors = {}
    if outcome not in (AppealOutcome.CONFIRMED, AppealOutcome.ANNULLED, AppealOutcome.REDUCED):
        errors["outcome"] = _("Choose the ruling.")
    if not outcome_reference.strip():
        errors["outcome_reference"] = _("Give the ruling's reference.")
    if outcome_on < appeal.lodged_on or outcome_on > timezone.localdate():
        errors["outcome_on"] = _("Between the appeal and today.")
    fine = appeal.decision.fine
    if outcome == AppealOutcome.REDUCED:
        if fine is None:
            errors["reduced_fine"] = _("The decision ordered no fine to reduce.")
        elif reduced_fine is None or not 0 <= reduced_fine < fine:
            errors["reduced_fine"] = _("A reduced fine is below the fine decided (EUR %(fine)s).") % {
                "fine": formats.number_format(fine, 2, use_l10n=True, force_grouping=True)
            }
    elif reduced_fine is not None:
        errors["reduced_fine"] = _("Only a reduction sets a new amount.")
    if errors:
        raise ValidationError(errors)
    appeal.outcome, appeal.outcome_on = outcome, outcome_on
    appeal.outcome_reference, appeal.reduced_fine = outcome_reference.strip(), reduced_fine
    save_with_reason(appeal, "appeal_outcome_record")
    case_services.case_transition(
        actor=actor,
        case=appeal.decision.case,
        to_status=CaseStatus.CLOSED,
        reason=appeal.get_outcome_display(),
        deciding_body=DecidingBody.CONSEIL_ETAT,
        decision_reference=appeal.outcome_reference,
        service=True,
        ip=ip,
    )
    outcome_audit(
        AuditAction.APPEAL_RECORDED,
        actor=actor,
        case_id=appeal.case_id,
        obj=appeal,
        summary=appeal.get_outcome_display(),
        ip=ip,
        step="ruling",
        outcome=outcome,
        reduced_fine=str(reduced_fine) if reduced_fine is not None else None,
    )
    return appeal


# --- Liquidation of a periodic penalty -------------------------------------------------------------


@transaction.atomic
def liquidation_open(*, actor, decision: SanctionDecision, reference: str, days_late: int, ip=None) -> Liquidation:
    """Start liquidating an injunction's periodic penalty: the notice is then delivered (15 days to observe)."""
    if decision.penalty_per_day is None:
        raise ValidationError(_("This decision sets no periodic penalty."))
    errors = {}
    if not reference.strip():
        errors["reference"] = _("Give the liquidation notice's reference.")
    if days_late is None or days_late < 1:
        errors["days_late"] = _("At least one day of delay.")
    if errors:
        raise ValidationError(errors)
    liquidation = Liquidation(
        decision=decision,
        case_id=decision.case_id,
        party=decision.party,
        reference=reference.strip(),
        days_late=days_late,
        recorded_by=actor,
    )
    save_with_reason(liquidation, "liquidation_open")
    outcome_audit(
        AuditAction.PENALTY_LIQUIDATED,
        actor=actor,
        case_id=decision.case_id,
        obj=liquidation,
        summary=_("Liquidation of the periodic penalty: %(days)d days of delay") % {"days": days_late},
        ip=ip,
        step="opened",
        days_late=days_late,
    )
    return liquidation


def liquidation_notice_received(*, actor, document: Liquidation, received_at, ip=None) -> None:
    deadline_services.deadline_create(
        actor=actor,
        case=document.decision.case,
        kind="astreinte_observations",
        started_at=received_at,
        start_event=_("Liquidation notice %(reference)s received") % {"reference": document.reference},
        object_type="outcomes.liquidation",
        object_id=str(document.pk),
        ip=ip,
    )


@transaction.atomic
def liquidation_observations_record(*, actor, liquidation: Liquidation, received_at, ip=None) -> Liquidation:
    liquidation = Liquidation.objects.select_for_update().get(pk=liquidation.pk)
    delivered = receipt_of(DocumentKind.LIQUIDATION_NOTICE, liquidation)
    if delivered is None:
        raise ValidationError(_("Record the receipt of the liquidation notice first."))
    if liquidation.observations_received_at is not None or liquidation.decided_on is not None:
        raise ValidationError(_("The observations on this liquidation are already recorded."))
    if not delivered.received_at <= received_at <= timezone.now():
        raise ValidationError({"received_at": _("Between the notice's receipt and now.")})
    liquidation.observations_received_at = received_at
    save_with_reason(liquidation, "observations", ["observations_received_at"])
    deadlines_meet(actor, liquidation, "astreinte_observations", ip, met_at=received_at)
    outcome_audit(
        AuditAction.PENALTY_LIQUIDATED,
        actor=actor,
        case_id=liquidation.case_id,
        obj=liquidation,
        summary=_("Observations on the liquidation received"),
        ip=ip,
        step="observations",
    )
    return liquidation


@transaction.atomic
def liquidation_decide(
    *, actor, liquidation: Liquidation, amount_due: Decimal, decided_on, decision_reference: str, ip=None
) -> Liquidation:
    """The amount due: at most the days of delay times the daily penalty, after the observations period."""
    liquidation = Liquidation.objects.select_for_update().select_related("decision").get(pk=liquidation.pk)
    if liquidation.decided_on is not None:
        raise ValidationError(_("This liquidation is already decided."))
    delivered = receipt_of(DocumentKind.LIQUIDATION_NOTICE, liquidation)
    if delivered is None:
        raise ValidationError(_("Record the receipt of the liquidation notice first."))
    running = deadlines_pending(liquidation).filter(due_at__gt=timezone.now()).first()
    if liquidation.observations_received_at is None and running is not None:
        raise ValidationError(
            _("The organisation may send observations until %(due)s.")
            % {"due": date_short(timezone.localtime(running.due_at))}
        )
    errors = {}
    maximum = liquidation.maximum
    if amount_due is None or not 0 <= amount_due <= maximum:
        errors["amount_due"] = _("At most %(days)d days × EUR %(rate)s = EUR %(maximum)s.") % {  # noqa: RUF001
            "days": liquidation.days_late,
            "rate": formats.number_format(liquidation.decision.penalty_per_day, 2, use_l10n=True, force_grouping=True),
            "maximum": formats.number_format(maximum, 2, use_l10n=True, force_grouping=True),
        }
    if not decision_reference.strip():
        errors["decision_reference"] = _("Give the liquidation decision's reference.")
    if decided_on < _local_date(delivered.received_at) or decided_on > timezone.localdate():
        errors["decided_on"] = _("Between the notice's receipt and today.")
    if errors:
        raise ValidationError(errors)
    for deadline in deadlines_pending(liquidation):  # the period ran out without observations
        deadline_services.deadline_cancel(actor=actor, deadline=deadline, reason="liquidation decided", ip=ip)
    liquidation.amount_due, liquidation.decided_on = amount_due, decided_on
    liquidation.decision_reference = decision_reference.strip()
    save_with_reason(liquidation, "liquidation_decide")
    outcome_audit(
        AuditAction.PENALTY_LIQUIDATED,
        actor=actor,
        case_id=liquidation.case_id,
        obj=liquidation,
        summary=_("Periodic penalty liquidated: EUR %(amount)s")
        % {"amount": formats.number_format(amount_due, 2, use_l10n=True, force_grouping=True)},
        ip=ip,
        step="decided",
        amount_due=str(amount_due),
        deciding_body=LIQUIDATION_BODY,
    )
    return liquidation
