from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class InfoRequestsConfig(AppConfig):
    """Requests for information to an organisation: staff side, portal accesses, answers, receipts."""

    name = "apps.info_requests"
    label = "info_requests"
    verbose_name = _("Requests for information")

    def ready(self) -> None:
        from apps.core.registry import demo_seeders

        from . import demo, tabs  # both import models: only once the registry is ready

        tabs.register()
        demo_seeders.register("info_requests", demo.seed_info_requests, order=69)
