from django.urls import path

from . import views

app_name = "outcomes"

urlpatterns = [
    path(
        "<int:pk>/outcomes/<int:party_pk>/<int:obligation_pk>/",
        views.AssessmentView.as_view(),
        name="assessment",
    ),
]
