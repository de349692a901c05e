"""Login separation: staff never use the portal, organisation users never reach a staff page."""

import base64
import re

import pyotp
import pytest
from django.test import Client
from django_otp.plugins.otp_totp.models import TOTPDevice

from apps.accounts import services as account_services
from apps.accounts.choices import UserKind
from apps.audit.choices import AuditAction
from apps.audit.models import AuditEvent
from apps.cases import services as case_services
from apps.info_requests import services as info_request_services
from tests.support import PASSWORD, fresh_code, log_in_verified, make_organisation, make_staff, valid_siren

pytestmark = pytest.mark.django_db

PORTAL_LOGIN = "/portal/login/"
WRONG_CREDENTIALS_FR = "L’adresse électronique ou le mot de passe est incorrect."
# Staff pages of every kind: lists, a page on an object, an account page for staff, the admin.
STAFF_PATHS = [
    "/cases/",
    "/cases/1/",
    "/deadlines/mine/",
    "/organisations/",
    "/admin/",
    "/admin/accounts/user/",
]


def make_organisation_user(email="dpo@mutuelle.test", *, totp=True, access=True):
    """A person acting for an organisation: invited on a case through the real services (or, with
    ``access=False``, an organisation account that acts for no organisation)."""
    if not access:
        user = account_services.user_create(
            actor=None, email=email, full_name="Déléguée Test", password=PASSWORD, kind=UserKind.ORGANISATION
        )
    else:
        agent = make_staff("inviting-agent@cnil.test", roles=("investigator",))
        case = case_services.case_open(actor=agent, origin="ex_officio", legal_regime="gdpr", title="Tiers payant")
        insurer = make_organisation("Mutuelle des Tilleuls", valid_siren(31))
        party = case_services.party_add(
            actor=agent, case=case, organisation=insurer, role="controller", processing="tp"
        )
        _access, token = info_request_services.portal_invite(
            actor=agent, party=party, full_name="Déléguée Test", email=email, role="dpo"
        )
        user = info_request_services.invitation_accept(token=token, password=PASSWORD)
    if totp:
        TOTPDevice.objects.create(user=user, name=account_services.TOTP_DEVICE_NAME, confirmed=True)
    return user


def password_step(client, email, password=PASSWORD, url=PORTAL_LOGIN, **extra):
    return client.post(url, {"username": email, "password": password}, **extra)


def test_staff_account_is_refused_at_the_portal_login_like_a_wrong_password():
    staff = make_staff("agent@cnil.test", roles=("administrator",))
    pages = [
        password_step(Client(), staff.email),  # the right password
        password_step(Client(), staff.email, "not the password"),
        password_step(Client(), "nobody@cnil.test"),
    ]
    csrf = re.compile(r'name="csrfmiddlewaretoken" value="[^"]+"')
    bodies = [
        csrf.sub("", page.content.decode()).replace(staff.email, "").replace("nobody@cnil.test", "") for page in pages
    ]
    assert [page.status_code for page in pages] == [200, 200, 200]
    assert WRONG_CREDENTIALS_FR in bodies[0]
    assert bodies[0] == bodies[1] == bodies[2]
    assert "_auth_user_id" not in Client().session
    failed = AuditEvent.objects.filter(action=AuditAction.LOGIN_FAILED)
    assert failed.count() == 3
    assert not AuditEvent.objects.filter(action=AuditAction.LOGIN).exists()


def test_organisation_account_is_refused_at_the_staff_login():
    user = make_organisation_user()
    client = Client()
    response = password_step(client, user.email, url="/accounts/login/")
    assert response.status_code == 200
    assert WRONG_CREDENTIALS_FR in response.content.decode()
    assert client.get("/portal/")["Location"].startswith(PORTAL_LOGIN)


def test_portal_login_then_second_factor_lands_on_the_portal():
    user = make_organisation_user()
    client = Client()
    response = password_step(client, user.email)
    assert response.status_code == 302
    assert response["Location"] == "/accounts/2fa/verify/?next=/portal/"
    # Before the second factor, the portal sends back to it.
    assert client.get("/portal/")["Location"].startswith("/accounts/2fa/verify/")
    page = client.get("/accounts/2fa/verify/?next=/portal/").content.decode()
    assert "Portail des organismes" in page
    assert 'href="/cases/' not in page
    response = client.post("/accounts/2fa/verify/", {"otp_token": fresh_code(user), "next": "/portal/"})
    assert response["Location"] == "/portal/"
    assert client.get("/portal/").status_code == 200
    assert list(AuditEvent.objects.order_by("seq").values_list("action", flat=True))[-2:] == [
        AuditAction.LOGIN,
        AuditAction.OTP_VERIFIED,
    ]


def test_second_factor_without_next_lands_on_the_portal():
    user = make_organisation_user()
    client = Client()
    password_step(client, user.email)
    response = client.post("/accounts/2fa/verify/", {"otp_token": fresh_code(user)})
    assert response["Location"] == "/portal/"


def test_wrong_second_factor_codes_are_throttled_for_organisation_users():
    user = make_organisation_user()
    client = Client()
    password_step(client, user.email)
    code = fresh_code(user)
    wrong = "000000" if code != "000000" else "111111"
    assert client.post("/accounts/2fa/verify/", {"otp_token": wrong}).status_code == 200
    # django-otp's throttle: right after a failure even the right code is refused for a while.
    refused = client.post("/accounts/2fa/verify/", {"otp_token": code})
    assert refused.status_code == 200
    assert "Ce code n’est pas valide" in refused.content.decode()
    assert AuditEvent.objects.filter(action=AuditAction.OTP_FAILED).count() == 2
    assert TOTPDevice.objects.get(user=user).throttling_failure_count == 1


def test_enrolment_of_an_organisation_user_ends_on_the_portal():
    user = make_organisation_user(totp=False)
    client = Client()
    response = password_step(client, user.email)
    assert response["Location"] == "/accounts/2fa/setup/?next=/portal/"
    setup = client.get(response["Location"]).content.decode()
    assert "Portail des organismes" in setup
    device = TOTPDevice.objects.get(user=user, confirmed=False)
    response = client.post(
        "/accounts/2fa/setup/",
        {"otp_token": pyotp.TOTP(base64.b32encode(device.bin_key).decode()).now(), "next": "/portal/"},
    )
    assert response["Location"] == "/accounts/recovery-codes/?next=/portal/"
    codes = client.get(response["Location"])
    assert codes.status_code == 200
    body = codes.content.decode()
    assert 'href="/portal/"' in body
    assert "Portail des organismes" in body
    assert client.get("/portal/").status_code == 200


@pytest.mark.parametrize("path", STAFF_PATHS)
def test_organisation_user_never_reaches_a_staff_page_or_the_admin(client, path):
    user = make_organisation_user()
    log_in_verified(client, user)
    response = client.get(path)
    assert response.status_code == 404
    body = response.content.decode()
    assert "Portail des organismes" in body
    assert 'id="main-navigation"' not in body


def test_organisation_user_home_is_the_portal(client):
    log_in_verified(client, make_organisation_user())
    response = client.get("/")
    assert response.status_code == 302
    assert response["Location"] == "/portal/"


def test_anonymous_visitor_goes_to_the_portal_login(client):
    response = client.get("/portal/")
    assert response.status_code == 302
    assert response["Location"] == "/portal/login/?next=/portal/"
    assert client.get(PORTAL_LOGIN).status_code == 200


def test_staff_member_is_sent_to_the_portal_login_and_keeps_the_staff_pages(client):
    log_in_verified(client, make_staff("agent@cnil.test", roles=("investigator",)))
    response = client.get("/portal/")
    assert response.status_code == 302
    assert response["Location"].startswith(PORTAL_LOGIN)
    login_page = client.get(PORTAL_LOGIN)
    assert login_page.status_code == 200
    assert client.get("/").status_code == 200


def test_verified_organisation_user_at_the_portal_login_goes_to_the_portal(client):
    log_in_verified(client, make_organisation_user())
    assert client.get(PORTAL_LOGIN)["Location"] == "/portal/"


def test_portal_logout_is_post_only_recorded_and_back_to_the_portal_login(client):
    log_in_verified(client, make_organisation_user())
    assert client.get("/portal/logout/").status_code == 405
    response = client.post("/portal/logout/")
    assert response["Location"] == PORTAL_LOGIN
    assert client.get("/portal/")["Location"].startswith(PORTAL_LOGIN)
    assert AuditEvent.objects.order_by("seq").last().action == AuditAction.LOGOUT


def test_lockout_at_the_portal_login_keeps_the_portal_layout(settings):
    user = make_organisation_user()
    for i in range(settings.AXES_FAILURE_LIMIT):
        password_step(Client(), user.email, "wrong", REMOTE_ADDR=f"10.0.0.{i + 1}")
    locked = password_step(Client(), user.email, PASSWORD, REMOTE_ADDR="10.0.1.1")
    assert locked.status_code == 429
    body = locked.content.decode()
    assert "Accès temporairement verrouillé" in body
    assert "Portail des organismes" in body
    assert f'href="{PORTAL_LOGIN}"' in body
    assert AuditEvent.objects.filter(action=AuditAction.LOCKOUT).exists()


def test_organisation_user_changes_their_password_in_the_portal_layout(client):
    user = make_organisation_user()
    log_in_verified(client, user)
    page = client.get("/accounts/password/").content.decode()
    assert "Portail des organismes" in page
    new_password = "a brand new passphrase 2026"
    response = client.post(
        "/accounts/password/",
        {"old_password": PASSWORD, "new_password1": new_password, "new_password2": new_password},
    )
    assert response["Location"] == "/portal/"


def test_staff_permission_checks_refuse_organisation_users_on_their_own():
    # Behind the confinement middleware, every staff page's own check refuses them too.
    from apps.accounts.permissions import user_may

    user = make_organisation_user()
    user.is_verified = lambda: True
    assert not user_may(user, None)
    assert not user.is_staff


def test_an_organisation_account_without_an_active_access_is_sent_to_the_portal_login(client):
    log_in_verified(client, make_organisation_user(access=False))
    response = client.get("/portal/")
    assert response.status_code == 302
    assert response["Location"] == "/portal/login/?next=/portal/"
    assert client.get(PORTAL_LOGIN).status_code == 200, "the login page does not send it back (no loop)"
