"""``python manage.py audit_export --case REF [--output FILE] [--anchors DIR]``: one case's audit
events for a third party.

Here, not in ``apps.audit``, because it resolves a case reference and the audit app sits below
``cases`` in the layers; the export itself (``apps.audit.export``) needs only the case id. The
format, and what ``audit_verify --file`` proves about it, are described in that module.
"""

import os
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from apps.audit.access import access_record
from apps.audit.anchors import anchors_read
from apps.audit.choices import AccessAction
from apps.audit.export import ExportError, case_export_lines, export_span
from apps.cases.models import Case


class Command(BaseCommand):
    help = (
        "Write one case's audit events as JSON Lines for a third party (stdout, or --output FILE): the events "
        "with their hashes, a hash-only line for each other event up to the first anchor after them, and that "
        "anchor. Check the file with audit_verify --file."
    )

    def add_arguments(self, parser):
        parser.add_argument("--case", required=True, metavar="REF", help="the case reference, e.g. 2026-000123")
        parser.add_argument("--output", type=Path, help="file to write (default: stdout)")
        parser.add_argument(
            "--anchors", type=Path, help="directory of anchor files (default: AUDIT_ANCHOR_DIR if it exists)"
        )

    def handle(self, *args, **options):
        reference = options["case"]
        case_id = Case.objects.filter(reference=reference).values_list("id", flat=True).first()
        if case_id is None:
            raise CommandError(f"no case with reference {reference}")
        span = self._span(case_id, reference, options.get("anchors"))
        lines = case_export_lines(case_id=case_id, case_reference=reference, span=span)
        output = options.get("output")
        if output is None:
            for line in lines:
                self.stdout.write(line, ending="")
            report = self.stderr  # stdout carries the export itself
        else:
            self._write_file(output, lines)
            report = self.stdout
        anchored = (
            f"anchored at seq {span.anchor.seq} ({span.anchor.source})"
            if span.anchor is not None
            else f"no anchor at or after seq {span.last_seq}: per-case chain and links only"
        )
        destination = f" to {output}" if output is not None else ""
        # An export takes the case's history away: the access log says so (no user: the command line).
        access_record(
            actor=None,
            action=AccessAction.EXPORT,
            object_type="audit_export",
            object_id=case_id,
            case_id=case_id,
            label=f"audit_export --case {reference}" + (f" --output {output}" if output is not None else ""),
        )
        report.write(f"Exported case {reference}{destination}: seq {span.first_seq} to {span.end_seq}, {anchored}")

    def _span(self, case_id: int, reference: str, directory: Path | None):
        if directory is not None and not directory.is_dir():
            raise CommandError(f"{directory}: no such directory")
        if directory is None and Path(settings.AUDIT_ANCHOR_DIR).is_dir():
            directory = Path(settings.AUDIT_ANCHOR_DIR)
        try:
            anchors = anchors_read(directory) if directory is not None else []
            return export_span(case_id, anchors)
        except ExportError as exc:
            raise CommandError(f"case {reference}: {exc}") from exc
        except ValueError as exc:  # a damaged anchor file, named by anchors_read
            raise CommandError(str(exc)) from exc

    def _write_file(self, output: Path, lines) -> None:
        """Write beside the target and rename at the end, so a failed export leaves no partial file."""
        partial = output.with_name(output.name + ".part")
        try:
            with partial.open("w", encoding="ascii", newline="\n") as handle:
                handle.writelines(lines)
            os.replace(partial, output)
        except OSError as exc:
            partial.unlink(missing_ok=True)
            raise CommandError(f"{output}: cannot write ({exc.strerror})") from exc
        except BaseException:
            partial.unlink(missing_ok=True)
            raise
