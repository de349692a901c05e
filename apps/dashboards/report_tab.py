"""The case page's "Case file" tab: draw up the case-file report (PDF), follow it, and the CSV exports of the case."""

from django.utils.translation import gettext_lazy as _

from apps.core.registry import Tab, case_tabs

from .models import ReportJob

SHOWN_JOBS = 10


def report_tab_context(case, request) -> dict:
    """The case page has checked that the reader may see the case; generating needs its CHANGE permission."""
    jobs = list(ReportJob.objects.filter(case=case).select_related("evidence", "requested_by")[:SHOWN_JOBS])
    return {"jobs": jobs, "can_generate": getattr(request, "case_can_change", False)}


def register() -> None:
    case_tabs.register(Tab("case-file", _("Case file"), "dashboards/report/tab.html", report_tab_context, order=98))
