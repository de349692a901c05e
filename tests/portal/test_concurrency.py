"""Two "Submit" clicks that reach the server at the same time still make one submission and one receipt."""

import threading

import pytest
from django.db import connection
from django.test import Client

from apps.info_requests.models import AnswerFile, Submission
from tests.support import log_in_verified

from .conftest import send_request

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def test_two_simultaneous_submits_make_one_submission(agent, case, party, dpo):
    (info_request,) = send_request(agent, case, [party])
    text_q = info_request.questions.get(position=1)
    clients = [Client(), Client()]
    for client in clients:
        log_in_verified(client, dpo)
    number = clients[0].get(f"/portal/requests/{info_request.pk}/").context["number"]
    barrier = threading.Barrier(2)
    locations = []

    def click(client):
        try:
            barrier.wait()
            response = client.post(
                f"/portal/requests/{info_request.pk}/answers/",
                {f"answer_{text_q.pk}": "MFA", "number": number, "action": "submit", "confirm": "on"},
            )
            locations.append((response.status_code, response["Location"]))
        finally:
            connection.close()

    threads = [threading.Thread(target=click, args=(client,)) for client in clients]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    submission = Submission.objects.get()
    assert submission.status == "submitted"
    assert locations == [(302, f"/portal/receipts/{submission.receipt_number}/")] * 2
    assert not AnswerFile.objects.exists()
