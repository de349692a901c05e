"""Login, second factor, lockout, logout, password change and language, through the test client."""

import base64
import re

import pyotp
import pytest
from django.test import Client
from django.urls import reverse
from django_otp.plugins.otp_static.models import StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from apps.accounts import services
from apps.audit.choices import AuditAction
from apps.audit.models import AuditEvent
from tests.support import PASSWORD, fresh_code, log_in_verified, make_staff

pytestmark = pytest.mark.django_db

LOGIN_URL = "/accounts/login/"
WRONG_CREDENTIALS_FR = "L’adresse électronique ou le mot de passe est incorrect."


def actions() -> list[str]:
    return list(AuditEvent.objects.order_by("seq").values_list("action", flat=True))


def password_step(client, email, password=PASSWORD, **extra):
    return client.post(LOGIN_URL, {"username": email, "password": password}, **extra)


def test_unknown_email_and_wrong_password_get_the_same_message():
    user = make_staff("agent@cnil.test")
    unknown = password_step(Client(), "nobody@cnil.test")
    wrong = password_step(Client(), "agent@cnil.test", "not the password")
    assert unknown.status_code == wrong.status_code == 200
    assert WRONG_CREDENTIALS_FR in unknown.content.decode()
    assert WRONG_CREDENTIALS_FR in wrong.content.decode()
    failed = AuditEvent.objects.filter(action=AuditAction.LOGIN_FAILED).order_by("seq")
    assert [e.data["attempted_email"] for e in failed] == ["nobody@cnil.test", "agent@cnil.test"]
    assert [e.object_id for e in failed] == ["", str(user.pk)]


def test_password_then_code_reaches_home_and_records_both_steps():
    user = make_staff("agent@cnil.test", roles=("investigator",))
    client = Client()
    response = password_step(client, user.email)
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/2fa/verify/")
    # Before the second factor every other page sends back to it.
    assert client.get("/").status_code == 302
    assert client.get("/")["Location"].startswith("/accounts/2fa/verify/")
    response = client.post("/accounts/2fa/verify/", {"otp_token": fresh_code(user), "next": "/"})
    assert response.status_code == 302
    assert response["Location"] == "/"
    home = client.get("/")
    assert home.status_code == 200
    page = home.content.decode()
    assert "agent@cnil.test" in page
    assert "Enquêteur" in page
    assert actions()[-2:] == [AuditAction.LOGIN, AuditAction.OTP_VERIFIED]


def test_wrong_and_replayed_codes_are_refused():
    user = make_staff("agent@cnil.test")
    first = Client()
    password_step(first, user.email)
    code = fresh_code(user)
    bad = first.post("/accounts/2fa/verify/", {"otp_token": "000000" if code != "000000" else "111111"})
    assert bad.status_code == 200
    assert "Ce code n’est pas valide" in bad.content.decode()
    assert AuditEvent.objects.filter(action=AuditAction.OTP_FAILED).count() == 1
    TOTPDevice.objects.filter(user=user).update(throttling_failure_count=0, throttling_failure_timestamp=None)
    assert first.post("/accounts/2fa/verify/", {"otp_token": code}).status_code == 302
    # The same code, from another browser, a moment later: refused (replay).
    second = Client()
    password_step(second, user.email)
    replay = second.post("/accounts/2fa/verify/", {"otp_token": code})
    assert replay.status_code == 200
    assert second.get("/").status_code == 302
    assert AuditEvent.objects.filter(action=AuditAction.OTP_FAILED).count() == 2


def test_enrolment_shows_qr_and_secret_then_recovery_codes_once():
    user = make_staff("new@cnil.test", totp=False)
    client = Client()
    response = password_step(client, user.email)
    assert response["Location"].startswith("/accounts/2fa/setup/")
    page = client.get("/accounts/2fa/setup/").content.decode()
    assert "<svg" in page
    device = TOTPDevice.objects.get(user=user, confirmed=False)
    secret = base64.b32encode(device.bin_key).decode()
    assert " ".join(secret[i : i + 4] for i in range(0, len(secret), 4)) in page
    wrong = client.post("/accounts/2fa/setup/", {"otp_token": "12345a"})
    assert wrong.status_code == 200
    assert "6 chiffres" in wrong.content.decode()
    response = client.post("/accounts/2fa/setup/", {"otp_token": pyotp.TOTP(secret).now()})
    assert response.status_code == 302
    codes_page = client.get(response["Location"]).content.decode()
    codes = list(StaticToken.objects.filter(device__user=user).values_list("token", flat=True))
    assert len(codes) == 10
    assert all(code in codes_page for code in codes)
    again = client.get("/accounts/recovery-codes/").content.decode()
    assert not any(code in again for code in codes), "recovery codes must be shown only once"
    assert {AuditAction.OTP_ENROLLED, AuditAction.RECOVERY_CODES_GENERATED} <= set(actions())


def test_recovery_code_works_once():
    user = make_staff("agent@cnil.test")
    codes = services.recovery_codes_regenerate(actor=user, ip=None)
    first = Client()
    password_step(first, user.email)
    assert first.post("/accounts/2fa/verify/", {"otp_token": codes[0]}).status_code == 302
    assert first.get("/").status_code == 200
    assert AuditEvent.objects.filter(action=AuditAction.RECOVERY_CODE_USED).count() == 1
    second = Client()
    password_step(second, user.email)
    assert second.post("/accounts/2fa/verify/", {"otp_token": codes[0]}).status_code == 200
    assert second.get("/").status_code == 302


def test_lockout_per_account_even_with_the_right_password(settings):
    user = make_staff("agent@cnil.test")
    for i in range(settings.AXES_FAILURE_LIMIT):
        password_step(Client(), user.email, "wrong", REMOTE_ADDR=f"10.0.0.{i + 1}")
    locked = password_step(Client(), user.email, PASSWORD, REMOTE_ADDR="10.0.1.1")
    assert locked.status_code == 429
    assert "Accès temporairement verrouillé" in locked.content.decode()
    assert AuditEvent.objects.filter(action=AuditAction.LOCKOUT).exists()


def test_lockout_per_address_across_accounts(settings):
    make_staff("agent@cnil.test")
    for i in range(settings.AXES_FAILURE_LIMIT):
        password_step(Client(), f"guess{i}@cnil.test", "wrong", REMOTE_ADDR="10.9.9.9")
    locked = password_step(Client(), "agent@cnil.test", PASSWORD, REMOTE_ADDR="10.9.9.9")
    assert locked.status_code == 429
    # Another address is not locked.
    assert password_step(Client(), "agent@cnil.test", PASSWORD, REMOTE_ADDR="10.9.9.8").status_code == 302


def test_lockout_page_is_the_same_for_an_unknown_account(settings):
    make_staff("agent@cnil.test")
    pages = []
    for email in ("agent@cnil.test", "ghost@cnil.test"):
        for _i in range(settings.AXES_FAILURE_LIMIT):
            password_step(Client(), email, "wrong", REMOTE_ADDR="10.1.1.1" if email.startswith("a") else "10.2.2.2")
        pages.append(
            password_step(Client(), email, "wrong", REMOTE_ADDR="10.1.1.1" if email.startswith("a") else "10.2.2.2")
        )
    assert pages[0].status_code == pages[1].status_code == 429
    csrf = re.compile(r'name="csrfmiddlewaretoken" value="[^"]+"')
    assert csrf.sub("", pages[0].content.decode()) == csrf.sub("", pages[1].content.decode())


def test_logout_is_post_only_and_recorded(client):
    user = make_staff("agent@cnil.test")
    log_in_verified(client, user)
    assert client.get("/accounts/logout/").status_code == 405
    response = client.post("/accounts/logout/")
    assert response.status_code == 302
    assert client.get("/")["Location"].startswith(LOGIN_URL)
    assert actions()[-1] == AuditAction.LOGOUT


def test_password_change_ends_other_sessions(client):
    user = make_staff("agent@cnil.test")
    other = Client()
    log_in_verified(client, user)
    log_in_verified(other, user)
    new_password = "a brand new passphrase 2026"
    response = client.post(
        "/accounts/password/",
        {"old_password": PASSWORD, "new_password1": new_password, "new_password2": new_password},
    )
    assert response.status_code == 302
    assert client.get("/").status_code == 200, "the session that changed the password stays"
    assert other.get("/")["Location"].startswith(LOGIN_URL), "other sessions end"
    event = AuditEvent.objects.get(action=AuditAction.PASSWORD_CHANGED)
    assert event.data["other_sessions_ended"] == 1
    user.refresh_from_db()
    assert user.check_password(new_password)


def test_password_change_refuses_a_weak_password_without_writing(client):
    user = make_staff("agent@cnil.test")
    log_in_verified(client, user)
    response = client.post(
        "/accounts/password/", {"old_password": PASSWORD, "new_password1": "123", "new_password2": "123"}
    )
    assert response.status_code == 200
    assert "fr-input--error" in response.content.decode()
    user.refresh_from_db()
    assert user.check_password(PASSWORD)
    assert not AuditEvent.objects.filter(action=AuditAction.PASSWORD_CHANGED).exists()


def test_language_switch_to_english_and_back(client):
    user = make_staff("agent@cnil.test")
    log_in_verified(client, user)
    assert "Vos rôles" in client.get("/").content.decode()
    client.post(reverse("set_language"), {"language": "en", "next": "/"})
    assert "Your roles" in client.get("/").content.decode()
    client.post(reverse("set_language"), {"language": "fr", "next": "/"})
    assert "Vos rôles" in client.get("/").content.decode()


def test_home_says_when_no_role_is_held(client):
    user = make_staff("agent@cnil.test", roles=())
    log_in_verified(client, user)
    assert "Vous n’avez encore aucun rôle" in client.get("/").content.decode()


@pytest.mark.parametrize(
    "payload",
    [
        {"username": "x" * 5000, "password": "y"},
        {"username": "not-an-email", "password": ""},
        {"username": "", "password": "x" * 10000},
        {},
    ],
)
def test_malformed_login_input_is_a_form_error_not_a_crash(payload):
    response = Client().post(LOGIN_URL, payload)
    assert response.status_code == 200
    assert "fr-input--error" in response.content.decode() or WRONG_CREDENTIALS_FR in response.content.decode()


def test_open_redirect_in_next_is_ignored():
    user = make_staff("agent@cnil.test")
    client = Client()
    client.post(LOGIN_URL + "?next=https://evil.example/", {"username": user.email, "password": PASSWORD})
    response = client.post("/accounts/2fa/verify/", {"otp_token": fresh_code(user), "next": "https://evil.example/"})
    assert response["Location"] == "/"


def test_unknown_query_parameters_are_ignored(client):
    user = make_staff("agent@cnil.test")
    log_in_verified(client, user)
    assert client.get("/?page=999999999999&size=100000&x[]=1").status_code == 200
