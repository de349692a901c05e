from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _

from .choices import Role


def ensure_role_groups(sender, apps, using="default", **kwargs):
    """One group per role, like Django's own permissions: created after every migrate (and flush)."""
    group_model = apps.get_model("auth", "Group")
    for role in Role.values:
        group_model.objects.using(using).get_or_create(name=role)


class AccountsConfig(AppConfig):
    name = "apps.accounts"
    label = "accounts"
    verbose_name = _("Accounts")

    def ready(self):
        post_migrate.connect(ensure_role_groups, sender=self, dispatch_uid="accounts.ensure_role_groups")

