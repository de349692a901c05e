"""The seeding run: people, then one pass over the cases, then the finishing steps; timed by phase."""

from __future__ import annotations

import gc
import json
import random
import time
from pathlib import Path

from django.conf import settings
from django.db import connection

from . import cases as case_gen
from . import deadlines, evidence, indexes, people, requests
from .audit import AuditSink
from .plan import DAY, SEARCH_WORDS, SPAN_SECONDS, Plan
from .streams import Streams

COLUMNS = {
    **people.COLUMNS,
    **case_gen.COLUMNS,
    **evidence.COLUMNS,
    **deadlines.COLUMNS,
    **requests.COLUMNS,
}
MANIFEST = Path(settings.BASE_DIR) / "var" / "seed_scale.json"


class Phases:
    def __init__(self, out):
        self.out, self.seconds = out, {}

    def run(self, name: str, step, *args):
        started = time.perf_counter()
        result = step(*args)
        self.seconds[name] = round(time.perf_counter() - started, 1)
        self.out(f"{name}: {self.seconds[name]:.1f} s")
        return result


def _permission_ids() -> list[int]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT p.id FROM auth_permission p JOIN django_content_type t ON t.id = p.content_type_id"
            " WHERE t.app_label = 'cases' AND t.model = 'case' AND p.codename IN ('view_case', 'change_case')"
            " ORDER BY p.codename DESC"
        )
        return [row[0] for row in cursor.fetchall()]


def _sweep(world, sink: AuditSink, teams: dict, out) -> dict:
    """Every case in id order with everything that belongs to it."""
    plan, rand = world.plan, world.rng.random
    references: dict[int, int] = {}
    small = None
    every = max(1_000, plan.cases // 20)
    started = last_report = time.perf_counter()
    streams = world.streams
    for case_id in range(1, plan.cases + 1):
        # Opened in id order over the ten years (the last ones a few days before the end).
        opened = DAY + (case_id - 1 + 0.9 * rand()) / plan.cases * (SPAN_SECONDS - 5 * DAY)
        sink.release(opened)
        case = case_gen.make_case(world, sink, case_id, opened, teams.get(case_id), references)
        before = world.last_id["evidence_evidence"]
        evidence.make_evidence(world, sink, case)
        deadlines.make_deadlines(world, sink, case)
        invited = requests.make_accesses(world, sink, case)
        requests.make_requests(world, sink, case, invited)
        requests.make_outcomes(world, sink, case)
        case_gen.finish_case(world, sink, case)
        if (
            small is None
            and case_id > 1
            and len(case.parties) == 1
            and world.last_id["evidence_evidence"] - before == 2
        ):
            small = case_id
        if case_id % every == 0:
            now = time.perf_counter()
            rows = sum(streams.rows().values()) + sink.pushed
            out(
                f"  {case_id:>9,} cases, {rows:>11,} rows in {now - started:6.0f} s"
                f" ({rows / (now - started):,.0f} rows/s; audit events waiting: {len(sink.heap):,})"
            )
            last_report = now
    del last_report
    return {"references": references, "small": small}


def _finish_load(streams: Streams, sink: AuditSink, out) -> dict[str, float]:
    closing = streams.close()
    sink.drain()
    closing["audit_auditevent"] = round(sink.seconds_closing, 2)
    slowest = sorted(closing.items(), key=lambda item: -item[1])[:5]
    out("  waited for PostgreSQL to finish: " + ", ".join(f"{t} {s:.0f} s" for t, s in slowest))
    return closing


def _chain_head(sink: AuditSink) -> None:
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO audit_auditchainhead (id, seq, hash) VALUES (1, %s, %s)"
            " ON CONFLICT (id) DO UPDATE SET seq = EXCLUDED.seq, hash = EXCLUDED.hash",
            [sink.seq, sink.previous],
        )


def _counters(references: dict[int, int]) -> None:
    with connection.cursor() as cursor:
        for year, number in sorted(references.items()):
            cursor.execute(
                "INSERT INTO cases_casereferencecounter (year, last_number) VALUES (%s, %s)"
                " ON CONFLICT (year) DO UPDATE SET last_number = EXCLUDED.last_number",
                [year, number],
            )


def _sequences() -> None:
    """Every identity or serial column's sequence continues after the largest id."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT table_name, column_name FROM information_schema.columns WHERE table_schema = 'public'"
            " AND (is_identity = 'YES' OR column_default LIKE 'nextval%%')"
        )
        for table, column in cursor.fetchall():
            cursor.execute(
                f'SELECT setval(pg_get_serial_sequence(%s, %s), coalesce(max("{column}"), 0) + 1, false)'  # noqa: S608
                f' FROM "{table}"',
                [table, column],
            )


def _analyze() -> None:
    """VACUUM sets the visibility map of the freshly loaded tables (index-only scans, as autovacuum
    keeps them in a running database); ANALYZE gives the planner their statistics."""
    with connection.cursor() as cursor:
        cursor.execute("VACUUM (ANALYZE)")


def _refresh_stats():
    from apps.dashboards import stats_refresh

    return stats_refresh.refresh()


def _counts(tables) -> dict[str, int]:
    counts = {}
    with connection.cursor() as cursor:
        for table in sorted(tables):
            cursor.execute(f'SELECT count(*) FROM "{table}"')  # noqa: S608 - our own table names
            counts[table] = cursor.fetchone()[0]
    return counts


def _case_figures(case_id: int) -> dict[str, int]:
    queries = {
        "evidence": "SELECT count(*) FROM evidence_evidence WHERE case_id = %s",
        "parties": "SELECT count(*) FROM cases_party WHERE case_id = %s",
        "deadlines": "SELECT count(*) FROM deadlines_deadline WHERE case_id = %s",
        "requests": "SELECT count(*) FROM info_requests_inforequest WHERE case_id = %s",
        "audit_events": "SELECT count(*) FROM audit_auditevent WHERE case_id = %s",
        "history_rows": (
            "SELECT (SELECT count(*) FROM cases_historicalcase WHERE id = %s)"
            " + (SELECT count(*) FROM cases_historicalparty WHERE case_id = %s)"
            " + (SELECT count(*) FROM evidence_historicalevidence WHERE case_id = %s)"
            " + (SELECT count(*) FROM deadlines_historicaldeadline WHERE case_id = %s)"
            " + (SELECT count(*) FROM info_requests_historicalinforequest WHERE case_id = %s)"
        ),
    }
    figures = {}
    with connection.cursor() as cursor:
        for name, sql in queries.items():
            cursor.execute(sql, [case_id] * sql.count("%s"))
            figures[name] = cursor.fetchone()[0]
        cursor.execute("SELECT reference FROM cases_case WHERE id = %s", [case_id])
        figures["reference"] = cursor.fetchone()[0]
    return {"id": case_id, **figures}


def seed(*, cases: int, seed: int, out, manifest_path: Path = MANIFEST) -> dict:
    """Load the world into the (empty, migrated) database; writes the manifest beside the statements
    that rebuild the indexes dropped for the load (``indexes.drop``)."""
    plan = Plan.for_cases(cases, seed)
    phases = Phases(out)
    rng = random.Random(seed)  # noqa: S311 - synthetic data, reproducible by design
    world = people.World(plan=plan, rng=rng, streams=Streams(COLUMNS))
    total = time.perf_counter()
    gc.disable()  # millions of short-lived tuples, no cycles
    with connection.cursor() as cursor:
        # Evidence's search vector: its trigger must run during the load, other triggers must not.
        cursor.execute("ALTER TABLE evidence_evidence ENABLE ALWAYS TRIGGER evidence_search_vector")
    rebuild = phases.run(
        "indexes dropped",
        indexes.drop,
        [*sorted(COLUMNS), "audit_auditevent"],
        manifest_path.with_suffix(".indexes.sql"),
    )
    sink = None
    try:
        phases.run("people", people.make_people, world)
        phases.run("organisations", people.make_organisations, world)
        world.case_permissions = _permission_ids()
        # Forked before any COPY stream is open: the child opens its own connection.
        sink = AuditSink(world.actors)
        teams = phases.run("teams", case_gen.team_plan, world)
        swept = phases.run("cases (generation and COPY)", _sweep, world, sink, teams, out)
        phases.run("load finished (audit drained, PostgreSQL caught up)", _finish_load, world.streams, sink, out)
    finally:
        if sink is not None:
            sink.stop()
        gc.enable()
        with connection.cursor() as cursor:
            cursor.execute("ALTER TABLE evidence_evidence ENABLE TRIGGER evidence_search_vector")
    phases.run(f"indexes rebuilt ({len(rebuild)})", indexes.rebuild, rebuild)
    phases.run("chain head and reference counters", lambda: (_chain_head(sink), _counters(swept["references"])))
    phases.run("sequences", _sequences)
    phases.run("analyze", _analyze)
    snapshot = phases.run("dashboard stats refresh", _refresh_stats)
    seconds = round(time.perf_counter() - total, 1)
    rows = {**world.streams.rows(), "audit_auditevent": sink.seq}
    investigator = world.investigators[0]
    manager = world.managers[0]
    portal_user = max((user for user, _org in world.portal), key=lambda user: world.requests_of[user])
    manifest = {
        "database": connection.settings_dict["NAME"],
        "seed": plan.seed,
        "seconds": seconds,
        "phases": phases.seconds,
        "rows_total": sum(rows.values()),
        "audit_head": {"seq": sink.seq, "hash": sink.previous},
        "stats_cells": snapshot.cells,
        "large_case": _case_figures(1),
        "small_case": _case_figures(swept["small"] or 2),
        "investigator": {
            "id": investigator,
            "email": world.emails[investigator],
            "cases": world.cases_of[investigator],
        },
        "manager": {"id": manager, "email": world.emails[manager]},
        "portal_user": {
            "id": portal_user,
            "email": world.emails[portal_user],
            "organisation_id": dict(world.portal)[portal_user],
            "requests": world.requests_of[portal_user],
        },
        "search_words": list(SEARCH_WORDS),
        # The same ids in the layout bench/web.py reads.
        "users": {
            "manager": world.emails[manager],
            "investigator": world.emails[investigator],
            "portal": world.emails[portal_user],
        },
        "cases": {"requested": plan.cases, "large": 1, "small": swept["small"] or 2},
        "counts": dict(sorted(rows.items())),
        "sector_id": world.operator_sector,
        "password": people.PASSWORD,
    }
    manifest_path.parent.mkdir(exist_ok=True)
    manifest_path.write_text(json.dumps(manifest, indent=2, ensure_ascii=False) + "\n")
    out(f"total {seconds:.0f} s, {manifest['rows_total']:,} rows; manifest {manifest_path}")
    return manifest
