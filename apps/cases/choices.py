from django.db import models
from django.utils.translation import gettext_lazy as _


class Origin(models.TextChoices):
    BREACH_NOTIFICATION = "breach_notification", _("Breach notification (Art. 33)")
    COMPLAINT = "complaint", _("Complaint")
    EX_OFFICIO = "ex_officio", _("Ex officio")
    EU_COOPERATION = "eu_cooperation", _("EU cooperation (Art. 56/60)")


class LegalRegime(models.TextChoices):
    """Which rules and fine tiers apply. Health data is a flag on the case, not a regime."""

    GDPR = "gdpr", _("GDPR")
    FRENCH_LAW_82 = "french_law_82", _("French law art. 82 (cookies and trackers)")
    DIRECTIVE_2016_680 = "directive_2016_680", _("Directive 2016/680 (police and justice)")
    ELECTRONIC_MARKETING = "electronic_marketing", _("Electronic marketing (CPCE L.34-5)")


class Priority(models.TextChoices):
    LOW = "low", _("Low")
    NORMAL = "normal", _("Normal")
    HIGH = "high", _("High")
    URGENT = "urgent", _("Urgent")


class Confidentiality(models.TextChoices):
    NORMAL = "normal", _("Normal")
    RESTRICTED = "restricted", _("Restricted")


class PartyRole(models.TextChoices):
    """Roles are per processing (GDPR Art. 4(7), 4(8), 26, 28)."""

    CONTROLLER = "controller", _("Controller")
    PROCESSOR = "processor", _("Processor")
    JOINT_CONTROLLER = "joint_controller", _("Joint controller")
    SUB_PROCESSOR = "sub_processor", _("Sub-processor")


class CaseStatus(models.TextChoices):
    OPENED = "opened", _("Opened")
    INVESTIGATING = "investigating", _("Investigating")
    REMINDER = "reminder", _("Reminder of legal obligations")
    WARNING = "warning", _("Warning")
    FORMAL_NOTICE = "formal_notice", _("Formal notice")
    NOTICE_COMPLIED = "notice_complied", _("Formal notice complied with")
    SANCTION_ORDINARY = "sanction_ordinary", _("Sanction procedure (ordinary)")
    SANCTION_SIMPLIFIED = "sanction_simplified", _("Sanction procedure (simplified)")
    SANCTION_URGENCY = "sanction_urgency", _("Sanction procedure (urgency)")
    DECIDED_SANCTION = "decided_sanction", _("Decision: sanction")
    DECIDED_NO_SANCTION = "decided_no_sanction", _("Decision: no sanction")
    APPEAL = "appeal", _("Appeal before the Conseil d'État")
    CLOSED = "closed", _("Closed")


class DecidingBody(models.TextChoices):
    """Who decides (investigators investigate, they do not decide)."""

    PRESIDENT = "president", _("President of the CNIL")
    BUREAU = "bureau", _("Bureau")
    RESTRICTED_COMMITTEE = "restricted_committee", _("Restricted committee")
    RESTRICTED_COMMITTEE_PRESIDENT = "restricted_committee_president", _("President of the restricted committee")
    CONSEIL_ETAT = "conseil_etat", _("Conseil d'État")


OPEN_STATUSES = frozenset(set(CaseStatus.values) - {CaseStatus.CLOSED})
