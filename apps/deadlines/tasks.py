"""Periodic deadline work: reminders before due dates, escalation of missed deadlines."""

import uuid

from celery import shared_task

from .reminders import reminders_send_due


@shared_task(bind=True, acks_late=True, reject_on_worker_lost=True)
def send_deadline_reminders(self) -> dict:
    """Hourly (CELERY_BEAT_SCHEDULE). Safe to run twice, or two at once: every reminder is claimed
    under a unique constraint before it is sent, so each goes once (see ``reminders``).

    A worker killed mid-run puts the message back (``reject_on_worker_lost``); the redelivered task
    claims under the same token (its id), so it sends what the dead run claimed but had not sent.
    """
    return reminders_send_due(token=uuid.UUID(self.request.id) if self.request.id else None)
