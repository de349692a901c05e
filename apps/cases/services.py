"""Writes on cases: opening, parties, fan-out, assignment and the one status-changing service."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import router, transaction
from django.db.models.deletion import Collector, ProtectedError, RestrictedError
from django.utils import timezone
from django.utils.translation import gettext as _
from guardian.shortcuts import assign_perm, remove_perm

from apps.accounts.choices import Role
from apps.audit.choices import AuditAction
from apps.audit.services import audit_record
from apps.core.changes import apply_changes, check_fields
from apps.core.registry import case_opened_reactions, transition_guards, transition_reactions
from apps.organisations.models import Organisation
from apps.organisations.selectors import controllers_served_by

from .choices import CaseStatus, DecidingBody, Origin, PartyRole
from .models import Case, CaseReferenceCounter, CaseTransition, CaseUserObjectPermission, Complainant, Party
from .workflow import allowed_from, transition_for

CASE_OBJECT = "cases.case"
TEAM_PERMISSIONS = ("cases.view_case", "cases.change_case")


class TransitionRefused(ValidationError):  # noqa: N818 - reads as what happened
    pass


class CaseChangedMeanwhile(TransitionRefused):
    pass


def _audit(action, *, actor, case: Case, summary: str, ip=None, object_type=CASE_OBJECT, object_id=None, **data):
    audit_record(
        actor=actor,
        action=action,
        summary=summary,
        object_type=object_type,
        object_id=str(object_id if object_id is not None else case.pk),
        case_id=case.pk,
        data=data,
        ip=ip,
    )


def _touch(case: Case) -> None:
    """Record activity (sorts the case list) without a history row of its own."""
    Case.objects.filter(pk=case.pk).update(last_activity_at=timezone.now())


def _next_reference() -> str:
    """``YYYY-NNNNNN``, numbered per Europe/Paris year; the counter row is locked until commit."""
    year = timezone.localdate().year
    CaseReferenceCounter.objects.bulk_create([CaseReferenceCounter(year=year)], ignore_conflicts=True)
    counter = CaseReferenceCounter.objects.select_for_update().get(year=year)
    counter.last_number += 1
    counter.save(update_fields=["last_number"])
    return f"{year}-{counter.last_number:06d}"


@transaction.atomic
def case_open(
    *,
    actor,
    origin: str,
    legal_regime: str,
    title: str,
    summary: str = "",
    priority: str = "normal",
    confidentiality: str = "normal",
    health_data: bool = False,
    complainant: dict | None = None,
    origin_case: Case | None = None,
    ip: str | None = None,
) -> Case:
    """Open a case. A complaint records its complainant (confidential, GDPR Art. 77/78(2))."""
    if origin == Origin.COMPLAINT and not (complainant and complainant.get("full_name")):
        raise ValidationError({"complainant_name": _("A complaint needs its complainant.")})
    # Whoever opens a case is on its team until a manager says otherwise: named lead before the
    # first save, so that opening the case is one history row (case_assign then has no lead to change).
    opener_leads = actor is not None and Role.INVESTIGATOR in getattr(actor, "roles", ())
    case = Case(
        reference=_next_reference(),
        origin=origin,
        legal_regime=legal_regime,
        title=title,
        summary=summary,
        priority=priority,
        confidentiality=confidentiality,
        health_data=health_data,
        origin_case=origin_case,
        opened_by=actor,
        lead_investigator=actor if opener_leads else None,
    )
    case.full_clean()
    case._change_reason = "case_open"
    case.save()
    if origin == Origin.COMPLAINT:
        Complainant.objects.create(
            case=case,
            full_name=complainant["full_name"],
            email=complainant.get("email", ""),
            phone=complainant.get("phone", ""),
            postal_address=complainant.get("postal_address", ""),
            lodged_on=complainant.get("lodged_on") or timezone.localdate(),
        )
    _audit(
        AuditAction.CASE_OPENED,
        actor=actor,
        case=case,
        summary=_("Case %(reference)s opened: %(title)s") % {"reference": case.reference, "title": title},
        ip=ip,
        origin=origin,
        legal_regime=legal_regime,
        confidentiality=confidentiality,
        origin_case=origin_case.pk if origin_case else None,
    )
    if opener_leads:
        case_assign(actor=actor, case=case, lead=actor, team=[actor], ip=ip)
        case.refresh_from_db()
    for reaction in case_opened_reactions:
        reaction(case, actor)
    return case


CASE_EDITABLE_FIELDS = ("title", "summary", "priority", "confidentiality", "health_data", "legal_regime")


@transaction.atomic
def case_update(*, actor, case: Case, ip: str | None = None, **fields) -> Case:
    """Change a case's description (never its status: see ``case_transition``)."""
    check_fields(fields, CASE_EDITABLE_FIELDS)
    case = Case.objects.select_for_update().get(pk=case.pk)
    changed = apply_changes(case, fields, CASE_EDITABLE_FIELDS)
    if not changed:
        return case
    case.last_activity_at = timezone.now()
    case.full_clean()
    case._change_reason = "case_update"
    case.save(update_fields=[*changed, "last_activity_at", "updated_at"])
    _audit(
        AuditAction.CASE_CHANGED,
        actor=actor,
        case=case,
        summary=_("Case changed: %(fields)s") % {"fields": ", ".join(sorted(changed))},
        ip=ip,
        fields=sorted(changed),
    )
    return case


@transaction.atomic
def party_add(
    *, actor, case: Case, organisation: Organisation, role: str, processing: str, ip: str | None = None
) -> Party:
    """Name an organisation in a case with its role for a processing (the same role twice is refused)."""
    processing = processing.strip()
    if Party.objects.filter(case=case, organisation=organisation, role=role, processing__iexact=processing).exists():
        raise ValidationError(_("This organisation already has this role for this processing in the case."))
    party = Party(case=case, organisation=organisation, role=role, processing=processing)
    party._change_reason = "party_add"
    party.save()
    _touch(case)
    _audit(
        AuditAction.PARTY_ADDED,
        actor=actor,
        case=case,
        summary=_("%(organisation)s added as %(role)s for “%(processing)s”")
        % {"organisation": organisation, "role": party.get_role_display(), "processing": processing},
        ip=ip,
        object_type="cases.party",
        object_id=party.pk,
        organisation=organisation.pk,
        role=role,
    )
    return party


def _party_has_records(party: Party) -> bool:
    """Whether deleting the party would take or be stopped by anything but the party row itself."""
    collector = Collector(using=router.db_for_write(Party))
    try:
        collector.collect([party])
    except (ProtectedError, RestrictedError):
        return True
    if any(model is not Party and objs for model, objs in collector.data.items()):
        return True
    return any(qs.exists() for qs in collector.fast_deletes)


@transaction.atomic
def party_remove(*, actor, party: Party, ip: str | None = None) -> None:
    """Remove a party named by mistake; its history keeps the row.

    Refused once anything of the case hangs on the party (evidence linked to it, assessments,
    notices, requests, portal accesses…): removing it would delete or orphan records.
    """
    if _party_has_records(party):
        raise ValidationError(
            _(
                "%(organisation)s already has records in this case (evidence, assessments, notices, requests…): "
                "it cannot be removed."
            )
            % {"organisation": party.organisation}
        )
    case = party.case
    summary = _("%(organisation)s removed (%(role)s)") % {
        "organisation": party.organisation,
        "role": party.get_role_display(),
    }
    party_pk, organisation_pk = party.pk, party.organisation_id
    party._change_reason = "party_remove"
    party.delete()
    _touch(case)
    _audit(
        AuditAction.PARTY_REMOVED,
        actor=actor,
        case=case,
        summary=summary,
        ip=ip,
        object_type="cases.party",
        object_id=party_pk,
        organisation=organisation_pk,
    )


@transaction.atomic
def case_fan_out(*, actor, case: Case, ip: str | None = None) -> list[Case]:
    """Open one linked case per controller served by the case's processors (one level deep).

    Idempotent: a controller that already has a case linked to this one is skipped. The new
    cases copy origin, regime, confidentiality and health flag, and name the controller and the
    processor for the processing concerned.
    """
    case = Case.objects.select_for_update().get(pk=case.pk)
    if case.origin_case_id is not None:
        raise ValidationError(_("This case was itself opened by a fan-out: fan-out goes one level deep only."))
    processors = list(case.parties.filter(role=PartyRole.PROCESSOR).select_related("organisation"))
    if not processors:
        raise ValidationError(_("Fan-out needs a processor among the parties."))
    already = set(
        Party.objects.filter(case__origin_case=case, role=PartyRole.CONTROLLER).values_list(
            "organisation_id", flat=True
        )
    )
    opened = []
    for processor_party in processors:
        processor = processor_party.organisation
        for controller in controllers_served_by(processor).order_by("legal_name"):
            if controller.pk in already:
                continue
            linked = case_open(
                actor=actor,
                origin=case.origin,
                legal_regime=case.legal_regime,
                title=f"{case.title} — {controller.legal_name}",
                summary=case.summary,
                priority=case.priority,
                confidentiality=case.confidentiality,
                health_data=case.health_data,
                origin_case=case,
                ip=ip,
            )
            party_add(
                actor=actor,
                case=linked,
                organisation=controller,
                role=PartyRole.CONTROLLER,
                processing=processor_party.processing,
                ip=ip,
            )
            party_add(
                actor=actor,
                case=linked,
                organisation=processor,
                role=PartyRole.PROCESSOR,
                processing=processor_party.processing,
                ip=ip,
            )
            already.add(controller.pk)
            opened.append(linked)
    _touch(case)
    _audit(
        AuditAction.CASE_FANNED_OUT,
        actor=actor,
        case=case,
        summary=_("%(count)d linked case(s) opened for the controllers") % {"count": len(opened)},
        ip=ip,
        opened=[c.reference for c in opened],
    )
    return opened


def case_team(case: Case) -> list:
    """The users on a case's team (those who may change it)."""
    user_ids = CaseUserObjectPermission.objects.filter(
        content_object=case, permission__codename="change_case"
    ).values_list("user_id", flat=True)
    return list(get_user_model().objects.filter(pk__in=user_ids).order_by("full_name"))


@transaction.atomic
def case_assign(*, actor, case: Case, lead, team, ip: str | None = None, audit_summary: bool = True) -> None:
    """Make ``team`` (which includes ``lead``) the case's team: grants and revokes object permissions.

    Only investigators and legal staff can be on a team; managers already see and change every case.
    """
    team = {member.pk: member for member in team}
    if lead is not None:
        team[lead.pk] = lead
    for member in team.values():
        if not member.is_active or not ({Role.INVESTIGATOR, Role.LEGAL} & member.roles):
            raise ValidationError(_("%(name)s cannot be on a case team.") % {"name": member.get_full_name()})
    case = Case.objects.select_for_update().get(pk=case.pk)
    current = {member.pk: member for member in case_team(case)}
    for pk in team.keys() - current.keys():
        for perm in TEAM_PERMISSIONS:
            assign_perm(perm, team[pk], case)
        _audit(
            AuditAction.CASE_ASSIGNED,
            actor=actor,
            case=case,
            summary=_("%(name)s joins the team") % {"name": team[pk].get_full_name()},
            ip=ip,
            user=pk,
        )
    for pk in current.keys() - team.keys():
        for perm in TEAM_PERMISSIONS:
            remove_perm(perm, current[pk], case)
        _audit(
            AuditAction.CASE_UNASSIGNED,
            actor=actor,
            case=case,
            summary=_("%(name)s leaves the team") % {"name": current[pk].get_full_name()},
            ip=ip,
            user=pk,
        )
    if case.lead_investigator_id != (lead.pk if lead else None):
        case.lead_investigator = lead
        case.last_activity_at = timezone.now()
        case._change_reason = "case_assign"
        case.save(update_fields=["lead_investigator", "last_activity_at", "updated_at"])


@transaction.atomic
def case_transition(
    *,
    actor,
    case: Case,
    to_status: str,
    reason: str,
    expected_status: str | None = None,
    deciding_body: str = "",
    decision_reference: str = "",
    service: bool = False,
    ip: str | None = None,
) -> CaseTransition:
    """The only way a case's status changes (transition table in ``workflow.py``).

    Locks the case; ``expected_status`` is the status the user saw: if the case moved meanwhile,
    the transition is refused. Checks the table (``service=True`` for the service-only rows),
    the deciding body, then every registered guard; records the transition, history and an audit
    event, then runs the registered reactions in the same transaction.
    """
    case = Case.objects.select_for_update().get(pk=case.pk)
    source = case.status
    if expected_status is not None and expected_status != source:
        raise CaseChangedMeanwhile(
            _("The case changed meanwhile: it is now “%(status)s”. Reload the page and try again.")
            % {"status": CaseStatus(source).label}
        )
    rule = transition_for(source, to_status)
    if rule is None or (rule.service_only and not service):
        allowed = ", ".join(str(CaseStatus(t.target).label) for t in allowed_from(source, include_service_only=False))
        raise TransitionRefused(
            _("A case “%(status)s” cannot go to “%(target)s”. Allowed: %(allowed)s.")
            % {
                "status": CaseStatus(source).label,
                "target": CaseStatus(to_status).label if to_status in CaseStatus.values else to_status,
                "allowed": allowed or _("none"),
            }
        )
    if not reason.strip():
        raise TransitionRefused(_("Give the reason for this change."))
    if rule.needs_decision:
        if deciding_body not in rule.bodies:
            bodies = ", ".join(str(DecidingBody(body).label) for body in rule.bodies)
            raise TransitionRefused(_("This change needs the decision of: %(bodies)s.") % {"bodies": bodies})
        if not decision_reference.strip():
            raise TransitionRefused(_("Give the reference of the decision."))
    for guard in transition_guards:
        refusal = guard(case, source, to_status, actor)
        if refusal:
            raise TransitionRefused(refusal)
    transition = CaseTransition.objects.create(
        case=case,
        from_status=source,
        to_status=to_status,
        actor=actor,
        reason=reason.strip(),
        deciding_body=deciding_body,
        decision_reference=decision_reference.strip(),
    )
    case.status = to_status
    case.last_activity_at = transition.at
    case._change_reason = f"case_transition: {reason.strip()[:80]}"
    case.save(update_fields=["status", "last_activity_at", "updated_at"])
    _audit(
        AuditAction.CASE_TRANSITIONED,
        actor=actor,
        case=case,
        summary=_("Status: %(source)s → %(target)s")
        % {"source": CaseStatus(source).label, "target": CaseStatus(to_status).label},
        ip=ip,
        from_status=source,
        to_status=to_status,
        reason=reason.strip(),
        deciding_body=deciding_body,
        decision_reference=decision_reference.strip(),
    )
    for reaction in transition_reactions:
        reaction(case, transition)
    return transition
