from django.db import models
from django.utils.translation import gettext_lazy as _


class Phase(models.TextChoices):
    """GDPR Art. 33(4): information may come in phases."""

    INITIAL = "initial", _("Initial notification")
    COMPLEMENTARY = "complementary", _("Complementary notification")


class Nature(models.TextChoices):
    CONFIDENTIALITY = "confidentiality", _("Confidentiality")
    INTEGRITY = "integrity", _("Integrity")
    AVAILABILITY = "availability", _("Availability")


class DataCategory(models.TextChoices):
    CIVIL_STATUS = "civil_status", _("Civil status")
    BIRTH_DATE = "birth_date", _("Date of birth")
    NIR = "nir", _("Social security number (NIR)")
    HEALTH = "health", _("Health data")
    BANKING = "banking", _("Banking data")
    CONTACT = "contact", _("Contact details")
    CREDENTIALS = "credentials", _("Credentials")
    INSURANCE = "insurance", _("Insurer and coverage")
    OTHER = "other", _("Other")


class SubjectCategory(models.TextChoices):
    INSURED = "insured", _("Insured persons")
    PATIENTS = "patients", _("Patients")
    HEALTH_PROFESSIONALS = "health_professionals", _("Health professionals")
    EMPLOYEES = "employees", _("Employees")
    CUSTOMERS = "customers", _("Customers")
    OTHER = "other", _("Other")


class NotificationStatus(models.TextChoices):
    NOT_RECEIVED = "not_received", _("Not received")
    ON_TIME = "on_time", _("Received within 72 hours")
    LATE = "late", _("Received late")
    NOT_NOTIFIED = "not_notified", _("Not notified (no risk, Art. 33(5))")


class CommunicationDecision(models.TextChoices):
    """GDPR Art. 34: communication to the data subjects, or the exemption relied on (34(3))."""

    PENDING = "pending", _("Not decided yet")
    REQUIRED = "required", _("Communication required (high risk)")
    EXEMPT_UNINTELLIGIBLE = "exempt_unintelligible", _("Exempt: data unintelligible (Art. 34(3)(a))")
    EXEMPT_RISK_REMOVED = "exempt_risk_removed", _("Exempt: high risk no longer likely (Art. 34(3)(b))")
    PUBLIC_COMMUNICATION = "public_communication", _("Disproportionate effort: public communication (Art. 34(3)(c))")


class CampaignChannel(models.TextChoices):
    LETTER = "letter", _("Letter")
    EMAIL = "email", _("E-mail")
    PORTAL = "portal", _("Insured person's portal")
    SMS = "sms", _("SMS")
    PUBLIC_NOTICE = "public_notice", _("Public notice")


class IdentifierKind(models.TextChoices):
    NIR = "nir", _("Social security number (NIR)")
    OTHER = "other", _("Other identifier (member number...)")


class RecipientChannel(models.IntegerChoices):
    """Per data subject channels of an imported report (codes of pseudonymise.CHANNELS)."""

    LETTER = 1, _("Letter")
    EMAIL = 2, _("E-mail")
    PORTAL = 3, _("Insured person's portal")
    SMS = 4, _("SMS")


class RecipientStatus(models.IntegerChoices):
    SENT = 1, _("Sent")
    FAILED = 2, _("Failed")


class ImportMode(models.TextChoices):
    ALL_OR_NOTHING = "all", _("Import nothing if any row is bad")
    GOOD_ROWS = "good", _("Import the good rows and report the bad ones")


class ImportStatus(models.TextChoices):
    QUEUED = "queued", _("Queued")
    RUNNING = "running", _("Running")
    COMPLETED = "completed", _("Imported")
    REJECTED = "rejected", _("Rejected: bad rows, nothing imported")
    FAILED = "failed", _("Failed")


class BadRowReason(models.IntegerChoices):
    """Why a row of a report was refused (codes of pseudonymise.Reason)."""

    FIELDS = 1, _("wrong number of columns")
    ENCODING = 2, _("not UTF-8 text")
    IDENTIFIER_EMPTY = 3, _("no identifier")
    NIR_FORMAT = 4, _("not a social security number (15 characters)")
    NIR_KEY = 5, _("social security number with a wrong key (mod 97)")
    CHANNEL = 6, _("unknown channel (letter, email, portal, sms)")
    STATUS = 7, _("unknown status (sent, failed)")
    DATE = 8, _("invalid date (YYYY-MM-DD or DD/MM/YYYY)")
    DATE_FUTURE = 9, _("date in the future")
    DUPLICATE = 10, _("identifier repeated for the same channel")
