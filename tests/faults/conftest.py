"""Fault injection: a real Celery worker in its own process, killed mid-task; database sessions
terminated mid-transaction; locks held from a second connection to stop work at a chosen point.

These tests carry the ``faults`` marker: ``make test`` leaves them out, ``make test-faults`` (and
CI) runs them.
"""

from __future__ import annotations

import contextlib
import email
import os
import re
import signal
import subprocess  # nosec B404 - starts our own Celery worker
import sys
import time
import uuid
from email import policy
from pathlib import Path
from urllib.parse import quote

import psycopg
import pytest
from django.conf import settings
from django.db import connection

from cnilcase.celery import app as celery_app

WAIT = 60  # seconds: the longest any step may take before the test fails


def database_url() -> str:
    db = connection.settings_dict
    password = f":{quote(db['PASSWORD'])}" if db.get("PASSWORD") else ""
    host = f"{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}"
    return f"postgres://{quote(db['USER'] or 'postgres')}{password}@{host}/{db['NAME']}"


def side_connection() -> psycopg.Connection:
    """A connection of the test's own, outside Django: it holds locks and watches the others."""
    db = connection.settings_dict
    return psycopg.connect(
        dbname=db["NAME"],
        user=db["USER"] or "postgres",
        password=db.get("PASSWORD") or None,
        host=db["HOST"] or "127.0.0.1",
        port=db["PORT"] or 5432,
    )


def wait_until(predicate, what: str, timeout: float = WAIT, every: float = 0.05):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(every)
    raise AssertionError(f"timed out after {timeout}s waiting for {what}")


def blocked_by(watcher: psycopg.Connection, holder: psycopg.Connection, timeout: float = WAIT) -> dict:
    """Wait for a session blocked on a lock ``holder`` holds; its pid, query and the tables it has written."""

    def find():
        with watcher.cursor() as cursor:
            cursor.execute(
                "SELECT pid, query FROM pg_stat_activity WHERE %s = ANY(pg_blocking_pids(pid))",
                [holder.info.backend_pid],
            )
            row = cursor.fetchone()
        watcher.commit()
        return row

    pid, query = wait_until(find, f"a session blocked by pid {holder.info.backend_pid}", timeout)
    with watcher.cursor() as cursor:
        cursor.execute(
            "SELECT relation::regclass::text FROM pg_locks WHERE pid = %s AND mode = 'RowExclusiveLock' "
            "AND locktype = 'relation' AND granted",
            [pid],
        )
        written = {row[0] for row in cursor.fetchall()}
    watcher.commit()
    return {"pid": pid, "query": query, "written": written}


def backend_alive(watcher: psycopg.Connection, pid: int) -> bool:
    with watcher.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_stat_activity WHERE pid = %s", [pid])
        alive = cursor.fetchone() is not None
    watcher.commit()
    return alive


class Worker:
    """``celery worker --pool prefork --concurrency 1`` in a process of its own, on a queue of its own,
    with the test database, a file e-mail backend in a temporary folder, and the test's evidence folder."""

    def __init__(self, tmp_path: Path, evidence_root: Path, env: dict[str, str], queue: str | None = None):
        self.queue = queue or f"faults-{uuid.uuid4().hex[:12]}"
        self.log_path = tmp_path / "worker.log"
        self.mail_dir = tmp_path / "mail"
        self.mail_dir.mkdir(parents=True)
        self.env = {
            **os.environ,
            "DATABASE_URL": database_url(),
            "CELERY_TASK_ALWAYS_EAGER": "false",
            "EMAIL_URL": f"filemail:///{self.mail_dir}",  # the path is absolute: four slashes
            "EMAIL_BACKEND": "django.core.mail.backends.filebased.EmailBackend",
            "EVIDENCE_STORAGE": "local",
            "EVIDENCE_ROOT": str(evidence_root),
            "LOG_LEVEL": "WARNING",
            **env,
        }
        self.process: subprocess.Popen | None = None
        self.killed: list[int] = []

    def start(self) -> Worker:
        log = open(self.log_path, "ab")  # noqa: SIM115 - kept open by the child
        self.process = subprocess.Popen(  # noqa: S603  # nosec B603 - fixed arguments, our own worker
            [
                sys.executable,
                "-m",
                "celery",
                "-A",
                "cnilcase",
                "worker",
                "--pool",
                "prefork",
                "--concurrency",
                "1",
                "--queues",
                self.queue,
                "--hostname",
                f"{self.log_path.parent.name}-{self.queue}@%h",
                "--loglevel",
                "INFO",
                "--without-gossip",
                "--without-mingle",
                "--without-heartbeat",
            ],
            cwd=settings.BASE_DIR,
            env=self.env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        log.close()
        wait_until(lambda: self.process.poll() is not None or "ready." in self.log(), "the worker to start")
        assert self.process.poll() is None, f"the worker exited:\n{self.log()}"
        return self

    def log(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""

    def pool_processes(self) -> list[int]:
        pid = self.process.pid
        children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
        return [int(child) for child in children]

    def kill_pool_process(self) -> int:
        """SIGKILL the pool's one process (the worker's main process lives on and forks another)."""
        children = self.pool_processes()
        assert len(children) == 1, children
        os.kill(children[0], signal.SIGKILL)
        self.killed.append(children[0])
        wait_until(lambda: not Path(f"/proc/{children[0]}").exists() or _zombie(children[0]), "the pool process to die")
        return children[0]

    def kill_everything(self) -> None:
        """SIGKILL the main process and its pool, as when the machine is lost: nothing is put back."""
        children = self.pool_processes()
        for pid in [self.process.pid, *children]:
            os.kill(pid, signal.SIGKILL)
        self.process.wait(timeout=WAIT)
        for pid in children:
            wait_until(lambda pid=pid: not Path(f"/proc/{pid}").exists() or _zombie(pid), "the pool to die")

    def count(self, pattern: str) -> int:
        return len(re.findall(pattern, self.log()))

    def wait_for(self, pattern: str, times: int = 1, timeout: float = WAIT) -> None:
        wait_until(
            lambda: self.count(pattern) >= times, f"{pattern!r} x{times} in the worker log:\n{self.log()}", timeout
        )

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        children = self.pool_processes()
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            for pid in [self.process.pid, *children]:
                with contextlib.suppress(ProcessLookupError):
                    os.kill(pid, signal.SIGKILL)
            self.process.wait(timeout=10)

    def purge(self) -> None:
        # The queue may never have been declared: nothing to purge then.
        with celery_app.connection_for_write() as conn, contextlib.suppress(Exception):
            conn.default_channel.queue_purge(self.queue)

    def emails(self) -> list[email.message.EmailMessage]:
        """Every message the worker sent (the file backend writes each, then a line of dashes)."""
        separator = b"\n" + b"-" * 79 + b"\n"
        return [
            email.message_from_bytes(chunk, policy=policy.default)
            for path in sorted(self.mail_dir.iterdir())
            for chunk in path.read_bytes().split(separator)
            if chunk.strip()
        ]


def _zombie(pid: int) -> bool:
    try:
        return Path(f"/proc/{pid}/stat").read_text().split(") ", 1)[1].startswith("Z")
    except (FileNotFoundError, IndexError):
        return True


@pytest.fixture
def fault_worker(transactional_db, tmp_path, evidence_root):
    """Start a worker with ``worker(**env)``; stopped (and its queue purged) before the database is flushed."""
    workers: list[Worker] = []

    def start(queue: str | None = None, **env) -> Worker:
        celery_app.conf.task_always_eager = False  # from here on, tasks go to the worker
        worker = Worker(tmp_path / f"w{len(workers)}", evidence_root, {k: str(v) for k, v in env.items()}, queue)
        workers.append(worker)
        return worker.start()

    try:
        yield start
    finally:
        for worker in workers:
            worker.stop()
            worker.purge()
        celery_app.conf.task_always_eager = settings.CELERY_TASK_ALWAYS_EAGER


@pytest.fixture
def side(transactional_db):
    """``side()``: a connection of the test's own; all closed (their locks released) before the flush."""
    opened: list[psycopg.Connection] = []

    def open_one() -> psycopg.Connection:
        opened.append(side_connection())
        return opened[-1]

    try:
        yield open_one
    finally:
        for conn in opened:
            conn.close()
