"""Session lifetime and rotation, through the test client: the idle timeout and the absolute lifetime
(time moved by rewriting the session's stored timestamps, never by sleeping), a new session key at
login and at the second factor with the old key dead, and every session of a user ended when the
password changes or the account is deactivated."""

import base64
import time

import pyotp
import pytest
from django.conf import settings
from django.contrib.sessions.backends.db import SessionStore
from django.contrib.sessions.models import Session
from django.test import Client
from django.utils import translation
from django.utils.html import escape
from django_otp.plugins.otp_totp.models import TOTPDevice

from apps.accounts import sessions
from apps.accounts.models import User
from apps.audit.choices import AuditAction
from apps.audit.models import AuditEvent
from apps.cases import services as case_services
from tests.accounts.passkey_support import log_in_with_passkey
from tests.portal.conftest import make_portal_user
from tests.support import PASSWORD, fresh_code, log_in_verified, make_organisation, make_staff, valid_siren

pytestmark = pytest.mark.django_db

LOGIN_URL = "/accounts/login/"


def _session_key(client) -> str:
    return client.cookies[settings.SESSION_COOKIE_NAME].value


def _age(client, key: str, seconds: int) -> None:
    """Move the session's stored timestamp ``key`` ``seconds`` into the past."""
    session = client.session
    session[key] = session[key] - seconds
    session.save()


def _expected_message(reason: str) -> str:
    with translation.override("fr"):
        return escape(sessions._expired_message(reason))


@pytest.fixture
def agent(db):
    return make_staff("agent@cnil.test", roles=("investigator",))


@pytest.fixture
def agent_client(agent):
    client = Client()
    log_in_verified(client, agent)
    return client


# --- Idle timeout and absolute lifetime -----------------------------------------------------------


def test_the_defaults_are_30_minutes_idle_and_12_hours_in_all():
    assert settings.SESSION_IDLE_TIMEOUT == 30 * 60
    assert settings.SESSION_ABSOLUTE_LIFETIME == 12 * 3600
    assert settings.SESSION_COOKIE_AGE == settings.SESSION_ABSOLUTE_LIFETIME
    assert settings.SESSION_ENGINE == "django.contrib.sessions.backends.db"


def test_login_stamps_the_session_and_the_cookie_is_httponly_samesite_and_bounded(agent):
    client = Client()
    before = int(time.time())
    response = client.post(LOGIN_URL, {"username": agent.email, "password": PASSWORD})
    assert response.status_code == 302
    cookie = response.cookies[settings.SESSION_COOKIE_NAME]
    assert cookie["httponly"] is True
    assert cookie["samesite"] == "Lax"
    assert int(cookie["max-age"]) == settings.SESSION_ABSOLUTE_LIFETIME
    session = client.session
    assert before <= session[sessions.SESSION_STARTED_KEY] <= int(time.time())
    assert session[sessions.SESSION_ACTIVITY_KEY] == session[sessions.SESSION_STARTED_KEY]


def test_a_session_idle_past_the_timeout_is_logged_out_with_a_message(agent, agent_client):
    assert agent_client.get("/").status_code == 200
    old_key = _session_key(agent_client)
    _age(agent_client, sessions.SESSION_ACTIVITY_KEY, settings.SESSION_IDLE_TIMEOUT)

    response = agent_client.get("/cases/?status=open")
    assert response.status_code == 302
    assert response["Location"] == f"{LOGIN_URL}?next=/cases/%3Fstatus%3Dopen"
    assert not Session.objects.filter(session_key=old_key).exists(), "the expired session is deleted"
    login_page = agent_client.get(response["Location"])
    assert _expected_message(sessions.IDLE) in login_page.content.decode()
    assert agent_client.get("/")["Location"].startswith(LOGIN_URL), "still logged out"
    event = AuditEvent.objects.filter(action=AuditAction.LOGOUT).get()
    assert (event.actor_id, event.data["reason"]) == (agent.pk, "idle")


def test_activity_within_the_timeout_keeps_the_session_and_moves_its_clock(agent_client):
    _age(agent_client, sessions.SESSION_ACTIVITY_KEY, settings.SESSION_IDLE_TIMEOUT - 5)
    before = int(time.time())
    assert agent_client.get("/").status_code == 200
    assert agent_client.session[sessions.SESSION_ACTIVITY_KEY] >= before
    # A request a few seconds later does not rewrite the session (once a minute at most).
    stamped = agent_client.session[sessions.SESSION_ACTIVITY_KEY]
    assert agent_client.get("/").status_code == 200
    assert agent_client.session[sessions.SESSION_ACTIVITY_KEY] == stamped


def test_an_active_session_ends_at_its_absolute_lifetime(agent, agent_client):
    assert agent_client.get("/").status_code == 200
    _age(agent_client, sessions.SESSION_STARTED_KEY, settings.SESSION_ABSOLUTE_LIFETIME)
    response = agent_client.get("/")
    assert response.status_code == 302
    assert response["Location"].startswith(LOGIN_URL)
    assert _expected_message(sessions.ABSOLUTE) in agent_client.get(response["Location"]).content.decode()
    assert AuditEvent.objects.filter(action=AuditAction.LOGOUT).get().data["reason"] == "absolute"


def test_both_limits_come_from_the_settings(settings, agent_client):
    settings.SESSION_IDLE_TIMEOUT = 120
    _age(agent_client, sessions.SESSION_ACTIVITY_KEY, 100)
    assert agent_client.get("/").status_code == 200
    _age(agent_client, sessions.SESSION_ACTIVITY_KEY, 121)
    assert agent_client.get("/").status_code == 302

    client = Client()
    log_in_verified(client, User.objects.get(email="agent@cnil.test"))
    settings.SESSION_ABSOLUTE_LIFETIME = 3600
    _age(client, sessions.SESSION_STARTED_KEY, 3500)
    assert client.get("/").status_code == 200
    _age(client, sessions.SESSION_STARTED_KEY, 101)
    assert client.get("/").status_code == 302


def test_an_expired_post_does_nothing_and_goes_to_the_login(agent, agent_client):
    _age(agent_client, sessions.SESSION_ACTIVITY_KEY, settings.SESSION_IDLE_TIMEOUT)
    new_password = "a brand new passphrase 2026"
    response = agent_client.post(
        "/accounts/password/",
        {"old_password": PASSWORD, "new_password1": new_password, "new_password2": new_password},
    )
    assert (response.status_code, response["Location"]) == (302, LOGIN_URL)
    agent.refresh_from_db()
    assert agent.check_password(PASSWORD)


def test_an_expired_htmx_request_sends_the_whole_page_to_the_login(agent_client):
    _age(agent_client, sessions.SESSION_ACTIVITY_KEY, settings.SESSION_IDLE_TIMEOUT)
    response = agent_client.get("/cases/", headers={"HX-Request": "true"})
    assert response["HX-Redirect"] == LOGIN_URL


def test_an_organisation_users_expired_session_goes_to_the_portal_login(agent):
    case = case_services.case_open(actor=agent, origin="ex_officio", legal_regime="gdpr", title="Tiers payant")
    insurer = make_organisation("Mutuelle des Tilleuls", valid_siren(41))
    party = case_services.party_add(actor=agent, case=case, organisation=insurer, role="controller", processing="tp")
    dpo = make_portal_user(agent, party, "dpo@tilleuls.example")
    client = Client()
    log_in_verified(client, dpo)
    assert client.get("/portal/").status_code == 200
    _age(client, sessions.SESSION_ACTIVITY_KEY, settings.SESSION_IDLE_TIMEOUT)
    response = client.get("/portal/")
    assert (response.status_code, response["Location"]) == (302, "/portal/login/?next=/portal/")
    assert _expected_message(sessions.IDLE) in client.get(response["Location"]).content.decode()


def test_an_expired_session_between_password_and_second_factor_is_logged_out_too(agent):
    client = Client()
    client.post(LOGIN_URL, {"username": agent.email, "password": PASSWORD})
    _age(client, sessions.SESSION_ACTIVITY_KEY, settings.SESSION_IDLE_TIMEOUT)
    response = client.post("/accounts/2fa/verify/", {"otp_token": fresh_code(agent)})
    assert (response.status_code, response["Location"]) == (302, LOGIN_URL)
    assert client.get("/")["Location"].startswith(LOGIN_URL)


def test_a_session_from_before_the_check_is_stamped_not_refused(agent):
    """Sessions written before this check existed (or by the benchmarks) carry no timestamps."""
    client = Client()
    log_in_verified(client, agent)
    session = client.session
    del session[sessions.SESSION_STARTED_KEY], session[sessions.SESSION_ACTIVITY_KEY]
    session.save()
    assert client.get("/").status_code == 200
    assert sessions.SESSION_STARTED_KEY in client.session


# --- Rotation -------------------------------------------------------------------------------------


def _planted_session(client) -> str:
    """A session an attacker could have planted in the victim's browser before the login."""
    store = SessionStore()
    store["planted"] = True
    store.save()
    client.cookies[settings.SESSION_COOKIE_NAME] = store.session_key
    return store.session_key


def test_password_login_and_second_factor_each_give_a_new_key_and_kill_the_old_one(agent):
    client = Client()
    planted = _planted_session(client)
    client.post(LOGIN_URL, {"username": agent.email, "password": PASSWORD})
    after_password = _session_key(client)
    assert after_password != planted
    assert not Session.objects.filter(session_key=planted).exists()

    response = client.post("/accounts/2fa/verify/", {"otp_token": fresh_code(agent), "next": "/"})
    assert response.status_code == 302
    after_second_factor = _session_key(client)
    assert after_second_factor != after_password
    assert not Session.objects.filter(session_key=after_password).exists()
    assert client.get("/").status_code == 200

    # Someone who copied the key of the half-logged-in session gets nothing with it.
    thief = Client()
    thief.cookies[settings.SESSION_COOKIE_NAME] = after_password
    assert thief.get("/")["Location"].startswith(LOGIN_URL)
    assert thief.get("/accounts/2fa/verify/")["Location"].startswith(LOGIN_URL)


def test_enrolment_of_the_second_factor_gives_a_new_key_too():
    user = make_staff("new@cnil.test", totp=False)
    client = Client()
    client.post(LOGIN_URL, {"username": user.email, "password": PASSWORD})
    assert client.get("/accounts/2fa/setup/").status_code == 200  # creates the pending device
    before = _session_key(client)
    device = TOTPDevice.objects.get(user=user, confirmed=False)
    code = pyotp.TOTP(base64.b32encode(device.bin_key).decode()).now()
    response = client.post("/accounts/2fa/setup/", {"otp_token": code})
    assert response.status_code == 302
    assert _session_key(client) != before
    assert not Session.objects.filter(session_key=before).exists()


# --- Ending every session of a user ---------------------------------------------------------------


def _user_session_count(user) -> int:
    return sum(1 for s in Session.objects.all() if s.get_decoded().get("_auth_user_id") == str(user.pk))


def test_a_password_change_ends_the_users_other_sessions_and_no_one_elses(agent, agent_client):
    laptop, phone = Client(), Client()
    log_in_verified(laptop, agent)
    log_in_verified(phone, agent)
    colleague = make_staff("colleague@cnil.test")
    colleague_client = Client()
    log_in_verified(colleague_client, colleague)
    assert _user_session_count(agent) == 3

    new_password = "a brand new passphrase 2026"
    response = agent_client.post(
        "/accounts/password/",
        {"old_password": PASSWORD, "new_password1": new_password, "new_password2": new_password},
    )
    assert response.status_code == 302
    # The session that changed the password stays (Django's update_session_auth_hash, under a new key).
    assert agent_client.get("/").status_code == 200
    assert _user_session_count(agent) == 1
    for other in (laptop, phone):
        assert other.get("/")["Location"].startswith(LOGIN_URL)
    assert colleague_client.get("/").status_code == 200
    assert AuditEvent.objects.get(action=AuditAction.PASSWORD_CHANGED).data["other_sessions_ended"] == 2


def test_deactivation_in_the_admin_ends_every_session_of_the_account_at_once(agent):
    admin = make_staff("admin@cnil.test", roles=("administrator",))
    admin_client = Client()
    log_in_with_passkey(admin_client, admin)
    browsers = [Client(), Client()]
    for browser in browsers:
        log_in_verified(browser, agent)
    assert _user_session_count(agent) == 2

    response = admin_client.post(
        f"/admin/accounts/user/{agent.pk}/change/",
        {"email": agent.email, "full_name": agent.full_name, "roles": ["investigator"]},  # "active" unticked
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    agent.refresh_from_db()
    assert agent.is_active is False
    assert _user_session_count(agent) == 0
    for browser in browsers:
        assert browser.get("/")["Location"].startswith(LOGIN_URL)
    assert admin_client.get("/").status_code == 200, "the administrator's own session is untouched"
    assert AuditEvent.objects.filter(action=AuditAction.USER_DEACTIVATED).count() == 1
