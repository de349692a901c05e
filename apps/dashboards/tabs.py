"""The case page's Timeline tab (everything about the case, newest first, filtered and paged) and its
"Who accessed this case" tab (the access log, for managers and the case lead)."""

from django.utils.translation import gettext_lazy as _

from apps.accounts.choices import Role
from apps.audit import selectors as audit_selectors
from apps.core.registry import Tab, case_tabs

from . import selectors
from .choices import TimelineKind
from .forms import AccessFilterForm, TimelineFilterForm, encode_cursor


def timeline_context(case, request) -> dict:
    """The case page has checked that the reader may see the case (404 otherwise)."""
    form = TimelineFilterForm(request.GET, actors=selectors.timeline_actors(case.pk))
    page = selectors.timeline_page(case.pk, form.filters()) if form.is_valid() else None
    older = newest = None
    if page is not None and page.next_cursor is not None:
        params = request.GET.copy()
        params["after"] = encode_cursor(page.next_cursor)
        older = params.urlencode()
    if form.is_valid() and form.cleaned_data.get("after") is not None:
        params = request.GET.copy()
        params.pop("after", None)
        newest = params.urlencode()
    return {
        "form": form,
        "page": page,
        "older_query": older,
        "newest_query": newest,
        "kinds": dict(TimelineKind.choices),
    }


def may_see_accesses(case, request) -> bool:
    """Managers and the case lead: the access log says who looked at what, which is itself sensitive."""
    user = request.user
    return Role.MANAGER in user.roles or (
        case.lead_investigator_id is not None and case.lead_investigator_id == user.pk
    )


def access_context(case, request) -> dict:
    people = list(audit_selectors.case_access_people(case.pk))
    choices = sorted(
        {(row["user_id"], row["user_name"]) for row in people if row["user_id"] is not None},
        key=lambda choice: choice[1],
    )
    form = AccessFilterForm(request.GET, people=choices)
    page = older = None
    if form.is_valid():
        page = audit_selectors.case_access_page(
            case.pk, user_id=form.cleaned_data["person"], before=form.cleaned_data["before"]
        )
        if page.next_before is not None:
            params = request.GET.copy()
            params["before"] = page.next_before
            older = params.urlencode()
    return {"form": form, "people": people, "page": page, "older_query": older}


def register() -> None:
    case_tabs.register(
        Tab("timeline", _("Timeline"), "dashboards/timeline.html", timeline_context, order=95, partial="results")
    )
    case_tabs.register(
        Tab(
            "accesses",
            _("Who accessed this case"),
            "dashboards/accesses.html",
            access_context,
            order=97,
            visible=may_see_accesses,
            partial="results",
        )
    )
