"""Campaign status reports: each row checked, and its identifier replaced by a keyed hash, in one pass.

A controller's Art. 34 campaign report is a CSV, one row per data subject and channel
(identifier, channel, status, date), up to tens of millions of rows. The clear identifier (often
a NIR) must never be written anywhere: this module reads the CSV bytes as they arrive and writes
only fixed-size binary records ``(line number, keyed hash, channel, status, date)`` in the tuple
layout of PostgreSQL's binary COPY, so they load with ``COPY ... (FORMAT BINARY)`` with no further
parsing. Bad rows are reported by line number and reason — never with their content.

The keyed hash is BLAKE2b (16 bytes) keyed with ``IDENTIFIER_HMAC_KEY``, a key of its own (never
``SECRET_KEY``): the same person gets the same hash in every report of the campaign (so a later
report updates the earlier one), and nobody without the key can test a guessed NIR against it.

A NIR is checked inline with its mod-97 key (Corsica: 2A and 2B count as 19 and 18) — python-stdnum
does the same check at about four times the cost per row.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import itertools
import os
import struct
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.conf import settings
from django.utils import timezone

# One record: PostgreSQL binary COPY tuple of 5 fields, all fixed size.
# int16 field count; then (int32 length, value) for: line_no int8, id_hash bytea(16),
# channel int2, status int2, status_date date (int4 days since 2000-01-01).
RECORD = struct.Struct(">hiqi16sihihii")
RECORD_SIZE = RECORD.size  # 54 bytes
COPY_HEADER = b"PGCOPY\n\xff\r\n\x00" + struct.pack(">ii", 0, 0)
COPY_TRAILER = struct.pack(">h", -1)
PG_EPOCH = dt.date(2000, 1, 1).toordinal()
DIGEST_SIZE = 16
MAX_STORED_ERRORS = 100_000

COLUMN_ALIASES = {
    b"identifier": "identifier",
    b"identifiant": "identifier",
    b"nir": "identifier",
    b"channel": "channel",
    b"canal": "channel",
    b"status": "status",
    b"statut": "status",
    b"date": "date",
}
REQUIRED_COLUMNS = ("identifier", "channel", "status", "date")

# Codes stored in CampaignRecipient (see models.RecipientChannel / RecipientStatus).
CHANNELS = {b"letter": 1, b"courrier": 1, b"email": 2, b"e-mail": 2, b"courriel": 2, b"portal": 3, b"portail": 3}
CHANNELS[b"sms"] = 4
STATUSES = {b"sent": 1, b"envoye": 1, "envoyé".encode(): 1, b"failed": 2, b"echec": 2, "échec".encode(): 2}


class Reason:
    """Why a row is bad (stored as a small integer; the text is in models.BadRowReason)."""

    FIELDS = 1
    ENCODING = 2
    IDENTIFIER_EMPTY = 3
    NIR_FORMAT = 4
    NIR_KEY = 5
    CHANNEL = 6
    STATUS = 7
    DATE = 8
    DATE_FUTURE = 9
    DUPLICATE = 10


class HeaderError(ValueError):
    """The file cannot be read as a campaign report at all (nothing is imported)."""


def identifier_key() -> bytes:
    """The BLAKE2b key derived from ``IDENTIFIER_HMAC_KEY`` (any length → 32 bytes)."""
    secret = settings.IDENTIFIER_HMAC_KEY
    if not secret:
        raise RuntimeError("IDENTIFIER_HMAC_KEY is not set")
    return hashlib.sha256(b"cnilcase identifier key\x00" + secret.encode()).digest()


def keyed_hash(identifier: str, *, nir: bool = True) -> bytes:
    """The stored hash of one identifier (to look a person up, e.g. in a test)."""
    normalised = identifier.replace(" ", "").strip().upper() if nir else identifier.strip()
    return hashlib.blake2b(normalised.encode(), key=identifier_key(), digest_size=DIGEST_SIZE).digest()


def nir_check(nir: bytes) -> int:
    """0 for a well-formed NIR whose last two digits are 97 - (first 13 mod 97), else the Reason."""
    if len(nir) != 15 or not nir[:5].isdigit() or not nir[7:].isdigit():
        return Reason.NIR_FORMAT
    body = nir[:13]
    if body[5:7] == b"2A":
        body = body[:5] + b"19" + body[7:]
    elif body[5:7] == b"2B":
        body = body[:5] + b"18" + body[7:]
    elif not body[5:7].isdigit():
        return Reason.NIR_FORMAT
    return 0 if 97 - int(body) % 97 == int(nir[13:]) else Reason.NIR_KEY


@dataclass
class Header:
    delimiter: bytes
    columns: tuple[int, int, int, int]  # indices of identifier, channel, status, date
    width: int


def parse_header(line: bytes) -> Header:
    line = line.removeprefix(b"\xef\xbb\xbf").rstrip(b"\r\n")
    delimiter = b";" if line.count(b";") > line.count(b",") else b","
    names = [COLUMN_ALIASES.get(name.strip().strip(b'"').lower()) for name in line.split(delimiter)]
    missing = [column for column in REQUIRED_COLUMNS if column not in names]
    if missing:
        raise HeaderError(missing)
    return Header(delimiter, tuple(names.index(column) for column in REQUIRED_COLUMNS), len(names))


@dataclass
class Encoded:
    """What one pass over (part of) a report produced."""

    rows: int = 0
    good: int = 0
    bad: int = 0
    errors: list[tuple[int, int]] = field(default_factory=list)  # (line number, Reason), capped
    lines: int = 0


class ReportEncoder:
    """Feed CSV bytes in chunks of any size; good rows go to ``out`` as binary COPY tuples.

    ``header``: parse the first line as the header (a whole upload), or give one already parsed
    (a part of a file split for parallel work, starting at ``first_line``).
    """

    def __init__(self, out, *, nir: bool, header: Header | None = None, first_line: int = 1, today=None):
        self.out = out
        self.nir = nir
        self.header = header
        self.line_no = first_line - 1
        self.result = Encoded()
        self.sha256 = hashlib.sha256()
        self._pending = b""
        self._base = hashlib.blake2b(key=identifier_key(), digest_size=DIGEST_SIZE)
        self._dates: dict[bytes, int | None] = {}
        self._today = ((today or timezone.localdate()).toordinal() + 1) - PG_EPOCH  # a day's grace for time zones

    def feed(self, chunk: bytes) -> None:
        self.sha256.update(chunk)
        lines = (self._pending + chunk).split(b"\n")
        self._pending = lines.pop()
        if lines:
            self._encode(lines)

    def close(self) -> Encoded:
        if self._pending:
            self._encode([self._pending])
            self._pending = b""
        if self.header is None:
            raise HeaderError(list(REQUIRED_COLUMNS))  # an empty file
        self.result.lines = self.line_no
        return self.result

    def _date(self, raw: bytes) -> int | None:
        text = raw.strip().strip(b'"')
        try:
            if len(text) == 10 and text[2:3] == b"/":
                day = dt.date(int(text[6:]), int(text[3:5]), int(text[:2]))
            else:
                day = dt.date.fromisoformat(text.decode("ascii"))
        except (ValueError, UnicodeDecodeError):
            return None
        return day.toordinal() - PG_EPOCH

    def _encode(self, lines: Iterable[bytes]) -> None:
        if self.header is None:
            lines = iter(lines)
            for line in lines:
                self.line_no += 1
                if line.strip():
                    self.header = parse_header(line)
                    break
            else:
                return
        header, result = self.header, self.result
        sep, width = header.delimiter, header.width
        i_id, i_ch, i_st, i_dt = header.columns
        base_copy, pack, nir, nir_ok = self._base.copy, RECORD.pack, self.nir, nir_check
        channels, statuses, dates, today = CHANNELS, STATUSES, self._dates, self._today
        errors, cap = result.errors, MAX_STORED_ERRORS
        records = []
        line_no = self.line_no
        good = bad = rows = 0
        for line in lines:
            line_no += 1
            if len(line) < 2 and not line.strip():
                continue
            rows += 1
            fields = line.split(sep)
            reason = 0
            if len(fields) != width:
                reason = Reason.FIELDS
            else:
                if b'"' in line:
                    fields = [f.strip().strip(b'"') for f in fields]
                ident = fields[i_id].strip()
                channel = channels.get(fields[i_ch]) or channels.get(fields[i_ch].strip().lower())
                status = statuses.get(fields[i_st]) or statuses.get(fields[i_st].strip().lower())
                day = dates.get(fields[i_dt], -1)
                if day == -1:
                    day = self._date(fields[i_dt])
                    if len(dates) < 10_000:
                        dates[fields[i_dt]] = day
                if not ident:
                    reason = Reason.IDENTIFIER_EMPTY
                elif nir:
                    if b" " in ident or ident[5:7] in (b"2a", b"2b"):
                        ident = ident.replace(b" ", b"").upper()
                    reason = nir_ok(ident)
                if reason:
                    pass
                elif channel is None:
                    reason = Reason.CHANNEL
                elif status is None:
                    reason = Reason.STATUS
                elif day is None:
                    reason = Reason.DATE
                elif day > today:
                    reason = Reason.DATE_FUTURE
                if reason in (Reason.CHANNEL, Reason.STATUS):
                    try:
                        line.decode("utf-8")
                    except UnicodeDecodeError:
                        reason = Reason.ENCODING
            if reason:
                bad += 1
                if len(errors) < cap:
                    errors.append((line_no, reason))
                continue
            digest = base_copy()
            digest.update(ident)
            records.append(pack(5, 8, line_no, 16, digest.digest(), 2, channel, 2, status, 4, day))
            good += 1
        self.line_no = line_no
        result.rows += rows
        result.good += good
        result.bad += bad
        if records:
            self.out.write(b"".join(records))


def encode_range(path: str, start: int, end: int, out_path: str, *, nir: bool, header: Header, first_line: int):
    """Encode bytes [start, end) of a file (whole lines) into ``out_path``: one worker's share."""
    with open(path, "rb") as source, open(out_path, "wb") as out:
        source.seek(start)
        encoder = ReportEncoder(out, nir=nir, header=header, first_line=first_line)
        remaining = end - start
        while remaining > 0:
            chunk = source.read(min(8 * 1024 * 1024, remaining))
            if not chunk:
                break
            remaining -= len(chunk)
            encoder.feed(chunk)
        return encoder.close()


def split_points(path: str, parts: int) -> tuple[Header, list[tuple[int, int, int]]]:
    """Parse the header, then cut the rest of the file into ``parts`` ranges of whole lines.

    Returns the header and, per part, (start offset, end offset, number of its first line).
    """
    size = os.path.getsize(path)
    with open(path, "rb") as source:
        first = source.readline()
        header = parse_header(first)
        body_start = source.tell()
        cuts = [body_start]
        for k in range(1, parts):
            source.seek(max(body_start, size * k // parts))
            source.readline()
            cuts.append(max(source.tell(), cuts[-1]))
        cuts.append(size)
        ranges, line = [], 2
        for start, end in itertools.pairwise(cuts):
            ranges.append((start, end, line))
            source.seek(start)
            remaining = end - start
            while remaining > 0:
                chunk = source.read(min(16 * 1024 * 1024, remaining))
                remaining -= len(chunk)
                line += chunk.count(b"\n")
        return header, ranges
