from django.urls import path

from . import views

app_name = "deadlines"

urlpatterns = [
    path("mine/", views.MyDeadlinesView.as_view(), name="mine"),
]
