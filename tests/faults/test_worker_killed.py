"""A worker's pool process killed (SIGKILL) in the middle of a task: the task is put back and done
again, no work is lost, and nothing is done twice beyond the documented crash window.

The work is stopped at a chosen point by a row lock the test holds from a second connection (the
task's own writes wait on it), so the kill always lands mid-task, after part of the work is done.
"""

import errno
import os
import re
import time
import uuid
from collections import Counter
from datetime import timedelta
from pathlib import Path

import pytest
from django.core.files.base import ContentFile
from django.utils import timezone

from apps.audit.choices import AuditAction
from apps.audit.models import AuditEvent
from apps.audit.verify import verify_chain
from apps.cases import services as case_services
from apps.deadlines import services as deadline_services
from apps.deadlines.models import Deadline, DeadlineReminder, DeadlineStatus
from apps.deadlines.tasks import send_deadline_reminders
from apps.evidence import services as evidence_services
from apps.evidence.models import CustodyEvent, IntegrityCursor
from apps.evidence.tasks import verify_evidence_integrity
from apps.notifications.models import Notification
from tests.support import make_staff

from .conftest import backend_alive, blocked_by, wait_until

pytestmark = [pytest.mark.faults, pytest.mark.postgres, pytest.mark.redis]

CUSTODY_TABLE = CustodyEvent._meta.db_table
AUDIT_TABLE = AuditEvent._meta.db_table
LOST = "WorkerLostError"


def lock_row(holder, model, pk):
    """``holder``'s transaction takes ``SELECT ... FOR UPDATE`` on one row, held until it commits."""
    holder.execute(f'SELECT 1 FROM "{model._meta.db_table}" WHERE id = %s FOR UPDATE', [pk])  # noqa: S608  # nosec B608
    return holder


class StalledFile:
    """A stored file swapped for a named pipe: whoever reads it waits, as on a hung storage volume.

    ``reached()`` is true once a reader waits on it (the test then holds the pipe's write end, so the
    reader stays stuck in ``read``); ``restore()`` puts the real file back for the next reader."""

    def __init__(self, path: Path):
        self.path, self.content, self.fd = path, path.read_bytes(), None
        path.unlink()
        os.mkfifo(path)

    def reached(self) -> bool:
        try:
            self.fd = os.open(self.path, os.O_WRONLY | os.O_NONBLOCK)
        except OSError as error:
            if error.errno == errno.ENXIO:  # no reader yet
                return False
            raise
        return True

    def restore(self) -> None:
        self.path.unlink()
        self.path.write_bytes(self.content)

    def close(self) -> None:
        if self.fd is not None:
            os.close(self.fd)
            self.fd = None


def writer_sessions(watcher, table: str) -> list[tuple[int, str]]:
    """Sessions holding uncommitted writes on ``table``: (pid, state)."""
    with watcher.cursor() as cursor:
        cursor.execute(
            "SELECT l.pid, a.state FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid "
            "WHERE l.relation = %s::regclass AND l.mode = 'RowExclusiveLock' AND l.granted",
            [table],
        )
        rows = cursor.fetchall()
    watcher.commit()
    return rows


def idle_writers(watcher) -> list[tuple[int, str]] | None:
    """The one session holding uncommitted custody events, once it is idle in its transaction."""
    sessions = writer_sessions(watcher, CUSTODY_TABLE)
    return sessions if len(sessions) == 1 and sessions[0][1] == "idle in transaction" else None


def test_integrity_pass_killed_twice_mid_batch_verifies_every_blob_once(fault_worker, side, evidence_root):
    investigator = make_staff("ines@cnil.test", roles=("investigator",), full_name="Inès Leroy")
    case = case_services.case_open(actor=investigator, origin="ex_officio", legal_regime="gdpr", title="Preuves")
    items = [
        evidence_services.evidence_register(
            actor=investigator,
            case=case,
            upload=ContentFile(b"%PDF-1.4\n%% piece " + str(n).encode() * 4096, name=f"{n}.pdf"),
            title=f"Pièce {n}",
            source="public",
        )
        for n in range(12)
    ]
    worker = fault_worker(EVIDENCE_INTEGRITY_BATCH=8)  # two batches: 8, then 4
    watcher = side()
    # The first run will hang reading item 3, the redelivered one reading item 6.
    stalls = [StalledFile(evidence_root / items[n].blob.storage_name) for n in (3, 6)]
    task = verify_evidence_integrity.apply_async(queue=worker.queue)
    try:
        for stall in stalls:
            wait_until(stall.reached, "the run to reach the stalled file")
            # Items before it are recorded, not committed: one session holds uncommitted custody
            # events and waits, idle in its transaction, for the file. (Its state is watched rather
            # than read once: one CI run saw it still "active" just as the file was opened.)
            (writer,) = wait_until(
                lambda: idle_writers(watcher), "one session idle in a transaction holding custody events"
            )
            stall.restore()
            worker.kill_pool_process()
            worker.wait_for(LOST, times=1 + stalls.index(stall))
            wait_until(lambda pid=writer[0]: not backend_alive(watcher, pid), "the dead run's session to end")
            stall.close()
    finally:
        for stall in stalls:
            stall.close()

    worker.wait_for(rf"{task.id}\] succeeded")
    assert IntegrityCursor.objects.get().last_blob_id == items[7].blob_id  # first batch done, once
    rest = verify_evidence_integrity.apply_async(queue=worker.queue)
    worker.wait_for(rf"{rest.id}\] succeeded")

    assert worker.count(rf"{task.id}\] received") == 3  # delivered, put back twice, done the third time
    verified = Counter(CustodyEvent.objects.filter(kind="verified").values_list("evidence_id", flat=True))
    assert verified == Counter({item.pk: 1 for item in items})  # every blob verified, none twice
    assert not CustodyEvent.objects.filter(kind="verified", detail__intact=False).exists()
    assert AuditEvent.objects.filter(action=AuditAction.EVIDENCE_CUSTODY, data__kind="verified").count() == 12
    cursor = IntegrityCursor.objects.get()
    assert cursor.last_blob_id == 0  # the pass is complete
    assert cursor.last_full_pass_at is not None
    assert verify_chain().ok  # the rolled-back appends left no gap in the audit chain


def test_reminder_run_killed_while_claiming_and_while_sending_loses_none_and_repeats_one_mail(fault_worker, side):
    investigator = make_staff("ines@cnil.test", roles=("investigator",), full_name="Inès Leroy")
    make_staff("claire@cnil.test", roles=("manager",), full_name="Claire Dubois")
    case = case_services.case_open(actor=investigator, origin="ex_officio", legal_regime="gdpr", title="Rappels")
    now = timezone.now()

    def deadline(title, hours_ago):
        return deadline_services.deadline_create(
            actor=investigator,
            case=case,
            kind="breach_notification",  # 72 hours
            started_at=now - timedelta(hours=hours_ago),
            start_event="Départ",
            title=title,
        )

    missed = [deadline(f"M{n:02d}", 80) for n in range(6)]  # due 8 hours ago: marked missed, escalated
    reminded = [deadline(f"R{n:02d}", 60) for n in range(10)]  # due in 12 hours: the 24-hour reminder
    titles = [d.title for d in missed + reminded]
    worker = fault_worker()
    watcher = side()

    # Kill 1: while claiming, marking the missed deadlines one transaction each; M03 is locked.
    claim_stop = lock_row(side(), Deadline, missed[3].pk)
    task = send_deadline_reminders.apply_async(queue=worker.queue)
    blocked = blocked_by(watcher, claim_stop)
    done = Deadline.objects.filter(status=DeadlineStatus.MISSED)
    assert sorted(done.values_list("title", flat=True)) == ["M00", "M01", "M02"]  # committed before the kill
    assert DeadlineReminder.objects.filter(claim_token=task.id).count() == 3
    worker.kill_pool_process()
    worker.wait_for(LOST)

    # Kill 2: while sending, after the first e-mail went and before it is recorded (the documented
    # crash window): marking its claim sent waits on the claim's row.
    send_stop = lock_row(side(), DeadlineReminder, DeadlineReminder.objects.get(deadline=missed[0]).pk)
    claim_stop.commit()
    wait_until(lambda: not backend_alive(watcher, blocked["pid"]), "the dead run's session to end")
    blocked = blocked_by(watcher, send_stop)
    assert blocked["query"].startswith(f'UPDATE "{DeadlineReminder._meta.db_table}" SET "sent_at"')  # noqa: S608
    assert len(worker.emails()) == 1
    worker.kill_pool_process()
    worker.wait_for(LOST, times=2)
    send_stop.commit()

    worker.wait_for(rf"{task.id}\] succeeded")
    assert worker.count(rf"{task.id}\] received") == 3

    sent = Counter(re.search(r"\b[MR]\d\d\b", message["subject"]).group() for message in worker.emails())
    assert set(sent) == set(titles)  # none lost
    assert {title: n for title, n in sent.items() if n > 1} == {"M00": 2}  # only the one in the window
    assert sum(sent.values()) == len(titles) + 1
    reminders = DeadlineReminder.objects.all()
    assert reminders.count() == len(titles)
    assert not reminders.filter(sent_at__isnull=True).exists()
    assert set(reminders.values_list("claim_token", flat=True)) == {uuid.UUID(task.id)}
    pairs = Counter(Notification.objects.values_list("recipient_id", "title"))
    assert max(pairs.values()) == 1  # in-app notifications: exactly once
    assert {re.search(r"\b[MR]\d\d\b", title).group() for _recipient, title in pairs} == set(titles)
    assert AuditEvent.objects.filter(action=AuditAction.DEADLINE_MISSED).count() == 6  # each miss once
    assert verify_chain().ok


def test_whole_worker_killed_mid_task_is_redelivered_after_the_visibility_timeout(fault_worker, side, evidence_root):
    """The main process dies too (the machine is lost): nothing puts the message back, Redis hands it
    out again once it has been unacknowledged for the visibility timeout (here 5 s, 30 min by default)
    and a running worker next looks for it."""
    investigator = make_staff("ines@cnil.test", roles=("investigator",), full_name="Inès Leroy")
    case = case_services.case_open(actor=investigator, origin="ex_officio", legal_regime="gdpr", title="Preuves")
    items = [
        evidence_services.evidence_register(
            actor=investigator,
            case=case,
            upload=ContentFile(b"%PDF-1.4\n%% piece " + str(n).encode() * 4096, name=f"{n}.pdf"),
            title=f"Pièce {n}",
            source="public",
        )
        for n in range(5)
    ]
    lost = fault_worker()
    watcher = side()
    stall = StalledFile(evidence_root / items[2].blob.storage_name)
    task = verify_evidence_integrity.apply_async(queue=lost.queue)
    try:
        wait_until(stall.reached, "the run to reach the stalled file")
        (writer,) = writer_sessions(watcher, CUSTODY_TABLE)
        stall.restore()
        lost.kill_everything()
        killed_at = time.monotonic()
        wait_until(lambda: not backend_alive(watcher, writer[0]), "the dead run's session to end")
    finally:
        stall.close()

    # It looks for overdue messages every second: a second worker started within the timeout would
    # otherwise look once at start, too early, and next only a minute later.
    survivor = fault_worker(queue=lost.queue, CELERY_VISIBILITY_TIMEOUT=5, CELERY_UNACKED_RESTORE_INTERVAL=1)
    survivor.wait_for(rf"{task.id}\] succeeded")
    assert time.monotonic() - killed_at >= 5  # not handed out again before the visibility timeout
    assert LOST not in lost.log()  # nobody put it back: the visibility timeout did
    assert survivor.count(rf"{task.id}\] received") == 1
    verified = Counter(CustodyEvent.objects.filter(kind="verified").values_list("evidence_id", flat=True))
    assert verified == Counter({item.pk: 1 for item in items})
    assert verify_chain().ok
