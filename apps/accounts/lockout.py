"""django-axes hooks: how an attempt is keyed, and what a locked-out visitor sees."""

from django.shortcuts import render

from apps.audit.services import client_ip

from . import services


def axes_username(request, credentials=None) -> str | None:
    """The attempted e-mail, normalised: changing its case or spaces must not dodge the lockout."""
    value = (credentials or {}).get("username") or request.POST.get("username") or ""
    return value.strip().lower() or None


def lockout_response(request, original_response=None, credentials=None):
    """What django-axes answers while an account or an address is locked out (HTTP 429).

    The page never says whether the account exists; each refused attempt is recorded.
    """
    services.login_failure_record(
        attempted_email=axes_username(request, credentials) or "", ip=client_ip(request), locked_out=True
    )
    return render(request, "accounts/lockout.html", status=429)
