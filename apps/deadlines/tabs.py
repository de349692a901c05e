"""The Deadlines tab of the case page."""

from django.utils.translation import gettext_lazy as _

from apps.core.registry import Tab, case_tabs

from .models import Deadline


def deadlines_context(case, request) -> dict:
    return {"deadlines": list(Deadline.objects.filter(case=case).prefetch_related("extensions").order_by("due_at"))}


def register() -> None:
    case_tabs.register(Tab("deadlines", _("Deadlines"), "deadlines/tab.html", deadlines_context, order=40))
