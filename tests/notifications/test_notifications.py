from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from apps.accounts import services as account_services
from apps.notifications import selectors, services
from apps.notifications.models import Notification
from tests.support import log_in_verified, make_staff

pytestmark = pytest.mark.django_db

LIST = "/notifications/"


@pytest.fixture
def alice():
    return make_staff("alice@cnil.test", full_name="Alice Martin")


@pytest.fixture
def bob():
    return make_staff("bob@cnil.test", roles=("manager",), full_name="Bob Durand")


@pytest.fixture
def alice_client(alice):
    client = Client()
    log_in_verified(client, alice)
    return client


def notify_one(user, title, **kwargs):
    (notification,) = services.notify(recipients=[user], title=title, body=kwargs.pop("body", "…"), **kwargs)
    return notification


def test_notify_gives_each_active_recipient_one_unread_notification(alice, bob):
    gone = make_staff("gone@cnil.test")
    account_services.user_deactivate(actor=None, user=gone)
    created = services.notify(recipients=[alice, bob, alice, gone], title="Délai", body="Demain", url="/cases/1/")
    assert sorted(n.recipient_id for n in created) == sorted([alice.pk, bob.pk])
    assert selectors.unread_count(alice) == 1
    assert selectors.unread_count(gone) == 0
    with pytest.raises(ValidationError):
        services.notify(recipients=[alice], title="x", body="", url="https://example.org/")
    with pytest.raises(ValidationError):
        services.notify(recipients=[alice], title="x", body="", url="//example.org/")
    assert Notification.objects.count() == 2


def test_page_lists_only_my_notifications_newest_first_unread_highlighted(alice, bob, alice_client):
    with time_machine.travel(datetime(2025, 3, 1, 9, tzinfo=UTC), tick=False):
        old = notify_one(alice, "Ancienne alerte")
    with time_machine.travel(datetime(2025, 3, 2, 9, tzinfo=UTC), tick=False):
        new = notify_one(alice, "Nouvelle alerte", url="/deadlines/mine/")
        notify_one(bob, "Alerte de Bob")
    services.notification_mark_read(actor=alice, notification=old)

    response = alice_client.get(LIST)

    assert response.status_code == 200
    html = response.content.decode()
    assert "Alerte de Bob" not in html
    assert html.index("Nouvelle alerte") < html.index("Ancienne alerte")
    assert f'id="notification-{new.pk}" class="notification--unread"' in html
    assert f'id="notification-{old.pk}" class="notification--read"' in html
    assert '<a href="/deadlines/mine/">Nouvelle alerte</a>' in html
    assert reverse("notifications:mark_read", args=[new.pk]) in html
    assert reverse("notifications:mark_read", args=[old.pk]) not in html  # already read: no button


def test_anonymous_visitor_is_sent_to_login():
    response = Client().get(LIST)
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")
    response = Client().post(reverse("notifications:mark_all_read"))
    assert response["Location"].startswith("/accounts/login/")


def test_someone_elses_notification_answers_404_and_stays_unread(alice, bob, alice_client):
    bobs = notify_one(bob, "Pour Bob")
    response = alice_client.post(reverse("notifications:mark_read", args=[bobs.pk]))
    assert response.status_code == 404
    assert alice_client.post(reverse("notifications:mark_read", args=[bobs.pk + 1000])).status_code == 404
    bobs.refresh_from_db()
    assert bobs.read_at is None
    with pytest.raises(PermissionDenied):
        services.notification_mark_read(actor=alice, notification=bobs)


def test_mark_one_read_keeps_the_first_read_time(alice, alice_client):
    mine = notify_one(alice, "Pour Alice")
    other = notify_one(alice, "Autre")
    first = datetime(2025, 3, 3, 10, tzinfo=UTC)
    with time_machine.travel(first, tick=False):
        response = alice_client.post(reverse("notifications:mark_read", args=[mine.pk]))
    assert response.status_code == 302
    assert response["Location"] == LIST
    with time_machine.travel(first + timedelta(hours=1), tick=False):
        alice_client.post(reverse("notifications:mark_read", args=[mine.pk]))
    mine.refresh_from_db()
    other.refresh_from_db()
    assert mine.read_at == first
    assert other.read_at is None
    assert alice_client.get(reverse("notifications:mark_read", args=[mine.pk])).status_code == 405


def test_mark_all_read_touches_only_mine(alice, bob, alice_client):
    notify_one(alice, "Un")
    notify_one(alice, "Deux")
    notify_one(bob, "Pour Bob")
    response = alice_client.post(reverse("notifications:mark_all_read"))
    assert response.status_code == 302
    assert selectors.unread_count(alice) == 0
    assert selectors.unread_count(bob) == 1


def test_navigation_badge_shows_my_unread_count(alice, bob, alice_client):
    home = reverse("accounts:home")
    html = alice_client.get(home).content.decode()
    assert 'id="notifications-link"' in html
    assert 'id="notifications-badge"' not in html

    notify_one(alice, "Un")
    notify_one(alice, "Deux")
    notify_one(bob, "Pour Bob")
    response = alice_client.get(home)
    badge = response.content.decode().split('id="notifications-badge">')[1].split("</span>")[0]
    assert badge.strip().startswith("2")

    alice_client.post(reverse("notifications:mark_all_read"))
    assert 'id="notifications-badge"' not in alice_client.get(home).content.decode()


def test_list_query_count_does_not_grow_with_notifications(alice, alice_client, django_assert_num_queries):
    notify_one(alice, "Seule")
    with CaptureQueriesContext(connection) as one:
        assert alice_client.get(LIST).status_code == 200
    services.notify(recipients=[alice], title="Encore", body="…")
    for n in range(18):
        notify_one(alice, f"Alerte {n}", url=f"/cases/{n}/")
    assert Notification.objects.filter(recipient=alice).count() == 20
    with django_assert_num_queries(len(one)):
        response = alice_client.get(LIST)
    assert response.content.decode().count('class="notification--unread"') == 20


def test_list_pages_with_a_cursor(alice, alice_client):
    for n in range(55):
        notify_one(alice, f"Alerte {n:02d}")
    first = alice_client.get(LIST)
    assert first.context["page"].has_next
    assert len(first.context["page"].items) == 50
    second = alice_client.get(f"{LIST}?{first.context['page'].next_query}")
    titles = [n.title for n in second.context["page"].items]
    assert titles == [f"Alerte {n:02d}" for n in range(4, -1, -1)]
