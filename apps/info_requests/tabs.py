"""The Requests tab of the case page: the case's requests for information and its portal users."""

from django.utils.translation import gettext_lazy as _

from apps.core.registry import Tab, case_tabs

from . import selectors


def requests_context(case, request) -> dict:
    return {
        "requests": list(selectors.case_requests(case)),
        "accesses": selectors.case_portal_accesses(case),
    }


def register() -> None:
    case_tabs.register(Tab("requests", _("Requests"), "info_requests/tab.html", requests_context, order=35))
