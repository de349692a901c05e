"""Transactional outbox: a queued task is a row written in the transaction of the change.

``enqueue_on_commit`` (``apps.core.queue``) writes an ``OutboxMessage`` with the change, so a change
rolled back leaves no task and a committed change always leaves one. Right after the commit the
row is published at once (``outbox_publish_now``) with a broker timeout of
``OUTBOX_PUBLISH_TIMEOUT`` seconds; if the broker does not answer, the user's action has still
succeeded and the row stays pending. The relay (``outbox_relay``: ``manage.py outbox_relay``, and
the beat task ``apps.core.tasks.relay_outbox``) publishes pending rows in ``id`` order and marks
them sent.

Each row is published with its own ``task_id`` as the Celery task id. A row can be published
twice (published, then a crash before it is marked sent), so every task queued this way must be
idempotent. On PostgreSQL a row is locked (``SELECT … FOR UPDATE SKIP LOCKED``) while it is
published, so two relays, or a relay and the publication after the commit, never publish the
same row at the same time; SQLite has no row locks and relies on idempotence alone.
"""

from __future__ import annotations

import logging
import time
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from celery import Celery, Task, current_app
from django.conf import settings
from django.db import connections, router, transaction
from django.db.models import Min, QuerySet
from django.utils import timezone

from .models import OutboxMessage

logger = logging.getLogger(__name__)

# After an immediate publication fails, the next ones to that broker in this process wait
# OUTBOX_PUBLISH_PAUSE_SECONDS (monotonic clock) before trying it again: during an outage a request
# pays the timeout at most once per pause. The relay clears it when it gets through.
_paused_until: dict[str, float] = {}


@dataclass(frozen=True)
class RelayResult:
    sent: int
    pending: int
    error: str = ""


def outbox_write(task: Task, args: tuple, kwargs: dict[str, Any], *, using: str | None = None) -> OutboxMessage:
    """Record ``task`` to be sent, in the caller's transaction."""
    return OutboxMessage.objects.using(using or router.db_for_write(OutboxMessage)).create(
        task_id=uuid.uuid4(), task_name=task.name, args=list(args), kwargs=dict(kwargs)
    )


def _locked(queryset: QuerySet) -> QuerySet:
    """Rows locked for this transaction, skipping those another one holds (PostgreSQL); SQLite: plain."""
    if connections[queryset.db].features.has_select_for_update_skip_locked:
        return queryset.select_for_update(skip_locked=True)
    return queryset


def _broker_connection(app: Celery):
    """A fresh connection to the broker that gives up after OUTBOX_PUBLISH_TIMEOUT seconds
    (kombu's default retries for ever when the broker is down)."""
    timeout = settings.OUTBOX_PUBLISH_TIMEOUT
    return app.connection_for_write(
        connect_timeout=timeout,
        transport_options={"max_retries": 0, "socket_connect_timeout": timeout, "socket_timeout": timeout},
    )


def _publish(app: Celery, message: OutboxMessage, connection) -> None:
    options = {"args": message.args, "kwargs": message.kwargs, "task_id": str(message.task_id)}
    task = app.tasks.get(message.task_name)
    if app.conf.task_always_eager and task is not None:
        task.apply_async(**options)  # runs here and now (tests, demo without a worker)
    elif task is not None:
        task.apply_async(**options, connection=connection, retry=False)
    else:  # a task this process does not know (another code version): the worker may
        app.send_task(message.task_name, **options, connection=connection, retry=False)


def _failed(message: OutboxMessage, error: Exception) -> str:
    text = f"{type(error).__name__}: {error}"[:500]
    OutboxMessage.objects.using(message._state.db).filter(pk=message.pk).update(
        attempts=message.attempts + 1, last_error=text
    )
    return text


def outbox_publish_now(message_id: int, *, using: str | None = None, app: Celery | None = None) -> bool:
    """Publish one row just after the commit that wrote it; True if it was sent.

    A broker that does not answer costs at most about OUTBOX_PUBLISH_TIMEOUT seconds, is logged,
    and leaves the row to the relay: the caller's action has succeeded whatever happens here.
    """
    app = app or current_app
    using = using or router.db_for_write(OutboxMessage)
    rows = OutboxMessage.objects.using(using)
    if app.conf.task_always_eager:  # tests, and a demo without a worker: the task runs here and now
        with transaction.atomic(using=using):
            message = _locked(rows.filter(pk=message_id, sent_at__isnull=True)).first()
            if message is None:
                return False
            rows.filter(pk=message.pk).update(sent_at=timezone.now())
        _publish(app, message, None)  # outside the transaction: a task's error reaches the caller
        return True
    broker = app.conf.broker_write_url
    if time.monotonic() < _paused_until.get(broker, 0.0):
        return False
    with transaction.atomic(using=using):
        message = _locked(rows.filter(pk=message_id, sent_at__isnull=True)).first()
        if message is None:
            return False  # a relay holds it, or has sent it already
        try:
            with _broker_connection(app) as connection:
                _publish(app, message, connection)
        except Exception as error:  # the broker's failures are many (kombu, redis, OS): none may fail the request
            _paused_until[broker] = time.monotonic() + settings.OUTBOX_PUBLISH_PAUSE_SECONDS
            text = _failed(message, error)
            logger.warning("Task %s (%s) left in the outbox for the relay: %s", message.task_name, message.pk, text)
            return False
        rows.filter(pk=message.pk).update(sent_at=timezone.now())
    return True


def outbox_relay(
    *, limit: int = 500, min_age: float = 0, using: str | None = None, app: Celery | None = None
) -> RelayResult:
    """Publish up to ``limit`` pending rows at least ``min_age`` seconds old, in order; mark them sent.

    The rows are locked for the whole batch and marked sent when the batch's transaction commits:
    a crash in between leaves them pending, to be published again (tasks are idempotent). The
    batch stops at the first failure, so a later row is never sent before an earlier one.
    """
    app = app or current_app
    using = using or router.db_for_write(OutboxMessage)
    rows = OutboxMessage.objects.using(using)
    cutoff = timezone.now() - timedelta(seconds=min_age)
    published: list[int] = []
    error = ""
    with transaction.atomic(using=using):
        batch = list(_locked(rows.filter(sent_at__isnull=True, created_at__lte=cutoff).order_by("id"))[:limit])
        if batch:
            try:
                with _broker_connection(app) as connection:
                    for message in batch:
                        _publish(app, message, connection)
                        published.append(message.pk)
            except Exception as exc:  # broker down or failing: the rest waits for the next pass
                error = _failed(batch[len(published)], exc)
            if published:
                rows.filter(pk__in=published).update(sent_at=timezone.now())
    if published:
        _paused_until.pop(app.conf.broker_write_url, None)
    pending = rows.filter(sent_at__isnull=True).count()
    return RelayResult(sent=len(published), pending=pending, error=error)


@dataclass(frozen=True)
class OutboxStatus:
    pending: int
    oldest_pending: datetime | None
    sent_kept: int

    @property
    def oldest_age(self) -> float:
        return (timezone.now() - self.oldest_pending).total_seconds() if self.oldest_pending else 0.0


def outbox_status(*, using: str | None = None) -> OutboxStatus:
    rows = OutboxMessage.objects.using(using or router.db_for_read(OutboxMessage))
    pending = rows.filter(sent_at__isnull=True).aggregate(oldest=Min("created_at"))
    return OutboxStatus(
        pending=rows.filter(sent_at__isnull=True).count(),
        oldest_pending=pending["oldest"],
        sent_kept=rows.filter(sent_at__isnull=False).count(),
    )


def outbox_warn_if_stale(*, using: str | None = None) -> OutboxStatus:
    """Log a warning when a row has waited more than OUTBOX_WARN_PENDING_SECONDS."""
    status = outbox_status(using=using)
    if status.pending and status.oldest_age > settings.OUTBOX_WARN_PENDING_SECONDS:
        logger.warning(
            "%d tasks pending in the outbox, the oldest for %d s: is the broker or the relay down?",
            status.pending,
            status.oldest_age,
        )
    return status


def outbox_purge(*, using: str | None = None) -> int:
    """Delete rows sent more than OUTBOX_KEEP_SENT_DAYS days ago; returns how many. Pending rows stay."""
    cutoff = timezone.now() - timedelta(days=settings.OUTBOX_KEEP_SENT_DAYS)
    deleted, _ = (
        OutboxMessage.objects.using(using or router.db_for_write(OutboxMessage)).filter(sent_at__lt=cutoff).delete()
    )
    return deleted
