"""django-axes hooks: how an attempt is keyed, and what a locked-out visitor sees."""

from django.conf import settings
from django.shortcuts import render
from django.urls import reverse

from apps.audit.services import client_ip

from . import services


def axes_username(request, credentials=None) -> str | None:
    """The attempted e-mail, normalised: changing its case or spaces must not dodge the lockout."""
    value = (credentials or {}).get("username") or request.POST.get("username") or ""
    return value.strip().lower() or None


def lockout_response(request, original_response=None, credentials=None):
    """What django-axes answers while an account or an address is locked out (HTTP 429).

    The page never says whether the account exists; each refused attempt is recorded. On the
    portal's login page it keeps the portal's layout and points back to the portal's login.
    """
    services.login_failure_record(
        attempted_email=axes_username(request, credentials) or "", ip=client_ip(request), locked_out=True
    )
    context = {"login_url": reverse("accounts:login")}
    if request.path_info.startswith(settings.PORTAL_URL_PREFIX):
        context = {"login_url": settings.PORTAL_LOGIN_URL, "base_template": settings.PORTAL_BASE_TEMPLATE}
    return render(request, "accounts/lockout.html", context, status=429)
