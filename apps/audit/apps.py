from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

from apps.core.registry import demo_seeders


class AuditConfig(AppConfig):
    name = "apps.audit"
    label = "audit"
    verbose_name = _("Audit")

    def ready(self):
        from . import demo  # it imports models: only once the registry is ready

        # Last: it vouches for everything the other steps wrote.
        demo_seeders.register("audit", demo.seed_audit, order=999)
