from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ControlsConfig(AppConfig):
    name = "apps.controls"
    label = "controls"
    verbose_name = _("Controls")

    def ready(self):
        from . import tabs  # the tab imports models: only once the registry is ready

        tabs.register()
