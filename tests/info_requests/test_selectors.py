"""Portal selectors are scoped by the user's organisation first, then by an active access to the case:
another organisation's ids answer 404 exactly like missing ones. Staff selectors go through the case."""

import io
from datetime import timedelta

import pytest
from django.core.files.base import ContentFile
from django.http import Http404
from django.utils import timezone
from pypdf import PdfReader

from apps.cases import services as case_services
from apps.cases.permissions import CHANGE, VIEW
from apps.info_requests import selectors, services
from apps.info_requests.models import PortalAccess
from tests.support import make_staff

from .conftest import PDF, send_request

pytestmark = pytest.mark.django_db


@pytest.fixture
def answered(agent, case, party, other_party, dpo, other_dpo):
    """Each organisation's copy of one request, answered with a text and a document."""
    mine, theirs = send_request(agent, case, [party, other_party])
    result = {}
    for user, request in ((dpo, mine), (other_dpo, theirs)):
        q1, q2 = request.questions.order_by("position")
        services.draft_save(actor=user, request=request, answers={q1.pk: "Réponse"})
        item = services.draft_file_add(actor=user, request=request, question=q2, upload=ContentFile(PDF, name="a.pdf"))
        result[user.pk] = (request, services.submission_submit(actor=user, request=request), item)
    return result


def test_another_organisations_ids_answer_404_like_missing_ones(dpo, other_dpo, answered):
    mine, my_submission, my_file = answered[dpo.pk]
    theirs, their_submission, their_file = answered[other_dpo.pk]
    assert selectors.portal_organisation(dpo) == mine.organisation
    assert selectors.portal_request_get(dpo, mine.pk) == mine
    assert selectors.portal_submission_get(dpo, mine.pk, my_submission.pk) == my_submission
    assert selectors.portal_file_get(dpo, my_file.pk) == my_file
    assert selectors.portal_receipt_get(dpo, my_submission.receipt_number) == my_submission
    attempts = [
        lambda: selectors.portal_request_get(dpo, theirs.pk),
        lambda: selectors.portal_request_get(dpo, 999_999),
        lambda: selectors.portal_request_get(dpo, "abc"),
        lambda: selectors.portal_submission_get(dpo, theirs.pk, their_submission.pk),
        lambda: selectors.portal_submission_get(dpo, mine.pk, their_submission.pk),
        lambda: selectors.portal_submission_get(dpo, mine.pk, 999_999),
        lambda: selectors.portal_file_get(dpo, their_file.pk),
        lambda: selectors.portal_file_get(dpo, 999_999),
        lambda: selectors.portal_receipt_get(dpo, their_submission.receipt_number),
        lambda: selectors.portal_receipt_get(dpo, "AR-1999-000001"),
        lambda: selectors.portal_receipt_get(dpo, ""),
    ]
    for attempt in attempts:
        with pytest.raises(Http404):
            attempt()
    assert list(selectors.portal_requests(dpo)) == [mine]
    assert list(selectors.portal_requests(other_dpo)) == [theirs]


def test_drafts_are_never_shown_and_open_requests_come_first_by_due_date(agent, case, party, dpo):
    services.request_create(
        actor=agent,
        case=case,
        parties=[party],
        subject="Brouillon",
        letter="L",
        questions=[{"text": "Q", "expects": "text"}],
        period_days=5,
    )
    (late,) = send_request(agent, case, [party], period_days=30)
    (soon,) = send_request(agent, case, [party], period_days=5)
    (closed,) = send_request(agent, case, [party], period_days=2)
    services.request_close(actor=agent, request=closed)
    assert list(selectors.portal_requests(dpo)) == [soon, late, closed]


def test_a_revoked_access_or_a_staff_account_sees_nothing(agent, case, party, dpo, answered):
    assert selectors.portal_organisation(agent) is None
    assert not selectors.portal_requests(agent).exists()
    with pytest.raises(Http404):
        selectors.portal_request_get(agent, answered[dpo.pk][0].pk)
    services.portal_access_revoke(actor=agent, access=PortalAccess.objects.get(user=dpo))
    dpo.refresh_from_db()
    assert not selectors.portal_requests(dpo).exists()


def test_access_is_per_case_within_the_organisation(agent, case, party, dpo):
    """The same organisation on another case the user was not invited to: its requests stay hidden."""
    other_case = case_services.case_open(actor=agent, origin="ex_officio", legal_regime="gdpr", title="Autre")
    same_org = case_services.party_add(
        actor=agent, case=other_case, organisation=party.organisation, role="controller", processing="tp"
    )
    (hidden,) = send_request(agent, other_case, [same_org])
    (shown,) = send_request(agent, case, [party])
    assert list(selectors.portal_requests(dpo)) == [shown]
    with pytest.raises(Http404):
        selectors.portal_request_get(dpo, hidden.pk)


def test_portal_list_in_a_fixed_number_of_queries(agent, case, party, dpo, django_assert_max_num_queries):
    send_request(agent, case, [party])
    with django_assert_max_num_queries(4):
        assert len(list(selectors.portal_requests(dpo))) == 1
    for _i in range(5):
        send_request(agent, case, [party])
    with django_assert_max_num_queries(4):
        requests = list(selectors.portal_requests(dpo))
        assert [r.overdue for r in requests] == [False] * 6


def test_staff_get_a_request_only_through_its_case(agent, case, party):
    (request,) = send_request(agent, case, [party])
    assert selectors.request_get_for_user(agent, case.pk, request.pk, CHANGE) == request
    other_case = case_services.case_open(actor=agent, origin="ex_officio", legal_regime="gdpr", title="Autre")
    with pytest.raises(Http404):
        selectors.request_get_for_user(agent, other_case.pk, request.pk, VIEW)
    legal = make_staff("paul@cnil.test", roles=("legal",))
    assert selectors.request_get_for_user(legal, case.pk, request.pk, VIEW) == request
    with pytest.raises(Http404):
        selectors.request_get_for_user(legal, case.pk, request.pk, CHANGE)


def test_overdue_from_the_deadline(agent, case, party):
    (request,) = send_request(agent, case, [party], period_days=3)
    listed = selectors.case_requests(case).get()
    assert not listed.overdue
    deadline = selectors.request_deadline(request)
    later = deadline.due_at + timedelta(minutes=1)
    assert selectors.case_requests(case).overdue(on=later).get() == request
    assert not selectors.case_requests(case).overdue(on=timezone.now()).exists()


def test_receipt_pdf_shows_the_hashed_content(dpo, answered):
    _request, submission, item = answered[dpo.pk]
    text = " ".join(page.extract_text() for page in PdfReader(io.BytesIO(selectors.receipt_pdf(submission))).pages)
    assert submission.receipt_number in text
    assert "Accusé de réception" in text
    assert "Mutuelle des Tilleuls" in text
    assert item.sha256[:32] in text.replace("\n", "").replace(" ", "")
