"""The first investigator journey in a real browser, every page checked with axe-core."""

import re

import pytest

from apps.cases import services
from apps.cases.models import Case
from tests.support import make_staff, valid_siren

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def submit(browser_page):
    browser_page.page.click("main form button[type=submit] >> nth=-1")
    browser_page.page.wait_for_load_state("load")
    browser_page.check_accessibility()


def register_organisation(browser_page, name, siren):
    page = browser_page.page
    browser_page.goto("/organisations/new/")
    page.fill("input[name=legal_name]", name)
    page.fill("input[name=siren]", siren)
    submit(browser_page)
    assert page.inner_text("h1") == name
    return page.url


def test_investigator_journey_then_outsider_view(browser_page, login):
    ines = make_staff("ines@cnil.test", roles=("investigator",), full_name="Inès Leroy")
    hugo = make_staff("hugo@cnil.test", roles=("investigator",), full_name="Hugo Martin")
    page = login(ines)

    register_organisation(browser_page, "Opérateur Démo", valid_siren(1))
    register_organisation(browser_page, "Mutuelle Démo", valid_siren(2))

    browser_page.goto("/organisations/relationships/new/")
    page.select_option("select[name=client]", label="Mutuelle Démo")
    page.select_option("select[name=provider]", label="Opérateur Démo")
    page.fill("input[name=processing]", "Tiers payant")
    page.fill("input[name=contract_reference]", "CT-001")
    submit(browser_page)
    assert "Opérateur Démo" in page.inner_text("#uses")

    browser_page.goto("/cases/new/")
    page.select_option("select[name=origin]", "breach_notification")
    page.fill("input[name=title]", "Fuite au portail")
    page.select_option("select[name=legal_regime]", "gdpr")
    submit(browser_page)
    case = Case.objects.get(title="Fuite au portail")
    assert case.reference in page.inner_text("main")

    for organisation, role in (("Opérateur Démo", "processor"), ("Mutuelle Démo", "controller")):
        page.click("#add-party")
        page.wait_for_url("**/parties/new/")
        browser_page.check_accessibility()
        page.select_option("select[name=organisation]", label=organisation)
        page.select_option("select[name=role]", role)
        page.fill("input[name=processing]", "Tiers payant")
        submit(browser_page)
    assert "Mutuelle Démo" in page.inner_text("#parties")

    page.click("#fan-out")
    page.wait_for_selector("#linked-cases")
    browser_page.check_accessibility()
    assert "Fuite au portail — Mutuelle Démo" in page.inner_text("#linked-cases")

    page.click("#transition-link")
    page.wait_for_url("**/transition/")
    browser_page.check_accessibility()
    page.select_option("select[name=to_status]", "investigating")
    page.fill("textarea[name=reason]", "Premières constatations")
    submit(browser_page)
    assert "Premières constatations" in page.inner_text("#transitions")

    page.click("#tab-history")
    page.wait_for_url("**/tab/history/")
    browser_page.check_accessibility()
    history = page.inner_text("#history")
    assert "status" in history
    assert "En cours d’instruction" in history or "investigating" in history

    restricted = services.case_open(
        actor=ines, origin="ex_officio", legal_regime="gdpr", title="Dossier secret", confidentiality="restricted"
    )
    page.click("#logout-button")
    page.wait_for_url("**/accounts/login/")
    browser_page.check_accessibility()

    login(hugo)
    browser_page.goto(f"/cases/{case.pk}/")
    assert page.locator("#read-only-notice").count() == 1
    assert page.locator("#transition-link").count() == 0
    response = browser_page.goto(f"/cases/{restricted.pk}/")
    assert response.status == 404
    assert re.search("Page introuvable", page.inner_text("main"))
    browser_page.goto("/cases/")
    assert "Dossier secret" not in page.inner_text("main")


def test_case_list_filters_update_the_rows_in_place(browser_page, login):
    ines = make_staff("ines@cnil.test", roles=("investigator",), full_name="Inès Leroy")
    services.case_open(
        actor=ines, origin="complaint", legal_regime="gdpr", title="Plainte A", complainant={"full_name": "X"}
    )
    services.case_open(actor=ines, origin="ex_officio", legal_regime="gdpr", title="Auto-saisine B")
    page = login(ines)
    browser_page.goto("/cases/")
    page.evaluate("window.__sameDocument = true")
    page.select_option("#f-origin", "ex_officio")
    page.wait_for_function("() => !document.querySelector('#case-table').innerText.includes('Plainte A')")
    assert "Auto-saisine B" in page.inner_text("#case-table")
    assert page.evaluate("window.__sameDocument") is True, "the rows changed without a page load"
    assert "origin=ex_officio" in page.url
    browser_page.check_accessibility()
