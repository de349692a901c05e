"""``python manage.py evidence_extract_texts [--limit N]``: read the text of blobs still pending.

For files stored before text extraction existed, or whose queued task was lost: each blob is read
once (the same service as the Celery task, so a blob already read is left alone).
"""

from django.core.management.base import BaseCommand

from apps.evidence.text import pending_texts_extract


class Command(BaseCommand):
    help = "Extract, for search, the text of stored evidence files whose extraction is still pending."

    def add_arguments(self, parser):
        parser.add_argument("--limit", type=int, default=1000, help="At most this many files (default 1000).")

    def handle(self, *args, limit: int, **options):
        count = pending_texts_extract(limit=limit)
        self.stdout.write(f"{count} file(s) read.")
