"""The admin is for administrators, and its changes go through the services (audit events)."""

import pytest

from apps.accounts.models import User
from apps.audit.choices import AuditAction
from apps.audit.models import AuditEvent
from tests.accounts.passkey_support import log_in_with_passkey
from tests.support import make_staff

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(client):
    admin = make_staff("admin@cnil.test", roles=("administrator",), full_name="Amina Diallo")
    log_in_with_passkey(client, admin)  # the admin needs a session verified with a passkey
    client.admin = admin
    return client


def test_creating_a_user_in_the_admin_records_creation_and_roles(admin_client):
    response = admin_client.post(
        "/admin/accounts/user/add/",
        {
            "email": "New.Agent@cnil.test",
            "full_name": "New Agent",
            "kind": "staff",
            "password1": "a long enough passphrase 1",
            "password2": "a long enough passphrase 1",
            "roles": ["investigator"],
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    user = User.objects.get(email="new.agent@cnil.test")
    assert user.roles == {"investigator"}
    events = AuditEvent.objects.filter(object_id=str(user.pk)).order_by("seq")
    assert [(e.action, e.actor_id) for e in events] == [
        (AuditAction.USER_CREATED, admin_client.admin.pk),
        (AuditAction.ROLE_GRANTED, admin_client.admin.pk),
    ]


def test_the_admin_refuses_to_remove_the_last_administrator(admin_client):
    admin = admin_client.admin
    response = admin_client.post(
        f"/admin/accounts/user/{admin.pk}/change/",
        {"email": admin.email, "full_name": admin.full_name, "is_active": "on", "roles": []},
    )
    assert response.status_code == 200
    assert "dernier administrateur actif" in response.content.decode()
    assert "administrator" in User.objects.get(pk=admin.pk).roles


def test_audit_events_are_read_only_in_the_admin(admin_client):
    event = AuditEvent.objects.first()
    page = admin_client.get(f"/admin/audit/auditevent/{event.seq}/change/")
    assert page.status_code == 200
    assert 'name="summary"' not in page.content.decode()
    assert admin_client.post(f"/admin/audit/auditevent/{event.seq}/delete/").status_code == 403


def test_second_factor_secrets_are_not_in_the_admin(admin_client):
    assert admin_client.get("/admin/otp_totp/totpdevice/").status_code == 404
