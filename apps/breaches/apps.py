from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

from apps.core.registry import demo_seeders


class BreachesConfig(AppConfig):
    name = "apps.breaches"
    label = "breaches"
    verbose_name = _("Breach notifications")

    def ready(self):
        from . import demo, tabs  # they import models: only once the registry is ready

        tabs.register()
        demo_seeders.register("breaches", demo.seed_breaches, order=65)
        demo_seeders.register("campaigns", demo.seed_campaigns, order=66)
