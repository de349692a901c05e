from django import forms
from django.utils.translation import gettext_lazy as _

from .choices import RelationshipKind
from .models import Organisation, Sector
from .validators import clean_siren, clean_siret


class OrganisationForm(forms.Form):
    legal_name = forms.CharField(label=_("Legal name"), max_length=255)
    country = forms.ChoiceField(label=_("Country"), choices=Organisation._meta.get_field("country").choices)
    siren = forms.CharField(
        label=_("SIREN"), max_length=20, required=False, help_text=_("9 digits; required for a French organisation.")
    )
    sector = forms.ModelChoiceField(label=_("Sector"), queryset=Sector.objects.all(), required=False)
    address = forms.CharField(label=_("Address"), widget=forms.Textarea(attrs={"rows": 3}), required=False)
    dpo_name = forms.CharField(label=_("DPO name"), max_length=200, required=False)
    dpo_email = forms.EmailField(label=_("DPO e-mail"), required=False)
    dpo_phone = forms.CharField(label=_("DPO phone"), max_length=40, required=False)
    parent = forms.ModelChoiceField(
        label=_("Group (parent company)"), queryset=Organisation.objects.all(), required=False
    )

    def clean_siren(self):
        value = self.cleaned_data["siren"].strip()
        return clean_siren(value) if value else ""


class EstablishmentForm(forms.Form):
    siret = forms.CharField(label=_("SIRET"), max_length=20, help_text=_("14 digits, starting with the SIREN."))
    label = forms.CharField(label=_("Label"), max_length=200, required=False)

    def clean_siret(self):
        return clean_siret(self.cleaned_data["siret"])


class RelationshipForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind"), choices=RelationshipKind.choices)
    client = forms.ModelChoiceField(
        label=_("Entrusted by (controller or processor)"), queryset=Organisation.objects.all()
    )
    provider = forms.ModelChoiceField(
        label=_("Entrusted to (processor or sub-processor)"), queryset=Organisation.objects.all()
    )
    processing = forms.CharField(
        label=_("Processing"), max_length=200, help_text=_("e.g. tiers-payant claims management")
    )
    contract_reference = forms.CharField(label=_("Art. 28 contract reference"), max_length=120, required=False)
    starts_on = forms.DateField(label=_("From"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    ends_on = forms.DateField(label=_("Until"), required=False, widget=forms.DateInput(attrs={"type": "date"}))

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("client") and cleaned.get("client") == cleaned.get("provider"):
            raise forms.ValidationError(_("An organisation cannot entrust a processing to itself."))
        if cleaned.get("starts_on") and cleaned.get("ends_on") and cleaned["ends_on"] < cleaned["starts_on"]:
            self.add_error("ends_on", _("The end date is before the start date."))
        return cleaned
