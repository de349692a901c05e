"""audit_verify passes on an intact chain and names the first broken event after tampering."""

import pytest
from django.core.management import call_command
from django.db import connection

from apps.audit.choices import AuditAction
from apps.audit.models import ChainVerification
from apps.audit.services import audit_record
from apps.audit.tasks import verify_audit_chain
from tests.support import audit_protection_bypassed

pytestmark = pytest.mark.django_db


@pytest.fixture
def chain():
    return [audit_record(actor=None, action=AuditAction.LOGIN, summary=f"event {i}", case_id=i % 2) for i in range(6)]


def run_verify(capsys, *args):
    try:
        call_command("audit_verify", *args)
    except SystemExit as exc:
        code = exc.code
    else:
        code = 0
    out = capsys.readouterr()
    return code, out.out, out.err


def test_intact_chain_passes_with_count_and_head(chain, capsys):
    code, out, _err = run_verify(capsys)
    assert code == 0
    assert f"OK: 6 events, head seq 6, head hash {chain[-1].hash}" in out
    assert ChainVerification.objects.get().ok


def test_case_chain_verifies_on_its_own(chain, capsys):
    code, out, _err = run_verify(capsys, "--case", "1")
    assert code == 0
    assert "case 1: 3 events" in out


def test_altered_row_is_named(chain, capsys):
    with audit_protection_bypassed(connection) as cursor:
        cursor.execute("UPDATE audit_auditevent SET summary = 'nothing happened' WHERE seq = 4")
    code, _out, err = run_verify(capsys)
    assert code == 1
    assert "BROKEN at seq 4" in err
    result = ChainVerification.objects.get()
    assert (result.ok, result.first_broken_seq) == (False, 4)


def test_removed_row_is_named(chain, capsys):
    with audit_protection_bypassed(connection) as cursor:
        cursor.execute("DELETE FROM audit_auditevent WHERE seq = 3")
    code, _out, err = run_verify(capsys)
    assert code == 1
    assert "BROKEN at seq 3" in err


def test_swapped_rows_are_named(chain, capsys):
    with audit_protection_bypassed(connection) as cursor:
        cursor.execute("UPDATE audit_auditevent SET seq = -1 WHERE seq = 3")
        cursor.execute("UPDATE audit_auditevent SET seq = 3 WHERE seq = 4")
        cursor.execute("UPDATE audit_auditevent SET seq = 4 WHERE seq = -1")
    code, _out, err = run_verify(capsys)
    assert code == 1
    assert "BROKEN at seq 3" in err


def test_forged_row_appended_is_named(chain, capsys):
    last = chain[-1]
    with audit_protection_bypassed(connection) as cursor:
        cursor.execute(
            "INSERT INTO audit_auditevent (seq, occurred_at, actor_name, actor_role, actor_kind, action, object_type,"
            " object_id, summary, data, prev_hash, hash, case_prev_hash, case_hash)"
            " VALUES (7, %s, 'forger', '', 'staff', 'login', '', '', 'forged', '{}', %s, %s, '', '')",
            [last.occurred_at, last.hash, "f" * 64],
        )
    code, _out, err = run_verify(capsys)
    assert code == 1
    assert "BROKEN at seq 7" in err


def test_broken_case_link_is_named(chain, capsys):
    with audit_protection_bypassed(connection) as cursor:
        cursor.execute("UPDATE audit_auditevent SET case_prev_hash = %s WHERE seq = 5", ["0" * 64])
    code, _out, err = run_verify(capsys)
    assert code == 1
    assert "BROKEN at seq 5" in err
    assert "case 0" in err  # seq 5 is the third event of case 0


def test_nightly_task_records_the_result(chain):
    assert verify_audit_chain.apply().get() == {
        "ok": True,
        "events_checked": 6,
        "first_broken_seq": None,
        "access_records_checked": 0,
        "access_first_bad_seq": None,
    }
    with audit_protection_bypassed(connection) as cursor:
        cursor.execute("UPDATE audit_auditevent SET summary = 'x' WHERE seq = 2")
    assert verify_audit_chain.apply().get()["first_broken_seq"] == 2
    assert list(ChainVerification.objects.order_by("ran_at").values_list("ok", flat=True)) == [True, False]
