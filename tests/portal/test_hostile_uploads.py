"""The hostile corpus through the portal's document upload (multipart form and raw body), as the
organisation's DPO: every file refused with a message and nothing left behind, or kept in the draft
and, once submitted, served to the CNIL inert (the staff evidence download: the only place a
document submitted through the portal is served)."""

import pytest
from django.test import Client

from apps.audit.choices import AuditAction
from apps.audit.models import AuditEvent
from apps.evidence.models import Blob
from apps.info_requests.models import AnswerFile
from tests.evidence.clamd_support import clamd  # noqa: F401 - the fixture
from tests.evidence.hostile_checks import (
    MULTIPART,
    Tally,
    extraction_problems,
    files_under,
    multipart_body,
    raw_headers,
    refusal_problems,
    serving_problems,
)
from tests.evidence.hostile_corpus import corpus
from tests.support import log_in_verified

from .conftest import send_request

pytestmark = pytest.mark.django_db
LIMIT = 1024 * 1024


def test_every_hostile_file_is_refused_or_stored_inert_through_the_portal_upload(
    agent, case, party, dpo, portal, evidence_root, settings, tmp_path
):
    settings.EVIDENCE_MAX_UPLOAD_SIZE = LIMIT
    settings.FILE_UPLOAD_TEMP_DIR = temp = tmp_path / "uploads"
    temp.mkdir()
    (info_request,) = send_request(agent, case, [party])
    question = info_request.questions.get(position=2)  # "Joignez l'analyse d'impact." (documents)
    url = f"/portal/requests/{info_request.pk}/questions/{question.pk}/files/"

    def state():
        return {
            "documents": AnswerFile.objects.count(),
            "blobs": Blob.objects.count(),
            "stored files": files_under(evidence_root),
            "temporary files": files_under(temp),
        }

    def send(how, hostile):
        if how == "portal multipart":
            body = multipart_body({}, "file", hostile.name, hostile.content)
            return portal.post(url, data=body, content_type=MULTIPART, headers={"Accept": "application/json"})
        return portal.post(
            url, data=hostile.content, content_type="application/octet-stream", headers=raw_headers(hostile.name)
        )

    tally = Tally()
    accepted = {}  # AnswerFile id → (how, hostile, problems so far)
    for hostile in corpus(LIMIT):
        for how in ("portal multipart", "portal raw body"):
            before = state()
            response = send(how, hostile)
            after = state()
            if response.status_code in (201, 302):
                problems = []
                if hostile.must_refuse:
                    problems.append("accepted, but it must be refused")
                if after["temporary files"]:
                    problems.append(f"temporary files left: {after['temporary files']}")
                if after["documents"] != before["documents"] + 1:
                    problems.append(f"accepted with {after['documents'] - before['documents']} new documents")
                    tally.record(how, hostile, "accepted", problems)
                    continue
                accepted[AnswerFile.objects.order_by("-pk").first().pk] = (how, hostile, problems)
            else:
                tally.record(
                    how,
                    hostile,
                    "refused",
                    refusal_problems(
                        hostile, response.status_code, response.content.decode("utf-8", "replace"), before, after
                    ),
                )

    # Submitted, every document becomes evidence of the case; the CNIL downloads each one.
    number = portal.get(f"/portal/requests/{info_request.pk}/").context["number"]
    response = portal.post(
        f"/portal/requests/{info_request.pk}/answers/", {"number": number, "action": "submit", "confirm": "on"}
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    staff = Client()
    log_in_verified(staff, agent)
    for item in AnswerFile.objects.filter(pk__in=accepted).select_related("evidence__blob"):
        how, hostile, problems = accepted[item.pk]
        download = staff.get(f"/cases/{case.pk}/evidence/{item.evidence_id}/download/")
        problems = problems + serving_problems(download, hostile.content)
        extraction, elapsed = extraction_problems(item.evidence.blob)
        tally.slowest_extraction = max(tally.slowest_extraction, elapsed)
        tally.record(how, hostile, "accepted", problems + extraction)
    print("\nHostile corpus, portal document upload:\n" + tally.summary())  # noqa: T201 - the README's figures
    assert not tally.failures, tally.failure_report()
    assert sum(tally.tried.values()) >= 400


@pytest.mark.clamd
def test_every_eicar_file_is_refused_by_the_portal_upload_with_an_audit_event_and_nothing_left(
    agent,
    case,
    party,
    dpo,
    portal,
    evidence_root,
    settings,
    tmp_path,
    clamd,  # noqa: F811 - the fixture
):
    settings.MALWARE_SCANNER, settings.CLAMD_SOCKET = "clamd", clamd.socket_path
    settings.FILE_UPLOAD_TEMP_DIR = temp = tmp_path / "uploads"
    temp.mkdir()
    (info_request,) = send_request(agent, case, [party])
    question = info_request.questions.get(position=2)
    url = f"/portal/requests/{info_request.pk}/questions/{question.pk}/files/"
    infected = [hostile for hostile in corpus(LIMIT) if hostile.eicar]
    for number, hostile in enumerate(infected):
        if number % 2:
            body = multipart_body({}, "file", hostile.name, hostile.content)
            response = portal.post(url, data=body, content_type=MULTIPART, headers={"Accept": "application/json"})
        else:
            response = portal.post(
                url, data=hostile.content, content_type="application/octet-stream", headers=raw_headers(hostile.name)
            )
        assert response.status_code == 400, hostile.name
        assert "Cnilcase-Test-Eicar.UNOFFICIAL" in response.content.decode(), hostile.name
    assert not AnswerFile.objects.exists()
    assert not Blob.objects.exists()
    assert files_under(evidence_root) == []
    assert files_under(temp) == []
    events = AuditEvent.objects.filter(action=AuditAction.EVIDENCE_CUSTODY, object_type="evidence.upload")
    assert events.count() == len(infected)
    assert {event.actor_id for event in events} == {dpo.pk}
    assert {event.case_id for event in events} == {case.pk}
