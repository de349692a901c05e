"""``python manage.py demo_codes``: the current TOTP code of each demo account."""

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from apps.accounts.demo import DEMO_ACCOUNTS, current_code, demo_totp_key


class Command(BaseCommand):
    help = "Print the current second-factor code of each demo account (DEBUG only)."

    def handle(self, *args, **options):
        if not settings.DEBUG:
            raise CommandError("demo_codes runs only with DEBUG on.")
        for account in DEMO_ACCOUNTS:
            self.stdout.write(f"{account.email:<30} {current_code(demo_totp_key(account.email))}")
