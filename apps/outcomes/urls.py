from django.urls import path

from . import views, views_documents, views_procedure

app_name = "outcomes"

urlpatterns = [
    path(
        "<int:pk>/outcomes/<int:party_pk>/<int:obligation_pk>/",
        views.AssessmentView.as_view(),
        name="assessment",
    ),
    path("<int:pk>/outcomes/notices/new/", views.FormalNoticeCreateView.as_view(), name="notice_create"),
    path("<int:pk>/outcomes/notices/<int:notice_pk>/", views.FormalNoticeView.as_view(), name="notice"),
    path("<int:pk>/outcomes/turnover/", views.TurnoverView.as_view(), name="turnover"),
    path("<int:pk>/outcomes/decisions/new/", views.SanctionDecisionCreateView.as_view(), name="decision_create"),
    path("<int:pk>/outcomes/decisions/<int:decision_pk>/", views.SanctionDecisionView.as_view(), name="decision"),
    path(
        "<int:pk>/outcomes/procedures/new/",
        views_procedure.SanctionProcedureCreateView.as_view(),
        name="procedure_create",
    ),
    path(
        "<int:pk>/outcomes/procedures/<int:procedure_pk>/",
        views_procedure.SanctionProcedureView.as_view(),
        name="procedure",
    ),
    path("<int:pk>/outcomes/reports/<int:report_pk>/", views_procedure.SanctionReportView.as_view(), name="report"),
    path("<int:pk>/outcomes/hearings/<int:hearing_pk>/", views_procedure.HearingView.as_view(), name="hearing"),
    path(
        "<int:pk>/outcomes/liquidations/<int:liquidation_pk>/",
        views_procedure.LiquidationView.as_view(),
        name="liquidation",
    ),
    path(
        "<int:pk>/outcomes/documents/<slug:kind>/<int:object_pk>/",
        views_documents.DocumentGenerateView.as_view(),
        name="document_generate",
    ),
]
