"""One case's audit events, exported for a third party, and the check of such an export.

Format ``cnilcase-audit-export/1``: JSON Lines, ASCII only (``\\u`` escapes), so the bytes are the
same whatever the terminal's encoding and the footer digest always matches.

1. ``header``: the case, the time of export, and how the hashes are computed (the canonical
   fields, the genesis hash), so that a third party can re-implement the check.
2. In sequence order, one line per event of the global chain from the case's first event to the
   end of the span (the anchor's sequence number, or the case's last event when no anchor covers
   it): an ``event`` line for each event of the case, with every canonical field exactly as hashed
   (``occurred_at`` in :func:`~apps.audit.models.format_time` form) and its four hashes; a ``link``
   line (``seq``, ``prev_hash``, ``hash``, nothing else) for each event of another case or of no
   case, so that nothing of their content is revealed.
3. ``anchor``: the first anchor at or after the case's last event, if there is one.
4. ``footer``: the counts and the SHA-256 of the preceding lines' bytes (against a file cut short
   or damaged in transit; anyone can recompute it, so it authenticates nothing).

What :func:`verify_export` checks, without any database — that the file is consistent:

- the case chain: the first event links to the genesis hash and each event to the previous one
  of the case, and each event's content gives both its case hash and its global hash — so no
  event of the case is altered, removed, inserted or reordered before the last exported one
  unless the hashes were recomputed too;
- the global chain in the file is continuous (contiguous sequence numbers, each ``prev_hash``
  equal to the previous line's ``hash``) up to the anchor, and the anchor's hash is the hash at
  its sequence number — so an export made from a database rewritten and re-hashed after the
  anchor fails (the stored hashes no longer reach the anchored one).

What it does not prove: a link line's hash cannot be recomputed without that event's content
(the chain hashes ``prev_hash || canonical bytes``, not a digest of them), so link lines are
taken as given. Whoever writes the file (or patches one ``prev_hash`` row in the database, which
the whole-chain ``audit_verify`` would catch) can therefore alter a case event, re-hash the
case's events and set the next link line's ``prev_hash`` to match, and the file still verifies:
the anchor vouches for the export only as far as the link lines are genuine. Events of the case
after the last exported one could also be withheld by turning them into link lines. A proof
against the exporter itself needs a chain format hashing ``prev_hash || sha256(canonical
bytes)``: link lines could then carry the payload digest and every hash would be recomputed.

Size: one short line (about 180 bytes) per event of *any* case between the case's first event
and the anchor; a case open for a year on a log of 10,000 events a day costs some 650 MB — the
normal case (a few months, a few hundred events a day) is a few megabytes.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime

from django.db.models import Max, Min
from django.utils import timezone

from .anchors import Anchor
from .models import CANONICAL_FIELDS, GENESIS_HASH, AuditEvent, canonical_json, format_time, link

FORMAT = "cnilcase-audit-export/1"
_HASHES = ("prev_hash", "hash", "case_prev_hash", "case_hash")
_ROW_COLUMNS = (*CANONICAL_FIELDS, *_HASHES)
_HEX64 = re.compile(r"[0-9a-f]{64}")
_KEYS = {
    "event": frozenset({"type", *CANONICAL_FIELDS, *_HASHES}),
    "link": frozenset({"type", "seq", "prev_hash", "hash"}),
    "anchor": frozenset({"type", "seq", "hash", "at", "source"}),
    "footer": frozenset({"type", "events", "links", "anchors", "sha256_of_preceding_lines"}),
}


class ExportError(ValueError):
    """The case cannot be exported (it has no audit events)."""


class ExportFormatError(ValueError):
    """The file is not an audit export at all, as opposed to an export that fails verification."""


# --- Writing --------------------------------------------------------------------------------


@dataclass(frozen=True)
class ExportSpan:
    """Which part of the global chain an export covers: the case's events and the anchor after them."""

    first_seq: int
    last_seq: int
    anchor: Anchor | None

    @property
    def end_seq(self) -> int:
        return self.anchor.seq if self.anchor is not None else self.last_seq


def export_span(case_id: int, anchors: Iterable[Anchor] = ()) -> ExportSpan:
    """The case's first and last sequence numbers, and the first anchor at or after the last one.

    Only the first covering anchor: a later one would add a link line for every event since.
    """
    bounds = AuditEvent.objects.filter(case_id=case_id).aggregate(first=Min("seq"), last=Max("seq"))
    if bounds["first"] is None:
        raise ExportError(f"case {case_id} has no audit events")
    covering = [a for a in anchors if a.seq >= bounds["last"]]
    anchor = min(covering, key=lambda a: (a.seq, a.at)) if covering else None
    return ExportSpan(first_seq=bounds["first"], last_seq=bounds["last"], anchor=anchor)


def _line(document: dict) -> str:
    return json.dumps(document, ensure_ascii=True, separators=(",", ":")) + "\n"


def export_lines(
    *, case_id: int, case_reference: str, rows: Iterable[dict], anchor: Anchor | None, exported_at: str
) -> Iterator[str]:
    """The export's lines (each ending with a newline) from the span's rows, in sequence order.

    ``rows`` map the canonical fields and the four hashes to database values; rows of other cases
    give only their sequence number and global hashes. Pure: no database access.
    """
    digest = hashlib.sha256()
    events = links = 0

    def emit(document: dict) -> str:
        line = _line(document)
        digest.update(line.encode("ascii"))
        return line

    yield emit(
        {
            "type": "header",
            "format": FORMAT,
            "case_id": case_id,
            "case_reference": case_reference,
            "exported_at": exported_at,
            "canonical_fields": list(CANONICAL_FIELDS),
            "hash": "sha256(prev_hash || RFC 8785 canonical JSON of canonical_fields), hex; prev_hash as ASCII",
            "case_hash": "sha256(case_prev_hash || the same canonical bytes); the case's first event has genesis",
            "genesis": GENESIS_HASH,
        }
    )
    for row in rows:
        if row["case_id"] == case_id:
            document = {"type": "event", **{name: row[name] for name in _ROW_COLUMNS}}
            document["occurred_at"] = format_time(row["occurred_at"])
            events += 1
        else:
            document = {"type": "link", "seq": row["seq"], "prev_hash": row["prev_hash"], "hash": row["hash"]}
            links += 1
        yield emit(document)
    if anchor is not None:
        yield emit({"type": "anchor", "seq": anchor.seq, "hash": anchor.hash, "at": anchor.at, "source": anchor.source})
    yield _line(
        {
            "type": "footer",
            "events": events,
            "links": links,
            "anchors": int(anchor is not None),
            "sha256_of_preceding_lines": digest.hexdigest(),
        }
    )


def case_export_lines(
    *,
    case_id: int,
    case_reference: str,
    span: ExportSpan,
    exported_at: datetime | None = None,
    chunk_size: int = 2000,
) -> Iterator[str]:
    """Stream the export of one case over ``span`` (see :func:`export_span`), in constant memory.

    Other cases' rows are read whole (one query, in sequence order) but only their hashes are
    written.
    """
    rows = (
        AuditEvent.objects.filter(seq__gte=span.first_seq, seq__lte=span.end_seq)
        .order_by("seq")
        .values(*_ROW_COLUMNS)
        .iterator(chunk_size=chunk_size)
    )
    return export_lines(
        case_id=case_id,
        case_reference=case_reference,
        rows=rows,
        anchor=span.anchor,
        exported_at=format_time(exported_at or timezone.now()),
    )


# --- Verifying (no database) -----------------------------------------------------------------


@dataclass(frozen=True)
class ExportVerification:
    ok: bool
    case_id: int | None = None
    case_reference: str = ""
    events: int = 0
    links: int = 0
    anchor_seq: int | None = None
    anchor_source: str = ""
    bad_line: int | None = None
    bad_seq: int | None = None
    reason: str = ""


class _LineError(Exception):
    """A line that fails verification: why, and its sequence number when it has one."""

    def __init__(self, reason: str, seq: int | None = None):
        super().__init__(reason)
        self.reason, self.seq = reason, seq


def _parse(raw: bytes) -> dict:
    try:
        document = json.loads(raw)
    except ValueError as exc:  # UnicodeDecodeError is a ValueError too
        raise _LineError(f"not JSON ({exc})") from exc
    if not isinstance(document, dict):
        raise _LineError("not a JSON object")
    return document


def _integer(document: dict, key: str, seq: int | None = None) -> int:
    value = document.get(key)
    if type(value) is not int:
        raise _LineError(f"{key} is not an integer", seq)
    return value


def _hex(document: dict, key: str, seq: int | None) -> str:
    value = document.get(key)
    if not isinstance(value, str) or not _HEX64.fullmatch(value):
        raise _LineError(f"{key} is not 64 lowercase hexadecimal digits", seq)
    return value


class _Verifier:
    """The state carried from line to line: the last global and case hashes, the counts."""

    def __init__(self, header: dict):
        self.case_id = header["case_id"]
        self.case_reference = header["case_reference"]
        self.last_seq: int | None = None
        self.last_hash = ""
        self.case_head = GENESIS_HASH
        self.events = self.links = 0
        self.anchor: tuple[int, str] | None = None
        self.anchors = 0
        self.done = False

    def feed(self, document: dict, preceding_digest: Callable[[], str]) -> None:
        """Check one line after the header; ``preceding_digest`` gives the SHA-256 of the lines before it."""
        if self.done:
            raise _LineError("a line after the footer")
        kind = document.get("type")
        if not isinstance(kind, str) or kind not in _KEYS:
            raise _LineError(f"unknown line type {kind!r}", document.get("seq"))
        seq = document.get("seq") if isinstance(document.get("seq"), int) else None
        missing, extra = _KEYS[kind] - document.keys(), document.keys() - _KEYS[kind]
        if missing or extra:
            names = ", ".join(sorted(missing) + sorted(extra))
            raise _LineError(f"{kind} line with missing or unexpected field(s): {names}", seq)
        if kind in ("event", "link"):
            self._chain(kind, document)
        elif kind == "anchor":
            self._anchor(document)
        else:
            self._footer(document, preceding_digest())

    def _chain(self, kind: str, document: dict) -> None:
        seq = _integer(document, "seq")
        if self.anchors:
            raise _LineError("a chain line after the anchor", seq)
        prev_hash, hash_ = _hex(document, "prev_hash", seq), _hex(document, "hash", seq)
        if self.last_seq is None:
            if kind != "event":
                raise _LineError("the chain in the file does not start with an event of the case", seq)
        elif seq != self.last_seq + 1:
            raise _LineError(
                f"seq {self.last_seq + 1} expected after seq {self.last_seq}, found seq {seq}: "
                "line(s) removed or reordered",
                self.last_seq + 1,
            )
        elif prev_hash != self.last_hash:
            raise _LineError(f"prev_hash is not the hash of seq {self.last_seq}: the chain is broken here", seq)
        if kind == "event":
            self._event(document, seq, prev_hash, hash_)
            self.events += 1
        else:
            self.links += 1
        self.last_seq, self.last_hash = seq, hash_

    def _event(self, document: dict, seq: int, prev_hash: str, hash_: str) -> None:
        if document["case_id"] != self.case_id:
            raise _LineError(f"event of case {document['case_id']!r}, not of case {self.case_id}", seq)
        case_prev_hash = _hex(document, "case_prev_hash", seq)
        case_hash = _hex(document, "case_hash", seq)
        try:
            payload = canonical_json({name: document[name] for name in CANONICAL_FIELDS})
        except ValueError as exc:  # rfc8785's CanonicalizationError: a value JSON cannot hash
            raise _LineError(f"content cannot be canonicalised ({exc})", seq) from exc
        if link(prev_hash, payload) != hash_:
            raise _LineError("hash does not match the event's content (altered)", seq)
        if case_prev_hash != self.case_head:
            raise _LineError(
                "case_prev_hash is not the case hash of the case's previous event (event removed, inserted or "
                "reordered)",
                seq,
            )
        if link(case_prev_hash, payload) != case_hash:
            raise _LineError("case_hash does not match the event's content (altered)", seq)
        self.case_head = case_hash

    def _anchor(self, document: dict) -> None:
        seq = _integer(document, "seq")
        hash_ = _hex(document, "hash", seq)
        if self.last_seq is None:
            raise _LineError("an anchor before any event", seq)
        if seq > self.last_seq:
            raise _LineError(f"anchor at seq {seq} but the chain in the file stops at seq {self.last_seq}", seq)
        if seq < self.last_seq:
            raise _LineError(f"the chain in the file goes past the anchor at seq {seq}, to seq {self.last_seq}", seq)
        if hash_ != self.last_hash:
            raise _LineError(f"anchor hash is not the hash at seq {seq}: chain rewritten or file altered", seq)
        if self.anchor is None:
            self.anchor = (seq, str(document["source"]))
        self.anchors += 1

    def _footer(self, document: dict, digest: str) -> None:
        if self.last_seq is None:
            raise _LineError("no event of the case in the file")
        for key, counted in (("events", self.events), ("links", self.links), ("anchors", self.anchors)):
            if _integer(document, key) != counted:
                raise _LineError(f"footer says {document[key]} {key}, the file has {counted}")
        if document["sha256_of_preceding_lines"] != digest:
            raise _LineError("footer digest does not match the preceding lines (file altered or damaged)")
        self.done = True


def _header(raw: bytes) -> dict:
    try:
        header = _parse(raw)
    except _LineError as exc:
        raise ExportFormatError(f"line 1: {exc.reason}: not a cnilcase audit export") from exc
    if header.get("type") != "header":
        raise ExportFormatError("line 1 is not a header: not a cnilcase audit export")
    if header.get("format") != FORMAT:
        raise ExportFormatError(f"format {header.get('format')!r}: this verifier reads {FORMAT}")
    if header.get("canonical_fields") != list(CANONICAL_FIELDS):
        raise ExportFormatError(f"the canonical fields of {FORMAT} are {', '.join(CANONICAL_FIELDS)}")
    if type(header.get("case_id")) is not int or not isinstance(header.get("case_reference"), str):
        raise ExportFormatError("line 1: the header has no integer case_id or no case_reference")
    return header


def verify_export(lines: Iterable[bytes]) -> ExportVerification:
    """Check an export line by line (bytes as read from the file, newline included), no database.

    Returns the first broken line, with its sequence number when it has one; raises
    :class:`ExportFormatError` when the first line is not the header of this format.
    """
    digest = hashlib.sha256()
    verifier: _Verifier | None = None
    number = 0
    for number, raw in enumerate(lines, start=1):
        if verifier is None:
            verifier = _Verifier(_header(raw))
        else:
            try:
                verifier.feed(_parse(raw), digest.hexdigest)
            except _LineError as exc:
                return ExportVerification(
                    ok=False,
                    case_id=verifier.case_id,
                    case_reference=verifier.case_reference,
                    bad_line=number,
                    bad_seq=exc.seq,
                    reason=exc.reason,
                )
        digest.update(raw)
    if verifier is None:
        raise ExportFormatError("empty file: not a cnilcase audit export")
    if not verifier.done:
        return ExportVerification(
            ok=False,
            case_id=verifier.case_id,
            case_reference=verifier.case_reference,
            bad_line=number + 1,
            reason="no footer: the file is cut short",
        )
    anchor_seq, anchor_source = verifier.anchor or (None, "")
    return ExportVerification(
        ok=True,
        case_id=verifier.case_id,
        case_reference=verifier.case_reference,
        events=verifier.events,
        links=verifier.links,
        anchor_seq=anchor_seq,
        anchor_source=anchor_source,
    )
