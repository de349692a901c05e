"""In the browser: assess Art. 32 as infringed on a piece of evidence, issue a formal notice with two
measures, record its delivery and receipt, one measure met and one not, then open a simplified
sanction procedure, run its written procedure and see a fine over EUR 20,000 refused."""

import pytest
from django.core.files.base import ContentFile

from apps.cases import services as case_services
from apps.cases.models import Case
from apps.evidence import services as evidence_services
from apps.outcomes.models import FormalNotice, Obligation
from tests.support import make_organisation, make_staff, valid_siren

from .test_formal_notices import PDF, RECEIVED, SENT

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def local(moment):
    return moment.strftime("%Y-%m-%dT%H:%M")


def test_assess_issue_a_notice_deliver_it_and_check_compliance(browser_page, login):
    ines = make_staff("ines@cnil.test", roles=("investigator",), full_name="Inès Leroy")
    case = case_services.case_open(actor=ines, origin="ex_officio", legal_regime="gdpr", title="Portail")
    case_services.case_transition(actor=ines, case=case, to_status="investigating", reason="Contrôle")
    insurer = make_organisation("Opérateur Démo", valid_siren(4))
    party = case_services.party_add(actor=ines, case=case, organisation=insurer, role="processor", processing="tp")
    pv = evidence_services.evidence_register(
        actor=ines, case=case, upload=ContentFile(PDF + b"pv", name="pv.pdf"), title="PV de contrôle", source="on_site"
    )
    evidence_services.evidence_register(
        actor=ines,
        case=case,
        upload=ContentFile(PDF + b"ar", name="ar.pdf"),
        title="Accusé de réception",
        source="public",
    )
    security = Obligation.objects.get(code="gdpr-32")
    page = login(ines)

    browser_page.goto(f"/cases/{case.pk}/tab/outcomes/")
    browser_page.check_accessibility()
    page.click(f"a[href='/cases/{case.pk}/outcomes/{party.pk}/{security.pk}/']")
    page.wait_for_url("**/outcomes/*/*/")
    browser_page.check_accessibility()
    page.select_option("select[name=status]", "infringement")
    page.fill("textarea[name=reasoning]", "Aucun second facteur sur le portail.")
    page.check(f"input[name=evidence][value='{pv.pk}']", force=True)
    page.fill("textarea[name=facts]", "Identifiants volés réutilisés sans second facteur.")
    page.click("main form button[type=submit]")
    page.wait_for_url("**/tab/outcomes/")
    browser_page.check_accessibility()
    assert "infraction constatée" in page.inner_text("#outcome-grid").lower()

    page.click("#new-notice")
    page.wait_for_url("**/outcomes/notices/new/")
    browser_page.check_accessibility()
    page.select_option("select[name=party]", str(party.pk))
    page.check("input[name=findings]", force=True)
    page.fill("input[name=decision_reference]", "MED-2024-007")
    page.fill("input[name=decided_on]", "2024-02-27")
    page.fill("input[name=period_days]", "10")
    page.select_option("select[name=measures-0-obligation]", str(security.pk))
    page.fill("textarea[name=measures-0-description]", "Authentification multifacteur")
    page.select_option("select[name=measures-1-obligation]", str(security.pk))
    page.fill("textarea[name=measures-1-description]", "Journalisation des accès")
    page.click("#issue-notice")
    page.wait_for_url("**/outcomes/notices/*/")
    browser_page.check_accessibility()
    assert Case.objects.get(pk=case.pk).status == "formal_notice"

    page.select_option("#delivery-form select[name=means]", "signed_receipt_letter")
    page.fill("#delivery-form input[name=sent_at]", local(SENT))
    page.fill("#delivery-form input[name=received_at]", local(RECEIVED))
    page.select_option("#delivery-form select[name=proof]", label="Accusé de réception")
    page.click("#delivery-form button[type=submit]")
    page.wait_for_url("**/outcomes/notices/*/")
    browser_page.check_accessibility()
    assert "délai de mise en conformité en cours" in page.inner_text("#notice-status").lower()

    rows = page.locator("#measures tbody tr")
    rows.nth(0).locator("input[name=met][value='1']").check(force=True)
    rows.nth(0).locator("button").click()
    page.wait_for_load_state("load")
    rows = page.locator("#measures tbody tr")
    rows.nth(1).locator("input[name=met][value='0']").check(force=True)
    rows.nth(1).locator("input[name=note]").fill("Journalisation absente")
    rows.nth(1).locator("button").click()
    page.wait_for_load_state("load")
    browser_page.check_accessibility()
    assert "non respectée" in page.inner_text("#notice-status").lower()
    assert FormalNotice.objects.get().status == "not_complied"
    assert Case.objects.get(pk=case.pk).status == "formal_notice"  # a sanction procedure comes next, not closure

    # The President opens a simplified sanction procedure; the written procedure runs; a fine over
    # EUR 20,000 is refused with the rule, a lower one recorded.
    browser_page.goto(f"/cases/{case.pk}/tab/outcomes/")
    page.click("#new-procedure")
    page.wait_for_url("**/outcomes/procedures/new/")
    browser_page.check_accessibility()
    page.select_option("select[name=party]", str(party.pk))
    page.select_option("select[name=procedure]", "simplified")
    page.fill("input[name=referral_reference]", "D-2024-041")
    page.fill("input[name=opened_on]", "2024-04-02")
    page.fill("input[name=rapporteur]", "Paul Agent")
    page.click("main form button[type=submit]")
    page.wait_for_url("**/outcomes/procedures/*/")
    browser_page.check_accessibility()
    assert Case.objects.get(pk=case.pk).status == "sanction_simplified"
    procedure_url = page.url

    page.click("summary:has-text('Enregistrer le rapport du rapporteur')")
    page.fill("#report-form input[name=reference]", "RAP-2024-041")
    page.fill("#report-form input[name=dated_on]", "2024-04-03")
    page.click("#report-form button[type=submit]")
    page.wait_for_load_state("load")
    page.click("#reports a")
    page.wait_for_url("**/outcomes/reports/*/")
    browser_page.check_accessibility()
    page.select_option("#delivery-form select[name=means]", "qualified_erm")
    page.fill("#delivery-form input[name=sent_at]", "2024-04-04T10:00")
    page.fill("#delivery-form input[name=received_at]", "2024-04-05T10:00")
    page.select_option("#delivery-form select[name=proof]", label="Accusé de réception")
    page.click("#delivery-form button[type=submit]")
    page.wait_for_load_state("load")
    browser_page.goto(procedure_url.removeprefix(browser_page.base_url))
    assert "Observations sur le rapport de sanction" in page.inner_text("#procedure-deadlines")

    page.click("summary:has-text('Enregistrer des observations')")
    page.select_option("#observation-form select[name=author]", "organisation")
    page.fill("#observation-form input[name=received_at]", "2024-04-30T10:00")
    page.fill("#observation-form textarea[name=summary]", "L’opérateur conteste la gravité.")
    page.click("#observation-form button[type=submit]")
    page.wait_for_load_state("load")
    page.click("summary:has-text('Clore l’instruction')")
    page.fill("#close-form input[name=closed_on]", "2024-05-10")
    page.click("#close-form button[type=submit]")
    page.wait_for_load_state("load")
    browser_page.check_accessibility()
    assert "instruction close" in page.inner_text("#procedure-step").lower()

    page.click("a:has-text('Enregistrer la décision')")
    page.wait_for_url("**/outcomes/decisions/new/")
    browser_page.check_accessibility()
    page.select_option("select[name=party]", str(party.pk))
    page.check("input[name=findings]", force=True)
    page.select_option("select[name=deciding_body]", "restricted_committee_president")
    page.fill("input[name=reference]", "SIMP-2024-04")
    page.fill("input[name=decided_on]", "2024-05-20")
    page.fill("input[name=fine]", "25000")
    page.click("main form button[type=submit]")
    page.wait_for_load_state("load")
    browser_page.check_accessibility()
    assert "plafonne l’amende à 20\u202f000 €" in page.inner_text("main")
    page.fill("input[name=fine]", "15000")
    page.click("main form button[type=submit]")
    page.wait_for_url("**/outcomes/decisions/*/")
    browser_page.check_accessibility()
    assert "Amende : 15\xa0000,00 €" in page.inner_text("#decision-summary")
    assert Case.objects.get(pk=case.pk).status == "decided_sanction"
