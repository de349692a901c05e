"""Recompute the audit hash chains and name the first event where they break.

Streams the events in sequence order, so memory stays constant whatever the size of the log,
except for one ``case id -> last hash`` entry per case.

The whole-chain check reads the events in batches (PostgreSQL: ``COPY ... TO STDOUT`` on the
caller's connection, so it sees what the caller sees; SQLite: the ORM). Each event's own hashes
(``hash = SHA-256(prev_hash || canonical bytes)``, the same in its case) depend on that event
alone, and the links *inside* a batch on that batch alone: a batch is checked on its own, in a
pool of processes when the log is large. Only the joints between batches — the first event's
number and ``prev_hash`` against the previous batch's last, each case's first ``case_prev_hash``
against that case's last hash so far — are checked in order, here. The first break in sequence
order wins, with the reason the one-event-at-a-time check would give: at one event, a missing
number before a global link, before its hash, before the case link, before the case hash.
"""

from __future__ import annotations

import json
import multiprocessing
import os
import re
from collections import deque
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from json.encoder import encode_basestring

from django.db import connection, transaction

from .canonical import canonical_json
from .models import CANONICAL_FIELDS, GENESIS_HASH, AuditChainHead, AuditEvent, canonical_bytes, format_time, link

_COLUMNS = (*CANONICAL_FIELDS, "prev_hash", "hash", "case_prev_hash", "case_hash")

# Where one event can fail, in the order the checks run on it (the lowest wins at one event).
GAP, LINK, HASH, CASE_LINK, CASE_HASH, CASE_STRAY = range(6)


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


# --- An event's canonical bytes, fast ------------------------------------------------------------
# The RFC 8785 document of the canonical fields, written field by field: keys in sorted order,
# strings through the C JSON string encoder, integers in the safe range as digits, ``data``
# through ``canonical_json``. Anything else (a float, an integer out of range, an unexpected
# type, a lone surrogate) goes through ``canonical_json`` of the whole document, which defers to
# the reference. tests/audit/test_canonical.py checks it equals ``models.canonical_bytes``.

_KEY_ORDER = (
    "action",
    "actor_id",
    "actor_kind",
    "actor_name",
    "actor_role",
    "case_id",
    "data",
    "ip",
    "object_id",
    "object_type",
    "occurred_at",
    "seq",
    "summary",
)
if tuple(sorted(CANONICAL_FIELDS)) != _KEY_ORDER:
    raise RuntimeError("row_payload's field list no longer matches CANONICAL_FIELDS")
_TEMPLATE = "{" + ",".join(f'"{name}":%s' for name in _KEY_ORDER) + "}"
_INT_MIN, _INT_MAX = -(2**53) + 1, 2**53 - 1


class _NotPlainError(Exception):
    pass


def _string(value) -> str:
    if type(value) is str:
        return encode_basestring(value)
    if value is None:
        return "null"
    raise _NotPlainError


def _number(value) -> str:
    if value is None:
        return "null"
    if type(value) is int and _INT_MIN <= value <= _INT_MAX:
        return str(value)
    raise _NotPlainError


def row_payload(values) -> bytes:
    """``canonical_bytes`` of an event given as its canonical fields in order, ``occurred_at``
    already formatted (``format_time``) and ``data`` a dict or its JSON text."""
    seq, occurred_at, actor_id, actor_name, actor_role, actor_kind, action = values[:7]
    object_type, object_id, case_id, summary, data, ip = values[7:13]
    if type(data) is str:
        data = json.loads(data)
    try:
        data_text = "{}" if data == {} and type(data) is dict else canonical_json(data).decode()
        text = _TEMPLATE % (
            _string(action),
            _number(actor_id),
            _string(actor_kind),
            _string(actor_name),
            _string(actor_role),
            _number(case_id),
            data_text,
            _string(ip),
            _string(object_id),
            _string(object_type),
            _string(occurred_at),
            _number(seq),
            _string(summary),
        )
        return text.encode()
    except (_NotPlainError, UnicodeEncodeError):
        document = dict(zip(CANONICAL_FIELDS, values[:13], strict=True))
        document["data"] = data
        return canonical_json(document)


# --- Reading PostgreSQL's COPY text format -----------------------------------------------------
# The time comes formatted by the database exactly as ``format_time`` writes it; ``data`` (JSONB)
# as JSON text and ``ip`` (inet) as its text, the forms the ORM would load. PostgreSQL normalises
# JSONB (key order, spaces, duplicate keys, ``1.0``), but json.loads of its text gives back the
# dict that was hashed: canonical JSON sorts the keys, a dict has no duplicates, and the one value
# JSONB could rewrite, a float, is written by RFC 8785 from its value, not its spelling.

_COPY_COLUMNS = ", ".join(
    "to_char(occurred_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"')" if name == "occurred_at" else name
    for name in _COLUMNS
)
_COPY_SQL = f"COPY (SELECT {_COPY_COLUMNS} FROM audit_auditevent ORDER BY seq) TO STDOUT"  # noqa: S608 (constants)
_COPY_ESCAPE = re.compile(r"\\(.)")
_COPY_CHARACTERS = {"b": "\b", "f": "\f", "n": "\n", "r": "\r", "t": "\t", "v": "\v"}


def _copy_unescape(field: str):
    if field == "\\N":
        return None
    if "\\" not in field:
        return field
    return _COPY_ESCAPE.sub(lambda match: _COPY_CHARACTERS.get(match.group(1), match.group(1)), field)


def parse_copy_rows(chunk: bytes) -> list[tuple]:
    """Rows of ``COPY (SELECT <_COLUMNS>) TO STDOUT`` text: tab-separated, one per line, ``\\N`` for NULL."""
    rows = []
    for line in chunk.decode().split("\n"):
        if not line:
            continue
        fields = line.split("\t")
        # COPY writes a backslash only in ``\N`` (NULL) and in escapes: without the NULLs, none here.
        if "\\" in line and "\\" in line.replace("\\N", ""):
            fields = [_copy_unescape(field) for field in fields]
        else:
            for index in (2, 9, 12):  # actor_id, case_id, ip: the nullable columns
                if fields[index] == "\\N":
                    fields[index] = None
        actor_id, case_id = fields[2], fields[9]
        fields[0] = int(fields[0])
        fields[2] = None if actor_id is None else int(actor_id)
        fields[9] = None if case_id is None else int(case_id)
        rows.append(fields)
    return rows


# --- Checking a batch ------------------------------------------------------------------------------


def check_rows(rows) -> tuple:
    """Check a batch of consecutive events on its own; see the module docstring.

    Returns ``(count, first_seq, first_prev_hash, last_seq, last_hash, cases, broken)``: ``cases``
    maps each case in the batch to ``[index of its first event, its seq, its case_prev_hash, the
    case's last case_hash in the batch]`` and ``broken`` is ``(index, kind, first broken seq, reason)`` for the first
    break inside the batch, or ``None``. The checks stop at that break.
    """
    cases: dict[int, list] = {}
    previous_seq = first_seq = first_prev = None
    previous = ""
    broken = None
    for index, row in enumerate(rows):
        seq = row[0]
        case_id = row[9]
        prev_hash, own, case_prev, case_own = row[13:17]
        if index == 0:
            first_seq, first_prev = seq, prev_hash
        elif seq != previous_seq + 1:
            broken = (index, GAP, previous_seq + 1, f"sequence jumps from {previous_seq} to {seq}: event(s) removed")
            break
        elif prev_hash != previous:
            broken = (index, LINK, seq, "link to the previous event does not match (removed, inserted or reordered)")
            break
        payload = row_payload(row)
        # The stored prev_hash stands for the previous event's hash: the joint check compares them.
        if own != link(prev_hash, payload):
            broken = (index, HASH, seq, "hash does not match the event's content (altered)")
            break
        if case_id is not None:
            entry = cases.get(case_id)
            if entry is None:
                cases[case_id] = [index, seq, case_prev, case_own]
            elif case_prev != entry[3]:
                broken = (index, CASE_LINK, seq, f"link to the previous event of case {case_id} does not match")
                break
            else:
                entry[3] = case_own
            if case_own != link(case_prev, payload):
                broken = (index, CASE_HASH, seq, f"hash in case {case_id} does not match the event's content")
                break
        elif case_prev or case_own:
            broken = (index, CASE_STRAY, seq, "case links on an event without a case")
            break
        previous_seq, previous = seq, own
    count = broken[0] if broken else len(rows)
    return count, first_seq, first_prev, previous_seq, previous, cases, broken


def check_copy_chunk(chunk: bytes) -> tuple:
    return check_rows(parse_copy_rows(chunk))


# --- Reading the events in batches -----------------------------------------------------------------


class _BrokenChainError(Exception):
    """Leaves the COPY early (psycopg cancels the rest)."""


def _copy_chunks(chunk_size: int):
    """The events as COPY text, ``chunk_size`` lines per chunk, on the caller's connection."""
    with connection.cursor() as cursor:
        lines: list = []
        with cursor.cursor.copy(_COPY_SQL) as copy:
            for line in copy:
                lines.append(bytes(line))
                if len(lines) >= chunk_size:
                    yield b"".join(lines)
                    lines = []
        if lines:
            yield b"".join(lines)


def _orm_chunks(chunk_size: int):
    batch = []
    for row in AuditEvent.objects.order_by("seq").values_list(*_COLUMNS).iterator(chunk_size=chunk_size):
        row = list(row)
        row[1] = format_time(row[1])
        batch.append(row)
        if len(batch) >= chunk_size:
            yield batch
            batch = []
    if batch:
        yield batch


def _check_orm_chunk(rows: list) -> tuple:
    return check_rows(rows)


def _last_seq() -> int:
    return AuditEvent.objects.order_by("-seq").values_list("seq", flat=True).first() or 0


def _results(chunks, check, workers: int):
    """``check(chunk)`` for each chunk, in order: here, or in ``workers`` processes (a few chunks ahead)."""
    if workers <= 1:
        try:
            for chunk in chunks:
                yield check(chunk)
        finally:
            chunks.close()
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
            chunks.close()


def verify_chain(
    *, chunk_size: int = 20_000, workers: int | None = None, parallel_threshold: int = 50_000
) -> VerificationResult:
    """Check every link of the whole chain and of each case's chain.

    Above ``parallel_threshold`` events, batches of ``chunk_size`` events are checked in
    ``workers`` processes (default: one per core) while this process reads and joins them.
    """
    if workers is None:
        workers = os.cpu_count() or 1
    if _last_seq() <= parallel_threshold or "fork" not in multiprocessing.get_all_start_methods():
        workers = 1
    if connection.vendor == "postgresql":
        check, chunks = check_copy_chunk, _copy_chunks
    else:
        check, chunks = _check_orm_chunk, _orm_chunks
    try:
        # A savepoint (or a transaction) around the read: leaving a COPY early cancels it, which
        # aborts the transaction; the savepoint keeps the caller's.
        with transaction.atomic():
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
    last_seq, previous, checked = 0, GENESIS_HASH, 0
    case_heads: dict[int, str] = {}
    for count, first_seq, first_prev, batch_last_seq, batch_last_hash, cases, broken in results:
        if first_seq is None:
            continue
        candidates = [broken] if broken else []
        if first_seq != last_seq + 1:
            reason = f"sequence jumps from {last_seq} to {first_seq}: event(s) removed"
            candidates.append((0, GAP, last_seq + 1, reason))
        elif first_prev != previous:
            candidates.append(
                (0, LINK, first_seq, "link to the previous event does not match (removed, inserted or reordered)")
            )
        for case_id, (index, seq, case_prev, _last) in cases.items():
            if case_prev != case_heads.get(case_id, GENESIS_HASH):
                candidates.append(
                    (index, CASE_LINK, seq, f"link to the previous event of case {case_id} does not match")
                )
        if candidates:
            index, _kind, seq, reason = min(candidates)
            return _broken(seq, checked + index, reason)
        for case_id, (_index, _seq, _prev, case_last) in cases.items():
            case_heads[case_id] = case_last
        last_seq, previous, checked = batch_last_seq, batch_last_hash, checked + count
    head_seq = last_seq if checked else None
    reason = ""
    head = AuditChainHead.objects.filter(id=1).values_list("seq", "hash").first()
    if head is not None and checked and head != (head_seq, previous):
        reason = f"the head row says #{head[0]} but the last event is #{head_seq} (the events prevail)"
    return VerificationResult(
        ok=True, events_checked=checked, head_seq=head_seq, head_hash=previous if checked else "", reason=reason
    )


def verify_case_chain(case_id: int, *, chunk_size: int = 5000) -> VerificationResult:
    """Check one case's chain on its own: each event links to the previous event of the case.

    Without the whole chain, a removed *last* event of the case cannot be detected here; the
    whole-chain check detects it.
    """
    previous = GENESIS_HASH
    checked = 0
    last_seq = None
    rows = (
        AuditEvent.objects.filter(case_id=case_id)
        .order_by("seq")
        .values_list(*_COLUMNS)
        .iterator(chunk_size=chunk_size)
    )
    for row in rows:
        values = dict(zip(_COLUMNS, row, strict=True))
        payload = canonical_bytes(values)
        if values["case_prev_hash"] != previous:
            return _broken(values["seq"], checked, "link to the previous event of the case does not match")
        if values["case_hash"] != link(previous, payload):
            return _broken(values["seq"], checked, "hash does not match the event's content (altered)")
        previous = values["case_hash"]
        last_seq = values["seq"]
        checked += 1
    return VerificationResult(ok=True, events_checked=checked, head_seq=last_seq, head_hash=previous if checked else "")
