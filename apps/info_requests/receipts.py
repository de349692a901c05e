"""Receipts of submissions: their number, their canonical content and its SHA-256, and verification.

The receipt is what the organisation keeps as proof of what it sent and when: the receipt
number, the organisation, the request, the server time of submission, each file's name, size and
SHA-256, and the SHA-256 of each text answer. Its hash is the SHA-256 of the RFC 8785 bytes of that
content (``apps.audit.models.canonical_json``), recorded in the hash-chained audit log as well.
"""

from __future__ import annotations

import hashlib
import hmac
import re
from datetime import datetime

from django.utils import timezone

from apps.audit.choices import AuditAction
from apps.audit.models import AuditEvent, canonical_json, format_time

from .models import ReceiptCounter, Submission

RECEIPT_FORMAT_VERSION = 1
RECEIPT_NUMBER = re.compile(r"^AR-\d{4}-\d{6,}$")
SHA256_HEX = re.compile(r"^[0-9a-f]{64}$")


def receipt_number_next(at: datetime) -> str:
    """The next receipt number of the Europe/Paris year of ``at`` (its counter row is locked until commit)."""
    year = timezone.localtime(at).year
    ReceiptCounter.objects.bulk_create([ReceiptCounter(year=year)], ignore_conflicts=True)
    counter = ReceiptCounter.objects.select_for_update().get(year=year)
    counter.last_number += 1
    counter.save(update_fields=["last_number"])
    return f"AR-{year}-{counter.last_number:06d}"


def text_sha256(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def receipt_payload(*, submission: Submission, number: str, submitted_at: datetime, actor, answers, files) -> dict:
    """The canonical content of a receipt (plain JSON values; times in UTC to the microsecond)."""
    request = submission.request
    organisation = request.organisation
    return {
        "version": RECEIPT_FORMAT_VERSION,
        "receipt_number": number,
        "submitted_at": format_time(submitted_at),
        "organisation": {"id": organisation.pk, "name": organisation.legal_name, "siren": organisation.siren},
        "case": request.case.reference,
        "request": {
            "id": request.pk,
            "subject": request.subject,
            "sent_at": format_time(request.sent_at),
        },
        "submission": submission.number,
        "submitted_by": {"id": actor.pk, "name": actor.get_full_name()},
        "answers": [
            {"question": answer.question.position, "sha256": text_sha256(answer.text), "characters": len(answer.text)}
            for answer in answers
        ],
        "files": [
            {
                "question": item.question.position,
                "name": item.original_filename,
                "size": item.size,
                "sha256": item.sha256,
            }
            for item in files
        ],
    }


def payload_sha256(payload: dict) -> str:
    return hashlib.sha256(canonical_json(payload)).hexdigest()


def receipt_verify(number: str, sha256: str) -> Submission | None:
    """The submission whose receipt has this number and this hash, or None.

    The hash is recomputed from the stored content, and must equal the one given, the one stored
    and the one the audit log recorded when the receipt was issued.
    """
    number, sha256 = (number or "").strip().upper(), (sha256 or "").strip().lower()
    if not RECEIPT_NUMBER.match(number) or not SHA256_HEX.match(sha256):
        return None
    submission = (
        Submission.objects.filter(receipt_number=number, receipt_payload__isnull=False)
        .select_related("request__case", "request__organisation", "submitted_by")
        .first()
    )
    if submission is None or submission.receipt_payload.get("receipt_number") != number:
        return None
    recomputed = payload_sha256(submission.receipt_payload)
    if not (hmac.compare_digest(recomputed, sha256) and hmac.compare_digest(recomputed, submission.receipt_sha256)):
        return None
    recorded = (
        AuditEvent.objects.filter(
            action=AuditAction.ANSWER_SUBMITTED, object_type="info_requests.submission", object_id=str(submission.pk)
        )
        .values_list("data", flat=True)
        .first()
    )
    if not recorded or recorded.get("receipt_sha256") != recomputed:
        return None
    return submission
