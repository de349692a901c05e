from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

from apps.core.registry import demo_seeders


class EvidenceConfig(AppConfig):
    name = "apps.evidence"
    label = "evidence"
    verbose_name = _("Evidence")

    def ready(self):
        from . import demo, tabs  # both import models: only once the registry is ready

        tabs.register()
        demo_seeders.register("evidence", demo.seed_evidence, order=55)
