"""Anchors written outside the database catch what the links alone cannot: a chain rewritten from
some point on and consistently re-hashed, or a truncated chain."""

import json
import threading

import pytest
from celery.contrib.testing.worker import start_worker
from celery.signals import task_postrun
from django.conf import settings as django_settings
from django.core import mail
from django.core.management import CommandError, call_command
from django.db import connection

from apps.audit.anchors import anchor_write, anchors_read
from apps.audit.choices import AuditAction
from apps.audit.models import CANONICAL_FIELDS, GENESIS_HASH, AuditEvent, canonical_bytes, link
from apps.audit.services import audit_record
from apps.audit.tasks import anchor_audit_chain
from cnilcase.celery import app as celery_app
from tests.support import audit_protection_bypassed

pytestmark = pytest.mark.django_db


def record(n, start=0):
    for i in range(start, start + n):
        audit_record(actor=None, action=AuditAction.LOGIN, summary=f"event {i}", case_id=i % 3 or None)


def run_verify(capsys, *args):
    try:
        call_command("audit_verify", *args)
    except SystemExit as exc:
        code = exc.code
    else:
        code = 0
    out = capsys.readouterr()
    return code, out.out, out.err


def rewrite_from(seq: int) -> None:
    """What a database administrator could do: alter event ``seq`` and re-hash everything after it,
    both chains, so that the links verify again."""
    columns = (*CANONICAL_FIELDS, "seq")
    rows = list(AuditEvent.objects.order_by("seq").values(*set(columns) | {"case_id"}))
    previous, case_heads = GENESIS_HASH, {}
    with audit_protection_bypassed(connection) as cursor:
        for values in rows:
            if values["seq"] == seq:
                values["summary"] = "nothing happened"
                cursor.execute("UPDATE audit_auditevent SET summary = %s WHERE seq = %s", [values["summary"], seq])
            payload = canonical_bytes(values)
            new_hash = link(previous, payload)
            case_prev, case_hash = "", ""
            if values["case_id"] is not None:
                case_prev = case_heads.get(values["case_id"], GENESIS_HASH)
                case_hash = case_heads[values["case_id"]] = link(case_prev, payload)
            if values["seq"] >= seq:
                cursor.execute(
                    "UPDATE audit_auditevent SET prev_hash = %s, hash = %s, case_prev_hash = %s, case_hash = %s "
                    "WHERE seq = %s",
                    [previous, new_hash, case_prev, case_hash, values["seq"]],
                )
            previous = new_hash
        cursor.execute("UPDATE audit_auditchainhead SET hash = %s", [previous])


def test_an_anchor_per_run_appended_to_the_days_file(tmp_path, settings):
    settings.AUDIT_ANCHOR_DIR = tmp_path
    assert anchor_write() is None  # nothing to anchor yet
    record(3)
    first = anchor_write()
    record(2, start=3)
    second = anchor_write()
    files = list(tmp_path.iterdir())
    assert len(files) == 1
    assert files[0].name.startswith("audit-anchors-")
    lines = [json.loads(line) for line in files[0].read_text().splitlines()]
    assert [line["seq"] for line in lines] == [3, 5]
    assert lines[1]["hash"] == AuditEvent.objects.get(seq=5).hash == second.hash
    assert first.seq == 3


def test_anchors_are_also_mailed_when_configured(tmp_path, settings):
    settings.AUDIT_ANCHOR_DIR, settings.AUDIT_ANCHOR_EMAIL = tmp_path, "coffre@cnil.test"
    record(1)
    anchor = anchor_write()
    assert mail.outbox[-1].to == ["coffre@cnil.test"]
    assert anchor.hash in mail.outbox[-1].body


def test_verify_against_anchors_passes_on_the_anchored_chain(tmp_path, settings, capsys):
    settings.AUDIT_ANCHOR_DIR = tmp_path
    record(4)
    anchor_write()
    record(4, start=4)
    anchor_write()
    code, out, _err = run_verify(capsys, "--anchors", str(tmp_path))
    assert code == 0
    assert "OK: 2 anchors match" in out


def test_a_consistently_rehashed_rewrite_is_caught_at_the_first_anchor_after_it(tmp_path, settings, capsys):
    settings.AUDIT_ANCHOR_DIR = tmp_path
    record(3)
    anchor_write()  # seq 3
    record(3, start=3)
    anchor_write()  # seq 6
    record(3, start=6)
    anchor_write()  # seq 9
    rewrite_from(5)
    code, _out, _err = run_verify(capsys)
    assert code == 0  # the links alone verify: the rewrite was re-hashed
    code, _out, err = run_verify(capsys, "--anchors", str(tmp_path))
    assert code == 1
    assert "ANCHOR MISMATCH" in err
    assert "seq 6" in err
    assert "rewritten" in err
    assert "1 earlier anchor(s) matched" in err


def test_a_truncated_chain_is_caught(tmp_path, settings, capsys):
    settings.AUDIT_ANCHOR_DIR = tmp_path
    record(3)
    anchor_write()
    record(3, start=3)
    anchor_write()
    with audit_protection_bypassed(connection) as cursor:
        cursor.execute("DELETE FROM audit_auditevent WHERE seq > 4")
        cursor.execute("UPDATE audit_auditchainhead SET seq = 4, hash = %s", [AuditEvent.objects.get(seq=4).hash])
    code, _out, err = run_verify(capsys, "--anchors", str(tmp_path))
    assert code == 1
    assert "seq 6" in err
    assert "truncated" in err


def test_a_damaged_anchor_file_or_missing_directory_is_a_clear_error(tmp_path):
    (tmp_path / "audit-anchors-2026-11-01.jsonl").write_text("not json\n")
    with pytest.raises(CommandError, match=r"audit-anchors-2026-11-01\.jsonl:1"):
        call_command("audit_verify", "--anchors", str(tmp_path))
    with pytest.raises(CommandError, match="no such directory"):
        call_command("audit_verify", "--anchors", str(tmp_path / "missing"))


def test_beat_schedules_the_anchor():
    entry = django_settings.CELERY_BEAT_SCHEDULE["audit-anchor"]
    assert entry["task"] == anchor_audit_chain.name


@pytest.mark.redis
@pytest.mark.django_db(transaction=True)
def test_a_real_worker_writes_the_anchor(tmp_path, settings):
    settings.AUDIT_ANCHOR_DIR = tmp_path
    record(2)
    done = threading.Event()

    def on_done(sender=None, **kwargs):
        if sender is not None and sender.name == anchor_audit_chain.name:
            done.set()

    task_postrun.connect(on_done, weak=False)
    celery_app.conf.task_always_eager = False
    try:
        with start_worker(celery_app, pool="solo", perform_ping_check=False, shutdown_timeout=30):
            anchor_audit_chain.delay()
            assert done.wait(30)
    finally:
        task_postrun.disconnect(on_done)
        celery_app.conf.task_always_eager = settings.CELERY_TASK_ALWAYS_EAGER
    assert [a.seq for a in anchors_read(tmp_path)] == [2]
