"""Invitation links: the right token shows the organisation and the case and sets a password; an
unknown, expired, used or revoked one gets one and the same page."""

import base64
import re
from datetime import timedelta

import pyotp
import pytest
from django.test import Client
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice

from apps.audit.choices import AuditAction
from apps.audit.models import AuditEvent
from apps.info_requests import services
from apps.info_requests.models import Invitation
from tests.support import comparable_page

from .conftest import invite

pytestmark = pytest.mark.django_db

NEW_PASSWORD = "une phrase de passe solide 2026"
INVALID_FR = "Ce lien d’invitation est invalide, a expiré ou a déjà servi."


def url(token: str) -> str:
    return f"/portal/invitation/{token}/"


def accept(client, token, password=NEW_PASSWORD, again=None):
    return client.post(url(token), {"password1": password, "password2": again or password})


def test_the_right_token_shows_organisation_and_case_then_sets_the_password_and_leads_to_totp(agent, party):
    access, token = invite(agent, party, "dpo@tilleuls.example")
    client = Client()
    page = client.get(url(token))
    assert page.status_code == 200
    body = page.content.decode()
    assert "Mutuelle des Tilleuls" in body
    assert "Tiers payant" in body
    assert "Activer votre accès" in body
    response = accept(client, token)
    assert response.status_code == 302
    assert response["Location"] == "/accounts/2fa/setup/?next=/portal/"
    user = access.user
    user.refresh_from_db()
    assert user.check_password(NEW_PASSWORD)
    assert AuditEvent.objects.filter(action=AuditAction.PORTAL_INVITATION_ACCEPTED).count() == 1
    assert AuditEvent.objects.filter(action=AuditAction.LOGIN, object_id=str(user.pk)).count() == 1
    # Logged in, second factor still to enrol: the portal sends back to enrolment.
    assert client.get("/portal/")["Location"].startswith("/accounts/2fa/setup/")
    setup = client.get(response["Location"])
    assert "Portail des organismes" in setup.content.decode()
    device = TOTPDevice.objects.get(user=user, confirmed=False)
    code = pyotp.TOTP(base64.b32encode(device.bin_key).decode()).now()
    enrolled = client.post("/accounts/2fa/setup/", {"otp_token": code, "next": "/portal/"})
    assert enrolled["Location"] == "/accounts/recovery-codes/?next=/portal/"
    assert 'href="/portal/"' in client.get(enrolled["Location"]).content.decode()
    home = client.get("/portal/")
    assert home.status_code == 200
    assert "Mutuelle des Tilleuls" in home.content.decode()


def test_a_weak_or_mismatched_password_is_refused_and_the_link_still_works(agent, party):
    access, token = invite(agent, party, "dpo@tilleuls.example")
    client = Client()
    weak = accept(client, token, "123")
    assert weak.status_code == 400
    assert "fr-input--error" in weak.content.decode()
    assert "Ce mot de passe est trop court" in weak.content.decode()
    mismatch = accept(client, token, NEW_PASSWORD, "autre phrase de passe 2026")
    assert mismatch.status_code == 400
    assert "Les deux mots de passe diffèrent." in mismatch.content.decode()
    assert Invitation.objects.get(access=access).used_at is None
    assert "_auth_user_id" not in client.session
    assert accept(client, token).status_code == 302


def _invalid_pages(agent, party, other_party):
    """The invitation page for an unknown, an expired, a used and a revoked token."""
    _access, expired = invite(agent, party, "expire@tilleuls.example", name="Paul Expire")
    Invitation.objects.filter(access=_access).update(expires_at=timezone.now() - timedelta(minutes=1))
    _access, used = invite(agent, party, "used@tilleuls.example", name="Ursule Used")
    assert accept(Client(), used).status_code == 302
    revoked_access, revoked = invite(agent, other_party, "revoked@horizon.example", name="Rémi Revoked")
    services.portal_access_revoke(actor=agent, access=revoked_access)
    return {
        "unknown": Client().get(url("unknown-token-0123456789")),
        "expired": Client().get(url(expired)),
        "used": Client().get(url(used)),
        "revoked": Client().get(url(revoked)),
        "used_post": accept(Client(), used),
        "expired_post": accept(Client(), expired),
    }


def test_unknown_expired_used_and_revoked_tokens_all_get_the_same_page(agent, party, other_party):
    pages = _invalid_pages(agent, party, other_party)
    assert {name: page.status_code for name, page in pages.items()} == dict.fromkeys(pages, 410)
    # Each page's own path (in the language switcher) aside, the pages are the same.
    path = re.compile(r"/portal/invitation/[^/]+/")
    bodies = {name: path.sub("", comparable_page(page)) for name, page in pages.items()}
    assert len(set(bodies.values())) == 1, "the four cases must be indistinguishable"
    body = bodies["unknown"]
    assert INVALID_FR in body
    for leaked in ("Mutuelle", "Tiers payant", "@tilleuls.example", "@horizon.example"):
        assert leaked not in body
    # Nothing was changed by the refused attempts.
    assert AuditEvent.objects.filter(action=AuditAction.PORTAL_INVITATION_ACCEPTED).count() == 1


def test_an_invitation_used_in_another_tab_meanwhile_gets_the_invalid_page(agent, party):
    _access, token = invite(agent, party, "dpo@tilleuls.example")
    first, second = Client(), Client()
    assert first.get(url(token)).status_code == 200
    assert second.get(url(token)).status_code == 200
    assert accept(first, token).status_code == 302
    late = accept(second, token, "encore une autre phrase 2026")
    assert late.status_code == 410
    assert "_auth_user_id" not in second.session
