from django import forms
from django.contrib.auth import get_user_model
from django.utils.translation import gettext_lazy as _

from apps.accounts.choices import Role
from apps.organisations.models import Organisation

from .choices import CaseStatus, Confidentiality, DecidingBody, LegalRegime, Origin, PartyRole, Priority
from .workflow import allowed_from


class CaseForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=255)
    legal_regime = forms.ChoiceField(label=_("Legal regime"), choices=LegalRegime.choices)
    summary = forms.CharField(label=_("Summary"), widget=forms.Textarea(attrs={"rows": 4}), required=False)
    priority = forms.ChoiceField(label=_("Priority"), choices=Priority.choices, initial=Priority.NORMAL)
    confidentiality = forms.ChoiceField(
        label=_("Confidentiality"),
        choices=Confidentiality.choices,
        help_text=_("A restricted case is visible only to its team and to managers."),
    )
    health_data = forms.BooleanField(label=_("Health data concerned"), required=False)


class CaseOpenForm(CaseForm):
    origin = forms.ChoiceField(label=_("Origin"), choices=Origin.choices)
    complainant_name = forms.CharField(
        label=_("Complainant's name"),
        max_length=200,
        required=False,
        help_text=_("For a complaint. Confidential: never shown to any organisation."),
    )
    complainant_email = forms.EmailField(label=_("Complainant's e-mail"), required=False)
    complainant_phone = forms.CharField(label=_("Complainant's phone"), max_length=40, required=False)
    complainant_address = forms.CharField(
        label=_("Complainant's address"), widget=forms.Textarea(attrs={"rows": 2}), required=False
    )
    complaint_lodged_on = forms.DateField(
        label=_("Complaint lodged on"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )

    field_order = ["origin", "title", "legal_regime", "summary", "priority", "confidentiality", "health_data"]

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("origin") == Origin.COMPLAINT and not cleaned.get("complainant_name"):
            self.add_error("complainant_name", _("A complaint needs its complainant."))
        return cleaned

    def complainant(self) -> dict | None:
        data = self.cleaned_data
        if data.get("origin") != Origin.COMPLAINT:
            return None
        return {
            "full_name": data["complainant_name"],
            "email": data.get("complainant_email", ""),
            "phone": data.get("complainant_phone", ""),
            "postal_address": data.get("complainant_address", ""),
            "lodged_on": data.get("complaint_lodged_on"),
        }

    def case_fields(self) -> dict:
        names = ("origin", "title", "legal_regime", "summary", "priority", "confidentiality", "health_data")
        return {name: self.cleaned_data[name] for name in names}


class PartyForm(forms.Form):
    organisation = forms.ModelChoiceField(label=_("Organisation"), queryset=Organisation.objects.order_by("legal_name"))
    role = forms.ChoiceField(label=_("Role"), choices=PartyRole.choices)
    processing = forms.CharField(
        label=_("Processing"), max_length=200, help_text=_("The processing for which it has this role.")
    )


class TransitionForm(forms.Form):
    expected_status = forms.CharField(widget=forms.HiddenInput)
    to_status = forms.ChoiceField(label=_("New status"), choices=CaseStatus.choices)
    reason = forms.CharField(label=_("Reason"), widget=forms.Textarea(attrs={"rows": 3}))
    deciding_body = forms.ChoiceField(
        label=_("Decided by"),
        required=False,
        choices=[("", "—"), *DecidingBody.choices],
        help_text=_("For a decision: the body that took it."),
    )
    decision_reference = forms.CharField(label=_("Decision reference"), max_length=120, required=False)

    def __init__(self, *args, case, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["expected_status"].initial = case.status
        # Offer what the table allows now; accept any status, so that a case that moved meanwhile
        # gets the service's message ("changed meanwhile"), not "not a valid choice".
        self.fields["to_status"].widget.choices = self.allowed = [
            (t.target, CaseStatus(t.target).label) for t in allowed_from(case.status, include_service_only=False)
        ]


def _team_candidates():
    return (
        get_user_model()
        .objects.filter(is_active=True, groups__name__in=[Role.INVESTIGATOR, Role.LEGAL])
        .distinct()
        .order_by("full_name")
    )


class AssignForm(forms.Form):
    lead = forms.ModelChoiceField(label=_("Lead investigator"), queryset=_team_candidates(), required=False)
    team = forms.ModelMultipleChoiceField(
        label=_("Team"), queryset=_team_candidates(), required=False, widget=forms.CheckboxSelectMultiple
    )
