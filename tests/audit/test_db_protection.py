"""The database refuses to change or remove audit events, whoever asks."""

import threading

import pytest
from django.db import DatabaseError, connection, transaction

from apps.audit.choices import AuditAction
from apps.audit.models import AuditEvent
from apps.audit.services import audit_record
from apps.audit.verify import verify_chain


def _refused(sql: str) -> bool:
    try:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(sql)
    except DatabaseError:
        return True
    return False


@pytest.mark.django_db
def test_raw_update_and_delete_are_refused_on_this_database():
    audit_record(actor=None, action=AuditAction.LOGIN, summary="original")
    assert _refused("UPDATE audit_auditevent SET summary = 'rewritten'")
    assert _refused("DELETE FROM audit_auditevent")
    assert AuditEvent.objects.get().summary == "original"


@pytest.mark.postgres
@pytest.mark.django_db
def test_postgresql_trigger_refuses_update_delete_and_truncate():
    audit_record(actor=None, action=AuditAction.LOGIN, summary="original")
    assert connection.vendor == "postgresql"
    assert _refused("UPDATE audit_auditevent SET summary = 'rewritten'")
    assert _refused("DELETE FROM audit_auditevent WHERE seq = 1")
    assert _refused("TRUNCATE audit_auditevent")
    assert AuditEvent.objects.get().summary == "original"


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_writers_never_fork_the_chain():
    errors = []

    def writer(name):
        try:
            for i in range(20):
                audit_record(actor=None, action=AuditAction.LOGIN, summary=f"{name} {i}", case_id=7)
        except Exception as exc:
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=writer, args=(n,)) for n in ("a", "b")]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    assert list(AuditEvent.objects.values_list("seq", flat=True)) == list(range(1, 41))
    result = verify_chain()
    assert result.ok, result.reason
    assert result.events_checked == 40
