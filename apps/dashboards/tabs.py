"""The Timeline tab of the case page: everything about the case, newest first, filtered and paged."""

from django.utils.translation import gettext_lazy as _

from apps.core.registry import Tab, case_tabs

from . import selectors
from .choices import TimelineKind
from .forms import TimelineFilterForm, encode_cursor


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


def register() -> None:
    case_tabs.register(
        Tab("timeline", _("Timeline"), "dashboards/timeline.html", timeline_context, order=95, partial="results")
    )
