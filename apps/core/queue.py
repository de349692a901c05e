"""The one way tasks are queued: after the surrounding transaction commits.

A task queued for a change that is rolled back is never sent. Callers name the task and its
arguments only, so the delivery mechanism (today ``on_commit``; tomorrow perhaps a
transactional outbox) can change without touching them.
"""

from functools import partial
from typing import Any

from celery import Task
from django.db import transaction


def enqueue_on_commit(task: Task, *args: Any, using: str | None = None, **kwargs: Any) -> None:
    """Send ``task`` with these arguments once the current transaction commits."""
    transaction.on_commit(partial(task.apply_async, args=args, kwargs=kwargs), using=using)
