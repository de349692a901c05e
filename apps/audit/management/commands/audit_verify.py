"""``python manage.py audit_verify [--case ID] [--anchors DIR]``: recompute the hash chains.

Exit 0 printing the number of events and the head hash; exit 1 naming the first broken
sequence number, the first sealing event whose access records were altered (whole chain only),
or (with ``--anchors``) the first anchor the chain no longer matches.

``audit_verify --file EXPORT.jsonl`` checks a case export (``audit_export``) on its own, without
the database — what a third party does with the file; see ``apps.audit.export``.
"""

import sys
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from apps.audit.access import access_verify
from apps.audit.anchors import anchors_check, anchors_read
from apps.audit.export import ExportFormatError, ExportVerification, verify_export
from apps.audit.services import verification_record
from apps.audit.verify import verify_case_chain, verify_chain


class Command(BaseCommand):
    help = (
        "Recompute the audit log's hash chains (whole chain, or one case's) and report the first break; "
        "with --anchors, also check the chain against the anchors written outside the database; "
        "with --file, check a case export (audit_export) without the database."
    )

    def add_arguments(self, parser):
        parser.add_argument("--case", type=int, help="verify only this case's chain")
        parser.add_argument("--anchors", type=Path, help="directory of anchor files (AUDIT_ANCHOR_DIR)")
        parser.add_argument("--file", type=Path, help="a case export to check on its own, without the database")

    def handle(self, *args, **options):
        if options.get("file") is not None:
            if options.get("case") is not None or options.get("anchors") is not None:
                raise CommandError("--file checks an export on its own: do not combine it with --case or --anchors.")
            self._verify_file(options["file"])
            return
        case_id = options.get("case")
        directory = options.get("anchors")
        if directory is not None and case_id is not None:
            raise CommandError("--anchors checks the whole chain: do not combine it with --case.")
        anchors = None
        if directory is not None:
            if not directory.is_dir():
                raise CommandError(f"{directory}: no such directory")
            try:
                anchors = anchors_read(directory)
            except ValueError as exc:
                raise CommandError(str(exc)) from exc
        result = verify_case_chain(case_id) if case_id is not None else verify_chain()
        access = access_verify() if case_id is None else None
        verification_record(result=result, case_id=case_id, access=access)
        if not result.ok:
            self.stderr.write(f"BROKEN at seq {result.first_broken_seq}: {result.reason}")
            sys.exit(1)
        if access is not None and not access.ok:
            self.stderr.write(f"ACCESS LOG ALTERED at sealing event #{access.first_bad_seq}: {access.reason}")
            sys.exit(1)
        scope = f"case {case_id}: " if case_id is not None else ""
        head = result.head_hash or "-"
        self.stdout.write(f"OK: {scope}{result.events_checked} events, head seq {result.head_seq}, head hash {head}")
        if result.reason:
            self.stdout.write(f"note: {result.reason}")
        if access is not None:
            self.stdout.write(f"OK: {access.records_checked} sealed access records in {access.batches_checked} batches")
        if anchors is not None:
            check = anchors_check(anchors)
            if not check.ok:
                bad = check.first_mismatch
                self.stderr.write(
                    f"ANCHOR MISMATCH at {bad.source} (seq {bad.seq}, anchored {bad.at}): {check.reason}; "
                    f"{check.anchors_checked} earlier anchor(s) matched"
                )
                sys.exit(1)
            self.stdout.write(f"OK: {check.anchors_checked} anchors match")

    def _verify_file(self, path: Path) -> None:
        """Check an export file; no database access, so no ChainVerification row either."""
        try:
            with path.open("rb") as handle:
                result = verify_export(handle)
        except OSError as exc:
            raise CommandError(f"{path}: cannot read ({exc.strerror})") from exc
        except ExportFormatError as exc:
            raise CommandError(f"{path}: {exc}") from exc
        if not result.ok:
            self.stderr.write(f"BROKEN at {self._where(result)}: {result.reason}")
            sys.exit(1)
        anchored = (
            f"anchored at seq {result.anchor_seq} ({result.anchor_source})"
            if result.anchor_seq is not None
            else "no anchor: per-case chain and links only"
        )
        self.stdout.write(
            f"OK: {result.events} events of case {result.case_reference}, {result.links} links, {anchored}"
        )
        if result.links:
            self.stdout.write("note: the links (other events, content not in the file) are taken as given")

    @staticmethod
    def _where(result: ExportVerification) -> str:
        return f"line {result.bad_line}" + (f" (seq {result.bad_seq})" if result.bad_seq is not None else "")
