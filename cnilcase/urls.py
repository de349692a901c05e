from django.contrib import admin
from django.urls import include, path

urlpatterns = [
    path("", include("apps.core.urls")),
    path("", include("apps.accounts.urls")),
    path("cases/", include("apps.cases.urls")),
    path("cases/", include("apps.controls.urls")),
    path("cases/", include("apps.evidence.urls")),
    path("cases/", include("apps.breaches.urls")),
    path("cases/", include("apps.outcomes.urls")),
    path("cases/", include("apps.info_requests.urls")),
    path("deadlines/", include("apps.deadlines.urls")),
    path("notifications/", include("apps.notifications.urls")),
    path("organisations/", include("apps.organisations.urls")),
    path("portal/", include("apps.portal.urls")),
    path("", include("apps.dashboards.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
]
