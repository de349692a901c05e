"""Reads on requests for information.

Portal selectors are a different threat model (STYLE.md, "Permissions"): each one filters on the
user's organisation first, then on the user's active (non-revoked) access to the case, and answers
404 alike for an id that does not exist and for one of another organisation. Staff selectors go
through ``apps.cases.permissions.case_get_for_user``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

from django.db.models import Exists, F, OuterRef, Prefetch, QuerySet
from django.http import Http404
from django.template.loader import render_to_string
from django.utils import timezone, translation

from apps.accounts.choices import UserKind
from apps.cases.models import Case
from apps.cases.permissions import case_get_for_user
from apps.core.pdf import html_to_pdf
from apps.deadlines.models import Deadline
from apps.organisations.models import Organisation

from .choices import VISIBLE_TO_ORGANISATION, SubmissionStatus
from .models import REQUEST_OBJECT_TYPE, Answer, AnswerFile, InfoRequest, Message, PortalAccess, Question, Submission

PARIS = ZoneInfo("Europe/Paris")
RECEIPT_LANGUAGE = "fr"


def _int(pk) -> int:
    try:
        return int(pk)
    except (TypeError, ValueError) as exc:
        raise Http404 from exc


# --- Portal --------------------------------------------------------------------------------------


def portal_organisation(user) -> Organisation | None:
    """The one organisation a portal user acts for (through an active access), or None."""
    if not (user.is_authenticated and user.is_active and user.kind == UserKind.ORGANISATION):
        return None
    access = (
        PortalAccess.objects.filter(user=user, revoked_at__isnull=True)
        .select_related("organisation")
        .order_by("created_at", "pk")
        .first()
    )
    return access.organisation if access else None


def _with_access(queryset: QuerySet, user, organisation: Organisation, case_field: str = "case") -> QuerySet:
    """Rows of ``organisation`` first, then only on cases ``user`` has an active access to."""
    active = PortalAccess.objects.filter(
        organisation=organisation, user=user, revoked_at__isnull=True, case=OuterRef(case_field)
    )
    return queryset.filter(Exists(active))


def portal_requests(user) -> QuerySet[InfoRequest]:
    """The requests sent to the user's organisation on its cases (never a draft): open first, by due date."""
    organisation = portal_organisation(user)
    if organisation is None:
        return InfoRequest.objects.none()
    requests = InfoRequest.objects.filter(
        organisation=organisation, status__in=VISIBLE_TO_ORGANISATION, sent_at__isnull=False
    )
    # What the list shows of a request is its own (subject, dates, status, deadline): no join to its
    # case or organisation, whose planning was most of this query's time.
    return (
        _with_access(requests, user, organisation)
        .with_deadline()
        .order_by(F("closed_at").asc(nulls_first=True), F("due_at").asc(nulls_last=True), "-sent_at", "-pk")
    )


def portal_request_get(user, pk) -> InfoRequest:
    """One of ``portal_requests(user)``, else 404 (missing and not theirs alike)."""
    request = portal_requests(user).select_related("case", "organisation").filter(pk=_int(pk)).first()
    if request is None:
        raise Http404
    return request


def portal_submission_get(user, request_pk, pk) -> Submission:
    """A submission (draft or submitted) of one of the user's organisation's requests, else 404."""
    request = portal_request_get(user, request_pk)
    submission = (
        Submission.objects.filter(organisation_id=request.organisation_id, request=request, pk=_int(pk))
        .select_related("request__case", "request__organisation", "submitted_by")
        .first()
    )
    if submission is None:
        raise Http404
    return submission


def portal_file_get(user, pk) -> AnswerFile:
    """A document of an answer of the user's organisation, on a request they may read, else 404."""
    organisation = portal_organisation(user)
    if organisation is None:
        raise Http404
    item = (
        AnswerFile.objects.filter(submission__organisation=organisation, pk=_int(pk))
        .filter(submission__request__in=portal_requests(user).values("pk"))
        .select_related("blob", "submission__request", "question")
        .first()
    )
    if item is None:
        raise Http404
    return item


def portal_receipt_get(user, number: str) -> Submission:
    """A submitted submission of the user's organisation by its receipt number, else 404."""
    organisation = portal_organisation(user)
    if organisation is None or not number:
        raise Http404
    submission = (
        Submission.objects.filter(organisation=organisation, receipt_number=str(number)[:20])
        .filter(status=SubmissionStatus.SUBMITTED, request__in=portal_requests(user).values("pk"))
        .select_related("request__case", "request__organisation", "submitted_by")
        .first()
    )
    if submission is None:
        raise Http404
    return submission


def request_draft(request: InfoRequest) -> Submission | None:
    """The request's draft submission, with its answers and files, if there is one."""
    return (
        Submission.objects.filter(request=request, status=SubmissionStatus.DRAFT)
        .prefetch_related(
            Prefetch("answers", queryset=Answer.objects.select_related("question")),
            Prefetch("files", queryset=AnswerFile.objects.select_related("question", "evidence")),
        )
        .first()
    )


def request_deadline(request: InfoRequest) -> Deadline | None:
    """The deadline of the request's answer (set when it was sent)."""
    return (
        Deadline.objects.filter(object_type=REQUEST_OBJECT_TYPE, object_id=str(request.pk))
        .order_by("-created_at", "-pk")
        .first()
    )


def request_messages(request: InfoRequest) -> list[Message]:
    return list(Message.objects.filter(request=request).select_related("author").order_by("sent_at", "pk"))


def request_submissions(request: InfoRequest, *, include_draft: bool = False) -> list[Submission]:
    """The request's submissions in order, with their answers and files (and the files' evidence items)."""
    submissions = Submission.objects.filter(request=request)
    if not include_draft:
        submissions = submissions.filter(status=SubmissionStatus.SUBMITTED)
    return list(
        submissions.select_related("submitted_by")
        .prefetch_related(
            Prefetch("answers", queryset=Answer.objects.select_related("question").order_by("question__position")),
            Prefetch(
                "files",
                queryset=AnswerFile.objects.select_related("question", "evidence").order_by(
                    "question__position", "uploaded_at", "pk"
                ),
            ),
        )
        .order_by("number")
    )


# --- Staff ---------------------------------------------------------------------------------------


def case_requests(case: Case) -> QuerySet[InfoRequest]:
    """The case's requests, newest first, with their deadline's due date and status."""
    return (
        InfoRequest.objects.filter(case=case)
        .select_related("party__organisation", "organisation")
        .with_deadline()
        .order_by("-created_at", "-pk")
    )


def case_portal_accesses(case: Case) -> list[PortalAccess]:
    """Who acts for the case's parties on the portal: active accesses first, then revoked ones."""
    return list(
        PortalAccess.objects.filter(case=case)
        .select_related("user", "organisation", "party", "invited_by")
        .order_by("revoked_at", "organisation__legal_name", "user__full_name", "pk")
    )


def request_get_for_user(user, case_pk, pk, perm: str) -> InfoRequest:
    """A request of a case the user may ``perm`` (view, change), else 404 — also for a request of another case."""
    case = case_get_for_user(user, case_pk, perm)
    request = (
        InfoRequest.objects.filter(case=case, pk=_int(pk))
        .select_related("case", "party__organisation", "organisation", "created_by")
        .with_deadline()
        .first()
    )
    if request is None:
        raise Http404
    request.case = case
    return request


@dataclass
class RequestPage:
    """Everything the staff page of a request shows, in a fixed number of queries."""

    request: InfoRequest
    questions: list[Question]
    submissions: list[Submission]
    draft_exists: bool
    deadline: Deadline | None
    messages: list[Message]
    batch_copies: list[InfoRequest] = field(default_factory=list)


def request_page(request: InfoRequest) -> RequestPage:
    return RequestPage(
        request=request,
        questions=list(request.questions.order_by("position")),
        submissions=request_submissions(request),
        draft_exists=Submission.objects.filter(request=request, status=SubmissionStatus.DRAFT).exists(),
        deadline=request_deadline(request),
        messages=request_messages(request),
        batch_copies=list(
            InfoRequest.objects.filter(case_id=request.case_id, batch=request.batch)
            .exclude(pk=request.pk)
            .select_related("organisation")
        ),
    )


# --- Receipt PDF ---------------------------------------------------------------------------------


def receipt_context(submission: Submission) -> dict:
    """Plain values of a receipt, read from its hashed content (what the hash proves is what is shown)."""
    payload = submission.receipt_payload or {}
    return {
        "payload": payload,
        "number": submission.receipt_number,
        "sha256": submission.receipt_sha256,
        "submitted_at": submission.submitted_at,
        "organisation": payload.get("organisation", {}),
        "request": payload.get("request", {}),
        "files": payload.get("files", []),
        "answers": payload.get("answers", []),
    }


def receipt_pdf(submission: Submission) -> bytes:
    """The receipt as PDF, in French, times in Europe/Paris."""
    if submission.status != SubmissionStatus.SUBMITTED:
        raise ValueError("only a submitted submission has a receipt")
    with translation.override(RECEIPT_LANGUAGE), timezone.override(PARIS):
        markup = render_to_string("info_requests/receipt_pdf.html", receipt_context(submission))
    return html_to_pdf(markup)
