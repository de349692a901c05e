from django.urls import path

from . import views

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
]
