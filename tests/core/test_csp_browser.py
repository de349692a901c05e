"""The Content-Security-Policy in a real browser: key pages of the staff side, the admin and the portal
load and work with no violation reported (a ``securitypolicyviolation`` event or a console message
naming the policy), each page checked with axe-core like every browser test."""

import pytest
from django.conf import settings

from apps.cases import services as case_services
from apps.info_requests.models import InfoRequest
from tests.accounts.passkey_support import virtual_authenticator
from tests.portal.conftest import make_portal_user, send_request
from tests.support import PASSWORD, fresh_code, make_organisation, make_staff, valid_siren

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# Runs in every page before its own scripts (Playwright's init scripts are not subject to the policy).
RECORD_VIOLATIONS = """
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation", (event) => {
  window.__cspViolations.push(
    `${event.effectiveDirective} blocked ${event.blockedURI || "inline"} at ${event.sourceFile}:${event.lineNumber}`
  );
});
"""


class ViolationWatch:
    def __init__(self, page):
        self.page = page
        self.console: list[str] = []
        page.add_init_script(RECORD_VIOLATIONS)
        page.on("console", self._on_console)

    def _on_console(self, message):
        if "Content Security Policy" in message.text or "Content-Security-Policy" in message.text:
            self.console.append(f"{self.page.url}: {message.text}")

    def assert_none(self):
        events = self.page.evaluate("window.__cspViolations || []")
        assert not events, f"{self.page.url}: {events}"
        assert not self.console, self.console


def test_staff_admin_and_portal_pages_load_without_policy_violations(browser_page, login, live_server):
    page = browser_page.page
    watch = ViolationWatch(page)
    lead = make_staff("lead@cnil.test", roles=("investigator", "manager", "administrator"), full_name="Inès Leroy")
    case = case_services.case_open(actor=lead, origin="ex_officio", legal_regime="gdpr", title="Tiers payant")
    case_services.case_transition(actor=lead, case=case, to_status="investigating", reason="Contrôle décidé")
    insurer = make_organisation("Mutuelle des Tilleuls", valid_siren(31))
    party = case_services.party_add(actor=lead, case=case, organisation=insurer, role="controller", processing="tp")
    dpo = make_portal_user(lead, party, "dpo@tilleuls.example")
    send_request(lead, case, [party])

    # The login page, the second factor and the home page (the login fixture checks each with axe).
    login(lead)
    watch.assert_none()
    # The passkey pages run django-otp-webauthn's scripts: a passkey is registered with Chromium's virtual
    # authenticator and confirms the session, which the admin requires.
    virtual_authenticator(page)
    browser_page.goto("/accounts/passkeys/?next=/admin/")
    page.click("#passkey-register-button")
    page.wait_for_selector("#passkey-verification-button")
    browser_page.check_accessibility()
    watch.assert_none()
    page.click("#passkey-verification-button")
    page.wait_for_url(f"{live_server.url}/admin/")
    browser_page.check_accessibility()
    watch.assert_none()
    # The admin's inner pages are left out: axe-core flags Django's own breadcrumbs (links told by colour).
    for path in (f"/cases/{case.pk}/", "/dashboard/", "/admin/"):
        response = browser_page.goto(path)
        assert response.status == 200, path
        assert page.url == f"{live_server.url}{path}"
        watch.assert_none()

    # An htmx request under the policy: the case list filters swap the results in place.
    browser_page.goto("/cases/")
    with page.expect_response(lambda r: "/cases/?" in r.url):
        page.select_option("#case-filters select >> nth=0", index=1)
    watch.assert_none()

    # The portal: its own login, the second factor, its home and a request page with its scripts.
    page.context.clear_cookies()
    browser_page.goto(settings.PORTAL_LOGIN_URL)
    page.fill("input[name=username]", dpo.email)
    page.fill("input[name=password]", PASSWORD)
    page.click("main button[type=submit]")
    page.wait_for_url("**/accounts/2fa/verify/**")
    browser_page.check_accessibility()
    page.fill("input[name=otp_token]", fresh_code(dpo))
    page.click("main button[type=submit]")
    page.wait_for_url(f"{live_server.url}{settings.PORTAL_URL_PREFIX}")
    browser_page.check_accessibility()
    watch.assert_none()
    request = InfoRequest.objects.get()
    response = browser_page.goto(f"{settings.PORTAL_URL_PREFIX}requests/{request.pk}/")
    assert response.status == 200
    watch.assert_none()
