"""Recording and editing controls, on a case the user may change."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.views.generic import FormView

from apps.accounts.permissions import RoleRequiredMixin
from apps.audit.services import client_ip
from apps.cases import permissions as case_permissions
from apps.core.forms import add_service_errors

from . import services
from .forms import ControlForm
from .models import Control


class ControlFormView(RoleRequiredMixin, FormView):
    template_name = "controls/form.html"
    form_class = ControlForm
    allowed_roles = case_permissions.READER_ROLES

    def get_case(self):
        if not hasattr(self, "_case"):
            self._case = case_permissions.case_get_for_user(
                self.request.user, self.kwargs["pk"], case_permissions.CHANGE
            )
        return self._case

    def get_control(self) -> Control | None:
        control_pk = self.kwargs.get("control_pk")
        if control_pk is None:
            return None
        control = Control.objects.filter(case=self.get_case(), pk=control_pk).first()
        if control is None:
            raise Http404
        return control

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "case": self.get_case()}

    def get_initial(self):
        control = self.get_control()
        if control is None:
            return {}
        initial = {name: getattr(control, name) for name in services.CONTROL_FIELDS}
        initial["agents"] = list(control.agents.values_list("pk", flat=True))
        initial["documents"] = list(control.documents.values_list("pk", flat=True))
        return initial

    def get_context_data(self, **kwargs):
        return super().get_context_data(case=self.get_case(), control=self.get_control(), **kwargs)

    def form_valid(self, form):
        case, control = self.get_case(), self.get_control()
        try:
            if control is None:
                services.control_record(
                    actor=self.request.user,
                    case=case,
                    agents=form.cleaned_data["agents"],
                    documents=form.cleaned_data["documents"],
                    ip=client_ip(self.request),
                    **form.service_fields(),
                )
            else:
                services.control_update(
                    actor=self.request.user,
                    control=control,
                    agents=form.cleaned_data["agents"],
                    documents=form.cleaned_data["documents"],
                    ip=client_ip(self.request),
                    **form.service_fields(),
                )
        except ValidationError as error:
            add_service_errors(form, error)
            return self.form_invalid(form)
        messages.success(self.request, _("Control saved."))
        return redirect("cases:tab", pk=case.pk, tab="controls")
