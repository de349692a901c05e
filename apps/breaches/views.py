"""Recording breach notifications and decisions not to notify, on a case the user may change."""

import csv
import io

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponse, StreamingHttpResponse, UnreadablePostError
from django.shortcuts import get_object_or_404, redirect, render
from django.template.defaultfilters import filesizeformat
from django.urls import reverse
from django.utils.decorators import method_decorator
from django.utils.translation import gettext as _
from django.views import View
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django.views.generic import FormView

from apps.accounts.permissions import RoleRequiredMixin
from apps.audit.access import access_record
from apps.audit.choices import AccessAction
from apps.audit.services import client_ip
from apps.cases import permissions as case_permissions
from apps.cases.choices import PartyRole
from apps.core.forms import add_service_errors
from apps.organisations.models import Organisation

from . import selectors, services
from .choices import IdentifierKind
from .forms import CampaignForm, CampaignImportForm, NoNotificationForm, NotificationForm
from .models import Campaign, CampaignImport
from .uploads import PseudonymisingUploadHandler


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


class CampaignEditView(BreachFormMixin, FormView):
    """Record or update a controller's Art. 34 campaign (a controller party of this case)."""

    template_name = "breaches/campaign_form.html"
    form_class = CampaignForm

    def get_controller(self):
        return get_object_or_404(
            Organisation.objects.filter(
                case_parties__case=self.get_case(), case_parties__role=PartyRole.CONTROLLER
            ).distinct(),
            pk=self.kwargs["controller_pk"],
        )

    def get_campaign(self):
        return selectors.campaign_for(self.get_case(), self.get_controller())

    def get_form_kwargs(self):
        kwargs = FormView.get_form_kwargs(self)
        campaign = self.get_campaign()
        if campaign is not None:
            kwargs["initial"] = {name: getattr(campaign, name) for name in services.CAMPAIGN_FIELDS}
        kwargs["counts_from_imports"] = bool(campaign and campaign.counts_from_imports)
        return kwargs

    def get_context_data(self, **kwargs):
        return super().get_context_data(controller=self.get_controller(), campaign=self.get_campaign(), **kwargs)

    def form_valid(self, form):
        values = {name: value for name, value in form.cleaned_data.items() if name in services.CAMPAIGN_FIELDS}
        for count in ("sent", "failed"):
            if count in values and values[count] is None:
                values[count] = 0
        try:
            services.campaign_record(
                actor=self.request.user,
                case=self.get_case(),
                controller=self.get_controller(),
                ip=client_ip(self.request),
                **values,
            )
        except ValidationError as error:
            add_service_errors(form, error)
            return self.form_invalid(form)
        messages.success(self.request, _("Campaign recorded."))
        return redirect(reverse("cases:tab", args=[self.get_case().pk, "breach"]) + "#campaigns")


class CampaignMixin(BreachFormMixin):
    def get_campaign(self):
        if not hasattr(self, "_campaign"):
            self._campaign = get_object_or_404(
                Campaign.objects.select_related("controller"), case=self.get_case(), pk=self.kwargs["campaign_pk"]
            )
        return self._campaign


@method_decorator(csrf_exempt, name="dispatch")
class CampaignImportView(CampaignMixin, View):
    """Upload a report: pseudonymised while it streams in, then imported by a Celery worker.

    The upload handler must be in place before the body is read, hence CSRF checked inside.
    """

    template_name = "breaches/campaign_import.html"

    def get(self, request, pk, campaign_pk):
        return self._render(CampaignImportForm())

    def post(self, request, pk, campaign_pk):
        campaign = self.get_campaign()
        request.upload_handlers = [
            PseudonymisingUploadHandler(request, nir=campaign.identifier_kind == IdentifierKind.NIR)
        ]
        return csrf_protect(self._post)(request, campaign)

    def _post(self, request, campaign):
        try:
            data, files = request.POST, request.FILES
        except UnreadablePostError:
            return HttpResponse(_("The upload was interrupted."), status=400, content_type="text/plain; charset=utf-8")
        handler = request.upload_handlers[0]
        if getattr(handler, "too_big", False):
            return HttpResponse(
                _("The report is larger than the limit of %(size)s.") % {"size": filesizeformat(handler.max_size)},
                status=413,
                content_type="text/plain; charset=utf-8",
            )
        form = CampaignImportForm(data, files)
        try:
            if not form.is_valid():
                return self._render(form, status=400)
            try:
                imported = services.campaign_import_start(
                    actor=request.user,
                    campaign=campaign,
                    report=form.cleaned_data["report"],
                    mode=form.cleaned_data["mode"],
                    ip=client_ip(request),
                )
            except ValidationError as error:
                add_service_errors(form, error)
                return self._render(form, status=400)
        finally:
            for uploaded in files.values():
                uploaded.close()  # the pseudonymised records' temporary file is removed
        messages.success(request, _("Report received: the import runs in the background."))
        return redirect("breaches:campaign_import_detail", pk=campaign.case_id, import_pk=imported.pk)

    def _render(self, form, status=200):
        campaign = self.get_campaign()
        return render(
            self.request,
            self.template_name,
            {
                "case": self.get_case(),
                "campaign": campaign,
                "form": form,
                "imports": selectors.campaign_imports(campaign),
            },
            status=status,
        )


class CampaignImportDetailView(RoleRequiredMixin, View):
    """An import's progress (polled while it runs) and its report of bad rows."""

    allowed_roles = case_permissions.READER_ROLES
    shown_errors = 200

    def get_import(self):
        case = case_permissions.case_get_for_user(self.request.user, self.kwargs["pk"])
        return case, get_object_or_404(
            CampaignImport.objects.select_related("campaign__controller", "created_by"),
            campaign__case=case,
            pk=self.kwargs["import_pk"],
        )

    def get(self, request, pk, import_pk):
        case, imported = self.get_import()
        if request.GET.get("format") == "csv":
            access_record(
                actor=request.user,
                action=AccessAction.EXPORT,
                object_type="campaign_import",
                object_id=imported.pk,
                case_id=case.pk,
                label=_("Bad rows of import #%(number)d") % {"number": imported.pk},
                request=request,
            )
            return self._csv(imported)
        template = (
            "breaches/campaign_import_status.html"
            if request.headers.get("HX-Request")
            else ("breaches/campaign_import_detail.html")
        )
        errors = list(imported.errors.all()[: self.shown_errors])
        response = render(request, template, {"case": case, "imported": imported, "errors": errors})
        if request.headers.get("HX-Request") and not imported.is_running:
            response["HX-Refresh"] = "true"  # done: reload once to show the whole report
        return response

    def _csv(self, imported):
        def rows():
            buffer = io.StringIO()
            writer = csv.writer(buffer)
            writer.writerow([_("line"), _("reason"), _("first seen on line")])
            for error in imported.errors.iterator(chunk_size=5000):
                writer.writerow([error.line_no, error.get_reason_display(), error.first_line or ""])
                yield buffer.getvalue()
                buffer.seek(0), buffer.truncate()
            yield buffer.getvalue()

        response = StreamingHttpResponse(rows(), content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="import-{imported.pk}-bad-rows.csv"'
        return response
