"""Issue 10, history tables do not bloat: each service of requests for information and the portal
writes one history version per object it changes (the check and the shared state:
tests/history_rows.py)."""

import pytest

from apps.info_requests import services as request_services
from tests.history_rows import Scenarios, check, upload
from tests.support import PASSWORD

pytestmark = pytest.mark.django_db
SCENARIOS = Scenarios()


@SCENARIOS.add("portal_invite")
def _(w):
    party = w.party
    return lambda: request_services.portal_invite(
        actor=w.agent, party=party, full_name="Delphine Po", email="dpo@demo.example", role="dpo"
    ), {"User": 1, "PortalAccess": 1, "Invitation": 1}


@SCENARIOS.add("invitation_accept")
def _(w):
    _access, token = request_services.portal_invite(
        actor=w.agent, party=w.party, full_name="Delphine Po", email="dpo@demo.example", role="dpo"
    )
    # The invitation used; the password set is no version of the account (kept out of its history).
    return lambda: request_services.invitation_accept(token=token, password=PASSWORD), {"Invitation": 1}


@SCENARIOS.add("portal_access_revoke")
def _(w):
    access = w.portal_access
    return lambda: request_services.portal_access_revoke(actor=w.agent, access=access), {"PortalAccess": 1, "User": 1}


@SCENARIOS.add("request_create")
def _(w):
    w.party  # noqa: B018
    return lambda: w.request, {"InfoRequest": 1, "Question": 2}


@SCENARIOS.add("request_send")
def _(w):
    w.dpo  # noqa: B018 (the organisation has its portal user)
    request = w.request
    return lambda: request_services.request_send(actor=w.agent, request=request), {"InfoRequest": 1, "Deadline": 1}


@SCENARIOS.add("request_close")
def _(w):
    request = w.sent_request
    return lambda: request_services.request_close(actor=w.agent, request=request), {"InfoRequest": 1, "Deadline": 1}


@SCENARIOS.add("draft_save")
def _(w):
    request, (text, _documents) = w.sent_request, w.questions()
    return lambda: request_services.draft_save(actor=w.dpo, request=request, answers={text.pk: "MFA depuis 2024"}), {
        "Submission": 1,
        "Answer": 1,
    }


@SCENARIOS.add("draft_file_add")
def _(w):
    request, (_text, question) = w.sent_request, w.questions()
    return lambda: request_services.draft_file_add(
        actor=w.dpo, request=request, question=question, upload=upload("aipd")
    ), {"Submission": 1, "AnswerFile": 1}


@SCENARIOS.add("draft_file_remove")
def _(w):
    request, (_text, question) = w.sent_request, w.questions()
    item = request_services.draft_file_add(actor=w.dpo, request=request, question=question, upload=upload("aipd"))
    return lambda: request_services.draft_file_remove(actor=w.dpo, file=item), {"AnswerFile": 1}


@SCENARIOS.add("submission_submit")
def _(w):
    request, (text, question) = w.sent_request, w.questions()
    request_services.draft_save(actor=w.dpo, request=request, answers={text.pk: "MFA depuis 2024"})
    request_services.draft_file_add(actor=w.dpo, request=request, question=question, upload=upload("aipd"))
    # The submission submitted, its file registered as evidence and linked to it, the request answered.
    return lambda: request_services.submission_submit(actor=w.dpo, request=request), {
        "Submission": 1,
        "AnswerFile": 1,
        "Evidence": 1,
        "InfoRequest": 1,
        "Deadline": 1,
    }


@SCENARIOS.add("message_post")
def _(w):
    request = w.sent_request
    return lambda: request_services.message_post(actor=w.dpo, request=request, text="Bonjour"), {"Message": 1}


@pytest.mark.parametrize("service", SCENARIOS)
def test_a_service_writes_one_version_per_object_it_changes(service):
    check(service, SCENARIOS[service])
