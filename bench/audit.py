"""Audit chain benchmark: verification of 10 million events beside raw hashlib, and the cost of an append.

On PostgreSQL only (DATABASE_URL, default a throwaway ``cnilcase_bench_audit`` database on 127.0.0.1):
1. generation: EVENTS valid chained events (global and per-case hashes computed here with the same
   canonical bytes as ``audit_record``) loaded with ``COPY`` — timed, but not the figure;
2. verification: ``verify_chain()`` as ``audit_verify`` runs it (COPY, one process per core),
   beside the baseline: raw ``hashlib.sha256`` over the same bytes (previous hash + canonical
   bytes, the case hash too) for a sample of events held in memory, on one core; and the
   ``COPY`` read alone, which verification cannot beat;
3. append cost: W writer processes each run N small transactions (insert one row), then N of the
   same with ``audit_record`` — all at once — on the same 10-million-event table; the added
   milliseconds per event (p50, p95) and the throughput, with 1 writer and with W.

Usage: python bench/audit.py [--events 10000000] [--writers 4] [--writes 300] [--serial]
       python bench/audit.py --reuse   (measure again on the chain the last run left)
"""

from __future__ import annotations

import argparse
import datetime as dt
import gc
import hashlib
import json
import multiprocessing
import os
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/cnilcase_bench_audit"
ACTIONS = ("case_changed", "evidence_custody", "deadline_created", "case_transitioned", "control_recorded")
COPY_IN = (
    "COPY audit_auditevent (seq, occurred_at, actor_id, actor_name, actor_role, actor_kind, action, object_type,"
    " object_id, case_id, summary, data, ip, prev_hash, hash, case_prev_hash, case_hash) FROM STDIN"
)
SAMPLE = 200_000  # events whose hashed bytes are kept in memory for the hashlib baseline


def event(n: int) -> list:
    """Event ``n`` (from 1): one in four without a case, ~500 cases open at a time, a new one every 200 events."""
    start = dt.datetime(2025, 1, 1, tzinfo=dt.UTC)
    at = start + dt.timedelta(seconds=3 * n, microseconds=n * 7919 % 1_000_000)
    actor_id = None if n % 10 == 0 else 1 + n % 50
    case_id = None if n % 4 == 0 else 1 + n // 200 + n * 31 % 500
    data = {} if n % 2 else {"from": "investigation", "to": "formal_notice", "step": n % 1000}
    return [
        n,
        at.strftime("%Y-%m-%dT%H:%M:%S.%fZ"),
        actor_id,
        "system" if actor_id is None else f"Agent n°{actor_id}",
        "" if actor_id is None else "investigator",
        "system" if actor_id is None else "staff",
        ACTIONS[n % len(ACTIONS)],
        "cases.case" if case_id else "",
        str(case_id or ""),
        case_id,
        f"Dossier {case_id or 0:07d} : étape {n % 9} franchie",
        data,
        None if actor_id is None else f"10.{n % 7}.{n % 251}.{1 + n % 253}",
    ]


def _copy_text(value) -> str:
    if value is None:
        return "\\N"
    if type(value) is dict:
        return json.dumps(value)
    return str(value)  # the generated text holds no tab, newline or backslash


def generate(cursor, events: int) -> tuple[str, list[bytes]]:
    """Load ``events`` chained events with COPY; returns the head hash and the sample's hashed bytes."""
    from apps.audit.batches import row_payload
    from apps.audit.models import GENESIS_HASH, link

    previous, case_heads, sample, lines = GENESIS_HASH, {}, [], []
    with cursor.copy(COPY_IN) as copy:
        for n in range(1, events + 1):
            row = event(n)
            payload = row_payload(row)
            own = link(previous, payload)
            case_prev = case_own = ""
            if row[9] is not None:
                case_prev = case_heads.get(row[9], GENESIS_HASH)
                case_own = case_heads[row[9]] = link(case_prev, payload)
            if n <= SAMPLE:
                sample.append(previous.encode() + payload)
                if case_prev:
                    sample.append(case_prev.encode() + payload)
            lines.append("\t".join([*map(_copy_text, row), previous, own, case_prev, case_own]))
            previous = own
            if len(lines) == 10_000:
                copy.write("\n".join(lines) + "\n")
                lines = []
        if lines:
            copy.write("\n".join(lines) + "\n")
    return previous, sample


def stored_sample() -> list[bytes]:
    """The hashed bytes of the first SAMPLE events already in the database (for --reuse)."""
    from apps.audit.batches import COLUMNS
    from apps.audit.models import AuditEvent, canonical_bytes

    sample = []
    for values in AuditEvent.objects.filter(seq__lte=SAMPLE).order_by("seq").values(*COLUMNS).iterator(10_000):
        payload = canonical_bytes(values)
        sample.append(values["prev_hash"].encode() + payload)
        if values["case_prev_hash"]:
            sample.append(values["case_prev_hash"].encode() + payload)
    return sample


def hashlib_rate(sample: list[bytes], events: int) -> float:
    """Events per second of sha256 alone over the sample's bytes, one core (best of three)."""
    sha256 = hashlib.sha256
    best = float("inf")
    for _ in range(3):
        started = time.perf_counter()
        for data in sample:
            sha256(data).hexdigest()
        best = min(best, time.perf_counter() - started)
    return events / best


def cpu_seconds(backend_pid: int) -> dict[str, float]:
    """CPU time so far of this process, of its finished children (the pool's workers) and of the
    database backend serving this process (read from /proc: PostgreSQL on this machine only)."""
    own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    try:
        fields = Path(f"/proc/{backend_pid}/stat").read_text().rsplit(")", 1)[1].split()
        database = (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except OSError:
        database = float("nan")
    return {
        "reader": own.ru_utime + own.ru_stime,
        "workers": children.ru_utime + children.ru_stime,
        "database": database,
    }


def copy_read_seconds(cursor) -> float:
    from apps.audit.verify import _COPY_SQL

    started = time.perf_counter()
    with cursor.copy(_COPY_SQL) as copy:
        for _block in copy:
            pass
    return time.perf_counter() - started


# --- Append cost -----------------------------------------------------------------------------------


def _writer(barrier, results, writer: int, writes: int) -> None:
    """Plain writes, then audited ones, started with the other writers; sends its latencies (s)."""
    from django.db import connection, connections, transaction

    from apps.audit.services import audit_record

    timings: dict[str, list[float]] = {"plain": [], "audited": []}
    try:
        for kind in ("plain", "audited"):
            barrier.wait(timeout=120)
            for i in range(writes):
                started = time.perf_counter()
                with transaction.atomic(), connection.cursor() as cursor:
                    cursor.execute("INSERT INTO bench_audit_write (writer, note) VALUES (%s, %s)", [writer, kind])
                    if kind == "audited":
                        audit_record(
                            actor=None,
                            action="case_changed",
                            summary=f"writer {writer} write {i}",
                            object_type="bench.write",
                            object_id=str(i),
                            case_id=1_000_000 + i % 100,
                            data={"writer": writer, "i": i},
                        )
                timings[kind].append(time.perf_counter() - started)
            barrier.wait(timeout=120)
        results.put((writer, timings))
    finally:
        connections.close_all()


def append_cost(writers: int, writes: int) -> dict:
    from django.db import connections

    connections.close_all()  # each writer opens its own connection
    context = multiprocessing.get_context("fork")
    barrier, results = context.Barrier(writers + 1), context.Queue()
    children = [context.Process(target=_writer, args=(barrier, results, w, writes)) for w in range(writers)]
    for child in children:
        child.start()
    walls = {}
    for kind in ("plain", "audited"):
        barrier.wait(timeout=120)
        started = time.perf_counter()
        barrier.wait(timeout=600)
        walls[kind] = time.perf_counter() - started
    timings = {"plain": [], "audited": []}
    for _ in children:
        _writer_id, theirs = results.get(timeout=60)
        for kind in timings:
            timings[kind] += theirs[kind]
    for child in children:
        child.join()

    def ms(values, q):
        return 1000 * statistics.quantiles(values, n=100)[q - 1]

    figures = {
        kind: {"p50_ms": ms(values, 50), "p95_ms": ms(values, 95), "per_s": len(values) / walls[kind]}
        for kind, values in timings.items()
    }
    figures["added_p50_ms"] = figures["audited"]["p50_ms"] - figures["plain"]["p50_ms"]
    figures["added_p95_ms"] = figures["audited"]["p95_ms"] - figures["plain"]["p95_ms"]
    return figures


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--events", type=int, default=10_000_000)
    parser.add_argument("--writers", type=int, default=4)
    parser.add_argument("--writes", type=int, default=300, help="transactions of each kind per writer")
    parser.add_argument("--serial", action="store_true", help="also time verify_chain in one process")
    parser.add_argument(
        "--reuse", action="store_true", help="measure again on the chain already in the database (no generation)"
    )
    args = parser.parse_args()

    url = os.environ.get("DATABASE_URL", DEFAULT_URL)
    if not url.startswith(("postgres://", "postgresql://")):
        print(f"bench/audit.py needs PostgreSQL (COPY, concurrent writers): DATABASE_URL is {url}", file=sys.stderr)
        return 2
    database = url.rsplit("/", 1)[1]
    # DEBUG off, as in production (with it on, Django also logs every query of every append).
    env = {
        "SECRET_KEY": "bench-only-secret-key",
        "IDENTIFIER_HMAC_KEY": "bench-only-identifier-key",
        **os.environ,
        "DATABASE_URL": url,
        "DEBUG": "0",
        "CELERY_TASK_ALWAYS_EAGER": "true",
    }
    if database == "cnilcase_bench_audit" and not args.reuse:
        subprocess.run(["psql", "-h", "127.0.0.1", "-U", "postgres", "-q", "-c", f"DROP DATABASE IF EXISTS {database}"])
        subprocess.run(["psql", "-h", "127.0.0.1", "-U", "postgres", "-q", "-c", f"CREATE DATABASE {database}"])
    subprocess.run([sys.executable, "manage.py", "migrate", "-v0"], cwd=ROOT, env=env, check=True)
    os.environ.update(env)

    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cnilcase.settings")
    import django

    django.setup()
    from django.db import connection

    from apps.audit.models import AuditEvent
    from apps.audit.verify import verify_chain

    existing = AuditEvent.objects.order_by("-seq").values_list("seq", flat=True).first() or 0
    if args.reuse:
        if not existing:
            print(f"{database} holds no audit events to measure again", file=sys.stderr)
            return 2
        args.events, generation_seconds, sample = existing, None, stored_sample()
    elif existing:
        print(f"{database} already holds audit events: use an empty database, or --reuse", file=sys.stderr)
        return 2
    with connection.cursor() as cursor:
        if not args.reuse:
            started = time.perf_counter()
            gc.disable()  # millions of short-lived objects, no cycles: collections would only walk the heap
            head, sample = generate(cursor.cursor, args.events)
            gc.enable()
            cursor.execute("INSERT INTO audit_auditchainhead (id, seq, hash) VALUES (1, %s, %s)", [args.events, head])
            cursor.execute("ANALYZE audit_auditevent")
            generation_seconds = time.perf_counter() - started
            print(f"generated {args.events:,} events in {generation_seconds:.0f} s")
        copy_seconds = copy_read_seconds(cursor.cursor)
    sample_events = min(SAMPLE, args.events)
    raw = hashlib_rate(sample, sample_events)
    del sample

    load = os.getloadavg()[0]  # other work on the machine skews every figure
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        backend = cursor.fetchone()[0]
    before = cpu_seconds(backend)
    started = time.perf_counter()
    result = verify_chain()
    verify_seconds = time.perf_counter() - started
    after = cpu_seconds(backend)
    # CPU per event, whatever else the machine runs: what the code costs, and what it could reach
    # on idle cores.
    cpu_us = {part: 1e6 * (after[part] - before[part]) / args.events for part in after}
    if not result.ok or result.events_checked != args.events or result.reason:
        raise RuntimeError(f"the generated chain does not verify: {result}")
    ours = args.events / verify_seconds
    serial_seconds = None
    if args.serial:
        started = time.perf_counter()
        verify_chain(workers=1)
        serial_seconds = time.perf_counter() - started

    with connection.cursor() as cursor:
        cursor.execute("CREATE TABLE IF NOT EXISTS bench_audit_write (id bigserial PRIMARY KEY, writer int, note text)")
    appends = {writers: append_cost(writers, args.writes) for writers in sorted({1, args.writers})}
    started = time.perf_counter()
    final = verify_chain()
    final_seconds = time.perf_counter() - started
    if not final.ok or final.events_checked != args.events + sum(args.writes * w for w in appends):
        raise RuntimeError(f"the chain after the appends does not verify: {final}")

    cores = os.cpu_count()
    print()
    print(f"{f'verification of {args.events:,} events':<52}{'seconds':>10}{'events/s':>14}")
    print(
        f"{'COPY read alone (the same SELECT, discarded)':<52}{copy_seconds:>10.1f}{args.events / copy_seconds:>14,.0f}"
    )
    print(f"(load average before verifying: {load:.2f} on {cores} cores)")
    print(f"{'hashlib.sha256 alone, same bytes, 1 core (sample)':<52}{'':>10}{raw:>14,.0f}")
    if serial_seconds:
        print(f"{'verify_chain (1 process)':<52}{serial_seconds:>10.1f}{args.events / serial_seconds:>14,.0f}")
    print(f"{f'verify_chain ({cores} worker processes)':<52}{verify_seconds:>10.1f}{ours:>14,.0f}")
    again = final.events_checked / final_seconds
    total_us = sum(cpu_us.values())
    parts = ", ".join(f"{part} {value:.1f}" for part, value in cpu_us.items())
    bound = cores * 1e6 / total_us
    print(f"  CPU per event (µs): {parts}; total {total_us:.1f}, so {bound:,.0f}/s at most on {cores} idle cores")
    print(f"{'verify_chain again, after the appends':<52}{final_seconds:>10.1f}{again:>14,.0f}")
    goal = "met" if ours >= 200_000 else "not met"
    print(f"ratio verify / hashlib: {ours / raw:.0%}   goal >= 200,000 events/s: {goal}")
    print()
    print(f"{f'append cost ({args.writes} transactions per writer)':<44}{'p50 ms':>9}{'p95 ms':>9}{'tx/s':>9}")
    for writers, figures in appends.items():
        for kind in ("plain", "audited"):
            row = figures[kind]
            label = f"{writers} writer{'s' if writers > 1 else ''}, {kind}"
            print(f"{label:<44}{row['p50_ms']:>9.2f}{row['p95_ms']:>9.2f}{row['per_s']:>9.0f}")
        added = f"{writers} writer{'s' if writers > 1 else ''}, added by audit_record"
        print(f"{added:<44}{figures['added_p50_ms']:>9.2f}{figures['added_p95_ms']:>9.2f}")
    added = appends[args.writers]["added_p50_ms"]
    print(f"goal: an append adds <= 1 ms with {args.writers} writers (p50): {'met' if added <= 1 else 'not met'}")

    results = {
        "date": dt.datetime.now().isoformat(timespec="seconds"),
        "events": args.events,
        "cores": cores,
        "generation_seconds": round(generation_seconds, 1) if generation_seconds else None,
        "copy_read": {"seconds": round(copy_seconds, 2), "events_per_s": round(args.events / copy_seconds)},
        "hashlib_one_core": {"sample_events": sample_events, "events_per_s": round(raw)},
        "load_average_before_verify": round(load, 2),
        "verify": {
            "seconds": round(verify_seconds, 2),
            "events_per_s": round(ours),
            "cpu_us_per_event": {part: round(value, 2) for part, value in cpu_us.items()},
            "events_per_s_bound_on_idle_cores": round(cores * 1e6 / sum(cpu_us.values())),
        },
        "verify_again_after_appends": {"events": final.events_checked, "events_per_s": round(again)},
        "verify_one_process": (
            {"seconds": round(serial_seconds, 2), "events_per_s": round(args.events / serial_seconds)}
            if serial_seconds
            else None
        ),
        "ratio_to_hashlib": round(ours / raw, 3),
        "append": {
            str(writers): {
                "writes_per_writer": args.writes,
                **{
                    kind: {key: round(value, 3) for key, value in figures[kind].items()}
                    for kind in ("plain", "audited")
                },
                "added_p50_ms": round(figures["added_p50_ms"], 3),
                "added_p95_ms": round(figures["added_p95_ms"], 3),
            }
            for writers, figures in appends.items()
        },
    }
    out = ROOT / "bench" / "results" / f"audit-{dt.date.today().isoformat()}.json"
    out.parent.mkdir(exist_ok=True)
    out.write_text(json.dumps(results, indent=2) + "\n")
    print(f"written {out.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
