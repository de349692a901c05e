"""Staff pages of requests for information: the Requests tab, invitations, drafting and sending, the request
page with answers, receipts and thread, and receipt verification. The team acts, readers read, others 404."""

import pytest
import time_machine
from django.core.files.base import ContentFile
from django.test import Client
from django.urls import reverse

from apps.cases import services as case_services
from apps.info_requests import services
from apps.info_requests.models import InfoRequest, Message, PortalAccess
from tests.support import log_in_verified, make_staff

from .conftest import PDF, QUESTIONS, send_request

pytestmark = pytest.mark.django_db


def client_for(user) -> Client:
    client = Client()
    log_in_verified(client, user)
    return client


@pytest.fixture
def team(agent):
    return client_for(agent)


@pytest.fixture
def legal():
    return make_staff("paul@cnil.test", roles=("legal",))


def tab(case):
    return reverse("cases:tab", args=[case.pk, "requests"])


def detail(request):
    return reverse("info_requests:detail", args=[request.case_id, request.pk])


def submit_answer(dpo, request, text="Réponse"):
    q1, q2 = request.questions.order_by("position")
    services.draft_save(actor=dpo, request=request, answers={q1.pk: text})
    services.draft_file_add(actor=dpo, request=request, question=q2, upload=ContentFile(PDF, name="aipd.pdf"))
    return services.submission_submit(actor=dpo, request=request)


def test_the_requests_tab_lists_requests_and_portal_users(agent, case, party, dpo, team, legal):
    (request,) = send_request(agent, case, [party])
    page = team.get(tab(case)).content.decode()
    assert "Demandes d’information" in page
    assert request.subject in page
    assert "Envoyée" in page
    assert dpo.email in page
    assert f'id="revoke-{PortalAccess.objects.get(user=dpo).pk}"' in page
    assert 'id="new-request"' in page
    assert 'id="invite"' in page
    read_only = client_for(legal).get(tab(case)).content.decode()
    assert request.subject in read_only
    assert 'id="new-request"' not in read_only
    assert "revoke-" not in read_only


def test_an_overdue_request_is_marked(agent, case, party, team):
    (request,) = send_request(agent, case, [party], period_days=1)
    deadline_due = InfoRequest.objects.with_deadline().get(pk=request.pk).due_at
    with time_machine.travel(deadline_due.timestamp() + 60):
        log_in_verified(team, agent)
        assert "En retard" in team.get(tab(case)).content.decode()
        assert "En retard" in team.get(detail(request)).content.decode()


def test_tab_in_a_fixed_number_of_queries(agent, case, party, other_party, dpo, team, django_assert_max_num_queries):
    send_request(agent, case, [party])
    with django_assert_max_num_queries(30) as one:
        team.get(tab(case))
    for _i in range(4):
        send_request(agent, case, [party, other_party])
    services.portal_invite(actor=agent, party=other_party, full_name="Marc", email="marc@h.example", role="counsel")
    with django_assert_max_num_queries(len(one.captured_queries)):
        team.get(tab(case))


def test_inviting_from_the_case(agent, case, party, team, mailoutbox, django_capture_on_commit_callbacks):
    url = reverse("info_requests:invite", args=[case.pk])
    assert "Inviter un utilisateur du portail" in team.get(url).content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        response = team.post(
            url, {"party": party.pk, "full_name": "Delphine Po", "email": "dpo@tilleuls.example", "role": "dpo"}
        )
    assert response.status_code == 302
    assert response["Location"] == tab(case)
    assert PortalAccess.objects.filter(user__email="dpo@tilleuls.example", party=party).exists()
    assert [m.to for m in mailoutbox] == [["dpo@tilleuls.example"]]
    refused = team.post(url, {"party": party.pk, "full_name": "Agent", "email": agent.email, "role": "dpo"})
    assert refused.status_code == 400
    assert "compte d’agent de la CNIL" in refused.content.decode()


def test_revoking_from_the_tab(agent, case, party, dpo, team, legal):
    access = PortalAccess.objects.get(user=dpo)
    url = reverse("info_requests:access_revoke", args=[case.pk, access.pk])
    assert client_for(legal).post(url).status_code == 404  # readers do not change the case
    assert team.get(url).status_code == 405
    response = team.post(url)
    assert response.status_code == 302
    access.refresh_from_db()
    dpo.refresh_from_db()
    assert access.revoked_at is not None
    assert not dpo.is_active
    other_case = case_services.case_open(actor=agent, origin="ex_officio", legal_regime="gdpr", title="Autre")
    assert team.post(reverse("info_requests:access_revoke", args=[other_case.pk, access.pk])).status_code == 404


def formset(questions, prefix="questions"):
    data = {
        f"{prefix}-TOTAL_FORMS": str(len(questions)),
        f"{prefix}-INITIAL_FORMS": "0",
        f"{prefix}-MIN_NUM_FORMS": "0",
        f"{prefix}-MAX_NUM_FORMS": "50",
    }
    for index, question in enumerate(questions):
        data[f"{prefix}-{index}-text"] = question["text"]
        data[f"{prefix}-{index}-expects"] = question["expects"]
    return data


def test_drafting_a_request_to_two_parties(agent, case, party, other_party, team):
    url = reverse("info_requests:create", args=[case.pk])
    page = team.get(url).content.decode()
    assert "Nouvelle demande d’information" in page
    data = {
        "parties": [party.pk, other_party.pk],
        "subject": "Sécurité du portail",
        "letter": "Madame, Monsieur",
        "period_days": "15",
        **formset([*QUESTIONS, {"text": "", "expects": "text"}]),
    }
    response = team.post(url, data)
    assert response.status_code == 302
    assert response["Location"] == tab(case)
    assert InfoRequest.objects.filter(case=case, status="draft").count() == 2
    refused = team.post(url, {**data, **formset([{"text": "", "expects": "text"}])})
    assert refused.status_code == 400
    assert "Posez au moins une question." in refused.content.decode()
    single = team.post(url, {**data, "parties": [party.pk]})
    assert single["Location"] == InfoRequest.objects.latest("pk").get_absolute_url()


def test_sending_closing_and_writing_from_the_request_page(agent, case, party, dpo, team, legal):
    (request,) = services.request_create(
        actor=agent, case=case, parties=[party], subject="Sécurité", letter="L", questions=QUESTIONS, period_days=15
    )
    url = detail(request)
    page = team.get(url).content.decode()
    assert 'id="send-request"' in page
    assert "Brouillon" in page
    assert client_for(legal).post(url, {"action": "send"}).status_code == 404
    assert team.post(url, {"action": "send"}).status_code == 302
    request.refresh_from_db()
    assert request.status == "sent"
    again = team.post(url, {"action": "send"})
    assert again.status_code == 400
    assert "Cette demande a déjà été envoyée." in again.content.decode()
    assert team.post(url, {"action": "message", "text": "Pouvez-vous préciser ?"}).status_code == 302
    assert Message.objects.get().from_organisation is False
    assert team.post(url, {"action": "message", "text": ""}).status_code == 400
    assert team.post(url, {"action": "explode"}).status_code == 400
    page = team.get(url).content.decode()
    assert "Pouvez-vous préciser ?" in page
    assert "Échéance de la réponse" in page
    assert team.post(url, {"action": "close"}).status_code == 302
    request.refresh_from_db()
    assert request.status == "closed"
    page = team.get(url).content.decode()
    assert 'id="close-request"' not in page
    assert 'id="message-form"' not in page


def test_the_request_page_shows_each_submission_its_files_as_evidence_and_its_receipt(
    agent, case, party, dpo, team, legal, django_assert_max_num_queries
):
    (request,) = send_request(agent, case, [party])
    first = submit_answer(dpo, request, text="Première réponse")
    with django_assert_max_num_queries(40) as one:
        page = team.get(detail(request)).content.decode()
    assert "Première réponse" in page
    assert first.receipt_number in page
    assert first.receipt_sha256 in page
    evidence = first.files.get().evidence
    assert evidence.get_absolute_url() in page
    assert "atteinte le" in page  # the deadline met at the submission
    assert "Répondue" in page
    for number in range(2, 5):
        submit_answer(dpo, request, text=f"Complément {number}")
    with django_assert_max_num_queries(len(one.captured_queries)):
        page = team.get(detail(request)).content.decode()
    assert "Soumission complémentaire 4" in page
    assert client_for(legal).get(detail(request)).status_code == 200

    pdf = team.get(reverse("info_requests:receipt_pdf", args=[case.pk, request.pk, first.pk]))
    assert pdf.status_code == 200
    assert pdf["Content-Type"] == "application/pdf"
    assert first.receipt_number in pdf["Content-Disposition"]


def test_pages_of_another_case_or_for_other_roles_answer_404(agent, case, party, dpo, team):
    (request,) = send_request(agent, case, [party])
    submission = submit_answer(dpo, request)
    other_case = case_services.case_open(actor=agent, origin="ex_officio", legal_regime="gdpr", title="Autre")
    assert team.get(reverse("info_requests:detail", args=[other_case.pk, request.pk])).status_code == 404
    assert (
        team.get(reverse("info_requests:receipt_pdf", args=[other_case.pk, request.pk, submission.pk])).status_code
        == 404
    )
    admin = client_for(make_staff("amina@cnil.test", roles=("administrator",)))
    assert admin.get(detail(request)).status_code == 404
    outsider = client_for(make_staff("hugo@cnil.test", roles=("investigator",)))
    assert outsider.get(detail(request)).status_code == 200  # a normal case: every investigator reads it
    assert outsider.post(detail(request), {"action": "close"}).status_code == 404  # not on its team
    assert client_for(dpo).get(detail(request)).status_code == 404  # portal users never reach staff pages


def test_verifying_a_receipt(agent, case, party, dpo, team):
    (request,) = send_request(agent, case, [party])
    submission = submit_answer(dpo, request)
    url = reverse("info_requests:receipt_verify")
    assert "Vérifier un accusé de réception" in team.get(url).content.decode()
    valid = team.get(url, {"number": submission.receipt_number, "sha256": submission.receipt_sha256})
    assert valid.status_code == 200
    assert "Accusé de réception valide" in valid.content.decode()
    assert request.get_absolute_url() in valid.content.decode()
    invalid = team.get(url, {"number": submission.receipt_number, "sha256": "0" * 64})
    assert invalid.status_code == 200
    assert "Accusé de réception non valide" in invalid.content.decode()
    bad = team.get(url, {"number": "AR-26", "sha256": "xyz"})
    assert bad.status_code == 400
    assert "64 caractères hexadécimaux" in bad.content.decode()
    # On a case the verifier may not see: valid, without saying whose.
    case_services.case_update(actor=agent, case=case, confidentiality="restricted")
    outsider = client_for(make_staff("hugo@cnil.test", roles=("investigator",)))
    hidden = outsider.get(url, {"number": submission.receipt_number, "sha256": submission.receipt_sha256})
    assert "Accusé de réception valide" in hidden.content.decode()
    assert request.get_absolute_url() not in hidden.content.decode()
    assert party.organisation.legal_name not in hidden.content.decode()
