from django.db import models
from django.utils.translation import gettext_lazy as _


class ControlKind(models.TextChoices):
    ON_SITE = "on_site", _("On-site control")
    DOCUMENTARY = "documentary", _("Documentary control")
    HEARING = "hearing", _("Hearing")
    ONLINE = "online", _("Online control")
