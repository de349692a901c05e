"""Text extraction of stored files for search: the service and the Celery task that runs it.

Queued on commit by ``evidence_register`` for a blob whose text is still pending. The text belongs
to the blob (content-addressed, shared by evidence items); on PostgreSQL a trigger refreshes the
search vectors of every item using the blob when its text is written (migration 0004).
"""

from __future__ import annotations

import logging

from celery import shared_task
from django.utils import timezone
from django.utils.translation import gettext as _

from .choices import ExtractionStatus
from .extraction import ExtractionError, UnsupportedType, extract_text
from .models import Blob
from .storage import evidence_storage

logger = logging.getLogger(__name__)


def blob_text_extract(*, blob_id: int) -> str:
    """Read the text of a pending blob once and record it with its status; returns the status.

    Safe to run twice: a blob no longer pending is left as it is, and the result is written only
    if the blob is still pending (a concurrent run that finished first wins). A file that cannot
    be read is a status with its reason, never an exception.
    """
    blob = Blob.objects.filter(pk=blob_id).only("pk", "storage_name", "media_type", "extraction_status").first()
    if blob is None or blob.extraction_status != ExtractionStatus.PENDING:
        return blob.extraction_status if blob else ""
    text, reason = "", ""
    try:
        with evidence_storage().open(blob.storage_name, "rb") as handle:
            text = extract_text(handle, blob.media_type)
        status = ExtractionStatus.DONE
    except UnsupportedType:
        status, reason = ExtractionStatus.UNSUPPORTED, blob.media_type
    except ExtractionError as exc:
        status, reason = ExtractionStatus.FAILED, str(exc.args[0])
    except OSError:
        status, reason = ExtractionStatus.FAILED, _("The stored file could not be opened.")
    except Exception as exc:  # a reader library tripping on a hostile file: a status, not a crash loop
        logger.exception("Text extraction of blob %s failed", blob.pk)
        status, reason = (
            ExtractionStatus.FAILED,
            _("The file could not be read (%(error)s).") % {"error": type(exc).__name__},
        )
    # PostgreSQL text columns refuse NUL characters (some PDFs carry them).
    text = text.replace("\x00", " ")
    Blob.objects.filter(pk=blob.pk, extraction_status=ExtractionStatus.PENDING).update(
        extracted_text=text,
        extraction_status=status,
        extraction_reason=reason[:255],
        extracted_at=timezone.now(),
    )
    return status


def pending_texts_extract(*, limit: int = 1000) -> int:
    """Extract, here and now, the text of up to ``limit`` pending blobs (the demo, and catching up
    blobs stored before extraction existed); returns how many were read."""
    ids = list(
        Blob.objects.filter(extraction_status=ExtractionStatus.PENDING)
        .order_by("pk")
        .values_list("pk", flat=True)[:limit]
    )
    for blob_id in ids:
        blob_text_extract(blob_id=blob_id)
    return len(ids)


def seed_evidence_texts() -> str:
    """Demo: every document seeded so far is searchable at once, without waiting for the worker."""
    return f"{pending_texts_extract()} texts extracted"


@shared_task(acks_late=True)
def extract_blob_text(blob_id: int) -> str:
    """Extract the text of one blob (see ``blob_text_extract``)."""
    return blob_text_extract(blob_id=blob_id)
