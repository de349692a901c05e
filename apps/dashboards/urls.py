from django.urls import path

from . import views, views_exports, views_manager, views_search

app_name = "dashboards"

urlpatterns = [
    path("integrity/", views.IntegrityStatusView.as_view(), name="integrity"),
    # The managers' dashboard and its incident view (views_manager)
    path("dashboard/", views_manager.ManagerDashboardView.as_view(), name="manager"),
    path("dashboard/incident/", views_manager.IncidentFindView.as_view(), name="incident_find"),
    path("dashboard/incident/<int:pk>/", views_manager.IncidentView.as_view(), name="incident"),
    path("search/", views_search.SearchView.as_view(), name="search"),
    # Exports (CSV, streamed) and the case-file report
    path("exports/cases.csv", views_exports.CaseListExportView.as_view(), name="export_cases"),
    path("exports/my-deadlines.csv", views_exports.MyDeadlinesExportView.as_view(), name="export_my_deadlines"),
    path(
        "cases/<int:pk>/exports/deadlines.csv",
        views_exports.CaseDeadlinesExportView.as_view(),
        name="export_case_deadlines",
    ),
    path(
        "cases/<int:pk>/exports/evidence.csv",
        views_exports.EvidenceInventoryExportView.as_view(),
        name="export_evidence",
    ),
    path("cases/<int:pk>/case-file/", views_exports.ReportGenerateView.as_view(), name="report_generate"),
    path("cases/<int:pk>/case-file/<int:job_pk>/", views_exports.ReportJobView.as_view(), name="report_job"),
]
