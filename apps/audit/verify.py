"""Recompute the audit hash chains and name the first event where they break.

Streams the events in sequence order, so memory stays constant whatever the size of the log,
except for one ``case id -> last hash`` entry per case.
"""

from __future__ import annotations

from dataclasses import dataclass

from .models import CANONICAL_FIELDS, GENESIS_HASH, AuditChainHead, AuditEvent, canonical_bytes, link

_COLUMNS = (*CANONICAL_FIELDS, "prev_hash", "hash", "case_prev_hash", "case_hash")


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


def verify_chain(*, chunk_size: int = 5000) -> VerificationResult:
    """Check every link of the whole chain and of each case's chain."""
    expected_seq = 1
    previous = GENESIS_HASH
    case_heads: dict[int, str] = {}
    checked = 0
    rows = AuditEvent.objects.order_by("seq").values_list(*_COLUMNS).iterator(chunk_size=chunk_size)
    for row in rows:
        values = dict(zip(_COLUMNS, row, strict=True))
        seq = values["seq"]
        if seq != expected_seq:
            reason = f"sequence jumps from {expected_seq - 1} to {seq}: event(s) removed"
            return _broken(expected_seq, checked, reason)
        payload = canonical_bytes(values)
        if values["prev_hash"] != previous:
            return _broken(seq, checked, "link to the previous event does not match (removed, inserted or reordered)")
        if values["hash"] != link(previous, payload):
            return _broken(seq, checked, "hash does not match the event's content (altered)")
        case_id = values["case_id"]
        if case_id is not None:
            case_previous = case_heads.get(case_id, GENESIS_HASH)
            if values["case_prev_hash"] != case_previous:
                return _broken(seq, checked, f"link to the previous event of case {case_id} does not match")
            if values["case_hash"] != link(case_previous, payload):
                return _broken(seq, checked, f"hash in case {case_id} does not match the event's content")
            case_heads[case_id] = values["case_hash"]
        elif values["case_prev_hash"] or values["case_hash"]:
            return _broken(seq, checked, "case links on an event without a case")
        previous = values["hash"]
        expected_seq = seq + 1
        checked += 1
    head_seq = expected_seq - 1 if checked else None
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
