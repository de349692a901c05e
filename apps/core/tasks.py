"""The outbox relay as a beat task: belt and braces beside ``manage.py outbox_relay``.

Beat goes through the broker, so this one runs only when the broker is up; the management command
is what sends the tasks left behind by an outage. Rows younger than a minute are left to the
publication after the commit and to the command.
"""

from celery import shared_task

from .outbox import outbox_purge, outbox_relay, outbox_warn_if_stale


@shared_task(acks_late=True)
def relay_outbox() -> dict:
    result = outbox_relay(min_age=60)
    status = outbox_warn_if_stale()
    return {"sent": result.sent, "pending": status.pending, "purged": outbox_purge(), "error": result.error}
