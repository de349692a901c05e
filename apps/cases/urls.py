from django.urls import path

from . import views

app_name = "cases"

urlpatterns = [
    path("", views.CaseListView.as_view(), name="list"),
    path("new/", views.CaseOpenView.as_view(), name="open"),
    path("<int:pk>/", views.CaseDetailView.as_view(), name="detail"),
    path("<int:pk>/tab/<slug:tab>/", views.CaseDetailView.as_view(), name="tab"),
    path("<int:pk>/edit/", views.CaseEditView.as_view(), name="edit"),
    path("<int:pk>/parties/new/", views.PartyAddView.as_view(), name="party_add"),
    path("<int:pk>/parties/<int:party_pk>/remove/", views.PartyRemoveView.as_view(), name="party_remove"),
    path("<int:pk>/fan-out/", views.FanOutView.as_view(), name="fan_out"),
    path("<int:pk>/transition/", views.TransitionView.as_view(), name="transition"),
    path("<int:pk>/assign/", views.AssignView.as_view(), name="assign"),
]
