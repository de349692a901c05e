"""Evidence: content-addressed blobs, evidence items that point at them, and their custody log."""

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from apps.cases.models import Case, Party
from apps.core.history import CaseHistory

from .choices import CustodyKind, EvidenceSource, ExtractionStatus


class Blob(models.Model):
    """Stored bytes, named by their SHA-256: identical content is stored once.

    Deduplication is decided by the unique ``sha256`` here, never by the storage's file names.
    A blob is never replaced nor deleted through the application.
    """

    sha256 = models.CharField(_("SHA-256"), max_length=64, unique=True)
    size = models.BigIntegerField(_("size (bytes)"))
    media_type = models.CharField(_("media type"), max_length=120)
    storage_name = models.CharField(_("storage name"), max_length=255, unique=True)
    created_at = models.DateTimeField(_("stored at"), default=timezone.now)
    # Text read from the file for search (apps/evidence/extraction.py); it belongs to the bytes, so
    # every evidence item sharing the blob is found by it. PostgreSQL keeps a search vector of each
    # item, its blob's text included, refreshed by trigger (migration 0004).
    extracted_text = models.TextField(_("extracted text"), blank=True, editable=False)
    extraction_status = models.CharField(
        _("text extraction"), max_length=12, choices=ExtractionStatus.choices, default=ExtractionStatus.PENDING
    )
    extraction_reason = models.CharField(_("text extraction detail"), max_length=255, blank=True)
    extracted_at = models.DateTimeField(_("text extracted at"), null=True, blank=True)

    class Meta:
        verbose_name = _("blob")
        verbose_name_plural = _("blobs")

    def __str__(self) -> str:
        return self.sha256


class Evidence(models.Model):
    """An item of evidence on a case. Its file never changes; a correction supersedes it."""

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="evidence", verbose_name=_("case"))
    blob = models.ForeignKey(Blob, on_delete=models.PROTECT, related_name="evidence", editable=False)
    title = models.CharField(_("title"), max_length=255)
    description = models.TextField(_("description"), blank=True)
    source = models.CharField(_("source"), max_length=20, choices=EvidenceSource.choices)
    original_filename = models.CharField(_("file name"), max_length=255)
    collected_at = models.DateTimeField(_("collected at"), null=True, blank=True)
    collected_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("collected by"),
    )
    personal_data = models.BooleanField(_("personal data"), default=False)
    health_data = models.BooleanField(_("health data"), default=False)
    nir = models.BooleanField(_("social security numbers (NIR)"), default=False)
    parties = models.ManyToManyField(Party, blank=True, related_name="evidence", verbose_name=_("parties"))
    supersedes = models.OneToOneField(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="superseded_by",
        verbose_name=_("supersedes"),
    )
    registered_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    registered_at = models.DateTimeField(_("registered at"), default=timezone.now)

    history = CaseHistory(
        case="case",
        m2m_fields=[parties],
        no_db_index=["id", "blob", "collected_by", "supersedes", "registered_by", "evidence", "party", "case"],
    )

    class Meta:
        verbose_name = _("evidence item")
        verbose_name_plural = _("evidence items")
        ordering = ["registered_at", "id"]
        indexes = [models.Index(fields=["case", "registered_at"], name="evidence_case_idx")]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("evidence:detail", args=[self.case_id, self.pk])


class CustodyEventQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise CustodyLogAppendOnlyError

    def delete(self):
        raise CustodyLogAppendOnlyError


class CustodyLogAppendOnlyError(Exception):
    """Custody events are never changed nor removed."""


class CustodyEvent(models.Model):
    """One link of the chain of custody of an evidence item (append-only, also an audit event)."""

    evidence = models.ForeignKey(Evidence, on_delete=models.PROTECT, related_name="custody")
    # The evidence's case, copied (an item never changes case): the case timeline reads a case's
    # newest custody events from the index below, not every event of its thousands of items.
    case = models.ForeignKey("cases.Case", on_delete=models.PROTECT, related_name="+", db_index=False)
    kind = models.CharField(_("event"), max_length=20, choices=CustodyKind.choices)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+")
    at = models.DateTimeField(_("at"), default=timezone.now)
    ip = models.GenericIPAddressField(_("IP address"), null=True, blank=True)
    detail = models.JSONField(_("detail"), default=dict, blank=True)

    objects = CustodyEventQuerySet.as_manager()

    class Meta:
        verbose_name = _("custody event")
        verbose_name_plural = _("custody events")
        ordering = ["at", "id"]
        indexes = [models.Index(fields=["case", "at", "id"], name="custody_case_time_idx")]

    def __str__(self) -> str:
        return f"{self.evidence_id} {self.kind} {self.at:%Y-%m-%d %H:%M}"

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise CustodyLogAppendOnlyError
        if self.case_id is None:
            self.case_id = self.evidence.case_id
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise CustodyLogAppendOnlyError


class IntegrityAlert(models.Model):
    """A stored blob that no longer matches its hash, or has gone missing."""

    class Problem(models.TextChoices):
        MISMATCH = "mismatch", _("Content does not match its SHA-256")
        MISSING = "missing", _("Stored file missing")

    blob = models.ForeignKey(Blob, on_delete=models.PROTECT, related_name="alerts")
    problem = models.CharField(_("problem"), max_length=20, choices=Problem.choices)
    detected_at = models.DateTimeField(_("detected at"), default=timezone.now)
    detail = models.TextField(_("detail"), blank=True)

    class Meta:
        verbose_name = _("integrity alert")
        verbose_name_plural = _("integrity alerts")
        ordering = ["-detected_at"]

    def __str__(self) -> str:
        return f"{self.blob_id} {self.problem}"


class IntegrityCursor(models.Model):
    """Where the integrity pass stopped: the next run resumes after ``last_blob_id``."""

    id = models.PositiveSmallIntegerField(primary_key=True, default=1)
    last_blob_id = models.BigIntegerField(default=0)
    pass_started_at = models.DateTimeField(null=True, blank=True)
    last_full_pass_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"after blob {self.last_blob_id}"
