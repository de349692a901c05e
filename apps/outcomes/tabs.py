"""The Outcomes tab: the party x obligation grid of the case."""

from django.utils.translation import gettext_lazy as _

from apps.core.registry import Tab, case_tabs

from . import selectors


def outcomes_context(case, request) -> dict:
    parties, rows = selectors.outcome_grid(case)
    return {
        "parties": parties,
        "rows": rows,
        "notices": list(selectors.case_formal_notices(case)),
        "procedures": list(selectors.case_procedures(case)),
        "decisions": list(selectors.case_decisions(case)),
    }


def register() -> None:
    case_tabs.register(Tab("outcomes", _("Outcomes"), "outcomes/tab.html", outcomes_context, order=50))
