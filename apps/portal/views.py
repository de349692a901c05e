"""The portal's pages for people acting for an organisation under investigation.

Thin views: an organisation-scoped selector of ``apps.info_requests`` (404 for "missing" and
"not yours" alike) → a portal form → a service → redirect or render. Staff never use these pages.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import Http404, HttpResponse, UnreadablePostError
from django.http.multipartparser import MultiPartParserError
from django.shortcuts import redirect, render
from django.template.defaultfilters import filesizeformat
from django.urls import reverse, reverse_lazy
from django.utils.decorators import method_decorator
from django.utils.translation import gettext as _
from django.views import View
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django.views.generic import TemplateView

from apps.accounts import services as account_services
from apps.accounts import views as account_views
from apps.audit.access import access_record
from apps.audit.choices import AccessAction
from apps.audit.services import client_ip
from apps.evidence import services as evidence_services
from apps.evidence.uploads import (
    HashingUploadHandler,
    RawBodyInterruptedError,
    RawBodyTooLargeError,
    display_filename,
    receive_raw_body,
)
from apps.info_requests import selectors, services
from apps.info_requests.choices import RequestStatus

from .forms import AnswersForm, InvitationAcceptForm, MessageForm, PortalLoginForm
from .permissions import PortalUserRequiredMixin, portal_user_may

MODEL_BACKEND = "django.contrib.auth.backends.ModelBackend"


# --- Login, logout, invitation -------------------------------------------------------------------


class PortalLoginView(account_views.LoginView):
    """The accounts login (lockout, audit events, then the second factor), for organisation accounts.

    A staff account gets the same message as a wrong password. After the second factor the user
    lands on the portal.
    """

    template_name = "portal/login.html"
    authentication_form = PortalLoginForm
    redirect_authenticated_user = False

    def dispatch(self, request, *args, **kwargs):
        if portal_user_may(request.user) and selectors.portal_organisation(request.user) is not None:
            return redirect(settings.PORTAL_URL_PREFIX)
        return super().dispatch(request, *args, **kwargs)


class PortalLogoutView(account_views.LogoutView):
    success_url = reverse_lazy("portal:login")


class InvitationView(View):
    """The link of an invitation e-mail: choose a password, then enrol the second factor.

    Only the right token shows the organisation and the case; an unknown, expired, used or revoked
    one gets the same page (410), which tells nothing about the invitation.
    """

    template_name = "portal/invitation.html"

    def dispatch(self, request, *args, **kwargs):
        self.invitation = services.invitation_get(kwargs["token"])
        if self.invitation is None:
            return render(request, "portal/invitation_invalid.html", status=410)
        return super().dispatch(request, *args, **kwargs)

    def _render(self, form, status=200):
        access = self.invitation.access
        context = {"form": form, "invited": access.user, "organisation_name": access.organisation.legal_name}
        context["case_title"] = access.case.title
        return render(self.request, self.template_name, context, status=status)

    def get(self, request, token):
        return self._render(InvitationAcceptForm(user=self.invitation.access.user))

    def post(self, request, token):
        form = InvitationAcceptForm(request.POST, user=self.invitation.access.user)
        if not form.is_valid():
            return self._render(form, status=400)
        ip = client_ip(request)
        try:
            user = services.invitation_accept(token=token, password=form.cleaned_data["password1"], ip=ip)
        except ValidationError as error:
            if error.code == "invalid_invitation":  # used meanwhile (a second tab)
                return render(request, "portal/invitation_invalid.html", status=410)
            form.add_error("password1", error)
            return self._render(form, status=400)
        login(request, user, backend=MODEL_BACKEND)
        account_services.login_record(user=user, ip=ip)
        messages.success(request, _("Your password is set. Now protect your account with a second factor."))
        return redirect(f"{reverse('accounts:otp_setup')}?next={settings.PORTAL_URL_PREFIX}")


# --- Requests ------------------------------------------------------------------------------------


class PortalHomeView(PortalUserRequiredMixin, TemplateView):
    """The organisation's requests: open ones first, by due date, with the overdue ones flagged."""

    template_name = "portal/home.html"

    def get_context_data(self, **kwargs):
        requests = list(selectors.portal_requests(self.request.user))
        return super().get_context_data(
            open_requests=[r for r in requests if r.status != RequestStatus.CLOSED],
            closed_requests=[r for r in requests if r.status == RequestStatus.CLOSED],
            **kwargs,
        )


@dataclass
class QuestionBlock:
    """One question on the request page: its text field (if it expects text), its draft's documents."""

    question: object
    answer_field: object = None
    files: list = field(default_factory=list)
    upload_error: str = ""


def _request_page(info_request, *, answers_form=None, message_form=None, upload_errors=None):
    """Everything the request page shows: letter, questions with the draft, submissions, messages."""
    questions = list(info_request.questions.order_by("position"))
    draft = selectors.request_draft(info_request)
    submissions = selectors.request_submissions(info_request)
    # The submission this page edits: the draft, or the one a first save will create.
    last_number = submissions[-1].number if submissions else 0
    number = draft.number if draft is not None else last_number + 1
    if answers_form is None:
        initial = {answer.question_id: answer.text for answer in draft.answers.all()} if draft else {}
        answers_form = AnswersForm(questions=questions, initial_answers=initial, initial={"number": number})
    files = list(draft.files.all()) if draft else []
    upload_errors = upload_errors or {}
    blocks = [
        QuestionBlock(
            question=question,
            answer_field=answers_form[AnswersForm.field_name(question)] if question.wants_text else None,
            files=[item for item in files if item.question_id == question.pk],
            upload_error=upload_errors.get(question.pk, ""),
        )
        for question in questions
    ]
    return {
        "info_request": info_request,
        "deadline": selectors.request_deadline(info_request),
        "blocks": blocks,
        "draft": draft,
        "number": number,
        "answers_form": answers_form,
        "submissions": submissions,
        "thread": selectors.request_messages(info_request),
        "message_form": message_form or MessageForm(),
        "answerable": info_request.is_answerable,
        "open_thread": info_request.status != RequestStatus.CLOSED,
        "max_upload_size": settings.EVIDENCE_MAX_UPLOAD_SIZE,
    }


class RequestMixin(PortalUserRequiredMixin):
    """A page on one of the organisation's requests (404 for another organisation's, as for a missing one)."""

    def get_info_request(self):
        if not hasattr(self, "_info_request"):
            self._info_request = selectors.portal_request_get(self.request.user, self.kwargs["pk"])
        return self._info_request

    def render_page(self, status=200, **overrides):
        context = {
            "organisation": self.organisation,
            **_request_page(self.get_info_request(), **overrides),
        }
        return render(self.request, "portal/request.html", context, status=status)


def _request_url(info_request, anchor: str = "") -> str:
    url = reverse("portal:request", args=[info_request.pk])
    return f"{url}#{anchor}" if anchor else url


class RequestView(RequestMixin, View):
    """A request: the letter, the questions with the draft's answers and documents, previous
    submissions (read-only, with their receipts) and the message thread."""

    def get(self, request, pk):
        info_request = self.get_info_request()
        access_record(
            actor=request.user,
            action=AccessAction.VIEW,
            object_type="info_request",
            object_id=info_request.pk,
            case_id=info_request.case_id,
            label=info_request.subject,
            request=request,
        )
        return self.render_page()


class _AlreadySubmittedError(Exception):
    """The page's submission was submitted meanwhile (a double click, another tab)."""


class AnswersView(RequestMixin, View):
    """Save the draft's text answers, or save them and submit (final, with its receipt)."""

    http_method_names = ["post"]

    def post(self, request, pk):
        info_request = self.get_info_request()
        questions = list(info_request.questions.order_by("position"))
        form = AnswersForm(request.POST, questions=questions)
        if not form.is_valid():
            return self.render_page(status=400, answers_form=form)
        submitting = request.POST.get("action") == "submit"
        if submitting and not form.cleaned_data["confirm"]:
            form.add_error("confirm", _("Tick this box to confirm that you submit a final answer."))
            return self.render_page(status=400, answers_form=form)
        number, ip = form.cleaned_data["number"], client_ip(request)
        try:
            # One transaction: draft_save locks the request's row until the submission commits, so a
            # second click waits, then finds its submission already made and leaves nothing behind.
            with transaction.atomic():
                draft = services.draft_save(actor=request.user, request=info_request, answers=form.answers(), ip=ip)
                if submitting:
                    if draft.number != number:
                        raise _AlreadySubmittedError
                    submission = services.submission_submit(actor=request.user, request=info_request, ip=ip)
        except _AlreadySubmittedError:
            return self._already_submitted(info_request, number)
        except ValidationError as error:
            if getattr(error, "code", None) == "already_submitted":
                return self._already_submitted(info_request, number)
            for message in error.messages:
                form.add_error(None, message)
            return self.render_page(status=400, answers_form=form)
        if submitting:
            messages.success(
                request, _("Your answer is submitted. Keep this receipt: it proves what you sent and when.")
            )
            return redirect("portal:receipt", number=submission.receipt_number)
        if draft.number != number:
            messages.info(request, _("Your previous answer was already submitted: this draft is a supplementary one."))
        messages.success(request, _("Your draft is saved. It is sent to the CNIL only when you submit it."))
        return redirect(_request_url(info_request, request.POST.get("anchor", "") or "answers"))

    def _already_submitted(self, info_request, number):
        submitted = {s.number: s for s in selectors.request_submissions(info_request)}.get(number)
        if submitted is None:
            messages.error(self.request, _("Nothing to submit: this answer has already been submitted."))
            return redirect(_request_url(info_request))
        messages.info(
            self.request,
            _("This answer was already submitted (receipt %(receipt)s): it is submitted only once.")
            % {"receipt": submitted.receipt_number},
        )
        return redirect("portal:receipt", number=submitted.receipt_number)


@method_decorator(csrf_exempt, name="dispatch")
class AnswerFileUploadView(RequestMixin, View):
    """A document for a question of the draft: streamed to a temporary file and hashed as it arrives.

    The progress-bar script (``static/evidence/upload.js``) sends one file as the raw request body;
    without JavaScript the form posts multipart. Over the size limit (413) or of a refused type
    (400): a clear message, and nothing is kept. The CSRF check runs inside, once the upload handler
    is in place.
    """

    http_method_names = ["post"]

    def post(self, request, pk, question_pk):
        info_request = self.get_info_request()
        question = info_request.questions.filter(pk=question_pk).first()
        if question is None:
            raise Http404
        if request.content_type == "application/octet-stream":
            return csrf_protect(self._post_raw)(request, info_request, question)
        request.upload_handlers = [HashingUploadHandler(request)]
        return csrf_protect(self._post_multipart)(request, info_request, question)

    def _screen(self, uploaded, info_request) -> None:
        """Size, type from the content and malware scan, before anything is stored (outside the
        transaction, so the audit event of a malware refusal is kept)."""
        evidence_services.upload_screen(
            uploaded, actor=self.request.user, case_id=info_request.case_id, ip=client_ip(self.request)
        )

    def _too_big(self) -> str:
        return _("The file is larger than the limit of %(size)s.") % {
            "size": filesizeformat(settings.EVIDENCE_MAX_UPLOAD_SIZE)
        }

    def _post_raw(self, request, info_request, question):
        try:
            uploaded = receive_raw_body(request)
        except RawBodyTooLargeError:
            return _text(self._too_big(), 413)
        except (RawBodyInterruptedError, UnreadablePostError, OSError):
            return _text(_("The upload was interrupted."), 400)
        try:
            self._screen(uploaded, info_request)
            item = services.draft_file_add(
                actor=request.user, request=info_request, question=question, upload=uploaded, ip=client_ip(request)
            )
        except ValidationError as error:
            return _text(_refusal(uploaded.name, error), 400)
        finally:
            uploaded.close()
        return self._done(info_request, question, [item], status=201)

    def _post_multipart(self, request, info_request, question):
        try:
            files = request.FILES.getlist("file")
        except UnreadablePostError:
            return self._refused(info_request, question, _("The upload was interrupted."), 400)
        except MultiPartParserError:  # e.g. a file name longer than the headers may be
            for handler in request.upload_handlers:
                if getattr(handler, "file", None) is not None:
                    handler.file.close()  # the temporary file the parser was writing
            return self._refused(info_request, question, _("The upload could not be read (malformed request)."), 400)
        handler = request.upload_handlers[0]
        try:
            if handler.too_big:
                return self._refused(info_request, question, self._too_big(), 413)
            if handler.truncated:
                return self._refused(info_request, question, _("The upload was interrupted."), 400)
            if not files:
                return self._refused(info_request, question, _("Choose a file to add."), 400)
            added = []
            try:
                for uploaded in files:  # every file judged before any is stored
                    try:
                        self._screen(uploaded, info_request)
                    except ValidationError as error:
                        raise ValidationError(_refusal(uploaded.name, error)) from error
                with transaction.atomic():  # several files: all of them or none
                    for uploaded in files:
                        try:
                            added.append(
                                services.draft_file_add(
                                    actor=request.user,
                                    request=info_request,
                                    question=question,
                                    upload=uploaded,
                                    ip=client_ip(request),
                                )
                            )
                        except ValidationError as error:
                            raise ValidationError(_refusal(uploaded.name, error)) from error
            except ValidationError as error:
                return self._refused(info_request, question, " ".join(error.messages), 400)
        finally:
            for uploaded in files:
                uploaded.close()  # removes the temporary file
        status = 201 if request.headers.get("Accept") == "application/json" else 302
        return self._done(info_request, question, added, status=status)

    def _refused(self, info_request, question, message: str, status: int):
        if self.request.headers.get("Accept") == "application/json":
            return _text(message, status)
        return self.render_page(status=status, upload_errors={question.pk: message})

    def _done(self, info_request, question, added, *, status):
        for item in added:
            messages.success(self.request, _("“%(name)s” is added to your draft.") % {"name": item.original_filename})
        location = _request_url(info_request, f"question-{question.pk}")
        if status == 201:
            return HttpResponse(status=201, headers={"Location": location})
        return redirect(location)


class AnswerFileRemoveView(PortalUserRequiredMixin, View):
    """Take a document out of the draft (a submitted one is final). The draft's texts, posted with the
    button, are saved first so nothing typed is lost."""

    http_method_names = ["post"]

    def post(self, request, pk):
        item = selectors.portal_file_get(request.user, pk)
        info_request = item.submission.request
        ip = client_ip(request)
        questions = list(info_request.questions.order_by("position"))
        form = AnswersForm(request.POST, questions=questions)
        try:
            with transaction.atomic():
                if form.is_valid() and form.answers():
                    services.draft_save(actor=request.user, request=info_request, answers=form.answers(), ip=ip)
                services.draft_file_remove(actor=request.user, file=item, ip=ip)
        except ValidationError as error:
            for message in error.messages:
                messages.error(request, message)
        else:
            messages.success(request, _("“%(name)s” is removed from your draft.") % {"name": item.original_filename})
        return redirect(_request_url(info_request, f"question-{item.question_id}"))


class MessagePostView(RequestMixin, View):
    """Write to the case team on the request's thread (text only)."""

    http_method_names = ["post"]

    def post(self, request, pk):
        info_request = self.get_info_request()
        form = MessageForm(request.POST)
        if form.is_valid():
            try:
                services.message_post(
                    actor=request.user, request=info_request, text=form.cleaned_data["text"], ip=client_ip(request)
                )
            except ValidationError as error:
                if hasattr(error, "error_dict"):
                    for name, errors in error.error_dict.items():
                        form.add_error(name if name in form.fields else None, errors)
                else:
                    form.add_error(None, error)
        if not form.is_valid():
            return self.render_page(status=400, message_form=form)
        messages.success(request, _("Your message is sent to the CNIL."))
        return redirect(_request_url(info_request, "messages"))


# --- Receipts ------------------------------------------------------------------------------------


class ReceiptView(PortalUserRequiredMixin, TemplateView):
    """A submission's receipt: what was sent, when (server time), and the hash that proves it."""

    template_name = "portal/receipt.html"

    def get_context_data(self, **kwargs):
        submission = selectors.portal_receipt_get(self.request.user, self.kwargs["number"])
        _receipt_accessed(self.request, submission, AccessAction.VIEW)
        return super().get_context_data(
            submission=submission,
            info_request=submission.request,
            receipt=selectors.receipt_context(submission),
            **kwargs,
        )


class ReceiptPDFView(PortalUserRequiredMixin, View):
    def get(self, request, number):
        submission = selectors.portal_receipt_get(request.user, number)
        response = HttpResponse(selectors.receipt_pdf(submission), content_type="application/pdf")
        _receipt_accessed(request, submission, AccessAction.DOWNLOAD)
        response["Content-Disposition"] = f'attachment; filename="recepisse-{submission.receipt_number}.pdf"'
        return response


# --- Helpers -------------------------------------------------------------------------------------


def _receipt_accessed(request, submission, action: str) -> None:
    access_record(
        actor=request.user,
        action=action,
        object_type="receipt",
        object_id=submission.pk,
        case_id=submission.request.case_id,
        label=submission.receipt_number,
        request=request,
    )


def _text(message: str, status: int) -> HttpResponse:
    return HttpResponse(message, status=status, content_type="text/plain; charset=utf-8")


def _refusal(name: str, error: ValidationError) -> str:
    return _("“%(name)s” is refused: %(reason)s") % {"name": display_filename(name), "reason": " ".join(error.messages)}
