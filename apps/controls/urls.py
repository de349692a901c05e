from django.urls import path

from . import views

app_name = "controls"

urlpatterns = [
    path("<int:pk>/controls/new/", views.ControlFormView.as_view(), name="create"),
    path("<int:pk>/controls/<int:control_pk>/edit/", views.ControlFormView.as_view(), name="edit"),
]
