"""Evidence in a real browser: upload two files with the progress bar, download one, see it in custody."""

from pathlib import Path

import pytest

from apps.cases import services as case_services
from apps.evidence.models import Evidence
from tests.support import make_staff

from .conftest import CSV, PDF

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_upload_two_files_download_one_and_see_it_in_custody(browser_page, login, tmp_path):
    ines = make_staff("ines@cnil.test", roles=("investigator",), full_name="Inès Leroy")
    case = case_services.case_open(actor=ines, origin="ex_officio", legal_regime="gdpr", title="Preuves")
    pdf, csv = tmp_path / "pv-jour-1.pdf", tmp_path / "connexions.csv"
    pdf.write_bytes(PDF)
    csv.write_bytes(CSV)
    page = login(ines)

    browser_page.goto(f"/cases/{case.pk}/tab/evidence/")
    page.click("#add-evidence")
    page.wait_for_url("**/evidence/new/")
    browser_page.check_accessibility()
    page.set_input_files("input[name=files]", [str(pdf), str(csv)])
    page.select_option("select[name=source]", "on_site")
    page.check("input[name=personal_data]", force=True)
    page.click("main form button[type=submit]")
    page.wait_for_url("**/tab/evidence/")
    browser_page.check_accessibility()
    inventory = page.inner_text("#evidence-inventory")
    assert "pv-jour-1.pdf" in inventory
    assert "connexions.csv" in inventory
    assert Evidence.objects.count() == 2

    page.click("text=pv-jour-1.pdf")
    page.wait_for_url("**/evidence/*/")
    browser_page.check_accessibility()
    with page.expect_download() as download_info:
        page.click("#download-evidence")
    download = download_info.value
    assert download.suggested_filename == "pv-jour-1.pdf"
    assert Path(download.path()).read_bytes() == PDF

    page.reload()
    browser_page.check_accessibility()
    custody = page.inner_text("#custody")
    assert "Enregistrée" in custody
    assert "Téléchargé" in custody
    assert "Inès Leroy" in custody
