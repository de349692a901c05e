"""Art. 33 breach notifications as received by the CNIL, phase by phase, per controller."""

from datetime import timedelta

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from apps.cases.models import Case
from apps.organisations.models import Organisation

from .choices import Phase

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

    history = HistoricalRecords()

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

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("decision not to notify")
        verbose_name_plural = _("decisions not to notify")
        constraints = [models.UniqueConstraint(fields=["case", "controller"], name="one_no_notification_per_case")]

    def __str__(self) -> str:
        return f"{self.controller}: no notification"
