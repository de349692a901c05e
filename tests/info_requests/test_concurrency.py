"""Two submits of one draft at the same moment (PostgreSQL row locks): one submission, one receipt."""

import threading

import pytest
from django.core.exceptions import ValidationError
from django.db import connection

from apps.audit.choices import AuditAction
from apps.audit.models import AuditEvent
from apps.info_requests import services
from apps.info_requests.models import Submission

from .conftest import send_request

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def test_two_simultaneous_submits_make_one_submission_and_one_receipt(agent, case, party, dpo):
    (request,) = send_request(agent, case, [party])
    question = request.questions.get(position=1)
    services.draft_save(actor=dpo, request=request, answers={question.pk: "MFA depuis mars 2024"})
    barrier = threading.Barrier(2)
    outcomes = []

    def submit():
        try:
            barrier.wait()
            services.submission_submit(actor=dpo, request=request)
            outcomes.append("submitted")
        except ValidationError as error:
            outcomes.append(error.code)
        finally:
            connection.close()

    threads = [threading.Thread(target=submit) for _i in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == ["already_submitted", "submitted"]
    submission = Submission.objects.get()
    assert submission.status == "submitted"
    assert submission.number == 1
    assert AuditEvent.objects.filter(action=AuditAction.ANSWER_SUBMITTED).count() == 1
