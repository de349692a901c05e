"""``python manage.py seed_demo``: demo accounts, then every app's part of the demo scenario (idempotent)."""

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from apps.accounts.demo import DEMO_PASSWORD, base32_secret, current_code, demo_totp_key, seed_demo_accounts
from apps.core.registry import demo_seeders


class Command(BaseCommand):
    help = "Create the demo accounts (known passwords and TOTP secrets). Refused unless DEBUG is on."

    def add_arguments(self, parser):
        parser.add_argument(
            "--force", action="store_true", help="Run even with DEBUG off (tests, a throwaway staging database)."
        )

    def handle(self, *args, **options):
        if not settings.DEBUG and not options["force"]:
            raise CommandError("seed_demo creates accounts with published passwords: it runs only with DEBUG on.")
        results = seed_demo_accounts()
        self.stdout.write(self.style.SUCCESS(f"Demo accounts (password for all: {DEMO_PASSWORD})"))
        for account, _user, created in results:
            key = demo_totp_key(account.email)
            self.stdout.write(
                f"  {account.email:<30} {','.join(account.roles):<14} "
                f"TOTP secret {base32_secret(key)}  code now {current_code(key)}" + ("  (created)" if created else "")
            )
        self.stdout.write(
            "Add a secret to an authenticator app, or run `make codes` for the current codes of every demo account."
        )
        for name, step in demo_seeders:
            with transaction.atomic():
                summary = step()
            self.stdout.write(f"{name}: {summary}")
