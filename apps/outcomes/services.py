"""Writes on outcomes: each party's obligations assessed, with the finding of an infringement."""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from simple_history.utils import bulk_create_with_history

from apps.audit.choices import AuditAction
from apps.audit.services import audit_record
from apps.cases import services as case_services
from apps.cases.choices import CaseStatus, DecidingBody
from apps.cases.models import Case, Party
from apps.core.history import save_with_m2m
from apps.deadlines import services as deadline_services
from apps.deadlines.models import Deadline
from apps.evidence.models import Evidence

from .choices import (
    FINDING_STATUSES,
    DataCategory,
    MeasureStatus,
    NoticeStatus,
)
from .models import (
    Assessment,
    Finding,
    FormalNotice,
    GroupTurnover,
    Measure,
    Obligation,
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
    save_with_m2m(assessment, {"evidence": evidence})  # one version per assessment, its evidence included
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
        save_with_m2m(record, {"evidence": finding_evidence})
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


def outcome_audit(action, *, actor, case_id: int, obj, summary: str, ip=None, **data) -> None:
    """An audit event on an outcome object of a case."""
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
    save_with_m2m(notice, {"findings": findings})  # one "created" version, its findings included
    bulk_create_with_history(  # each measure's creation in its history, as every write
        [Measure(notice=notice, obligation=m["obligation"], description=m["description"].strip()) for m in measures],
        Measure,
        default_change_reason="formal_notice_issue",
        default_user=actor,
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
    outcome_audit(
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


def notice_received(*, actor, document: FormalNotice, received_at, ip=None) -> None:
    """The notice reached the party: its compliance period starts (24 hours when urgent)."""
    notice = document
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


@transaction.atomic
def notice_closure_publish(*, actor, notice: FormalNotice, published_on, ip=None) -> FormalNotice:
    """A public notice complied with: its closure is published too (DOMAIN.md "Outcomes")."""
    notice = FormalNotice.objects.select_for_update().get(pk=notice.pk)
    if not notice.public:
        raise ValidationError(_("Only the closure of a public formal notice is published."))
    if notice.status != NoticeStatus.COMPLIED:
        raise ValidationError(_("The closure is published once every measure of the notice is met."))
    if notice.closure_published_on is not None:
        raise ValidationError(_("The closure of this notice is already published."))
    if published_on < notice.published_on or published_on > timezone.localdate():
        raise ValidationError(
            {
                "published_on": _("Between the notice's publication (%(date)s) and today.")
                % {"date": notice.published_on}
            }
        )
    notice.closure_published_on = published_on
    notice._change_reason = "notice_closure_publish"
    notice.save(update_fields=["closure_published_on"])
    outcome_audit(
        AuditAction.PUBLICATION_RECORDED,
        actor=actor,
        case_id=notice.case_id,
        obj=notice,
        summary=_("Closure of formal notice %(reference)s published") % {"reference": notice.decision_reference},
        ip=ip,
        published_on=published_on.isoformat(),
    )
    return notice


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
    outcome_audit(
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


# --- Group turnover (the base of the fine ceiling) ------------------------------------------------


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
    turnover = GroupTurnover.objects.select_for_update().filter(
        organisation=organisation, financial_year=financial_year
    ).first() or GroupTurnover(organisation=organisation, financial_year=financial_year)
    turnover.amount, turnover.source, turnover.recorded_by = amount, source.strip(), actor
    turnover._change_reason = "group_turnover_record"
    turnover.save()  # one version: "created" for a new year, "changed" for a correction
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
