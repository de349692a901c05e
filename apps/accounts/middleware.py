from django.conf import settings
from django.http import Http404
from django.shortcuts import redirect
from django.urls import reverse

from .choices import UserKind
from .selectors import has_second_factor

# Paths an account may reach between the password and the second factor.
_OPEN_PREFIXES = ("/static/", "/healthz", "/i18n/", "/accounts/login/", "/accounts/logout/", "/accounts/2fa/")

# Pages shared by staff and organisation users: their own account (second factor, recovery codes,
# password) and their own in-app notifications.
_SHARED_ACCOUNT_PREFIXES = (
    "/static/",
    "/healthz",
    "/i18n/",
    "/accounts/logout/",
    "/accounts/2fa/",
    "/accounts/recovery-codes/",
    "/accounts/password/",
    "/notifications/",
)


def _portal_open_prefixes() -> tuple[str, ...]:
    """The portal's pages reached before the second factor: its login, logout and invitation links."""
    prefix = settings.PORTAL_URL_PREFIX
    return (f"{prefix}login/", f"{prefix}logout/", f"{prefix}invitation/")


class SecondFactorRequiredMiddleware:
    """A logged-in user who has not passed the second factor reaches only the 2FA pages.

    Without a confirmed authenticator the user is sent to enrolment, otherwise to verification.
    Anonymous visitors are left to each view (they get the login redirect).
    """

    def __init__(self, get_response):
        self.get_response = get_response
        self.open_prefixes = _OPEN_PREFIXES + _portal_open_prefixes()

    def __call__(self, request):
        user = getattr(request, "user", None)
        if (
            user is not None
            and user.is_authenticated
            and not user.is_verified()
            and not request.path_info.startswith(self.open_prefixes)
        ):
            target = "accounts:otp_verify" if has_second_factor(user) else "accounts:otp_setup"
            return redirect(f"{reverse(target)}?next={request.get_full_path()}")
        return self.get_response(request)


class OrganisationUserConfinementMiddleware:
    """A person acting for an organisation reaches the portal, their account and notifications, nothing else.

    Staff pages already refuse them (``user_may`` admits staff only); this keeps any page, present
    or future, out of reach even if it forgets its check. The home page sends them to the portal;
    any other path answers 404, like a page that does not exist.
    """

    def __init__(self, get_response):
        self.get_response = get_response
        self.allowed_prefixes = (settings.PORTAL_URL_PREFIX, *_SHARED_ACCOUNT_PREFIXES)

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and user.kind == UserKind.ORGANISATION:
            path = request.path_info
            if path == "/":
                return redirect(settings.PORTAL_URL_PREFIX)
            if not path.startswith(self.allowed_prefixes):
                raise Http404
        return self.get_response(request)
