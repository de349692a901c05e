"""The sanction procedure (DOMAIN.md "Outcomes"): from the rapporteur's appointment to the decision,
its appeal and the liquidation of a periodic penalty.

Ordinary: report delivered → 1 month for observations (extendable) → each set of observations
→ 1 month for the rapporteur's reply → further rounds, the organisation having the last word →
the rapporteur closes the investigation → hearing notified at least 15 days ahead → the
restricted committee decides. Urgency: 8 days for observations, hearing notified 8 days ahead,
temporary limitation of processing up to 3 months. Simplified: the committee's president decides
alone, a hearing only if the organisation asks, limited measures, never published; it can
become ordinary at any time, keeping what was done.
"""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from apps.audit.choices import AuditAction
from apps.cases import services as case_services
from apps.cases.choices import CaseStatus, DecidingBody
from apps.cases.models import Case, Party
from apps.core.history import save_with_m2m
from apps.deadlines import services as deadline_services
from apps.deadlines.models import Deadline
from apps.deadlines.rules import add_months
from apps.evidence.models import Evidence

from . import fines
from .choices import DocumentKind, ObservationAuthor, Procedure, ProcedureStep
from .models import (
    Delivery,
    Finding,
    GroupTurnover,
    Hearing,
    Observation,
    SanctionDecision,
    SanctionProcedure,
    SanctionReport,
)
from .services import outcome_audit

STATUS_OF_PROCEDURE = {
    Procedure.ORDINARY: CaseStatus.SANCTION_ORDINARY,
    Procedure.URGENCY: CaseStatus.SANCTION_URGENCY,
    Procedure.SIMPLIFIED: CaseStatus.SANCTION_SIMPLIFIED,
}
HEARING_NOTICE_DAYS = {Procedure.ORDINARY: 15, Procedure.URGENCY: 8, Procedure.SIMPLIFIED: 15}
LIMITATION_MONTHS = 3


def date_short(value) -> str:
    return formats.date_format(value, "SHORT_DATE_FORMAT")


def _local_date(moment):
    return timezone.localdate(moment)


def deadlines_pending(obj, kind_prefix: str = ""):
    deadlines = Deadline.objects.filter(object_type=f"outcomes.{obj._meta.model_name}", object_id=str(obj.pk))
    if kind_prefix:
        deadlines = deadlines.filter(kind__startswith=kind_prefix)
    return deadlines.pending()


def deadlines_meet(actor, obj, kind_prefix: str, ip, met_at=None) -> None:
    for deadline in deadlines_pending(obj, kind_prefix):
        deadline_services.deadline_meet(actor=actor, deadline=deadline, met_at=met_at, ip=ip)


def receipt_of(kind: str, document) -> Delivery | None:
    return (
        Delivery.objects.filter(document_kind=kind, document_id=document.pk, received_at__isnull=False)
        .order_by("received_at")
        .first()
    )


def _same_case(document: Evidence | None, case_id: int, field: str = "document") -> None:
    if document is not None and document.case_id != case_id:
        raise ValidationError({field: _("Only evidence of this case can be attached.")})


def _locked(procedure: SanctionProcedure) -> SanctionProcedure:
    return SanctionProcedure.objects.select_for_update().select_related("party__organisation").get(pk=procedure.pk)


def save_with_reason(obj, reason: str, fields=None) -> None:
    obj._change_reason = reason
    obj.save(update_fields=fields) if fields else obj.save()


def procedure_current(case: Case) -> SanctionProcedure | None:
    """The case's sanction procedure not yet decided, if any."""
    return SanctionProcedure.objects.filter(case=case).exclude(step=ProcedureStep.DECIDED).first()


# --- Opening, switching ----------------------------------------------------------------------------


@transaction.atomic
def sanction_procedure_open(
    *, actor, party: Party, procedure: str, referral_reference: str, opened_on, rapporteur: str, ip=None
) -> SanctionProcedure:
    """The President refers a party to the restricted committee and appoints the rapporteur.

    With or without a prior formal notice; the case moves to the procedure's status (refused by
    the case's workflow from a status that cannot lead to a sanction).
    """
    errors = {}
    if procedure not in Procedure.values:
        errors["procedure"] = _("Choose the procedure.")
    if not referral_reference.strip():
        errors["referral_reference"] = _("Give the reference of the President's decision.")
    if not rapporteur.strip():
        errors["rapporteur"] = _("Name the rapporteur (a CNIL agent in the simplified procedure).")
    if opened_on > timezone.localdate():
        errors["opened_on"] = _("A procedure cannot be opened in the future.")
    if errors:
        raise ValidationError(errors)
    if procedure_current(party.case) is not None:
        raise ValidationError(_("A sanction procedure is already under way on this case."))
    record = SanctionProcedure(
        case_id=party.case_id,
        party=party,
        procedure=procedure,
        referral_reference=referral_reference.strip(),
        opened_on=opened_on,
        rapporteur=rapporteur.strip(),
        recorded_by=actor,
    )
    save_with_reason(record, "sanction_procedure_open")
    case_services.case_transition(
        actor=actor,
        case=party.case,
        to_status=STATUS_OF_PROCEDURE[procedure],
        reason=_("Rapporteur appointed: %(name)s") % {"name": record.rapporteur},
        deciding_body=DecidingBody.PRESIDENT,
        decision_reference=record.referral_reference,
        service=True,
        ip=ip,
    )
    outcome_audit(
        AuditAction.SANCTION_PROCEDURE,
        actor=actor,
        case_id=party.case_id,
        obj=record,
        summary=_("%(procedure)s opened against %(organisation)s")
        % {"procedure": record.get_procedure_display(), "organisation": party.organisation},
        ip=ip,
        step="open",
        procedure=procedure,
    )
    return record


@transaction.atomic
def sanction_procedure_switch(*, actor, procedure: SanctionProcedure, reference: str, switched_on, ip=None):
    """The committee's president turns a simplified procedure into an ordinary one; everything done is kept."""
    procedure = _locked(procedure)
    if procedure.procedure != Procedure.SIMPLIFIED or procedure.step == ProcedureStep.DECIDED:
        raise ValidationError(_("Only a simplified procedure not yet decided can be switched to the ordinary one."))
    errors = {}
    if not reference.strip():
        errors["reference"] = _("Give the reference of the decision to switch.")
    if switched_on < procedure.opened_on or switched_on > timezone.localdate():
        errors["switched_on"] = _("Between the opening of the procedure and today.")
    if errors:
        raise ValidationError(errors)
    procedure.procedure, procedure.switched_on, procedure.switch_reference = (
        Procedure.ORDINARY,
        switched_on,
        reference.strip(),
    )
    save_with_reason(procedure, "switched to the ordinary procedure")
    case_services.case_transition(
        actor=actor,
        case=procedure.case,
        to_status=CaseStatus.SANCTION_ORDINARY,
        reason=_("Simplified procedure switched to the ordinary procedure"),
        deciding_body=DecidingBody.RESTRICTED_COMMITTEE_PRESIDENT,
        decision_reference=procedure.switch_reference,
        service=True,
        ip=ip,
    )
    outcome_audit(
        AuditAction.SANCTION_PROCEDURE,
        actor=actor,
        case_id=procedure.case_id,
        obj=procedure,
        summary=_("Simplified procedure switched to the ordinary procedure"),
        ip=ip,
        step="switch",
    )
    return procedure


@transaction.atomic
def hearing_request_record(*, actor, procedure: SanctionProcedure, ip=None) -> SanctionProcedure:
    """In the simplified procedure there is a hearing only if the organisation asks for one."""
    procedure = _locked(procedure)
    if procedure.procedure != Procedure.SIMPLIFIED:
        raise ValidationError(_("A hearing is part of this procedure: no request is needed."))
    if procedure.hearing_requested:
        raise ValidationError(_("The organisation's request for a hearing is already recorded."))
    procedure.hearing_requested = True
    save_with_reason(procedure, "hearing requested", ["hearing_requested"])
    outcome_audit(
        AuditAction.SANCTION_PROCEDURE,
        actor=actor,
        case_id=procedure.case_id,
        obj=procedure,
        summary=_("The organisation asks to be heard"),
        ip=ip,
        step="hearing_requested",
    )
    return procedure


# --- The written procedure -------------------------------------------------------------------------


@transaction.atomic
def sanction_report_record(
    *,
    actor,
    procedure: SanctionProcedure,
    reference: str,
    dated_on,
    proposed_measures: str = "",
    document: Evidence | None = None,
    ip=None,
) -> SanctionReport:
    """The rapporteur's report; its delivery's receipt opens the organisation's observations period."""
    procedure = _locked(procedure)
    if procedure.step not in (ProcedureStep.OPEN, ProcedureStep.REPORT):
        raise ValidationError(_("The investigation of this procedure is closed."))
    errors = {}
    if not reference.strip():
        errors["reference"] = _("Give the report's reference.")
    if dated_on < procedure.opened_on or dated_on > timezone.localdate():
        errors["dated_on"] = _("Between the opening of the procedure and today.")
    try:
        _same_case(document, procedure.case_id)
    except ValidationError as error:
        errors.update(error.message_dict)
    if errors:
        raise ValidationError(errors)
    report = SanctionReport(
        procedure=procedure,
        case_id=procedure.case_id,
        party=procedure.party,
        reference=reference.strip(),
        dated_on=dated_on,
        proposed_measures=proposed_measures.strip(),
        document=document,
        recorded_by=actor,
    )
    save_with_reason(report, "sanction_report_record")
    procedure.step = ProcedureStep.REPORT
    save_with_reason(procedure, "report", ["step"])
    outcome_audit(
        AuditAction.SANCTION_PROCEDURE,
        actor=actor,
        case_id=procedure.case_id,
        obj=report,
        summary=_("Sanction report %(reference)s") % {"reference": report.reference},
        ip=ip,
        step="report",
    )
    return report


def report_received(*, actor, document: SanctionReport, received_at, ip=None) -> None:
    """The report reached the organisation: 1 month for its observations (8 days in urgency), extendable."""
    procedure = document.procedure
    deadline_services.deadline_create(
        actor=actor,
        case=procedure.case,
        kind="sanction_observations_urgent" if procedure.urgency else "sanction_observations",
        started_at=received_at,
        start_event=_("Sanction report %(reference)s received") % {"reference": document.reference},
        object_type="outcomes.sanctionprocedure",
        object_id=str(procedure.pk),
        ip=ip,
    )


def _report_received_at(procedure: SanctionProcedure):
    return (
        Delivery.objects.filter(
            document_kind=DocumentKind.SANCTION_REPORT,
            document_id__in=procedure.reports.values("pk"),
            received_at__isnull=False,
        )
        .order_by("received_at")
        .values_list("received_at", flat=True)
        .first()
    )


@transaction.atomic
def observation_record(
    *,
    actor,
    procedure: SanctionProcedure,
    author: str,
    received_at,
    summary: str = "",
    document: Evidence | None = None,
    declined: bool = False,
    ip=None,
) -> Observation:
    """A round of the written procedure: the organisation's observations or the rapporteur's reply.

    The organisation answers the report first; the rapporteur replies to observations only; the
    organisation may answer every reply (it has the last word) or decline to.
    """
    procedure = _locked(procedure)
    if procedure.step != ProcedureStep.REPORT:
        raise ValidationError(_("Observations are exchanged after the report, until the investigation is closed."))
    report_received_at = _report_received_at(procedure)
    if report_received_at is None:
        raise ValidationError(_("Record the receipt of the report first: the observations period runs from it."))
    last = procedure.observations.order_by("-received_at", "-id").first()
    errors = {}
    if author == ObservationAuthor.RAPPORTEUR:
        if declined:
            errors["declined"] = _("Only the organisation may decline to answer.")
        if last is None or last.author != ObservationAuthor.ORGANISATION or last.declined:
            raise ValidationError(_("The rapporteur replies to the organisation's observations: none awaits a reply."))
    elif author == ObservationAuthor.ORGANISATION:
        if last is not None and last.author == ObservationAuthor.ORGANISATION:
            raise ValidationError(_("The organisation has answered: the next round is the rapporteur's reply."))
    else:
        errors["author"] = _("Observations come from the organisation or the rapporteur.")
    floor = last.received_at if last is not None else report_received_at
    if received_at < floor or received_at > timezone.now():
        errors["received_at"] = _("Between %(start)s and now.") % {"start": date_short(timezone.localtime(floor))}
    if not declined and document is None and not summary.strip():
        errors["document"] = _("Attach the observations (or summarise them).")
    try:
        _same_case(document, procedure.case_id)
    except ValidationError as error:
        errors.update(error.message_dict)
    if errors:
        raise ValidationError(errors)
    observation = Observation(
        procedure=procedure,
        author=author,
        received_at=received_at,
        declined=declined,
        summary=summary.strip(),
        document=document,
        recorded_by=actor,
    )
    save_with_reason(observation, "observation_record")
    if author == ObservationAuthor.ORGANISATION:
        deadlines_meet(actor, procedure, "sanction_observations", ip, met_at=received_at)
        if not declined:
            deadline_services.deadline_create(
                actor=actor,
                case=procedure.case,
                kind="rapporteur_reply",
                started_at=received_at,
                start_event=_("Observations of %(organisation)s received")
                % {"organisation": procedure.party.organisation},
                object_type="outcomes.sanctionprocedure",
                object_id=str(procedure.pk),
                ip=ip,
            )
    else:
        deadlines_meet(actor, procedure, "rapporteur_reply", ip, met_at=received_at)
    outcome_audit(
        AuditAction.SANCTION_PROCEDURE,
        actor=actor,
        case_id=procedure.case_id,
        obj=observation,
        summary=observation.get_author_display(),
        ip=ip,
        step="observations",
        author=author,
        declined=declined,
    )
    return observation


@transaction.atomic
def investigation_close(*, actor, procedure: SanctionProcedure, closed_on, ip=None) -> SanctionProcedure:
    """The rapporteur closes the investigation: once the report was received, its observations period
    over or answered, and the organisation having had the last word."""
    procedure = _locked(procedure)
    if procedure.step != ProcedureStep.REPORT or _report_received_at(procedure) is None:
        raise ValidationError(_("The investigation closes after the report has been received by the organisation."))
    running = deadlines_pending(procedure, "sanction_observations").filter(due_at__gt=timezone.now()).first()
    if running is not None:
        raise ValidationError(
            _("The organisation's observations period runs until %(due)s.")
            % {"due": date_short(timezone.localtime(running.due_at))}
        )
    last = procedure.observations.order_by("-received_at", "-id").first()
    if last is not None and last.author == ObservationAuthor.RAPPORTEUR:
        raise ValidationError(
            _("The organisation has the last word: record its answer to the rapporteur's reply, or that it declines.")
        )
    if closed_on > timezone.localdate() or closed_on < procedure.opened_on:
        raise ValidationError({"closed_on": _("Between the opening of the procedure and today.")})
    for deadline in deadlines_pending(procedure):  # an observations period left unanswered, a reply not given
        deadline_services.deadline_cancel(actor=actor, deadline=deadline, reason="investigation closed", ip=ip)
    procedure.step, procedure.investigation_closed_on = ProcedureStep.CLOSED, closed_on
    save_with_reason(procedure, "investigation closed", ["step", "investigation_closed_on"])
    outcome_audit(
        AuditAction.SANCTION_PROCEDURE,
        actor=actor,
        case_id=procedure.case_id,
        obj=procedure,
        summary=_("Investigation closed by the rapporteur"),
        ip=ip,
        step="closed",
    )
    return procedure


# --- The hearing -----------------------------------------------------------------------------------


def _notice_days(procedure: SanctionProcedure) -> int:
    return HEARING_NOTICE_DAYS[procedure.procedure]


def _notice_error(procedure, received_at, scheduled_at) -> str | None:
    days = (_local_date(scheduled_at) - _local_date(received_at)).days
    minimum = _notice_days(procedure)
    if days >= minimum:
        return None
    return _(
        "The convocation was received on %(received)s for a hearing on %(hearing)s: %(days)d days' notice, "
        "at least %(minimum)d are required (%(procedure)s). Postpone the hearing."
    ) % {
        "received": date_short(_local_date(received_at)),
        "hearing": date_short(_local_date(scheduled_at)),
        "days": days,
        "minimum": minimum,
        "procedure": procedure.get_procedure_display(),
    }


@transaction.atomic
def hearing_schedule(
    *,
    actor,
    procedure: SanctionProcedure,
    scheduled_at,
    public: bool = True,
    commissioner_present: bool = True,
    ip=None,
) -> Hearing:
    """Set (or move) the hearing before the restricted committee, once the investigation is closed.

    Its convocation must reach the organisation at least 15 days before (8 in urgency): the
    latest date is a deadline, and a received convocation refuses a hearing moved too close.
    """
    procedure = _locked(procedure)
    if procedure.step != ProcedureStep.CLOSED:
        raise ValidationError(_("The hearing is set once the rapporteur has closed the investigation."))
    if procedure.procedure == Procedure.SIMPLIFIED and not procedure.hearing_requested:
        raise ValidationError(
            _("In the simplified procedure there is a hearing only if the organisation asks for one.")
        )
    if _local_date(scheduled_at) <= procedure.investigation_closed_on:
        raise ValidationError({"scheduled_at": _("The hearing follows the closure of the investigation.")})
    hearing = procedure.hearings.select_for_update().first()
    if hearing is not None:
        delivered = receipt_of(DocumentKind.HEARING_CONVOCATION, hearing)
        if delivered is not None:
            problem = _notice_error(procedure, delivered.received_at, scheduled_at)
            if problem:
                raise ValidationError({"scheduled_at": problem})
        for deadline in deadlines_pending(hearing):
            deadline_services.deadline_cancel(actor=actor, deadline=deadline, reason="hearing moved", ip=ip)
    else:
        hearing = Hearing(procedure=procedure, case_id=procedure.case_id, party=procedure.party, recorded_by=actor)
    hearing.scheduled_at, hearing.public, hearing.commissioner_present = scheduled_at, public, commissioner_present
    save_with_reason(hearing, "hearing_schedule")
    if receipt_of(DocumentKind.HEARING_CONVOCATION, hearing) is None:
        deadline_services.deadline_create(
            actor=actor,
            case=procedure.case,
            kind="committee_hearing_notice_urgent" if procedure.urgency else "committee_hearing_notice",
            started_at=scheduled_at,
            start_event=_("Hearing of %(date)s") % {"date": date_short(_local_date(scheduled_at))},
            object_type="outcomes.hearing",
            object_id=str(hearing.pk),
            ip=ip,
        )
    outcome_audit(
        AuditAction.SANCTION_PROCEDURE,
        actor=actor,
        case_id=procedure.case_id,
        obj=hearing,
        summary=_("Hearing set on %(date)s") % {"date": date_short(_local_date(scheduled_at))},
        ip=ip,
        step="hearing",
        scheduled_at=scheduled_at.isoformat(),
        public=public,
    )
    return hearing


def convocation_received(*, actor, document: Hearing, received_at, ip=None) -> None:
    """The convocation reached the organisation: refused if less than 15 days (8 in urgency) ahead."""
    problem = _notice_error(document.procedure, received_at, document.scheduled_at)
    if problem:
        raise ValidationError({"received_at": problem})
    deadlines_meet(actor, document, "", ip, met_at=received_at)


# --- The decision ----------------------------------------------------------------------------------


def _check_procedure_ready(procedure: SanctionProcedure | None, decided_on) -> str | None:
    if procedure is None:
        return _("A decision follows a sanction procedure: open one first.")
    if procedure.step != ProcedureStep.CLOSED:
        return _("The rapporteur must close the investigation before the decision.")
    if procedure.procedure == Procedure.SIMPLIFIED and not procedure.hearing_requested:
        return None
    hearing = procedure.hearings.first()
    if hearing is None or receipt_of(DocumentKind.HEARING_CONVOCATION, hearing) is None:
        return _("The decision follows the hearing: set it and record the receipt of its convocation.")
    if _local_date(hearing.scheduled_at) > decided_on:
        return _("The decision cannot precede the hearing of %(date)s.") % {
            "date": date_short(_local_date(hearing.scheduled_at))
        }
    return None


@transaction.atomic
def sanction_decide(
    *,
    actor,
    party: Party,
    deciding_body: str,
    reference: str,
    decided_on,
    findings: Iterable[Finding] = (),
    no_sanction: bool = False,
    fine: Decimal | None = None,
    reminder: bool = False,
    injunction: str = "",
    penalty_per_day: Decimal | None = None,
    published: bool = False,
    limitation: str = "",
    limitation_until=None,
    ip: str | None = None,
) -> SanctionDecision:
    """Record the decision closing a sanction procedure, within the law's limits.

    The procedure must have run its course (investigation closed, hearing held when there is
    one); the fine ceiling comes from the infringed obligations' tiers and the group's turnover of
    the preceding financial year (``fines``); a fine above it, or what the simplified procedure may
    not decide, is refused with the rule and the figures; a temporary limitation of processing
    (urgency only) lasts at most 3 months. The case moves to "decision: sanction" or "no sanction".
    """
    case = Case.objects.select_for_update().get(pk=party.case_id)
    record = procedure_current(case)
    if record is not None and record.party_id != party.pk:
        raise ValidationError(
            {
                "party": _("The sanction procedure of this case concerns %(organisation)s.")
                % {"organisation": record.party.organisation}
            }
        )
    problem = _check_procedure_ready(record, decided_on)
    if problem:
        raise ValidationError(problem)
    procedure = record.procedure
    findings = list(findings)
    expected_body = (
        DecidingBody.RESTRICTED_COMMITTEE_PRESIDENT
        if procedure == Procedure.SIMPLIFIED
        else DecidingBody.RESTRICTED_COMMITTEE
    )
    errors = {}
    if deciding_body != expected_body:
        errors["deciding_body"] = _("In this procedure the decision is taken by: %(body)s.") % {
            "body": DecidingBody(expected_body).label
        }
    if not reference.strip():
        errors["reference"] = _("Give the decision's reference.")
    if decided_on > timezone.localdate():
        errors["decided_on"] = _("A decision cannot be dated in the future.")
    limiting = bool(limitation.strip() or limitation_until)
    measures = fine is not None or reminder or injunction.strip() or published or limiting
    if no_sanction and measures:
        errors["no_sanction"] = _("A decision of no sanction orders no measure.")
    elif not no_sanction and not measures:
        errors["no_sanction"] = _("Choose at least one measure, or record that no sanction is decided.")
    if penalty_per_day is not None and not injunction.strip():
        errors["penalty_per_day"] = _("A periodic penalty goes with an injunction.")
    if limiting:
        latest = add_months(decided_on, LIMITATION_MONTHS)
        if procedure != Procedure.URGENCY:
            errors["limitation"] = _("A temporary limitation of processing is decided in the urgency procedure only.")
        elif not (limitation.strip() and limitation_until):
            errors["limitation"] = _("Describe the limitation and give its end date.")
        elif not decided_on < limitation_until <= latest:
            errors["limitation_until"] = _(
                "A temporary limitation lasts at most %(months)d months: until %(latest)s at the latest."
            ) % {"months": LIMITATION_MONTHS, "latest": date_short(latest)}
    if any(f.assessment.party_id != party.pk for f in findings):
        errors["findings"] = _("The infringements must be those of this party.")
    if fine is not None and not findings:
        errors["findings"] = _("A fine rests on the infringements found.")
    turnover = GroupTurnover.objects.filter(
        organisation_id=party.organisation_id, financial_year=decided_on.year - 1
    ).first()
    ceiling = fines.fine_ceiling(
        [
            fines.Infringement(f.assessment.obligation.reference, f.assessment.obligation.fine_tier, f.processing)
            for f in findings
        ],
        turnover.amount if turnover else None,
    )
    try:
        fines.check_sanction(
            procedure=procedure, fine=fine, ceiling=ceiling, penalty_per_day=penalty_per_day, published=published
        )
    except ValidationError as error:
        for field, messages in error.message_dict.items():
            errors.setdefault(field, messages)
    if errors:
        raise ValidationError(errors)
    decision = SanctionDecision(
        case=case,
        party=party,
        procedure=procedure,
        deciding_body=deciding_body,
        reference=reference.strip(),
        decided_on=decided_on,
        no_sanction=no_sanction,
        fine=fine,
        reminder=reminder,
        injunction=injunction.strip(),
        penalty_per_day=penalty_per_day,
        published=published,
        limitation=limitation.strip(),
        limitation_until=limitation_until if limiting else None,
        turnover=turnover,
        ceiling=ceiling.amount if findings else None,
        ceiling_explanation="\n".join(ceiling.lines) if findings else "",
        recorded_by=actor,
    )
    decision._change_reason = "sanction_decide"
    save_with_m2m(decision, {"findings": findings})  # one "created" version, its findings included
    record.step = ProcedureStep.DECIDED
    save_with_reason(record, "decided", ["step"])
    case_services.case_transition(
        actor=actor,
        case=case,
        to_status=CaseStatus.DECIDED_NO_SANCTION if no_sanction else CaseStatus.DECIDED_SANCTION,
        reason=_("Decision %(reference)s") % {"reference": decision.reference},
        deciding_body=deciding_body,
        decision_reference=decision.reference,
        service=True,
        ip=ip,
    )
    outcome_audit(
        AuditAction.SANCTION_DECIDED,
        actor=actor,
        case_id=case.pk,
        obj=decision,
        summary=_("Decision %(reference)s on %(organisation)s")
        % {"reference": decision.reference, "organisation": party.organisation},
        ip=ip,
        procedure=procedure,
        fine=str(fine) if fine is not None else None,
        ceiling=str(decision.ceiling) if decision.ceiling is not None else None,
        published=published,
    )
    return decision


def decision_received(*, actor, document: SanctionDecision, received_at, ip=None) -> None:
    """The decision was notified: the appeal period (délai franc) starts.

    Extended for distance: +2 months abroad; overseas France is not recorded on organisations
    yet, so a French organisation gets the metropolitan period.
    """
    decision = document
    abroad = decision.party.organisation.country != "FR"
    deadline_services.deadline_create(
        actor=actor,
        case=decision.case,
        kind="appeal_abroad" if abroad else "appeal",
        started_at=received_at,
        start_event=_("Decision %(reference)s notified") % {"reference": decision.reference},
        object_type="outcomes.sanctiondecision",
        object_id=str(decision.pk),
        ip=ip,
    )
