from django.urls import path

from . import views

app_name = "deadlines"

urlpatterns = [
    path("mine/", views.MyDeadlinesView.as_view(), name="mine"),
    path("calendar/", views.CalendarFeedView.as_view(), name="calendar"),
    path("calendar/<str:token>.ics", views.CalendarIcsView.as_view(), name="calendar_ics"),
    path("case/<int:pk>/new/", views.DeadlineCreateView.as_view(), name="create"),
    path("case/<int:pk>/<int:deadline_pk>/extend/", views.DeadlineExtendView.as_view(), name="extend"),
]
