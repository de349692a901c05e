"""Writes on outcomes: each party's obligations assessed, with the finding of an infringement."""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from apps.audit.choices import AuditAction
from apps.audit.services import audit_record
from apps.cases import services as case_services
from apps.cases.choices import CaseStatus, DecidingBody
from apps.cases.models import Case, Party
from apps.deadlines import services as deadline_services
from apps.deadlines.models import Deadline
from apps.evidence.models import Evidence

from . import fines
from .choices import (
    FINDING_STATUSES,
    DataCategory,
    DeliveryMeans,
    DocumentKind,
    MeasureStatus,
    NoticeStatus,
    Procedure,
)
from .models import (
    Assessment,
    Delivery,
    Finding,
    FormalNotice,
    GroupTurnover,
    Measure,
    Obligation,
    SanctionDecision,
)

_NULLABLE = {"period_from", "period_to", "people_affected", "financial_benefit"}
FINDING_FIELDS = (
    "facts",
    "period_from",
    "period_to",
    "processing",
    "gravity",
    "people_affected",
    "damage",
    "intent",
    "mitigation",
    "mitigation_weight",
    "responsibility",
    "previous_infringements",
    "cooperation",
    "data_categories",
    "how_learned",
    "earlier_measures",
    "codes_certification",
    "other_factors",
    "financial_benefit",
)


def _same_case(evidence: Iterable[Evidence], case_id: int) -> list[Evidence]:
    items = list(evidence)
    if any(item.case_id != case_id for item in items):
        raise ValidationError({"evidence": _("Only evidence of this case can support its assessments.")})
    return items


def _check_finding(finding: dict) -> dict:
    errors = {}
    if not (finding.get("facts") or "").strip():
        errors["facts"] = _("An infringement found states its facts.")
    if not (finding.get("processing") or "").strip():
        errors["processing"] = _("Name the processing concerned.")
    if finding.get("period_from") and finding.get("period_to") and finding["period_to"] < finding["period_from"]:
        errors["period_to"] = _("The period cannot end before it starts.")
    unknown = set(finding.get("data_categories") or []) - set(DataCategory.values)
    if unknown:
        errors["data_categories"] = _("Unknown categories of data.")
    return errors


@transaction.atomic
def assessment_record(
    *,
    actor,
    party: Party,
    obligation: Obligation,
    status: str,
    reasoning: str = "",
    evidence: Iterable[Evidence] = (),
    finding: dict | None = None,
    ip: str | None = None,
) -> Assessment:
    """Assess a party's compliance with an obligation; an infringement (found or remedied) has its finding.

    Evidence, of the assessment and of the finding, must belong to the party's case. Setting a
    finding's status back to compliant or not assessed removes the finding (its history stays).
    """
    evidence = _same_case(evidence, party.case_id)
    errors = {}
    finding_evidence = []
    if status in FINDING_STATUSES:
        finding = dict(finding or {})
        supporting = finding.pop("evidence", ())
        unknown = set(finding) - set(FINDING_FIELDS)
        if unknown:
            raise TypeError(f"unknown finding fields: {sorted(unknown)}")
        if not (finding.get("processing") or "").strip():
            finding["processing"] = party.processing
        errors.update(_check_finding(finding))
        try:
            finding_evidence = _same_case(supporting, party.case_id)
        except ValidationError as error:
            errors["finding_evidence"] = error.message_dict["evidence"]
    if errors:
        raise ValidationError(errors)
    assessment = Assessment.objects.select_for_update().filter(party=party, obligation=obligation).first()
    created = assessment is None
    if created:
        assessment = Assessment(party=party, obligation=obligation, assessed_by=actor)
    assessment.status, assessment.reasoning = status, reasoning.strip()
    assessment.assessed_by, assessment.assessed_at = actor, timezone.now()
    assessment._change_reason = "assessment_record"
    assessment.save()
    assessment.evidence.set(evidence)
    existing = Finding.objects.filter(assessment=assessment).first()
    if status in FINDING_STATUSES:
        record = existing or Finding(assessment=assessment)
        for name in FINDING_FIELDS:
            value = finding.get(name)
            if value is None and name not in _NULLABLE:
                value = [] if name == "data_categories" else ""
            setattr(record, name, value)
        record.recorded_by = actor
        record._change_reason = "assessment_record"
        record.save()
        record.evidence.set(finding_evidence)
    elif existing is not None:
        existing._change_reason = "assessment no longer an infringement"
        existing.delete()
    Case.objects.filter(pk=party.case_id).update(last_activity_at=timezone.now())
    audit_record(
        actor=actor,
        action=AuditAction.ASSESSMENT_RECORDED,
        summary=_("%(organisation)s, %(reference)s: %(status)s")
        % {
            "organisation": party.organisation,
            "reference": obligation.reference,
            "status": assessment.get_status_display(),
        },
        object_type="outcomes.assessment",
        object_id=str(assessment.pk),
        case_id=party.case_id,
        data={
            "party": party.pk,
            "obligation": obligation.code,
            "status": status,
            "evidence": sorted(item.pk for item in evidence),
            "finding_evidence": sorted(item.pk for item in finding_evidence),
        },
        ip=ip,
    )
    return assessment


# --- Formal notices, their delivery and compliance ---------------------------------------------


def _audit(action, *, actor, case_id: int, obj, summary: str, ip=None, **data) -> None:
    audit_record(
        actor=actor,
        action=action,
        summary=summary,
        object_type=f"outcomes.{obj._meta.model_name}",
        object_id=str(obj.pk),
        case_id=case_id,
        data=data,
        ip=ip,
    )


@transaction.atomic
def formal_notice_issue(
    *,
    actor,
    party: Party,
    findings: Iterable[Finding],
    measures: Iterable[dict],
    decision_reference: str,
    decided_on,
    urgent: bool = False,
    period_days: int | None = None,
    public: bool = False,
    bureau_decision_reference: str = "",
    published_on=None,
    ip: str | None = None,
) -> FormalNotice:
    """Record the President's formal notice to a party: its findings, measures and period.

    Refused without a finding or a measure, with a period under 10 days unless urgent (24 hours),
    or made public without the Bureau's decision. The case moves to "formal notice".
    """
    findings = list(findings)
    measures = [m for m in measures if (m.get("description") or "").strip()]
    errors = {}
    if not findings:
        errors["findings"] = _("A formal notice rests on at least one finding.")
    elif any(f.assessment.party_id != party.pk for f in findings):
        errors["findings"] = _("The findings must concern the party the notice is addressed to.")
    if not measures:
        errors["measures"] = _("A formal notice requires at least one measure.")
    elif any(m.get("obligation") is None for m in measures):
        errors["measures"] = _("Each measure is tied to an obligation.")
    if urgent:
        period_days = None
    elif period_days is None or period_days < 10:
        errors["period_days"] = _("The compliance period is at least 10 days from receipt (24 hours only if urgent).")
    if not decision_reference.strip():
        errors["decision_reference"] = _("Give the reference of the President's decision.")
    if public and not bureau_decision_reference.strip():
        errors["bureau_decision_reference"] = _("Publicity is decided by the Bureau: give its decision.")
    if errors:
        raise ValidationError(errors)
    notice = FormalNotice(
        case_id=party.case_id,
        party=party,
        decision_reference=decision_reference.strip(),
        decided_on=decided_on,
        urgent=urgent,
        period_days=period_days,
        public=public,
        bureau_decision_reference=bureau_decision_reference.strip(),
        published_on=published_on if public else None,
        recorded_by=actor,
    )
    notice._change_reason = "formal_notice_issue"
    notice.save()
    notice.findings.set(findings)
    Measure.objects.bulk_create(
        Measure(notice=notice, obligation=m["obligation"], description=m["description"].strip()) for m in measures
    )
    case_services.case_transition(  # refused (a ValidationError) unless the case is under investigation
        actor=actor,
        case=party.case,
        to_status=CaseStatus.FORMAL_NOTICE,
        reason=_("Formal notice %(reference)s") % {"reference": notice.decision_reference},
        deciding_body=DecidingBody.PRESIDENT,
        decision_reference=notice.decision_reference,
        service=True,
        ip=ip,
    )
    _audit(
        AuditAction.FORMAL_NOTICE_ISSUED,
        actor=actor,
        case_id=party.case_id,
        obj=notice,
        summary=_("Formal notice %(reference)s to %(organisation)s")
        % {"reference": notice.decision_reference, "organisation": party.organisation},
        ip=ip,
        findings=sorted(f.pk for f in findings),
        measures=len(measures),
        urgent=urgent,
        period_days=period_days,
    )
    return notice


def _document(kind: str, document_id: int):
    """The delivered document (formal notices for now; reports, convocations, decisions to come)."""
    if kind == DocumentKind.FORMAL_NOTICE:
        return FormalNotice.objects.select_related("party").filter(pk=document_id).first()
    if kind == DocumentKind.DECISION:
        return SanctionDecision.objects.select_related("party").filter(pk=document_id).first()
    return None


@transaction.atomic
def delivery_record(
    *,
    actor,
    document_kind: str,
    document_id: int,
    means: str,
    sent_at,
    received_at=None,
    proof: Evidence | None = None,
    ip: str | None = None,
) -> Delivery:
    """Record the sending of a legal document by a means that proves receipt (and the receipt, if known)."""
    document = _document(document_kind, document_id)
    if document is None:
        raise ValidationError(_("Unknown document."))
    if means not in DeliveryMeans.values:
        raise ValidationError({"means": _("A formal delivery uses a means that proves the date of receipt.")})
    if sent_at > timezone.now():
        raise ValidationError({"sent_at": _("A document cannot be sent in the future.")})
    delivery = Delivery(
        case_id=document.case_id,
        party=document.party,
        document_kind=document_kind,
        document_id=document.pk,
        means=means,
        sent_at=sent_at,
        recorded_by=actor,
    )
    delivery._change_reason = "delivery_record"
    delivery.save()
    _audit(
        AuditAction.DELIVERY_RECORDED,
        actor=actor,
        case_id=document.case_id,
        obj=delivery,
        summary=_("%(document)s sent by %(means)s")
        % {"document": delivery.get_document_kind_display(), "means": delivery.get_means_display()},
        ip=ip,
        step="sent",
    )
    if received_at is not None:
        delivery_receipt_record(actor=actor, delivery=delivery, received_at=received_at, proof=proof, ip=ip)
    return delivery


@transaction.atomic
def delivery_receipt_record(*, actor, delivery: Delivery, received_at, proof: Evidence | None, ip=None) -> Delivery:
    """Record when the addressee received the document, with the proof; start the deadlines it triggers."""
    delivery = Delivery.objects.select_for_update().get(pk=delivery.pk)
    errors = {}
    if delivery.received_at is not None:
        raise ValidationError(_("The receipt of this delivery is already recorded."))
    if received_at < delivery.sent_at:
        errors["received_at"] = _("A document cannot be received before it was sent.")
    elif received_at > timezone.now():
        errors["received_at"] = _("A receipt cannot be in the future.")
    if proof is None:
        errors["proof"] = _("The receipt is proven by evidence (signed receipt, bailiff's report, e-mail proof).")
    elif proof.case_id != delivery.case_id:
        errors["proof"] = _("Only evidence of this case can prove the receipt.")
    if errors:
        raise ValidationError(errors)
    delivery.received_at, delivery.proof = received_at, proof
    delivery._change_reason = "delivery_receipt_record"
    delivery.save(update_fields=["received_at", "proof"])
    _audit(
        AuditAction.DELIVERY_RECORDED,
        actor=actor,
        case_id=delivery.case_id,
        obj=delivery,
        summary=_("%(document)s received") % {"document": delivery.get_document_kind_display()},
        ip=ip,
        step="received",
        received_at=received_at.isoformat(),
    )
    if delivery.document_kind == DocumentKind.FORMAL_NOTICE:
        notice = FormalNotice.objects.select_for_update().get(pk=delivery.document_id)
        deadline_services.deadline_create(
            actor=actor,
            case=notice.case,
            kind="formal_notice_compliance_urgent" if notice.urgent else "formal_notice_compliance",
            amount=None if notice.urgent else notice.period_days,
            started_at=received_at,
            start_event=_("Formal notice %(reference)s received") % {"reference": notice.decision_reference},
            object_type="outcomes.formalnotice",
            object_id=str(notice.pk),
            ip=ip,
        )
        notice.status = NoticeStatus.RUNNING
        notice._change_reason = "received"
        notice.save(update_fields=["status"])
    elif delivery.document_kind == DocumentKind.DECISION:
        decision = SanctionDecision.objects.select_related("party__organisation").get(pk=delivery.document_id)
        # Délai franc of 2 months, extended for distance (+2 months abroad; overseas France is not
        # recorded on organisations yet, so a French organisation gets the metropolitan period).
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
    return delivery


@transaction.atomic
def measure_check(*, actor, measure: Measure, met: bool, note: str = "", ip=None) -> Measure:
    """Record whether a measure was met; once all are checked the notice is complied with or not.

    All met: the notice is complied with, its compliance deadline met and the case moves to
    "formal notice complied with" (then closure). One not met: the notice is not complied with,
    and the case may go to a sanction procedure.
    """
    measure = Measure.objects.select_for_update().select_related("notice").get(pk=measure.pk)
    notice = measure.notice
    if notice.status not in (NoticeStatus.RUNNING, NoticeStatus.NOT_COMPLIED, NoticeStatus.COMPLIED):
        raise ValidationError(_("Compliance is checked once the notice has been received."))
    measure.status = MeasureStatus.MET if met else MeasureStatus.NOT_MET
    measure.checked_at, measure.check_note = timezone.now(), note.strip()
    measure._change_reason = "measure_check"
    measure.save()
    _audit(
        AuditAction.MEASURE_CHECKED,
        actor=actor,
        case_id=notice.case_id,
        obj=measure,
        summary=_("Measure “%(measure)s”: %(status)s")
        % {"measure": measure.description[:80], "status": measure.get_status_display()},
        ip=ip,
        met=met,
    )
    statuses = set(notice.measures.values_list("status", flat=True))
    if MeasureStatus.PENDING in statuses:
        return measure
    complied = statuses == {MeasureStatus.MET}
    notice.status = NoticeStatus.COMPLIED if complied else NoticeStatus.NOT_COMPLIED
    notice._change_reason = "measures checked"
    notice.save(update_fields=["status"])
    if complied:
        for deadline in Deadline.objects.filter(
            object_type="outcomes.formalnotice", object_id=str(notice.pk)
        ).pending():
            deadline_services.deadline_meet(actor=actor, deadline=deadline, ip=ip)
        case_services.case_transition(
            actor=actor,
            case=notice.case,
            to_status=CaseStatus.NOTICE_COMPLIED,
            reason=_("Every measure of formal notice %(reference)s met") % {"reference": notice.decision_reference},
            service=True,
            ip=ip,
        )
    return measure


def closure_guard(case, from_status: str, to_status: str, actor) -> str | None:
    """Core's transition guard: "complied with", then closure, only once every measure of every notice is met.

    (A notice not complied with leads to a sanction procedure instead, whose decision closes the case.)
    """
    compliance_path = to_status == CaseStatus.NOTICE_COMPLIED or (
        to_status == CaseStatus.CLOSED and from_status == CaseStatus.NOTICE_COMPLIED
    )
    if compliance_path and FormalNotice.objects.filter(case=case).exclude(status=NoticeStatus.COMPLIED).exists():
        return str(_("A formal notice of this case is not complied with: every measure must be met first."))
    return None


# --- Sanction decisions ---------------------------------------------------------------------------

PROCEDURE_OF_STATUS = {
    CaseStatus.SANCTION_ORDINARY: Procedure.ORDINARY,
    CaseStatus.SANCTION_URGENCY: Procedure.URGENCY,
    CaseStatus.SANCTION_SIMPLIFIED: Procedure.SIMPLIFIED,
}


@transaction.atomic
def group_turnover_record(
    *, actor, organisation, financial_year: int, amount: Decimal, source: str, ip: str | None = None
) -> GroupTurnover:
    """Record (or correct, with history) a group's worldwide turnover for a financial year, with its source."""
    errors = {}
    if amount is None or amount < 0:
        errors["amount"] = _("A turnover is a positive amount.")
    if not 1990 <= financial_year <= timezone.localdate().year:
        errors["financial_year"] = _("A past financial year.")
    if not source.strip():
        errors["source"] = _("Say where the figure comes from (annual report, registry, the organisation's answer).")
    if errors:
        raise ValidationError(errors)
    turnover, _created = GroupTurnover.objects.select_for_update().get_or_create(
        organisation=organisation,
        financial_year=financial_year,
        defaults={"amount": amount, "source": source.strip(), "recorded_by": actor},
    )
    turnover.amount, turnover.source, turnover.recorded_by = amount, source.strip(), actor
    turnover._change_reason = "group_turnover_record"
    turnover.save()
    audit_record(
        actor=actor,
        action=AuditAction.TURNOVER_RECORDED,
        summary=_("Group turnover %(year)s of %(organisation)s")
        % {"year": financial_year, "organisation": organisation},
        object_type="outcomes.groupturnover",
        object_id=str(turnover.pk),
        data={"organisation": organisation.pk, "year": financial_year, "amount": str(amount)},
        ip=ip,
    )
    return turnover


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
    ip: str | None = None,
) -> SanctionDecision:
    """Record the decision closing a sanction procedure, within the law's limits.

    The procedure is the case's (ordinary, urgency, simplified); the fine ceiling comes from the
    infringed obligations' tiers and the group's turnover of the preceding financial year
    (``fines``); a fine above it, or what the simplified procedure may not decide, is refused
    with the rule and the figures. The case moves to "decision: sanction" or "no sanction".
    """
    case = Case.objects.select_for_update().get(pk=party.case_id)
    procedure = PROCEDURE_OF_STATUS.get(case.status)
    if procedure is None:
        raise ValidationError(_("A decision follows a sanction procedure: open one first."))
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
    measures = fine is not None or reminder or injunction.strip() or published
    if no_sanction and measures:
        errors["no_sanction"] = _("A decision of no sanction orders no measure.")
    elif not no_sanction and not measures:
        errors["no_sanction"] = _("Choose at least one measure, or record that no sanction is decided.")
    if penalty_per_day is not None and not injunction.strip():
        errors["penalty_per_day"] = _("A periodic penalty goes with an injunction.")
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
        turnover=turnover,
        ceiling=ceiling.amount if findings else None,
        ceiling_explanation="\n".join(ceiling.lines) if findings else "",
        recorded_by=actor,
    )
    decision._change_reason = "sanction_decide"
    decision.save()
    decision.findings.set(findings)
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
    _audit(
        AuditAction.SANCTION_DECIDED,
        actor=actor,
        case_id=case.pk,
        obj=decision,
        summary=_("Decision %(reference)s on %(organisation)s")
        % {
            "reference": decision.reference,
            "organisation": party.organisation,
        },
        ip=ip,
        procedure=procedure,
        fine=str(fine) if fine is not None else None,
        ceiling=str(decision.ceiling) if decision.ceiling is not None else None,
        published=published,
    )
    return decision
