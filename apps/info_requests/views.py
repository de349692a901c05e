"""Staff pages of requests for information."""

from django.views.generic import TemplateView

from apps.accounts.permissions import RoleRequiredMixin
from apps.cases import permissions as case_permissions

from . import selectors


class RequestView(RoleRequiredMixin, TemplateView):
    template_name = "info_requests/detail.html"
    allowed_roles = case_permissions.READER_ROLES

    def get_context_data(self, **kwargs):
        request = selectors.request_get_for_user(
            self.request.user, self.kwargs["pk"], self.kwargs["request_pk"], case_permissions.VIEW
        )
        return super().get_context_data(case=request.case, page=selectors.request_page(request), **kwargs)
