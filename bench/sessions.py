"""Logged-in sessions for the benchmarks, without the login form.

A benchmark measures pages, not the password hasher or the second factor: the session is
written as the real login leaves it (user id, backend, password hash, second factor passed)
and its key is returned for the ``sessionid`` cookie. Run inside a configured Django.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
from django.utils.module_loading import import_string
from django_otp import DEVICE_ID_SESSION_KEY


def session_for(user) -> str:
    """A saved session for ``user`` with the second factor passed; returns its key.

    Staff pass through their confirmed TOTP device; an account without one (the benchmark's
    generated users) gets one created unconfirmed-then-confirmed here, as enrolment would.
    """
    from django_otp.plugins.otp_totp.models import TOTPDevice

    device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name="bench", confirmed=True)
    store = import_string(settings.SESSION_ENGINE + ".SessionStore")()
    store[SESSION_KEY] = str(user.pk)
    store[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
    store[HASH_SESSION_KEY] = user.get_session_auth_hash()
    store[DEVICE_ID_SESSION_KEY] = device.persistent_id
    store.save()
    return store.session_key
