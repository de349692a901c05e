"""Art. 33 breach notifications as received by the CNIL, phase by phase, per controller."""

from datetime import timedelta

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from apps.cases.models import Case
from apps.core.history import CaseHistory
from apps.organisations.models import Organisation

from .choices import (
    BadRowReason,
    CampaignChannel,
    CommunicationDecision,
    IdentifierKind,
    ImportMode,
    ImportStatus,
    Phase,
    RecipientChannel,
    RecipientStatus,
)

# GDPR Art. 33(1): at most 72 hours after becoming aware; hours never move.
NOTIFICATION_PERIOD = timedelta(hours=72)


class BreachNotification(models.Model):
    """One phase of a controller's notification (Art. 33(3) content), kept as received.

    The consolidated picture of a controller is its latest phase. For a processor incident the
    controller's awareness is, by default, when its processor informed it (EDPB Guidelines 9/2022).
    """

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="breach_notifications")
    controller = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="breach_notifications", verbose_name=_("controller")
    )
    phase = models.CharField(_("phase"), max_length=20, choices=Phase.choices)
    received_at = models.DateTimeField(_("received at"))
    processor_informed_at = models.DateTimeField(_("informed by its processor at"), null=True, blank=True)
    awareness_at = models.DateTimeField(_("aware at"))
    occurred_from = models.DateTimeField(_("breach from"), null=True, blank=True)
    occurred_to = models.DateTimeField(_("breach until"), null=True, blank=True)
    natures = models.JSONField(_("nature"), default=list)
    data_categories = models.JSONField(_("categories of data"), default=list)
    subject_categories = models.JSONField(_("categories of data subjects"), default=list)
    approx_subjects = models.PositiveBigIntegerField(_("approximate number of data subjects"), null=True, blank=True)
    approx_records = models.PositiveBigIntegerField(_("approximate number of records"), null=True, blank=True)
    dpo_contact = models.CharField(_("DPO or contact"), max_length=255, blank=True)
    likely_consequences = models.TextField(_("likely consequences"), blank=True)
    measures_taken = models.TextField(_("measures taken"), blank=True)
    measures_proposed = models.TextField(_("measures proposed"), blank=True)
    cross_border = models.BooleanField(_("cross-border"), default=False)
    delay_reason = models.TextField(_("reasons for the delay"), blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(auto_now_add=True)

    history = CaseHistory(case="case", no_db_index=["id", "controller", "recorded_by", "case"])

    class Meta:
        verbose_name = _("breach notification")
        verbose_name_plural = _("breach notifications")
        ordering = ["received_at", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(awareness_at__lte=F("received_at")), name="breach_aware_before_receipt"),
            models.CheckConstraint(
                condition=Q(occurred_to__isnull=True)
                | Q(occurred_from__isnull=True)
                | Q(occurred_from__lte=F("occurred_to")),
                name="breach_period_ordered",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.controller} — {self.get_phase_display()} ({self.received_at:%Y-%m-%d})"

    @property
    def due_at(self):
        return self.awareness_at + NOTIFICATION_PERIOD

    @property
    def is_late(self) -> bool:
        return self.received_at > self.due_at

    @property
    def late_without_reason(self) -> bool:
        """Art. 33(1): a late notification states the reasons for the delay."""
        return self.is_late and not self.delay_reason.strip()


class NoNotificationDecision(models.Model):
    """A controller that decided not to notify (no risk), with its reasoning (Art. 33(5) register)."""

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="no_notification_decisions")
    controller = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="+")
    reasoning = models.TextField(_("reasoning"))
    decided_at = models.DateTimeField(_("decided at"))
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    history = CaseHistory(case="case", no_db_index=["id", "controller", "recorded_by", "case"])

    class Meta:
        verbose_name = _("decision not to notify")
        verbose_name_plural = _("decisions not to notify")
        constraints = [models.UniqueConstraint(fields=["case", "controller"], name="one_no_notification_per_case")]

    def __str__(self) -> str:
        return f"{self.controller}: no notification"


class Campaign(models.Model):
    """A controller's communication to the data subjects (GDPR Art. 34), and its progress.

    ``sent`` and ``failed`` count data subjects (not messages): entered by hand from a
    controller's figures, or computed from its imported per-person reports.
    """

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="campaigns")
    controller = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="campaigns", verbose_name=_("controller")
    )
    decision = models.CharField(
        _("decision"), max_length=30, choices=CommunicationDecision.choices, default=CommunicationDecision.PENDING
    )
    exemption_reasoning = models.TextField(_("reasoning of the exemption"), blank=True)
    channels = models.JSONField(_("channels"), default=list)
    identifier_kind = models.CharField(
        _("identifiers in the reports"), max_length=10, choices=IdentifierKind.choices, default=IdentifierKind.NIR
    )
    planned_total = models.PositiveBigIntegerField(_("data subjects to inform"), null=True, blank=True)
    sent = models.PositiveBigIntegerField(_("informed"), default=0)
    failed = models.PositiveBigIntegerField(_("failed"), default=0)
    started_on = models.DateField(_("started on"), null=True, blank=True)
    ended_on = models.DateField(_("ended on"), null=True, blank=True)
    order_received_at = models.DateTimeField(_("CNIL order received at (Art. 34(4))"), null=True, blank=True)
    order_period_days = models.PositiveSmallIntegerField(_("period set by the order (days)"), null=True, blank=True)
    counts_from_imports = models.BooleanField(default=False)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    updated_at = models.DateTimeField(auto_now=True)

    history = CaseHistory(case="case", no_db_index=["id", "controller", "recorded_by", "case"])

    class Meta:
        verbose_name = _("communication campaign")
        verbose_name_plural = _("communication campaigns")
        ordering = ["controller__legal_name", "id"]
        constraints = [
            models.UniqueConstraint(fields=["case", "controller"], name="one_campaign_per_controller_and_case"),
            models.CheckConstraint(
                condition=Q(ended_on__isnull=True) | Q(started_on__isnull=True) | Q(started_on__lte=F("ended_on")),
                name="campaign_period_ordered",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.controller} — {self.get_decision_display()}"

    @property
    def channel_labels(self) -> str:
        labels = dict(CampaignChannel.choices)
        return ", ".join(str(labels.get(code, code)) for code in self.channels)

    @property
    def progress_percent(self) -> int | None:
        if not self.planned_total:
            return None
        return min(100, round(100 * self.sent / self.planned_total))


class CampaignRecipient(models.Model):
    """One data subject and channel of a campaign, as last reported. No identifier in clear: a keyed hash.

    Tens of millions of rows, no per-row history (the import that wrote them is an audit event).
    """

    pk = models.CompositePrimaryKey("campaign_id", "id_hash", "channel")
    # No database foreign key: its check would run once per row at commit (a third of a large
    # import's time). Rows are written only by the set-based merge, under the campaign's row lock,
    # and a campaign with imports is never deleted (CampaignImport protects it). No index of its own
    # either: the primary key starts with it.
    campaign = models.ForeignKey(
        Campaign, on_delete=models.DO_NOTHING, db_constraint=False, db_index=False, related_name="+"
    )
    id_hash = models.BinaryField(max_length=16)
    channel = models.PositiveSmallIntegerField(choices=RecipientChannel.choices)
    status = models.PositiveSmallIntegerField(choices=RecipientStatus.choices)
    status_date = models.DateField()

    class Meta:
        verbose_name = _("campaign recipient")

    def __str__(self) -> str:
        return f"{self.campaign_id}: {self.id_hash.hex()[:12]}… {self.get_channel_display()}"


class CampaignImport(models.Model):
    """One report imported into a campaign: what was received (its SHA-256, never the file) and what came of it."""

    campaign = models.ForeignKey(Campaign, on_delete=models.PROTECT, related_name="imports")
    filename = models.CharField(_("file"), max_length=255)
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    size = models.PositiveBigIntegerField(_("size"))
    mode = models.CharField(_("if rows are bad"), max_length=10, choices=ImportMode.choices)
    status = models.CharField(_("status"), max_length=12, choices=ImportStatus.choices, default=ImportStatus.QUEUED)
    phase = models.CharField(_("step"), max_length=40, blank=True)
    rows_total = models.PositiveBigIntegerField(_("rows"), default=0)
    rows_loaded = models.PositiveBigIntegerField(_("rows loaded"), default=0)
    bad_count = models.PositiveBigIntegerField(_("bad rows"), default=0)
    inserted = models.PositiveBigIntegerField(_("new"), default=0)
    updated = models.PositiveBigIntegerField(_("updated"), default=0)
    staged_names = models.JSONField(default=list)  # pseudonymised records waiting for the worker
    timings = models.JSONField(_("seconds per step"), default=dict)
    error = models.TextField(blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("campaign report import")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.filename} ({self.get_status_display()})"

    @property
    def is_running(self) -> bool:
        return self.status in (ImportStatus.QUEUED, ImportStatus.RUNNING)

    @property
    def unchanged(self) -> int:
        return max(0, self.rows_total - self.bad_count - self.inserted - self.updated)


class CampaignImportError(models.Model):
    """A bad row of a report: its line number and why — never its content."""

    campaign_import = models.ForeignKey(CampaignImport, on_delete=models.CASCADE, related_name="errors")
    line_no = models.PositiveBigIntegerField(_("line"))
    reason = models.PositiveSmallIntegerField(_("reason"), choices=BadRowReason.choices)
    first_line = models.PositiveBigIntegerField(null=True, blank=True)  # for a duplicate: where it first appeared

    class Meta:
        ordering = ["line_no"]
        indexes = [models.Index(fields=["campaign_import", "line_no"], name="import_error_line_idx")]

    def __str__(self) -> str:
        return f"line {self.line_no}: {self.get_reason_display()}"
