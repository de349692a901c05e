from django import forms
from django.utils.translation import gettext_lazy as _

from apps.cases.choices import DecidingBody
from apps.evidence.models import Evidence
from apps.organisations.models import Organisation

from .choices import (
    AppealOutcome,
    AssessmentStatus,
    Cooperation,
    DataCategory,
    DeliveryMeans,
    EarlierMeasures,
    HowLearned,
    Intent,
    ObservationAuthor,
    Procedure,
    SuspensionOutcome,
    Weight,
)
from .models import Finding, Obligation

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
TEXT = forms.Textarea(attrs={"rows": 2})


def _optional(choices):
    return [("", "—"), *choices]


class AssessmentForm(forms.Form):
    """The assessment, and the finding's fields (used when an infringement is found or remedied)."""

    status = forms.ChoiceField(label=_("Status"), choices=AssessmentStatus.choices)
    reasoning = forms.CharField(label=_("Reasoning"), widget=forms.Textarea(attrs={"rows": 3}), required=False)
    evidence = forms.ModelMultipleChoiceField(
        label=_("Supporting evidence"),
        queryset=Evidence.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    facts = forms.CharField(label=_("Facts"), widget=forms.Textarea(attrs={"rows": 3}), required=False)
    period_from = forms.DateField(label=_("Infringement from"), required=False, widget=DATE)
    period_to = forms.DateField(label=_("Infringement until"), required=False, widget=DATE)
    processing = forms.CharField(label=_("Processing concerned"), max_length=200, required=False)
    finding_evidence = forms.ModelMultipleChoiceField(
        label=_("Evidence of the finding"),
        queryset=Evidence.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    gravity = forms.CharField(label=_("(a) Nature, gravity and duration"), widget=TEXT, required=False)
    people_affected = forms.IntegerField(label=_("(a) Number of people affected"), min_value=0, required=False)
    damage = forms.CharField(label=_("(a) Damage suffered"), widget=TEXT, required=False)
    intent = forms.ChoiceField(label=_("(b) Intent or negligence"), choices=_optional(Intent.choices), required=False)
    mitigation = forms.CharField(label=_("(c) Action taken to mitigate the damage"), widget=TEXT, required=False)
    mitigation_weight = forms.ChoiceField(label=_("(c) Weight"), choices=_optional(Weight.choices), required=False)
    responsibility = forms.CharField(
        label=_("(d) Degree of responsibility (Art. 25 and 32 measures)"), widget=TEXT, required=False
    )
    previous_infringements = forms.CharField(
        label=_("(e) Relevant previous infringements"), widget=TEXT, required=False
    )
    cooperation = forms.ChoiceField(
        label=_("(f) Cooperation with the CNIL"), choices=_optional(Cooperation.choices), required=False
    )
    data_categories = forms.MultipleChoiceField(
        label=_("(g) Categories of personal data"),
        choices=DataCategory.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    how_learned = forms.ChoiceField(
        label=_("(h) How the CNIL learned of it"), choices=_optional(HowLearned.choices), required=False
    )
    earlier_measures = forms.ChoiceField(
        label=_("(i) Earlier measures on the same subject"), choices=_optional(EarlierMeasures.choices), required=False
    )
    codes_certification = forms.CharField(label=_("(j) Codes of conduct or certification"), widget=TEXT, required=False)
    other_factors = forms.CharField(label=_("(k) Other factors"), widget=TEXT, required=False)
    financial_benefit = forms.DecimalField(
        label=_("(k) Financial benefit gained (EUR)"), min_value=0, max_digits=14, decimal_places=2, required=False
    )

    def __init__(self, *args, case, **kwargs):
        super().__init__(*args, **kwargs)
        evidence = Evidence.objects.filter(case=case).order_by("title", "id")
        self.fields["evidence"].queryset = evidence
        self.fields["finding_evidence"].queryset = evidence


DATETIME = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")


class FindingChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, finding):
        assessment = finding.assessment
        return f"{assessment.party.organisation} — {assessment.obligation.reference} : {finding.facts[:100]}"


class FormalNoticeForm(forms.Form):
    party = forms.ModelChoiceField(label=_("Addressee"), queryset=None)
    findings = FindingChoiceField(
        label=_("Findings it rests on"), queryset=None, widget=forms.CheckboxSelectMultiple, required=False
    )
    decision_reference = forms.CharField(label=_("President's decision (reference)"), max_length=100)
    decided_on = forms.DateField(label=_("Decided on"), widget=DATE)
    urgent = forms.BooleanField(label=_("Urgent: 24 hours from receipt"), required=False)
    period_days = forms.IntegerField(
        label=_("Compliance period (days from receipt)"),
        min_value=1,
        max_value=365,
        required=False,
        help_text=_("At least 10 days; extendable once."),
    )
    public = forms.BooleanField(label=_("Made public by the Bureau"), required=False)
    bureau_decision_reference = forms.CharField(
        label=_("Bureau's decision (reference)"), max_length=100, required=False
    )
    published_on = forms.DateField(label=_("Published on"), required=False, widget=DATE)

    def __init__(self, *args, case, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["party"].queryset = case.parties.select_related("organisation")
        self.fields["findings"].queryset = Finding.objects.filter(assessment__party__case=case).select_related(
            "assessment__party__organisation", "assessment__obligation"
        )


class MeasureForm(forms.Form):
    obligation = forms.ModelChoiceField(label=_("Obligation"), queryset=None, required=False)
    description = forms.CharField(label=_("Measure required"), widget=forms.Textarea(attrs={"rows": 2}), required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["obligation"].queryset = Obligation.objects.filter(active=True)


MeasureFormSet = forms.formset_factory(MeasureForm, extra=3, max_num=20)


class DeliveryForm(forms.Form):
    means = forms.ChoiceField(label=_("Means"), choices=DeliveryMeans.choices)
    sent_at = forms.DateTimeField(label=_("Sent at"), widget=DATETIME)
    received_at = forms.DateTimeField(label=_("Received at (if known)"), required=False, widget=DATETIME)
    proof = forms.ModelChoiceField(label=_("Proof of receipt"), queryset=None, required=False)

    def __init__(self, *args, case, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["proof"].queryset = Evidence.objects.filter(case=case).order_by("title", "id")


class ReceiptForm(forms.Form):
    received_at = forms.DateTimeField(label=_("Received at"), widget=DATETIME)
    proof = forms.ModelChoiceField(label=_("Proof of receipt"), queryset=None, required=False)

    def __init__(self, *args, case, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["proof"].queryset = Evidence.objects.filter(case=case).order_by("title", "id")


class MeasureCheckForm(forms.Form):
    met = forms.TypedChoiceField(
        label=_("At the deadline"),
        choices=[("1", _("Met")), ("0", _("Not met"))],
        coerce=lambda value: value == "1",
        widget=forms.RadioSelect,
    )
    note = forms.CharField(label=_("Observations"), widget=forms.Textarea(attrs={"rows": 2}), required=False)


class TurnoverForm(forms.Form):
    organisation = forms.ModelChoiceField(label=_("Organisation"), queryset=None)
    financial_year = forms.IntegerField(label=_("Financial year"), min_value=1990, max_value=2100)
    amount = forms.DecimalField(label=_("Group worldwide turnover (EUR)"), min_value=0, max_digits=16, decimal_places=2)
    source = forms.CharField(label=_("Source"), max_length=255)

    def __init__(self, *args, case, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["organisation"].queryset = Organisation.objects.filter(case_parties__case=case).distinct()


class SanctionDecisionForm(forms.Form):
    party = forms.ModelChoiceField(label=_("Party"), queryset=None)
    findings = FindingChoiceField(
        label=_("Infringements"), queryset=None, widget=forms.CheckboxSelectMultiple, required=False
    )
    deciding_body = forms.ChoiceField(
        label=_("Deciding body"),
        choices=[
            (DecidingBody.RESTRICTED_COMMITTEE, DecidingBody.RESTRICTED_COMMITTEE.label),
            (DecidingBody.RESTRICTED_COMMITTEE_PRESIDENT, DecidingBody.RESTRICTED_COMMITTEE_PRESIDENT.label),
        ],
    )
    reference = forms.CharField(label=_("Decision reference"), max_length=100)
    decided_on = forms.DateField(label=_("Decided on"), widget=DATE)
    no_sanction = forms.BooleanField(label=_("No sanction"), required=False)
    fine = forms.DecimalField(label=_("Fine (EUR)"), min_value=0, max_digits=16, decimal_places=2, required=False)
    reminder = forms.BooleanField(label=_("Reminder of legal obligations"), required=False)
    injunction = forms.CharField(label=_("Injunction"), widget=TEXT, required=False)
    penalty_per_day = forms.DecimalField(
        label=_("Periodic penalty per day of delay (EUR)"), min_value=0, max_digits=10, decimal_places=2, required=False
    )
    published = forms.BooleanField(label=_("Publication"), required=False)
    limitation = forms.CharField(
        label=_("Temporary limitation of processing (urgency procedure)"), widget=TEXT, required=False
    )
    limitation_until = forms.DateField(label=_("Limitation until (3 months at most)"), required=False, widget=DATE)

    def __init__(self, *args, case, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["party"].queryset = case.parties.select_related("organisation")
        self.fields["findings"].queryset = Finding.objects.filter(assessment__party__case=case).select_related(
            "assessment__party__organisation", "assessment__obligation"
        )


# --- Sanction procedure ----------------------------------------------------------------------------


def _case_evidence(case):
    return Evidence.objects.filter(case=case).order_by("title", "id")


class SanctionProcedureForm(forms.Form):
    party = forms.ModelChoiceField(label=_("Party"), queryset=None)
    procedure = forms.ChoiceField(label=_("Procedure"), choices=Procedure.choices)
    referral_reference = forms.CharField(label=_("President's referral decision"), max_length=100)
    opened_on = forms.DateField(label=_("Decided on"), widget=DATE)
    rapporteur = forms.CharField(
        label=_("Rapporteur"),
        max_length=200,
        help_text=_("A member of the CNIL's college; a CNIL agent in the simplified procedure."),
    )

    def __init__(self, *args, case, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["party"].queryset = case.parties.select_related("organisation")


class SanctionReportForm(forms.Form):
    reference = forms.CharField(label=_("Report reference"), max_length=100)
    dated_on = forms.DateField(label=_("Dated"), widget=DATE)
    proposed_measures = forms.CharField(label=_("Measures proposed"), widget=TEXT, required=False)
    document = forms.ModelChoiceField(label=_("Report (evidence)"), queryset=None, required=False)

    def __init__(self, *args, case, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["document"].queryset = _case_evidence(case)


class ObservationForm(forms.Form):
    author = forms.ChoiceField(label=_("From"), choices=ObservationAuthor.choices)
    received_at = forms.DateTimeField(label=_("Received at"), widget=DATETIME)
    summary = forms.CharField(label=_("Summary"), widget=TEXT, required=False)
    document = forms.ModelChoiceField(label=_("Document (evidence)"), queryset=None, required=False)
    declined = forms.BooleanField(label=_("The organisation declines to answer further"), required=False)

    def __init__(self, *args, case, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["document"].queryset = _case_evidence(case)


class InvestigationCloseForm(forms.Form):
    closed_on = forms.DateField(label=_("Investigation closed on"), widget=DATE)


class HearingForm(forms.Form):
    scheduled_at = forms.DateTimeField(label=_("Hearing on"), widget=DATETIME)
    public = forms.BooleanField(label=_("Public hearing"), required=False, initial=True)
    commissioner_present = forms.BooleanField(label=_("Government commissioner present"), required=False, initial=True)


class SwitchForm(forms.Form):
    reference = forms.CharField(label=_("Decision of the restricted committee's president"), max_length=100)
    switched_on = forms.DateField(label=_("Decided on"), widget=DATE)


class EmptyForm(forms.Form):
    """An action without fields (a request recorded, a confirmation)."""


class AppealForm(forms.Form):
    reference = forms.CharField(label=_("Conseil d'État case number"), max_length=100)
    lodged_on = forms.DateField(label=_("Lodged on"), widget=DATE)
    suspension_requested = forms.BooleanField(label=_("Suspension requested (urgency judge)"), required=False)


class SuspensionForm(forms.Form):
    suspension = forms.ChoiceField(
        label=_("Urgency judge's ruling"),
        choices=[
            (SuspensionOutcome.GRANTED, SuspensionOutcome.GRANTED.label),
            (SuspensionOutcome.REJECTED, SuspensionOutcome.REJECTED.label),
        ],
    )


class AppealOutcomeForm(forms.Form):
    outcome = forms.ChoiceField(
        label=_("Ruling"),
        choices=[(c, label) for c, label in AppealOutcome.choices if c != AppealOutcome.PENDING],
    )
    outcome_on = forms.DateField(label=_("Ruled on"), widget=DATE)
    outcome_reference = forms.CharField(label=_("Ruling reference"), max_length=100)
    reduced_fine = forms.DecimalField(
        label=_("Fine as reduced (EUR)"), min_value=0, max_digits=16, decimal_places=2, required=False
    )


class LiquidationForm(forms.Form):
    reference = forms.CharField(label=_("Liquidation notice reference"), max_length=100)
    days_late = forms.IntegerField(label=_("Days of delay"), min_value=1)


class LiquidationObservationsForm(forms.Form):
    received_at = forms.DateTimeField(label=_("Observations received at"), widget=DATETIME)


class LiquidationDecisionForm(forms.Form):
    amount_due = forms.DecimalField(label=_("Amount due (EUR)"), min_value=0, max_digits=16, decimal_places=2)
    decided_on = forms.DateField(label=_("Decided on"), widget=DATE)
    decision_reference = forms.CharField(label=_("Liquidation decision"), max_length=100)


class PublicationForm(forms.Form):
    published_on = forms.DateField(label=_("Closure published on"), widget=DATE)
