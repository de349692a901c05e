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
