from django import forms
from django.utils.translation import gettext_lazy as _

from apps.organisations.models import Organisation

from .choices import (
    CampaignChannel,
    CommunicationDecision,
    DataCategory,
    IdentifierKind,
    ImportMode,
    Nature,
    Phase,
    SubjectCategory,
)

DATETIME = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")


class NotificationForm(forms.Form):
    controller = forms.ModelChoiceField(label=_("Controller"), queryset=Organisation.objects.none())
    phase = forms.ChoiceField(label=_("Phase"), choices=Phase.choices)
    received_at = forms.DateTimeField(label=_("Received by the CNIL at"), widget=DATETIME)
    processor_informed_at = forms.DateTimeField(
        label=_("Informed by its processor at"),
        required=False,
        widget=DATETIME,
        help_text=_("For a processor incident: by default, the controller's awareness time."),
    )
    awareness_at = forms.DateTimeField(label=_("Aware at"), required=False, widget=DATETIME)
    occurred_from = forms.DateTimeField(label=_("Breach from"), required=False, widget=DATETIME)
    occurred_to = forms.DateTimeField(label=_("Breach until"), required=False, widget=DATETIME)
    natures = forms.MultipleChoiceField(
        label=_("Nature"), choices=Nature.choices, required=False, widget=forms.CheckboxSelectMultiple
    )
    data_categories = forms.MultipleChoiceField(
        label=_("Categories of data"), choices=DataCategory.choices, required=False, widget=forms.CheckboxSelectMultiple
    )
    subject_categories = forms.MultipleChoiceField(
        label=_("Categories of data subjects"),
        choices=SubjectCategory.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    approx_subjects = forms.IntegerField(label=_("Approximate number of data subjects"), min_value=0, required=False)
    approx_records = forms.IntegerField(label=_("Approximate number of records"), min_value=0, required=False)
    dpo_contact = forms.CharField(label=_("DPO or contact"), max_length=255, required=False)
    likely_consequences = forms.CharField(
        label=_("Likely consequences"), widget=forms.Textarea(attrs={"rows": 2}), required=False
    )
    measures_taken = forms.CharField(
        label=_("Measures taken"), widget=forms.Textarea(attrs={"rows": 2}), required=False
    )
    measures_proposed = forms.CharField(
        label=_("Measures proposed"), widget=forms.Textarea(attrs={"rows": 2}), required=False
    )
    cross_border = forms.BooleanField(label=_("Cross-border"), required=False)
    delay_reason = forms.CharField(
        label=_("Reasons for the delay"),
        widget=forms.Textarea(attrs={"rows": 2}),
        required=False,
        help_text=_("Required by Art. 33(1) when the notification comes after 72 hours."),
    )

    def __init__(self, *args, controllers, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["controller"].queryset = controllers

    def clean(self):
        cleaned = super().clean()
        if not cleaned.get("awareness_at") and not cleaned.get("processor_informed_at"):
            self.add_error("awareness_at", _("When did the controller become aware?"))
        return cleaned


class NoNotificationForm(forms.Form):
    controller = forms.ModelChoiceField(label=_("Controller"), queryset=Organisation.objects.none())
    decided_at = forms.DateTimeField(label=_("Decided at"), widget=DATETIME)
    reasoning = forms.CharField(label=_("Reasoning (no risk)"), widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args, controllers, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["controller"].queryset = controllers


DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class CampaignForm(forms.Form):
    decision = forms.ChoiceField(label=_("Decision"), choices=CommunicationDecision.choices)
    exemption_reasoning = forms.CharField(
        label=_("Reasoning of the exemption"), widget=forms.Textarea(attrs={"rows": 2}), required=False
    )
    channels = forms.MultipleChoiceField(
        label=_("Channels"), choices=CampaignChannel.choices, required=False, widget=forms.CheckboxSelectMultiple
    )
    identifier_kind = forms.ChoiceField(label=_("Identifiers in the reports"), choices=IdentifierKind.choices)
    planned_total = forms.IntegerField(label=_("Data subjects to inform"), min_value=0, required=False)
    sent = forms.IntegerField(
        label=_("Informed"),
        min_value=0,
        required=False,
        help_text=_("From the controller's figures; computed once per-person reports are imported."),
    )
    failed = forms.IntegerField(label=_("Failed"), min_value=0, required=False)
    started_on = forms.DateField(label=_("Started on"), required=False, widget=DATE)
    ended_on = forms.DateField(label=_("Ended on"), required=False, widget=DATE)
    order_received_at = forms.DateTimeField(
        label=_("CNIL order to communicate received at (Art. 34(4))"), required=False, widget=DATETIME
    )
    order_period_days = forms.IntegerField(
        label=_("Period set by the order (days)"), min_value=1, max_value=365, required=False
    )

    def __init__(self, *args, counts_from_imports=False, **kwargs):
        super().__init__(*args, **kwargs)
        if counts_from_imports:
            del self.fields["sent"], self.fields["failed"]


class CampaignImportForm(forms.Form):
    report = forms.FileField(
        label=_("Campaign report (CSV)"),
        help_text=_(
            "One row per data subject and channel, with a header line: identifier, channel, status, date. "
            "Identifiers are replaced by a keyed hash as the file arrives; the file itself is not kept."
        ),
    )
    mode = forms.ChoiceField(label=_("If some rows are bad"), choices=ImportMode.choices, widget=forms.RadioSelect)
