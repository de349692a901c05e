from django.urls import path

from . import views

app_name = "breaches"

urlpatterns = [
    path("<int:pk>/breach/notifications/new/", views.NotificationCreateView.as_view(), name="notification_create"),
    path("<int:pk>/breach/no-notification/new/", views.NoNotificationCreateView.as_view(), name="no_notification"),
    path(
        "<int:pk>/breach/campaigns/<int:controller_pk>/",
        views.CampaignEditView.as_view(),
        name="campaign_edit",
    ),
    path(
        "<int:pk>/breach/campaigns/<int:campaign_pk>/import/",
        views.CampaignImportView.as_view(),
        name="campaign_import",
    ),
    path(
        "<int:pk>/breach/imports/<int:import_pk>/",
        views.CampaignImportDetailView.as_view(),
        name="campaign_import_detail",
    ),
]
