"""Helpers shared by tests: staff accounts built through the real services, TOTP codes, tampering."""

from __future__ import annotations

import base64
import re
import time
from contextlib import contextmanager

import pyotp
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.plugins.otp_totp.models import TOTPDevice
from stdnum import luhn

from apps.accounts import services
from apps.accounts.models import User
from apps.organisations import services as organisation_services

PASSWORD = "correct horse battery staple 42"

_PER_RESPONSE = re.compile(r'name="csrfmiddlewaretoken" value="[^"]+"|nonce="[^"]+"')


def comparable_page(response_or_text) -> str:
    """A page's HTML without what changes on every response (CSRF token, CSP nonce), so that two
    answers can be compared for "the same page"."""
    text = getattr(response_or_text, "content", response_or_text)
    text = text.decode() if isinstance(text, bytes) else text
    return _PER_RESPONSE.sub("", text)


def make_staff(email: str = "agent@cnil.test", roles=("investigator",), *, full_name: str = "Agent Test", totp=True):
    """A staff account created by the service, with a confirmed TOTP device unless ``totp=False``."""
    user = services.user_create(actor=None, email=email, full_name=full_name, password=PASSWORD, roles=roles)
    if totp:
        TOTPDevice.objects.create(user=user, name=services.TOTP_DEVICE_NAME, confirmed=True)
    return user


def totp_for(user: User) -> pyotp.TOTP:
    device = TOTPDevice.objects.get(user=user, confirmed=True)
    return pyotp.TOTP(base64.b32encode(device.bin_key).decode())


def fresh_code(user: User) -> str:
    """A code the server has not seen yet: the current time step, or the next one if the current
    one was used (django-otp accepts one step of drift), so no test ever sleeps."""
    device = TOTPDevice.objects.get(user=user, confirmed=True)
    now_step = int(time.time()) // device.step
    step = max(now_step, device.last_t + 1)
    return totp_for(user).at(step * device.step)


def log_in_verified(client, user) -> None:
    """Log ``client`` in as ``user`` with the second factor passed, as the real flow leaves it."""
    client.force_login(user)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = TOTPDevice.objects.get(user=user, confirmed=True).persistent_id
    session.save()


@contextmanager
def audit_protection_bypassed(connection):
    """Switch off the audit log's database triggers the way someone with database access would.

    PostgreSQL: replica mode skips ordinary triggers. SQLite: the triggers are dropped, then
    re-created from their saved definitions. Yields a cursor.
    """
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SET session_replication_role = replica")
            try:
                yield cursor
            finally:
                cursor.execute("SET session_replication_role = origin")
            return
        cursor.execute("SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND tbl_name LIKE 'audit%'")
        triggers = cursor.fetchall()
        for name, _sql in triggers:
            cursor.execute(f'DROP TRIGGER "{name}"')
        try:
            yield cursor
        finally:
            for _name, sql in triggers:
                cursor.execute(sql)


def make_organisation(legal_name: str, siren: str = "", *, actor=None, **fields):
    country = fields.pop("country", "FR" if siren else "DE")
    return organisation_services.organisation_create(
        actor=actor, legal_name=legal_name, siren=siren, country=country, **fields
    )


def valid_siren(n: int) -> str:
    """The n-th valid SIREN (8 digits + Luhn key), for test data."""
    body = f"{(10_000_000 + n * 7919) % 100_000_000:08d}"
    return body + luhn.calc_check_digit(body)
