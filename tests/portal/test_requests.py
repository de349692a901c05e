"""The organisation's side of a request: the list, the page, drafts, documents, submission, receipts
and messages, through the test client."""

import hashlib
from datetime import timedelta
from urllib.parse import quote
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.files.base import ContentFile
from django.utils import timezone

from apps.audit.choices import AuditAction
from apps.audit.models import AuditEvent
from apps.evidence.models import Blob, Evidence
from apps.info_requests import selectors, services
from apps.info_requests.models import AnswerFile, Message, Submission

from .conftest import PDF, send_request

pytestmark = pytest.mark.django_db


def ours_of(requests, party):
    return next(r for r in requests if r.party_id == party.pk)


@pytest.fixture
def info_request(requests_sent, party):
    return ours_of(requests_sent, party)


def questions(info_request):
    return list(info_request.questions.order_by("position"))


def page_of(client, info_request):
    return client.get(f"/portal/requests/{info_request.pk}/")


def current_number(client, info_request) -> int:
    return page_of(client, info_request).context["number"]


def upload_raw(client, info_request, question, content=PDF, name="analyse d’impact.pdf"):
    return client.post(
        f"/portal/requests/{info_request.pk}/questions/{question.pk}/files/",
        data=content,
        content_type="application/octet-stream",
        headers={"X-Filename": quote(name), "Accept": "application/json"},
    )


def save(client, info_request, texts: dict, *, action="save", confirm=False, number=None):
    data = {f"answer_{q.pk}": text for q, text in texts.items()}
    data["number"] = number if number is not None else current_number(client, info_request)
    data["action"] = action
    if confirm:
        data["confirm"] = "on"
    return client.post(f"/portal/requests/{info_request.pk}/answers/", data)


# --- The list ------------------------------------------------------------------------------------


def test_the_list_shows_our_requests_open_first_with_due_dates_and_overdue_flags(
    agent, case, party, other_party, requests_sent, portal
):
    ours, _theirs = requests_sent
    later = ours_of(send_request(agent, case, [party], period_days=30, subject="Registre des traitements"), party)
    closed = ours_of(send_request(agent, case, [party], subject="Ancienne demande"), party)
    services.request_close(actor=agent, request=closed)
    page = portal.get("/portal/")
    assert page.status_code == 200
    body = page.content.decode()
    assert "Mutuelle des Tilleuls" in body
    assert "Mutuelle Horizon" not in body
    open_part, closed_part = body.split('id="closed-requests"')
    assert open_part.index("Sécurité du portail") < open_part.index("Registre des traitements"), "due first"
    assert "Ancienne demande" in closed_part
    assert "Ancienne demande" not in open_part
    assert "En attente de votre réponse" in open_part
    due = timezone.localtime(selectors.request_deadline(ours).due_at)
    assert f"réponse attendue au plus tard le {due.day} " in open_part
    assert "En retard" not in body
    # A request sent 20 days ago with 15 days to answer.
    with time_machine.travel(timezone.now() - timedelta(days=20)):
        late = ours_of(send_request(agent, case, [party], subject="Demande ancienne"), party)
    body = portal.get("/portal/").content.decode()
    assert f'id="overdue-{late.pk}"' in body
    assert f'id="overdue-{ours.pk}"' not in body
    assert f'id="overdue-{later.pk}"' not in body
    assert "En retard" in body
    open_part = body.split('id="closed-requests"')[0]
    assert open_part.index("Demande ancienne") < open_part.index("Sécurité du portail"), "the late one first"


def test_the_list_counts_its_queries_whatever_the_number_of_requests(
    agent, case, party, requests_sent, portal, django_assert_max_num_queries
):
    with django_assert_max_num_queries(8):
        portal.get("/portal/")
    for i in range(5):
        send_request(agent, case, [party], subject=f"Demande {i}")
    with django_assert_max_num_queries(8):
        assert portal.get("/portal/").content.decode().count("fr-card__title") == 6


# --- The request page ----------------------------------------------------------------------------


def test_the_request_page_shows_letter_questions_and_the_right_inputs(info_request, portal):
    page = page_of(portal, info_request)
    assert page.status_code == 200
    body = page.content.decode()
    assert "en application de l'article 58 du RGPD" in body or "en application de l&#x27;article 58" in body
    text_q, docs_q, both_q = questions(info_request)
    assert f'name="answer_{text_q.pk}"' in body
    assert f'name="answer_{docs_q.pk}"' not in body
    assert f'name="answer_{both_q.pk}"' in body
    assert f'id="upload-form-{text_q.pk}"' not in body
    assert f'id="upload-form-{docs_q.pk}"' in body
    assert f'id="upload-form-{both_q.pk}"' in body
    assert "Enregistrer le brouillon" in body
    assert "Soumettre ma réponse" in body
    assert "Une soumission est définitive" in body
    assert "data-upload-form" in body
    assert "evidence/upload.js" in body


def test_a_draft_is_saved_and_shown_again(info_request, portal):
    text_q, _docs_q, both_q = questions(info_request)
    response = save(portal, info_request, {text_q: "Authentification à deux facteurs depuis mars.", both_q: ""})
    assert response.status_code == 302
    assert response["Location"] == f"/portal/requests/{info_request.pk}/#answers"
    page = page_of(portal, info_request).content.decode()
    assert "Authentification à deux facteurs depuis mars." in page
    assert "Votre brouillon est enregistré" in page
    assert Submission.objects.get(request=info_request).status == "draft"
    assert AuditEvent.objects.filter(action=AuditAction.ANSWER_DRAFT_SAVED).count() == 1


# --- Documents -----------------------------------------------------------------------------------


def test_a_document_streamed_as_the_raw_body_joins_the_draft(info_request, portal):
    _text_q, docs_q, _both_q = questions(info_request)
    response = upload_raw(portal, info_request, docs_q)
    assert response.status_code == 201
    assert response["Location"] == f"/portal/requests/{info_request.pk}/#question-{docs_q.pk}"
    item = AnswerFile.objects.get()
    assert item.original_filename == "analyse d’impact.pdf"
    assert item.sha256 == hashlib.sha256(PDF).hexdigest()
    assert item.question == docs_q
    page = page_of(portal, info_request).content.decode()
    assert "analyse d’impact.pdf" in page
    assert f'id="remove-file-{item.pk}"' in page
    assert "« analyse d’impact.pdf » est ajouté à votre brouillon." in page


def test_a_document_posted_as_a_form_without_javascript_joins_the_draft(info_request, portal, tmp_path):
    _text_q, _docs_q, both_q = questions(info_request)
    first, second = tmp_path / "plan.pdf", tmp_path / "annexe.txt"
    first.write_bytes(PDF)
    second.write_bytes(b"Annexe au plan d'action\n")
    with first.open("rb") as a, second.open("rb") as b:
        response = portal.post(f"/portal/requests/{info_request.pk}/questions/{both_q.pk}/files/", {"file": [a, b]})
    assert response.status_code == 302
    assert response["Location"].endswith(f"#question-{both_q.pk}")
    assert sorted(AnswerFile.objects.values_list("original_filename", flat=True)) == ["annexe.txt", "plan.pdf"]


def test_a_refused_type_is_a_clear_400_and_nothing_is_kept(info_request, portal, evidence_root):
    _text_q, docs_q, _both_q = questions(info_request)
    response = upload_raw(portal, info_request, docs_q, content=b"MZ\x90\x00" + b"\x00" * 200, name="outil.exe")
    assert response.status_code == 400
    message = response.content.decode()
    assert "« outil.exe » est refusé" in message
    assert "ne sont pas acceptés" in message
    assert not AnswerFile.objects.exists()
    assert not Blob.objects.exists()
    assert not [p for p in evidence_root.rglob("*") if p.is_file()]


def test_a_file_over_the_limit_is_a_clear_413_and_nothing_is_kept(info_request, portal, settings, evidence_root):
    settings.EVIDENCE_MAX_UPLOAD_SIZE = 40
    _text_q, docs_q, _both_q = questions(info_request)
    response = upload_raw(portal, info_request, docs_q)
    assert response.status_code == 413
    assert "dépasse la limite de 40" in response.content.decode()
    assert not AnswerFile.objects.exists()
    assert not Blob.objects.exists()
    assert not [p for p in evidence_root.rglob("*") if p.is_file()]


def test_a_file_over_the_limit_without_javascript_shows_the_page_with_the_message(
    info_request, portal, settings, tmp_path
):
    settings.EVIDENCE_MAX_UPLOAD_SIZE = 40
    _text_q, docs_q, _both_q = questions(info_request)
    big = tmp_path / "gros.pdf"
    big.write_bytes(PDF)
    with big.open("rb") as handle:
        response = portal.post(f"/portal/requests/{info_request.pk}/questions/{docs_q.pk}/files/", {"file": handle})
    assert response.status_code == 413
    assert "fr-upload-group--error" in response.content.decode()
    assert not AnswerFile.objects.exists()


def test_a_document_for_a_text_only_question_is_refused(info_request, portal):
    text_q, _docs_q, _both_q = questions(info_request)
    response = upload_raw(portal, info_request, text_q)
    assert response.status_code == 400
    assert "attend une réponse écrite" in response.content.decode()
    assert not AnswerFile.objects.exists()


def test_removing_a_document_keeps_the_typed_answers(info_request, portal):
    text_q, docs_q, _both_q = questions(info_request)
    upload_raw(portal, info_request, docs_q)
    item = AnswerFile.objects.get()
    number = current_number(portal, info_request)
    response = portal.post(
        f"/portal/files/{item.pk}/remove/", {f"answer_{text_q.pk}": "Texte tapé avant de retirer", "number": number}
    )
    assert response.status_code == 302
    assert not AnswerFile.objects.exists()
    page = page_of(portal, info_request).content.decode()
    assert "Texte tapé avant de retirer" in page
    assert "est retiré de votre brouillon" in page


# --- Submission and receipt ----------------------------------------------------------------------


def _draft_with_a_document(portal, info_request):
    text_q, docs_q, both_q = questions(info_request)
    upload_raw(portal, info_request, docs_q)
    return {text_q: "Authentification forte depuis mars.", both_q: "Plan d'action joint."}


def test_submitting_needs_the_confirmation(info_request, portal):
    texts = _draft_with_a_document(portal, info_request)
    response = save(portal, info_request, texts, action="submit")
    assert response.status_code == 400
    assert "Cochez cette case pour confirmer" in response.content.decode()
    assert not Submission.objects.filter(status="submitted").exists()


def test_submit_then_the_receipt_page_and_its_pdf(info_request, portal, dpo):
    texts = _draft_with_a_document(portal, info_request)
    response = save(portal, info_request, texts, action="submit", confirm=True)
    submission = Submission.objects.get(status="submitted")
    assert response.status_code == 302
    assert response["Location"] == f"/portal/receipts/{submission.receipt_number}/"
    receipt = portal.get(response["Location"])
    assert receipt.status_code == 200
    body = receipt.content.decode()
    assert "Votre réponse est soumise" in body
    assert submission.receipt_number in body
    assert "Mutuelle des Tilleuls" in body
    assert "Sécurité du portail" in body
    assert "analyse d’impact.pdf" in body
    assert str(len(PDF)) in body
    assert hashlib.sha256(PDF).hexdigest() in body
    assert submission.receipt_sha256 in body
    paris = timezone.localtime(submission.submitted_at, timezone=ZoneInfo("Europe/Paris"))
    assert paris.strftime("%H:%M:%S") in body
    assert "heure de Paris" in body
    assert services.receipt_verify(submission.receipt_number, submission.receipt_sha256) == submission
    pdf = portal.get(f"/portal/receipts/{submission.receipt_number}/pdf/")
    assert pdf.status_code == 200
    assert pdf["Content-Type"] == "application/pdf"
    assert pdf["Content-Disposition"] == f'attachment; filename="recepisse-{submission.receipt_number}.pdf"'
    assert pdf.content.startswith(b"%PDF")
    # The document became evidence of the case; the request page now shows the submission read-only.
    assert Evidence.objects.filter(source="organisation").count() == 1
    page = page_of(portal, info_request).content.decode()
    assert f"Récépissé {submission.receipt_number}" in page
    assert "Authentification forte depuis mars." in page
    assert "soumission n° 2" in page


def test_a_double_click_on_submit_makes_one_submission_and_one_receipt(info_request, portal):
    texts = _draft_with_a_document(portal, info_request)
    number = current_number(portal, info_request)
    first = save(portal, info_request, texts, action="submit", confirm=True, number=number)
    second = save(portal, info_request, texts, action="submit", confirm=True, number=number)
    submission = Submission.objects.get()
    assert submission.status == "submitted"
    assert first["Location"] == second["Location"] == f"/portal/receipts/{submission.receipt_number}/"
    shown = portal.get(second["Location"]).content.decode()
    assert "Cette réponse a déjà été soumise" in shown
    assert AuditEvent.objects.filter(action=AuditAction.ANSWER_SUBMITTED).count() == 1
    assert not Submission.objects.filter(status="draft").exists(), "the second click leaves no draft behind"


def test_a_supplementary_submission_gets_its_own_receipt(info_request, portal):
    text_q, _docs_q, _both_q = questions(info_request)
    texts = _draft_with_a_document(portal, info_request)
    save(portal, info_request, texts, action="submit", confirm=True)
    response = save(portal, info_request, {text_q: "Précision : la MFA couvre aussi l'extranet."})
    assert response.status_code == 302
    response = save(
        portal, info_request, {text_q: "Précision : la MFA couvre aussi l'extranet."}, action="submit", confirm=True
    )
    numbers = list(Submission.objects.order_by("number").values_list("number", "receipt_number"))
    assert [n for n, _r in numbers] == [1, 2]
    assert response["Location"] == f"/portal/receipts/{numbers[1][1]}/"


def test_a_closed_request_can_no_longer_be_answered(agent, info_request, portal):
    text_q, _docs_q, _both_q = questions(info_request)
    number = current_number(portal, info_request)
    services.request_close(actor=agent, request=info_request)
    page = page_of(portal, info_request).content.decode()
    assert "Cette demande est close" in page
    assert 'id="answers-form"' not in page
    assert 'id="message-form"' not in page
    response = save(portal, info_request, {text_q: "Trop tard"}, number=number)
    assert response.status_code == 400
    assert "Cette demande est close" in response.content.decode()
    assert not Submission.objects.exists()
    assert upload_raw(portal, info_request, questions(info_request)[1]).status_code == 400


# --- Messages ------------------------------------------------------------------------------------


def test_messages_are_posted_on_the_thread_and_stay_with_the_organisation(info_request, portal, other_portal):
    response = portal.post(f"/portal/requests/{info_request.pk}/messages/", {"text": "Pouvons-nous avoir un délai ?"})
    assert response.status_code == 302
    assert response["Location"].endswith("#messages")
    message = Message.objects.get()
    assert message.from_organisation
    assert "Pouvons-nous avoir un délai ?" in page_of(portal, info_request).content.decode()
    empty = portal.post(f"/portal/requests/{info_request.pk}/messages/", {"text": "   "})
    assert empty.status_code == 400
    assert "Ce champ est obligatoire." in empty.content.decode()
    assert Message.objects.count() == 1
    assert "Pouvons-nous avoir un délai ?" not in other_portal.get("/portal/").content.decode()


def test_a_message_from_the_cnil_is_shown_in_the_thread(agent, info_request, portal):
    services.message_post(actor=agent, request=info_request, text="Nous attendons l'AIPD.")
    page = page_of(portal, info_request).content.decode()
    assert "Nous attendons l&#x27;AIPD." in page or "Nous attendons l'AIPD." in page
    assert "Inès Leroy" not in page


def test_in_app_notifications_reach_the_portal_user_in_the_portal_layout(agent, info_request, portal):
    services.message_post(actor=agent, request=info_request, text="Nous attendons l'AIPD.")
    home = portal.get("/portal/").content.decode()
    assert 'id="notifications-badge"' in home
    page = portal.get("/notifications/")
    assert page.status_code == 200
    body = page.content.decode()
    assert "Portail des organismes" in body
    assert 'id="main-navigation"' not in body
    assert f'href="/portal/requests/{info_request.pk}/"' in body
    assert "Nouveau message de la CNIL" in body
    assert "Nous attendons" not in body, "notifications carry no case content"


def _fill(agent, dpo, info_request, rounds: int):
    """``rounds`` submissions with an answer and a document each, a draft, and as many messages."""
    text_q, docs_q, _both_q = questions(info_request)
    for i in range(rounds):
        services.draft_save(actor=dpo, request=info_request, answers={text_q.pk: f"Réponse {i}"})
        services.draft_file_add(
            actor=dpo, request=info_request, question=docs_q, upload=ContentFile(PDF + str(i).encode(), f"d{i}.pdf")
        )
        services.submission_submit(actor=dpo, request=info_request)
        services.message_post(actor=agent, request=info_request, text=f"Message {i}")
        services.message_post(actor=dpo, request=info_request, text=f"Réponse au message {i}")
    services.draft_save(actor=dpo, request=info_request, answers={text_q.pk: "Brouillon"})
    services.draft_file_add(
        actor=dpo, request=info_request, question=docs_q, upload=ContentFile(PDF + b"draft", "brouillon.pdf")
    )


@pytest.mark.parametrize("rounds", [1, 6])
def test_the_request_page_counts_its_queries_whatever_it_holds(
    agent, dpo, info_request, portal, rounds, django_assert_max_num_queries
):
    _fill(agent, dpo, info_request, rounds)
    with django_assert_max_num_queries(18):  # 17 + the access record
        body = page_of(portal, info_request).content.decode()
    assert body.count('id="submission-') == rounds
