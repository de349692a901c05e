"""Writes on requests for information: portal accesses and invitations, requests, answers, receipts, messages.

Every function takes an explicit ``actor`` (a staff member, or for the portal-side writes the
person acting for the organisation), runs in one transaction, sets the history's change reason and
records an audit event. E-mails go once the transaction commits and carry no case content, only a
link (an e-mail is not a formal delivery: requests for information are ordinary letters).
"""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from apps.accounts.choices import UserKind
from apps.audit.choices import AuditAction
from apps.audit.services import audit_record
from apps.cases.models import Case
from apps.deadlines import services as deadline_services
from apps.deadlines.models import Deadline
from apps.evidence import services as evidence_services
from apps.evidence.choices import EvidenceSource
from apps.evidence.uploads import stored_filename

from . import receipts
from .choices import Expects, RequestStatus, SubmissionStatus
from .common import (
    MAX_ANSWER_LENGTH,
    MAX_MESSAGE_LENGTH,
    MAX_PERIOD_DAYS,
    UNMET_DEADLINE,
    _audit,
    _locked_request,
    _portal_access,
    _refuse_closed_case,
    _refuse_unanswerable,
    _set_status,
    _tell_case_team,
    _tell_organisation,
    _touch,
)
from .invitations import invitation_accept as invitation_accept
from .invitations import invitation_get as invitation_get
from .invitations import portal_access_revoke as portal_access_revoke
from .invitations import portal_invite as portal_invite
from .models import (
    REQUEST_OBJECT_TYPE,
    Answer,
    AnswerFile,
    InfoRequest,
    Message,
    Question,
    Submission,
)
from .receipts import receipt_verify as receipt_verify  # part of this module's API

# --- Requests (staff side) -----------------------------------------------------------------------


def _clean_questions(questions: list[dict]) -> list[dict]:
    cleaned = []
    for question in questions:
        text = (question.get("text") or "").strip()
        if not text:
            continue
        expects = question.get("expects") or Expects.TEXT
        if expects not in Expects.values:
            raise ValidationError({"questions": _("Unknown kind of answer expected.")})
        cleaned.append({"text": text, "expects": expects})
    return cleaned


@transaction.atomic
def request_create(
    *,
    actor,
    case: Case,
    parties,
    subject: str,
    letter: str,
    questions: list[dict],
    period_days: int,
    ip: str | None = None,
) -> list[InfoRequest]:
    """Draft a request for information to one or several parties of a case: one copy per party, each
    isolated (the organisation of one never sees another's), sharing a batch.

    Refused without a party of the case, a subject, a letter, a question, or with a period outside
    1 to 365 days (DOMAIN.md: documents are due "as set in the letter", from its receipt).
    """
    parties = list({party.pk: party for party in parties}.values())
    questions = _clean_questions(questions)
    errors = {}
    if not parties:
        errors["parties"] = _("Choose at least one party.")
    elif any(party.case_id != case.pk for party in parties):
        errors["parties"] = _("A request is addressed to parties of its case only.")
    if not (subject or "").strip():
        errors["subject"] = _("Give the subject of the request.")
    if not (letter or "").strip():
        errors["letter"] = _("Write the letter introducing the request.")
    if not questions:
        errors["questions"] = _("Ask at least one question.")
    if period_days is None or not 1 <= period_days <= MAX_PERIOD_DAYS:
        errors["period_days"] = _("The period to answer is between 1 and %(max)d days.") % {"max": MAX_PERIOD_DAYS}
    if errors:
        raise ValidationError(errors)
    _refuse_closed_case(case)
    batch = InfoRequest._meta.get_field("batch").default()
    created = []
    for party in sorted(parties, key=lambda p: p.pk):
        request = InfoRequest(
            case=case,
            party=party,
            organisation_id=party.organisation_id,
            batch=batch,
            subject=subject.strip(),
            letter=letter.strip(),
            period_days=period_days,
            created_by=actor,
        )
        request._change_reason = "request_create"
        request.save()
        for position, question in enumerate(questions, start=1):
            row = Question(request=request, position=position, **question)
            row._change_reason = "request_create"
            row.save()
        _audit(
            AuditAction.INFO_REQUEST_CREATED,
            actor=actor,
            obj=request,
            summary=_("Request “%(subject)s” drafted for %(organisation)s")
            % {"subject": request.subject, "organisation": party.organisation},
            case_id=case.pk,
            ip=ip,
            party=party.pk,
            organisation=party.organisation_id,
            batch=str(batch),
            questions=len(questions),
            period_days=period_days,
        )
        created.append(request)
    _touch(case.pk)
    return created


@transaction.atomic
def request_send(*, actor, request: InfoRequest, sent_at=None, ip: str | None = None) -> InfoRequest:
    """Send a drafted request: the organisation's portal users are told (a link only) and the answer is
    due ``period_days`` from the sending (deadline rule "document_request").

    ``sent_at`` records a letter already sent by post before it was put on the portal (never later
    than now); by default the request is sent now.
    """
    request = _locked_request(request)
    if request.status != RequestStatus.DRAFT:
        raise ValidationError(_("This request has already been sent."), code="already_sent")
    _refuse_closed_case(request.case)
    now = timezone.now()
    if sent_at is not None and (sent_at > now or sent_at < request.created_at - timedelta(days=365)):
        raise ValidationError({"sent_at": _("A request is sent at the latest now.")}, code="sent_at")
    request.sent_at = sent_at or now
    _set_status(request, RequestStatus.SENT, "request_send", "sent_at")
    deadline = deadline_services.deadline_create(
        actor=actor,
        case=request.case,
        kind="document_request",
        amount=request.period_days,
        started_at=request.sent_at,
        start_event=_("Request “%(subject)s” sent to %(organisation)s")
        % {"subject": request.subject, "organisation": request.organisation},
        title=_("Answer of %(organisation)s to “%(subject)s”")
        % {"organisation": request.organisation, "subject": request.subject},
        object_type=REQUEST_OBJECT_TYPE,
        object_id=str(request.pk),
        ip=ip,
    )
    _audit(
        AuditAction.INFO_REQUEST_SENT,
        actor=actor,
        obj=request,
        summary=_("Request “%(subject)s” sent to %(organisation)s")
        % {"subject": request.subject, "organisation": request.organisation},
        case_id=request.case_id,
        ip=ip,
        deadline=deadline.pk,
        due_at=deadline.due_at.isoformat(),
    )
    _touch(request.case_id)
    with translation.override(settings.LANGUAGE_CODE):
        _tell_organisation(
            request,
            kind="info_request_sent",
            title=_("New request for information from the CNIL"),
            body=_("The CNIL has sent a request for information to your organisation."),
        )
    return request


@transaction.atomic
def request_close(*, actor, request: InfoRequest, ip: str | None = None) -> InfoRequest:
    """Close a sent request: no more answers nor messages. Its deadline, if still pending, is cancelled."""
    request = _locked_request(request)
    if request.status == RequestStatus.DRAFT:
        raise ValidationError(_("A draft is not closed: it was never sent."), code="draft")
    if request.status == RequestStatus.CLOSED:
        raise ValidationError(_("This request is already closed."), code="closed")
    request.closed_at = timezone.now()
    _set_status(request, RequestStatus.CLOSED, "request_close", "closed_at")
    for deadline in Deadline.objects.filter(object_type=REQUEST_OBJECT_TYPE, object_id=str(request.pk)).pending():
        deadline_services.deadline_cancel(actor=actor, deadline=deadline, reason=_("request closed"), ip=ip)
    _audit(
        AuditAction.INFO_REQUEST_CLOSED,
        actor=actor,
        obj=request,
        summary=_("Request “%(subject)s” to %(organisation)s closed")
        % {"subject": request.subject, "organisation": request.organisation},
        case_id=request.case_id,
        ip=ip,
    )
    _touch(request.case_id)
    return request


# --- Answers (portal side) -----------------------------------------------------------------------


def _draft_for(request: InfoRequest, actor) -> Submission:
    """The request's draft submission, created (numbered after the last one) if there is none."""
    draft = Submission.objects.select_for_update().filter(request=request, status=SubmissionStatus.DRAFT).first()
    if draft is None:
        last = Submission.objects.filter(request=request).aggregate(last=Max("number"))["last"] or 0
        draft = Submission(request=request, organisation_id=request.organisation_id, number=last + 1, created_by=actor)
        draft._change_reason = "draft created"
        draft.save()
    return draft


@transaction.atomic
def draft_save(*, actor, request: InfoRequest, answers: dict[int, str], ip: str | None = None) -> Submission:
    """Save the text answers of the organisation's draft (question id → text; an empty text removes it).

    Refused on a closed or unsent request, or for a question of another request.
    """
    request = _locked_request(request)
    _portal_access(actor, request)
    _refuse_unanswerable(request)
    questions = {question.pk: question for question in request.questions.all()}
    try:
        wanted = {int(pk): (text or "").strip() for pk, text in answers.items()}
    except (TypeError, ValueError) as exc:
        raise ValidationError(_("Unknown question.")) from exc
    if set(wanted) - set(questions):
        raise ValidationError(_("Unknown question."), code="question")
    too_long = [pk for pk, text in wanted.items() if len(text) > MAX_ANSWER_LENGTH]
    if too_long:
        raise ValidationError(
            _("An answer is limited to %(max)d characters; send longer texts as documents.")
            % {"max": MAX_ANSWER_LENGTH}
        )
    draft = _draft_for(request, actor)
    existing = {answer.question_id: answer for answer in draft.answers.all()}
    changed = 0
    for pk, text in wanted.items():
        answer = existing.get(pk)
        if not text:
            if answer is not None:
                answer._change_reason = "draft_save"
                answer.delete()
                changed += 1
            continue
        if answer is None:
            answer = Answer(submission=draft, question=questions[pk], text=text)
        elif answer.text == text:
            continue
        answer.text = text
        answer._change_reason = "draft_save"
        answer.save()
        changed += 1
    if changed:
        _audit(
            AuditAction.ANSWER_DRAFT_SAVED,
            actor=actor,
            obj=draft,
            summary=_("Answer draft to “%(subject)s” saved") % {"subject": request.subject},
            case_id=request.case_id,
            ip=ip,
            answers_changed=changed,
        )
    return draft


@transaction.atomic
def draft_file_add(*, actor, request: InfoRequest, question: Question, upload, ip: str | None = None) -> AnswerFile:
    """Add a document to a question of the organisation's draft, stored by its SHA-256 (hashed as it was
    streamed in when the upload handler did it). Refused, with nothing stored, over the size limit or
    for a type not accepted as evidence, as ``evidence_register`` would; and for a question that
    expects a text answer only."""
    request = _locked_request(request)
    _portal_access(actor, request)
    _refuse_unanswerable(request)
    if question.request_id != request.pk:
        raise ValidationError(_("Unknown question."), code="question")
    if not question.wants_documents:
        raise ValidationError(_("This question expects a text answer, not documents."), code="text_only")
    # blob_store refuses a new content over the limit or of a refused type before storing anything;
    # content it already holds is checked the same way, against today's limits.
    blob = evidence_services.blob_store(
        upload, sha256=getattr(upload, "sha256", None), size=getattr(upload, "hashed_size", None)
    )
    evidence_services.check_upload(size=blob.size, media_type=blob.media_type)
    draft = _draft_for(request, actor)
    item = AnswerFile(
        submission=draft,
        question=question,
        blob=blob,
        original_filename=stored_filename(upload.name, blob.media_type),
        size=blob.size,
        sha256=blob.sha256,
        media_type=blob.media_type,
        uploaded_by=actor,
    )
    item._change_reason = "draft_file_add"
    item.save()
    _audit(
        AuditAction.ANSWER_FILE_ADDED,
        actor=actor,
        obj=item,
        summary=_("“%(name)s” added to the answer draft to “%(subject)s”")
        % {"name": item.original_filename, "subject": request.subject},
        case_id=request.case_id,
        ip=ip,
        submission=draft.pk,
        question=question.position,
        sha256=blob.sha256,
        size=blob.size,
        media_type=blob.media_type,
    )
    return item


@transaction.atomic
def draft_file_remove(*, actor, file: AnswerFile, ip: str | None = None) -> None:
    """Take a document out of the organisation's draft (a submitted document is never removed)."""
    item = AnswerFile.objects.select_related("submission__request").get(pk=file.pk)
    request = _locked_request(item.submission.request)
    _portal_access(actor, request)
    item = AnswerFile.objects.select_related("submission").get(pk=item.pk)
    if not item.submission.is_draft:
        raise ValidationError(_("A submitted document is final: it cannot be removed."), code="submitted")
    _refuse_unanswerable(request)
    pk, name, sha256 = item.pk, item.original_filename, item.sha256
    item._change_reason = "draft_file_remove"
    item.delete()
    audit_record(
        actor=actor,
        action=AuditAction.ANSWER_FILE_REMOVED,
        summary=_("“%(name)s” removed from the answer draft to “%(subject)s”")
        % {"name": name, "subject": request.subject},
        object_type=AnswerFile._meta.label_lower,
        object_id=str(pk),
        case_id=request.case_id,
        data={"sha256": sha256},
        ip=ip,
    )


class _StoredFile:
    """A document already stored as a blob, handed to ``evidence_register``: found by its SHA-256, never
    read again (``blob_store`` returns the existing blob)."""

    def __init__(self, item: AnswerFile):
        self.name, self.sha256, self.hashed_size = item.original_filename, item.sha256, item.size


def _answered_questions(request: InfoRequest) -> set[int]:
    """Questions answered across the submitted submissions: the text and/or the documents they expect."""
    submitted = Submission.objects.filter(request=request, status=SubmissionStatus.SUBMITTED)
    with_text = set(Answer.objects.filter(submission__in=submitted).values_list("question_id", flat=True))
    with_files = set(AnswerFile.objects.filter(submission__in=submitted).values_list("question_id", flat=True))
    return {
        question.pk
        for question in request.questions.all()
        if (not question.wants_text or question.pk in with_text)
        and (not question.wants_documents or question.pk in with_files)
    }


@transaction.atomic
def submission_submit(*, actor, request: InfoRequest, ip: str | None = None) -> Submission:
    """Submit the organisation's draft: final, with its receipt. Exactly once per draft.

    The request row is locked first, so of two submits (a double click) the second finds no draft
    and is refused ("already submitted"). Each document becomes evidence of the case, source
    "organisation submission", linked to the party. The receipt (number, organisation, request,
    server time, each file's name, size and SHA-256, each answer's SHA-256) is hashed over its
    RFC 8785 bytes and recorded in the audit log. The first submission meets the request's deadline;
    the request is then answered, or partially answered while a question is still unanswered.
    """
    request = _locked_request(request)
    _portal_access(actor, request)
    _refuse_unanswerable(request)
    draft = Submission.objects.select_for_update().filter(request=request, status=SubmissionStatus.DRAFT).first()
    if draft is None:
        raise ValidationError(_("Nothing to submit: this answer has already been submitted."), code="already_submitted")
    answers = list(draft.answers.select_related("question").order_by("question__position", "pk"))
    files = list(draft.files.select_related("question").order_by("question__position", "uploaded_at", "pk"))
    if not answers and not files:
        raise ValidationError(_("Nothing to submit: answer a question or add a document first."), code="empty")
    now = timezone.now()
    number = receipts.receipt_number_next(now)
    with translation.override(settings.LANGUAGE_CODE):
        for item in files:
            item.evidence = evidence_services.evidence_register(
                actor=actor,
                case=request.case,
                upload=_StoredFile(item),
                title=(
                    _("Answer %(receipt)s, question %(position)d: %(name)s")
                    % {"receipt": number, "position": item.question.position, "name": item.original_filename}
                )[:255],
                source=EvidenceSource.ORGANISATION,
                description=_(
                    "Sent by %(organisation)s through the portal in answer to “%(subject)s” (receipt %(receipt)s)."
                )
                % {"organisation": request.organisation, "subject": request.subject, "receipt": number},
                collected_at=now,
                parties=[request.party],
                ip=ip,
            )
            item._change_reason = "submission_submit"
            item.save(update_fields=["evidence"])
    payload = receipts.receipt_payload(
        submission=draft, number=number, submitted_at=now, actor=actor, answers=answers, files=files
    )
    draft.status, draft.submitted_by, draft.submitted_at = SubmissionStatus.SUBMITTED, actor, now
    draft.receipt_number, draft.receipt_payload = number, payload
    draft.receipt_sha256 = receipts.payload_sha256(payload)
    draft._change_reason = "submission_submit"
    draft.save(
        update_fields=["status", "submitted_by", "submitted_at", "receipt_number", "receipt_payload", "receipt_sha256"]
    )
    earlier = Submission.objects.filter(request=request, status=SubmissionStatus.SUBMITTED).exclude(pk=draft.pk)
    if not earlier.exists():
        unmet = Deadline.objects.filter(
            object_type=REQUEST_OBJECT_TYPE, object_id=str(request.pk), status__in=UNMET_DEADLINE
        )
        for deadline in unmet:
            deadline_services.deadline_meet(actor=actor, deadline=deadline, met_at=now, ip=ip)
    complete = _answered_questions(request) == {question.pk for question in request.questions.all()}
    _set_status(request, RequestStatus.ANSWERED if complete else RequestStatus.PARTIALLY_ANSWERED, "submission_submit")
    _audit(
        AuditAction.ANSWER_SUBMITTED,
        actor=actor,
        obj=draft,
        summary=_("Answer to “%(subject)s” submitted by %(organisation)s, receipt %(receipt)s")
        % {"subject": request.subject, "organisation": request.organisation, "receipt": number},
        case_id=request.case_id,
        ip=ip,
        request=request.pk,
        submission=draft.number,
        receipt_number=number,
        receipt_sha256=draft.receipt_sha256,
        files=[item.sha256 for item in files],
        evidence=[item.evidence_id for item in files],
        answers=len(answers),
    )
    _touch(request.case_id)
    with translation.override(settings.LANGUAGE_CODE):
        _tell_case_team(
            request,
            kind="info_request_answered",
            title=_("Answer from %(organisation)s to “%(subject)s” — case %(reference)s")
            % {"organisation": request.organisation, "subject": request.subject, "reference": request.case.reference},
            body=_(
                "%(organisation)s submitted an answer (receipt %(receipt)s): %(answers)d text answer(s), "
                "%(files)d document(s)."
            )
            % {"organisation": request.organisation, "receipt": number, "answers": len(answers), "files": len(files)},
        )
    return draft


# --- Messages ------------------------------------------------------------------------------------


@transaction.atomic
def message_post(*, actor, request: InfoRequest, text: str, ip: str | None = None) -> Message:
    """Post a message on a request's thread, from the case team or from the organisation; the other side
    is told in-app and by e-mail (a link only to the organisation). Text only: documents go through
    answers. Refused on a draft or a closed request."""
    request = _locked_request(request)
    text = (text or "").strip()
    from_organisation = actor.kind == UserKind.ORGANISATION
    if from_organisation:
        _portal_access(actor, request)
    if request.status == RequestStatus.DRAFT:
        raise ValidationError(_("Messages start once the request is sent."), code="draft")
    if request.status == RequestStatus.CLOSED:
        raise ValidationError(_("This request is closed: no more messages."), code="closed")
    if not text:
        raise ValidationError({"text": _("Write a message.")})
    if len(text) > MAX_MESSAGE_LENGTH:
        raise ValidationError({"text": _("A message is limited to %(max)d characters.") % {"max": MAX_MESSAGE_LENGTH}})
    message = Message(
        request=request,
        organisation_id=request.organisation_id,
        author=actor,
        from_organisation=from_organisation,
        text=text,
    )
    message._change_reason = "message_post"
    message.save()
    _audit(
        AuditAction.REQUEST_MESSAGE_POSTED,
        actor=actor,
        obj=message,
        summary=_("Message on “%(subject)s” from %(author)s")
        % {"subject": request.subject, "author": request.organisation if from_organisation else _("the CNIL")},
        case_id=request.case_id,
        ip=ip,
        request=request.pk,
        from_organisation=from_organisation,
        characters=len(text),
    )
    with translation.override(settings.LANGUAGE_CODE):
        if from_organisation:
            _tell_case_team(
                request,
                kind="info_request_message",
                title=_("Message from %(organisation)s on “%(subject)s” — case %(reference)s")
                % {
                    "organisation": request.organisation,
                    "subject": request.subject,
                    "reference": request.case.reference,
                },
                body=_("%(organisation)s wrote on the thread of the request.") % {"organisation": request.organisation},
            )
        else:
            _tell_organisation(
                request,
                kind="info_request_message",
                title=_("New message from the CNIL"),
                body=_("The CNIL wrote to your organisation about a request for information."),
            )
    return message
