from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

from apps.core.registry import demo_seeders


class CasesConfig(AppConfig):
    name = "apps.cases"
    label = "cases"
    verbose_name = _("Cases")

    def ready(self):
        from . import demo, tabs  # both import models: only once the registry is ready

        tabs.register()
        demo_seeders.register("cases", demo.seed_cases, order=50)
