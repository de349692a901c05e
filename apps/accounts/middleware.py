from django.shortcuts import redirect
from django.urls import reverse

from .selectors import has_second_factor

# Paths an account may reach between the password and the second factor.
_OPEN_PREFIXES = ("/static/", "/healthz", "/i18n/", "/accounts/login/", "/accounts/logout/", "/accounts/2fa/")


class SecondFactorRequiredMiddleware:
    """A logged-in user who has not passed the second factor reaches only the 2FA pages.

    Without a confirmed authenticator the user is sent to enrolment, otherwise to verification.
    Anonymous visitors are left to each view (they get the login redirect).
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if (
            user is not None
            and user.is_authenticated
            and not user.is_verified()
            and not request.path_info.startswith(_OPEN_PREFIXES)
        ):
            target = "accounts:otp_verify" if has_second_factor(user) else "accounts:otp_setup"
            return redirect(f"{reverse(target)}?next={request.get_full_path()}")
        return self.get_response(request)
