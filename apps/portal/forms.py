"""Portal forms: separate from the staff forms, they clean input and never save a workflow model."""

from django import forms
from django.contrib.auth import password_validation
from django.utils.translation import gettext_lazy as _

from apps.accounts.choices import UserKind
from apps.accounts.forms import LoginForm


class PortalLoginForm(LoginForm):
    """The accounts login form, for organisation accounts only (staff get the wrong-password message)."""

    account_kind = UserKind.ORGANISATION


class InvitationAcceptForm(forms.Form):
    """The password chosen when accepting an invitation, checked by the platform's validators."""

    password1 = forms.CharField(
        label=_("Password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password", "autofocus": True}),
        help_text=password_validation.password_validators_help_text_html(),
    )
    password2 = forms.CharField(
        label=_("Password (again)"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user

    def clean(self):
        cleaned = super().clean()
        first, second = cleaned.get("password1"), cleaned.get("password2")
        if first and second and first != second:
            self.add_error("password2", _("The two passwords differ."))
        elif first:
            try:
                password_validation.validate_password(first, self.user)
            except forms.ValidationError as error:
                self.add_error("password1", error)
        return cleaned


class AnswersForm(forms.Form):
    """The text answers of the draft, one field per question that expects text.

    ``number`` is the submission the page was showing: a second "Submit" of the same page (a double
    click, a second tab) finds it already submitted and is told so instead of starting another one.
    ``confirm`` must be ticked to submit: a submission is final.
    """

    number = forms.IntegerField(min_value=1, widget=forms.HiddenInput)
    confirm = forms.BooleanField(
        label=_(
            "I understand that a submission is final: it cannot be changed afterwards, only completed by a "
            "supplementary submission."
        ),
        required=False,
    )

    def __init__(self, *args, questions=(), initial_answers=None, **kwargs):
        super().__init__(*args, **kwargs)
        initial_answers = initial_answers or {}
        self.text_questions = [question for question in questions if question.wants_text]
        for question in self.text_questions:
            self.fields[self.field_name(question)] = forms.CharField(
                label=_("Your answer"),
                required=False,
                strip=False,
                initial=initial_answers.get(question.pk, ""),
                widget=forms.Textarea(attrs={"rows": 6, "form": "answers-form"}),
            )
        self.fields["number"].widget.attrs["form"] = "answers-form"
        self.fields["confirm"].widget.attrs["form"] = "answers-form"

    @staticmethod
    def field_name(question) -> str:
        return f"answer_{question.pk}"

    def answers(self) -> dict[int, str]:
        """Question id → text, for ``draft_save``: only the fields posted (an absent one is left as it is)."""
        return {
            question.pk: self.cleaned_data.get(self.field_name(question), "")
            for question in self.text_questions
            if self.field_name(question) in self.data
        }


class MessageForm(forms.Form):
    text = forms.CharField(
        label=_("Your message"),
        help_text=_("Text only: send documents as answers to the questions."),
        widget=forms.Textarea(attrs={"rows": 4}),
    )
