from django.urls import path

from . import views

app_name = "dashboards"

urlpatterns = [
    path("integrity/", views.IntegrityStatusView.as_view(), name="integrity"),
]
