"""The access log: recorded without the chain, sealed into it in batches, tamper-evident once sealed."""

import threading

import pytest
from celery.contrib.testing.worker import start_worker
from celery.signals import task_postrun
from django.conf import settings as django_settings
from django.core.management import call_command
from django.db import DatabaseError, connection, transaction

from apps.audit import access
from apps.audit.choices import AccessAction, AuditAction
from apps.audit.models import AccessRecord, AuditEvent, AuditLogAppendOnlyError, ChainVerification
from apps.audit.tasks import seal_access_records, verify_audit_chain
from apps.audit.verify import verify_chain
from cnilcase.celery import app as celery_app
from tests.support import audit_protection_bypassed, make_staff

pytestmark = pytest.mark.django_db


@pytest.fixture
def reader():
    return make_staff("lea@cnil.test", roles=("investigator",), full_name="Léa Martin")


def view(reader, number: int, case_id: int = 7) -> AccessRecord:
    return access.access_record(
        actor=reader,
        action=AccessAction.VIEW,
        object_type="evidence",
        object_id=number,
        case_id=case_id,
        label=f"PV {number}",
    )


def refused(sql: str, params=()) -> bool:
    try:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(sql, params)
    except DatabaseError:
        return True
    return False


def test_a_record_is_one_row_and_no_audit_event(reader):
    events = AuditEvent.objects.count()
    record = view(reader, 1)
    assert (record.user_id, record.user_name, record.user_kind, record.batch_seq) == (
        reader.pk,
        "Léa Martin",
        "staff",
        None,
    )
    assert AuditEvent.objects.count() == events  # the page view never touched the chain


def test_sealing_chains_one_event_per_batch_with_the_records_hash(reader, settings):
    settings.AUDIT_ACCESS_BATCH = 2
    records = [view(reader, number) for number in range(5)]
    events = access.access_seal_all()
    assert [event.data["count"] for event in events] == [2, 2, 1]
    assert {event.action for event in events} == {AuditAction.ACCESS_SEALED}
    first = events[0]
    assert (first.data["first_id"], first.data["last_id"]) == (records[0].pk, records[1].pk)
    sealed = list(AccessRecord.objects.filter(batch_seq=first.seq).values(*access.SEALED_FIELDS))
    assert access.batch_digest(sealed) == (2, first.data["sha256"])
    assert not AccessRecord.objects.unsealed().exists()
    assert access.access_seal() is None  # nothing waits: no empty event
    assert verify_chain().ok
    assert access.access_verify() == access.AccessCheck(True, 3, 5)


def test_the_model_and_the_database_refuse_changes_but_the_sealing(reader):
    record = view(reader, 1)
    with pytest.raises(AuditLogAppendOnlyError):
        record.delete()
    with pytest.raises(AuditLogAppendOnlyError):
        AccessRecord.objects.all().delete()
    assert refused("UPDATE audit_accessrecord SET label = 'autre' WHERE id = %s", [record.pk])
    assert refused("UPDATE audit_accessrecord SET label = 'autre', batch_seq = 99 WHERE id = %s", [record.pk])
    assert refused("DELETE FROM audit_accessrecord WHERE id = %s", [record.pk])
    access.access_seal()
    record.refresh_from_db()
    assert record.batch_seq is not None
    assert record.label == "PV 1"
    assert refused("UPDATE audit_accessrecord SET batch_seq = NULL WHERE id = %s", [record.pk])
    assert refused("UPDATE audit_accessrecord SET batch_seq = batch_seq + 1 WHERE id = %s", [record.pk])


@pytest.mark.postgres
def test_truncate_is_refused_on_postgresql(reader):
    view(reader, 1)
    assert refused("TRUNCATE audit_accessrecord")
    assert AccessRecord.objects.count() == 1


@pytest.fixture
def sealed(reader, settings):
    settings.AUDIT_ACCESS_BATCH = 3
    records = [view(reader, number) for number in range(7)]
    events = access.access_seal_all()
    return records, events


def tamper(sql: str, params=()):
    with audit_protection_bypassed(connection) as cursor:
        cursor.execute(sql, params)


def test_an_altered_sealed_record_is_detected_naming_its_batch(sealed):
    records, events = sealed
    tamper("UPDATE audit_accessrecord SET user_name = 'Quelqu''un d''autre' WHERE id = %s", [records[4].pk])
    check = access.access_verify()
    assert not check.ok
    assert check.first_bad_seq == events[1].seq
    assert "altered" in check.reason


def test_a_removed_sealed_record_is_detected(sealed):
    records, events = sealed
    tamper("DELETE FROM audit_accessrecord WHERE id = %s", [records[6].pk])
    check = access.access_verify()
    assert (check.ok, check.first_bad_seq) == (False, events[2].seq)
    assert "1 records, 0 are left" in check.reason


def test_a_record_forged_into_a_batch_or_moved_is_detected(sealed, reader):
    _records, events = sealed
    forged = view(reader, 99)
    tamper("UPDATE audit_accessrecord SET batch_seq = %s WHERE id = %s", [events[0].seq, forged.pk])
    assert access.access_verify().first_bad_seq == events[0].seq
    tamper("UPDATE audit_accessrecord SET batch_seq = 424242 WHERE id = %s", [forged.pk])
    check = access.access_verify()
    assert (check.ok, check.first_bad_seq) == (False, 424242)
    assert "sealed no access records" in check.reason


def test_the_nightly_verification_and_the_command_report_the_access_log(sealed, capsys):
    records, events = sealed
    assert verify_audit_chain()["ok"] is True
    run = ChainVerification.objects.order_by("-ran_at").first()
    assert (run.ok, run.access_ok, run.access_records_checked) == (True, True, 7)
    tamper("UPDATE audit_accessrecord SET ip = '203.0.113.9' WHERE id = %s", [records[0].pk])
    result = verify_audit_chain()
    assert (result["ok"], result["access_first_bad_seq"]) == (False, events[0].seq)
    run = ChainVerification.objects.order_by("-ran_at", "-id").first()
    assert (run.ok, run.access_ok, run.access_first_bad_seq) == (True, False, events[0].seq)
    with pytest.raises(SystemExit) as exit_:
        call_command("audit_verify")
    assert exit_.value.code == 1
    assert f"ACCESS LOG ALTERED at sealing event #{events[0].seq}" in capsys.readouterr().err


def test_beat_schedules_the_sealing(settings):
    entry = django_settings.CELERY_BEAT_SCHEDULE["audit-seal-access"]
    assert (entry["task"], entry["schedule"]) == (seal_access_records.name, settings.AUDIT_ACCESS_SEAL_SECONDS)


@pytest.mark.redis
@pytest.mark.django_db(transaction=True)
def test_a_real_worker_seals_the_waiting_records(reader, settings):
    view(reader, 1)
    view(reader, 2)
    done = threading.Event()
    results = []

    def on_done(sender=None, retval=None, **kwargs):
        if sender is not None and sender.name == seal_access_records.name:
            results.append(retval)
            done.set()

    task_postrun.connect(on_done, weak=False)
    celery_app.conf.task_always_eager = False
    try:
        with start_worker(celery_app, pool="solo", perform_ping_check=False, shutdown_timeout=30):
            seal_access_records.delay()
            assert done.wait(30)
    finally:
        task_postrun.disconnect(on_done)
        celery_app.conf.task_always_eager = settings.CELERY_TASK_ALWAYS_EAGER
    assert results == [{"batches": 1, "records": 2}]
    assert not AccessRecord.objects.unsealed().exists()
    assert access.access_verify().ok
