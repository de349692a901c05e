from django.apps import AppConfig
from django.apps import apps as global_apps
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _

from .choices import ADMINISTERED_APPS, Role


def ensure_role_groups(sender, apps=global_apps, using="default", **kwargs):
    """One group per role, like Django's own permissions: created after every migrate (and flush).

    Runs after each app's own post_migrate (permissions are created there first), so the
    administrator group ends up with every permission of the apps it administers.
    """
    try:
        group_model = apps.get_model("auth", "Group")
        permission_model = apps.get_model("auth", "Permission")
    except LookupError:  # auth not migrated yet
        return
    groups = {role: group_model.objects.using(using).get_or_create(name=role)[0] for role in Role.values}
    admin_permissions = permission_model.objects.using(using).filter(content_type__app_label__in=ADMINISTERED_APPS)
    groups[Role.ADMINISTRATOR].permissions.add(*admin_permissions)


class AccountsConfig(AppConfig):
    name = "apps.accounts"
    label = "accounts"
    verbose_name = _("Accounts")

    def ready(self):
        post_migrate.connect(ensure_role_groups, dispatch_uid="accounts.ensure_role_groups")
        # Connects the receiver that starts each session's clock at login.
        from . import sessions  # noqa: F401
