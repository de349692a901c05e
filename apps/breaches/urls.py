from django.urls import path

from . import views

app_name = "breaches"

urlpatterns = [
    path("<int:pk>/breach/notifications/new/", views.NotificationCreateView.as_view(), name="notification_create"),
    path("<int:pk>/breach/no-notification/new/", views.NoNotificationCreateView.as_view(), name="no_notification"),
]
