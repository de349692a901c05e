"""Staff pages of requests for information: the case team invites portal users, drafts and sends
requests, reads the answers and receipts, writes on the thread, closes; readers read. Anything not
visible, or not changeable when a change is asked, answers 404 (``case_get_for_user``)."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse, HttpResponseBadRequest
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views import View
from django.views.generic import TemplateView

from apps.accounts.permissions import RoleRequiredMixin
from apps.audit.access import access_record
from apps.audit.choices import AccessAction
from apps.audit.services import client_ip
from apps.cases import permissions as case_permissions
from apps.core.forms import add_service_errors

from . import selectors, services
from .choices import SubmissionStatus
from .forms import EmptyForm, InviteForm, MessageForm, QuestionFormSet, ReceiptVerifyForm, RequestForm
from .models import PortalAccess, Submission


class CaseRequestMixin(RoleRequiredMixin):
    allowed_roles = case_permissions.READER_ROLES
    case_perm = case_permissions.CHANGE

    def get_case(self, perm=None):
        cache = f"_case_{perm or self.case_perm}"
        if not hasattr(self, cache):
            setattr(
                self,
                cache,
                case_permissions.case_get_for_user(self.request.user, self.kwargs["pk"], perm or self.case_perm),
            )
        return getattr(self, cache)

    def tab_url(self) -> str:
        return reverse("cases:tab", args=[self.kwargs["pk"], "requests"])


class InviteView(CaseRequestMixin, TemplateView):
    """Invite a person to act for a party's organisation on the case (the link goes by e-mail)."""

    template_name = "info_requests/invite.html"

    def get(self, request, pk):
        return self._render(InviteForm(case=self.get_case()))

    def post(self, request, pk):
        form = InviteForm(request.POST, case=self.get_case())
        if form.is_valid():
            try:
                access, _token = services.portal_invite(actor=request.user, ip=client_ip(request), **form.cleaned_data)
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                messages.success(
                    request,
                    _("Invitation sent to %(email)s: the link is valid for 7 days.") % {"email": access.user.email},
                )
                return redirect(self.tab_url())
        return self._render(form, status=400)

    def _render(self, form, status=200):
        return self.render_to_response(self.get_context_data(case=self.get_case(), form=form), status=status)


class AccessRevokeView(CaseRequestMixin, View):
    """POST only: end a portal user's access to the case at once."""

    http_method_names = ["post"]

    def post(self, request, pk, access_pk):
        access = get_object_or_404(PortalAccess.objects.select_related("user"), case=self.get_case(), pk=access_pk)
        try:
            services.portal_access_revoke(actor=request.user, access=access, ip=client_ip(request))
        except ValidationError as error:
            for message in error.messages:
                messages.error(request, message)
        else:
            messages.success(request, _("Access of %(email)s revoked.") % {"email": access.user.email})
        return redirect(self.tab_url())


class RequestCreateView(CaseRequestMixin, TemplateView):
    """Draft a request: letter, questions, period; to several parties, one isolated copy each."""

    template_name = "info_requests/request_form.html"

    def get(self, request, pk):
        return self._render(RequestForm(case=self.get_case()), QuestionFormSet(prefix="questions"))

    def post(self, request, pk):
        case = self.get_case()
        form = RequestForm(request.POST, case=case)
        questions = QuestionFormSet(request.POST, prefix="questions")
        if not (form.is_valid() and questions.is_valid()):
            return self._render(form, questions, status=400)
        try:
            created = services.request_create(
                actor=request.user,
                case=case,
                questions=[q for q in questions.cleaned_data if q],
                ip=client_ip(request),
                **form.cleaned_data,
            )
        except ValidationError as error:
            add_service_errors(form, error)
            return self._render(form, questions, status=400)
        messages.success(
            request,
            _("%(count)d draft request(s) recorded: check and send each one.") % {"count": len(created)},
        )
        return redirect(created[0] if len(created) == 1 else self.tab_url())

    def _render(self, form, questions, status=200):
        context = self.get_context_data(case=self.get_case(), form=form, questions=questions)
        return self.render_to_response(context, status=status)


class RequestView(CaseRequestMixin, TemplateView):
    """A request: status, deadline, questions, each submission with its answers, files (linking to their
    evidence item) and receipt, and the thread. The case team sends, closes and writes; each POST names
    an ``action``; a refused one re-renders the page with the refusal (400)."""

    template_name = "info_requests/detail.html"
    case_perm = case_permissions.VIEW

    def get_request(self, perm=None):
        cache = f"_request_{perm or self.case_perm}"
        if not hasattr(self, cache):
            setattr(
                self,
                cache,
                selectors.request_get_for_user(
                    self.request.user, self.kwargs["pk"], self.kwargs["request_pk"], perm or self.case_perm
                ),
            )
        return getattr(self, cache)

    def get_context_data(self, **kwargs):
        info_request = self.get_request()
        if self.request.method == "GET":  # a refused POST re-renders the page the reader already has
            access_record(
                actor=self.request.user,
                action=AccessAction.VIEW,
                object_type="info_request",
                object_id=info_request.pk,
                case_id=info_request.case_id,
                label=info_request.subject,
                request=self.request,
            )
        can_change = case_permissions.can_change(self.request.user, info_request.case)
        context = {"case": info_request.case, "page": selectors.request_page(info_request), "can_change": can_change}
        if can_change:
            forms_ = {"message_form": MessageForm(), "action_form": EmptyForm()}
            for key, form in forms_.items():
                context[key] = kwargs.pop(key, None) or form
                context[key].auto_id = f"id_{key}_%s"
        return super().get_context_data(**context, **kwargs)

    def post(self, request, pk, request_pk):
        info_request = self.get_request(case_permissions.CHANGE)
        ip, action = client_ip(request), request.POST.get("action")
        calls = {
            "send": (
                EmptyForm,
                "action_form",
                lambda data: services.request_send(actor=request.user, request=info_request, ip=ip),
            ),
            "close": (
                EmptyForm,
                "action_form",
                lambda data: services.request_close(actor=request.user, request=info_request, ip=ip),
            ),
            "message": (
                MessageForm,
                "message_form",
                lambda data: services.message_post(actor=request.user, request=info_request, ip=ip, **data),
            ),
        }
        if action not in calls:
            return HttpResponseBadRequest(_("Unknown action."), content_type="text/plain; charset=utf-8")
        form_class, key, call = calls[action]
        form = form_class(request.POST)
        if form.is_valid():
            try:
                call(form.cleaned_data)
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                messages.success(request, self.done[action])
                return redirect(request.path)
        return self.render_to_response(self.get_context_data(**{key: form}), status=400)

    @property
    def done(self) -> dict:
        return {
            "send": _("Request sent: the organisation's portal users are told, and the deadline runs."),
            "close": _("Request closed."),
            "message": _("Message sent."),
        }


class ReceiptPdfView(CaseRequestMixin, View):
    """The receipt of a submission of the case, as the organisation got it (PDF)."""

    case_perm = case_permissions.VIEW

    def get(self, request, pk, request_pk, submission_pk):
        info_request = selectors.request_get_for_user(request.user, pk, request_pk, case_permissions.VIEW)
        submission = get_object_or_404(
            Submission.objects.select_related("request__case", "request__organisation"),
            request=info_request,
            pk=submission_pk,
            status=SubmissionStatus.SUBMITTED,
        )
        response = HttpResponse(selectors.receipt_pdf(submission), content_type="application/pdf")
        access_record(
            actor=request.user,
            action=AccessAction.DOWNLOAD,
            object_type="receipt",
            object_id=submission.pk,
            case_id=info_request.case_id,
            label=submission.receipt_number,
            request=request,
        )
        response["Content-Disposition"] = f'attachment; filename="accuse-reception-{submission.receipt_number}.pdf"'
        return response


class ReceiptVerifyView(RoleRequiredMixin, TemplateView):
    """Verify a receipt from its number and hash: valid or not. Malformed input is a 400 with the rule.

    The case and organisation of a valid receipt are shown only to those who may see its case."""

    template_name = "info_requests/receipt_verify.html"
    allowed_roles = case_permissions.READER_ROLES

    def get(self, request):
        if not request.GET:
            return self.render_to_response(self.get_context_data(form=ReceiptVerifyForm()))
        form = ReceiptVerifyForm(request.GET)
        if not form.is_valid():
            return self.render_to_response(self.get_context_data(form=form), status=400)
        submission = services.receipt_verify(form.cleaned_data["number"], form.cleaned_data["sha256"])
        visible = None
        if submission is not None:
            try:
                case = case_permissions.case_get_for_user(request.user, submission.request.case_id)
            except Http404:
                case = None
            visible = submission if case is not None else None
        return self.render_to_response(
            self.get_context_data(form=form, checked=True, valid=submission is not None, submission=visible)
        )
