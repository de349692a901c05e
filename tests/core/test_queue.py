"""Tasks are queued only when the transaction commits."""

import pytest
from django.db import transaction

from apps.audit.tasks import verify_audit_chain
from apps.core.queue import enqueue_on_commit

pytestmark = pytest.mark.django_db


def test_enqueue_waits_for_commit(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        enqueue_on_commit(verify_audit_chain)
    assert len(callbacks) == 1


def test_nothing_is_sent_for_a_rolled_back_change(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        try:
            with transaction.atomic():
                enqueue_on_commit(verify_audit_chain)
                raise RuntimeError("roll back")
        except RuntimeError:
            pass
    assert callbacks == []
