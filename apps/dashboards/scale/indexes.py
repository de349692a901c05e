"""Secondary indexes and unique constraints off during the load, rebuilt after it.

Building an index once over a loaded table costs a fraction of maintaining it row by row (a GIN
index above all). Before anything is dropped, the statements that rebuild exactly what was there
(``pg_get_indexdef``, ``pg_get_constraintdef``) are written to ``var/seed_scale_indexes.sql``: a
run that stops half way can be repaired with ``psql -f`` (or the database dropped: seeding needs
an empty database anyway). Primary keys stay: the ids are loaded in increasing order, so their
b-trees only grow at the right edge, and foreign keys hang on them.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from django.db import connection

from .streams import connect

INDEXES = """
SELECT c.relname, pg_get_indexdef(i.indexrelid), pg_relation_size(i.indrelid)
FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid
WHERE i.indrelid = %s::regclass AND NOT i.indisprimary
  AND NOT EXISTS (SELECT 1 FROM pg_constraint k WHERE k.conindid = i.indexrelid)
"""
# Unique constraints no foreign key depends on (a dependent foreign key would refuse the drop).
CONSTRAINTS = """
SELECT k.conname, pg_get_constraintdef(k.oid)
FROM pg_constraint k
WHERE k.conrelid = %s::regclass AND k.contype = 'u'
  AND NOT EXISTS (SELECT 1 FROM pg_constraint f WHERE f.contype = 'f' AND f.conindid = k.conindid)
"""


def drop(tables, saved: Path) -> list[tuple[str, str]]:
    """Drop the secondary indexes and unique constraints of ``tables``; returns (table, statement)
    pairs that rebuild them."""
    rebuild: list[tuple[str, str]] = []
    drops: list[str] = []
    with connection.cursor() as cursor:
        for table in tables:
            cursor.execute(INDEXES, [table])
            for name, definition, _size in cursor.fetchall():
                rebuild.append((table, definition))
                drops.append(f'DROP INDEX "{name}"')
            cursor.execute(CONSTRAINTS, [table])
            for name, definition in cursor.fetchall():
                rebuild.append((table, f'ALTER TABLE "{table}" ADD CONSTRAINT "{name}" {definition}'))
                drops.append(f'ALTER TABLE "{table}" DROP CONSTRAINT "{name}"')
        saved.parent.mkdir(exist_ok=True)
        saved.write_text("".join(f"{statement};\n" for _table, statement in rebuild))
        for statement in drops:
            cursor.execute(statement)
    return rebuild


def _build(statements: list[str]) -> None:
    conn = connect()
    try:
        conn.execute("SET maintenance_work_mem = '512MB'")
        for statement in statements:
            conn.execute(statement)
        conn.commit()
    finally:
        conn.close()


def rebuild(statements: list[tuple[str, str]], workers: int = 2) -> None:
    """Run the statements on ``workers`` connections, the biggest tables' first, one table's
    statements on one connection (two builds on one table would wait for each other's lock)."""
    by_table: dict[str, list[str]] = {}
    for table, statement in statements:
        by_table.setdefault(table, []).append(statement)
    with connection.cursor() as cursor:
        sizes = {}
        for table in by_table:
            cursor.execute("SELECT pg_relation_size(%s::regclass)", [table])
            sizes[table] = cursor.fetchone()[0]
    queues: list[list[str]] = [[] for _ in range(workers)]
    loads = [0] * workers
    for table in sorted(by_table, key=lambda name: -sizes[name] * len(by_table[name])):
        lightest = loads.index(min(loads))
        queues[lightest].extend(by_table[table])
        loads[lightest] += sizes[table] * len(by_table[table])
    with ThreadPoolExecutor(workers) as pool:
        for future in [pool.submit(_build, queue) for queue in queues if queue]:
            future.result()
