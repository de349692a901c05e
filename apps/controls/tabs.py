"""The Controls tab of the case page."""

from django.utils.translation import gettext_lazy as _

from apps.core.registry import Tab, case_tabs

from .models import Control


def controls_context(case, request) -> dict:
    return {
        "controls": list(
            Control.objects.filter(case=case).prefetch_related("agents", "documents").order_by("planned_start", "id")
        )
    }


def register() -> None:
    case_tabs.register(Tab("controls", _("Controls"), "controls/tab.html", controls_context, order=20))
