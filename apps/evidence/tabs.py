"""The Evidence tab of the case page: the inventory and any integrity alert."""

from django.utils.translation import gettext_lazy as _

from apps.core.registry import Tab, case_tabs

from . import selectors


def evidence_context(case, request) -> dict:
    return {
        "items": list(selectors.evidence_of_case(case).order_by("registered_at", "id")),
        "alerts": selectors.alerts_for_case(case),
    }


def register() -> None:
    case_tabs.register(Tab("evidence", _("Evidence"), "evidence/tab.html", evidence_context, order=30))
