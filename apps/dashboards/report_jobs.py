"""Asking for a case-file report: the job is queued, and the worker draws it up (``report_worker``).

Every report is drawn up by the Celery worker, small or large: one code path, and the page that
asked shows its progress (polled) whatever the size.
"""

from __future__ import annotations

from django.db import transaction

from apps.cases.models import Case
from apps.core.queue import enqueue_on_commit

from . import tasks
from .models import ReportJob


@transaction.atomic
def report_request(*, actor, case: Case) -> ReportJob:
    """Queue a case-file report of ``case`` for ``actor`` (who may change the case: the caller checked).

    The job records who asked and when; the audit event is written when the report is registered,
    naming its hash.
    """
    job = ReportJob.objects.create(case=case, requested_by=actor)
    enqueue_on_commit(tasks.run_report_job, job.pk)
    return job
