"""The Timeline tab in a real browser: download a document, filter to evidence, page back, all in place."""

import pytest

from apps.cases import services as case_services
from apps.evidence import services as evidence_services
from tests.dashboards.conftest import pdf
from tests.support import make_staff

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_filter_to_evidence_and_see_my_download_then_older_entries(browser_page, login):
    ines = make_staff("ines@cnil.test", roles=("investigator",), full_name="Inès Leroy")
    case = case_services.case_open(actor=ines, origin="ex_officio", legal_regime="gdpr", title="Chronologie")
    evidence = evidence_services.evidence_register(
        actor=ines, case=case, upload=pdf("pv"), title="PV de contrôle", source="on_site"
    )
    for number in range(30):  # 60 entries with their audit events: more than a page
        case_services.case_update(actor=ines, case=case, summary=f"Étape {number}")
    page = login(ines)

    browser_page.goto(f"/cases/{case.pk}/evidence/{evidence.pk}/")
    with page.expect_download():
        page.click("#download-evidence")

    timeline = f"/cases/{case.pk}/tab/timeline/"
    browser_page.goto(timeline)
    page.evaluate("window.sameDocument = true")
    page.check("input[name=kind][value=evidence]", force=True)
    page.wait_for_url("**/tab/timeline/?kind=evidence*")
    page.wait_for_function("() => !document.querySelector('#timeline tbody tr[data-kind=\"case\"]')")
    browser_page.check_accessibility()
    rows = page.locator("#timeline tbody tr")
    assert rows.count() == 3  # registered (custody and history), downloaded
    newest = rows.first.inner_text()
    assert "Téléchargé" in newest
    assert "PV de contrôle" in newest
    assert "Inès Leroy" in newest
    assert page.evaluate("window.sameDocument") is True  # updated in place, not reloaded

    browser_page.goto(timeline)
    page.evaluate("window.sameDocument = true")
    first = page.locator("#timeline tbody tr").first.get_attribute("id")
    page.click("#timeline-older")
    page.wait_for_url("**/tab/timeline/?after=*")
    page.wait_for_function(f"() => !document.getElementById('{first}')")
    browser_page.check_accessibility()
    assert page.locator("#timeline tbody tr").count() > 0
    assert page.locator("#timeline-newest").is_visible()
    assert page.evaluate("window.sameDocument") is True
