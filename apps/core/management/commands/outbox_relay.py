"""``python manage.py outbox_relay``: send the tasks left in the outbox, in order, for ever.

Started by ``make run`` beside the worker; it needs the database only, not the broker, to start
(beat goes through the broker, so it cannot be what recovers from a broker outage). Every
OUTBOX_RELAY_INTERVAL seconds it publishes pending rows; while the broker fails it waits twice as
long each time, up to OUTBOX_RELAY_MAX_BACKOFF seconds. Once a minute it logs a warning if a row
has waited more than OUTBOX_WARN_PENDING_SECONDS; once an hour it purges rows sent more than
OUTBOX_KEEP_SENT_DAYS days ago.

``--once``: one pass, then exit (tests, cron). ``--status``: print the pending count and exit.
"""

from __future__ import annotations

import logging
import time

from django.conf import settings
from django.core.management.base import BaseCommand
from django.db import close_old_connections

from apps.core.outbox import outbox_purge, outbox_relay, outbox_status, outbox_warn_if_stale

logger = logging.getLogger("apps.core.outbox")


class Command(BaseCommand):
    help = "Publish the tasks pending in the outbox to the broker (in a loop; --once for one pass)."

    def add_arguments(self, parser):
        parser.add_argument("--once", action="store_true", help="one pass, then exit")
        parser.add_argument("--status", action="store_true", help="print the pending count and exit")
        parser.add_argument("--limit", type=int, default=500, help="rows per pass (default 500)")
        parser.add_argument(
            "--min-age", type=float, default=1.0, help="leave rows younger than this (s) to the publication at commit"
        )

    def handle(self, *args, once=False, status=False, limit=500, min_age=1.0, **options):
        if status:
            self._print_status()
            return
        if once:
            result = outbox_relay(limit=limit, min_age=min_age)
            outbox_warn_if_stale()
            error = f", {result.error}" if result.error else ""
            self.stdout.write(f"sent {result.sent}, pending {result.pending}{error}")
            return
        self._loop(limit, min_age)

    def _print_status(self):
        status = outbox_status()
        self.stdout.write(f"pending {status.pending}")
        if status.pending:
            self.stdout.write(f"oldest pending since {status.oldest_pending.isoformat()} ({status.oldest_age:.0f} s)")
        self.stdout.write(f"sent and kept {status.sent_kept} (purged after {settings.OUTBOX_KEEP_SENT_DAYS} days)")

    def _loop(self, limit: int, min_age: float):
        logger.info("Outbox relay started")
        failures, last_warning, last_purge = 0, 0.0, 0.0
        while True:
            close_old_connections()  # survive a database restart
            try:
                result = outbox_relay(limit=limit, min_age=min_age)
                now = time.monotonic()
                if now - last_warning >= 60:
                    outbox_warn_if_stale()
                    last_warning = now
                if now - last_purge >= 3600:
                    outbox_purge()
                    last_purge = now
            except Exception:  # the database down: wait and try again, never die
                logger.exception("Outbox relay pass failed")
                result = None
            if result is not None and not result.error:
                failures = 0
                if result.sent == limit:
                    continue  # more waiting: no pause
                delay = settings.OUTBOX_RELAY_INTERVAL
            else:
                failures += 1
                delay = min(settings.OUTBOX_RELAY_INTERVAL * 2**failures, settings.OUTBOX_RELAY_MAX_BACKOFF)
                if result is not None:
                    logger.warning("Broker unreachable, %d tasks pending, next try in %.1f s", result.pending, delay)
            time.sleep(delay)
