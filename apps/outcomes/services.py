"""Writes on outcomes: each party's obligations assessed, with the finding of an infringement."""

from __future__ import annotations

from collections.abc import Iterable

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from apps.audit.choices import AuditAction
from apps.audit.services import audit_record
from apps.cases.models import Case, Party
from apps.evidence.models import Evidence

from .choices import FINDING_STATUSES, DataCategory
from .models import Assessment, Finding, Obligation

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
