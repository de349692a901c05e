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
        from apps.core.registry import demo_seeders

        from . import home, tasks_stats  # the investigator's home panels; the dashboard's refresh task

        home.register()
        demo_seeders.register("dashboard_stats", tasks_stats.seed_dashboard_stats, order=995)
