"""``python manage.py seed_scale --cases 1000000 [--seed 1]``: synthetic data at scale for benchmarks.

Into an empty migrated PostgreSQL database only (see ``apps.dashboards.scale``); writes the
manifest ``var/seed_scale.json`` the benchmarks read.
"""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.db import connection

from apps.dashboards.scale import run


class Command(BaseCommand):
    help = (
        "Fill an empty migrated PostgreSQL database with synthetic cases, evidence, deadlines, history and a valid "
        "audit chain, with COPY; writes var/seed_scale.json for the benchmarks."
    )

    def add_arguments(self, parser):
        parser.add_argument("--cases", type=int, default=20_000)
        parser.add_argument("--seed", type=int, default=1)
        parser.add_argument(
            "--manifest", type=Path, default=run.MANIFEST, help="where to write the manifest (var/seed_scale.json)"
        )

    def handle(self, *args, cases: int, seed: int, manifest: Path, **options):
        if connection.vendor != "postgresql":
            raise CommandError("seed_scale needs PostgreSQL (it loads with COPY).")
        if cases < 10:
            raise CommandError("--cases must be at least 10.")
        with connection.cursor() as cursor:
            cursor.execute("SELECT EXISTS (SELECT 1 FROM cases_case)")
            if cursor.fetchone()[0]:
                raise CommandError(
                    f"The database {connection.settings_dict['NAME']} already holds cases: seed_scale fills an empty "
                    "migrated database only (drop it, create it and migrate it again)."
                )
        run.seed(cases=cases, seed=seed, manifest_path=manifest, out=lambda line: self.stdout.write(line))
