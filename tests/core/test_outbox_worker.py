"""The outbox with the real parts: a Redis of our own that we stop and restart, the relay as its own
process (``manage.py outbox_relay``), a real Celery worker, PostgreSQL.

A user asks for a case-file report while the broker is down: the page answers at once, the task
waits in the outbox; the broker comes back, the relay sends it, the worker draws the report up,
once. A row sent twice (the relay crashed between publishing and marking it sent) is worked once.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from celery.contrib.testing.worker import start_worker
from celery.signals import task_postrun, task_prerun
from django.conf import settings as django_settings
from django.db import connection
from django.test import Client
from django.urls import reverse

from apps.audit.choices import AuditAction
from apps.audit.models import AuditEvent
from apps.cases import services as case_services
from apps.core.models import OutboxMessage
from apps.core.outbox import outbox_relay
from apps.dashboards import report_jobs
from apps.dashboards.choices import ReportStatus
from apps.dashboards.models import ReportJob
from apps.dashboards.tasks import run_report_job
from apps.evidence.choices import EvidenceSource
from apps.evidence.models import Evidence
from cnilcase.celery import app as celery_app
from tests.support import log_in_verified, make_staff

pytestmark = [pytest.mark.redis, pytest.mark.postgres, pytest.mark.django_db(transaction=True)]
ROOT = Path(django_settings.BASE_DIR)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class OwnRedis:
    """A redis-server of this test's own on a free port (the shared one is never stopped)."""

    def __init__(self):
        self.port = _free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.process: subprocess.Popen | None = None

    def start(self) -> None:
        binary = shutil.which("redis-server") or "/usr/bin/redis-server"
        self.process = subprocess.Popen(  # noqa: S603 - a fixed binary and our own arguments
            [binary, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.5) as sock:
                    sock.sendall(b"PING\r\n")
                    if sock.recv(16).startswith(b"+PONG"):
                        return
            except OSError:
                time.sleep(0.05)
        raise AssertionError(f"redis-server did not start on port {self.port}")

    def stop(self) -> None:
        if self.process is not None:
            self.process.terminate()
            self.process.wait(timeout=10)
            self.process = None


@pytest.fixture
def own_redis(monkeypatch, settings):
    """The app, the worker and the relay pointed at our own Redis, tasks sent for real (not eager)."""
    redis = OwnRedis()
    redis.start()
    monkeypatch.setenv("CELERY_BROKER_URL", redis.url)  # Celery reads the variable before its settings
    monkeypatch.setenv("CELERY_BROKER_WRITE_URL", redis.url)  # and this one before the read URL
    celery_app.close()  # no pooled connection to another broker
    celery_app.conf.task_always_eager = False
    try:
        yield redis
    finally:
        celery_app.conf.task_always_eager = settings.CELERY_TASK_ALWAYS_EAGER
        celery_app.close()
        redis.stop()


class Runs:
    """Every run of ``run_report_job`` in the worker: (job id, Celery task id), in order."""

    def __init__(self):
        self.started: list[tuple[int, str]] = []
        self.finished = 0
        self._lock = threading.Condition()

    def on_prerun(self, sender=None, task_id=None, args=None, **kwargs):
        if sender is not None and sender.name == run_report_job.name:
            with self._lock:
                self.started.append((args[0], task_id))

    def on_postrun(self, sender=None, **kwargs):
        if sender is not None and sender.name == run_report_job.name:
            with self._lock:
                self.finished += 1
                self._lock.notify_all()

    def wait(self, count: int, timeout: float = 90) -> bool:
        with self._lock:
            return self._lock.wait_for(lambda: self.finished >= count, timeout=timeout)


@pytest.fixture
def runs():
    recorded = Runs()
    task_prerun.connect(recorded.on_prerun, weak=False)
    task_postrun.connect(recorded.on_postrun, weak=False)
    try:
        yield recorded
    finally:
        task_prerun.disconnect(recorded.on_prerun)
        task_postrun.disconnect(recorded.on_postrun)


@pytest.fixture
def agent():
    return make_staff("ines@cnil.test")


@pytest.fixture
def case(agent):
    return case_services.case_open(actor=agent, origin="breach_notification", legal_regime="gdpr", title="Fuite")


def _relay_process(redis: OwnRedis) -> subprocess.Popen:
    """``manage.py outbox_relay`` in a process of its own, on the test database and our Redis."""
    db = connection.settings_dict
    env = {
        **os.environ,
        "DATABASE_URL": f"postgres://{db['USER']}:{db['PASSWORD']}@{db['HOST']}:{db['PORT']}/{db['NAME']}",
        "CELERY_BROKER_URL": redis.url,
        "CELERY_TASK_ALWAYS_EAGER": "false",
        "OUTBOX_RELAY_INTERVAL": "0.2",
        "OUTBOX_RELAY_MAX_BACKOFF": "1",
    }
    return subprocess.Popen(  # noqa: S603 - this interpreter and our own manage.py
        [sys.executable, str(ROOT / "manage.py"), "outbox_relay", "--min-age", "0"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


def _wait_for(predicate, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.1)
    return False


def _reports(case) -> int:
    return Evidence.objects.filter(case=case, source=EvidenceSource.CNIL, title__startswith="Dossier").count()


def test_reports_asked_while_the_broker_is_down_are_drawn_up_once_it_is_back(own_redis, agent, case, runs):
    client = Client()
    log_in_verified(client, agent)
    assert client.get(case.get_absolute_url()).status_code == 200  # a warm process: imports, templates
    assert run_report_job.name in celery_app.tasks
    own_redis.stop()
    for _ in range(3):
        response = client.post(reverse("dashboards:report_generate", args=[case.pk]))
        assert response.status_code == 302  # the user's action succeeded, broker or not
    jobs = list(ReportJob.objects.filter(case=case).order_by("pk"))
    assert [job.status for job in jobs] == [ReportStatus.QUEUED] * 3

    def pending():
        return OutboxMessage.objects.filter(task_name=run_report_job.name, sent_at__isnull=True).order_by("pk")

    assert [row.args for row in pending()] == [[job.pk] for job in jobs]

    relay = _relay_process(own_redis)
    try:
        # The relay keeps trying (and failing) while the broker is down, without dying.
        first = pending().first()
        assert _wait_for(lambda: OutboxMessage.objects.get(pk=first.pk).attempts >= 3, 30), "the relay never tried"
        assert relay.poll() is None
        own_redis.start()
        with start_worker(celery_app, pool="solo", perform_ping_check=False, shutdown_timeout=30):
            assert runs.wait(3), "the worker did not draw up the reports"
            assert _wait_for(lambda: not pending().exists(), 10)
    finally:
        relay.terminate()
        output = relay.communicate(timeout=20)[0]
    assert "Broker unreachable" in output

    assert [job_id for job_id, _task in runs.started] == [job.pk for job in jobs]  # in the order asked
    assert [task for _job, task in runs.started] == [
        str(row.task_id) for row in OutboxMessage.objects.filter(task_name=run_report_job.name).order_by("pk")
    ]
    for job in jobs:
        job.refresh_from_db()
        assert (job.status, job.progress) == (ReportStatus.COMPLETED, 100)
    assert _reports(case) == 3
    assert len({job.evidence_id for job in jobs}) == 3
    assert AuditEvent.objects.filter(action=AuditAction.DOCUMENT_GENERATED, case_id=case.pk).count() == 3


def test_a_row_the_relay_sends_twice_is_worked_once(own_redis, agent, case, runs):
    with start_worker(celery_app, pool="solo", perform_ping_check=False, shutdown_timeout=30):
        job = report_jobs.report_request(actor=agent, case=case)  # autocommit: sent at once
        assert runs.wait(1)
        row = OutboxMessage.objects.get(task_name=run_report_job.name)
        assert row.sent_at is not None
        # The relay published the row, then crashed before marking it sent: it is pending again.
        OutboxMessage.objects.filter(pk=row.pk).update(sent_at=None)
        assert outbox_relay(min_age=0).sent >= 1
        assert runs.wait(2), "the row was not sent again"
    assert runs.started == [(job.pk, str(row.task_id)), (job.pk, str(row.task_id))]  # the same task, twice
    job.refresh_from_db()
    assert job.status == ReportStatus.COMPLETED
    assert _reports(case) == 1
    assert AuditEvent.objects.filter(action=AuditAction.DOCUMENT_GENERATED, case_id=case.pk).count() == 1
