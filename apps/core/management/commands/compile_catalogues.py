"""``python manage.py compile_catalogues``: build the .mo files from the .po files in pure Python.

Django's ``compilemessages`` needs GNU gettext's ``msgfmt``, which a fresh laptop may not have;
polib writes the same binary catalogues without it. With ``--fill-english``, English entries
left empty by ``makemessages`` take their source text (the code is written in English), so only
French needs a translator.
"""

from pathlib import Path

import polib
from django.conf import settings
from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "Compile every locale/*/LC_MESSAGES/*.po into its .mo (no gettext needed)."

    def add_arguments(self, parser):
        parser.add_argument("--fill-english", action="store_true", help="copy source texts into empty English entries")

    def handle(self, *args, **options):
        count = 0
        for locale_dir in settings.LOCALE_PATHS:
            for po_path in sorted(Path(locale_dir).glob("*/LC_MESSAGES/*.po")):
                catalogue = polib.pofile(str(po_path))
                if options["fill_english"] and po_path.parts[-3] == "en":
                    self._fill(catalogue)
                    catalogue.save()
                catalogue.save_as_mofile(str(po_path.with_suffix(".mo")))
                count += 1
        self.stdout.write(f"Compiled {count} catalogue(s).")

    @staticmethod
    def _fill(catalogue: polib.POFile) -> None:
        catalogue.metadata_is_fuzzy = False
        for entry in catalogue:
            if "fuzzy" in entry.flags:
                entry.flags.remove("fuzzy")
                entry.msgstr = ""
            if not entry.msgstr and not entry.msgid_plural:
                entry.msgstr = entry.msgid
            elif entry.msgid_plural and not any(entry.msgstr_plural.values()):
                entry.msgstr_plural = {0: entry.msgid, 1: entry.msgid_plural}
