"""Staff pages for organisations: list, register, edit, establishments, processing relationships."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.views.generic import FormView, TemplateView

from apps.accounts.choices import Role
from apps.accounts.permissions import RoleRequiredMixin
from apps.audit.services import client_ip
from apps.core.forms import add_service_errors
from apps.core.pagination import keyset_page
from apps.core.registry import organisation_panels

from . import selectors, services
from .forms import EstablishmentForm, OrganisationForm, RelationshipForm
from .models import Organisation

READERS = frozenset({Role.INVESTIGATOR, Role.MANAGER, Role.LEGAL})
EDITORS = frozenset({Role.INVESTIGATOR, Role.MANAGER})


def _apply_service_errors(form, error: ValidationError) -> None:
    """Show a service refusal on the form; a duplicate SIREN links to the existing organisation."""
    if isinstance(error, services.DuplicateSiren):
        form.add_error(
            "siren",
            format_html(
                '{} <a href="{}">{}</a>',
                _("An organisation with this SIREN already exists:"),
                error.existing.get_absolute_url(),
                error.existing.legal_name,
            ),
        )
        return
    add_service_errors(form, error)


class OrganisationMixin:
    def get_organisation(self) -> Organisation:
        try:
            return selectors.organisation_get(self.kwargs["pk"])
        except (Organisation.DoesNotExist, ValueError) as exc:
            raise Http404 from exc


class OrganisationListView(RoleRequiredMixin, TemplateView):
    template_name = "organisations/list.html"
    allowed_roles = READERS

    def get_context_data(self, **kwargs):
        search = self.request.GET.get("q", "")[:100]
        page = keyset_page(
            selectors.organisation_list(search=search), self.request, order=("legal_name", "id"), per_page=50
        )
        return super().get_context_data(page=page, search=search, **kwargs)


class OrganisationCreateView(RoleRequiredMixin, FormView):
    template_name = "organisations/form.html"
    form_class = OrganisationForm
    allowed_roles = EDITORS

    def form_valid(self, form):
        try:
            organisation = services.organisation_create(
                actor=self.request.user, ip=client_ip(self.request), **form.cleaned_data
            )
        except ValidationError as error:
            _apply_service_errors(form, error)
            return self.form_invalid(form)
        messages.success(self.request, _("Organisation registered."))
        return redirect(organisation)


class OrganisationEditView(RoleRequiredMixin, OrganisationMixin, FormView):
    template_name = "organisations/form.html"
    form_class = OrganisationForm
    allowed_roles = EDITORS

    def get_initial(self):
        organisation = self.get_organisation()
        return {name: getattr(organisation, name) for name in services.ORGANISATION_FIELDS}

    def get_context_data(self, **kwargs):
        return super().get_context_data(organisation=self.get_organisation(), **kwargs)

    def form_valid(self, form):
        organisation = self.get_organisation()
        try:
            services.organisation_update(
                actor=self.request.user, organisation=organisation, ip=client_ip(self.request), **form.cleaned_data
            )
        except ValidationError as error:
            _apply_service_errors(form, error)
            return self.form_invalid(form)
        messages.success(self.request, _("Organisation updated."))
        return redirect(organisation)


class OrganisationDetailView(RoleRequiredMixin, OrganisationMixin, TemplateView):
    template_name = "organisations/detail.html"
    allowed_roles = READERS

    def get_context_data(self, **kwargs):
        organisation = self.get_organisation()
        panels = [
            (panel, panel.context(organisation, self.request))
            for panel in organisation_panels.all()
            if panel.visible(organisation, self.request)
        ]
        return super().get_context_data(
            organisation=organisation,
            establishments=list(organisation.establishments.all()),
            relationships=selectors.relationships_of(organisation),
            panels=panels,
            can_edit=bool(self.request.user.roles & EDITORS),
            **kwargs,
        )


class EstablishmentAddView(RoleRequiredMixin, OrganisationMixin, FormView):
    template_name = "organisations/establishment_form.html"
    form_class = EstablishmentForm
    allowed_roles = EDITORS

    def get_context_data(self, **kwargs):
        return super().get_context_data(organisation=self.get_organisation(), **kwargs)

    def form_valid(self, form):
        organisation = self.get_organisation()
        try:
            services.establishment_add(
                actor=self.request.user, organisation=organisation, ip=client_ip(self.request), **form.cleaned_data
            )
        except ValidationError as error:
            _apply_service_errors(form, error)
            return self.form_invalid(form)
        messages.success(self.request, _("Establishment added."))
        return redirect(organisation)


class RelationshipCreateView(RoleRequiredMixin, FormView):
    template_name = "organisations/relationship_form.html"
    form_class = RelationshipForm
    allowed_roles = EDITORS

    def get_initial(self):
        initial = {}
        for key in ("client", "provider"):
            value = self.request.GET.get(key, "")
            if value.isdigit():
                initial[key] = value
        return initial

    def form_valid(self, form):
        try:
            relationship = services.relationship_record(
                actor=self.request.user, ip=client_ip(self.request), **form.cleaned_data
            )
        except ValidationError as error:
            _apply_service_errors(form, error)
            return self.form_invalid(form)
        messages.success(self.request, _("Processing relationship recorded."))
        return redirect(relationship.client)
