"""The user's own notifications: list them, mark one or all read."""

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.views.generic import TemplateView, View

from apps.core.pagination import keyset_page

from . import selectors, services

PER_PAGE = 50


class NotificationListView(LoginRequiredMixin, TemplateView):
    """Anyone logged in (past the second factor, see the middleware) reads their own notifications."""

    template_name = "notifications/list.html"

    def get_context_data(self, **kwargs):
        page = keyset_page(
            selectors.notifications_for(self.request.user),
            self.request,
            order=("-created_at", "-id"),
            per_page=PER_PAGE,
        )
        return super().get_context_data(page=page, **kwargs)


class NotificationMarkReadView(LoginRequiredMixin, View):
    http_method_names = ["post"]

    def post(self, request, pk):
        notification = selectors.notification_get_for_user(request.user, pk)
        services.notification_mark_read(actor=request.user, notification=notification)
        return redirect("notifications:list")


class NotificationMarkAllReadView(LoginRequiredMixin, View):
    http_method_names = ["post"]

    def post(self, request):
        count = services.notifications_mark_all_read(actor=request.user)
        if count:
            messages.success(request, _("All notifications marked as read."))
        return redirect("notifications:list")
