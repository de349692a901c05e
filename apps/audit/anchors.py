"""Anchoring the audit chain outside the database.

Every hour (beat, ``AUDIT_ANCHOR_MINUTES``) the chain head — sequence number, hash, time — is
appended to a file per day in ``AUDIT_ANCHOR_DIR`` (one JSON line per anchor; the file is only
ever appended to) and, when ``AUDIT_ANCHOR_EMAIL`` is set, mailed to that address. Someone who
does not trust the database administrator keeps those files (or mails) elsewhere.

An anchor pins the whole chain up to its sequence number: the chain is a hash chain, so if the
events verify link by link *and* the event at an anchored number still has the anchored hash,
nothing up to it was changed. A chain rewritten from some point on — even re-hashed
consistently — no longer matches the first anchor after that point; a truncated chain lacks
the anchored numbers. ``python manage.py audit_verify --anchors DIR`` names the first anchor
that no longer matches.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from django.conf import settings
from django.core.mail import send_mail
from django.utils import timezone

from .models import AuditEvent

FILE_PREFIX = "audit-anchors-"


@dataclass(frozen=True)
class Anchor:
    seq: int
    hash: str
    at: str
    source: str  # "file:line", to name it in a report

    def line(self) -> str:
        return json.dumps({"seq": self.seq, "hash": self.hash, "at": self.at}, sort_keys=True)


@dataclass(frozen=True)
class AnchorCheck:
    ok: bool
    anchors_checked: int
    first_mismatch: Anchor | None = None
    reason: str = ""


def chain_head() -> tuple[int, str] | None:
    """The last event's number and hash (from the events, not the head cache)."""
    return AuditEvent.objects.order_by("-seq").values_list("seq", "hash").first()


def anchor_write(*, directory: Path | None = None, now: datetime | None = None) -> Anchor | None:
    """Append the chain head to today's anchor file (and mail it if configured); None on an empty chain."""
    head = chain_head()
    if head is None:
        return None
    now = now or timezone.now()
    directory = Path(directory or settings.AUDIT_ANCHOR_DIR)
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / f"{FILE_PREFIX}{now:%Y-%m-%d}.jsonl"
    anchor = Anchor(seq=head[0], hash=head[1], at=now.isoformat(), source=path.name)
    # O_APPEND: each anchor is one write at the end, never a rewrite of what is there.
    fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o640)
    try:
        os.write(fd, (anchor.line() + "\n").encode())
        os.fsync(fd)
    finally:
        os.close(fd)
    if settings.AUDIT_ANCHOR_EMAIL:
        send_mail(
            subject=f"cnilcase audit anchor #{anchor.seq}",
            message=anchor.line() + "\n",
            from_email=None,
            recipient_list=[settings.AUDIT_ANCHOR_EMAIL],
        )
    return anchor


def anchors_read(directory: Path) -> list[Anchor]:
    """Every anchor of the directory's files, in order of sequence number then time."""
    anchors = []
    for path in sorted(Path(directory).glob(f"{FILE_PREFIX}*.jsonl")):
        for number, raw in enumerate(path.read_text().splitlines(), start=1):
            if not raw.strip():
                continue
            try:
                data = json.loads(raw)
                anchors.append(Anchor(int(data["seq"]), str(data["hash"]), str(data["at"]), f"{path.name}:{number}"))
            except (ValueError, KeyError, TypeError) as exc:
                raise ValueError(f"{path.name}:{number}: not an anchor line ({exc})") from exc
    return sorted(anchors, key=lambda anchor: (anchor.seq, anchor.at))


def anchors_check(anchors: list[Anchor], *, batch: int = 1000) -> AnchorCheck:
    """Compare each anchor with the event at its number (one query per ``batch`` anchors).

    Run it with ``verify_chain``: the links prove the chain consistent, the anchors prove it is
    the chain that was anchored.
    """
    checked = 0
    for start in range(0, len(anchors), batch):
        chunk = anchors[start : start + batch]
        stored = dict(AuditEvent.objects.filter(seq__in={a.seq for a in chunk}).values_list("seq", "hash"))
        for anchor in chunk:
            if anchor.seq not in stored:
                return AnchorCheck(False, checked, anchor, f"event #{anchor.seq} is gone: the chain was truncated")
            if stored[anchor.seq] != anchor.hash:
                return AnchorCheck(
                    False,
                    checked,
                    anchor,
                    f"event #{anchor.seq} no longer has the anchored hash: the chain was rewritten",
                )
            checked += 1
    return AnchorCheck(True, checked)


def anchor_latest(directory: Path | None = None) -> Anchor | None:
    """The last anchor written (last line of the newest day's file), or None when there is none or
    the directory cannot be read. Reads one file, not the whole directory's history."""
    directory = Path(directory or settings.AUDIT_ANCHOR_DIR)
    try:
        files = sorted(directory.glob(f"{FILE_PREFIX}*.jsonl"))
    except OSError:
        return None
    for path in reversed(files):
        try:
            lines = [line for line in path.read_text().splitlines() if line.strip()]
        except OSError:
            continue
        if not lines:
            continue
        try:
            data = json.loads(lines[-1])
            return Anchor(int(data["seq"]), str(data["hash"]), str(data["at"]), f"{path.name}:{len(lines)}")
        except (ValueError, KeyError, TypeError):
            return None
    return None


def anchor_matches(anchor: Anchor) -> bool:
    """Whether the event at the anchor's number still has the anchored hash."""
    return AuditEvent.objects.filter(seq=anchor.seq, hash=anchor.hash).exists()
