"""Staff pages for cases: thin views over ``selectors``, ``permissions`` and ``services``."""

import logging

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db import InterfaceError, OperationalError
from django.http import Http404
from django.shortcuts import redirect
from django.utils.cache import patch_vary_headers
from django.utils.translation import gettext as _
from django.views.generic import FormView, TemplateView, View

from apps.accounts.choices import Role
from apps.accounts.permissions import RoleRequiredMixin
from apps.audit.access import access_record
from apps.audit.choices import AccessAction
from apps.audit.services import client_ip
from apps.core.forms import add_service_errors
from apps.core.pagination import keyset_page
from apps.core.registry import case_tabs
from apps.organisations.models import Sector

from . import permissions, selectors, services
from .choices import CaseStatus, LegalRegime, Origin, Priority
from .forms import AssignForm, CaseForm, CaseOpenForm, PartyForm, TransitionForm
from .models import Case, Party

READERS = permissions.READER_ROLES
OPENERS = frozenset({Role.INVESTIGATOR, Role.MANAGER})
DEFAULT_TAB = "parties"
logger = logging.getLogger(__name__)


class CaseMixin:
    """Loads the case through the one permission check; ``case_perm`` says what the page needs."""

    case_perm = permissions.VIEW
    case_queryset = None  # what the page reads with the case (select_related), all cases by default

    def get_case(self):
        if not hasattr(self, "_case"):
            self._case = permissions.case_get_for_user(
                self.request.user, self.kwargs["pk"], self.case_perm, queryset=self.case_queryset
            )
        return self._case


class CaseListView(RoleRequiredMixin, TemplateView):
    template_name = "cases/list.html"
    allowed_roles = READERS

    def get_template_names(self):
        # HTMX asks for the rows only: the same template, its named partial.
        return ["cases/list.html#results"] if self.request.htmx else ["cases/list.html"]

    def get_context_data(self, **kwargs):
        filters = selectors.CaseFilters.from_query(self.request.GET)
        page = keyset_page(
            selectors.case_list_keys(selectors.case_list_for_user(self.request.user, filters)),
            self.request,
            order=("-last_activity_at", "-id"),
            per_page=25,
            load=selectors.cases_in_order,
        )
        return super().get_context_data(
            page=page,
            filters=filters,
            statuses=CaseStatus.choices,
            origins=Origin.choices,
            regimes=LegalRegime.choices,
            priorities=Priority.choices,
            sectors=Sector.objects.all(),
            assignees=AssignForm.base_fields["team"].queryset,
            can_open=bool(self.request.user.roles & OPENERS),
            **kwargs,
        )


class CaseOpenView(RoleRequiredMixin, FormView):
    template_name = "cases/open.html"
    form_class = CaseOpenForm
    allowed_roles = OPENERS

    def form_valid(self, form):
        try:
            case = services.case_open(
                actor=self.request.user,
                complainant=form.complainant(),
                ip=client_ip(self.request),
                **form.case_fields(),
            )
        except ValidationError as error:
            add_service_errors(form, error)
            return self.form_invalid(form)
        messages.success(self.request, _("Case %(reference)s opened.") % {"reference": case.reference})
        return redirect(case)


class CaseDetailView(RoleRequiredMixin, CaseMixin, TemplateView):
    """The case page: a header, then the tabs registered in core's registry."""

    template_name = "cases/detail.html"
    allowed_roles = READERS
    # The header names the lead: read with the case, not by a query of its own on every tab.
    case_queryset = Case.objects.select_related("lead_investigator")

    def get_template_names(self):
        # A tab with a partial answers HTMX with that fragment only: one code path, the same checks.
        tab = getattr(self, "current_tab", None)
        if self.request.htmx and tab is not None and tab.partial:
            return [f"{tab.template}#{tab.partial}"]
        return super().get_template_names()

    def render_to_response(self, context, **response_kwargs):
        response = super().render_to_response(context, **response_kwargs)
        patch_vary_headers(response, ["HX-Request"])  # the fragment and the page share a URL
        return response

    def get_context_data(self, **kwargs):
        case = self.get_case()
        slug = self.kwargs.get("tab", DEFAULT_TAB)
        tabs = [tab for tab in case_tabs.all() if tab.visible(case, self.request)]
        current = next((tab for tab in tabs if tab.slug == slug), None)
        if current is None:
            raise Http404
        self.current_tab = current
        can_change = permissions.can_change(self.request.user, case)
        self.request.case_can_change = can_change  # read by the tabs' context functions
        access_record(
            actor=self.request.user,
            action=AccessAction.VIEW,
            object_type="case",
            object_id=case.pk,
            case_id=case.pk,
            label=f"{case.reference} ({current.slug})",
            request=self.request,
        )
        tab_context = current.context(case, self.request)
        return super().get_context_data(
            case=case,
            tabs=tabs,
            current_tab=current,
            tab_context=tab_context,
            ctx=tab_context,
            can_change=can_change,
            can_assign=Role.MANAGER in self.request.user.roles,
            transition_form=TransitionForm(case=case) if can_change else None,
            **kwargs,
        )


class CaseEditView(RoleRequiredMixin, CaseMixin, FormView):
    template_name = "cases/edit.html"
    form_class = CaseForm
    allowed_roles = READERS
    case_perm = permissions.CHANGE

    def get_initial(self):
        case = self.get_case()
        return {name: getattr(case, name) for name in services.CASE_EDITABLE_FIELDS}

    def get_context_data(self, **kwargs):
        return super().get_context_data(case=self.get_case(), **kwargs)

    def form_valid(self, form):
        case = services.case_update(
            actor=self.request.user, case=self.get_case(), ip=client_ip(self.request), **form.cleaned_data
        )
        messages.success(self.request, _("Case updated."))
        return redirect(case)


class PartyAddView(RoleRequiredMixin, CaseMixin, FormView):
    template_name = "cases/party_form.html"
    form_class = PartyForm
    allowed_roles = READERS
    case_perm = permissions.CHANGE

    def get_context_data(self, **kwargs):
        return super().get_context_data(case=self.get_case(), **kwargs)

    def form_valid(self, form):
        case = self.get_case()
        try:
            services.party_add(actor=self.request.user, case=case, ip=client_ip(self.request), **form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error)
            return self.form_invalid(form)
        messages.success(self.request, _("Party added."))
        return redirect("cases:tab", pk=case.pk, tab="parties")


class PartyRemoveView(RoleRequiredMixin, CaseMixin, View):
    http_method_names = ["post"]
    allowed_roles = READERS
    case_perm = permissions.CHANGE

    def post(self, request, pk, party_pk):
        case = self.get_case()
        party = Party.objects.filter(case=case, pk=party_pk).select_related("organisation").first()
        if party is None:
            raise Http404
        try:
            services.party_remove(actor=request.user, party=party, ip=client_ip(request))
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(request, _("Party removed."))
        return redirect("cases:tab", pk=case.pk, tab="parties")


class FanOutView(RoleRequiredMixin, CaseMixin, View):
    http_method_names = ["post"]
    allowed_roles = READERS
    case_perm = permissions.CHANGE

    def post(self, request, pk):
        case = self.get_case()
        try:
            opened = services.case_fan_out(actor=request.user, case=case, ip=client_ip(request))
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            if opened:
                messages.success(
                    request, _("%(count)d linked case(s) opened for the controllers.") % {"count": len(opened)}
                )
            else:
                messages.info(request, _("Every controller served already has its linked case."))
        return redirect("cases:tab", pk=case.pk, tab="parties")


class TransitionView(RoleRequiredMixin, CaseMixin, FormView):
    template_name = "cases/transition.html"
    allowed_roles = READERS
    case_perm = permissions.CHANGE

    def get_form(self, form_class=None):
        return TransitionForm(**self.get_form_kwargs(), case=self.get_case())

    def get_context_data(self, **kwargs):
        return super().get_context_data(case=self.get_case(), **kwargs)

    def form_valid(self, form):
        case = self.get_case()
        try:
            services.case_transition(
                actor=self.request.user,
                case=case,
                to_status=form.cleaned_data["to_status"],
                reason=form.cleaned_data["reason"],
                expected_status=form.cleaned_data["expected_status"],
                deciding_body=form.cleaned_data["deciding_body"],
                decision_reference=form.cleaned_data["decision_reference"],
                ip=client_ip(self.request),
            )
        except ValidationError as error:
            add_service_errors(form, error)
            return self.form_invalid(form)
        except (OperationalError, InterfaceError):
            # The database connection was lost mid-change (restart, failover, terminated backend): the
            # service's one transaction is rolled back whole, so the page says so and offers a retry.
            logger.exception("case %s: transition interrupted by a database failure", case.pk)
            form.add_error(None, _("The database could not be reached: the status was not changed. Try again."))
            response = self.form_invalid(form)
            response.status_code = 503
            return response
        messages.success(self.request, _("Status changed."))
        return redirect("cases:tab", pk=case.pk, tab="transitions")


class AssignView(RoleRequiredMixin, CaseMixin, FormView):
    template_name = "cases/assign.html"
    form_class = AssignForm
    allowed_roles = frozenset({Role.MANAGER})
    case_perm = permissions.ASSIGN

    def get_initial(self):
        case = self.get_case()
        return {"lead": case.lead_investigator_id, "team": [u.pk for u in services.case_team(case)]}

    def get_context_data(self, **kwargs):
        return super().get_context_data(case=self.get_case(), **kwargs)

    def form_valid(self, form):
        case = self.get_case()
        try:
            services.case_assign(
                actor=self.request.user,
                case=case,
                lead=form.cleaned_data["lead"],
                team=list(form.cleaned_data["team"]),
                ip=client_ip(self.request),
            )
        except ValidationError as error:
            add_service_errors(form, error)
            return self.form_invalid(form)
        messages.success(self.request, _("Team updated."))
        return redirect(case)
