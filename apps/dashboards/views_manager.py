"""The managers' dashboard and its incident view (managers only; anyone else gets a 404).

Thin views: the filter form checks the query string, ``stats`` reads the figures, ``manager_tables``
turns them into the tables shown, charted and exported. ``?format=csv&table=<slug>`` on the same URL,
with the same filters, streams that table as CSV; a bad filter or table is a 400 with the reason.
"""

from __future__ import annotations

from django.http import HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.views import View

from apps.accounts.choices import Role
from apps.accounts.permissions import RoleRequiredMixin
from apps.cases.models import Case
from apps.cases.permissions import case_get_for_user

from . import manager_tables as tables
from . import stats
from .forms_manager import DashboardFilterForm, TableForm

MANAGERS = frozenset({Role.MANAGER})


def _bad_request(errors) -> HttpResponse:
    lines = [str(e) for field_errors in errors.values() for e in field_errors]
    return HttpResponse("\n".join(lines), status=400, content_type="text/plain; charset=utf-8")


class ManagerDashboardView(RoleRequiredMixin, View):
    allowed_roles = MANAGERS
    template_name = "dashboards/manager.html"

    def tables(self, filters: stats.Filters, *, csv_table: str | None = None) -> dict:
        now = timezone.now()
        figures = stats.monthly(filters)
        open_now = stats.open_now(filters)
        if csv_table == "deadlines":
            return {"deadlines": tables.deadlines_table(stats.deadline_list(filters, now=now, limit=None))}
        counts = stats.deadline_counts(filters)
        return {
            "monthly": tables.monthly_table(figures),
            "breaches": tables.breaches_table(figures),
            "open_status": tables.open_status_table(open_now),
            "open_origin": tables.open_origin_table(open_now),
            "workload": tables.workload_table(stats.workload(open_now, counts)),
            "deadlines": tables.deadlines_table(list(stats.deadline_list(filters, now=now))),
            "indicators": tables.indicators_table(figures),
            "incidents": tables.incidents_table(stats.incidents(figures.incidents)),
            "_figures": figures,
            "_open": open_now,
            "_counts": counts,
        }

    def get(self, request):
        form = DashboardFilterForm(request.GET)
        wants_csv = request.GET.get("format") == "csv"
        if not form.is_valid():
            if wants_csv:
                return _bad_request(form.errors)
            return render(request, self.template_name, {"form": form}, status=400)
        filters = form.filters()
        if wants_csv:
            table_form = TableForm(request.GET)
            if not table_form.is_valid():
                return _bad_request(table_form.errors)
            slug = table_form.cleaned_data["table"]
            with translation.override("fr"):
                table = self.tables(filters, csv_table=slug)[slug]
            return tables.csv_response(table, f"tableau-de-bord-{slug}-{filters.start:%Y-%m}-{filters.end:%Y-%m}.csv")
        built = self.tables(filters)
        figures = built.pop("_figures")
        open_now = built.pop("_open")
        counts = built.pop("_counts")
        query = request.GET.copy()
        query.pop("format", None), query.pop("table", None)
        return render(
            request,
            self.template_name,
            {
                "form": form,
                "filters": filters,
                "snapshot": stats.snapshot(),
                "figures": figures,
                "open_now": open_now,
                "overdue_total": sum(o for o, _s in counts.values()),
                "soon_total": sum(s for _o, s in counts.values()),
                "t": built,
                "monthly_chart": tables.monthly_chart(figures),
                "breaches_chart": tables.breaches_chart(figures),
                "query": query.urlencode(),
            },
        )


class IncidentFindView(RoleRequiredMixin, View):
    """The incident form of the dashboard: a case reference, to that incident's page."""

    allowed_roles = MANAGERS

    def get(self, request):
        reference = (request.GET.get("reference") or "").strip()
        case = Case.objects.filter(reference=reference).only("pk").first() if reference else None
        if case is None:
            message = (
                _("No case has the reference “%(reference)s”.") % {"reference": reference}
                if reference
                else _("Enter the reference of the incident's case.")
            )
            return render(
                request, "dashboards/manager_incident_find.html", {"error": message, "reference": reference}, status=400
            )
        return HttpResponseRedirect(reverse("dashboards:incident", args=[case.pk]))


class IncidentView(RoleRequiredMixin, View):
    """One incident (a case and its fan-out cases): per controller, notification and Art. 34 campaign."""

    allowed_roles = MANAGERS
    template_name = "dashboards/manager_incident.html"

    def get(self, request, pk):
        case = case_get_for_user(request.user, pk)
        if case.origin_case_id:  # a fan-out case: its incident is the case it came from
            return HttpResponseRedirect(reverse("dashboards:incident", args=[case.origin_case_id]))
        rows, totals = stats.incident(case)
        if request.GET.get("format") == "csv":
            slug = request.GET.get("table", "")
            if slug != "controllers":
                message = (
                    _("There is no table “%(value)s” on this page.") % {"value": slug}
                    if slug
                    else _("Say which table to export.")
                )
                return _bad_request({"table": [message]})
            with translation.override("fr"):
                table = tables.incident_table(rows)
            return tables.csv_response(table, f"incident-{case.reference}.csv")
        return render(
            request,
            self.template_name,
            {"case": case, "table": tables.incident_table(rows), "totals": totals, "rows": rows},
        )
