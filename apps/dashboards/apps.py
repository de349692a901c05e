from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DashboardsConfig(AppConfig):
    """Read-only views over every other app: the case timeline (and later dashboards, search, exports)."""

    name = "apps.dashboards"
    label = "dashboards"
    verbose_name = _("Dashboards")

    def ready(self) -> None:
        from . import report_tab, tabs  # imports every app's models: only once the registry is ready

        tabs.register()
        report_tab.register()
