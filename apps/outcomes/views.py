"""Assessing a party's obligation (and recording the finding of an infringement) on a case the user may change."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.generic import FormView

from apps.accounts.permissions import RoleRequiredMixin
from apps.audit.services import client_ip
from apps.cases import permissions as case_permissions
from apps.core.forms import add_service_errors

from . import selectors, services
from .forms import AssessmentForm
from .models import Obligation


class AssessmentView(RoleRequiredMixin, FormView):
    template_name = "outcomes/assessment_form.html"
    form_class = AssessmentForm
    allowed_roles = case_permissions.READER_ROLES

    def setup(self, request, *args, **kwargs):
        super().setup(request, *args, **kwargs)
        self._loaded = False

    def _load(self):
        if not self._loaded:
            self.case = case_permissions.case_get_for_user(
                self.request.user, self.kwargs["pk"], case_permissions.CHANGE
            )
            self.party = get_object_or_404(self.case.parties.select_related("organisation"), pk=self.kwargs["party_pk"])
            self.obligation = get_object_or_404(Obligation, pk=self.kwargs["obligation_pk"])
            self.assessment = selectors.assessment_for(self.party, self.obligation)
            self._loaded = True

    def get_form_kwargs(self):
        self._load()
        kwargs = {**super().get_form_kwargs(), "case": self.case}
        if self.assessment is not None:
            initial = {
                "status": self.assessment.status,
                "reasoning": self.assessment.reasoning,
                "evidence": list(self.assessment.evidence.all()),
            }
            finding = getattr(self.assessment, "finding", None)
            if finding is not None:
                initial |= {name: getattr(finding, name) for name in services.FINDING_FIELDS}
                initial["finding_evidence"] = list(finding.evidence.all())
            kwargs["initial"] = initial
        else:
            kwargs["initial"] = {"processing": self.party.processing}
        return kwargs

    def get_context_data(self, **kwargs):
        self._load()
        return super().get_context_data(
            case=self.case, party=self.party, obligation=self.obligation, assessment=self.assessment, **kwargs
        )

    def form_valid(self, form):
        data = form.cleaned_data
        finding = {name: data.get(name) for name in services.FINDING_FIELDS}
        finding["evidence"] = data["finding_evidence"]
        try:
            services.assessment_record(
                actor=self.request.user,
                party=self.party,
                obligation=self.obligation,
                status=data["status"],
                reasoning=data["reasoning"],
                evidence=data["evidence"],
                finding=finding,
                ip=client_ip(self.request),
            )
        except ValidationError as error:
            add_service_errors(form, error)
            return self.form_invalid(form)
        messages.success(self.request, _("Assessment recorded."))
        return redirect(reverse("cases:tab", args=[self.case.pk, "outcomes"]))
