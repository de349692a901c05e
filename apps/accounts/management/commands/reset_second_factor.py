"""``python manage.py reset_second_factor EMAIL``: remove an account's second factors from the server.

For the case the admin cannot handle: the only administrator has lost their passkey, so no one can
open the admin to reset it. The account's app, recovery codes and passkeys are removed, its sessions
ended, and the reset recorded in the audit log like the admin's (with no actor: the server's operator).
"""

from django.core.management.base import BaseCommand, CommandError

from apps.accounts import services
from apps.accounts.models import User


class Command(BaseCommand):
    help = "Remove the second factors (app, recovery codes, passkeys) of the account with this e-mail address."

    def add_arguments(self, parser):
        parser.add_argument("email")

    def handle(self, *args, email: str, **options):
        try:
            user = User.objects.get_by_natural_key(email.strip())  # the address, whatever its case
        except User.DoesNotExist:
            raise CommandError(f"No account has the address {email!r}.") from None
        services.second_factor_reset(actor=None, user=user)
        self.stdout.write(f"Second factors of {user.email} removed: they enrol again at their next login.")
