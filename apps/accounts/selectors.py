"""Reads on accounts."""

from __future__ import annotations

from django_otp.plugins.otp_totp.models import TOTPDevice

from .choices import Role, UserKind
from .models import User


def totp_device_for(user: User) -> TOTPDevice | None:
    """The user's confirmed authenticator, if enrolled."""
    return TOTPDevice.objects.filter(user=user, confirmed=True).first()


def has_second_factor(user: User) -> bool:
    return TOTPDevice.objects.filter(user=user, confirmed=True).exists()


def active_administrators() -> list[User]:
    return list(User.objects.filter(is_active=True, groups__name=Role.ADMINISTRATOR).distinct())


def active_managers() -> list[User]:
    """Active staff holding the manager role: those told when a deadline is missed."""
    return list(
        User.objects.filter(is_active=True, kind=UserKind.STAFF, groups__name=Role.MANAGER).distinct().order_by("pk")
    )
