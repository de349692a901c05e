"""Passkeys in a real browser: Chromium's virtual authenticator (DevTools protocol) plays the phone or
security key, the library's scripts run as static files under the Content-Security-Policy (no
violation allowed), and every page is checked with axe-core."""

import pytest
from django.utils.translation import gettext, override
from django_otp_webauthn.models import WebAuthnCredential

from apps.audit.choices import AuditAction
from apps.audit.models import AuditEvent
from tests.accounts.passkey_support import virtual_authenticator
from tests.core.test_csp_browser import ViolationWatch
from tests.support import PASSWORD, make_staff

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _french(text: str) -> str:
    with override("fr"):
        return gettext(text)


def test_an_administrator_registers_a_passkey_then_logs_in_with_it_and_reaches_the_admin(browser_page, login):
    admin = make_staff("admin@cnil.test", roles=("administrator",), full_name="Amina Diallo")
    page = login(admin)  # password + app code
    watch = ViolationWatch(page)
    cdp, authenticator = virtual_authenticator(page)

    # With the app code only, the admin sends the administrator to their passkeys, saying why.
    browser_page.goto("/admin/")
    assert "/accounts/passkeys/?next=" in page.url
    assert _french(
        "The administration needs a session verified with a passkey, and you have none yet: "
        "register one below, then confirm this session with it."
    ) in page.inner_text("main")
    assert page.locator("#passkey-none").count() == 1

    page.click("#passkey-register-button")
    page.wait_for_selector("#passkey-list")  # the page reloads with the new passkey listed
    browser_page.check_accessibility()
    watch.assert_none()
    assert len(cdp.send("WebAuthn.getCredentials", {"authenticatorId": authenticator})["credentials"]) == 1
    assert WebAuthnCredential.objects.filter(user=admin).count() == 1

    page.click("#logout-button")
    page.wait_for_url("**/accounts/login/")
    browser_page.check_accessibility()

    # Password, then the passkey instead of a code, straight to the admin.
    browser_page.goto("/admin/")
    page.wait_for_url("**/accounts/login/**")
    page.fill("input[name=username]", admin.email)
    page.fill("input[name=password]", PASSWORD)
    page.click("main button[type=submit]")
    page.wait_for_url("**/accounts/2fa/verify/**")
    browser_page.check_accessibility()
    page.click("#passkey-verification-button")
    page.wait_for_url(browser_page.base_url + "/admin/")
    browser_page.check_accessibility()
    watch.assert_none()
    assert page.locator("#site-name, #header").count() >= 1
    assert "/accounts/" not in page.url
    actions = list(AuditEvent.objects.filter(actor_id=admin.pk).values_list("action", flat=True))
    assert AuditAction.PASSKEY_REGISTERED in actions
    assert AuditAction.PASSKEY_VERIFIED in actions


def test_an_administrator_with_the_app_only_is_refused_the_admin(browser_page, login):
    admin = make_staff("admin@cnil.test", roles=("administrator",), full_name="Amina Diallo")
    page = login(admin)
    for path in ("/admin/", "/admin/accounts/user/"):
        browser_page.goto(path)
        assert "/accounts/passkeys/" in page.url
        page.wait_for_selector("#passkey-register-button")  # the library's script offers to add one
    assert "/admin/" not in page.url.split("?")[0]
