"""Isolation at scale: each organisation's portal user walks every portal page with every id of the
other organisation (requests, questions, documents, receipts), in both directions, and every staff
page of the platform — at least 500 attempts, 0 leaks: a portal id of the other organisation
answers 404 with the same page as a missing id, a staff page never answers 200, and nothing is
written."""

import pytest
from django.core.files.base import ContentFile

from apps.info_requests import services
from apps.info_requests.models import AnswerFile, Message, Submission
from tests.test_authorization_matrix import _sample_path, all_patterns

from .conftest import PDF, send_request
from .test_isolation import MISSING, WITHOUT_OBJECT, _ids, _method, _normalised, _path, portal_patterns

pytestmark = pytest.mark.django_db
REQUESTS_PER_ORGANISATION = 6


def _organisation_ids(agent, case, party, other_party, user, mine_first):
    """Requests sent to both parties; this side answers, uploads and writes in its copies."""
    ids = {"request": [], "question": [], "file": [], "receipt": []}
    for n in range(REQUESTS_PER_ORGANISATION):
        copies = send_request(agent, case, [party, other_party], subject=f"Demande {n} ({user.email})")
        request = next(r for r in copies if r.party_id == (party.pk if mine_first else other_party.pk))
        questions = list(request.questions.order_by("position"))
        services.draft_save(actor=user, request=request, answers={questions[0].pk: f"Réponse {n}"})
        services.submission_submit(actor=user, request=request)
        services.message_post(actor=user, request=request, text=f"Message {n}")
        upload = services.draft_file_add(
            actor=user, request=request, question=questions[1], upload=ContentFile(PDF + bytes([n]), f"piece-{n}.pdf")
        )
        ids["request"].append(request.pk)
        ids["question"] += [q.pk for q in questions]
        ids["file"].append(upload.pk)
        ids["receipt"].append(Submission.objects.get(request=request, status="submitted").receipt_number)
    return ids


def _attempts(client, their_ids):
    """Every portal page with each of their ids; yields (page, path, response)."""
    for pattern in portal_patterns():
        if pattern.name in WITHOUT_OBJECT:
            continue
        route, method = str(pattern.pattern), _method(pattern)
        combinations = [
            {"request": request, "question": question, "file": file, "receipt": receipt}
            for request, file, receipt in zip(
                their_ids["request"], their_ids["file"], their_ids["receipt"], strict=True
            )
            for question in (their_ids["question"] if "question_pk" in route else their_ids["question"][:1])
        ]
        for values in combinations:
            path = _path(route, _ids(route, **values))
            data = {"text": "Intrusion", "number": 1, "action": "submit", "confirm": "on"}
            yield pattern.name, path, (client.post(path, data) if method == "post" else client.get(path))


def _missing_page(client, name):
    pattern = next(p for p in portal_patterns() if p.name == name)
    route, method = str(pattern.pattern), _method(pattern)
    path = _path(route, _ids(route, request=MISSING, question=MISSING, file=MISSING, receipt="AR-2099-999999"))
    return client.post(path, {"text": "x"}) if method == "post" else client.get(path)


def test_five_hundred_cross_organisation_attempts_leak_nothing(
    agent, case, party, other_party, dpo, other_dpo, portal, other_portal
):
    ours = _organisation_ids(agent, case, party, other_party, dpo, mine_first=True)
    theirs = _organisation_ids(agent, case, party, other_party, other_dpo, mine_first=False)
    before = (Submission.objects.count(), Message.objects.count(), AnswerFile.objects.count())
    attempts, leaks = 0, []
    for client, their_ids in ((portal, theirs), (other_portal, ours)):
        missing = {}
        for name, path, response in _attempts(client, their_ids):
            attempts += 1
            if name not in missing:
                missing[name] = _normalised(_missing_page(client, name))
            if response.status_code != 404 or _normalised(response) != missing[name]:
                leaks.append((name, path, response.status_code))
        # Staff pages: a portal user gets the login redirect or a 404, never a page.
        for name, route, _callback in all_patterns():
            if route.startswith("portal/") or name in {"set_language", "core:healthz"}:
                continue
            response = client.get(_sample_path(route))
            attempts += 1
            if (
                response.status_code == 200
                and not (name or "").startswith(("accounts:", "notifications:", "admin:login"))
            ) or response.status_code >= 500:
                leaks.append((name, route, response.status_code))
    assert attempts >= 500, attempts
    assert not leaks, leaks[:10]
    assert (Submission.objects.count(), Message.objects.count(), AnswerFile.objects.count()) == before
