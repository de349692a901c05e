"""An investigator records a controller's Art. 34 campaign and imports its report in the browser."""

import pytest

from apps.breaches.models import CampaignImport
from apps.cases import services as case_services
from tests.support import make_organisation, make_staff, valid_siren

from .test_campaigns import nir, report

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_record_a_campaign_and_import_its_report(browser_page, login, tmp_path):
    ines = make_staff("ines@cnil.test", roles=("investigator",), full_name="Inès Leroy")
    insurer = make_organisation("Mutuelle Démo", valid_siren(4))
    case = case_services.case_open(actor=ines, origin="breach_notification", legal_regime="gdpr", title="Fuite")
    case_services.party_add(actor=ines, case=case, organisation=insurer, role="controller", processing="tp")
    csv = tmp_path / "compte-rendu.csv"
    wrong_key = nir(3)[:-2] + ("00" if nir(3)[-2:] != "00" else "01")
    csv.write_bytes(
        report(
            (nir(1), "courrier", "envoyé", "2024-03-01"),
            (wrong_key, "courrier", "envoyé", "2024-03-01"),
            (nir(2), "courriel", "échec", "2024-03-02"),
            (nir(4), "courriel", "envoyé", "2024-03-02"),
            header="identifiant;canal;statut;date",
            sep=";",
        )
    )
    page = login(ines)

    browser_page.goto(f"/cases/{case.pk}/tab/breach/")
    browser_page.check_accessibility()
    page.click(f"a[href='/cases/{case.pk}/breach/campaigns/{insurer.pk}/']")
    page.wait_for_url(f"**/breach/campaigns/{insurer.pk}/")
    browser_page.check_accessibility()
    page.select_option("select[name=decision]", "required")
    page.check("input[name=channels][value=letter]", force=True)
    page.check("input[name=channels][value=email]", force=True)
    page.fill("input[name=planned_total]", "4")
    page.click("main form button[type=submit]")
    page.wait_for_url("**/tab/breach/**")
    browser_page.check_accessibility()
    assert "Courrier, Courriel" in page.inner_text("#campaign-status")

    page.click("#campaign-status >> text=Importer un compte rendu")
    page.wait_for_url("**/import/")
    browser_page.check_accessibility()
    page.set_input_files("input[name=report]", str(csv))
    page.check("input[name=mode][value=good]", force=True)
    page.click("main form button[type=submit]")
    page.wait_for_url("**/breach/imports/*/")
    browser_page.check_accessibility()
    assert "importé" in page.inner_text("#import-status").lower()  # a badge, upper-cased by CSS
    assert page.inner_text("#import-new") == "3"
    bad = page.inner_text("#bad-rows")
    assert "3\tnuméro de sécurité sociale avec une clé erronée" in bad
    assert CampaignImport.objects.get().status == "completed"

    browser_page.goto(f"/cases/{case.pk}/tab/breach/")
    browser_page.check_accessibility()
    assert "2 / 4" in page.inner_text("#campaign-status")
