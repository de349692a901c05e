"""CSV exports (streamed) and the case-file report's pages.

Each export reads only what the user may see (the case list's own selector, ``case_get_for_user``
for a case: 404 for a case not theirs or missing) and is recorded in the access log once allowed.
"""

from __future__ import annotations

from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views import View

from apps.accounts.permissions import RoleRequiredMixin
from apps.audit.access import access_record
from apps.audit.choices import AccessAction
from apps.cases import permissions as case_permissions
from apps.cases import selectors as case_selectors

from . import exports, report_jobs
from .models import ReportJob


def _stamp() -> str:
    return timezone.localtime().strftime("%Y%m%d-%H%M")


class CaseListExportView(RoleRequiredMixin, View):
    """The case list as the user sees it, with the filters of the query string, every page of it."""

    allowed_roles = case_permissions.READER_ROLES

    def get(self, request):
        filters = case_selectors.CaseFilters.from_query(request.GET)
        queryset = case_selectors.case_list_for_user(request.user, filters)
        access_record(
            actor=request.user,
            action=AccessAction.EXPORT,
            object_type="case_list",
            label=_("Case list (CSV)") + (f" ?{request.GET.urlencode()}" if request.GET else ""),
            request=request,
        )
        return exports.csv_response(f"affaires-{_stamp()}.csv", exports.case_header, exports.case_rows(queryset))


class MyDeadlinesExportView(RoleRequiredMixin, View):
    """My deadlines, as on "My deadlines": pending first, then those met or missed in the last 30 days."""

    allowed_roles = case_permissions.READER_ROLES

    def get(self, request):
        access_record(
            actor=request.user,
            action=AccessAction.EXPORT,
            object_type="deadlines",
            label=_("My deadlines (CSV)"),
            request=request,
        )
        return exports.csv_response(
            f"mes-echeances-{_stamp()}.csv", exports.deadline_header, exports.my_deadline_rows(request.user)
        )


class CaseExportMixin(RoleRequiredMixin):
    allowed_roles = case_permissions.READER_ROLES

    def get_case(self):
        return case_permissions.case_get_for_user(self.request.user, self.kwargs["pk"])


class CaseDeadlinesExportView(CaseExportMixin, View):
    def get(self, request, pk):
        case = self.get_case()
        access_record(
            actor=request.user,
            action=AccessAction.EXPORT,
            object_type="deadlines",
            case_id=case.pk,
            label=_("Deadlines of %(reference)s (CSV)") % {"reference": case.reference},
            request=request,
        )
        filename = f"echeances-{exports.file_safe(case.reference)}.csv"
        return exports.csv_response(filename, exports.deadline_header, exports.case_deadline_rows(case))


class EvidenceInventoryExportView(CaseExportMixin, View):
    """The evidence inventory: descriptions and hashes, never the files (their downloads are custody events)."""

    def get(self, request, pk):
        case = self.get_case()
        access_record(
            actor=request.user,
            action=AccessAction.EXPORT,
            object_type="evidence_inventory",
            case_id=case.pk,
            label=_("Evidence inventory of %(reference)s (CSV)") % {"reference": case.reference},
            request=request,
        )
        filename = f"inventaire-preuves-{exports.file_safe(case.reference)}.csv"
        return exports.csv_response(filename, exports.evidence_header, exports.evidence_rows(case))


class ReportGenerateView(RoleRequiredMixin, View):
    """Ask for a case-file report: the case team and managers (the case's CHANGE permission) only."""

    allowed_roles = case_permissions.READER_ROLES
    http_method_names = ["post"]

    def post(self, request, pk):
        case = case_permissions.case_get_for_user(request.user, pk, case_permissions.CHANGE)
        job = report_jobs.report_request(actor=request.user, case=case)
        messages.info(request, _("The case-file report is being drawn up."))
        return redirect(job)


class ReportJobView(RoleRequiredMixin, View):
    """A report's progress (polled with HTMX while it runs), then a link to the evidence it became."""

    allowed_roles = case_permissions.READER_ROLES

    def get(self, request, pk, job_pk):
        case = case_permissions.case_get_for_user(request.user, pk)
        job = get_object_or_404(
            ReportJob.objects.select_related("evidence__blob", "requested_by"), case=case, pk=job_pk
        )
        template = "dashboards/report/job.html#status" if request.htmx else "dashboards/report/job.html"
        response = render(request, template, {"case": case, "job": job})
        if request.htmx and not job.is_running:
            response["HX-Refresh"] = "true"  # done: reload once to show the result
        return response
