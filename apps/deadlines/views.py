"""My deadlines, and deadlines added or extended by hand on a case the user may change."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.generic import FormView, TemplateView

from apps.accounts.permissions import RoleRequiredMixin
from apps.audit.services import client_ip
from apps.cases import permissions as case_permissions
from apps.cases.permissions import READER_ROLES
from apps.core.forms import add_service_errors

from . import selectors, services
from .forms import DeadlineForm, ExtensionForm
from .models import Deadline


class MyDeadlinesView(RoleRequiredMixin, TemplateView):
    template_name = "deadlines/mine.html"
    allowed_roles = READER_ROLES

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            pending=list(selectors.my_pending_deadlines(self.request.user)[:200]),
            recent=list(selectors.my_recently_closed_deadlines(self.request.user)[:100]),
            now=timezone.now(),
            **kwargs,
        )


class CaseDeadlineMixin(RoleRequiredMixin):
    allowed_roles = READER_ROLES

    def get_case(self):
        if not hasattr(self, "_case"):
            self._case = case_permissions.case_get_for_user(
                self.request.user, self.kwargs["pk"], case_permissions.CHANGE
            )
        return self._case

    def get_context_data(self, **kwargs):
        return super().get_context_data(case=self.get_case(), **kwargs)


class DeadlineCreateView(CaseDeadlineMixin, FormView):
    template_name = "deadlines/form.html"
    form_class = DeadlineForm

    def form_valid(self, form):
        try:
            services.deadline_create(
                actor=self.request.user, case=self.get_case(), ip=client_ip(self.request), **form.cleaned_data
            )
        except ValidationError as error:
            add_service_errors(form, error)
            return self.form_invalid(form)
        messages.success(self.request, _("Deadline added."))
        return redirect("cases:tab", pk=self.get_case().pk, tab="deadlines")


class DeadlineExtendView(CaseDeadlineMixin, FormView):
    template_name = "deadlines/form.html"
    form_class = ExtensionForm

    def get_deadline(self) -> Deadline:
        deadline = Deadline.objects.filter(case=self.get_case(), pk=self.kwargs["deadline_pk"]).first()
        if deadline is None:
            raise Http404
        return deadline

    def get_context_data(self, **kwargs):
        return super().get_context_data(deadline=self.get_deadline(), **kwargs)

    def form_valid(self, form):
        try:
            services.deadline_extend(
                actor=self.request.user, deadline=self.get_deadline(), ip=client_ip(self.request), **form.cleaned_data
            )
        except ValidationError as error:
            add_service_errors(form, error)
            return self.form_invalid(form)
        messages.success(self.request, _("Deadline extended."))
        return redirect("cases:tab", pk=self.get_case().pk, tab="deadlines")
