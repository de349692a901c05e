from django import forms
from django.contrib.auth import get_user_model
from django.utils.translation import gettext_lazy as _

from apps.accounts.choices import Role
from apps.cases.models import Party

from .choices import EvidenceSource


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput())
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        single = super().clean
        if isinstance(data, list | tuple):
            if not data and self.required:  # no file at all (or only files whose name the parser dropped)
                raise forms.ValidationError(self.error_messages["required"], code="required")
            return [single(item, initial) for item in data]
        return [single(data, initial)]


class EvidenceMetadataForm(forms.Form):
    title = forms.CharField(
        label=_("Title"), max_length=255, required=False, help_text=_("Left empty, each file's name is used.")
    )
    description = forms.CharField(label=_("Description"), widget=forms.Textarea(attrs={"rows": 3}), required=False)
    source = forms.ChoiceField(label=_("Source"), choices=EvidenceSource.choices)
    collected_at = forms.DateTimeField(
        label=_("Collected at"), required=False, widget=forms.DateTimeInput(attrs={"type": "datetime-local"})
    )
    collected_by = forms.ModelChoiceField(
        label=_("Collected by"),
        queryset=get_user_model().objects.filter(is_active=True, groups__name=Role.INVESTIGATOR).distinct(),
        required=False,
    )
    personal_data = forms.BooleanField(label=_("Contains personal data"), required=False)
    health_data = forms.BooleanField(label=_("Contains health data"), required=False)
    nir = forms.BooleanField(label=_("Contains social security numbers (NIR)"), required=False)


class EvidenceUploadForm(EvidenceMetadataForm):
    files = MultipleFileField(label=_("Files"), help_text=_("One or several files; each becomes an evidence item."))
    parties = forms.ModelMultipleChoiceField(
        label=_("Parties concerned"), queryset=Party.objects.none(), required=False, widget=forms.CheckboxSelectMultiple
    )

    field_order = ["files", "title", "description", "source", "collected_at", "collected_by"]

    def __init__(self, *args, case, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["parties"].queryset = Party.objects.filter(case=case).select_related("organisation")


class TransferForm(forms.Form):
    recipient = forms.CharField(label=_("Recipient"), max_length=200, help_text=_("e.g. the rapporteur"))
    reason = forms.CharField(label=_("Reason"), widget=forms.Textarea(attrs={"rows": 2}))
