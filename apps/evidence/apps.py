from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

from apps.core.registry import demo_seeders


class EvidenceConfig(AppConfig):
    name = "apps.evidence"
    label = "evidence"
    verbose_name = _("Evidence")

    def ready(self):
        from . import demo, tabs, text  # all import models: only once the registry is ready

        tabs.register()
        demo_seeders.register("evidence", demo.seed_evidence, order=55)
        # After every app's documents, before the audit chain is verified and anchored (999).
        demo_seeders.register("evidence_texts", text.seed_evidence_texts, order=990)
