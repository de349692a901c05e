from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

from apps.core.registry import case_opened_reactions, demo_seeders, transition_reactions


class DeadlinesConfig(AppConfig):
    name = "apps.deadlines"
    label = "deadlines"
    verbose_name = _("Deadlines")

    def ready(self):
        from . import demo, services, tabs  # they import models: only once the registry is ready

        tabs.register()
        transition_reactions.register(services.cancel_open_deadlines_on_closure)
        case_opened_reactions.register(services.complainant_deadline_on_opening)
        demo_seeders.register("deadlines", demo.seed_deadlines, order=70)
