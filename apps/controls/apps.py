from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

from apps.core.registry import demo_seeders


class ControlsConfig(AppConfig):
    name = "apps.controls"
    label = "controls"
    verbose_name = _("Controls")

    def ready(self):
        from . import demo, tabs  # both import models: only once the registry is ready

        tabs.register()
        demo_seeders.register("controls", demo.seed_controls, order=60)
