"""In the browser, the staff side: invite a portal user, draft a request with two questions, send it;
once the organisation has answered (through the services), read the answer and its document, see the
deadline met, and verify the receipt. Every page is checked with axe-core."""

import pytest
from django.core.files.base import ContentFile

from apps.cases import services as case_services
from apps.info_requests import services
from apps.info_requests.models import InfoRequest, PortalAccess
from tests.support import PASSWORD, make_organisation, make_staff, valid_siren

from .conftest import PDF, enrol

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_invite_request_send_read_the_answer_and_verify_its_receipt(browser_page, login, mailoutbox):
    ines = make_staff("ines@cnil.test", roles=("investigator",), full_name="Inès Leroy")
    case = case_services.case_open(actor=ines, origin="ex_officio", legal_regime="gdpr", title="Contrôle sur pièces")
    case_services.case_transition(actor=ines, case=case, to_status="investigating", reason="Contrôle")
    insurer = make_organisation("Mutuelle des Tilleuls", valid_siren(11))
    party = case_services.party_add(actor=ines, case=case, organisation=insurer, role="controller", processing="tp")
    page = login(ines)

    browser_page.goto(f"/cases/{case.pk}/tab/requests/")
    page.click("#invite")
    page.wait_for_url("**/requests/invite/")
    browser_page.check_accessibility()
    page.select_option("select[name=party]", str(party.pk))
    page.fill("input[name=full_name]", "Delphine Po")
    page.fill("input[name=email]", "dpo@tilleuls.example")
    page.select_option("select[name=role]", "dpo")
    page.click("main form button[type=submit]")
    page.wait_for_url("**/tab/requests/")
    browser_page.check_accessibility()
    assert "dpo@tilleuls.example" in page.inner_text("#portal-users")
    assert len(mailoutbox) == 1

    page.click("#new-request")
    page.wait_for_url("**/requests/new/")
    browser_page.check_accessibility()
    page.check(f"input[name=parties][value='{party.pk}']", force=True)
    page.fill("input[name=subject]", "Sécurité du portail")
    page.fill("textarea[name=letter]", "Madame, Monsieur, veuillez répondre aux questions ci-dessous.")
    page.fill("input[name=period_days]", "15")
    page.fill("textarea[name=questions-0-text]", "Décrivez l'authentification du portail.")
    page.fill("textarea[name=questions-1-text]", "Joignez l'analyse d'impact.")
    page.select_option("select[name=questions-1-expects]", "documents")
    page.click("#create-request")
    page.wait_for_url("**/requests/*/")
    browser_page.check_accessibility()
    assert "brouillon" in page.inner_text("#request-status").lower()
    page.click("#send-request")
    page.wait_for_load_state("load")
    browser_page.check_accessibility()
    assert "envoyée" in page.inner_text("#request-status").lower()
    assert "Échéance de la réponse" in page.inner_text("#request-deadline")

    # The organisation answers on the portal (its own pages are tested in tests/portal).
    info_request = InfoRequest.objects.get()
    access = PortalAccess.objects.get()
    _again, token = services.portal_invite(
        actor=ines, party=party, full_name="Delphine Po", email=access.user.email, role="dpo"
    )
    dpo = enrol(services.invitation_accept(token=token, password=PASSWORD))
    text_q, document_q = info_request.questions.order_by("position")
    services.draft_save(actor=dpo, request=info_request, answers={text_q.pk: "Un second facteur depuis mars 2024."})
    services.draft_file_add(
        actor=dpo, request=info_request, question=document_q, upload=ContentFile(PDF, name="aipd.pdf")
    )
    submission = services.submission_submit(actor=dpo, request=info_request)

    page.reload()
    browser_page.check_accessibility()
    assert "répondue" in page.inner_text("#request-status").lower()
    assert "atteinte le" in page.inner_text("#request-deadline").lower()
    answers = page.inner_text(f"#submission-{submission.pk}")
    assert "Un second facteur depuis mars 2024." in answers
    assert submission.receipt_number in answers
    page.click(f"#submission-{submission.pk} a:has-text('aipd.pdf')")
    page.wait_for_url("**/evidence/*/")
    browser_page.check_accessibility()
    assert "Transmission de l’organisme" in page.inner_text("main")

    browser_page.goto("/cases/receipts/verify/")
    page.fill("input[name=number]", submission.receipt_number)
    page.fill("input[name=sha256]", submission.receipt_sha256)
    page.click("#verify-form button[type=submit]")
    page.wait_for_load_state("load")
    browser_page.check_accessibility()
    assert "Accusé de réception valide" in page.inner_text("#receipt-result")
