"""The search page: one box over everything a staff reader may see (apps/dashboards/search.py)."""

from django.views.generic import TemplateView

from apps.accounts.permissions import RoleRequiredMixin
from apps.cases.permissions import READER_ROLES

from . import search


class SearchView(RoleRequiredMixin, TemplateView):
    """Investigators, legal staff and managers: results grouped by kind, only from cases they may see."""

    template_name = "dashboards/search.html"
    allowed_roles = READER_ROLES

    def get_context_data(self, **kwargs):
        raw = self.request.GET.get("q")
        kind = self.request.GET.get("kind", "")
        kinds = (kind,) if kind in search.KINDS else search.KINDS
        groups, error = [], ""
        if raw is not None:
            try:
                groups = search.search(self.request.user, raw, kinds=kinds)
            except search.SearchQueryError as exc:
                error = str(exc)
        return super().get_context_data(
            query=(raw or "").strip(),
            kind=kind if kind in search.KINDS else "",
            groups=groups,
            total=sum(group.total for group in groups),
            capped=any(group.capped for group in groups),
            error=error,
            max_length=search.MAX_QUERY_LENGTH,
            **kwargs,
        )
