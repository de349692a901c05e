from django.urls import path

from . import views

app_name = "info_requests"

urlpatterns = [
    path("<int:pk>/requests/<int:request_pk>/", views.RequestView.as_view(), name="detail"),
]
