"""Tampering with the audit table as someone with database access would, triggers bypassed.

Each alteration — a changed row, a removed row, a forged row, two rows swapped — must be found
by ``verify_chain`` at the first bad sequence number, with the same result whether the batches
are checked here one after the other or in a pool of processes with small batches (so that the
tampering falls inside a batch, on a joint between two, or in a later batch than the first).
On PostgreSQL the events are read with COPY; on SQLite through the ORM.
"""

import json
from contextlib import contextmanager
from datetime import UTC, datetime

import pytest
import time_machine
from django.db import connection, transaction

from apps.audit.choices import AuditAction
from apps.audit.models import CANONICAL_FIELDS, AuditEvent, canonical_bytes, link
from apps.audit.services import audit_record
from apps.audit.verify import verify_case_chain, verify_chain
from tests.support import audit_protection_bypassed

pytestmark = pytest.mark.django_db

SERIAL = {"parallel_threshold": 10**9}
PARALLEL = {"workers": 2, "parallel_threshold": 0, "chunk_size": 4}

# Text COPY has to escape (tab, newline, backslash, the NULL marker), JSON has to escape, and
# everything beyond ASCII.
AWKWARD = ["tab\there", "line\nbreak\r", "back\\slash", "\\N", 'quote"', "contrôle é 中 😀", "\x01\x1f\x7f", ""]


class RollbackError(Exception):
    pass


@contextmanager
def tampered(*statements):
    """Run the ``(sql, params)`` statements with the append-only triggers bypassed, and undo them afterwards."""
    try:
        with transaction.atomic():
            with audit_protection_bypassed(connection) as cursor:
                for sql, params in statements:
                    cursor.execute(sql, params)
            yield
            raise RollbackError
    except RollbackError:
        pass


def both_paths():
    """The serial and the parallel result, which must be the same."""
    serial = verify_chain(**SERIAL)
    assert verify_chain(**PARALLEL) == serial
    return serial


@pytest.fixture
def chain():
    """14 events: three cases and events without a case, awkward text and data, an IPv6 address."""
    return [
        audit_record(
            actor=None,
            action=AuditAction.CASE_CHANGED,
            summary=f"{AWKWARD[i % len(AWKWARD)]} {i}",
            case_id=(None, 1, 2, 3)[i % 4],
            data={"i": i, "text": AWKWARD[(i + 3) % len(AWKWARD)], "nested": {"z": [True, None, "\\N"]}},
            ip=("192.0.2.1", "2001:db8::1", None)[i % 3],
        )
        for i in range(14)
    ]


def test_intact_chain_passes_on_both_paths(chain):
    result = both_paths()
    assert (result.ok, result.events_checked, result.head_seq, result.head_hash) == (True, 14, 14, chain[-1].hash)
    for case_id in (1, 2, 3):
        assert verify_case_chain(case_id).ok


def test_times_on_a_whole_second_are_formatted_like_format_time():
    """The database formats the time for COPY; a time with no microseconds must keep its six zeros."""
    with time_machine.travel(datetime(2026, 3, 1, 12, 0, 0, tzinfo=UTC), tick=False):
        audit_record(actor=None, action=AuditAction.LOGIN, summary="on the second")
    assert AuditEvent.objects.get().occurred_at.microsecond == 0
    assert both_paths().ok


@pytest.mark.parametrize("seq", range(1, 15))
def test_altered_summary_is_named(chain, seq):
    with tampered(("UPDATE audit_auditevent SET summary = 'nothing happened' WHERE seq = %s", [seq])):
        result = both_paths()
    assert (result.ok, result.first_broken_seq, result.events_checked) == (False, seq, seq - 1)
    assert "altered" in result.reason


@pytest.mark.parametrize("seq", range(1, 14))
def test_deleted_row_is_named(chain, seq):
    with tampered(("DELETE FROM audit_auditevent WHERE seq = %s", [seq])):
        result = both_paths()
    assert (result.ok, result.first_broken_seq) == (False, seq)
    assert f"sequence jumps from {seq - 1} to {seq + 1}" in result.reason


def test_deleted_last_row_is_only_noticed_by_the_head_row(chain):
    """The documented limit: without the head row (or an anchor), a truncated chain is a shorter chain."""
    with tampered(("DELETE FROM audit_auditevent WHERE seq = 14", [])):
        result = both_paths()
    assert (result.ok, result.head_seq) == (True, 13)
    assert "the head row says #14 but the last event is #13" in result.reason


def _insert(cursor, seq: int, prev_hash: str, own_hash: str, **values):
    columns = {
        "occurred_at": datetime(2026, 1, 1, tzinfo=UTC),
        "actor_id": None,
        "actor_name": "forger",
        "actor_role": "",
        "actor_kind": "staff",
        "action": "login",
        "object_type": "",
        "object_id": "",
        "case_id": None,
        "summary": "forged",
        "data": "{}",
        "ip": None,
        "case_prev_hash": "",
        "case_hash": "",
        **values,
        "seq": seq,
        "prev_hash": prev_hash,
        "hash": own_hash,
    }
    names = ", ".join(columns)
    marks = ", ".join(["%s"] * len(columns))
    cursor.execute(f"INSERT INTO audit_auditevent ({names}) VALUES ({marks})", list(columns.values()))  # noqa: S608


def _forged_hash(seq: int, prev_hash: str) -> str:
    """What a careful forger computes: the right hash for the forged content."""
    values = dict.fromkeys(CANONICAL_FIELDS)
    values.update(
        seq=seq,
        occurred_at=datetime(2026, 1, 1, tzinfo=UTC),
        actor_name="forger",
        actor_role="",
        actor_kind="staff",
        action="login",
        object_type="",
        object_id="",
        summary="forged",
        data={},
    )
    return link(prev_hash, canonical_bytes(values))


@contextmanager
def forged_in_place_of(seq: int, *, rehashed: bool):
    """Remove event ``seq`` and insert a forged one under its number, linked to its predecessor."""
    predecessor = AuditEvent.objects.get(seq=seq - 1).hash if seq > 1 else "0" * 64
    own = _forged_hash(seq, predecessor) if rehashed else AuditEvent.objects.get(seq=seq).hash
    try:
        with transaction.atomic():
            with audit_protection_bypassed(connection) as cursor:
                cursor.execute("DELETE FROM audit_auditevent WHERE seq = %s", [seq])
                _insert(cursor, seq, predecessor, own)
            yield
            raise RollbackError
    except RollbackError:
        pass


@pytest.mark.parametrize("seq", range(1, 15))
def test_forged_row_in_place_of_a_removed_one_is_named(chain, seq):
    with forged_in_place_of(seq, rehashed=False):
        result = both_paths()
    assert (result.ok, result.first_broken_seq) == (False, seq)
    assert "altered" in result.reason


@pytest.mark.parametrize("seq", range(1, 14))
def test_forged_and_rehashed_row_breaks_the_next_link(chain, seq):
    """A forger who computes the right hash for the forged row is caught one event later: the next
    event still links to the removed one's hash. The first *stored link* that fails is named."""
    with forged_in_place_of(seq, rehashed=True):
        result = both_paths()
    assert (result.ok, result.first_broken_seq) == (False, seq + 1)
    assert "link to the previous event does not match" in result.reason


def test_forged_row_after_the_head_is_named(chain):
    with audit_protection_bypassed(connection) as cursor:
        _insert(cursor, 15, chain[-1].hash, "f" * 64)
    result = both_paths()
    assert (result.ok, result.first_broken_seq, result.events_checked) == (False, 15, 14)


def test_forged_row_far_after_the_head_is_named_at_the_gap(chain):
    with audit_protection_bypassed(connection) as cursor:
        _insert(cursor, 40, chain[-1].hash, _forged_hash(40, chain[-1].hash))
    result = both_paths()
    assert (result.ok, result.first_broken_seq) == (False, 15)
    assert "sequence jumps from 14 to 40" in result.reason


@pytest.mark.parametrize(("first", "second"), [(1, 2), (3, 4), (4, 5), (2, 9), (6, 13), (13, 14)])
def test_rows_swapped_in_order_are_named(chain, first, second):
    """Two events exchange their places (their numbers): the earlier place is named."""
    with tampered(
        ("UPDATE audit_auditevent SET seq = -1 WHERE seq = %s", [first]),
        ("UPDATE audit_auditevent SET seq = %s WHERE seq = %s", [first, second]),
        ("UPDATE audit_auditevent SET seq = %s WHERE seq = -1", [second]),
    ):
        result = both_paths()
    assert (result.ok, result.first_broken_seq) == (False, first)
    assert "link to the previous event does not match" in result.reason


@pytest.mark.parametrize(("first", "second"), [(1, 2), (4, 5), (2, 9), (13, 14)])
def test_contents_swapped_between_rows_are_named(chain, first, second):
    """Two events exchange what they say (summary and data), keeping their numbers and hashes."""
    a, b = chain[first - 1], chain[second - 1]
    with tampered(
        ("UPDATE audit_auditevent SET summary = %s, data = %s WHERE seq = %s", [b.summary, json.dumps(b.data), first]),
        ("UPDATE audit_auditevent SET summary = %s, data = %s WHERE seq = %s", [a.summary, json.dumps(a.data), second]),
    ):
        result = both_paths()
    assert (result.ok, result.first_broken_seq) == (False, first)
    assert "altered" in result.reason


def test_case_link_across_batches_is_named_as_a_case_link(chain):
    """Event 10 (case 1) follows event 6 of its case, in an earlier batch: its altered case link is
    found where the batches are joined, with the reason the serial check gives."""
    with tampered(("UPDATE audit_auditevent SET case_prev_hash = %s WHERE seq = 10", ["0" * 64])):
        result = both_paths()
    assert (result.ok, result.first_broken_seq) == (False, 10)
    assert result.reason == "link to the previous event of case 1 does not match"


def test_case_hash_altered_is_named(chain):
    with tampered(("UPDATE audit_auditevent SET case_hash = %s WHERE seq = 7", ["e" * 64])):
        result = both_paths()
    assert (result.ok, result.first_broken_seq) == (False, 7)
    assert result.reason == "hash in case 2 does not match the event's content"


def test_case_links_on_an_event_without_a_case_are_named(chain):
    with tampered(("UPDATE audit_auditevent SET case_hash = %s WHERE seq = 5", ["e" * 64])):
        result = both_paths()
    assert (result.ok, result.first_broken_seq) == (False, 5)
    assert result.reason == "case links on an event without a case"


def test_event_moved_to_another_case_is_named(chain):
    with tampered(("UPDATE audit_auditevent SET case_id = 3 WHERE seq = 6", [])):
        result = both_paths()
    assert (result.ok, result.first_broken_seq) == (False, 6)


@pytest.mark.postgres
def test_triggers_disabled_by_alter_table_are_no_cover():
    """The other way to get past the triggers on PostgreSQL, for the owner of the table."""
    for i in range(5):
        audit_record(actor=None, action=AuditAction.LOGIN, summary=f"event {i}")
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("ALTER TABLE audit_auditevent DISABLE TRIGGER audit_auditevent_no_update_delete")
        cursor.execute("UPDATE audit_auditevent SET data = '{\"amount\": 1}' WHERE seq = 3")
        cursor.execute("ALTER TABLE audit_auditevent ENABLE TRIGGER audit_auditevent_no_update_delete")
    result = both_paths()
    assert (result.ok, result.first_broken_seq) == (False, 3)


@pytest.mark.django_db(transaction=True)
def test_tampering_in_a_later_batch_of_a_larger_chain():
    """3,000 events checked in batches of 500 by two processes: each alteration sits well after the
    first batch, one of them on the joint between two batches. (Transactional: each append commits,
    as in production; 3,000 updates of the head row in one transaction would slow PostgreSQL down.)"""
    for i in range(3000):
        audit_record(actor=None, action=AuditAction.LOGIN, summary=f"event {i}", case_id=i % 7 or None, data={"i": i})
    parallel = {"workers": 2, "parallel_threshold": 0, "chunk_size": 500}
    intact = verify_chain(**parallel)
    assert (intact.ok, intact.events_checked) == (True, 3000)
    assert verify_chain() == intact  # below the threshold: the serial path
    cases = [
        ("UPDATE audit_auditevent SET summary = 'nothing happened' WHERE seq = %s", [1777], 1777),
        ("DELETE FROM audit_auditevent WHERE seq = %s", [2501], 2501),  # the first of the sixth batch
        ("UPDATE audit_auditevent SET case_prev_hash = %s WHERE seq = %s", ["0" * 64, 2004], 2004),
        ("UPDATE audit_auditevent SET data = '{\"i\": 1}' WHERE seq = %s", [2999], 2999),
    ]
    for sql, params, seq in cases:
        with tampered((sql, params)):
            result = verify_chain(**parallel)
            assert verify_chain(**SERIAL) == result
        assert (result.ok, result.first_broken_seq, result.events_checked) == (False, seq, seq - 1)
    assert verify_chain(**parallel) == intact
