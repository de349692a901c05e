"""Services of requests for information: invitations, accesses, requests, answers, receipts, messages."""

from datetime import timedelta

import pytest
import time_machine
from django.contrib.sessions.models import Session
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.test import Client
from django.utils import timezone

from apps.accounts.choices import UserKind
from apps.accounts.models import User
from apps.audit.choices import AuditAction
from apps.audit.models import AuditEvent
from apps.cases import services as case_services
from apps.deadlines.models import Deadline
from apps.evidence.models import Blob, Evidence
from apps.info_requests import receipts, selectors, services
from apps.info_requests.models import AnswerFile, InfoRequest, Invitation, PortalAccess, Submission
from apps.notifications.models import Notification
from tests.support import PASSWORD, log_in_verified, make_staff

from .conftest import PDF, QUESTIONS, send_request

pytestmark = pytest.mark.django_db


def answer_all(dpo, request, text="Authentification à deux facteurs depuis mars 2024."):
    q1, q2 = request.questions.order_by("position")
    services.draft_save(actor=dpo, request=request, answers={q1.pk: text})
    services.draft_file_add(actor=dpo, request=request, question=q2, upload=ContentFile(PDF, name="aipd.pdf"))
    return services.submission_submit(actor=dpo, request=request)


# --- Invitations and accesses --------------------------------------------------------------------


def test_invite_creates_an_organisation_account_and_mails_a_single_use_link_without_case_content(
    agent, case, party, django_capture_on_commit_callbacks, mailoutbox
):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        access, token = services.portal_invite(
            actor=agent, party=party, full_name="Delphine Po", email="  DPO@Tilleuls.example ", role="dpo"
        )
    assert len(callbacks) == 1
    user = access.user
    assert (user.email, user.kind, user.has_usable_password()) == ("dpo@tilleuls.example", UserKind.ORGANISATION, False)
    assert (access.organisation, access.case, access.party, access.role) == (party.organisation, case, party, "dpo")
    invitation = Invitation.objects.get(access=access)
    assert invitation.token_hash != token
    assert len(invitation.token_hash) == 64
    assert invitation.expires_at - invitation.created_at == timedelta(days=7)
    (mail,) = mailoutbox
    assert mail.to == ["dpo@tilleuls.example"]
    assert f"/portal/invitation/{token}/" in mail.body
    assert mail.subject == "Votre invitation au portail de la CNIL"
    for secret in (case.reference, case.title, "Tilleuls".upper(), party.organisation.legal_name):
        assert secret not in mail.body
        assert secret not in mail.subject
    event = AuditEvent.objects.get(action=AuditAction.PORTAL_INVITED)
    assert (event.case_id, event.object_id, event.data["role"]) == (case.pk, str(access.pk), "dpo")
    assert access.history.count() == 1


def test_invite_reuses_the_account_of_the_same_organisation_and_refuses_others(agent, case, party, other_party):
    first, _token = services.portal_invite(
        actor=agent, party=party, full_name="Delphine Po", email="dpo@tilleuls.example", role="dpo"
    )
    # Invited again on the same party: the same access, a new link.
    again, _token2 = services.portal_invite(
        actor=agent, party=party, full_name="Delphine Po", email="dpo@tilleuls.example", role="counsel"
    )
    assert again.pk == first.pk
    assert again.role == "counsel"
    assert Invitation.objects.filter(access=first).count() == 2
    # The same organisation on another case: the same account, another access.
    other_case = case_services.case_open(actor=agent, origin="ex_officio", legal_regime="gdpr", title="Autre")
    same_org = case_services.party_add(
        actor=agent, case=other_case, organisation=party.organisation, role="controller", processing="tp"
    )
    elsewhere, _token3 = services.portal_invite(
        actor=agent, party=same_org, full_name="Delphine Po", email="dpo@tilleuls.example", role="dpo"
    )
    assert elsewhere.user_id == first.user_id
    assert elsewhere.pk != first.pk
    assert User.objects.filter(email="dpo@tilleuls.example").count() == 1
    # Another organisation: one login per organisation.
    with pytest.raises(ValidationError) as refused:
        services.portal_invite(
            actor=agent, party=other_party, full_name="Delphine Po", email="DPO@tilleuls.example", role="counsel"
        )
    assert refused.value.error_dict["email"][0].code == "other_organisation"
    # A staff member's address.
    with pytest.raises(ValidationError) as refused:
        services.portal_invite(actor=agent, party=party, full_name="Agent", email="ines@cnil.test", role="other")
    assert refused.value.error_dict["email"][0].code == "staff_account"
    with pytest.raises(ValidationError) as refused:
        services.portal_invite(actor=agent, party=party, full_name="", email="x@y.example", role="boss")
    assert set(refused.value.error_dict) == {"full_name", "role"}


def test_invitation_is_single_use_and_expires_after_7_days(agent, party):
    _access, token = services.portal_invite(
        actor=agent, party=party, full_name="Delphine Po", email="dpo@tilleuls.example", role="dpo"
    )
    with pytest.raises(ValidationError):
        services.invitation_accept(token=token, password="123")  # Django's validators
    assert services.invitation_get(token) is not None  # a refused password leaves the link usable
    user = services.invitation_accept(token=token, password=PASSWORD)
    assert user.check_password(PASSWORD)
    assert AuditEvent.objects.filter(action=AuditAction.PORTAL_INVITATION_ACCEPTED, actor_id=user.pk).exists()
    assert services.invitation_get(token) is None
    with pytest.raises(ValidationError) as reused:
        services.invitation_accept(token=token, password=PASSWORD + "x")
    assert reused.value.code == "invalid_invitation"

    _access, late = services.portal_invite(
        actor=agent, party=party, full_name="Delphine Po", email="dpo@tilleuls.example", role="dpo"
    )
    with time_machine.travel(timezone.now() + timedelta(days=7, seconds=-5)):
        assert services.invitation_get(late) is not None
    with time_machine.travel(timezone.now() + timedelta(days=7, seconds=5)):
        assert services.invitation_get(late) is None
        with pytest.raises(ValidationError):
            services.invitation_accept(token=late, password=PASSWORD)
    assert services.invitation_get("not-a-token") is None


def test_revoking_the_last_access_deactivates_the_account_and_ends_its_sessions(agent, case, party, dpo):
    client = Client()
    log_in_verified(client, dpo)
    assert Session.objects.count() == 1
    access = PortalAccess.objects.get(user=dpo)
    _again, pending = services.portal_invite(
        actor=agent, party=party, full_name="Delphine Po", email=dpo.email, role="dpo"
    )
    services.portal_access_revoke(actor=agent, access=access)
    dpo.refresh_from_db()
    assert not dpo.is_active
    assert Session.objects.count() == 0
    assert services.invitation_get(pending) is None  # an invitation of a revoked access is dead too
    assert selectors.portal_organisation(dpo) is None
    assert AuditEvent.objects.filter(action=AuditAction.PORTAL_ACCESS_REVOKED, case_id=case.pk).count() == 1
    assert AuditEvent.objects.filter(action=AuditAction.USER_DEACTIVATED, object_id=str(dpo.pk)).count() == 1
    with pytest.raises(ValidationError):
        services.portal_access_revoke(actor=agent, access=access)

    # Invited again later: the account comes back when the new invitation is accepted.
    _access, token = services.portal_invite(
        actor=agent, party=party, full_name="Delphine Po", email=dpo.email, role="dpo"
    )
    user = services.invitation_accept(token=token, password=PASSWORD)
    assert user.is_active
    assert user.pk == dpo.pk


def test_revoking_one_of_two_accesses_keeps_the_account(agent, case, party, dpo):
    other_case = case_services.case_open(actor=agent, origin="ex_officio", legal_regime="gdpr", title="Autre")
    same_org = case_services.party_add(
        actor=agent, case=other_case, organisation=party.organisation, role="controller", processing="tp"
    )
    services.portal_invite(actor=agent, party=same_org, full_name="Delphine Po", email=dpo.email, role="dpo")
    services.portal_access_revoke(actor=agent, access=PortalAccess.objects.get(user=dpo, case=case))
    dpo.refresh_from_db()
    assert dpo.is_active


# --- Requests ------------------------------------------------------------------------------------


def test_a_request_to_two_parties_is_two_isolated_copies_of_one_batch(agent, case, party, other_party):
    created = services.request_create(
        actor=agent,
        case=case,
        parties=[party, other_party, party],
        subject="Sécurité du portail",
        letter="Madame, Monsieur",
        questions=[*QUESTIONS, {"text": "  ", "expects": "text"}],
        period_days=15,
    )
    assert len(created) == 2
    first, second = created
    assert first.batch == second.batch
    assert {first.organisation, second.organisation} == {party.organisation, other_party.organisation}
    assert all(r.status == "draft" and r.sent_at is None for r in created)
    assert [q.position for q in first.questions.all()] == [1, 2]
    assert not set(first.questions.values_list("pk", flat=True)) & set(second.questions.values_list("pk", flat=True))
    assert AuditEvent.objects.filter(action=AuditAction.INFO_REQUEST_CREATED, case_id=case.pk).count() == 2


def test_request_create_refusals(agent, case, party):
    other_case = case_services.case_open(actor=agent, origin="ex_officio", legal_regime="gdpr", title="Autre")
    with pytest.raises(ValidationError) as refused:
        services.request_create(
            actor=agent, case=other_case, parties=[party], subject="", letter="", questions=[], period_days=0
        )
    assert set(refused.value.error_dict) == {"parties", "subject", "letter", "questions", "period_days"}
    with pytest.raises(ValidationError):
        services.request_create(
            actor=agent,
            case=case,
            parties=[party],
            subject="S",
            letter="L",
            questions=[{"text": "Q", "expects": "video"}],
            period_days=10,
        )
    assert not InfoRequest.objects.exists()


def test_sending_sets_the_deadline_and_tells_the_organisation_by_a_link_only(
    agent, case, party, other_party, dpo, other_dpo, django_capture_on_commit_callbacks, mailoutbox
):
    with django_capture_on_commit_callbacks(execute=True):
        request, _other = send_request(agent, case, [party, other_party], period_days=15)
    assert request.status == "sent"
    assert request.sent_at is not None
    deadline = Deadline.objects.get(object_type="info_requests.inforequest", object_id=str(request.pk))
    assert (deadline.kind, deadline.amount, deadline.started_at) == ("document_request", 15, request.sent_at)
    assert deadline.due_at >= request.sent_at + timedelta(days=15)
    assert sorted(m.to[0] for m in mailoutbox) == ["dpo@horizon.example", "dpo@tilleuls.example"]
    for mail in mailoutbox:
        assert "Sécurité" not in mail.body
        assert case.reference not in mail.body
        assert "Tilleuls" not in mail.body
        assert "/portal/" in mail.body
    note = Notification.objects.get(recipient=dpo)
    assert note.url.startswith("/portal/")
    assert "Sécurité" not in note.title
    assert Notification.objects.filter(recipient=other_dpo).count() == 1
    with pytest.raises(ValidationError):
        services.request_send(actor=agent, request=request)
    assert request.history.filter(history_change_reason="request_send").exists()


def test_a_rolled_back_send_mails_nobody(agent, case, party, dpo, django_capture_on_commit_callbacks, mailoutbox):
    (request,) = services.request_create(
        actor=agent, case=case, parties=[party], subject="S", letter="L", questions=QUESTIONS, period_days=15
    )

    def send_then_fail():
        with transaction.atomic():
            services.request_send(actor=agent, request=request)
            raise RuntimeError

    with django_capture_on_commit_callbacks(execute=True) as callbacks, pytest.raises(RuntimeError):
        send_then_fail()
    assert callbacks == []
    assert mailoutbox == []
    request.refresh_from_db()
    assert request.status == "draft"


# --- Answers, submissions, receipts -------------------------------------------------------------


def test_draft_file_and_submit_register_evidence_and_a_verifiable_receipt(
    agent, case, party, dpo, django_capture_on_commit_callbacks, mailoutbox
):
    (request,) = send_request(agent, case, [party])
    q1, q2 = request.questions.order_by("position")
    draft = services.draft_save(actor=dpo, request=request, answers={q1.pk: "  MFA depuis 2024  ", q2.pk: ""})
    item = services.draft_file_add(
        actor=dpo, request=request, question=q2, upload=ContentFile(PDF, name="C:\\docs\\aipd.pdf")
    )
    assert (item.submission, item.original_filename, item.size, item.evidence) == (draft, "aipd.pdf", len(PDF), None)
    assert not Evidence.objects.filter(case=case).exists()  # a draft's file is not evidence yet
    mailoutbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        submission = services.submission_submit(actor=dpo, request=request)

    submission.refresh_from_db()
    assert (submission.pk, submission.status, submission.number) == (draft.pk, "submitted", 1)
    assert submission.receipt_number == f"AR-{timezone.localdate().year}-000001"
    evidence = Evidence.objects.get(case=case)
    assert (evidence.source, evidence.original_filename, evidence.registered_by) == ("organisation", "aipd.pdf", dpo)
    assert list(evidence.parties.all()) == [party]
    assert evidence.blob.sha256 == item.sha256
    assert evidence.custody.get().kind == "registered"
    assert AnswerFile.objects.get().evidence == evidence

    payload = submission.receipt_payload
    assert payload["organisation"]["name"] == "Mutuelle des Tilleuls"
    assert payload["request"]["id"] == request.pk
    assert payload["files"] == [{"question": 2, "name": "aipd.pdf", "size": len(PDF), "sha256": item.sha256}]
    assert payload["answers"] == [{"question": 1, "sha256": receipts.text_sha256("MFA depuis 2024"), "characters": 15}]
    assert submission.receipt_sha256 == receipts.payload_sha256(payload)
    assert services.receipt_verify(submission.receipt_number, submission.receipt_sha256) == submission
    assert services.receipt_verify(submission.receipt_number.lower(), submission.receipt_sha256.upper()) == submission
    assert services.receipt_verify(submission.receipt_number, "0" * 64) is None
    assert services.receipt_verify("AR-1999-000001", submission.receipt_sha256) is None
    assert services.receipt_verify("nonsense", "nonsense") is None

    event = AuditEvent.objects.get(action=AuditAction.ANSWER_SUBMITTED)
    assert event.data["receipt_sha256"] == submission.receipt_sha256
    assert event.actor_kind == "organisation"
    request.refresh_from_db()
    assert request.status == "answered"
    # The case team is told, with the staff page's link.
    assert Notification.objects.filter(recipient=agent, url=request.get_absolute_url()).exists()
    assert [m.to for m in mailoutbox] == [[agent.email]]
    # A tampered payload no longer verifies (the audit log keeps the hash it had).
    Submission.objects.filter(pk=submission.pk).update(
        receipt_payload={**payload, "submitted_at": "2020-01-01T00:00:00.000000Z"},
        receipt_sha256=receipts.payload_sha256({**payload, "submitted_at": "2020-01-01T00:00:00.000000Z"}),
    )
    assert services.receipt_verify(submission.receipt_number, submission.receipt_sha256) is None


def test_a_double_submit_gives_one_submission_and_one_receipt(agent, case, party, dpo):
    (request,) = send_request(agent, case, [party])
    q1 = request.questions.order_by("position").first()
    services.draft_save(actor=dpo, request=request, answers={q1.pk: "Réponse"})
    services.submission_submit(actor=dpo, request=request)
    with pytest.raises(ValidationError) as refused:
        services.submission_submit(actor=dpo, request=request)
    assert refused.value.code == "already_submitted"
    assert Submission.objects.count() == 1
    assert AuditEvent.objects.filter(action=AuditAction.ANSWER_SUBMITTED).count() == 1


def test_nothing_to_submit_is_refused(agent, case, party, dpo):
    (request,) = send_request(agent, case, [party])
    q1 = request.questions.order_by("position").first()
    services.draft_save(actor=dpo, request=request, answers={q1.pk: ""})
    with pytest.raises(ValidationError) as refused:
        services.submission_submit(actor=dpo, request=request)
    assert refused.value.code == "empty"


def test_partial_answer_then_a_supplementary_submission_numbered_2(agent, case, party, dpo):
    (request,) = send_request(agent, case, [party])
    q1, q2 = request.questions.order_by("position")
    services.draft_save(actor=dpo, request=request, answers={q1.pk: "Première réponse"})
    first = services.submission_submit(actor=dpo, request=request)
    request.refresh_from_db()
    assert request.status == "partially_answered"
    deadline = selectors.request_deadline(request)
    assert deadline.status == "met"
    assert deadline.met_at == first.submitted_at

    services.draft_file_add(actor=dpo, request=request, question=q2, upload=ContentFile(PDF, name="aipd.pdf"))
    second = services.submission_submit(actor=dpo, request=request)
    request.refresh_from_db()
    assert (second.number, request.status) == (2, "answered")
    assert second.receipt_number != first.receipt_number
    assert first.answers.count() == 1  # the first submission is final, never edited
    assert AuditEvent.objects.filter(action=AuditAction.DEADLINE_MET).count() == 1  # met once, at the first


def test_a_question_expecting_both_needs_text_and_documents(agent, case, party, dpo):
    (request,) = send_request(agent, case, [party], questions=[{"text": "Politique et preuves", "expects": "both"}])
    question = request.questions.get()
    services.draft_save(actor=dpo, request=request, answers={question.pk: "Voici notre politique."})
    services.submission_submit(actor=dpo, request=request)
    request.refresh_from_db()
    assert request.status == "partially_answered"


def test_a_missed_deadline_is_met_late_by_the_first_submission(agent, case, party, dpo):
    (request,) = send_request(agent, case, [party], period_days=2)
    deadline = selectors.request_deadline(request)
    with time_machine.travel(deadline.due_at + timedelta(days=2)):
        assert InfoRequest.objects.overdue().filter(pk=request.pk).exists()
        assert InfoRequest.objects.with_deadline().get(pk=request.pk).overdue
        answer_all(dpo, request)
    deadline.refresh_from_db()
    assert deadline.status == "met"
    assert deadline.met_at > deadline.due_at
    assert not InfoRequest.objects.overdue().exists()


def test_a_closed_request_can_no_longer_be_answered(agent, case, party, dpo):
    (request,) = send_request(agent, case, [party])
    q1 = request.questions.order_by("position").first()
    services.draft_save(actor=dpo, request=request, answers={q1.pk: "Brouillon"})
    services.request_close(actor=agent, request=request)
    assert selectors.request_deadline(request).status == "cancelled"
    for call in (
        lambda: services.draft_save(actor=dpo, request=request, answers={q1.pk: "Suite"}),
        lambda: services.submission_submit(actor=dpo, request=request),
        lambda: services.message_post(actor=dpo, request=request, text="Bonjour"),
    ):
        with pytest.raises(ValidationError) as refused:
            call()
        assert refused.value.code == "closed"
    with pytest.raises(ValidationError):
        services.request_close(actor=agent, request=request)
    assert not Submission.objects.filter(status="submitted").exists()


def test_draft_and_unsent_requests_cannot_be_answered_or_closed(agent, case, party, dpo):
    (request,) = services.request_create(
        actor=agent, case=case, parties=[party], subject="S", letter="L", questions=QUESTIONS, period_days=5
    )
    with pytest.raises(ValidationError):
        services.request_close(actor=agent, request=request)
    with pytest.raises(ValidationError) as refused:
        services.draft_save(actor=dpo, request=request, answers={})
    assert refused.value.code == "not_sent"


def test_an_oversize_or_refused_upload_leaves_nothing_behind(agent, case, party, dpo, settings, evidence_root):
    (request,) = send_request(agent, case, [party])
    q2 = request.questions.get(position=2)
    settings.EVIDENCE_MAX_UPLOAD_SIZE = 10
    with pytest.raises(ValidationError) as refused:
        services.draft_file_add(actor=dpo, request=request, question=q2, upload=ContentFile(PDF, name="big.pdf"))
    assert refused.value.code == "too_big"
    settings.EVIDENCE_MAX_UPLOAD_SIZE = 10_000
    executable = b"\x7fELF\x02\x01\x01" + b"\x00" * 200
    with pytest.raises(ValidationError) as refused:
        services.draft_file_add(actor=dpo, request=request, question=q2, upload=ContentFile(executable, name="x.pdf"))
    assert refused.value.code == "type"
    assert not Blob.objects.exists()
    assert not AnswerFile.objects.exists()
    assert not Submission.objects.exists()
    assert not any(path.is_file() for path in evidence_root.rglob("*"))


def test_files_only_on_questions_that_expect_documents_and_removable_while_draft(agent, case, party, dpo):
    (request,) = send_request(agent, case, [party])
    q1, q2 = request.questions.order_by("position")
    with pytest.raises(ValidationError) as refused:
        services.draft_file_add(actor=dpo, request=request, question=q1, upload=ContentFile(PDF, name="a.pdf"))
    assert refused.value.code == "text_only"
    item = services.draft_file_add(actor=dpo, request=request, question=q2, upload=ContentFile(PDF, name="a.pdf"))
    services.draft_file_remove(actor=dpo, file=item)
    assert not AnswerFile.objects.exists()
    assert AuditEvent.objects.filter(action=AuditAction.ANSWER_FILE_REMOVED).count() == 1
    kept = services.draft_file_add(actor=dpo, request=request, question=q2, upload=ContentFile(PDF, name="a.pdf"))
    services.submission_submit(actor=dpo, request=request)
    with pytest.raises(ValidationError) as refused:
        services.draft_file_remove(actor=dpo, file=kept)
    assert refused.value.code == "submitted"


def test_portal_writes_need_an_active_access_to_that_organisation(agent, case, party, other_party, dpo, other_dpo):
    (request,) = send_request(agent, case, [party])
    q1 = request.questions.order_by("position").first()
    for actor in (other_dpo, agent):
        with pytest.raises(PermissionDenied):
            services.draft_save(actor=actor, request=request, answers={q1.pk: "Intrus"})
    with pytest.raises(PermissionDenied):
        services.submission_submit(actor=other_dpo, request=request)
    with pytest.raises(PermissionDenied):
        services.message_post(actor=other_dpo, request=request, text="Intrus")
    other_request = send_request(agent, case, [other_party])[0]
    with pytest.raises(ValidationError):
        services.draft_save(
            actor=dpo, request=request, answers={other_request.questions.first().pk: "Question d'un autre"}
        )
    services.portal_access_revoke(actor=agent, access=PortalAccess.objects.get(user=dpo))
    dpo.refresh_from_db()
    with pytest.raises(PermissionDenied):
        services.draft_save(actor=dpo, request=request, answers={q1.pk: "Après révocation"})


def test_messages_notify_the_other_side(agent, case, party, dpo, django_capture_on_commit_callbacks, mailoutbox):
    (request,) = send_request(agent, case, [party])
    Notification.objects.all().delete()
    mailoutbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        staff_message = services.message_post(actor=agent, request=request, text="Pouvez-vous préciser ?")
    assert not staff_message.from_organisation
    assert list(Notification.objects.values_list("recipient", flat=True)) == [dpo.pk]
    (mail,) = mailoutbox
    assert mail.to == [dpo.email]
    assert "préciser" not in mail.body
    assert "/portal/" in mail.body
    mailoutbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        reply = services.message_post(actor=dpo, request=request, text="Bien sûr.")
    assert reply.from_organisation
    assert reply.organisation == party.organisation
    assert Notification.objects.filter(recipient=agent, url=request.get_absolute_url()).exists()
    assert [m.to for m in mailoutbox] == [[agent.email]]
    assert AuditEvent.objects.filter(action=AuditAction.REQUEST_MESSAGE_POSTED).count() == 2
    with pytest.raises(ValidationError):
        services.message_post(actor=agent, request=request, text="   ")


def test_a_case_without_team_tells_the_managers(case, party, agent, dpo):
    manager = make_staff("claire@cnil.test", roles=("manager",))
    (request,) = send_request(agent, case, [party])
    case_services.case_assign(actor=manager, case=case, lead=None, team=[])
    services.message_post(actor=dpo, request=request, text="Bonjour")
    recipients = set(Notification.objects.filter(kind="info_request_message").values_list("recipient", flat=True))
    assert recipients == {manager.pk}


def test_receipt_numbers_follow_each_other_within_the_year(agent, case, party, other_party, dpo, other_dpo):
    mine, theirs = send_request(agent, case, [party, other_party])
    first = answer_all(dpo, mine)
    second = answer_all(other_dpo, theirs)
    year = timezone.localdate().year
    assert (first.receipt_number, second.receipt_number) == (f"AR-{year}-000001", f"AR-{year}-000002")


def test_a_letter_sent_earlier_by_post_counts_from_its_sending_never_from_the_future(agent, case, party, dpo):
    (request,) = services.request_create(
        actor=agent,
        case=case,
        parties=[party],
        subject="S",
        letter="L",
        questions=[{"text": "Q", "expects": "text"}],
        period_days=15,
    )
    with pytest.raises(ValidationError) as refused:
        services.request_send(actor=agent, request=request, sent_at=timezone.now() + timedelta(hours=1))
    assert "sent_at" in refused.value.message_dict
    assert InfoRequest.objects.get(pk=request.pk).status == "draft"
    services.request_send(actor=agent, request=request, sent_at=timezone.now() - timedelta(days=20))
    assert InfoRequest.objects.with_deadline().overdue().filter(pk=request.pk).exists()
