"""Managers' pages of the dashboards app: the audit trail's integrity status."""

from django.views.generic import TemplateView

from apps.accounts.choices import Role
from apps.accounts.permissions import RoleRequiredMixin

from . import selectors


class IntegrityStatusView(RoleRequiredMixin, TemplateView):
    """Managers: last chain verification, last anchor, access-log sealing, evidence integrity alerts."""

    template_name = "dashboards/integrity.html"
    allowed_roles = frozenset({Role.MANAGER})

    def get_context_data(self, **kwargs):
        return super().get_context_data(status=selectors.integrity_status(), **kwargs)
