"""The Breach tab: per controller, the 72-hour status, the latest picture and each phase."""

from django.utils.translation import gettext_lazy as _

from apps.core.registry import Tab, case_tabs

from . import selectors


def breach_context(case, request) -> dict:
    rows = selectors.controller_rows(case)
    own = [row for row in rows if row.case.pk == case.pk]
    return {"rows": rows, "own_rows": own, "totals": selectors.campaign_totals(rows)}


def register() -> None:
    case_tabs.register(Tab("breach", _("Breach"), "breaches/tab.html", breach_context, order=25))
