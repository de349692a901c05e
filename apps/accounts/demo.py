"""Demo accounts for a laptop: known passwords and known TOTP secrets, never for production."""

import base64
import hashlib
from dataclasses import dataclass

from django.db import transaction
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from . import services
from .choices import Role
from .models import User

DEMO_PASSWORD = "demo-cnilcase-2026"  # noqa: S105 - demo accounts only, refused without DEBUG


@dataclass(frozen=True)
class DemoAccount:
    email: str
    full_name: str
    roles: tuple[str, ...]


DEMO_ACCOUNTS = (
    DemoAccount("investigator@demo.cnil.fr", "Inès Leroy", (Role.INVESTIGATOR,)),
    DemoAccount("investigator2@demo.cnil.fr", "Hugo Martin", (Role.INVESTIGATOR,)),
    DemoAccount("investigator3@demo.cnil.fr", "Léa Moreau", (Role.INVESTIGATOR,)),
    DemoAccount("manager@demo.cnil.fr", "Claire Dubois", (Role.MANAGER,)),
    DemoAccount("legal@demo.cnil.fr", "Paul Bernard", (Role.LEGAL,)),
    DemoAccount("admin@demo.cnil.fr", "Amina Diallo", (Role.ADMINISTRATOR,)),
)


def demo_totp_key(email: str) -> str:
    """A fixed secret per demo account (hex, as django-otp stores it), so set-ups survive reseeding."""
    return hashlib.sha256(f"cnilcase-demo-totp:{email}".encode()).hexdigest()[:40]


def base32_secret(hex_key: str) -> str:
    return base64.b32encode(bytes.fromhex(hex_key)).decode().rstrip("=")


def current_code(hex_key: str) -> str:
    totp = TOTP(bytes.fromhex(hex_key), step=30, t0=0, digits=6)
    return f"{totp.token():06d}"


@transaction.atomic
def seed_demo_accounts() -> list[tuple[DemoAccount, User, bool]]:
    """Create the missing demo accounts with their TOTP device; leaves existing ones as they are."""
    results = []
    for account in DEMO_ACCOUNTS:
        user = User.objects.filter(email=account.email).first()
        created = user is None
        if created:
            user = services.user_create(
                actor=None,
                email=account.email,
                full_name=account.full_name,
                password=DEMO_PASSWORD,
                roles=account.roles,
            )
        if not TOTPDevice.objects.filter(user=user, confirmed=True).exists():
            TOTPDevice.objects.filter(user=user).delete()
            TOTPDevice.objects.create(
                user=user, name=services.TOTP_DEVICE_NAME, key=demo_totp_key(account.email), confirmed=True
            )
        results.append((account, user, created))
    return results
