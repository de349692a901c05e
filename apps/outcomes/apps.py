from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OutcomesConfig(AppConfig):
    name = "apps.outcomes"
    label = "outcomes"
    verbose_name = _("Outcomes")

    def ready(self) -> None:
        from apps.core.registry import demo_seeders

        from . import demo, tabs

        tabs.register()
        demo_seeders.register("outcomes", demo.seed_outcomes, order=68)
