from django import forms
from django.contrib.auth.forms import AuthenticationForm
from django.utils.translation import gettext_lazy as _

from .choices import UserKind


class LoginForm(AuthenticationForm):
    """E-mail and password. One message for an unknown address and a wrong password.

    Each login page admits one kind of account (``account_kind``): staff log in here, people
    acting for an organisation on the portal's own page. An account of the other kind gets the
    same message as a wrong password, so neither page tells which addresses exist.
    """

    account_kind: str = UserKind.STAFF
    error_messages = {
        "invalid_login": _("The e-mail address or the password is incorrect."),
        "inactive": _("The e-mail address or the password is incorrect."),
    }

    def __init__(self, request=None, *args, **kwargs):
        super().__init__(request, *args, **kwargs)
        self.fields["username"] = forms.EmailField(
            label=_("E-mail address"),
            max_length=254,
            widget=forms.EmailInput(attrs={"autofocus": True, "autocomplete": "username"}),
        )
        self.fields["password"].label = _("Password")

    def clean_username(self):
        return self.cleaned_data["username"].strip().lower()

    def confirm_login_allowed(self, user):
        super().confirm_login_allowed(user)
        if user.kind != self.account_kind:
            raise self.get_invalid_login_error()


class TokenForm(forms.Form):
    """A six-digit code from the authenticator app, or a recovery code."""

    otp_token = forms.CharField(
        label=_("Code"),
        max_length=32,
        help_text=_("The 6-digit code shown by your authenticator app, or one of your recovery codes."),
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "text", "autofocus": True}),
    )

    def clean_otp_token(self):
        return "".join(self.cleaned_data["otp_token"].split())


class EnrolmentForm(forms.Form):
    otp_token = forms.CharField(
        label=_("Code from the app"),
        max_length=6,
        min_length=6,
        help_text=_("Enter the 6-digit code your authenticator app shows for cnilcase."),
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "autofocus": True}),
    )

    def clean_otp_token(self):
        token = "".join(self.cleaned_data["otp_token"].split())
        if not token.isdigit():
            raise forms.ValidationError(_("The code is made of 6 digits."))
        return token
