"""Campaign report import benchmark: a generated 33-million-row report, beside a raw COPY of the same file.

On PostgreSQL (DATABASE_URL, default a throwaway ``cnilcase_bench`` database on 127.0.0.1):
1. the baseline: the CSV streamed as is into an unindexed table of four text columns with
   ``COPY ... (FORMAT csv)`` — no checks, no hashing;
2. ours: ``import_campaign_report``'s path — the pseudonymising pass on every core (NIR mod-97
   check, keyed BLAKE2b, binary records), then the worker's import (binary COPY into a staging
   table, duplicate search, key-ordered merge into the indexed table, person counts).
Both in rows/s, with the time of each of our steps.

Usage: python bench/import_campaign.py [--rows 33000000] [--workers 2]
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/cnilcase_bench"


def _rows(first: int, last: int) -> bytes:
    out = []
    for n in range(first, last):
        body = 100000000000 * (1 + n % 2) + n % 99999999999
        body = f"{body:013d}"
        out.append(
            f"{body}{97 - int(body) % 97:02d},{'letter' if n % 3 else 'email'},"
            f"{'failed' if n % 23 == 0 else 'sent'},2024-03-{1 + n % 28:02d}\n"
        )
    return "".join(out).encode()


def _write_part(path: str, first: int, last: int) -> None:
    step = 500_000
    with open(path, "wb") as out:
        for start in range(first, last, step):
            out.write(_rows(start, min(last, start + step)))


def generate(path: Path, rows: int, workers: int) -> None:
    """Valid, distinct NIRs (a person per row), letters and e-mails, 1 failure in 23."""
    bounds = [rows * k // workers for k in range(workers + 1)]
    parts = [f"{path}.{k}" for k in range(workers)]
    with ProcessPoolExecutor(workers) as pool:
        list(pool.map(_write_part, parts, bounds, bounds[1:]))
    with path.open("wb") as out:
        out.write(b"identifier,channel,status,date\n")
        for part in parts:
            with open(part, "rb") as source:
                while chunk := source.read(16 * 1024 * 1024):
                    out.write(chunk)
            os.unlink(part)


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=33_000_000)
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 2)
    args = parser.parse_args()

    url = os.environ.get("DATABASE_URL", DEFAULT_URL)
    database = url.rsplit("/", 1)[1]
    work = Path(tempfile.gettempdir()) / "cnilcase-bench"
    work.mkdir(exist_ok=True)
    env = {
        **os.environ,
        "DATABASE_URL": url,
        "DEBUG": "1",
        "CELERY_TASK_ALWAYS_EAGER": "true",
        "CAMPAIGN_IMPORT_ROOT": str(work / "imports"),
        "CNILCASE_VAR_DIR": str(work / "var"),
    }
    if database == "cnilcase_bench":
        subprocess.run(["psql", "-h", "127.0.0.1", "-U", "postgres", "-q", "-c", f"DROP DATABASE IF EXISTS {database}"])
        subprocess.run(["psql", "-h", "127.0.0.1", "-U", "postgres", "-q", "-c", f"CREATE DATABASE {database}"])
    subprocess.run([sys.executable, "manage.py", "migrate", "-v0"], cwd=ROOT, env=env, check=True)
    os.environ.update(env)

    source = work / f"campaign-{args.rows}.csv"
    if not source.exists():
        started = time.perf_counter()
        generate(source, args.rows, args.workers)
        print(f"generated {source} ({source.stat().st_size / 2**20:.0f} MiB) in {time.perf_counter() - started:.0f} s")

    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cnilcase.settings")
    import django

    django.setup()
    from django.db import connection

    from apps.accounts import services as account_services
    from apps.breaches import services
    from apps.breaches.management.commands.import_campaign_report import pseudonymise_file
    from apps.breaches.models import CampaignImport
    from apps.cases import services as case_services
    from apps.organisations.models import Organisation

    # Baseline: the same bytes, raw COPY into an unindexed table.
    with connection.cursor() as cursor:
        cursor.execute("DROP TABLE IF EXISTS bench_raw_copy")
        cursor.execute("CREATE UNLOGGED TABLE bench_raw_copy (identifier text, channel text, status text, day text)")
        started = time.perf_counter()
        with (
            cursor.cursor.copy("COPY bench_raw_copy FROM STDIN (FORMAT csv, HEADER true)") as copy,
            source.open("rb") as data,
        ):
            while chunk := data.read(8 * 1024 * 1024):
                copy.write(chunk)
        raw_seconds = time.perf_counter() - started
        cursor.execute("DROP TABLE bench_raw_copy")

    actor = account_services.user_create(
        actor=None, email="bench@cnil.test", full_name="Bench", password="bench-Pa55word!", roles=("investigator",)
    )
    insurer = Organisation.objects.create(legal_name="Mutuelle Bench", siren="552100554")
    case = case_services.case_open(actor=actor, origin="breach_notification", legal_regime="gdpr", title="Bench")
    case_services.party_add(actor=actor, case=case, organisation=insurer, role="controller", processing="tp")
    campaign = services.campaign_record(
        actor=actor, case=case, controller=insurer, decision="required", planned_total=args.rows
    )

    started = time.perf_counter()
    report, names = pseudonymise_file(str(source), nir=True, workers=args.workers)
    hashing_seconds = time.perf_counter() - started
    imported = services.campaign_import_start(
        actor=actor, campaign=campaign, report=report, mode="good", staged_names=names, queue=False
    )
    services.campaign_import_run(imported.pk)
    total_seconds = time.perf_counter() - started
    imported = CampaignImport.objects.get(pk=imported.pk)
    campaign.refresh_from_db()
    assert imported.status == "completed", imported.error
    assert imported.inserted == args.rows, (imported.inserted, args.rows)

    ours = args.rows / total_seconds
    raw = args.rows / raw_seconds
    steps = {"pseudonymising": round(hashing_seconds, 1), **{k: round(v, 1) for k, v in imported.timings.items()}}
    print()
    print(f"{'what':<44}{'seconds':>10}{'rows/s':>14}")
    print(f"{'raw COPY (csv, unindexed, no checks)':<44}{raw_seconds:>10.1f}{raw:>14,.0f}")
    print(f"{'import (checks, keyed hash, merge, counts)':<44}{total_seconds:>10.1f}{ours:>14,.0f}")
    for step, seconds in steps.items():
        print(f"{'  ' + step:<44}{seconds:>10.1f}")
    print(
        f"ratio import / raw COPY: {ours / raw:.0%}   goal >= 300,000 rows/s: {'met' if ours >= 300_000 else 'not met'}"
    )
    print(f"campaign: {campaign.sent} informed, {campaign.failed} failed")

    results = {
        "date": dt.datetime.now().isoformat(timespec="seconds"),
        "rows": args.rows,
        "workers": args.workers,
        "source_mib": round(source.stat().st_size / 2**20),
        "raw_copy": {"seconds": round(raw_seconds, 2), "rows_per_s": round(raw)},
        "import": {"seconds": round(total_seconds, 2), "rows_per_s": round(ours), "steps": steps},
        "ratio": round(ours / raw, 3),
    }
    out = ROOT / "bench" / "results" / f"import-{dt.date.today().isoformat()}.json"
    out.parent.mkdir(exist_ok=True)
    out.write_text(json.dumps(results, indent=2) + "\n")
    print(f"written {out.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
