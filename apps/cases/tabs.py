"""The case page's own tabs and the organisation page's "cases" panel, registered in core."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from apps.core.registry import Tab, case_tabs, organisation_panels

from . import selectors
from .models import Case, CaseTransition


def parties_context(case: Case, request) -> dict:
    return {"parties": selectors.parties_of(case), "linked_cases": list(case.linked_cases.order_by("reference"))}


def transitions_context(case: Case, request) -> dict:
    return {"transitions": list(CaseTransition.objects.filter(case=case).select_related("actor").order_by("at", "id"))}


def history_context(case: Case, request) -> dict:
    """The case's history rows with their field-level differences, newest first."""
    records = list(case.history.select_related("history_user").order_by("history_date", "history_id"))
    entries = []
    previous = None
    for record in records:
        changes = []
        if previous is not None:
            delta = record.diff_against(previous, excluded_fields=["last_activity_at", "updated_at"])
            changes = [(change.field, change.old, change.new) for change in delta.changes]
        if previous is None or changes:
            entries.append({"record": record, "changes": changes})
        previous = record
    entries.reverse()
    return {"entries": entries}


def organisation_cases_context(organisation, request) -> dict:
    return {"cases": selectors.cases_of_organisation(request.user, organisation)}


def register() -> None:
    case_tabs.register(Tab("parties", _("Parties"), "cases/tabs/parties.html", parties_context, order=10))
    case_tabs.register(Tab("transitions", _("Procedure"), "cases/tabs/transitions.html", transitions_context, order=80))
    case_tabs.register(Tab("history", _("History"), "cases/tabs/history.html", history_context, order=90))
    organisation_panels.register(
        Tab("cases", _("Cases it is party to"), "cases/organisation_cases.html", organisation_cases_context)
    )
