import pytest
from django.contrib.sessions.models import Session
from django.core.exceptions import ValidationError
from django.test import Client

from apps.accounts import services
from apps.accounts.models import User
from apps.audit.choices import AuditAction
from apps.audit.models import AuditEvent
from tests.support import log_in_verified, make_staff

pytestmark = pytest.mark.django_db


def test_roles_are_granted_and_revoked_with_one_event_each():
    admin = make_staff("admin@cnil.test", roles=("administrator",))
    user = make_staff("agent@cnil.test", roles=("investigator",))
    services.user_set_roles(actor=admin, user=user, roles={"manager", "legal"}, ip="192.0.2.1")
    user = User.objects.get(pk=user.pk)
    assert user.roles == {"manager", "legal"}
    events = AuditEvent.objects.filter(object_id=str(user.pk), action__in=["role_granted", "role_revoked"])
    recorded = [(e.action, e.data["role"], e.actor_id) for e in events.order_by("seq")]
    assert recorded[-3:] == [
        (AuditAction.ROLE_GRANTED, "legal", admin.pk),
        (AuditAction.ROLE_GRANTED, "manager", admin.pk),
        (AuditAction.ROLE_REVOKED, "investigator", admin.pk),
    ]
    assert events.last().actor_role == "administrator"


def test_unknown_role_is_refused_without_partial_write():
    user = make_staff("agent@cnil.test", roles=("investigator",))
    before = AuditEvent.objects.count()
    with pytest.raises(ValidationError):
        services.user_set_roles(actor=None, user=user, roles={"manager", "superhero"})
    assert User.objects.get(pk=user.pk).roles == {"investigator"}
    assert AuditEvent.objects.count() == before


def test_the_last_administrator_cannot_lose_the_role_or_be_deactivated():
    admin = make_staff("admin@cnil.test", roles=("administrator",))
    with pytest.raises(ValidationError):
        services.user_set_roles(actor=admin, user=admin, roles=())
    with pytest.raises(ValidationError):
        services.user_deactivate(actor=admin, user=admin)
    other = make_staff("admin2@cnil.test", roles=("administrator",))
    services.user_set_roles(actor=other, user=admin, roles=())
    assert "administrator" not in User.objects.get(pk=admin.pk).roles


def test_deactivation_ends_sessions_at_once():
    user = make_staff("agent@cnil.test")
    client = Client()
    log_in_verified(client, user)
    assert Session.objects.count() == 1
    services.user_deactivate(actor=None, user=user)
    assert Session.objects.count() == 0
    assert client.get("/")["Location"].startswith("/accounts/login/")
    assert AuditEvent.objects.filter(action=AuditAction.USER_DEACTIVATED).count() == 1


def test_duplicate_email_is_refused_case_insensitively():
    make_staff("Agent@CNIL.test")
    with pytest.raises(ValidationError):
        services.user_create(actor=None, email="agent@cnil.TEST", full_name="Copy")


def test_history_keeps_account_changes_but_never_the_password():
    user = make_staff("agent@cnil.test")
    services.user_deactivate(actor=None, user=user)
    history = list(user.history.order_by("history_id").values_list("is_active", flat=True))
    assert history == [True, False]
    assert not hasattr(user.history.model, "password")
