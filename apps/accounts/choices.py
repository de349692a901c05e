from django.db import models
from django.utils.translation import gettext_lazy as _


class UserKind(models.TextChoices):
    """Who an account belongs to: CNIL staff, or a person acting for an organisation (portal)."""

    STAFF = "staff", _("CNIL staff")
    ORGANISATION = "organisation", _("Organisation user")


class Role(models.TextChoices):
    """Staff roles, each backed by a Django group of the same name.

    Investigators investigate and record; they do not decide. Legal staff draft procedure
    documents and record the decisions of the President, the Bureau and the restricted
    committee. Managers assign work and watch deadlines and outcomes. Administrators manage
    accounts and reference data.
    """

    INVESTIGATOR = "investigator", _("Investigator")
    MANAGER = "manager", _("Manager")
    LEGAL = "legal", _("Legal")
    ADMINISTRATOR = "administrator", _("Administrator")


ROLE_DESCRIPTIONS = {
    Role.INVESTIGATOR: _(
        "Open and run cases, record organisations and their roles, collect evidence, send requests "
        "for information and record findings."
    ),
    Role.MANAGER: _("Assign work, watch overdue deadlines, workload and outcomes."),
    Role.LEGAL: _("Draft procedure documents and record the decisions taken on a case."),
    Role.ADMINISTRATOR: _("Manage user accounts, roles and reference data in the administration."),
}


# Apps whose models administrators manage in the admin: accounts, roles and reference data.
# Read-only models (audit) refuse changes in their own ModelAdmin whatever the permission.
# Later apps add their reference data here (e.g. the obligation catalogue). Never cases: a
# restricted case is for its team and managers only, administrators included.
ADMINISTERED_APPS = ("auth", "accounts", "audit", "axes", "dsfr", "django_celery_beat", "organisations", "outcomes")
