"""A late notification in the browser: the late flag, the missing-reason warning, the deadline on My deadlines."""

from datetime import timedelta

import pytest
from django.utils import timezone

from apps.cases import services as case_services
from tests.support import make_organisation, make_staff, valid_siren

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def local(moment):
    return timezone.localtime(moment).strftime("%Y-%m-%dT%H:%M")


def test_record_a_late_notification(browser_page, login):
    ines = make_staff("ines@cnil.test", roles=("investigator",), full_name="Inès Leroy")
    insurer = make_organisation("Mutuelle Démo", valid_siren(4))
    case = case_services.case_open(actor=ines, origin="breach_notification", legal_regime="gdpr", title="Fuite")
    case_services.party_add(actor=ines, case=case, organisation=insurer, role="controller", processing="tp")
    page = login(ines)

    browser_page.goto(f"/cases/{case.pk}/tab/breach/")
    # Badges are upper-cased by the design system's CSS: compare case-insensitively.
    assert "non reçue" in page.inner_text("#breach-status").lower()
    page.click("#record-notification")
    page.wait_for_url("**/breach/notifications/new/")
    browser_page.check_accessibility()
    now = timezone.now()
    page.select_option("select[name=controller]", label="Mutuelle Démo")
    page.fill("input[name=awareness_at]", local(now - timedelta(days=5)))
    page.fill("input[name=received_at]", local(now - timedelta(days=1)))
    page.fill("input[name=approx_subjects]", "250000")
    page.click("main form button[type=submit]")
    page.wait_for_url("**/tab/breach/")
    browser_page.check_accessibility()
    status = page.inner_text("#breach-status").lower()
    assert "reçue en retard" in status
    assert "en retard sans motif (art. 33(1))" in status

    page.click("text=Mes échéances")
    page.wait_for_url("**/deadlines/mine/")
    browser_page.check_accessibility()
    recent = page.inner_text("#recent-deadlines").lower()
    assert "notification de la violation à la cnil" in recent
    assert "en retard" in recent
