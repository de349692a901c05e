"""The operator's way out when the only administrator has lost their passkey: no one can open the admin
to reset it, so ``manage.py reset_second_factor`` does it from the server, audited."""

import pytest
from django.core.management import CommandError, call_command
from django.test import Client
from django_otp.plugins.otp_totp.models import TOTPDevice
from django_otp_webauthn.models import WebAuthnCredential

from apps.audit.choices import AuditAction
from apps.audit.models import AuditEvent
from tests.accounts.passkey_support import log_in_with_passkey, make_passkey
from tests.support import make_staff

pytestmark = pytest.mark.django_db


def test_the_last_administrators_lost_passkey_is_reset_from_the_server(capsys):
    admin = make_staff("seule.admin@cnil.test", roles=("administrator",))
    make_passkey(admin)
    browser = Client()
    log_in_with_passkey(browser, admin)
    assert browser.get("/admin/").status_code == 200

    call_command("reset_second_factor", "Seule.Admin@CNIL.test")

    assert "seule.admin@cnil.test" in capsys.readouterr().out
    assert not WebAuthnCredential.objects.filter(user=admin).exists()
    assert not TOTPDevice.objects.filter(user=admin).exists()
    assert browser.get("/admin/").status_code == 302, "the sessions of the account are ended too"
    event = AuditEvent.objects.get(action=AuditAction.OTP_RESET)
    assert event.actor_id is None
    assert event.object_id == str(admin.pk)


def test_an_unknown_address_is_an_error_and_changes_nothing():
    someone = make_staff("agent@cnil.test")
    with pytest.raises(CommandError, match=r"nobody@cnil\.test"):
        call_command("reset_second_factor", "nobody@cnil.test")
    assert TOTPDevice.objects.filter(user=someone).exists()
    assert not AuditEvent.objects.filter(action=AuditAction.OTP_RESET).exists()
