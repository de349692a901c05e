"""Passkeys (WebAuthn, django-otp-webauthn): where they are bound, and the ceremonies' endpoints.

A passkey is a second factor like the authenticator app, and the only one that opens the admin
(``admin_site.CnilAdminSite``): it is bound to this site's domain, so a look-alike page cannot
relay it. The library does the cryptography (py_webauthn) and ships the browser scripts, served as
static files under the Content-Security-Policy; the views below are the library's, with the
application's rules around them:

- a passkey is used after the password only (no passwordless login), at the second-factor step or
  later to confirm a session that was verified with the app (``verify`` endpoints);
- registering or removing one needs a session past its second factor, and, once the account has a
  passkey, a session verified with a passkey (``selectors.may_manage_passkeys``): a stolen password
  and app code can then neither add the thief's passkey nor remove the owner's;
- every registration, removal, use and refusal is written by ``services`` with its audit event,
  and a verification gives the session a new key, like the other second factors.
"""

from __future__ import annotations

from logging import getLogger

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import JsonResponse
from django.middleware import csrf
from django.urls import reverse
from django.utils.decorators import method_decorator
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django_otp import login as otp_login
from django_otp_webauthn import exceptions
from django_otp_webauthn.helpers import WebAuthnHelper
from django_otp_webauthn.utils import rewrite_exceptions
from django_otp_webauthn.views import (
    BeginCredentialAuthenticationView,
    BeginCredentialRegistrationView,
    CompleteCredentialAuthenticationView,
    CompleteCredentialRegistrationView,
)

from apps.audit.services import client_ip

from . import selectors, services
from .choices import UserKind


def relying_party_id(request) -> str:
    """The domain passkeys are bound to: ``OTP_WEBAUTHN_RP_ID``, or the request's host without its port."""
    return settings.OTP_WEBAUTHN_RP_ID or request.get_host().rsplit(":", 1)[0].strip("[]")


class PasskeyHelper(WebAuthnHelper):
    """The library's helper, with the allowed origins defaulting to the request's own origin."""

    def get_allowed_origins(self) -> list[str]:
        return list(settings.OTP_WEBAUTHN_ALLOWED_ORIGINS) or [f"{self.request.scheme}://{self.request.get_host()}"]


class PasskeyNotAllowed(exceptions.OTPWebAuthnApiError):
    status_code = 403
    default_code = "passkey_not_allowed"


class _StaffOnly:
    """The ceremonies are for staff accounts (the portal keeps the authenticator app)."""

    def initial(self, request, *args, **kwargs):
        user = request.user
        if user.is_authenticated and user.kind != UserKind.STAFF:
            raise exceptions.NotAuthenticated()
        super().initial(request, *args, **kwargs)


class _ManagementAllowed(_StaffOnly):
    def check_can_register(self):
        if not selectors.may_manage_passkeys(self.request.user):
            raise PasskeyNotAllowed(detail=_("Confirm this session with one of your passkeys before adding another."))


@method_decorator(never_cache, name="dispatch")
class PasskeyRegistrationBeginView(_ManagementAllowed, BeginCredentialRegistrationView):
    pass


@method_decorator(never_cache, name="dispatch")
class PasskeyRegistrationCompleteView(_ManagementAllowed, CompleteCredentialRegistrationView):
    """Checks the browser's answer and saves the passkey through ``services.passkey_register``."""

    def post(self, *args, **kwargs):
        state = self.get_state()
        try:
            with rewrite_exceptions(logger=getLogger("django_otp_webauthn")):
                credential = services.passkey_register(
                    actor=self.request.user,
                    helper=self.get_helper(),
                    state=state,
                    data=self.request.data,
                    ip=client_ip(self.request),
                )
        except PermissionDenied as exc:
            raise PasskeyNotAllowed(detail=str(exc)) from exc
        return JsonResponse({"id": credential.pk})


@method_decorator(never_cache, name="dispatch")
class PasskeyVerifyBeginView(_StaffOnly, BeginCredentialAuthenticationView):
    """Options for the browser: the passkeys of the logged-in user (the password comes first)."""

    def check_can_authenticate(self):
        user = self.get_user()
        if user is None or not user.is_active:
            raise exceptions.NotAuthenticated()


@method_decorator(never_cache, name="dispatch")
class PasskeyVerifyCompleteView(_StaffOnly, CompleteCredentialAuthenticationView):
    """Checks the signed challenge, marks the session verified with the passkey and gives it a new key.

    The answer tells the browser where to go: ``?next=`` if it is on this site, else the home page.
    """

    def check_can_authenticate(self):
        user = self.get_user()
        if user is None or not user.is_active:
            raise exceptions.NotAuthenticated()

    def post(self, *args, **kwargs):
        state = self.get_state()
        try:
            credential = services.passkey_verify(
                actor=self.request.user,
                helper=self.get_helper(),
                state=state,
                data=self.request.data,
                ip=client_ip(self.request),
            )
        except ValidationError as exc:
            raise exceptions.UnprocessableEntity(
                code="passkey_refused", detail=_("This passkey was not accepted. Try again or use a code.")
            ) from exc
        otp_login(self.request, credential)
        self.request.session.cycle_key()
        return JsonResponse(self.get_success_data(credential))


# The library's scripts call gettext(); apps/accounts/static/accounts/passkeys.js answers from this
# catalogue, put in the page as JSON (the library ships no French, and this keeps one catalogue).
SCRIPT_STRINGS = {
    "An error occurred during registration.": gettext_lazy("An error occurred during registration."),
    "An error occurred during verification.": gettext_lazy("An error occurred during verification."),
    "Finishing registration...": gettext_lazy("Finishing registration..."),
    "Finishing verification...": gettext_lazy("Finishing verification..."),
    "Register a Passkey": gettext_lazy("Register a Passkey"),
    "Registering...": gettext_lazy("Registering..."),
    "Registration aborted or not allowed.": gettext_lazy("Registration aborted or not allowed."),
    "Registration aborted.": gettext_lazy("Registration aborted."),
    "Registration failed. A server error occurred.": gettext_lazy("Registration failed. A server error occurred."),
    "Registration failed. A technical problem occurred that prevents you from registering a Passkey for this site.": (
        gettext_lazy(
            "Registration failed. A technical problem occurred that prevents you from registering a Passkey "
            "for this site."
        )
    ),
    "Registration failed. An unknown error occurred.": gettext_lazy("Registration failed. An unknown error occurred."),
    "Registration failed. The server was unable to verify this passkey.": gettext_lazy(
        "Registration failed. The server was unable to verify this passkey."
    ),
    "Registration failed. Unable to fetch registration options from server.": gettext_lazy(
        "Registration failed. Unable to fetch registration options from server."
    ),
    "Registration failed. You most likely already have a Passkey registered for this site.": gettext_lazy(
        "Registration failed. You most likely already have a Passkey registered for this site."
    ),
    "Registration successful!": gettext_lazy("Registration successful!"),
    "Verification aborted.": gettext_lazy("Verification aborted."),
    "Verification canceled or not allowed.": gettext_lazy("Verification canceled or not allowed."),
    "Verification failed. A server error occurred.": gettext_lazy("Verification failed. A server error occurred."),
    "Verification failed. An unknown error occurred.": gettext_lazy("Verification failed. An unknown error occurred."),
    "Verification failed. An unknown server error occurred.": gettext_lazy(
        "Verification failed. An unknown server error occurred."
    ),
    "Verification failed. Could not retrieve parameters from the server.": gettext_lazy(
        "Verification failed. Could not retrieve parameters from the server."
    ),
    "Verification successful!": gettext_lazy("Verification successful!"),
    "Verify with Passkey": gettext_lazy("Verify with Passkey"),
    "Verifying...": gettext_lazy("Verifying..."),
}


def script_context(request, *, register: bool = False, verify: bool = False) -> dict:
    """What ``accounts/includes/passkey_scripts.html`` needs: the library's configuration, the strings
    translated, and which ceremonies the page offers."""
    config = {
        "autocompleteLoginFieldSelector": None,
        # Not input[name=next]: the language switcher's form has one too, earlier in the page.
        "nextFieldSelector": "#passkey-next",
        "csrfToken": csrf.get_token(request),
        "beginAuthenticationUrl": reverse("accounts:passkey_verify_begin"),
        "completeAuthenticationUrl": reverse("accounts:passkey_verify_complete"),
        "beginRegistrationUrl": reverse("accounts:passkey_add_begin"),
        "completeRegistrationUrl": reverse("accounts:passkey_add_complete"),
    }
    return {
        "passkey_config": config,
        "passkey_strings": {msgid: str(text) for msgid, text in SCRIPT_STRINGS.items()},
        "passkey_register": register,
        "passkey_verify": verify,
    }
