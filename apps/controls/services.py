"""Writes on controls."""

from __future__ import annotations

from datetime import datetime, time

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from apps.audit.choices import AuditAction
from apps.audit.services import audit_record
from apps.cases.models import Case
from apps.core.changes import apply_changes, check_fields
from apps.core.history import save_with_m2m
from apps.deadlines import services as deadline_services

from .choices import ControlKind
from .models import Control

CONTROL_FIELDS = (
    "kind",
    "decision_reference",
    "mission_order_reference",
    "planned_start",
    "planned_end",
    "actual_arrival",
    "actual_departure",
    "prosecutor_informed_at",
    "convocation_received_on",
    "person_in_charge",
    "information_given",
    "objection",
    "judge_authorisation_reference",
    "urls",
    "identity_used",
    "notes",
)


def _check(fields: dict) -> None:
    errors = {}
    for start, end in (("planned_start", "planned_end"), ("actual_arrival", "actual_departure")):
        if fields.get(start) and fields.get(end) and fields[end] < fields[start]:
            errors[end] = _("This time is before %(field)s.") % {"field": Control._meta.get_field(start).verbose_name}
    if fields.get("kind") == ControlKind.ONLINE and not (fields.get("urls") or "").strip():
        errors["urls"] = _("An online control records the URLs visited.")
    if fields.get("objection") and fields.get("actual_arrival") and not fields.get("judge_authorisation_reference"):
        # After an objection, the visit needs the judge's authorisation (juge des libertés et de la détention).
        errors["judge_authorisation_reference"] = _("After an objection, a visit needs the judge's authorisation.")
    if errors:
        raise ValidationError(errors)


# Notices owed before a control (DOMAIN.md, control procedure): a backward deadline each.
NOTICE_DEADLINES = {
    ControlKind.ON_SITE: ("prosecutor_notice", "prosecutor_informed_at"),
    ControlKind.HEARING: ("hearing_convocation", "convocation_received_on"),
}


def _schedule_notice_deadline(*, actor, control: Control, ip) -> None:
    """An on-site control owes the prosecutor's notice, a hearing its convocation; met if already done."""
    if control.kind not in NOTICE_DEADLINES or control.planned_start is None:
        return
    kind, done_field = NOTICE_DEADLINES[control.kind]
    done = getattr(control, done_field)
    if done and not isinstance(done, datetime):
        done = datetime.combine(done, time(12), tzinfo=timezone.get_current_timezone())
    deadline_services.deadline_create(  # created met (one version) if the notice is already done
        actor=actor,
        case=control.case,
        kind=kind,
        started_at=control.planned_start,
        start_event=str(_("Planned start of the control")),
        object_type="controls.control",
        object_id=str(control.pk),
        met_at=done or None,
        ip=ip,
    )


def _check_documents(case: Case, documents) -> None:
    if any(document.case_id != case.pk for document in documents):
        raise ValidationError({"documents": _("A control lists only evidence of its own case.")})


def _audit(action, *, actor, control: Control, summary: str, ip, **data):
    audit_record(
        actor=actor,
        action=action,
        summary=summary,
        object_type="controls.control",
        object_id=str(control.pk),
        case_id=control.case_id,
        data=data,
        ip=ip,
    )


@transaction.atomic
def control_record(*, actor, case: Case, agents=(), documents=(), ip: str | None = None, **fields) -> Control:
    """Record a control on a case (decision reference required; checks on times and objections)."""
    check_fields(fields, CONTROL_FIELDS)
    _check(fields)
    control = Control(case=case, **fields)
    control.full_clean()
    control._change_reason = "control_record"
    _check_documents(case, documents)
    save_with_m2m(control, {"agents": agents, "documents": documents})  # one "created" version
    _schedule_notice_deadline(actor=actor, control=control, ip=ip)
    Case.objects.filter(pk=case.pk).update(last_activity_at=timezone.now())
    _audit(
        AuditAction.CONTROL_RECORDED,
        actor=actor,
        control=control,
        summary=_("%(kind)s recorded (decision %(reference)s)")
        % {"kind": control.get_kind_display(), "reference": control.decision_reference},
        ip=ip,
        kind=control.kind,
    )
    return control


@transaction.atomic
def control_update(*, actor, control: Control, agents=None, documents=None, ip: str | None = None, **fields) -> Control:
    """Complete or correct a control; the audit event lists the fields that changed."""
    check_fields(fields, CONTROL_FIELDS)
    control = Control.objects.select_for_update().get(pk=control.pk)
    merged = {name: getattr(control, name) for name in CONTROL_FIELDS} | fields
    _check(merged)
    changed = apply_changes(control, fields, CONTROL_FIELDS)
    if changed:
        control.full_clean()
    m2m = {}
    agents_changed = False
    if agents is not None and set(control.agents.values_list("pk", flat=True)) != {a.pk for a in agents}:
        m2m["agents"] = agents
        agents_changed = True
    documents_changed = False
    if documents is not None and set(control.documents.values_list("pk", flat=True)) != {d.pk for d in documents}:
        _check_documents(control.case, documents)
        m2m["documents"] = documents
        documents_changed = True
    if changed or agents_changed or documents_changed:
        control._change_reason = "control_update"
        # Fields and people or documents changed together are one "changed" version.
        save_with_m2m(control, m2m, update_fields=[*changed, "updated_at"])
        Case.objects.filter(pk=control.case_id).update(last_activity_at=timezone.now())
        _audit(
            AuditAction.CONTROL_CHANGED,
            actor=actor,
            control=control,
            summary=_("%(kind)s changed") % {"kind": control.get_kind_display()},
            ip=ip,
            fields=sorted(changed)
            + (["agents"] if agents_changed else [])
            + (["documents"] if documents_changed else []),
        )
    return control
