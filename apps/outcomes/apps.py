from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


def _ensure_catalogue(sender, using="default", **kwargs):
    """After every migrate and flush: the obligation catalogue is there (only missing ones are added)."""
    from django.db import connections

    from .catalogue import ensure_catalogue
    from .models import Obligation

    if Obligation._meta.db_table in connections[using].introspection.table_names():
        ensure_catalogue(Obligation)


class OutcomesConfig(AppConfig):
    name = "apps.outcomes"
    label = "outcomes"
    verbose_name = _("Outcomes")

    def ready(self) -> None:
        from apps.core.registry import demo_seeders, transition_guards

        from . import demo, services, tabs

        tabs.register()
        post_migrate.connect(_ensure_catalogue, sender=self)
        transition_guards.register(services.closure_guard)
        demo_seeders.register("outcomes", demo.seed_outcomes, order=68)
