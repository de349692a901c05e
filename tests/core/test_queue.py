"""Queued tasks go through the outbox: written with the change, sent after the commit, never lost.

The broker-down path here uses a socket that accepts connections and never answers (the worst
case: no "connection refused" to fail fast on); the outage of a real Redis, with a real worker and
the relay, is in test_outbox_worker.py.
"""

import logging
import socket
import threading
import uuid
from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import call_command
from django.db import connection, transaction
from django.utils import timezone

from apps.audit.models import ChainVerification
from apps.audit.tasks import verify_audit_chain
from apps.core.models import OutboxMessage
from apps.core.outbox import outbox_publish_now, outbox_purge, outbox_relay
from apps.core.queue import enqueue_on_commit
from cnilcase.celery import app as celery_app

pytestmark = pytest.mark.django_db


def test_the_task_is_written_with_the_change_and_sent_after_the_commit(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        enqueue_on_commit(verify_audit_chain, 7, label="nightly")
    message = OutboxMessage.objects.get()
    assert (message.task_name, message.args, message.kwargs) == (verify_audit_chain.name, [7], {"label": "nightly"})
    assert message.sent_at is None
    assert len(callbacks) == 1


def test_a_rolled_back_change_leaves_no_task(django_capture_on_commit_callbacks):
    def change_that_fails():
        with transaction.atomic():
            enqueue_on_commit(verify_audit_chain)
            raise RuntimeError("roll back")

    with django_capture_on_commit_callbacks(execute=True) as callbacks, pytest.raises(RuntimeError):
        change_that_fails()
    assert callbacks == []
    assert not OutboxMessage.objects.exists()
    assert not ChainVerification.objects.exists()


def test_a_committed_task_runs_and_its_row_is_marked_sent(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        enqueue_on_commit(verify_audit_chain)  # eager in tests: runs at the commit
    assert ChainVerification.objects.get().ok is True
    assert OutboxMessage.objects.get().sent_at is not None


class SilentBroker:
    """A "Redis" that accepts connections and never answers; counts the connections made to it."""

    def __init__(self):
        self.listener = socket.socket()
        self.listener.bind(("127.0.0.1", 0))
        self.listener.listen(64)
        self.listener.setblocking(False)
        self.url = f"redis://127.0.0.1:{self.listener.getsockname()[1]}/0"
        self.held = []

    def new_connections(self) -> int:
        """Connections made since the last call (kept open, unanswered)."""
        count = 0
        while True:
            try:
                conn, _address = self.listener.accept()
            except BlockingIOError:
                return count
            self.held.append(conn)
            count += 1

    def close(self):
        for conn in self.held:
            conn.close()
        self.listener.close()


@pytest.fixture
def silent_broker(monkeypatch, settings):
    """The app pointed at a broker that never answers, not eager."""
    broker = SilentBroker()
    monkeypatch.setenv("CELERY_BROKER_URL", broker.url)  # Celery reads the variable before its settings
    monkeypatch.setenv("CELERY_BROKER_WRITE_URL", broker.url)  # and this one before the read URL
    celery_app.conf.task_always_eager = False
    try:
        yield broker
    finally:
        celery_app.conf.task_always_eager = settings.CELERY_TASK_ALWAYS_EAGER
        broker.close()


def test_a_broker_that_does_not_answer_costs_a_bounded_wait_and_the_task_stays_pending(
    silent_broker, django_capture_on_commit_callbacks, settings, caplog
):
    settings.OUTBOX_PUBLISH_TIMEOUT = 0.5
    with caplog.at_level(logging.WARNING, logger="apps.core.outbox"), django_capture_on_commit_callbacks(execute=True):
        enqueue_on_commit(verify_audit_chain)
    # The publication reached the broker, gave up at its timeout (no retry loop) and kept the task.
    assert silent_broker.new_connections() == 1
    message = OutboxMessage.objects.get()
    assert (message.sent_at, message.attempts) == (None, 1)
    assert "Timeout" in message.last_error
    assert "left in the outbox" in caplog.text

    # The next ones do not try the broker again for a while: they go straight to the relay.
    with django_capture_on_commit_callbacks(execute=True):
        for _ in range(5):
            enqueue_on_commit(verify_audit_chain)
    assert silent_broker.new_connections() == 0
    assert OutboxMessage.objects.filter(sent_at__isnull=True).count() == 6
    assert OutboxMessage.objects.filter(attempts=0).count() == 5

    # The relay fails at the same timeout, marks the first row only, and keeps them all.
    result = outbox_relay()
    assert silent_broker.new_connections() >= 1
    assert (result.sent, result.pending) == (0, 6)
    first = OutboxMessage.objects.order_by("id").first()
    assert first.attempts == 2
    assert "Timeout" in first.last_error
    assert not ChainVerification.objects.exists()


def test_the_relay_sends_pending_rows_and_marks_them_sent(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False):  # as if the broker had been down
        for _ in range(3):
            enqueue_on_commit(verify_audit_chain)
    old = timezone.now() - timedelta(seconds=5)
    OutboxMessage.objects.update(created_at=old)
    out = StringIO()
    call_command("outbox_relay", "--once", stdout=out)
    assert "sent 3, pending 0" in out.getvalue()
    assert ChainVerification.objects.count() == 3
    assert not OutboxMessage.objects.filter(sent_at__isnull=True).exists()
    call_command("outbox_relay", "--once", stdout=out)
    assert ChainVerification.objects.count() == 3  # nothing sent twice


def test_the_relay_leaves_the_youngest_rows_to_the_publication_at_commit(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False):
        enqueue_on_commit(verify_audit_chain)
    out = StringIO()
    call_command("outbox_relay", "--once", "--min-age", "60", stdout=out)
    assert "sent 0, pending 1" in out.getvalue()
    call_command("outbox_relay", "--once", "--min-age", "0", stdout=out)
    assert "sent 1, pending 0" in out.getvalue()


def _row(**fields) -> OutboxMessage:
    return OutboxMessage.objects.create(task_id=uuid.uuid4(), task_name=verify_audit_chain.name, **fields)


def test_sent_rows_are_purged_after_the_retention_period_pending_ones_never(settings):
    settings.OUTBOX_KEEP_SENT_DAYS = 7
    now = timezone.now()
    old_sent = _row(created_at=now - timedelta(days=9), sent_at=now - timedelta(days=8))
    recent = _row(created_at=now - timedelta(days=2), sent_at=now - timedelta(days=1))
    old_pending = _row(created_at=now - timedelta(days=30))
    assert outbox_purge() == 1
    assert set(OutboxMessage.objects.values_list("pk", flat=True)) == {recent.pk, old_pending.pk}
    assert not OutboxMessage.objects.filter(pk=old_sent.pk).exists()


def test_the_status_shows_the_pending_count_and_old_rows_are_a_warning(settings, caplog):
    settings.OUTBOX_WARN_PENDING_SECONDS = 300
    now = timezone.now()
    _row(created_at=now - timedelta(minutes=10))
    _row(created_at=now)
    _row(created_at=now - timedelta(days=1), sent_at=now)
    out = StringIO()
    call_command("outbox_relay", "--status", stdout=out)
    assert "pending 2" in out.getvalue()
    assert "sent and kept 1" in out.getvalue()
    with caplog.at_level(logging.WARNING, logger="apps.core.outbox"):
        call_command("outbox_relay", "--once", "--min-age", "3600", stdout=StringIO())
    assert "2 tasks pending in the outbox" in caplog.text


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_relays_never_send_the_same_row():
    """A row another relay holds (SELECT … FOR UPDATE SKIP LOCKED) is skipped, not waited for nor sent."""
    old = timezone.now() - timedelta(minutes=1)
    held, *others = [_row(created_at=old) for _ in range(3)]
    locked, release = threading.Event(), threading.Event()

    def other_relay():
        try:
            with transaction.atomic():
                list(OutboxMessage.objects.select_for_update().filter(pk=held.pk))
                locked.set()
                release.wait(30)
        finally:
            connection.close()

    thread = threading.Thread(target=other_relay)
    thread.start()
    try:
        assert locked.wait(10)
        with connection.cursor() as cursor:  # waiting for the held row would fail, not hang
            cursor.execute("SET lock_timeout = '3s'")
        result = outbox_relay()
        assert (result.sent, result.pending) == (2, 1)
        assert set(OutboxMessage.objects.filter(sent_at__isnull=False).values_list("pk", flat=True)) == {
            row.pk for row in others
        }
        assert outbox_publish_now(held.pk) is False  # nor does the publication after a commit
    finally:
        release.set()
        thread.join()
    assert ChainVerification.objects.count() == 2
    assert outbox_relay().sent == 1
    assert ChainVerification.objects.count() == 3
