"""The demo gives each insurer a portal user with requests in each status, all through the services."""

import pytest
from django.core.management import call_command

from apps.accounts.choices import UserKind
from apps.accounts.models import User
from apps.audit.verify import verify_chain
from apps.cases.models import Party
from apps.info_requests import selectors, services
from apps.info_requests.models import InfoRequest, Submission

pytestmark = pytest.mark.django_db


def test_seed_demo_gives_each_insurer_a_portal_user_with_requests_in_each_status(capsys):
    call_command("seed_demo", "--force")
    output = capsys.readouterr().out
    users = User.objects.filter(kind=UserKind.ORGANISATION)
    insurers = set(InfoRequest.objects.values_list("organisation", flat=True))
    assert len(insurers) >= 5
    assert users.count() == len(insurers)
    for user in users:
        assert user.email in output
        assert user.totpdevice_set.filter(confirmed=True).exists()
        organisation = selectors.portal_organisation(user)
        statuses = set(InfoRequest.objects.filter(organisation=organisation).values_list("status", flat=True))
        assert statuses == {"draft", "sent", "partially_answered", "answered", "closed"}
        assert {r.status for r in selectors.portal_requests(user)} == statuses - {"draft"}
        overdue = InfoRequest.objects.with_deadline().overdue().filter(organisation=organisation)
        assert overdue.count() == 1  # a sent request past its due date
    for submission in Submission.objects.all():
        assert services.receipt_verify(submission.receipt_number, submission.receipt_sha256) == submission
    assert Party.objects.filter(organisation__in=insurers).exists()
    assert verify_chain().ok
    call_command("seed_demo", "--force")  # idempotent
    assert User.objects.filter(kind=UserKind.ORGANISATION).count() == len(insurers)
