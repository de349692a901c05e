"""The one way tasks are queued: written with the change, sent once it commits (a transactional outbox).

``enqueue_on_commit`` records the task in the outbox table (``apps.core.outbox``) in the caller's
transaction: a change rolled back queues nothing, and a committed change always leaves its task,
even if the broker is down at that moment (the relay sends it later). Callers name the task and
its arguments only (JSON values); the task must be idempotent, since the relay may send a row
twice after a crash.
"""

from functools import partial
from typing import Any

from celery import Task
from django.db import transaction

from .outbox import outbox_publish_now, outbox_write


def enqueue_on_commit(task: Task, *args: Any, using: str | None = None, **kwargs: Any) -> None:
    """Record ``task`` with these arguments in this transaction; send it once the transaction commits."""
    message = outbox_write(task, args, kwargs, using=using)
    transaction.on_commit(partial(outbox_publish_now, message.pk, using=message._state.db, app=task.app), using=using)
