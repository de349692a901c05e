"""Recompute the audit hash chains and name the first event where they break.

Streams the events in sequence order, so memory stays constant whatever the size of the log,
except for one ``case id -> last hash`` entry per case.

The whole-chain check reads the events in batches (PostgreSQL: ``COPY ... TO STDOUT`` on the
caller's connection, so it sees what the caller sees; SQLite: the ORM) and checks each batch on
its own (``apps.audit.batches``), in a pool of processes when the log is large. Only the joints
between batches — the first event's number and ``prev_hash`` against the previous batch's last,
each case's first ``case_prev_hash`` against that case's last hash so far — are checked in
order, here. The first break in sequence order wins, with the reason the one-event-at-a-time
check gives: at one event, a missing number before a global link, before its hash, before the
case link, before the case hash.
"""

from __future__ import annotations

import gc
import multiprocessing
import os
import select
from collections import deque
from concurrent.futures import ProcessPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass

import psycopg
from django.db import connection, transaction

from .batches import CASE_LINK, COLUMNS, COPY_SELECT, GAP, LINK, check_copy_chunk, check_value_rows
from .models import GENESIS_HASH, AuditChainHead, AuditEvent, canonical_bytes, format_time, link

_GENESIS = GENESIS_HASH.encode()
_COPY_SQL = f"COPY (SELECT {COPY_SELECT} FROM audit_auditevent ORDER BY seq) TO STDOUT"  # noqa: S608 (constants)


@dataclass(frozen=True)
class VerificationResult:
    ok: bool
    events_checked: int
    head_seq: int | None
    head_hash: str
    first_broken_seq: int | None = None
    reason: str = ""


def _broken(seq: int, checked: int, reason: str) -> VerificationResult:
    return VerificationResult(
        ok=False, events_checked=checked, head_seq=None, head_hash="", first_broken_seq=seq, reason=reason
    )


@contextmanager
def _gc_paused():
    """No cyclic garbage collection while millions of short-lived rows go by.

    They hold no reference cycles (reference counting frees them), but each collection walks the
    whole heap, Django's included: it doubled the cost of reading a row. Forked workers inherit it.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _copy_chunks(chunk_size: int):
    """The events as COPY text, ``chunk_size`` lines per chunk, on the caller's connection.

    Read with the libpq wrapper (``psycopg.pq``): each ``get_copy_data`` gives one line without
    waiting, and ``select`` waits (GIL released) when none is there. psycopg's ``Copy`` iterator
    does the same through its generic wait machinery, at 1.5 times the cost per line.
    """
    with connection.cursor() as cursor:
        pgconn = cursor.connection.pgconn
        lines: list = []
        with cursor.copy(_COPY_SQL):
            while True:
                size, line = pgconn.get_copy_data(1)
                if size > 0:
                    lines.append(line)
                    if len(lines) >= chunk_size:
                        yield b"".join(lines)
                        lines = []
                elif size == 0:  # nothing received yet
                    select.select([pgconn.socket], [], [])
                    pgconn.consume_input()
                else:  # -1: the end (-2, an error, raises)
                    break
            while (result := pgconn.get_result()) is not None:
                if result.status != psycopg.pq.ExecStatus.COMMAND_OK:
                    raise psycopg.DatabaseError((result.error_message or b"COPY failed").decode(errors="replace"))
        if lines:
            yield b"".join(lines)


def _orm_chunks(chunk_size: int):
    batch = []
    for row in AuditEvent.objects.order_by("seq").values_list(*COLUMNS).iterator(chunk_size=chunk_size):
        row = list(row)
        row[1] = format_time(row[1])
        batch.append(row)
        if len(batch) >= chunk_size:
            yield batch
            batch = []
    if batch:
        yield batch


def _results(chunks, check, workers: int):
    """``check(chunk)`` for each chunk, in order: here, or in ``workers`` processes (a few chunks ahead)."""
    try:
        if workers <= 1:
            for chunk in chunks:
                yield check(chunk)
            return
        # fork: the workers need no set-up and never touch the parent's database connection.
        with ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("fork")) as pool:
            pending: deque = deque()
            try:
                for chunk in chunks:
                    pending.append(pool.submit(check, chunk))
                    if len(pending) > 2 * workers:
                        yield pending.popleft().result()
                while pending:
                    yield pending.popleft().result()
            finally:
                for future in pending:
                    future.cancel()
    finally:
        chunks.close()


class _BrokenChainError(Exception):
    """Leaves the reading early; with COPY, psycopg cancels the rest."""


def verify_chain(
    *, chunk_size: int = 20_000, workers: int | None = None, parallel_threshold: int = 50_000
) -> VerificationResult:
    """Check every link of the whole chain and of each case's chain.

    Above ``parallel_threshold`` events, batches of ``chunk_size`` events are checked in
    ``workers`` processes (default: one per core) while this process reads and joins them.
    """
    if workers is None:
        workers = os.cpu_count() or 1
    last = AuditEvent.objects.order_by("-seq").values_list("seq", flat=True).first() or 0
    if last <= parallel_threshold or "fork" not in multiprocessing.get_all_start_methods():
        workers = 1
    if connection.vendor == "postgresql":
        check, chunks = check_copy_chunk, _copy_chunks
    else:
        check, chunks = check_value_rows, _orm_chunks
    try:
        # A savepoint (or a transaction) around the read: leaving a COPY early cancels it, which
        # aborts the transaction; the savepoint keeps the caller's.
        with _gc_paused(), transaction.atomic():
            results = _results(chunks(chunk_size), check, workers)
            try:
                outcome = _join(results)
            finally:
                results.close()
            if not outcome.ok:
                raise _BrokenChainError
    except _BrokenChainError:
        pass
    return outcome


def _join(results) -> VerificationResult:
    """Join the checked batches in order; the first break in sequence order wins."""
    last_seq, previous, checked = 0, _GENESIS, 0
    case_heads: dict[int, bytes] = {}
    for count, first_seq, first_prev, batch_last_seq, batch_last_hash, cases, broken in results:
        if first_seq is None:
            continue
        candidates = [broken] if broken else []
        if first_seq != last_seq + 1:
            reason = f"sequence jumps from {last_seq} to {first_seq}: event(s) removed"
            candidates.append((0, GAP, last_seq + 1, reason))
        elif first_prev != previous:
            reason = "link to the previous event does not match (removed, inserted or reordered)"
            candidates.append((0, LINK, first_seq, reason))
        for case_id, (index, seq, case_prev, _last) in cases.items():
            if case_prev != case_heads.get(case_id, _GENESIS):
                reason = f"link to the previous event of case {case_id} does not match"
                candidates.append((index, CASE_LINK, seq, reason))
        if candidates:
            index, _kind, seq, reason = min(candidates)
            return _broken(seq, checked + index, reason)
        for case_id, (_index, _seq, _prev, case_last) in cases.items():
            case_heads[case_id] = case_last
        last_seq, previous, checked = batch_last_seq, batch_last_hash, checked + count
    head_seq = last_seq if checked else None
    head_hash = previous.decode() if checked else ""
    reason = ""
    head = AuditChainHead.objects.filter(id=1).values_list("seq", "hash").first()
    if head is not None and checked and head != (head_seq, head_hash):
        reason = f"the head row says #{head[0]} but the last event is #{head_seq} (the events prevail)"
    return VerificationResult(ok=True, events_checked=checked, head_seq=head_seq, head_hash=head_hash, reason=reason)


def verify_case_chain(case_id: int, *, chunk_size: int = 5000) -> VerificationResult:
    """Check one case's chain on its own: each event links to the previous event of the case.

    Without the whole chain, a removed *last* event of the case cannot be detected here; the
    whole-chain check detects it.
    """
    previous = GENESIS_HASH
    checked = 0
    last_seq = None
    rows = (
        AuditEvent.objects.filter(case_id=case_id).order_by("seq").values_list(*COLUMNS).iterator(chunk_size=chunk_size)
    )
    for row in rows:
        values = dict(zip(COLUMNS, row, strict=True))
        payload = canonical_bytes(values)
        if values["case_prev_hash"] != previous:
            return _broken(values["seq"], checked, "link to the previous event of the case does not match")
        if values["case_hash"] != link(previous, payload):
            return _broken(values["seq"], checked, "hash does not match the event's content (altered)")
        previous = values["case_hash"]
        last_seq = values["seq"]
        checked += 1
    return VerificationResult(ok=True, events_checked=checked, head_seq=last_seq, head_hash=previous if checked else "")
