"""Search in a real browser: an investigator uploads a PDF, then finds it by a word that is only inside it."""

import pytest

from apps.cases import services as case_services
from tests.dashboards.search_support import pdf_with_text
from tests.support import make_staff

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_investigator_finds_an_uploaded_pdf_by_a_word_inside_it(browser_page, login, tmp_path):
    ines = make_staff("ines@cnil.test", roles=("investigator",), full_name="Inès Leroy")
    case = case_services.case_open(actor=ines, origin="ex_officio", legal_regime="gdpr", title="Contrôle en ligne")
    document = tmp_path / "pv-audition.pdf"
    document.write_bytes(pdf_with_text("Procès-verbal d'audition", "Les journaux sont conservés sans horodatage."))
    page = login(ines)

    browser_page.goto(f"/cases/{case.pk}/evidence/new/")
    page.set_input_files("input[name=files]", [str(document)])
    page.fill("input[name=title]", "PV d'audition")
    page.select_option("select[name=source]", "hearing")
    page.click("main form button[type=submit]")
    page.wait_for_url("**/tab/evidence/")
    browser_page.check_accessibility()

    # The header's search box, from any page; the word is in the file only, and typed without its accent.
    page.fill("#header-search-input", "horodatage")
    page.press("#header-search-input", "Enter")
    page.wait_for_url("**/search/?q=horodatage")
    browser_page.check_accessibility()
    evidence = page.locator("#search-evidence")
    assert "PV d'audition" in evidence.inner_text()
    assert evidence.locator("mark").first.inner_text().lower() == "horodatage"
    assert page.locator("#search-cases").count() == 0  # no case mentions it

    page.click("#search-evidence a.fr-link >> nth=0")
    page.wait_for_url("**/evidence/*/")
    browser_page.check_accessibility()
    assert "Texte extrait" in page.text_content("#extraction-status")
