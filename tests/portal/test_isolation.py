"""Every portal URL with another organisation's id answers 404, exactly like a missing id, and
changes nothing. The URL patterns are walked, so a new portal page is covered when it is added."""

import re

import pytest
from django.core.files.base import ContentFile
from django.urls import URLPattern, get_resolver

from apps.info_requests import services
from apps.info_requests.models import AnswerFile, Message, Submission
from tests.support import comparable_page

from .conftest import PDF, send_request

pytestmark = pytest.mark.django_db

MISSING = 987654
PORTAL_PATH = re.compile(r'/portal/[^"<\s]*')
# Pages that take no object id (the list, login, logout) and the invitation link (its own test).
WITHOUT_OBJECT = {"home", "login", "logout", "invitation"}


def portal_patterns():
    (portal,) = [p for p in get_resolver().url_patterns if getattr(p, "namespace", None) == "portal"]
    return [entry for entry in portal.url_patterns if isinstance(entry, URLPattern)]


def _path(route: str, values: dict) -> str:
    def replace(match):
        return str(values[match.group(1)])

    return "/portal/" + re.sub(r"<(?:\w+:)?(\w+)>", replace, route)


def _ids(route: str, *, request, question, file, receipt) -> dict:
    """The pattern's arguments: ``pk`` is a request's id under requests/, a document's under files/."""
    return {"pk": file if route.startswith("files/") else request, "question_pk": question, "number": receipt}


def _method(pattern) -> str:
    allowed = getattr(pattern.callback.view_class, "http_method_names", [])
    return "get" if "get" in allowed else "post"


def _normalised(response) -> str:
    return PORTAL_PATH.sub("", comparable_page(response))


@pytest.fixture
def theirs(agent, case, party, other_party, dpo, other_dpo, portal):
    """The other organisation's request, its question, a document of its draft and a receipt."""
    ours, theirs = sorted(send_request(agent, case, [party, other_party]), key=lambda r: r.party_id != party.pk)
    question = theirs.questions.get(position=3)
    services.draft_save(actor=other_dpo, request=theirs, answers={question.pk: "Notre réponse"})
    services.submission_submit(actor=other_dpo, request=theirs)
    services.message_post(actor=other_dpo, request=theirs, text="Message privé d'Horizon")
    draft_file = _their_draft_file(other_dpo, theirs, question)
    receipt = Submission.objects.get(request=theirs, status="submitted").receipt_number
    our_question = ours.questions.get(position=3)
    services.draft_save(actor=dpo, request=ours, answers={our_question.pk: "Notre réponse à nous"})
    services.submission_submit(actor=dpo, request=ours)
    our_file = _their_draft_file(dpo, ours, our_question)
    return {
        "ours": ours,
        "request": theirs,
        "question": question,
        "file": draft_file,
        "receipt": receipt,
        "our_ids": {
            "request": ours.pk,
            "question": our_question.pk,
            "file": our_file.pk,
            "receipt": Submission.objects.get(request=ours, status="submitted").receipt_number,
        },
    }


def _their_draft_file(user, request, question):
    return services.draft_file_add(actor=user, request=request, question=question, upload=ContentFile(PDF, "plan.pdf"))


def test_every_portal_url_answers_404_for_another_organisations_ids_as_for_missing_ones(portal, theirs):
    before = (Submission.objects.count(), Message.objects.count(), AnswerFile.objects.count())
    checked = []
    for pattern in portal_patterns():
        if pattern.name in WITHOUT_OBJECT:
            continue
        route, method = str(pattern.pattern), _method(pattern)
        cases = {
            "theirs": _ids(
                route,
                request=theirs["request"].pk,
                question=theirs["question"].pk,
                file=theirs["file"].pk,
                receipt=theirs["receipt"],
            ),
            # Our own request with their question: still 404 (the question is looked up in our request).
            "mixed": _ids(
                route,
                request=theirs["ours"].pk,
                question=theirs["question"].pk,
                file=theirs["file"].pk,
                receipt=theirs["receipt"],
            ),
            "missing": _ids(route, request=MISSING, question=MISSING, file=MISSING, receipt="AR-2099-999999"),
        }
        responses = {}
        for name, values in cases.items():
            if name == "mixed" and "question_pk" not in route and not route.startswith(("files/", "receipts/")):
                continue
            path = _path(route, values)
            data = {"text": "Intrusion", "number": 1, "action": "submit", "confirm": "on"} if method == "post" else None
            responses[name] = getattr(portal, method)(path, data) if data else portal.get(path)
            checked.append((pattern.name, name, responses[name].status_code))
        statuses = {name: response.status_code for name, response in responses.items()}
        assert set(statuses.values()) == {404}, f"{pattern.name}: {statuses}"
        bodies = {_normalised(response) for response in responses.values()}
        assert len(bodies) == 1, f"{pattern.name}: another organisation's id must look like a missing one"
    assert len({name for name, _case, _status in checked}) >= 7
    assert (Submission.objects.count(), Message.objects.count(), AnswerFile.objects.count()) == before
    assert AnswerFile.objects.filter(pk=theirs["file"].pk).exists()
    # The same pages with our own ids are found: the 404s above come from the organisation, not the URL.
    for pattern in portal_patterns():
        if pattern.name in WITHOUT_OBJECT:
            continue
        route, method = str(pattern.pattern), _method(pattern)
        path = _path(route, _ids(route, **theirs["our_ids"]))
        response = portal.get(path) if method == "get" else portal.post(path, {"text": "Bonjour", "number": 2})
        assert response.status_code != 404, f"{pattern.name} with our own ids: {response.status_code}"


def test_their_request_never_appears_in_our_list(portal, theirs):
    body = portal.get("/portal/").content.decode()
    assert f"/portal/requests/{theirs['request'].pk}/" not in body
    assert f"/portal/requests/{theirs['ours'].pk}/" in body
    assert "Mutuelle Horizon" not in body


def test_a_revoked_access_ends_the_portal_at_once(agent, portal, dpo, theirs):
    access = dpo.portal_accesses.get()
    services.portal_access_revoke(actor=agent, access=access)
    response = portal.get(f"/portal/requests/{theirs['ours'].pk}/")
    assert response.status_code == 302
    assert response["Location"].startswith("/portal/login/")
