"""``make bench``: every benchmark in one run, one table, one results file.

Each figure stands beside a baseline measured in the same run on the same machine (raw SQL of the
same queries, raw ``hashlib`` over the same bytes, a raw ``COPY`` of the same file, the load
generator against a page that touches no database), and their ratio — absolute times on a
shared two-core machine drift from one run to the next, ratios much less.

Steps (``--only web,load,audit,import,upload`` to run some):
- web: pages of the ``seed_scale`` database through gunicorn (bench/web.py);
- load: 50 simulated users for 60 s with locust (bench/load.py);
- audit: ``audit_verify`` over the seeded chain beside raw hashlib (bench/audit.py --reuse);
- import: the 33M-row Art. 34 report beside a raw COPY (bench/import_campaign.py);
- upload: a 2 GiB evidence file beside raw hashlib (bench/upload.py).
Results: ``bench/results/<date>.json``; each step also keeps its own detailed file.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"
sys.path.insert(0, str(ROOT / "bench"))

import web  # noqa: E402 - bench/ is a folder of scripts, not a package

STEPS = ("web", "load", "audit", "import", "upload")


def run(args: list[str], env: dict | None = None) -> None:
    print(f"\n$ {' '.join(args)}", flush=True)
    subprocess.run([sys.executable, *args], cwd=ROOT, env={**os.environ, **(env or {})}, check=True)


def today_file(name: str) -> dict | None:
    path = RESULTS / f"{name}-{dt.date.today().isoformat()}.json"
    return json.loads(path.read_text()) if path.exists() else None


def latest_file(name: str) -> tuple[str, dict] | None:
    """The most recent results of a step (``<name>-<date>.json``), for a run that skips the step."""
    files = sorted(RESULTS.glob(f"{name}-????-??-??.json"))
    return (files[-1].name, json.loads(files[-1].read_text())) if files else None


def step_web(repeat: int) -> dict:
    out = RESULTS / f"web-{dt.date.today().isoformat()}.json"
    run(["bench/web.py", "--repeat", str(repeat), "--json", str(out)])
    return json.loads(out.read_text())


def step_load(users: int, seconds: int) -> dict:
    out = RESULTS / f"load-{dt.date.today().isoformat()}.json"
    run(["bench/load.py", "--users", str(users), "--seconds", str(seconds), "--json", str(out), "--serve"])
    return json.loads(out.read_text())


def rows_for(results: dict) -> list[tuple]:
    """(what, achieved, baseline, ratio, goal, met) for the table."""
    rows = []
    for page in results.get("web", {}).get("pages", []):
        rows.append(
            (
                page["label"],
                f"p95 {page['p95_ms']:.1f} ms, {page['queries']} queries",
                f"its SQL raw: p95 {page['sql_p95_ms']:.2f} ms",
                f"x{page['ratio']}",
                f"p95 ≤ {page['goal_ms']} ms"
                + (f", ≤ {page['queries_goal']} queries" if "queries_goal" in page else "")
                + (", no base-table scan" if "base_table_scans" in page else ""),
                page["met"],
            )
        )
        if "sql_goal_ms" in page:
            rows.append(
                (
                    "  … its main SQL query",
                    f"p95 {page['main_query_p95_ms']:.2f} ms",
                    f"SELECT 1 round trip: {page['round_trip_p95_ms']:.3f} ms",
                    f"x{page['main_query_p95_ms'] / max(page['round_trip_p95_ms'], 0.001):.0f}",
                    f"SQL ≤ {page['sql_goal_ms']} ms",
                    page["main_query_p95_ms"] <= page["sql_goal_ms"],
                )
            )
    load = results.get("load")
    if load:
        achieved = load["achieved"]
        baseline = load.get("baseline") or {}
        rows.append(
            (
                f"mixed load, {load['users']} users, {load['seconds']} s",
                f"{achieved['rps']:.0f} req/s, p95 {achieved['p95_ms']:.0f} ms, {achieved['errors']} errors",
                f"same generator on /healthz: {baseline.get('rps', 0):.0f} req/s" if baseline else "—",
                f"x{achieved['rps'] / baseline['rps']:.2f}" if baseline.get("rps") else "—",
                "≥ 200 req/s, p95 ≤ 150 ms, 0 errors",
                achieved["rps"] >= 200 and achieved["p95_ms"] <= 150 and achieved["errors"] == 0,
            )
        )
    audit = results.get("audit")
    if audit:
        rate = audit["verify"]["events_per_s"]
        raw = audit["hashlib_one_core"]["events_per_s"]
        rows.append(
            (
                f"audit verify, {audit['events']:,} events",
                f"{rate:,.0f} events/s",
                f"raw hashlib, one core: {raw:,.0f}/s",
                f"x{rate / raw:.2f}",
                "≥ 200,000 events/s",
                rate >= 200_000,
            )
        )
    imported = results.get("import")
    if imported:
        rows.append(
            (
                f"campaign import, {imported['rows']:,} rows",
                f"{imported['import']['rows_per_s']:,.0f} rows/s",
                f"raw COPY of the file: {imported['raw_copy']['rows_per_s']:,.0f}/s",
                f"x{imported['ratio']:.2f}",
                "≥ 300,000 rows/s (stretch)",
                imported["import"]["rows_per_s"] >= 300_000,
            )
        )
    upload = results.get("upload")
    if upload:
        for mode, figures in upload["uploads"].items():
            rows.append(
                (
                    f"evidence upload {upload['size_mib'] // 1024} GiB ({mode})",
                    f"{figures['mib_per_s']:.0f} MiB/s, RSS +{figures['server_rss_growth_mib']:.0f} MiB",
                    f"raw hashlib: {upload['hashlib_mib_per_s']:.0f} MiB/s",
                    f"x{figures['ratio_to_hashlib']:.2f}",
                    "≥ x0.35, RSS ≤ +32 MiB",
                    figures["ratio_to_hashlib"] >= 0.35 and figures["server_rss_growth_mib"] <= 32,
                )
            )
    return rows


def print_table(rows: list[tuple]) -> None:
    headers = ("what", "achieved", "baseline (same run)", "ratio", "goal", "met")
    cells = [headers] + [(*row[:5], "yes" if row[5] else "NO") for row in rows]
    widths = [max(len(str(cell[i])) for cell in cells) for i in range(len(headers))]
    print()
    for n, cell in enumerate(cells):
        print(" | ".join(str(value).ljust(width) for value, width in zip(cell, widths, strict=True)))
        if n == 0:
            print("-+-".join("-" * width for width in widths))


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--only", default=",".join(STEPS), help="comma-separated steps: " + ", ".join(STEPS))
    parser.add_argument("--repeat", type=int, default=50, help="requests per page (web)")
    parser.add_argument("--users", type=int, default=50)
    parser.add_argument("--seconds", type=int, default=60)
    parser.add_argument("--rows", type=int, default=33_000_000, help="campaign import rows")
    parser.add_argument("--size-mib", type=int, default=2048, help="upload size")
    args = parser.parse_args()
    steps = [step for step in args.only.split(",") if step]
    unknown = set(steps) - set(STEPS)
    if unknown:
        parser.error(f"unknown steps: {', '.join(sorted(unknown))}")

    manifest = web.load_manifest()
    url = None if manifest is None else f"postgres://postgres@127.0.0.1:5432/{manifest['database']}"
    if {"web", "load", "audit"} & set(steps) and (manifest is None or not web.database_ready(url)):
        print(web.SEED_HINT.format(minutes="20 minutes"), file=sys.stderr)
        return 2

    results: dict = {"date": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"), "cores": os.cpu_count()}
    if manifest:
        results["dataset"] = {"database": manifest["database"], "counts": manifest.get("counts", {})}
    if "web" in steps:
        results["web"] = step_web(args.repeat)
    if "load" in steps:
        results["load"] = step_load(args.users, args.seconds)
    if "audit" in steps:
        run(["bench/audit.py", "--reuse", "--writes", "100"], {"DATABASE_URL": url})
        results["audit"] = today_file("audit")
    if "import" in steps:
        run(["bench/import_campaign.py", "--rows", str(args.rows)])
        results["import"] = today_file("import")
    if "upload" in steps:
        run(["bench/upload.py", "--size-mib", str(args.size_mib)])
        results["upload"] = today_file("upload")

    # A step not run this time keeps its latest figures in the table, marked as carried over.
    carried = {}
    for step in STEPS:
        if step not in steps and (found := latest_file(step)) is not None:
            carried[step], results[step] = found
    if carried:
        results["carried_over"] = carried
    rows = rows_for(results)
    results["table"] = [
        dict(zip(("what", "achieved", "baseline", "ratio", "goal", "met"), row, strict=True)) for row in rows
    ]
    out = RESULTS / f"{dt.date.today().isoformat()}.json"
    out.write_text(json.dumps(results, indent=2, ensure_ascii=False) + "\n")
    print_table(rows)
    for step, name in carried.items():
        print(f"{step}: not run this time, figures from bench/results/{name}")
    print(f"\nResults: {out.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
