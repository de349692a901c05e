"""The Timeline tab's filters and page cursor, read from the query string."""

from __future__ import annotations

import base64
import binascii
import json
from datetime import date, datetime, time, timedelta

from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from .choices import TimelineKind
from .selectors import TimelineFilters
from .sources import BY_CODE, PARIS, Cursor

# Outside these years a Paris midnight may not convert to UTC; nothing in a case is older anyway.
FIRST_YEAR, LAST_YEAR = 1900, 2999


def encode_cursor(cursor: Cursor) -> str:
    raw = json.dumps([cursor.at.isoformat(), cursor.source, cursor.id]).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(value: str) -> Cursor | None:
    """The cursor of a "older entries" link, or None if it was not made by :func:`encode_cursor`."""
    try:
        at, source, row_id = json.loads(base64.urlsafe_b64decode(value + "=" * (-len(value) % 4)))
        at = datetime.fromisoformat(at)
    except (binascii.Error, ValueError, TypeError, UnicodeDecodeError):
        return None
    if at.tzinfo is None or not (FIRST_YEAR <= at.year <= LAST_YEAR):
        return None
    if source not in BY_CODE or not isinstance(row_id, int) or isinstance(row_id, bool) or not 0 <= row_id < 2**63:
        return None
    return Cursor(at, source, row_id)


class TimelineFilterForm(forms.Form):
    """Kinds, actor and Europe/Paris dates; ``after`` is the cursor of the page's "older" link."""

    kind = forms.MultipleChoiceField(
        label=_("Kind"), choices=TimelineKind.choices, required=False, widget=forms.CheckboxSelectMultiple
    )
    actor = forms.TypedChoiceField(label=_("Actor"), coerce=int, empty_value=None, required=False)
    date_from = forms.DateField(
        label=pgettext_lazy("date range", "From"),
        required=False,
        widget=forms.DateInput(format="%Y-%m-%d", attrs={"type": "date"}),
    )
    date_to = forms.DateField(
        label=pgettext_lazy("date range", "To"),
        required=False,
        widget=forms.DateInput(format="%Y-%m-%d", attrs={"type": "date"}),
    )
    after = forms.CharField(label=_("Page"), required=False, max_length=200, widget=forms.HiddenInput)

    def __init__(self, *args, actors: list[tuple[int, str]], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["actor"].choices = [("", _("Anyone")), *actors]

    def _clean_year(self, name: str) -> date | None:
        value = self.cleaned_data.get(name)
        if value is not None and not (FIRST_YEAR <= value.year <= LAST_YEAR):
            raise forms.ValidationError(
                _("Enter a date between %(first)s and %(last)s."), params={"first": FIRST_YEAR, "last": LAST_YEAR}
            )
        return value

    def clean_date_from(self) -> date | None:
        return self._clean_year("date_from")

    def clean_date_to(self) -> date | None:
        return self._clean_year("date_to")

    def clean_after(self) -> Cursor | None:
        value = self.cleaned_data.get("after", "")
        if not value:
            return None
        cursor = decode_cursor(value)
        if cursor is None:
            raise forms.ValidationError(_("This page link is not valid: start again from the most recent entries."))
        return cursor

    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("date_from"), cleaned.get("date_to")
        if start and end and start > end:
            self.add_error("date_to", _("The end date comes before the start date."))
        return cleaned

    def filters(self) -> TimelineFilters:
        data = self.cleaned_data
        start, end = data.get("date_from"), data.get("date_to")
        return TimelineFilters(
            kinds=frozenset(data.get("kind") or ()),
            actor=data.get("actor"),
            since=datetime.combine(start, time.min, tzinfo=PARIS) if start else None,
            until=datetime.combine(end + timedelta(days=1), time.min, tzinfo=PARIS) if end else None,
            after=data.get("after"),
        )


class AccessFilterForm(forms.Form):
    """The "Who accessed this case" tab: one person's records, and the page's "older" keyset."""

    person = forms.TypedChoiceField(label=_("Person"), coerce=int, empty_value=None, required=False)
    before = forms.IntegerField(
        label=_("Page"), required=False, min_value=1, max_value=2**63 - 1, widget=forms.HiddenInput
    )

    def __init__(self, *args, people: list[tuple[int, str]], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["person"].choices = [("", _("Anyone")), *people]
