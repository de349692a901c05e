"""Recording breach notifications and decisions not to notify, on a case the user may change."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.views.generic import FormView

from apps.accounts.permissions import RoleRequiredMixin
from apps.audit.services import client_ip
from apps.cases import permissions as case_permissions
from apps.cases.choices import PartyRole
from apps.core.forms import add_service_errors
from apps.organisations.models import Organisation

from . import services
from .forms import NoNotificationForm, NotificationForm


class BreachFormMixin(RoleRequiredMixin):
    allowed_roles = case_permissions.READER_ROLES

    def get_case(self):
        if not hasattr(self, "_case"):
            self._case = case_permissions.case_get_for_user(
                self.request.user, self.kwargs["pk"], case_permissions.CHANGE
            )
        return self._case

    def get_form_kwargs(self):
        controllers = Organisation.objects.filter(
            case_parties__case=self.get_case(), case_parties__role=PartyRole.CONTROLLER
        ).distinct()
        return {**super().get_form_kwargs(), "controllers": controllers}

    def get_context_data(self, **kwargs):
        return super().get_context_data(case=self.get_case(), **kwargs)


class NotificationCreateView(BreachFormMixin, FormView):
    template_name = "breaches/form.html"
    form_class = NotificationForm

    def form_valid(self, form):
        data = dict(form.cleaned_data)
        try:
            services.breach_notification_record(
                actor=self.request.user, case=self.get_case(), ip=client_ip(self.request), **data
            )
        except ValidationError as error:
            add_service_errors(form, error)
            return self.form_invalid(form)
        messages.success(self.request, _("Notification recorded."))
        return redirect("cases:tab", pk=self.get_case().pk, tab="breach")


class NoNotificationCreateView(BreachFormMixin, FormView):
    template_name = "breaches/form.html"
    form_class = NoNotificationForm

    def form_valid(self, form):
        try:
            services.no_notification_record(
                actor=self.request.user, case=self.get_case(), ip=client_ip(self.request), **form.cleaned_data
            )
        except ValidationError as error:
            add_service_errors(form, error)
            return self.form_invalid(form)
        messages.success(self.request, _("Decision recorded."))
        return redirect("cases:tab", pk=self.get_case().pk, tab="breach")
