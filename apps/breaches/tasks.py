"""The worker's part of an Art. 34 campaign report import."""

from celery import shared_task

from . import services


@shared_task(acks_late=True)
def run_campaign_import(import_id: int) -> dict:
    """Load, check and merge one received report; a redelivered task finds it already run."""
    imported = services.campaign_import_run(import_id)
    return {"status": imported.status, "inserted": imported.inserted, "updated": imported.updated}
