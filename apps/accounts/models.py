from django.contrib.auth.models import AbstractBaseUser, PermissionsMixin
from django.db import models
from django.db.models.functions import Lower
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from .choices import Role, UserKind
from .managers import UserManager


class User(AbstractBaseUser, PermissionsMixin):
    """A person who logs in: CNIL staff, or someone acting for an organisation on the portal.

    Identified by e-mail (unique, case-insensitive). Staff roles are Django groups named after
    :class:`Role`; they are granted and revoked only through ``apps.accounts.services``.
    Every account must pass a second factor (TOTP or a recovery code) before using any page.
    """

    email = models.EmailField(_("e-mail address"), unique=True)
    full_name = models.CharField(_("full name"), max_length=200)
    kind = models.CharField(_("kind"), max_length=20, choices=UserKind.choices, default=UserKind.STAFF)
    is_active = models.BooleanField(_("active"), default=True)
    date_joined = models.DateTimeField(_("date joined"), default=timezone.now)

    history = HistoricalRecords(excluded_fields=["password", "last_login"], no_db_index=["id", "email"])

    objects = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS = ["full_name"]

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")
        ordering = ["full_name", "email"]
        constraints = [models.UniqueConstraint(Lower("email"), name="accounts_user_email_ci_unique")]

    def __str__(self) -> str:
        return f"{self.full_name} <{self.email}>" if self.full_name else self.email

    def get_absolute_url(self) -> str:
        return reverse("accounts:home")

    def get_full_name(self) -> str:
        return self.full_name or self.email

    def get_short_name(self) -> str:
        return self.full_name.split(" ")[0] if self.full_name else self.email

    @property
    def is_staff(self) -> bool:
        """Django admin access: administrators only (the admin site checks the second factor too)."""
        return self.is_active and self.kind == UserKind.STAFF and Role.ADMINISTRATOR in self.roles

    @cached_property
    def roles(self) -> frozenset[str]:
        """The user's role codes; one query, cached for the request."""
        if not self.pk:
            return frozenset()
        valid = set(Role.values)
        return frozenset(name for name in self.groups.values_list("name", flat=True) if name in valid)

    def has_role(self, *roles: str) -> bool:
        return self.is_active and bool(self.roles.intersection(roles))

    @property
    def audit_role(self) -> str:
        """The role snapshot written in audit events."""
        return ",".join(sorted(self.roles)) if self.kind == UserKind.STAFF else UserKind.ORGANISATION

    @property
    def audit_kind(self) -> str:
        return "organisation" if self.kind == UserKind.ORGANISATION else "staff"
