"""No user enumeration: the login pages (staff and portal), the lockout and the invitation links answer
the same for an address that has no account as for one that has, and the password hasher runs as
often for an unknown address as for a known one, so neither the page nor its timing tells them apart.

The hasher is counted, not timed: ``CountingHasher`` is Django's own PBKDF2 hasher (same algorithm
name, so it checks the passwords stored by the real one) with a counter on ``encode``, which both
paths go through — ``make_password`` for an unknown address (``ModelBackend`` hashes the typed
password against a throwaway user), ``verify`` for a known one.
"""

import re

import pytest
from django.contrib.auth.hashers import PBKDF2PasswordHasher
from django.test import Client
from django.urls import NoReverseMatch, reverse
from django_otp.plugins.otp_totp.models import TOTPDevice

from apps.accounts import services as account_services
from apps.accounts.models import User
from apps.cases import services as case_services
from apps.info_requests import services as info_request_services
from tests.support import PASSWORD, comparable_page, make_organisation, make_staff, valid_siren
from tests.test_authorization_matrix import all_patterns

pytestmark = pytest.mark.django_db

STAFF_LOGIN, PORTAL_LOGIN = "/accounts/login/", "/portal/login/"
WRONG_CREDENTIALS_FR = "L’adresse électronique ou le mot de passe est incorrect."
UNKNOWN = "personne@inconnu.example"


class CountingHasher(PBKDF2PasswordHasher):
    """Django's PBKDF2 hasher, counting the hashes it computes (``verify`` computes one through ``encode``)."""

    computed = 0

    def encode(self, password, salt, iterations=None):
        type(self).computed += 1
        return super().encode(password, salt, iterations)


@pytest.fixture
def counting_hasher(settings):
    settings.PASSWORD_HASHERS = ["tests.accounts.test_enumeration.CountingHasher"]
    CountingHasher.computed = 0
    return CountingHasher


@pytest.fixture
def accounts(db):
    """A staff member, a deactivated staff member, a person acting for an organisation and a deactivated one."""
    agent = make_staff("agent@cnil.test", roles=("investigator",))
    former = make_staff("ancien@cnil.test", roles=("investigator",))
    account_services.user_deactivate(actor=None, user=former)
    case = case_services.case_open(actor=agent, origin="ex_officio", legal_regime="gdpr", title="Tiers payant")
    case_services.case_transition(actor=agent, case=case, to_status="investigating", reason="Contrôle décidé")
    party = case_services.party_add(
        actor=agent,
        case=case,
        organisation=make_organisation("Mutuelle des Tilleuls", valid_siren(31)),
        role="controller",
        processing="tp",
    )
    people = {}
    for email in ("dpo@tilleuls.example", "ancien-dpo@tilleuls.example"):
        _access, token = info_request_services.portal_invite(
            actor=agent, party=party, full_name="Delphine Martin", email=email, role="dpo"
        )
        people[email] = info_request_services.invitation_accept(token=token, password=PASSWORD)
        TOTPDevice.objects.create(user=people[email], name=account_services.TOTP_DEVICE_NAME, confirmed=True)
    account_services.user_deactivate(actor=None, user=people["ancien-dpo@tilleuls.example"])
    return {
        "staff": agent,
        "deactivated_staff": former,
        "organisation": people["dpo@tilleuls.example"],
        "deactivated_organisation": people["ancien-dpo@tilleuls.example"],
    }


def _page(response, email: str) -> tuple:
    """What a visitor sees: the status, where it redirects, the cookies set, the page without its one-time
    tokens and without the address typed (which the form shows back)."""
    body = comparable_page(response).replace(email, "EMAIL")
    return response.status_code, response.get("Location"), tuple(sorted(response.cookies)), body


def _attempt(url: str, email: str, password: str, hasher, address: str) -> tuple[tuple, int]:
    """One login attempt from its own browser and address; the page and the hashes it cost."""
    before = hasher.computed
    response = Client().post(url, {"username": email, "password": password}, REMOTE_ADDR=address)
    return _page(response, email), hasher.computed - before


# The accounts a login page refuses with its message, and the password each attempt types.
REFUSED = {
    STAFF_LOGIN: [
        ("unknown", "a password typed"),
        ("staff", "not the password at all"),
        ("deactivated_staff", PASSWORD),
        ("deactivated_staff", "not the password at all"),
        ("organisation", PASSWORD),
        ("organisation", "not the password at all"),
    ],
    PORTAL_LOGIN: [
        ("unknown", "a password typed"),
        ("organisation", "not the password at all"),
        ("deactivated_organisation", PASSWORD),
        ("deactivated_organisation", "not the password at all"),
        ("staff", PASSWORD),
        ("staff", "not the password at all"),
    ],
}


@pytest.mark.parametrize("url", [STAFF_LOGIN, PORTAL_LOGIN])
def test_every_refused_login_gets_the_same_page_and_costs_one_hash(url, accounts, counting_hasher):
    pages, hashes = {}, {}
    for n, (who, password) in enumerate(REFUSED[url]):
        email = UNKNOWN if who == "unknown" else accounts[who].email
        pages[who, password], hashes[who, password] = _attempt(url, email, password, counting_hasher, f"10.3.0.{n}")
    status, location, _cookies, body = pages["unknown", "a password typed"]
    assert (status, location) == (200, None)
    assert WRONG_CREDENTIALS_FR in body
    assert "EMAIL" in body  # the address typed is shown back, whichever it is
    different = {attempt for attempt, page in pages.items() if page != pages["unknown", "a password typed"]}
    assert not different, f"pages that tell an account exists: {different}"
    # The unknown address costs one hash, like every known account, active or not, of either kind.
    assert hashes == dict.fromkeys(hashes, 1), hashes
    assert not User.objects.filter(email=UNKNOWN).exists()


@pytest.mark.parametrize("url", [STAFF_LOGIN, PORTAL_LOGIN])
def test_the_right_password_alone_logs_in_and_costs_one_hash(url, accounts, counting_hasher):
    """The control of the test above: the counter counts, and the page differs when it should."""
    who = "staff" if url == STAFF_LOGIN else "organisation"
    page, hashes = _attempt(url, accounts[who].email, PASSWORD, counting_hasher, "10.3.1.1")
    assert page[0] == 302
    assert page[1].startswith("/accounts/2fa/verify/")
    assert hashes == 1


@pytest.mark.parametrize("url", [STAFF_LOGIN, PORTAL_LOGIN])
def test_a_locked_unknown_address_looks_like_a_locked_account(url, accounts, settings, counting_hasher):
    """Locked out by account: the same 429 page for an address with no account, and no hash for either
    (django-axes refuses before any password is checked)."""
    known = accounts["staff" if url == STAFF_LOGIN else "organisation"].email
    locked = {}
    for n, email in enumerate((known, UNKNOWN)):
        for attempt in range(settings.AXES_FAILURE_LIMIT):  # each failure from its own address
            _attempt(url, email, "not the password at all", counting_hasher, f"10.4.{n}.{attempt}")
        locked[email] = _attempt(url, email, PASSWORD, counting_hasher, f"10.5.{n}.1")
    (known_page, known_hashes), (unknown_page, unknown_hashes) = locked[known], locked[UNKNOWN]
    assert known_page[0] == 429
    assert known_page == unknown_page
    assert known_hashes == unknown_hashes == 0


def test_an_address_locked_out_tells_nothing_either(accounts, settings, counting_hasher):
    """Locked out by address (many accounts tried): a known account and an unknown one get the same page."""
    for attempt in range(settings.AXES_FAILURE_LIMIT):
        _attempt(STAFF_LOGIN, f"essai{attempt}@inconnu.example", "x", counting_hasher, "10.6.0.1")
    known_page, known_hashes = _attempt(STAFF_LOGIN, accounts["staff"].email, PASSWORD, counting_hasher, "10.6.0.1")
    unknown_page, unknown_hashes = _attempt(STAFF_LOGIN, UNKNOWN, "x", counting_hasher, "10.6.0.1")
    assert known_page[0] == 429
    assert known_page == unknown_page
    assert known_hashes == unknown_hashes == 0


def test_no_page_resets_a_password_or_activates_an_account_by_address():
    """The only way into an account without its password is the invitation link (a 256-bit token, its own
    test in tests/portal/test_invitation.py): no page takes an address to send a reset or activation link
    to, which is where an enumeration would hide. A page added for that must come with its own test here."""
    for name in ("password_reset", "accounts:password_reset", "portal:password_reset", "admin:password_reset"):
        with pytest.raises(NoReverseMatch):
            reverse(name)
    words = re.compile(r"reset|forgot|oubli|activat|activ|signup|register|inscri", re.IGNORECASE)
    routes = [route for _name, route, _callback in all_patterns() if words.search(route)]
    assert routes == [], routes
