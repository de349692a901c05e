"""Import a very large campaign report from a file on the server, using every core for the hashing pass.

The browser upload pseudonymises on one core while the file arrives; an operator with a report of
tens of millions of rows can instead run, on the server:

    python manage.py import_campaign_report --campaign 12 --file rapport.csv --mode good --actor agent@cnil.fr

The file is read, never copied: only keyed-hash records are written (to the imports storage), then
the same import as an upload runs (in this process; ``--queue`` hands it to a Celery worker).
"""

from __future__ import annotations

import hashlib
import os
import uuid
from concurrent.futures import ProcessPoolExecutor
from types import SimpleNamespace

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.files.storage import FileSystemStorage, storages
from django.core.management.base import BaseCommand, CommandError
from django.db import connections

from apps.breaches import services
from apps.breaches.choices import IdentifierKind, ImportMode
from apps.breaches.models import Campaign
from apps.breaches.pseudonymise import Encoded, HeaderError, encode_range, split_points


def _sha256(path: str) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as source:
        while chunk := source.read(8 * 1024 * 1024):
            digest.update(chunk)
    return digest.hexdigest()


def pseudonymise_file(path: str, *, nir: bool, workers: int) -> tuple[SimpleNamespace, list[str]]:
    """Encode ``path`` in ``workers`` processes into record files of the imports storage."""
    storage = storages["imports"]
    if not isinstance(storage, FileSystemStorage):
        raise CommandError("import_campaign_report stages on a local imports storage only.")
    header, ranges = split_points(path, workers)
    names = [f"{uuid.uuid4().hex}.part{k}.records" for k in range(len(ranges))]
    os.makedirs(storage.location, exist_ok=True)
    connections.close_all()  # no database connection crosses a fork
    with ProcessPoolExecutor(max_workers=workers) as pool:
        futures = [
            pool.submit(encode_range, path, start, end, storage.path(name), nir=nir, header=header, first_line=line)
            for (start, end, line), name in zip(ranges, names, strict=True)
        ]
        sha256 = _sha256(path)
        parts = [future.result() for future in futures]
    total = Encoded(
        rows=sum(p.rows for p in parts),
        good=sum(p.good for p in parts),
        bad=sum(p.bad for p in parts),
        errors=[error for p in parts for error in p.errors],
    )
    report = SimpleNamespace(
        name=os.path.basename(path), sha256=sha256, size=os.path.getsize(path), result=total, header_error=None
    )
    return report, names


class Command(BaseCommand):
    help = "Import a large Art. 34 campaign report (CSV) from a server file, hashing on every core."

    def add_arguments(self, parser):
        parser.add_argument("--campaign", type=int, required=True)
        parser.add_argument("--file", required=True)
        parser.add_argument("--mode", choices=ImportMode.values, required=True)
        parser.add_argument("--actor", required=True, help="e-mail of the investigator importing it")
        parser.add_argument("--workers", type=int, default=os.cpu_count() or 1)
        parser.add_argument("--queue", action="store_true", help="run the import in a Celery worker")

    def handle(self, *args, **options):
        try:
            campaign = Campaign.objects.select_related("controller").get(pk=options["campaign"])
            actor = get_user_model().objects.get(email__iexact=options["actor"], is_active=True)
        except (Campaign.DoesNotExist, get_user_model().DoesNotExist) as error:
            raise CommandError(str(error)) from error
        try:
            report, names = pseudonymise_file(
                options["file"], nir=campaign.identifier_kind == IdentifierKind.NIR, workers=options["workers"]
            )
        except (OSError, HeaderError) as error:
            raise CommandError(f"cannot read {options['file']}: {error}") from error
        try:
            imported = services.campaign_import_start(
                actor=actor,
                campaign=campaign,
                report=report,
                mode=options["mode"],
                staged_names=names,
                queue=options["queue"],
            )
        except ValidationError as error:
            for name in names:
                storages["imports"].delete(name)
            raise CommandError("; ".join(error.messages)) from error
        if not options["queue"]:
            imported = services.campaign_import_run(imported.pk)
        self.stdout.write(
            f"import {imported.pk}: {imported.get_status_display()} — {imported.rows_total} rows, "
            f"{imported.bad_count} bad, {imported.inserted} new, {imported.updated} updated"
        )
