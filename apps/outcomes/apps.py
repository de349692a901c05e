from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OutcomesConfig(AppConfig):
    name = "apps.outcomes"
    label = "outcomes"
    verbose_name = _("Outcomes")

    def ready(self) -> None:
        from apps.core.registry import demo_seeders, transition_guards

        from . import demo, services, tabs

        tabs.register()
        transition_guards.register(services.closure_guard)
        demo_seeders.register("outcomes", demo.seed_outcomes, order=68)
