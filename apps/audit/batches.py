"""Checking a batch of consecutive audit events on its own (``verify.verify_chain`` joins the batches).

Each event's own hashes (``hash = SHA-256(prev_hash || canonical bytes)``, the same in its case)
depend on that event alone, and the links *inside* a batch on that batch alone, so a batch can be
checked in another process. An event reaches :func:`check_events` as ``(seq, case_id, prev_hash,
hash, case_prev_hash, case_hash, canonical bytes)``, the hashes as ASCII bytes; it is built from
PostgreSQL's COPY text (:func:`check_copy_chunk`) or from ORM rows (:func:`check_value_rows`).
"""

from __future__ import annotations

import json
import json.scanner
import re
from binascii import hexlify
from hashlib import sha256
from json.encoder import encode_basestring

from .canonical import canonical_json
from .models import CANONICAL_FIELDS

# Where one event can fail, in the order the checks run on it (the lowest wins at one event).
GAP, LINK, HASH, CASE_LINK, CASE_HASH, CASE_STRAY = range(6)

# The columns read, in this order: the canonical fields, then the four hashes.
COLUMNS = (*CANONICAL_FIELDS, "prev_hash", "hash", "case_prev_hash", "case_hash")

# --- An event's canonical bytes, fast ------------------------------------------------------------
# The RFC 8785 document of the canonical fields, written field by field: keys in sorted order,
# strings through the C JSON string encoder, integers in the safe range as digits, ``data``
# through ``canonical_json``. Anything else (a float, an integer out of range, an unexpected
# type, a lone surrogate) goes through ``canonical_json`` of the whole document, which defers to
# the reference. tests/audit/test_canonical.py checks both against ``models.canonical_bytes``.

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
    raise RuntimeError("the payload templates no longer match CANONICAL_FIELDS")
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
        text = _TEMPLATE % (
            _string(action),
            _number(actor_id),
            _string(actor_kind),
            _string(actor_name),
            _string(actor_role),
            _number(case_id),
            canonical_json(data).decode(),
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


# --- PostgreSQL's COPY text format -----------------------------------------------------------------
# The time comes formatted by the database exactly as ``format_time`` writes it; ``data`` (JSONB)
# as JSON text and ``ip`` (inet) as its text, the forms the ORM would load. PostgreSQL normalises
# JSONB (key order, spaces, duplicate keys, ``1.0``), but json.loads of its text gives back the
# dict that was hashed: canonical JSON sorts the keys, a dict has no duplicates, and the one value
# JSONB could rewrite, a float, is written by RFC 8785 from its value, not its spelling.

_COPY_EXPRESSIONS = {
    "occurred_at": "to_char(occurred_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"')",
    # No NULL marker (``\N``) among the fields the fast path scans for backslashes: no number is ''.
    "actor_id": "coalesce(actor_id::text, '')",
    "case_id": "coalesce(case_id::text, '')",
}
COPY_SELECT = ", ".join(_COPY_EXPRESSIONS.get(name, name) for name in COLUMNS)
_QUOTED = {"action", "actor_kind", "actor_name", "actor_role", "object_id", "object_type", "occurred_at", "summary"}
# The canonical bytes straight from COPY's bytes when no string needs a JSON escape: COPY text
# and JSON strings hold the other characters alike (UTF-8, U+007F and beyond as they are).
_COPY_TEMPLATE = ("{" + ",".join(f'"{k}":"%s"' if k in _QUOTED else f'"{k}":%s' for k in _KEY_ORDER) + "}").encode()
# What JSON escapes in a string (a quote, a control character) and COPY's own escapes (a
# backslash); the tab separates the fields. Found by deleting them (bytes.translate runs in C,
# several times faster than a regular expression).
_SPECIAL = bytes(range(0x09)) + bytes(range(0x0A, 0x20)) + b'"\\'
_CONTROL = bytes(range(0x09)) + bytes(range(0x0B, 0x20))  # all but the tab and the newline
_NULL = b"\\N"
# JSONB's text is one JSON value and nothing around it: the C scanner alone reads it (json.loads
# also matches whitespace around it, which doubled the cost).
_json_scan = json.scanner.make_scanner(json.JSONDecoder())
_COPY_ESCAPE = re.compile(r"\\(.)")
_COPY_CHARACTERS = {"b": "\b", "f": "\f", "n": "\n", "r": "\r", "t": "\t", "v": "\v"}


def _copy_unescape(field: str):
    if field == "\\N":
        return None
    if "\\" not in field:
        return field
    return _COPY_ESCAPE.sub(lambda match: _COPY_CHARACTERS.get(match.group(1), match.group(1)), field)


def copy_values(line: bytes) -> list:
    """One COPY text line as the values of ``COLUMNS``: escapes undone, ``\\N`` as None, numbers as ints."""
    fields = [_copy_unescape(field) for field in line.decode().split("\t")]
    for index in (0, 2, 9):  # seq, actor_id, case_id ('' for NULL)
        fields[index] = int(fields[index]) if fields[index] else None
    return fields


def _data_bytes(text: bytes) -> bytes:
    return text if text == b"{}" else canonical_json(_json_scan(text.decode(), 0)[0])


def _copy_events(chunk: bytes):
    template, special, null, data_bytes = _COPY_TEMPLATE, _SPECIAL, _NULL, _data_bytes
    # Backslashes and control characters are rare: looked for once in the whole batch. Without
    # them, a quote before data is all a line can hold that JSON escapes.
    clean = b"\\" not in chunk and len(chunk.translate(None, _CONTROL)) == len(chunk)
    for line in chunk.split(b"\n"):
        if not line:
            continue
        seq, at, actor_id, name, role, kind, action, object_type, object_id, case_id, summary, rest = line.split(
            b"\t", 11
        )
        data, ip, prev_hash, own, case_prev, case_own = rest.rsplit(b"\t", 5)
        head = len(line) - len(rest)  # the fields before data
        if (
            (
                line.find(b'"', 0, head) < 0
                if clean
                else len(line[:head].translate(None, special)) == head and b"\\" not in data
            )
            and len(seq) < 16
            and len(actor_id) < 16
            and len(case_id) < 16
        ):
            payload = template % (
                action,
                actor_id or b"null",
                kind,
                name,
                role,
                case_id or b"null",
                data_bytes(data),
                b"null" if ip == null else b'"' + ip + b'"',
                object_id,
                object_type,
                at,
                seq,
                summary,
            )
        else:  # escapes, or a number beyond the fast path's reach: the general way
            payload = row_payload(copy_values(line))
        yield int(seq), int(case_id) if case_id else None, prev_hash, own, case_prev, case_own, payload


def check_copy_chunk(chunk: bytes) -> tuple:
    """Check a batch given as COPY text (``COPY (SELECT COPY_SELECT ...) TO STDOUT``), one event per line."""
    return check_events(_copy_events(chunk))


def check_value_rows(rows: list) -> tuple:
    """Check a batch given as lists of ``COLUMNS`` values, ``occurred_at`` formatted (the ORM's rows)."""
    return check_events(
        (row[0], row[9], *(str(value).encode() for value in row[13:17]), row_payload(row)) for row in rows
    )


# --- Checking a batch ------------------------------------------------------------------------------


def check_events(events) -> tuple:
    """Check consecutive events on their own: see the module docstring.

    Returns ``(count, first_seq, first_prev_hash, last_seq, last_hash, cases, broken)``: ``cases``
    maps each case in the batch to ``[index of its first event, its seq, its case_prev_hash, the
    case's last case_hash in the batch]`` and ``broken`` is ``(index, kind, first broken seq,
    reason)`` for the first break inside the batch, or ``None``. The checks stop at that break.
    """
    cases: dict[int, list] = {}
    previous_seq = first_seq = first_prev = None
    previous = b""
    broken = None
    count = 0
    for index, (seq, case_id, prev_hash, own, case_prev, case_own, payload) in enumerate(events):
        count = index
        if index == 0:
            first_seq, first_prev = seq, prev_hash
        elif seq != previous_seq + 1:
            broken = (index, GAP, previous_seq + 1, f"sequence jumps from {previous_seq} to {seq}: event(s) removed")
            break
        elif prev_hash != previous:
            broken = (index, LINK, seq, "link to the previous event does not match (removed, inserted or reordered)")
            break
        # The stored prev_hash stands for the previous event's hash: the joint check compares them.
        if own != hexlify(sha256(prev_hash + payload).digest()):
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
            if case_own != hexlify(sha256(case_prev + payload).digest()):
                broken = (index, CASE_HASH, seq, f"hash in case {case_id} does not match the event's content")
                break
        elif case_prev or case_own:
            broken = (index, CASE_STRAY, seq, "case links on an event without a case")
            break
        previous_seq, previous = seq, own
    else:
        count = 0 if first_seq is None else count + 1
    return count, first_seq, first_prev, previous_seq, previous, cases, broken
