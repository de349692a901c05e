"""My deadlines: what is due on my cases, overdue first."""

from django.utils import timezone
from django.views.generic import TemplateView

from apps.accounts.permissions import RoleRequiredMixin
from apps.cases.permissions import READER_ROLES

from . import selectors


class MyDeadlinesView(RoleRequiredMixin, TemplateView):
    template_name = "deadlines/mine.html"
    allowed_roles = READER_ROLES

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            pending=list(selectors.my_pending_deadlines(self.request.user)[:200]),
            recent=list(selectors.my_recently_closed_deadlines(self.request.user)[:100]),
            now=timezone.now(),
            **kwargs,
        )
