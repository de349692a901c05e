from django.db import models
from django.utils.translation import gettext_lazy as _


class FineTier(models.TextChoices):
    """GDPR Art. 83: the two ceilings, the higher of a fixed amount and a share of turnover."""

    ART_83_4 = "83_4", _("Art. 83(4): EUR 10 million or 2% of worldwide turnover")
    ART_83_5 = "83_5", _("Art. 83(5): EUR 20 million or 4% of worldwide turnover")


class AssessmentStatus(models.TextChoices):
    NOT_ASSESSED = "not_assessed", _("Not assessed")
    COMPLIANT = "compliant", _("Compliant")
    INFRINGEMENT = "infringement", _("Infringement found")
    REMEDIED = "remedied", _("Infringement remedied")


FINDING_STATUSES = (AssessmentStatus.INFRINGEMENT, AssessmentStatus.REMEDIED)


class Weight(models.TextChoices):
    """How an Art. 83(2) factor bears on a sanction."""

    AGGRAVATING = "aggravating", _("Aggravating")
    MITIGATING = "mitigating", _("Mitigating")
    NEUTRAL = "neutral", _("Neutral")


class Intent(models.TextChoices):
    """Art. 83(2)(b)."""

    INTENTIONAL = "intentional", _("Intentional")
    NEGLIGENT = "negligent", _("Negligent")
    UNDETERMINED = "undetermined", _("Not determined")


class Cooperation(models.TextChoices):
    """Art. 83(2)(f)."""

    FULL = "full", _("Full cooperation")
    PARTIAL = "partial", _("Partial cooperation")
    NONE = "none", _("No cooperation")


class HowLearned(models.TextChoices):
    """Art. 83(2)(h): how the authority learned of the infringement."""

    BREACH_NOTIFICATION = "breach_notification", _("Notified by the organisation")
    COMPLAINT = "complaint", _("Complaint")
    OWN_INITIATIVE = "own_initiative", _("The CNIL's own control")
    PRESS = "press", _("Press or public sources")
    OTHER = "other", _("Other")


class EarlierMeasures(models.TextChoices):
    """Art. 83(2)(i): compliance with measures previously ordered on the same subject."""

    NONE_ORDERED = "none_ordered", _("No earlier measure")
    COMPLIED = "complied", _("Earlier measures complied with")
    NOT_COMPLIED = "not_complied", _("Earlier measures not complied with")


class DataCategory(models.TextChoices):
    """Art. 83(2)(g): categories of personal data affected."""

    CIVIL_STATUS = "civil_status", _("Civil status")
    NIR = "nir", _("Social security number (NIR)")
    HEALTH = "health", _("Health data")
    SPECIAL = "special", _("Other special categories (Art. 9)")
    CRIMINAL = "criminal", _("Offences and convictions (Art. 10)")
    FINANCIAL = "financial", _("Financial data")
    CONTACT = "contact", _("Contact details")
    CREDENTIALS = "credentials", _("Credentials")
    OTHER = "other", _("Other")


class DocumentKind(models.TextChoices):
    """The legal documents delivered formally (DOMAIN.md "Formal delivery")."""

    FORMAL_NOTICE = "formal_notice", _("Formal notice")
    SANCTION_REPORT = "sanction_report", _("Sanction report")
    HEARING_CONVOCATION = "hearing_convocation", _("Convocation to the hearing")
    DECISION = "decision", _("Decision")
    LIQUIDATION_NOTICE = "liquidation_notice", _("Periodic penalty liquidation notice")


class DeliveryMeans(models.TextChoices):
    """Means that prove the date of receipt; a portal message or an e-mail alone is not one."""

    SIGNED_RECEIPT_LETTER = "signed_receipt_letter", _("Registered letter with signed receipt")
    BAILIFF = "bailiff", _("Bailiff (commissaire de justice)")
    QUALIFIED_ERM = "qualified_erm", _("Qualified electronic registered mail")


class NoticeStatus(models.TextChoices):
    ISSUED = "issued", _("Issued, not yet received")
    RUNNING = "running", _("Received: compliance period running")
    COMPLIED = "complied", _("Complied with")
    NOT_COMPLIED = "not_complied", _("Not complied with")


class MeasureStatus(models.TextChoices):
    PENDING = "pending", _("Not checked yet")
    MET = "met", _("Met")
    NOT_MET = "not_met", _("Not met")


class Procedure(models.TextChoices):
    ORDINARY = "ordinary", _("Ordinary procedure")
    URGENCY = "urgency", _("Urgency procedure")
    SIMPLIFIED = "simplified", _("Simplified procedure")


class ProcedureStep(models.TextChoices):
    """Where a sanction procedure stands (DOMAIN.md "Sanction, ordinary procedure")."""

    OPEN = "open", _("Rapporteur appointed")
    REPORT = "report", _("Report delivered: written observations")
    CLOSED = "closed", _("Investigation closed by the rapporteur")
    DECIDED = "decided", _("Decided")


class ObservationAuthor(models.TextChoices):
    ORGANISATION = "organisation", _("Organisation's observations")
    RAPPORTEUR = "rapporteur", _("Rapporteur's reply")


class SuspensionOutcome(models.TextChoices):
    NOT_REQUESTED = "not_requested", _("No suspension requested")
    PENDING = "pending", _("Suspension requested, pending")
    GRANTED = "granted", _("Suspension ordered by the urgency judge")
    REJECTED = "rejected", _("Suspension refused")


class AppealOutcome(models.TextChoices):
    PENDING = "pending", _("Pending before the Conseil d'État")
    CONFIRMED = "confirmed", _("Decision confirmed")
    ANNULLED = "annulled", _("Decision annulled")
    REDUCED = "reduced", _("Fine reduced")
