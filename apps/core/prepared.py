"""A cursor whose statements PostgreSQL may keep prepared, for the few hot queries worth it.

Django's PostgreSQL cursors bind parameters on the client and never prepare. A query whose
planning costs more than its run (the timeline's union over thirty sources: about 9 ms of planning
for 1 to 3 ms of execution at a million cases) is sent through :func:`prepared_cursor` instead:
server-side binding, so psycopg prepares it after ``PG_PREPARE_THRESHOLD`` runs on the same
connection (connections live ``CONN_MAX_AGE`` seconds), and PostgreSQL then reuses its plan. The
cursor is wrapped like Django's own, so its queries are logged, counted by tests and their errors
translated to Django's. On SQLite, or with ``PG_PREPARE_THRESHOLD=0``, it is Django's usual cursor.
"""

from __future__ import annotations

from django.db import DEFAULT_DB_ALIAS, connections
from django.db.backends.utils import CursorDebugWrapper, CursorWrapper


def prepared_cursor(using: str = DEFAULT_DB_ALIAS):
    connection = connections[using]
    if connection.vendor != "postgresql" or not connection.settings_dict["OPTIONS"].get("prepare_threshold"):
        return connection.cursor()
    from django.db.backends.postgresql.base import ServerBindingCursor

    connection.ensure_connection()
    cursor = ServerBindingCursor(connection.connection)
    return (CursorDebugWrapper if connection.queries_logged else CursorWrapper)(cursor, connection)
