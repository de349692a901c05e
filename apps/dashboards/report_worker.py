"""The worker's part of the case-file report: draw it up, register it, list its evidence in custody.

The finished PDF is registered as evidence of the case (source "drawn up by the CNIL": stored by its
SHA-256, with its first custody event), and each evidence item it lists gets an ``exported`` custody
event (``evidence_export_record``), in the same transaction, with an audit event naming the report.
"""

from __future__ import annotations

import logging
import re

from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from apps.audit.choices import AuditAction
from apps.audit.services import audit_record
from apps.cases.models import Case
from apps.evidence.choices import EvidenceSource
from apps.evidence.services import evidence_export_record, evidence_register

from . import report
from .choices import ReportStatus
from .models import ReportJob

logger = logging.getLogger(__name__)


def _progress(job_id: int) -> report.Progress:
    def on_progress(percent: int, phase: str) -> None:
        # Outside any transaction: the page polling the job sees each step as it happens.
        ReportJob.objects.filter(pk=job_id, status=ReportStatus.RUNNING).update(progress=percent, phase=phase)

    return on_progress


def _filename(case: Case) -> str:
    safe = re.sub(r"[^A-Za-z0-9._-]+", "-", case.reference).strip("-.") or "affaire"
    return f"dossier-{safe}-{timezone.localtime():%Y%m%d-%H%M}.pdf"


def report_job_run(job_id: int) -> ReportJob:
    """Draw up the report of a queued job; a job already finished is left as it is (a task run twice).

    A job found running was started by a worker that died (the task is acknowledged late), or is
    being drawn up by another copy of the task (the outbox relay may send it twice): it runs again,
    and registering the PDF is guarded by the job's row lock, so it happens once.
    """
    with transaction.atomic():
        job = ReportJob.objects.select_for_update().select_related("case", "requested_by").get(pk=job_id)
        if not job.is_running:
            return job
        job.status, job.progress, job.phase, job.error = ReportStatus.RUNNING, 5, "case", ""
        job.save(update_fields=["status", "progress", "phase", "error"])
    try:
        content = report.report_context(job.case, on_progress=_progress(job.pk))
        pdf = report.report_render(content, requested_by=job.requested_by)
        _progress(job.pk)(90, "registering")
        return _register(job.pk, content, pdf)
    except Exception as exc:
        logger.exception("Case-file report %s failed", job_id)
        # A copy of the task that failed never marks failed a job another copy completed.
        ReportJob.objects.filter(pk=job_id, evidence__isnull=True).update(
            status=ReportStatus.FAILED, error=f"{type(exc).__name__}: {exc}"[:2000], finished_at=timezone.now()
        )
        return ReportJob.objects.get(pk=job_id)


@transaction.atomic
def _register(job_id: int, content: report.ReportContent, pdf: bytes) -> ReportJob:
    job = ReportJob.objects.select_for_update().select_related("case", "requested_by").get(pk=job_id)
    if job.evidence_id is not None:
        return job
    case, actor = job.case, job.requested_by
    title = report.report_title(case)
    with translation.override(report.REPORT_LANGUAGE):
        description = _(
            "Case-file report drawn up by cnilcase: %(count)d evidence items listed, audit chain head No. %(seq)s."
        ) % {"count": len(content.evidence_ids), "seq": content.chain_seq or 0}
    evidence = evidence_register(
        actor=actor,
        case=case,
        upload=ContentFile(pdf, name=_filename(case)),
        title=title,
        source=EvidenceSource.CNIL,
        description=description,
        collected_at=timezone.now(),
        collected_by=actor,
    )
    evidence_export_record(
        actor=actor,
        case=case,
        evidence_ids=content.evidence_ids,
        document=title,
        report=evidence.pk,
        report_sha256=evidence.blob.sha256,
    )
    audit_record(
        actor=actor,
        action=AuditAction.DOCUMENT_GENERATED,
        summary=_("“%(title)s” generated as PDF and registered as evidence") % {"title": title},
        object_type="dashboards.reportjob",
        object_id=str(job.pk),
        case_id=case.pk,
        data={
            "job": job.pk,
            "evidence": evidence.pk,
            "sha256": evidence.blob.sha256,
            "listed": len(content.evidence_ids),
            "chain_seq": content.chain_seq,
            "chain_hash": content.chain_hash,
        },
    )
    job.status, job.progress, job.phase = ReportStatus.COMPLETED, 100, "done"
    job.evidence, job.listed_count = evidence, len(content.evidence_ids)
    job.chain_seq, job.chain_hash, job.finished_at = content.chain_seq, content.chain_hash, timezone.now()
    job.save(
        update_fields=[
            "status",
            "progress",
            "phase",
            "evidence",
            "listed_count",
            "chain_seq",
            "chain_hash",
            "finished_at",
        ]
    )
    return job
