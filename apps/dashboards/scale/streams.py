"""One ``COPY ... FROM STDIN`` stream per table, each on its own connection, fed with text lines.

Each connection runs with ``session_replication_role = replica`` (no foreign-key checks, no
ordinary triggers: the rows are consistent by construction; the one trigger whose work is needed,
evidence's search vector, is switched to ALWAYS for the load by ``run``) and without synchronous
commit. Rows are sent by blocks of ``BLOCK`` lines, so PostgreSQL works on one block while
Python builds the next.
"""

from __future__ import annotations

import time

import psycopg
from django.db import connection

BLOCK = 10_000


def connect() -> psycopg.Connection:
    params = connection.get_connection_params()
    params.pop("cursor_factory", None)
    params.pop("context", None)
    params.pop("prepare_threshold", None)
    conn = psycopg.connect(**params)
    conn.execute("SET session_replication_role = replica")
    conn.execute("SET synchronous_commit = off")
    conn.execute("SET maintenance_work_mem = '256MB'")
    return conn


class Stream:
    """Lines for one table; ``add`` takes the row's fields already as COPY text ("\\N" for NULL)."""

    __slots__ = ("_cm", "_copy", "_lines", "conn", "rows", "seconds_closing", "table")

    def __init__(self, table: str, columns: str):
        self.table = table
        self.conn = connect()
        self._cm = self.conn.cursor().copy(f"COPY {table} ({columns}) FROM STDIN")
        self._copy = self._cm.__enter__()
        self._lines: list[str] = []
        self.rows = 0
        self.seconds_closing = 0.0

    def add(self, *fields: str) -> None:
        self._lines.append("\t".join(fields))
        if len(self._lines) >= BLOCK:
            self.flush()

    def flush(self) -> None:
        if self._lines:
            self.rows += len(self._lines)
            self._copy.write("\n".join(self._lines) + "\n")
            self._lines = []

    def close(self) -> None:
        started = time.perf_counter()
        self.flush()
        self._cm.__exit__(None, None, None)
        self.conn.commit()
        self.conn.close()
        self.seconds_closing = time.perf_counter() - started


class Streams(dict):
    """``streams[table]``: the table's stream, opened on first use with the columns given once."""

    def __init__(self, columns: dict[str, str]):
        super().__init__()
        self.columns = columns

    def __missing__(self, table: str) -> Stream:
        stream = self[table] = Stream(table, self.columns[table])
        return stream

    def rows(self) -> dict[str, int]:
        return {table: stream.rows + len(stream._lines) for table, stream in self.items()}

    def close(self) -> dict[str, float]:
        closing = {}
        for table, stream in self.items():
            stream.close()
            closing[table] = round(stream.seconds_closing, 2)
        return closing


def text(value) -> str:
    """COPY text of any value (slow path: the generators format their hot fields themselves)."""
    if value is None:
        return "\\N"
    if value is True:
        return "t"
    if value is False:
        return "f"
    return str(value).replace("\\", "\\\\").replace("\t", " ").replace("\n", "\\n")
