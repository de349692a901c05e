from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from guardian.models import UserObjectPermissionBase

from apps.core.history import CaseHistory
from apps.core.models import TimeStampedModel
from apps.organisations.models import Organisation

from .choices import CaseStatus, Confidentiality, DecidingBody, LegalRegime, Origin, PartyRole, Priority


class CaseQuerySet(models.QuerySet):
    def open(self):
        return self.exclude(status=CaseStatus.CLOSED)


class Case(TimeStampedModel):
    """An investigation. Its status changes only through ``cases.services.case_transition``.

    The reference (``2026-000123``) is unique per Europe/Paris year; numbers may have gaps.
    Restricted cases are visible only to their team and to managers.
    """

    reference = models.CharField(_("reference"), max_length=20, unique=True, editable=False)
    origin = models.CharField(_("origin"), max_length=30, choices=Origin.choices)
    legal_regime = models.CharField(_("legal regime"), max_length=30, choices=LegalRegime.choices)
    title = models.CharField(_("title"), max_length=255)
    summary = models.TextField(_("summary"), blank=True)
    priority = models.CharField(_("priority"), max_length=10, choices=Priority.choices, default=Priority.NORMAL)
    confidentiality = models.CharField(
        _("confidentiality"), max_length=12, choices=Confidentiality.choices, default=Confidentiality.NORMAL
    )
    health_data = models.BooleanField(_("health data"), default=False)
    status = models.CharField(_("status"), max_length=30, choices=CaseStatus.choices, default=CaseStatus.OPENED)
    origin_case = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="linked_cases",
        verbose_name=_("origin case"),
    )
    lead_investigator = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="lead_cases",
        verbose_name=_("lead investigator"),
    )
    opened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("opened by")
    )
    last_activity_at = models.DateTimeField(_("last activity"), default=timezone.now)

    history = CaseHistory(no_db_index=["id", "reference", "origin_case", "lead_investigator", "opened_by"])
    objects = CaseQuerySet.as_manager()

    class Meta:
        verbose_name = _("case")
        verbose_name_plural = _("cases")
        ordering = ["-last_activity_at", "-id"]
        indexes = [
            models.Index(fields=["-last_activity_at", "-id"], name="case_activity_idx"),
            models.Index(fields=["status", "-last_activity_at", "-id"], name="case_status_activity_idx"),
            # A user's cases found through their object permissions (a thousand of a million): the
            # list's keys read from this index alone, one probe per case, then the page's rows.
            models.Index(fields=["id", "last_activity_at", "confidentiality"], name="case_team_list_idx"),
        ]
        permissions = [("assign_case", _("Can assign a case"))]

    def __str__(self) -> str:
        return f"{self.reference} — {self.title}"

    def get_absolute_url(self) -> str:
        return reverse("cases:detail", args=[self.pk])

    @property
    def is_restricted(self) -> bool:
        return self.confidentiality == Confidentiality.RESTRICTED


class CaseReferenceCounter(models.Model):
    """Last number given per Europe/Paris year; locked while a case is opened."""

    year = models.PositiveSmallIntegerField(primary_key=True)
    last_number = models.PositiveIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.year}: {self.last_number}"


class CaseUserObjectPermission(UserObjectPermissionBase):
    """django-guardian direct foreign-key permission table: fast joins, no generic relation."""

    content_object = models.ForeignKey(Case, on_delete=models.CASCADE)


class Complainant(models.Model):
    """The person who lodged a complaint. Confidential: never shown to any organisation."""

    case = models.OneToOneField(Case, on_delete=models.CASCADE, related_name="complainant")
    full_name = models.CharField(_("complainant's name"), max_length=200)
    email = models.EmailField(_("complainant's e-mail"), blank=True)
    phone = models.CharField(_("complainant's phone"), max_length=40, blank=True)
    postal_address = models.TextField(_("complainant's address"), blank=True)
    lodged_on = models.DateField(_("complaint lodged on"))

    history = CaseHistory(case="case", no_db_index=["id", "case"])

    class Meta:
        verbose_name = _("complainant")
        verbose_name_plural = _("complainants")

    def __str__(self) -> str:
        return self.full_name


class Party(models.Model):
    """An organisation in a case, with its role for a named processing."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="parties")
    organisation = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="case_parties", verbose_name=_("organisation")
    )
    role = models.CharField(_("role"), max_length=20, choices=PartyRole.choices)
    processing = models.CharField(_("processing"), max_length=200)
    added_at = models.DateTimeField(_("added at"), default=timezone.now)

    history = CaseHistory(case="case", no_db_index=["id", "organisation", "case"])

    class Meta:
        verbose_name = _("party")
        verbose_name_plural = _("parties")
        ordering = ["added_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["case", "organisation", "role", "processing"], name="party_unique_role_per_processing"
            )
        ]

    def __str__(self) -> str:
        return f"{self.organisation} ({self.get_role_display()})"


class CaseTransition(models.Model):
    """One status change: who, when, from, to, why, and for a decision the body and its reference."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="transitions")
    from_status = models.CharField(_("from"), max_length=30, choices=CaseStatus.choices)
    to_status = models.CharField(_("to"), max_length=30, choices=CaseStatus.choices)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField(_("at"), default=timezone.now)
    reason = models.TextField(_("reason"))
    deciding_body = models.CharField(_("decided by"), max_length=40, choices=DecidingBody.choices, blank=True)
    decision_reference = models.CharField(_("decision reference"), max_length=120, blank=True)

    class Meta:
        verbose_name = _("transition")
        verbose_name_plural = _("transitions")
        ordering = ["at", "id"]
        constraints = [
            models.CheckConstraint(condition=~Q(from_status=models.F("to_status")), name="transition_changes_status")
        ]

    def __str__(self) -> str:
        return f"{self.case_id}: {self.from_status} → {self.to_status}"
