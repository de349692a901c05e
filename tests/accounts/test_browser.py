"""User journeys in a real browser (Chromium via Playwright), each page checked with axe-core."""

import pyotp
import pytest

from tests.support import fresh_code, make_staff

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_login_with_second_factor_switch_language_and_logout(browser_page, login):
    user = make_staff("ines@cnil.test", roles=("investigator",), full_name="Inès Leroy")
    page = login(user)
    assert "Bienvenue, Inès Leroy" in page.inner_text("h1")
    assert "Enquêteur" in page.inner_text("#my-roles")

    page.click("#language-en")
    page.wait_for_selector("text=Welcome, Inès Leroy")
    browser_page.check_accessibility()
    assert page.get_attribute("html", "lang") == "en"

    page.click("#language-fr")
    page.wait_for_selector("text=Bienvenue, Inès Leroy")
    browser_page.check_accessibility()

    page.click("#logout-button")
    page.wait_for_url("**/accounts/login/")
    browser_page.check_accessibility()
    assert "Vous êtes déconnecté" in page.inner_text("main")
    browser_page.goto("/")
    assert "/accounts/login/" in page.url


def test_first_login_enrols_an_authenticator(browser_page):
    user = make_staff("new@cnil.test", roles=("manager",), totp=False)
    page = browser_page.page
    browser_page.goto("/accounts/login/")
    page.fill("input[name=username]", user.email)
    page.fill("input[name=password]", "correct horse battery staple 42")
    page.click("main button[type=submit]")
    page.wait_for_url("**/accounts/2fa/setup/**")
    browser_page.check_accessibility()
    assert page.locator("#totp-qr svg").count() == 1
    secret = page.inner_text("#totp-secret").replace(" ", "")
    page.fill("input[name=otp_token]", pyotp.TOTP(secret).now())
    page.click("main button[type=submit]")
    page.wait_for_url("**/accounts/recovery-codes/**")
    browser_page.check_accessibility()
    assert page.locator("#recovery-codes li").count() == 10
    page.click("text=J’ai enregistré mes codes, continuer")
    page.wait_for_url(browser_page.base_url + "/")
    browser_page.check_accessibility()
    assert "Responsable d’équipe" in page.inner_text("#my-roles")


def test_wrong_code_shows_a_translated_error(browser_page):
    user = make_staff("agent@cnil.test")
    page = browser_page.page
    browser_page.goto("/accounts/login/")
    page.fill("input[name=username]", user.email)
    page.fill("input[name=password]", "correct horse battery staple 42")
    page.click("main button[type=submit]")
    page.wait_for_url("**/accounts/2fa/verify/**")
    code = fresh_code(user)
    page.fill("input[name=otp_token]", "000000" if code != "000000" else "111111")
    page.click("main button[type=submit]")
    page.wait_for_selector(".fr-message--error")
    browser_page.check_accessibility()
    assert "Ce code n’est pas valide" in page.inner_text(".fr-message--error")
