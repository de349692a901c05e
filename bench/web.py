"""Page benchmarks on the ``seed_scale`` database, the app served by gunicorn on loopback.

For each page a user opens (case list at any depth and with filters, a large and a small case,
the timeline, the manager dashboard, search, the portal's request list) it measures:

- **server time**: ``--repeat`` sequential requests over loopback to gunicorn (production
  settings: DEBUG off), p50/p95 of the time to the last byte;
- **baseline, measured in the same run**: the very SQL statements the page ran (captured once
  in-process with Django's test client on the same database), replayed raw with psycopg — the
  time the database alone needs for the page. The ratio page/SQL says what Django, the templates
  and the transport add; absolute times drift on a shared machine, ratios much less;
- the number of queries, and every sequential scan of a table in their plans (``EXPLAIN``):
  the dashboard must not scan a base table at request time.

Usage (after ``python manage.py seed_scale``): python bench/web.py [--repeat 50] [--json out.json]
Needs the manifest ``var/seed_scale.json`` that ``seed_scale`` writes.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import signal
import socket
import statistics
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import quote

ROOT = Path(__file__).resolve().parent.parent
MANIFEST = ROOT / "var" / "seed_scale.json"
# The raw replay runs on a connection set up like the app's (cnilcase/settings.py: PG_OPTIONS).
APP_PG_OPTIONS = os.environ.get("PG_OPTIONS", "-c jit=off")
SEED_HINT = (
    "No seeded database to measure: run `make seed-scale` first (python manage.py seed_scale --cases 1000000, "
    "about {minutes} on two cores), then `make bench`."
)

# A sequential scan of a table this small (the user's groups, the one-row snapshot, an empty
# notification table...) is the planner's right choice, not a base-table scan.
SMALL_TABLE_ROWS = 10_000

# Production-like environment for gunicorn and for the in-process capture.
BENCH_ENV = {
    "SECRET_KEY": "bench-only-secret-key",
    "IDENTIFIER_HMAC_KEY": "bench-only-identifier-key",
    "DEBUG": "0",
    "STATIC_MANIFEST": "false",
    "ALLOWED_HOSTS": "127.0.0.1,localhost,testserver",
    "CELERY_TASK_ALWAYS_EAGER": "true",
    "LOG_LEVEL": "WARNING",
}


def load_manifest(path: Path = MANIFEST) -> dict | None:
    if not path.exists():
        return None
    return json.loads(path.read_text())


def database_ready(url: str) -> bool:
    """True when the database named in the manifest exists and holds the seeded cases."""
    import psycopg

    try:
        with psycopg.connect(url, connect_timeout=5) as conn:
            return conn.execute("SELECT EXISTS (SELECT 1 FROM cases_case)").fetchone()[0]
    except psycopg.Error:
        return False


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Server:
    """gunicorn serving the app on a free loopback port; stopped on exit."""

    def __init__(self, env: dict, workers: int = 2, threads: int = 4):
        self.port = free_port()
        self.proc = subprocess.Popen(
            [
                str(Path(sys.executable).with_name("gunicorn")),
                "cnilcase.wsgi",
                "-b",
                f"127.0.0.1:{self.port}",
                "-w",
                str(workers),
                "-k",
                "gthread",
                "--threads",
                str(threads),
                "--timeout",
                "120",
                "--log-level",
                "warning",
            ],
            cwd=ROOT,
            env=env,
        )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=1):
                    return
            except OSError:
                time.sleep(0.2)
        self.stop()
        raise RuntimeError("gunicorn did not start")

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(20)
            except subprocess.TimeoutExpired:
                self.proc.kill()


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q * (len(ordered) - 1))))]


def http_times(port: int, path: str, session: str, repeat: int) -> tuple[list[float], int, int]:
    """Milliseconds to the last byte of ``repeat`` requests (after 3 warm-ups); status and size."""
    headers = {"Cookie": f"sessionid={session}", "Accept-Language": "fr", "Connection": "keep-alive"}
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
    times, status, size = [], 0, 0
    for n in range(repeat + 3):
        started = time.perf_counter()
        try:
            conn.request("GET", path, headers=headers)
            response = conn.getresponse()
            body = response.read()
        except (http.client.HTTPException, OSError):
            conn.close()
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
            conn.request("GET", path, headers=headers)
            response = conn.getresponse()
            body = response.read()
        elapsed = (time.perf_counter() - started) * 1000
        status, size = response.status, len(body)
        if n >= 3:
            times.append(elapsed)
    conn.close()
    return times, status, size


def captured_sql(path: str, session: str) -> tuple[list[str], int]:
    """The SQL the page runs, captured in-process (Django test client on the same database)."""
    from django.conf import settings
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    client = Client(HTTP_ACCEPT_LANGUAGE="fr")
    client.cookies[settings.SESSION_COOKIE_NAME] = session
    # Statements the app keeps prepared (apps.core.prepared) are logged with $n placeholders: captured
    # here through Django's usual cursor, with their values, to be replayed. The replay's connection
    # prepares every statement it runs five times (psycopg's default), the app's only those.
    connection.settings_dict["OPTIONS"].pop("prepare_threshold", None)
    with CaptureQueriesContext(connection) as queries:
        response = client.get(path)
    return [q["sql"] for q in queries.captured_queries], response.status_code


def _is_read(sql: str) -> bool:
    return sql.lstrip().upper().startswith(("SELECT", "WITH"))


def sql_times(url: str, statements: list[str], repeat: int) -> tuple[list[float], list[float], list[float]]:
    """The page's SELECTs replayed raw ``repeat`` times (after 3 warm-ups), in milliseconds: the
    whole set, its slowest statement (the page's main query), and a ``SELECT 1`` round trip on the
    same connection (the floor of any statement here)."""
    import psycopg

    reads = [s.replace("%", "%%") for s in statements if _is_read(s)]
    totals, per_statement, floor = [], [[] for _ in reads], []
    with psycopg.connect(url, autocommit=True, options=APP_PG_OPTIONS) as conn:
        for n in range(repeat + 3):
            started = time.perf_counter()
            for i, sql in enumerate(reads):
                one = time.perf_counter()
                conn.execute(sql).fetchall()
                if n >= 3:
                    per_statement[i].append((time.perf_counter() - one) * 1000)
            elapsed = (time.perf_counter() - started) * 1000
            one = time.perf_counter()
            conn.execute("SELECT 1").fetchall()
            if n >= 3:
                totals.append(elapsed)
                floor.append((time.perf_counter() - one) * 1000)
    slowest = max(per_statement, key=lambda times: percentile(times, 0.95), default=[0.0])
    return totals, slowest, floor


def large_tables(url: str, tables: list[str]) -> list[str]:
    """Those of ``tables`` holding more than SMALL_TABLE_ROWS rows (counted up to one past it)."""
    import psycopg
    from psycopg import sql

    with psycopg.connect(url, autocommit=True) as conn:
        return [
            table
            for table in tables
            if conn.execute(
                sql.SQL("SELECT count(*) FROM (SELECT 1 FROM {} LIMIT %s) t").format(sql.Identifier(table)),
                [SMALL_TABLE_ROWS + 1],
            ).fetchone()[0]
            > SMALL_TABLE_ROWS
        ]


def seq_scans(url: str, statements: list[str]) -> list[str]:
    """Tables read by a sequential scan in the plans of the page's SELECTs."""
    import psycopg

    found = []

    def walk(node):
        if node.get("Node Type") == "Seq Scan":
            found.append(node.get("Relation Name", "?"))
        for child in node.get("Plans", []):
            walk(child)

    with psycopg.connect(url, autocommit=True, options=APP_PG_OPTIONS) as conn:
        for sql in statements:
            if _is_read(sql):
                plan = conn.execute("EXPLAIN (FORMAT JSON) " + sql.replace("%", "%%")).fetchone()[0]
                walk(plan[0]["Plan"])
    return sorted(set(found))


def cursor_at(queryset, order: tuple[str, ...], offset: int) -> str:
    """The keyset cursor (``?after=``) that opens the page starting after row ``offset``."""
    from apps.core.pagination import _encode, _value

    row = queryset.order_by(*order)[offset]
    return _encode([_value(row, field.lstrip("-")) for field in order])


def scenarios(manifest: dict) -> list[dict]:
    """The pages measured: (label, user key, path, goal in ms, which figure the goal is on)."""
    from django.contrib.auth import get_user_model

    from apps.cases.models import Case
    from apps.cases.selectors import CaseFilters, case_list_for_user

    User = get_user_model()  # noqa: N806
    users = {key: User.objects.get(email=manifest["users"][key]) for key in ("manager", "investigator", "portal")}
    large, small = manifest["cases"]["large"], manifest["cases"]["small"]
    total = manifest["counts"]["cases_case"]
    order = ("-last_activity_at", "-id")
    everything = case_list_for_user(users["manager"], CaseFilters())
    middle = cursor_at(everything, order, total // 2)
    last = cursor_at(everything, order, max(0, total - 26))
    status = Case.objects.filter(pk=large).values_list("status", flat=True).get()
    filtered = case_list_for_user(users["manager"], CaseFilters(status=status))
    filtered_total = filtered.count()
    filtered_middle = cursor_at(filtered, order, filtered_total // 2)
    investigator = users["investigator"]
    mine = case_list_for_user(investigator, CaseFilters(assignee=investigator.pk))
    mine_middle = cursor_at(mine, order, max(0, mine.count() // 2))
    word = manifest["search_words"][0]
    sector = manifest.get("sector_id", 1)
    mine_path = f"/cases/?assignee={investigator.pk}"
    pages = [
        ("case list, first page", "manager", "/cases/", 50, {}),
        ("case list, middle page", "manager", f"/cases/?after={middle}", 50, {}),
        ("case list, last page", "manager", f"/cases/?after={last}", 50, {}),
        ("case list, status filter, middle", "manager", f"/cases/?status={status}&after={filtered_middle}", 50, {}),
        ("case list, status + origin filters", "manager", f"/cases/?status={status}&origin=complaint", 50, {}),
        ("case list, sector filter", "manager", f"/cases/?sector={sector}", 50, {}),
        ("investigator: my cases (guardian, 1k of 1M)", "investigator", mine_path, 50, {"sql_goal": 5}),
        ("investigator: my cases, middle", "investigator", f"{mine_path}&after={mine_middle}", 50, {"sql_goal": 5}),
        ("case detail, large case", "manager", f"/cases/{large}/", 50, {"queries_goal": 15}),
        ("case detail, small case", "manager", f"/cases/{small}/", 50, {"queries_goal": 15}),
        ("case timeline, large case", "manager", f"/cases/{large}/tab/timeline/", 80, {}),
        ("manager dashboard", "manager", "/dashboard/", 100, {"no_scan": True}),
        ("search (French full text)", "investigator", f"/search/?q={quote(word)}", 50, {}),
        ("portal: request list", "portal", "/portal/", 50, {"sql_goal": 2}),
    ]
    return [
        {"label": label, "user": user, "path": path, "goal": goal, **extra} for label, user, path, goal, extra in pages
    ], users


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=50)
    parser.add_argument("--json", type=Path, help="write the figures here")
    parser.add_argument("--only", help="measure only the pages whose label contains this text")
    parser.add_argument("--manifest", type=Path, default=MANIFEST)
    args = parser.parse_args()

    manifest = load_manifest(args.manifest)
    url = None if manifest is None else f"postgres://postgres@127.0.0.1:5432/{manifest['database']}"
    if manifest is None or not database_ready(url):
        print(SEED_HINT.format(minutes="20 minutes"), file=sys.stderr)
        return 2
    env = {**os.environ, **BENCH_ENV, "DATABASE_URL": url}
    os.environ.update(env)
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cnilcase.settings")
    import django

    django.setup()
    sys.path.insert(0, str(ROOT / "bench"))
    from sessions import session_for

    pages, users = scenarios(manifest)
    sessions = {key: session_for(user) for key, user in users.items()}
    server = Server(env)
    results = []
    try:
        for page in pages:
            if args.only and args.only not in page["label"]:
                continue
            statements, captured_status = captured_sql(page["path"], sessions[page["user"]])
            times, status, size = http_times(server.port, page["path"], sessions[page["user"]], args.repeat)
            raw, main_query, floor = sql_times(url, statements, args.repeat)
            scans = seq_scans(url, statements)
            row = {
                "label": page["label"],
                "path": page["path"],
                "status": status,
                "bytes": size,
                "queries": len(statements),
                "p50_ms": round(statistics.median(times), 1),
                "p95_ms": round(percentile(times, 0.95), 1),
                "sql_p50_ms": round(statistics.median(raw), 2),
                "sql_p95_ms": round(percentile(raw, 0.95), 2),
                "main_query_p95_ms": round(percentile(main_query, 0.95), 2),
                "round_trip_p95_ms": round(percentile(floor, 0.95), 3),
                "seq_scans": scans,
                "goal_ms": page["goal"],
            }
            row["ratio"] = round(row["p95_ms"] / row["sql_p95_ms"], 1) if row["sql_p95_ms"] else None
            row["met"] = status == 200 == captured_status and row["p95_ms"] <= page["goal"]
            if "sql_goal" in page:
                row["sql_goal_ms"] = page["sql_goal"]
                row["met"] = row["met"] and row["main_query_p95_ms"] <= page["sql_goal"]
            if "queries_goal" in page:
                row["queries_goal"] = page["queries_goal"]
                row["met"] = row["met"] and row["queries"] <= page["queries_goal"]
            if page.get("no_scan"):
                base_scans = large_tables(url, scans)
                row["base_table_scans"] = base_scans
                row["met"] = row["met"] and not base_scans
            results.append(row)
            print(
                f"{row['label']:<46} {status} q={row['queries']:>3} p50 {row['p50_ms']:>7.1f}"
                f" p95 {row['p95_ms']:>7.1f} ms"
                f" | SQL p95 {row['sql_p95_ms']:>7.2f} ms | x{row['ratio']} {'ok' if row['met'] else 'MISSED'}"
                + (f" | seq scans: {', '.join(scans)}" if scans else ""),
                flush=True,
            )
    finally:
        server.stop()
    figures = {"database": manifest["database"], "cases": manifest["counts"]["cases_case"], "pages": results}
    if args.json:
        args.json.write_text(json.dumps(figures, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
