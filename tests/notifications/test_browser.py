"""The notification badge and page in a real browser, every page checked with axe-core."""

import pytest

from apps.notifications import services
from apps.notifications.models import Notification
from tests.support import make_staff

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_badge_leads_to_my_notifications_which_i_mark_read(browser_page, login):
    ines = make_staff("ines@cnil.test", roles=("investigator",), full_name="Inès Leroy")
    services.notify(recipients=[ines], title="Rappel : délai demain", body="Le délai échoit demain.", url="/")
    services.notify(recipients=[ines], title="Délai manqué", body="Le délai est échu.", url="/deadlines/mine/")
    page = login(ines)

    assert page.inner_text("#notifications-badge").strip().startswith("2")
    page.click("#notifications-link")
    page.wait_for_url("**/notifications/")
    browser_page.check_accessibility()
    assert page.locator("#notifications tbody tr.notification--unread").count() == 2

    page.click("#notifications tbody tr >> nth=0 >> button[type=submit]")
    page.wait_for_url("**/notifications/")
    browser_page.check_accessibility()
    assert page.inner_text("#notifications-badge").strip().startswith("1")

    page.click("#mark-all-read button")
    page.wait_for_url("**/notifications/")
    browser_page.check_accessibility()
    assert page.locator("#notifications-badge").count() == 0
    assert not Notification.objects.filter(recipient=ines, read_at__isnull=True).exists()
