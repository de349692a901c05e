from django import forms
from django.contrib.auth import get_user_model
from django.utils.translation import gettext_lazy as _

from apps.accounts.choices import Role
from apps.evidence.models import Evidence

from .choices import ControlKind

DATETIME = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")


class ControlForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind"), choices=ControlKind.choices)
    decision_reference = forms.CharField(label=_("President's decision reference"), max_length=120)
    mission_order_reference = forms.CharField(label=_("Mission order reference"), max_length=120, required=False)
    agents = forms.ModelMultipleChoiceField(
        label=_("Habilitated agents"),
        queryset=get_user_model().objects.filter(is_active=True, groups__name=Role.INVESTIGATOR).distinct(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    planned_start = forms.DateTimeField(label=_("Planned start"), required=False, widget=DATETIME)
    planned_end = forms.DateTimeField(label=_("Planned end"), required=False, widget=DATETIME)
    actual_arrival = forms.DateTimeField(label=_("Arrival (on site)"), required=False, widget=DATETIME)
    actual_departure = forms.DateTimeField(label=_("Departure (on site)"), required=False, widget=DATETIME)
    prosecutor_informed_at = forms.DateTimeField(
        label=_("Prosecutor informed at (on site)"), required=False, widget=DATETIME
    )
    convocation_received_on = forms.DateField(
        label=_("Convocation received on (hearing)"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    person_in_charge = forms.CharField(label=_("Person in charge met"), max_length=200, required=False)
    information_given = forms.CharField(
        label=_("What the person was told"),
        widget=forms.Textarea(attrs={"rows": 2}),
        required=False,
        help_text=_("Purpose, identities, right to object."),
    )
    objection = forms.BooleanField(label=_("Access objected to"), required=False)
    judge_authorisation_reference = forms.CharField(
        label=_("Judge's authorisation reference"), max_length=120, required=False
    )
    urls = forms.CharField(label=_("URLs visited (online)"), widget=forms.Textarea(attrs={"rows": 3}), required=False)
    identity_used = forms.CharField(label=_("Identity used (online)"), max_length=200, required=False)
    notes = forms.CharField(label=_("Notes"), widget=forms.Textarea(attrs={"rows": 3}), required=False)
    documents = forms.ModelMultipleChoiceField(
        label=_("Minutes (PV) and documents"),
        queryset=Evidence.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Evidence of this case: register the PV first, then tick it here."),
    )

    def __init__(self, *args, case, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["documents"].queryset = Evidence.objects.filter(case=case).order_by("registered_at")

    def service_fields(self) -> dict:
        data = dict(self.cleaned_data)
        data.pop("agents", None)
        data.pop("documents", None)
        return data
