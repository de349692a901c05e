from django.db import models
from django.utils.translation import gettext_lazy as _


class RelationshipKind(models.TextChoices):
    """GDPR Art. 28: a controller entrusts a processing to a processor, who may use a sub-processor."""

    PROCESSING = "processing", _("Controller → processor (Art. 28(3))")
    SUB_PROCESSING = "sub_processing", _("Processor → sub-processor (Art. 28(2),(4))")


COUNTRIES = [
    ("FR", _("France")),
    ("BE", _("Belgium")),
    ("DE", _("Germany")),
    ("ES", _("Spain")),
    ("IE", _("Ireland")),
    ("IT", _("Italy")),
    ("LU", _("Luxembourg")),
    ("NL", _("Netherlands")),
    ("PT", _("Portugal")),
    ("CH", _("Switzerland")),
    ("GB", _("United Kingdom")),
    ("US", _("United States")),
    ("ZZ", _("Other country")),
]
