"""The worker's part of the dashboards app: drawing up case-file reports."""

from celery import shared_task

from . import report_worker


@shared_task(acks_late=True, reject_on_worker_lost=True)
def run_report_job(job_id: int) -> dict:
    """Draw up one queued case-file report; a job already finished is left as it is."""
    job = report_worker.report_job_run(job_id)
    return {"status": job.status, "evidence": job.evidence_id}
