from django.contrib.admin.apps import AdminConfig


class CnilAdminConfig(AdminConfig):
    """Replaces ``django.contrib.admin`` so every app registers on the guarded site."""

    default_site = "apps.accounts.admin_site.CnilAdminSite"
