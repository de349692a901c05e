"""Four processes appending at once leave one chain: no gap, no fork, every case chain intact.

Each process is a fresh interpreter (``spawn``) with its own connection to the test database,
and they all start appending at the same moment.
"""

import itertools
import multiprocessing

import pytest
from django.db import connection

from apps.audit.models import AuditEvent
from apps.audit.verify import verify_case_chain, verify_chain
from tests.audit.concurrent_writer import append

WRITERS = 4
EVENTS = 50
SHARED_CASES = (101, 102, 103)


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_four_processes_appending_at_once_leave_one_valid_chain():
    assert connection.vendor == "postgresql"
    context = multiprocessing.get_context("spawn")  # fresh interpreters: no inherited connection
    barrier = context.Barrier(WRITERS)
    database = connection.settings_dict["NAME"]
    children = [
        context.Process(target=append, args=(barrier, writer, database, EVENTS, SHARED_CASES))
        for writer in range(WRITERS)
    ]
    for child in children:
        child.start()
    for child in children:
        child.join(timeout=300)
    assert [child.exitcode for child in children] == [0] * WRITERS

    rows = list(AuditEvent.objects.order_by("seq").values("seq", "prev_hash", "hash", "case_id", "data"))
    assert [row["seq"] for row in rows] == list(range(1, WRITERS * EVENTS + 1))  # no gap, no duplicate
    assert len({row["prev_hash"] for row in rows}) == len(rows)  # no two events share a predecessor
    for previous, row in itertools.pairwise(rows):
        assert row["prev_hash"] == previous["hash"]
    for writer in range(WRITERS):
        mine = [row["data"]["i"] for row in rows if row["data"]["writer"] == writer]
        assert mine == list(range(EVENTS))  # every event of every writer, in its own order

    result = verify_chain()
    assert (result.ok, result.events_checked, result.head_seq) == (True, WRITERS * EVENTS, WRITERS * EVENTS)
    assert result.reason == ""  # the head row agrees with the last event
    assert verify_chain(workers=2, parallel_threshold=0, chunk_size=16) == result

    case_ids = {row["case_id"] for row in rows} - {None}
    assert case_ids == {*SHARED_CASES, *(200 + writer for writer in range(WRITERS))}
    for case_id in case_ids:
        in_case = AuditEvent.objects.filter(case_id=case_id)
        case_result = verify_case_chain(case_id)
        assert (case_result.ok, case_result.events_checked) == (True, in_case.count()), case_result.reason
        assert in_case.values("case_prev_hash").distinct().count() == in_case.count()  # no fork in the case
