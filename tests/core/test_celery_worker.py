"""A real Celery worker on Redis runs a task queued on commit (no eager mode)."""

import threading

import pytest
from celery.contrib.testing.worker import start_worker
from celery.signals import task_postrun
from django.db import transaction

from apps.audit.models import ChainVerification
from apps.audit.tasks import verify_audit_chain
from apps.core.queue import enqueue_on_commit
from cnilcase.celery import app as celery_app
from tests.support import make_staff


@pytest.fixture
def real_worker(settings):
    celery_app.conf.task_always_eager = False
    celery_app.control.purge()  # messages an earlier, interrupted run left in this Redis database
    try:
        with start_worker(celery_app, pool="solo", perform_ping_check=False, shutdown_timeout=30) as worker:
            yield worker
    finally:
        celery_app.conf.task_always_eager = settings.CELERY_TASK_ALWAYS_EAGER


@pytest.mark.redis
@pytest.mark.django_db(transaction=True)
def test_worker_runs_a_task_queued_on_commit(real_worker):
    done = threading.Event()

    def on_done(sender=None, **kwargs):
        if sender is not None and sender.name == verify_audit_chain.name:
            done.set()

    task_postrun.connect(on_done, weak=False)
    try:
        make_staff("agent@cnil.test")
        with transaction.atomic():
            enqueue_on_commit(verify_audit_chain)
            assert not done.is_set()
        assert done.wait(timeout=60), "the worker did not run the task"
    finally:
        task_postrun.disconnect(on_done)
    run = ChainVerification.objects.get()
    assert run.ok is True
    assert run.events_checked >= 2  # account created + role granted
