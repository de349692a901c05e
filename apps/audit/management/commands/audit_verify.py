"""``python manage.py audit_verify [--case ID]``: recompute the hash chains.

Exit 0 printing the number of events and the head hash; exit 1 naming the first broken
sequence number.
"""

import sys

from django.core.management.base import BaseCommand

from apps.audit.services import verification_record
from apps.audit.verify import verify_case_chain, verify_chain


class Command(BaseCommand):
    help = "Recompute the audit log's hash chains (whole chain, or one case's) and report the first break."

    def add_arguments(self, parser):
        parser.add_argument("--case", type=int, help="verify only this case's chain")

    def handle(self, *args, **options):
        case_id = options.get("case")
        result = verify_case_chain(case_id) if case_id is not None else verify_chain()
        verification_record(result=result, case_id=case_id)
        if not result.ok:
            self.stderr.write(f"BROKEN at seq {result.first_broken_seq}: {result.reason}")
            sys.exit(1)
        scope = f"case {case_id}: " if case_id is not None else ""
        head = result.head_hash or "-"
        self.stdout.write(f"OK: {scope}{result.events_checked} events, head seq {result.head_seq}, head hash {head}")
        if result.reason:
            self.stdout.write(f"note: {result.reason}")
