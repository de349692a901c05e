"""The whole round trip in a real browser (Chromium via Playwright), each page checked with axe-core:
the invitation e-mail's link, a password, TOTP enrolment, the request, answers typed and two documents
uploaded with the progress bar, the submission and its receipt, on a desktop and on a phone."""

import re
from pathlib import Path

import pyotp
import pytest
from django.core import mail

from apps.info_requests.models import AnswerFile, InfoRequest, Submission

from .conftest import PDF, QUESTIONS, invite, send_request

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "une phrase de passe solide 2026"
CSV = b"date;identifiant\n2024-01-29;ps-0042\n"


def _invitation_path() -> str:
    (link,) = [link for m in mail.outbox for link in re.findall(r"\S*/portal/invitation/\S+/", m.body)]
    return link[link.index("/portal/") :]


def test_invitation_enrolment_answer_two_documents_submit_and_receipt(
    browser_page, login, agent, case, party, tmp_path
):
    # The investigator invites the insurer's DPO and sends a request with three questions.
    page = login(agent)
    browser_page.goto(f"/cases/{case.pk}/tab/requests/")
    page.click("#invite")
    page.wait_for_url("**/requests/invite/")
    browser_page.check_accessibility()
    page.select_option("select[name=party]", str(party.pk))
    page.fill("input[name=full_name]", "Delphine Martin")
    page.fill("input[name=email]", "dpo@tilleuls.example")
    page.select_option("select[name=role]", "dpo")
    page.click("main form button[type=submit]")
    page.wait_for_url("**/tab/requests/")
    page.click("#new-request")
    page.wait_for_url("**/requests/new/")
    browser_page.check_accessibility()
    page.check(f"input[name=parties][value='{party.pk}']", force=True)
    page.fill("input[name=subject]", "Sécurité du portail")
    page.fill("textarea[name=letter]", "Madame, Monsieur, veuillez répondre aux questions ci-dessous.")
    page.fill("input[name=period_days]", "15")
    for n, question in enumerate(QUESTIONS):
        page.fill(f"textarea[name=questions-{n}-text]", question["text"])
        page.select_option(f"select[name=questions-{n}-expects]", question["expects"])
    page.click("#create-request")
    page.wait_for_url("**/requests/*/")
    page.click("#send-request")
    page.wait_for_load_state("load")
    browser_page.check_accessibility()
    assert "envoyée" in page.inner_text("#request-status").lower()
    info_request = InfoRequest.objects.get()
    text_q, docs_q, both_q = info_request.questions.order_by("position")
    page.context.clear_cookies()

    # The e-mail's link: set a password, then enrol an authenticator.
    browser_page.goto(_invitation_path())
    assert "Mutuelle des Tilleuls" in page.inner_text("#invitation-scope")
    page.fill("input[name=password1]", PASSWORD)
    page.fill("input[name=password2]", PASSWORD)
    page.click("main button[type=submit]")
    page.wait_for_url("**/accounts/2fa/setup/**")
    browser_page.check_accessibility()
    secret = page.inner_text("#totp-secret").replace(" ", "")
    page.fill("input[name=otp_token]", pyotp.TOTP(secret).now())
    page.click("main button[type=submit]")
    page.wait_for_url("**/accounts/recovery-codes/**")
    browser_page.check_accessibility()
    page.click("text=J’ai enregistré mes codes, continuer")
    page.wait_for_url(browser_page.base_url + "/portal/")
    browser_page.check_accessibility()
    assert "Mutuelle des Tilleuls" in page.inner_text("#portal-organisation")
    assert "Sécurité du portail" in page.inner_text("#open-requests")

    # The request: type an answer, then upload (the typed text is saved, not lost).
    page.click("text=Sécurité du portail")
    page.wait_for_url(f"**/portal/requests/{info_request.pk}/")
    browser_page.check_accessibility()
    page.fill(f"textarea[name=answer_{text_q.pk}]", "Authentification forte depuis mars 2024.")
    pdf, csv = tmp_path / "analyse-impact.pdf", tmp_path / "journal.csv"
    pdf.write_bytes(PDF)
    csv.write_bytes(CSV)
    page.set_input_files(f"#file-{docs_q.pk}", str(pdf))
    page.click(f"#upload-form-{docs_q.pk} button[type=submit]")
    page.wait_for_selector(f"#draft-files-{docs_q.pk}")
    browser_page.check_accessibility()
    assert page.input_value(f"textarea[name=answer_{text_q.pk}]") == "Authentification forte depuis mars 2024."
    page.set_input_files(f"#file-{both_q.pk}", str(csv))
    page.click(f"#upload-form-{both_q.pk} button[type=submit]")
    page.wait_for_selector(f"#draft-files-{both_q.pk}")
    browser_page.check_accessibility()
    assert sorted(AnswerFile.objects.values_list("original_filename", flat=True)) == [
        "analyse-impact.pdf",
        "journal.csv",
    ]

    # A refused type: a clear message under the form, nothing added.
    exe = tmp_path / "outil.exe"
    exe.write_bytes(b"MZ\x90\x00" + b"\x00" * 200)
    page.set_input_files(f"#file-{both_q.pk}", str(exe))
    page.click(f"#upload-form-{both_q.pk} button[type=submit]")
    status = page.locator(f"#upload-form-{both_q.pk} [data-upload-status]")
    status.filter(has_text="est refusé").wait_for()
    assert AnswerFile.objects.count() == 2

    # Submit: the confirmation first, then the receipt.
    page.fill(f"textarea[name=answer_{both_q.pk}]", "Plan d'action joint.")
    page.click("#submit-answer")
    page.wait_for_selector("#id_confirm ~ .fr-messages-group, .fr-checkbox-group--error")
    browser_page.check_accessibility()
    page.check("#id_confirm", force=True)
    page.click("#submit-answer")
    page.wait_for_url("**/portal/receipts/**")
    browser_page.check_accessibility()
    submission = Submission.objects.get(status="submitted")
    assert page.inner_text("#receipt-number") == submission.receipt_number
    assert page.inner_text("#receipt-sha256") == submission.receipt_sha256
    files = page.inner_text("#receipt-files")
    assert "analyse-impact.pdf" in files
    assert "journal.csv" in files
    with page.expect_download() as download_info:
        page.click("#receipt-pdf")
    download = download_info.value
    assert download.suggested_filename == f"recepisse-{submission.receipt_number}.pdf"
    assert Path(download.path()).read_bytes().startswith(b"%PDF")

    # Back at the CNIL: the investigator reads the answer, finds both documents in the case's
    # evidence (source: the organisation), sees the deadline met and verifies the receipt.
    page.context.clear_cookies()
    login(agent)
    browser_page.goto(f"/cases/{case.pk}/requests/{info_request.pk}/")
    browser_page.check_accessibility()
    assert "Authentification forte depuis mars 2024." in page.inner_text(f"#submission-{submission.pk}")
    assert "atteinte le" in page.inner_text("#request-deadline").lower()
    browser_page.goto(f"/cases/{case.pk}/tab/evidence/")
    inventory = page.inner_text("main")
    assert "analyse-impact.pdf" in inventory
    assert "journal.csv" in inventory
    browser_page.goto("/cases/receipts/verify/")
    page.fill("input[name=number]", submission.receipt_number)
    page.fill("input[name=sha256]", submission.receipt_sha256)
    page.click("#verify-form button[type=submit]")
    page.wait_for_load_state("load")
    browser_page.check_accessibility()
    assert "Accusé de réception valide" in page.inner_text("#receipt-result")


def test_the_portal_on_a_phone(browser_page, agent, case, party):
    invite(agent, party, "dpo@tilleuls.example")
    (info_request,) = send_request(agent, case, [party])
    page = browser_page.page
    page.set_viewport_size({"width": 360, "height": 740})
    browser_page.goto(_invitation_path())
    page.fill("input[name=password1]", PASSWORD)
    page.fill("input[name=password2]", PASSWORD)
    page.click("main button[type=submit]")
    page.wait_for_url("**/accounts/2fa/setup/**")
    browser_page.check_accessibility()
    page.fill("input[name=otp_token]", pyotp.TOTP(page.inner_text("#totp-secret").replace(" ", "")).now())
    page.click("main button[type=submit]")
    page.wait_for_url("**/accounts/recovery-codes/**")
    browser_page.check_accessibility()
    browser_page.goto(f"/portal/requests/{info_request.pk}/")
    # Nothing wider than the screen: no horizontal scrolling.
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    assert page.locator("#submit-answer").is_visible()
    page.click("#portal-menu-button")
    page.wait_for_selector("#portal-navigation", state="visible")
    browser_page.check_accessibility()
