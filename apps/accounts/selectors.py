"""Reads on accounts."""

from __future__ import annotations

from django_otp.plugins.otp_totp.models import TOTPDevice
from django_otp_webauthn.models import WebAuthnCredential

from .choices import Role, UserKind
from .models import User


def totp_device_for(user: User) -> TOTPDevice | None:
    """The user's confirmed authenticator, if enrolled."""
    return TOTPDevice.objects.filter(user=user, confirmed=True).first()


def has_second_factor(user: User) -> bool:
    return TOTPDevice.objects.filter(user=user, confirmed=True).exists()


def passkeys_for(user: User) -> list[WebAuthnCredential]:
    """The user's passkeys, the most recently registered first."""
    return list(WebAuthnCredential.objects.filter(user=user, confirmed=True).order_by("-created_at", "-pk"))


def has_passkey(user: User) -> bool:
    return WebAuthnCredential.objects.filter(user=user, confirmed=True).exists()


def verified_with_passkey(user) -> bool:
    """True when this request's session passed its second factor with a passkey (``OTPMiddleware``
    puts the session's device on the user)."""
    return bool(user.is_authenticated and user.is_verified() and isinstance(user.otp_device, WebAuthnCredential))


def may_manage_passkeys(user) -> bool:
    """Adding or removing a passkey: past the second factor, and with a passkey once the account has one."""
    if not (user.is_authenticated and user.is_active and user.is_verified()):
        return False
    return verified_with_passkey(user) or not has_passkey(user)


def active_administrators() -> list[User]:
    return list(User.objects.filter(is_active=True, groups__name=Role.ADMINISTRATOR).distinct())


def active_managers() -> list[User]:
    """Active staff holding the manager role: those told when a deadline is missed."""
    return list(
        User.objects.filter(is_active=True, kind=UserKind.STAFF, groups__name=Role.MANAGER).distinct().order_by("pk")
    )
