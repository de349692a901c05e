"""Passkeys through the test client and the real endpoints, answered by a software authenticator
(tests/accounts/passkey_support.py) that py_webauthn checks like a browser: registering one after the
app code, using it at the second-factor step (new session key), the refusals (another site's origin,
someone else's passkey, a code session changing passkeys), the admin closed to administrators whose
session was not verified with a passkey, and the audit events of each."""

import pytest
from django.conf import settings
from django.contrib.sessions.models import Session
from django.test import Client
from django.utils.html import escape
from django.utils.translation import gettext, override
from django_otp_webauthn.models import WebAuthnCredential

from apps.accounts import services
from apps.audit.choices import AuditAction
from apps.audit.models import AuditEvent
from tests.accounts.passkey_support import (
    SoftAuthenticator,
    log_in_with_passkey,
    make_passkey,
    register_passkey,
    verify_with_passkey,
)
from tests.support import PASSWORD, fresh_code, log_in_verified, make_staff

pytestmark = pytest.mark.django_db

LOGIN_URL = "/accounts/login/"


def _key(client) -> str:
    return client.cookies[settings.SESSION_COOKIE_NAME].value


def _actions(user) -> list[str]:
    return list(AuditEvent.objects.filter(object_id=str(user.pk)).order_by("seq").values_list("action", flat=True))


def _password_only(user) -> Client:
    client = Client()
    response = client.post(LOGIN_URL, {"username": user.email, "password": PASSWORD})
    assert response.status_code == 302
    return client


@pytest.fixture
def agent(db):
    return make_staff("agent@cnil.test", roles=("investigator",))


@pytest.fixture
def administrator(db):
    return make_staff("admin@cnil.test", roles=("administrator",), full_name="Amina Diallo")


# --- Registering ----------------------------------------------------------------------------------


def test_a_staff_member_registers_a_passkey_after_the_app_code_and_the_page_lists_it(agent):
    client = Client()
    log_in_verified(client, agent)
    page = client.get("/accounts/passkeys/")
    assert page.status_code == 200
    assert 'id="passkey-none"' in page.content.decode()
    assert 'id="passkey-register-button"' in page.content.decode()

    _authenticator, response = register_passkey(client)
    assert response.status_code == 200, response.content
    credential = WebAuthnCredential.objects.get(user=agent)
    assert response.json() == {"id": credential.pk}
    event = AuditEvent.objects.filter(action=AuditAction.PASSKEY_REGISTERED).get()
    assert (event.actor_id, event.object_id, event.data["passkey"]) == (agent.pk, str(agent.pk), credential.pk)
    assert 'id="passkey-list"' in client.get("/accounts/passkeys/").content.decode()


def test_a_session_past_the_password_only_cannot_register_a_passkey(agent):
    client = _password_only(agent)
    response = client.post("/accounts/passkeys/add/begin/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/2fa/verify/")
    assert client.post("/accounts/2fa/passkey/begin/").status_code == 200  # but may use one it has
    assert not WebAuthnCredential.objects.exists()


def test_a_registration_answered_for_another_site_is_refused(agent):
    client = Client()
    log_in_verified(client, agent)
    _authenticator, response = register_passkey(client, SoftAuthenticator(origin="https://cnil-fr.example"))
    assert response.status_code == 422
    assert not WebAuthnCredential.objects.exists()
    assert AuditAction.PASSKEY_REGISTERED not in _actions(agent)


def test_once_an_account_has_a_passkey_a_code_session_can_neither_add_nor_remove_one(agent):
    passkey = make_passkey(agent)
    client = Client()
    log_in_verified(client, agent)  # password + app code, as a thief with both would be
    response = client.post("/accounts/passkeys/add/begin/")
    assert response.status_code == 403
    assert response.json()["code"] == "passkey_not_allowed"
    page = client.post("/accounts/passkeys/remove/", {"passkey": passkey.pk}, follow=True)
    assert WebAuthnCredential.objects.filter(pk=passkey.pk).exists()
    assert 'id="passkey-manage-locked"' in page.content.decode()
    assert AuditAction.PASSKEY_REMOVED not in _actions(agent)


def test_a_passkey_session_removes_its_own_passkey_and_no_one_elses(agent):
    other = make_staff("autre@cnil.test")
    theirs = make_passkey(other)
    client = Client()
    log_in_with_passkey(client, agent)
    mine = WebAuthnCredential.objects.get(user=agent)

    assert client.get("/accounts/passkeys/remove/").status_code == 405
    assert client.post("/accounts/passkeys/remove/", {"passkey": theirs.pk}).status_code == 404
    assert WebAuthnCredential.objects.filter(pk=theirs.pk).exists()
    response = client.post("/accounts/passkeys/remove/", {"passkey": mine.pk})
    assert response.status_code == 302
    assert not WebAuthnCredential.objects.filter(pk=mine.pk).exists()
    event = AuditEvent.objects.filter(action=AuditAction.PASSKEY_REMOVED).get()
    assert (event.actor_id, event.data["passkey"]) == (agent.pk, mine.pk)
    # The session was verified with that passkey: it is gone, so the session passes its second factor again.
    assert client.get("/accounts/passkeys/")["Location"].startswith("/accounts/2fa/verify/")


# --- Using one at the second-factor step ------------------------------------------------------------


def test_the_second_factor_page_offers_the_passkey_only_to_those_who_have_one(agent):
    without = _password_only(agent).get("/accounts/2fa/verify/").content.decode()
    assert 'id="passkey-verification"' not in without
    make_passkey(agent)
    page = _password_only(agent).get("/accounts/2fa/verify/?next=/cases/").content.decode()
    assert 'id="passkey-verification-placeholder"' in page
    # Where the script sends the user afterwards (not the language switcher's own "next" field).
    assert '<input type="hidden" id="passkey-next" value="/cases/">' in page
    assert "django_otp_webauthn/otp_webauthn_auth.js" in page
    assert 'id="passkey-strings"' in page  # the library's strings, in the page's language


def test_a_passkey_passes_the_second_factor_with_a_new_session_key(agent):
    client = Client()
    log_in_verified(client, agent)
    authenticator, _response = register_passkey(client)
    client.post("/accounts/logout/")

    client = _password_only(agent)
    assert client.get("/cases/")["Location"].startswith("/accounts/2fa/verify/")
    after_password = _key(client)
    response = verify_with_passkey(client, authenticator, next_url="/cases/")
    assert response.status_code == 200, response.content
    assert response.json()["redirect_url"] == "/cases/"
    assert _key(client) != after_password
    assert not Session.objects.filter(session_key=after_password).exists()
    assert client.get("/cases/").status_code == 200
    assert WebAuthnCredential.objects.get(user=agent).sign_count == 1
    assert _actions(agent)[-1] == AuditAction.PASSKEY_VERIFIED


def test_a_foreign_next_is_not_followed_after_a_passkey(agent):
    client = Client()
    log_in_verified(client, agent)
    authenticator, _response = register_passkey(client)
    client = _password_only(agent)
    response = verify_with_passkey(client, authenticator, next_url="https://evil.example/")
    assert response.status_code == 200
    assert response.json()["redirect_url"] == "/"


def test_an_assertion_made_for_a_look_alike_site_is_refused_and_recorded(agent):
    client = Client()
    log_in_verified(client, agent)
    authenticator, _response = register_passkey(client)
    client = _password_only(agent)
    authenticator.origin = "https://cnil-fr.example"  # a phishing page relaying the challenge
    response = verify_with_passkey(client, authenticator)
    assert response.status_code == 422
    assert client.get("/cases/")["Location"].startswith("/accounts/2fa/verify/")
    event = AuditEvent.objects.filter(action=AuditAction.PASSKEY_FAILED).get()
    assert event.actor_id == agent.pk
    assert AuditAction.PASSKEY_VERIFIED not in _actions(agent)


def test_someone_elses_passkey_does_not_pass_the_second_factor(agent):
    other = make_staff("autre@cnil.test")
    theirs = Client()
    log_in_verified(theirs, other)
    their_authenticator, _response = register_passkey(theirs)

    client = _password_only(agent)
    response = verify_with_passkey(client, their_authenticator)
    assert response.status_code == 422
    assert client.get("/cases/")["Location"].startswith("/accounts/2fa/verify/")
    assert _actions(agent)[-1] == AuditAction.PASSKEY_FAILED


def test_anonymous_visitors_get_no_passkey_options(agent):
    make_passkey(agent)
    response = Client().post("/accounts/2fa/passkey/begin/")
    assert response.status_code == 403
    assert "allowCredentials" not in response.content.decode()


# --- The admin needs a passkey ----------------------------------------------------------------------


def test_an_administrator_verified_with_the_app_is_sent_to_register_a_passkey(administrator):
    client = Client()
    log_in_verified(client, administrator)
    response = client.get("/admin/accounts/user/")
    assert response.status_code == 302
    assert response["Location"] == "/accounts/passkeys/?next=%2Fadmin%2Faccounts%2Fuser%2F"
    page = client.get(response["Location"]).content.decode()
    with override("fr"):
        message = gettext(
            "The administration needs a session verified with a passkey, and you have none yet: "
            "register one below, then confirm this session with it."
        )
    assert escape(message) in page

    # Nor can an admin action be posted: the user is left as is.
    agent = make_staff("agent@cnil.test")
    response = client.post("/admin/accounts/user/", {"action": "reset_second_factor", "_selected_action": [agent.pk]})
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/passkeys/")
    assert AuditAction.OTP_RESET not in _actions(agent)


def test_a_new_administrator_registers_a_passkey_confirms_the_session_and_reaches_the_admin(administrator):
    client = Client()
    log_in_verified(client, administrator)
    authenticator, response = register_passkey(client)
    assert response.status_code == 200
    # Registering is not using: the session still has to be confirmed with the passkey.
    response = client.get("/admin/")
    assert response["Location"].startswith("/accounts/passkeys/")
    page = client.get(response["Location"]).content.decode()
    assert 'id="passkey-confirm-title"' in page

    before = _key(client)
    response = verify_with_passkey(client, authenticator, next_url="/admin/")
    assert response.json()["redirect_url"] == "/admin/"
    assert _key(client) != before
    assert client.get("/admin/").status_code == 200
    assert client.get("/admin/accounts/user/").status_code == 200
    assert 'id="session-passkey-verified"' in client.get("/accounts/passkeys/").content.decode()


def test_a_passkey_opens_the_admin_to_administrators_only(agent):
    client = Client()
    log_in_with_passkey(client, agent)
    assert client.get("/admin/").status_code == 404


def test_a_recovery_code_does_not_open_the_admin_either(administrator):
    make_passkey(administrator)
    codes = services.recovery_codes_regenerate(actor=administrator, ip=None)
    client = _password_only(administrator)
    client.post("/accounts/2fa/verify/", {"otp_token": codes[0], "next": "/"})
    assert client.get("/").status_code == 200
    response = client.get("/admin/")
    assert response["Location"].startswith("/accounts/passkeys/")
    with override("fr"):
        message = gettext(
            "The administration needs a session verified with a passkey: confirm it with your passkey below."
        )
    assert escape(message) in client.get(response["Location"]).content.decode()


def test_a_second_factor_reset_removes_the_passkeys_too(administrator, agent):
    make_passkey(agent)
    services.second_factor_reset(actor=administrator, user=agent)
    assert not WebAuthnCredential.objects.filter(user=agent).exists()
    client = _password_only(agent)
    assert client.get("/")["Location"].startswith("/accounts/2fa/setup/")


def test_the_app_code_still_works_for_someone_with_a_passkey(agent):
    make_passkey(agent)
    client = _password_only(agent)
    response = client.post("/accounts/2fa/verify/", {"otp_token": fresh_code(agent), "next": "/"})
    assert response.status_code == 302
    assert client.get("/").status_code == 200
