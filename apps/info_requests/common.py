"""What the write services of requests for information share: limits, audit, links, notices to each side."""

from __future__ import annotations

import hashlib
from datetime import timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import NoReverseMatch, reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from apps.accounts.choices import UserKind
from apps.accounts.selectors import active_managers
from apps.audit.services import audit_record
from apps.cases.choices import CaseStatus
from apps.cases.models import Case
from apps.cases.selectors import case_team_members
from apps.deadlines.models import DeadlineStatus
from apps.notifications.services import notify

from .choices import TRANSITIONS, RequestStatus
from .mail import mail_on_commit
from .models import (
    InfoRequest,
    PortalAccess,
)

INVITATION_VALIDITY = timedelta(days=7)
MAX_PERIOD_DAYS = 365
MAX_MESSAGE_LENGTH = 10_000
MAX_ANSWER_LENGTH = 100_000
# A deadline still waiting for the answer (a missed one is met late by the first submission).
UNMET_DEADLINE = (DeadlineStatus.OPEN, DeadlineStatus.EXTENDED, DeadlineStatus.MISSED)


def _audit(action, *, actor, obj, summary: str, case_id: int | None, ip=None, **data) -> None:
    audit_record(
        actor=actor,
        action=action,
        summary=summary,
        object_type=obj._meta.label_lower,
        object_id=str(obj.pk),
        case_id=case_id,
        data=data,
        ip=ip,
    )


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _site_link(path: str) -> str:
    return f"{settings.SITE_URL}{path}"


def portal_request_path(request: InfoRequest) -> str:
    """Where a portal user reads a request (the portal's page if it has one, else the portal's home)."""
    try:
        return reverse("portal:request", args=[request.pk])
    except NoReverseMatch:
        return settings.PORTAL_URL_PREFIX


def _refuse_closed_case(case: Case) -> None:
    if case.status == CaseStatus.CLOSED:
        raise ValidationError(_("This case is closed."), code="case_closed")


def _set_status(request: InfoRequest, to_status: str, reason: str, *fields: str) -> None:
    if to_status not in TRANSITIONS[request.status]:
        raise ValidationError(
            _("A request cannot go from “%(from)s” to “%(to)s”.")
            % {"from": request.get_status_display(), "to": RequestStatus(to_status).label},
            code="transition",
        )
    request.status = to_status
    request._change_reason = reason
    request.save(update_fields=["status", *fields])


def _touch(case_id: int) -> None:
    Case.objects.filter(pk=case_id).update(last_activity_at=timezone.now())


def _organisation_users(request: InfoRequest) -> list:
    """The active people acting for the request's organisation on its case (those told of it)."""
    users = get_user_model().objects.filter(
        is_active=True,
        kind=UserKind.ORGANISATION,
        portal_accesses__organisation_id=request.organisation_id,
        portal_accesses__case_id=request.case_id,
        portal_accesses__revoked_at__isnull=True,
    )
    return list(users.distinct().order_by("pk"))


def _case_team(case: Case) -> list:
    """The case team; the managers when the case has no team (as for deadline reminders)."""
    return case_team_members(case) or active_managers()


def _tell_organisation(request: InfoRequest, *, kind: str, title: str, body: str) -> None:
    """In-app and e-mail to the organisation's portal users: a link only, never case content."""
    recipients = _organisation_users(request)
    path = portal_request_path(request)
    notify(recipients=recipients, title=title, body=body, url=path, kind=kind)
    with translation.override(settings.LANGUAGE_CODE):
        mail_on_commit(
            to=[user.email for user in recipients],
            subject=title,
            body="\n\n".join(
                [
                    body,
                    _("Read it on the CNIL's portal: %(link)s") % {"link": _site_link(path)},
                    _("This e-mail is not a formal delivery; the portal holds the request and its documents."),
                ]
            ),
        )


def _tell_case_team(request: InfoRequest, *, kind: str, title: str, body: str) -> None:
    recipients = _case_team(request.case)
    path = request.get_absolute_url()
    notify(recipients=recipients, title=title, body=body, url=path, kind=kind)
    mail_on_commit(
        to=[user.email for user in recipients],
        subject=title,
        body="\n\n".join([body, _("Open the request: %(link)s") % {"link": _site_link(path)}]),
    )


def _portal_access(actor, request: InfoRequest) -> PortalAccess:
    """The actor's active access to the request's organisation and case; refused otherwise."""
    if not (actor.is_authenticated and actor.is_active and actor.kind == UserKind.ORGANISATION):
        raise PermissionDenied
    access = PortalAccess.objects.filter(
        organisation_id=request.organisation_id, user=actor, case_id=request.case_id, revoked_at__isnull=True
    ).first()
    if access is None:
        raise PermissionDenied
    return access


def _locked_request(request: InfoRequest) -> InfoRequest:
    return InfoRequest.objects.select_for_update().select_related("case", "organisation", "party").get(pk=request.pk)


def _refuse_unanswerable(request: InfoRequest) -> None:
    if request.status == RequestStatus.CLOSED:
        raise ValidationError(_("This request is closed: it can no longer be answered."), code="closed")
    if not request.is_answerable:
        raise ValidationError(_("This request has not been sent."), code="not_sent")
