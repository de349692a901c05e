"""Staff forms of requests for information (the portal has its own forms in ``apps.portal``)."""

from django import forms
from django.utils.translation import gettext_lazy as _

from apps.cases.models import Party

from .choices import Expects, PortalRole
from .receipts import RECEIPT_NUMBER, SHA256_HEX


class PartyChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, party):
        return f"{party.organisation} — {party.get_role_display()} ({party.processing})"


class PartiesChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, party):
        return f"{party.organisation} — {party.get_role_display()} ({party.processing})"


def _parties(case):
    return Party.objects.filter(case=case).select_related("organisation").order_by("added_at", "id")


class InviteForm(forms.Form):
    party = PartyChoiceField(label=_("Acts for"), queryset=Party.objects.none())
    full_name = forms.CharField(label=_("Full name"), max_length=200)
    email = forms.EmailField(label=_("E-mail address"))
    role = forms.ChoiceField(label=_("Role"), choices=PortalRole.choices)

    def __init__(self, *args, case, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["party"].queryset = _parties(case)


class RequestForm(forms.Form):
    parties = PartiesChoiceField(
        label=_("Addressed to"),
        queryset=Party.objects.none(),
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Several parties: each receives its own copy, and sees only its own."),
    )
    subject = forms.CharField(label=_("Subject"), max_length=255)
    letter = forms.CharField(label=_("Letter"), widget=forms.Textarea(attrs={"rows": 8}))
    period_days = forms.IntegerField(
        label=_("Period to answer (days)"),
        min_value=1,
        max_value=365,
        initial=15,
        help_text=_(
            "Counted from the sending; a period ending on a weekend or a public holiday rolls to the next working day."
        ),
    )

    def __init__(self, *args, case, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["parties"].queryset = _parties(case)


class QuestionForm(forms.Form):
    text = forms.CharField(label=_("Question"), widget=forms.Textarea(attrs={"rows": 2}), required=False)
    expects = forms.ChoiceField(label=_("Expected answer"), choices=Expects.choices, initial=Expects.TEXT)


QuestionFormSet = forms.formset_factory(QuestionForm, extra=4, max_num=50)


class EmptyForm(forms.Form):
    """An action without fields (send, close): the form carries only the refusals."""


class MessageForm(forms.Form):
    text = forms.CharField(label=_("Message"), widget=forms.Textarea(attrs={"rows": 3}), max_length=10_000)


class ReceiptVerifyForm(forms.Form):
    number = forms.CharField(label=_("Receipt number"), max_length=40, help_text=_("For example AR-2026-000123."))
    sha256 = forms.CharField(label=_("SHA-256 of the receipt"), max_length=200)

    def clean_number(self):
        number = self.cleaned_data["number"].strip().upper()
        if not RECEIPT_NUMBER.match(number):
            raise forms.ValidationError(_("A receipt number reads AR-, the year, a dash and six digits."))
        return number

    def clean_sha256(self):
        value = self.cleaned_data["sha256"].strip().lower()
        if not SHA256_HEX.match(value):
            raise forms.ValidationError(_("A SHA-256 is 64 hexadecimal characters."))
        return value
