"""Set-based loading of pseudonymised campaign records: staging table, duplicates, merge, counts.

PostgreSQL: binary ``COPY`` into a temporary table, in batches so progress can be shown. SQLite
(the embedded default): the same records inserted in batches — slower, same SQL afterwards.
Everything after the load is one set of SQL statements shared by both databases.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from django.conf import settings
from django.db import connection, transaction

from .models import CampaignRecipient
from .pseudonymise import COPY_HEADER, COPY_TRAILER, RECORD, RECORD_SIZE

STAGING = "campaign_staging"
BATCH_RECORDS = 1_000_000


def create_staging() -> None:
    with connection.cursor() as cursor:
        cursor.execute(f"DROP TABLE IF EXISTS {STAGING}")
        cursor.execute(
            f"CREATE TEMPORARY TABLE {STAGING} "
            "(line_no bigint NOT NULL, id_hash bytea NOT NULL, channel smallint NOT NULL, "
            "status smallint NOT NULL, status_date date NOT NULL)"
        )


def drop_staging() -> None:
    with connection.cursor() as cursor:
        cursor.execute(f"DROP TABLE IF EXISTS {STAGING}")


def _batches(files: Iterable, size: int) -> Iterable[bytes]:
    for file in files:
        while chunk := file.read(size * RECORD_SIZE):
            if len(chunk) % RECORD_SIZE:
                raise ValueError("truncated record file")
            yield chunk


def load(files: Iterable, on_progress: Callable[[int], None]) -> int:
    """Load record files into the staging table; ``on_progress(rows so far)`` after each batch."""
    loaded = 0
    with connection.cursor() as cursor:
        for chunk in _batches(files, BATCH_RECORDS):
            if connection.vendor == "postgresql":
                with cursor.cursor.copy(f"COPY {STAGING} FROM STDIN (FORMAT BINARY)") as copy:
                    copy.write(COPY_HEADER)
                    copy.write(chunk)
                    copy.write(COPY_TRAILER)
            else:
                cursor.executemany(
                    f"INSERT INTO {STAGING} VALUES (%s, %s, %s, %s, date(%s + 2451545))",
                    [
                        (line, digest, ch, st, day)
                        for _, _, line, _, digest, _, ch, _, st, _, day in RECORD.iter_unpack(chunk)
                    ],
                )
            loaded += len(chunk) // RECORD_SIZE
            on_progress(loaded)
    return loaded


def large_sorts() -> None:
    """Inside a transaction on PostgreSQL: sort and hash tens of millions of rows in memory, not on disk."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL work_mem = %s", [settings.CAMPAIGN_IMPORT_WORK_MEM])


def duplicates() -> list[tuple[int, int]]:
    """(line, first line) of every row whose identifier and channel appear more than once."""
    with transaction.atomic(), connection.cursor() as cursor:
        large_sorts()
        cursor.execute(
            f"SELECT s.line_no, d.first_line FROM {STAGING} s JOIN ("
            f"  SELECT id_hash, channel, MIN(line_no) AS first_line FROM {STAGING}"
            "   GROUP BY id_hash, channel HAVING COUNT(*) > 1"
            ") d ON s.id_hash = d.id_hash AND s.channel = d.channel ORDER BY s.line_no"
        )
        return cursor.fetchall()


def is_repeated_key(error: Exception) -> bool:
    """A merge that failed on a key present twice in the staged rows (PostgreSQL)."""
    # 23505 unique_violation (plain insert); 21000 cardinality_violation (upsert touching a row twice)
    return getattr(error.__cause__, "sqlstate", None) in ("23505", "21000")


def drop_duplicates() -> None:
    with connection.cursor() as cursor:
        cursor.execute(
            f"DELETE FROM {STAGING} WHERE (id_hash, channel) IN ("
            f"  SELECT id_hash, channel FROM {STAGING} GROUP BY id_hash, channel HAVING COUNT(*) > 1)"
        )


def merge(campaign_id: int) -> tuple[int, int]:
    """Upsert the staged rows, the latest date winning; returns (inserted, updated).

    Rows are sent in key order, so the primary key's B-tree is filled sequentially. A campaign's
    first report is a plain insert (duplicates are already gone; the caller holds the campaign's
    row lock): half the time of an upsert on PostgreSQL.
    """
    table = CampaignRecipient._meta.db_table
    large_sorts()
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT COUNT(*) FROM {table} WHERE campaign_id = %s", [campaign_id])
        before = cursor.fetchone()[0]
        if before == 0:
            cursor.execute(
                f"INSERT INTO {table} (campaign_id, id_hash, channel, status, status_date) "
                f"SELECT %s, id_hash, channel, status, status_date FROM {STAGING} ORDER BY id_hash, channel",
                [campaign_id],
            )
            return cursor.rowcount, 0
        cursor.execute(
            f"INSERT INTO {table} (campaign_id, id_hash, channel, status, status_date) "
            f"SELECT %s, id_hash, channel, status, status_date FROM {STAGING} WHERE true "
            "ORDER BY id_hash, channel "
            "ON CONFLICT (campaign_id, id_hash, channel) DO UPDATE "
            "SET status = excluded.status, status_date = excluded.status_date "
            f"WHERE excluded.status_date > {table}.status_date",
            [campaign_id],
        )
        changed = cursor.rowcount
        cursor.execute(f"SELECT COUNT(*) FROM {table} WHERE campaign_id = %s", [campaign_id])
        inserted = cursor.fetchone()[0] - before
    return inserted, changed - inserted


def person_counts(campaign_id: int) -> tuple[int, int]:
    """(informed, failed) data subjects: informed by at least one channel; failed on every channel tried.

    Inside the merge's transaction (the planner settings below last until its end).
    """
    table = CampaignRecipient._meta.db_table
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # Stream the primary key's order (campaign, identifier hash) into a group aggregate:
            # three times faster than hashing tens of millions of 16-byte keys.
            for setting in ("enable_hashagg", "enable_sort", "enable_bitmapscan"):
                cursor.execute(f"SET LOCAL {setting} = off")
        cursor.execute(
            "SELECT COALESCE(SUM(informed), 0), COALESCE(SUM(1 - informed), 0) FROM ("
            f"  SELECT MAX(CASE WHEN status = 1 THEN 1 ELSE 0 END) AS informed FROM {table}"
            "   WHERE campaign_id = %s GROUP BY id_hash) AS people",
            [campaign_id],
        )
        informed, failed = cursor.fetchone()
    return int(informed), int(failed)
