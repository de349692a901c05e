from datetime import timedelta

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from apps.cases.models import Case
from apps.core.history import CaseHistory
from apps.core.models import TimeStampedModel
from apps.evidence.models import Evidence

from .choices import ControlKind

# Loi 78-17 and décret 2019-536: the prosecutor is informed at the latest 24 hours before an
# on-site control (a shortfall warns, it does not bar); a hearing convocation must reach the
# person at least 8 days before.
PROSECUTOR_NOTICE = timedelta(hours=24)
HEARING_NOTICE = timedelta(days=8)


class Control(TimeStampedModel):
    """A control on a case, decided by the President and carried out under a mission order."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="controls")
    kind = models.CharField(_("kind"), max_length=20, choices=ControlKind.choices)
    decision_reference = models.CharField(_("President's decision reference"), max_length=120)
    mission_order_reference = models.CharField(_("mission order reference"), max_length=120, blank=True)
    agents = models.ManyToManyField(
        settings.AUTH_USER_MODEL, blank=True, related_name="controls", verbose_name=_("habilitated agents")
    )
    planned_start = models.DateTimeField(_("planned start"), null=True, blank=True)
    planned_end = models.DateTimeField(_("planned end"), null=True, blank=True)
    actual_arrival = models.DateTimeField(_("arrival"), null=True, blank=True)
    actual_departure = models.DateTimeField(_("departure"), null=True, blank=True)
    prosecutor_informed_at = models.DateTimeField(_("prosecutor informed at"), null=True, blank=True)
    convocation_received_on = models.DateField(_("convocation received on"), null=True, blank=True)
    person_in_charge = models.CharField(_("person in charge met"), max_length=200, blank=True)
    information_given = models.TextField(
        _("what the person was told"), blank=True, help_text=_("Purpose, identities, right to object.")
    )
    objection = models.BooleanField(_("access objected to"), default=False)
    judge_authorisation_reference = models.CharField(_("judge's authorisation reference"), max_length=120, blank=True)
    urls = models.TextField(_("URLs visited"), blank=True, help_text=_("One per line (online control)."))
    identity_used = models.CharField(_("identity used"), max_length=200, blank=True)
    notes = models.TextField(_("notes"), blank=True)
    documents = models.ManyToManyField(
        Evidence,
        blank=True,
        related_name="controls",
        verbose_name=_("minutes and documents"),
        help_text=_("The PVs (one a day on site, an objection PV) and documents copied during the control."),
    )

    history = CaseHistory(
        case="case", m2m_fields=[agents, documents], no_db_index=["id", "control", "user", "evidence", "case"]
    )

    class Meta:
        verbose_name = _("control")
        verbose_name_plural = _("controls")
        ordering = ["planned_start", "id"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} ({self.decision_reference})"

    @property
    def prosecutor_notice_short(self) -> bool:
        """On site: informed less than 24 hours before the start (a warning, not a bar)."""
        if self.kind != ControlKind.ON_SITE or not self.planned_start:
            return False
        return (
            self.prosecutor_informed_at is None or self.planned_start - self.prosecutor_informed_at < PROSECUTOR_NOTICE
        )

    @property
    def convocation_short(self) -> bool:
        """Hearing: the convocation reached the person less than 8 days before."""
        if self.kind != ControlKind.HEARING or not self.planned_start or not self.convocation_received_on:
            return False
        return self.planned_start.date() - self.convocation_received_on < HEARING_NOTICE
