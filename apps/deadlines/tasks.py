"""Periodic deadline work: reminders before due dates, escalation of missed deadlines."""

from celery import shared_task

from .reminders import reminders_send_due


@shared_task(acks_late=True)
def send_deadline_reminders() -> dict:
    """Hourly (CELERY_BEAT_SCHEDULE). Safe to run twice, or two at once: every reminder is claimed
    under a unique constraint before it is sent, so each goes once (see ``reminders``)."""
    return reminders_send_due()
