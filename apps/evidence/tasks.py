"""Periodic evidence work: integrity re-verification in resumable batches, orphan blob cleanup."""

from datetime import timedelta

from celery import shared_task
from django.conf import settings
from django.db import transaction
from django.utils import timezone

from .models import Blob, IntegrityCursor
from .services import blob_verification_record, blob_verify
from .storage import evidence_storage
from .text import extract_blob_text

__all__ = ["extract_blob_text", "remove_orphan_blobs", "verify_evidence_integrity"]


@shared_task(acks_late=True, reject_on_worker_lost=True)
def verify_evidence_integrity() -> dict:
    """Re-hash the next batch of blobs after the saved cursor; start a new pass when due.

    Safe to run twice or after a crash: the batch's results (custody and audit events, alerts)
    commit together with the cursor, so a worker killed mid-batch leaves nothing of it, and the
    redelivered task verifies that batch again, once: never skipped, never recorded twice.
    """
    with transaction.atomic():
        IntegrityCursor.objects.bulk_create([IntegrityCursor(id=1)], ignore_conflicts=True)
        cursor = IntegrityCursor.objects.select_for_update().get(id=1)
        now = timezone.now()
        if cursor.last_blob_id == 0:
            due = cursor.last_full_pass_at is None or now - cursor.last_full_pass_at >= timedelta(
                days=settings.EVIDENCE_INTEGRITY_PASS_DAYS
            )
            if not due:
                return {"checked": 0, "failed": 0, "pass": "not due"}
            cursor.pass_started_at = now
        blobs = list(
            Blob.objects.filter(pk__gt=cursor.last_blob_id).order_by("pk")[: settings.EVIDENCE_INTEGRITY_BATCH]
        )
        failed = 0
        for blob in blobs:
            intact, problem = blob_verify(blob)
            failed += not intact
            blob_verification_record(blob=blob, intact=intact, problem=problem)
        if len(blobs) < settings.EVIDENCE_INTEGRITY_BATCH:
            cursor.last_blob_id = 0
            cursor.last_full_pass_at = cursor.pass_started_at or now
        else:
            cursor.last_blob_id = blobs[-1].pk
        cursor.save()
    return {"checked": len(blobs), "failed": failed}


def _walk(storage, folder=""):
    directories, files = storage.listdir(folder)
    for name in files:
        yield f"{folder}/{name}" if folder else name
    for directory in directories:
        yield from _walk(storage, f"{folder}/{directory}" if folder else directory)


@shared_task(acks_late=True)
def remove_orphan_blobs() -> dict:
    """Delete stored files that no blob record references and that are older than a day.

    Such files are left by a failure between writing the bytes and committing the record.
    """
    storage = evidence_storage()
    cutoff = timezone.now() - timedelta(days=1)
    known = set(Blob.objects.values_list("storage_name", flat=True))
    removed = 0
    try:
        names = list(_walk(storage, "sha256"))
    except FileNotFoundError:
        return {"removed": 0}
    for name in names:
        if name in known:
            continue
        if storage.get_modified_time(name) < cutoff:
            storage.delete(name)
            removed += 1
    return {"removed": removed}
