from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PortalConfig(AppConfig):
    """The organisation-facing pages: people acting for an organisation under investigation.

    Views and forms only; requests, answers, receipts and messages live in ``apps.info_requests``
    and are reached through its services and its organisation-scoped selectors.
    """

    name = "apps.portal"
    label = "portal"
    verbose_name = _("Organisation portal")
