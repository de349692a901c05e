from django import forms
from django.utils.translation import gettext_lazy as _

from .rules import RULES

DATETIME = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")


class DeadlineForm(forms.Form):
    """A deadline added by hand: one of the rules, its start event and, where the law lets it vary, its length."""

    kind = forms.ChoiceField(label=_("Rule"))
    start_event = forms.CharField(label=_("Start event"), max_length=200, help_text=_("e.g. receipt of the letter"))
    started_at = forms.DateTimeField(label=_("Start (Europe/Paris)"), widget=DATETIME)
    amount = forms.IntegerField(
        label=_("Length"),
        min_value=1,
        max_value=3650,
        required=False,
        help_text=_("Only for the rules whose length is set case by case (formal notice, documents requested)."),
    )
    title = forms.CharField(label=_("Title"), max_length=255, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["kind"].choices = [(code, f"{rule.label} — {rule.source}") for code, rule in RULES.items()]


class ExtensionForm(forms.Form):
    new_due_at = forms.DateTimeField(label=_("New due date (Europe/Paris)"), widget=DATETIME)
    granted_by = forms.CharField(label=_("Granted by"), max_length=200)
    reason = forms.CharField(label=_("Reason"), widget=forms.Textarea(attrs={"rows": 2}))
