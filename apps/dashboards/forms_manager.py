"""The managers' dashboard filters: period (months), sector, lead investigator."""

from __future__ import annotations

from datetime import date

from django import forms
from django.contrib.auth import get_user_model
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from apps.accounts.choices import Role, UserKind
from apps.organisations.models import Sector

from .stats import Filters

MAX_MONTHS = 120
TABLES = ("monthly", "open_status", "open_origin", "deadlines", "workload", "breaches", "indicators", "incidents")


def this_month() -> date:
    return timezone.localdate().replace(day=1)


def months_before(month: date, count: int) -> date:
    index = month.year * 12 + month.month - 1 - count
    return date(index // 12, index % 12 + 1, 1)


class MonthField(forms.DateField):
    """A month as ``YYYY-MM`` (the browser's month input); cleaned to its first day."""

    widget = forms.DateInput(attrs={"type": "month"}, format="%Y-%m")
    input_formats = ["%Y-%m"]
    default_error_messages = {"invalid": _("Enter a month as YYYY-MM.")}

    def __init__(self, **kwargs):
        super().__init__(input_formats=self.input_formats, **kwargs)


class InvestigatorChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj) -> str:
        return obj.get_full_name() or obj.email


class DashboardFilterForm(forms.Form):
    start = MonthField(label=_("From (month)"), required=False)
    end = MonthField(label=_("To (month)"), required=False)
    sector = forms.ModelChoiceField(label=_("Sector"), queryset=Sector.objects.all(), required=False)
    investigator = InvestigatorChoiceField(
        label=_("Lead investigator"),
        queryset=get_user_model()
        .objects.filter(kind=UserKind.STAFF, groups__name=Role.INVESTIGATOR)
        .distinct()
        .order_by("full_name", "pk"),
        required=False,
    )

    def clean(self):
        data = super().clean()
        end = data.get("end") or this_month()
        start = data.get("start") or months_before(end, 11)
        if "start" in self.errors or "end" in self.errors:
            return data
        if start > end:
            raise forms.ValidationError(_("The first month must come before the last one."))
        if months_before(end, MAX_MONTHS - 1) > start:
            raise forms.ValidationError(_("The period may cover at most %(count)d months.") % {"count": MAX_MONTHS})
        data["start"], data["end"] = start.replace(day=1), end.replace(day=1)
        return data

    def filters(self) -> Filters:
        data = self.cleaned_data
        return Filters(start=data["start"], end=data["end"], sector=data["sector"], investigator=data["investigator"])


class TableForm(forms.Form):
    """``?format=csv&table=…``: which table of the page to export."""

    table = forms.ChoiceField(
        choices=[(t, t) for t in TABLES],
        error_messages={
            "invalid_choice": _("There is no table “%(value)s” on this page."),
            "required": _("Say which table to export."),
        },
    )
