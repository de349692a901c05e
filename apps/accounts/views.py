"""Login, second factor, logout, password change and the home page.

Thin views: the form checks input, a service in ``services.py`` writes and records the audit
event, the view renders or redirects.
"""

import segno
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout, update_session_auth_hash
from django.contrib.auth import views as auth_views
from django.contrib.auth.forms import PasswordChangeForm
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import redirect
from django.urls import reverse, reverse_lazy
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views import View
from django.views.generic import FormView, TemplateView
from django_otp import login as otp_login

from apps.audit.services import client_ip
from apps.core.registry import home_panels

from . import passkeys, selectors, services
from .choices import ROLE_DESCRIPTIONS, Role, UserKind
from .forms import EnrolmentForm, LoginForm, TokenForm
from .permissions import RoleRequiredMixin

RECOVERY_CODES_SESSION_KEY = "accounts_recovery_codes"


def home_url_for(user) -> str:
    """Where an account lands by default: the portal for organisation users, the staff home otherwise."""
    if getattr(user, "kind", None) == UserKind.ORGANISATION:
        return settings.PORTAL_URL_PREFIX
    return reverse("accounts:home")


def _safe_next(request, default: str) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}, require_https=request.is_secure()):
        return target
    return default


class LoginView(auth_views.LoginView):
    template_name = "accounts/login.html"
    authentication_form = LoginForm
    redirect_authenticated_user = True

    def form_valid(self, form):
        response = super().form_valid(form)
        services.login_record(user=form.get_user(), ip=client_ip(self.request))
        return response

    def form_invalid(self, form):
        # A lockout is recorded by lockout_response, which replaces this page.
        if not getattr(self.request, "axes_locked_out", False):
            services.login_failure_record(
                attempted_email=self.request.POST.get("username", ""), ip=client_ip(self.request), locked_out=False
            )
        return super().form_invalid(form)

    def get_success_url(self):
        # After the password comes the second factor; keep where the user was going.
        target = self.get_redirect_url() or home_url_for(self.request.user)
        step = "accounts:otp_verify" if selectors.has_second_factor(self.request.user) else "accounts:otp_setup"
        return f"{reverse(step)}?next={target}"


class LogoutView(View):
    """POST only: logging out through a link would let any page log the user out."""

    http_method_names = ["post"]
    success_url = reverse_lazy("accounts:login")

    def post(self, request):
        if request.user.is_authenticated:
            services.logout_record(user=request.user, ip=client_ip(request))
        logout(request)
        messages.success(request, _("You are logged out."))
        return redirect(self.success_url)


class PendingSecondFactorMixin(LoginRequiredMixin):
    """Pages between the password and the second factor: logged in, not yet verified."""

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated and request.user.is_verified():
            return HttpResponseRedirect(_safe_next(request, home_url_for(request.user)))
        return super().dispatch(request, *args, **kwargs)


class OTPVerifyView(PendingSecondFactorMixin, FormView):
    template_name = "accounts/otp_verify.html"
    form_class = TokenForm

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated and not selectors.has_second_factor(request.user):
            return redirect("accounts:otp_setup")
        return super().dispatch(request, *args, **kwargs)

    def form_valid(self, form):
        device = services.second_factor_verify(
            actor=self.request.user, token=form.cleaned_data["otp_token"], ip=client_ip(self.request)
        )
        if device is None:
            form.add_error("otp_token", _("This code is not valid. Check your app's clock and try again."))
            return self.form_invalid(form)
        otp_login(self.request, device)
        self.request.session.cycle_key()
        if device.name == services.RECOVERY_DEVICE_NAME:
            messages.warning(
                self.request,
                _("You used a recovery code; it will not work again. Regenerate your codes if few are left."),
            )
        return HttpResponseRedirect(_safe_next(self.request, home_url_for(self.request.user)))

    def get_context_data(self, **kwargs):
        context = super().get_context_data(next=_safe_next(self.request, ""), **kwargs)
        if selectors.has_passkey(self.request.user):
            # The passkey button beside the code form (apps/accounts/passkeys.py checks the answer).
            context.update(passkeys.script_context(self.request, verify=True), has_passkey=True)
        return context


class OTPSetupView(PendingSecondFactorMixin, FormView):
    """Enrolment at first login: the secret as a QR code and as text, then a first code."""

    template_name = "accounts/otp_setup.html"
    form_class = EnrolmentForm

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated and selectors.has_second_factor(request.user):
            return redirect("accounts:otp_verify")
        return super().dispatch(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        device = services.totp_enrolment_start(actor=self.request.user)
        qr = segno.make(device.config_url, error="m")
        secret = device.config_url.split("secret=")[1].split("&")[0]
        return super().get_context_data(
            qr_svg=qr.svg_inline(scale=5, title=_("QR code to scan with your authenticator app")),
            secret=" ".join(secret[i : i + 4] for i in range(0, len(secret), 4)),
            next=_safe_next(self.request, ""),
            **kwargs,
        )

    def form_valid(self, form):
        device = services.totp_enrolment_start(actor=self.request.user)
        codes = services.totp_enrolment_confirm(
            actor=self.request.user, device=device, token=form.cleaned_data["otp_token"], ip=client_ip(self.request)
        )
        if codes is None:
            form.add_error("otp_token", _("This code is not valid. Check your app's clock and try again."))
            return self.form_invalid(form)
        otp_login(self.request, device)
        self.request.session.cycle_key()
        self.request.session[RECOVERY_CODES_SESSION_KEY] = codes
        return redirect(f"{reverse('accounts:recovery_codes')}?next={_safe_next(self.request, '')}")


class RecoveryCodesView(LoginRequiredMixin, TemplateView):
    """Shows freshly generated recovery codes once; POST generates a new set.

    Any account past its second factor (``SecondFactorRequiredMiddleware``): staff, and people
    acting for an organisation, whose portal enrolment ends here too.
    """

    template_name = "accounts/recovery_codes.html"

    def get_context_data(self, **kwargs):
        codes = self.request.session.pop(RECOVERY_CODES_SESSION_KEY, None)
        next_url = _safe_next(self.request, home_url_for(self.request.user))
        return super().get_context_data(codes=codes, next=next_url, **kwargs)

    def post(self, request):
        request.session[RECOVERY_CODES_SESSION_KEY] = services.recovery_codes_regenerate(
            actor=request.user, ip=client_ip(request)
        )
        return redirect("accounts:recovery_codes")


class PasskeysView(RoleRequiredMixin, TemplateView):
    """A staff member's passkeys: add one, remove one, or confirm this session with one (the admin
    sends administrators here, with ``?next=``, until their session is verified with a passkey)."""

    template_name = "accounts/passkeys.html"
    allowed_roles = None

    def get_context_data(self, **kwargs):
        user = self.request.user
        mine = selectors.passkeys_for(user)
        verified_with_passkey = selectors.verified_with_passkey(user)
        may_manage = selectors.may_manage_passkeys(user)
        return super().get_context_data(
            passkeys=mine,
            verified_with_passkey=verified_with_passkey,
            may_manage=may_manage,
            next=_safe_next(self.request, ""),
            **passkeys.script_context(
                self.request, register=may_manage, verify=bool(mine) and not verified_with_passkey
            ),
            **kwargs,
        )


class PasskeyRemoveView(RoleRequiredMixin, View):
    """POST only: removes one of the user's own passkeys (any other id is a 404)."""

    allowed_roles = None
    http_method_names = ["post"]

    def post(self, request):
        try:
            credential_id = int(request.POST.get("passkey", ""))
        except ValueError:
            raise Http404 from None
        try:
            services.passkey_remove(actor=request.user, credential_id=credential_id, ip=client_ip(request))
        except PermissionDenied as exc:
            messages.error(request, str(exc))
        except ValidationError:
            raise Http404 from None
        else:
            messages.success(request, _("The passkey has been removed."))
        return redirect("accounts:passkeys")


class PasswordChangeView(LoginRequiredMixin, FormView):
    """Any account past its second factor changes its own password (staff and organisation users)."""

    template_name = "accounts/password_change.html"
    form_class = PasswordChangeForm

    def get_success_url(self):
        return home_url_for(self.request.user)

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "user": self.request.user}

    def form_valid(self, form):
        ended = services.password_change(
            actor=self.request.user,
            new_password=form.cleaned_data["new_password1"],
            keep_session_key=self.request.session.session_key,
            ip=client_ip(self.request),
        )
        # Keeps this session (and its verified second factor) valid under the new password.
        update_session_auth_hash(self.request, self.request.user)
        messages.success(
            self.request,
            _("Your password has been changed. Other sessions ended: %(count)d.") % {"count": ended},
        )
        return super().form_valid(form)


class HomeView(RoleRequiredMixin, TemplateView):
    """Who you are, what your roles let you do, and the panels higher apps register (``home_panels``)."""

    template_name = "accounts/home.html"
    allowed_roles = None

    def get_context_data(self, **kwargs):
        user = self.request.user
        my_roles = [(Role(r).label, ROLE_DESCRIPTIONS[Role(r)]) for r in Role.values if r in user.roles]
        panels = [
            (panel, panel.context(user, self.request))
            for panel in home_panels.all()
            if panel.visible(user, self.request)
        ]
        return super().get_context_data(my_roles=my_roles, panels=panels, **kwargs)
