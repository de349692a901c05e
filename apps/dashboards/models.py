"""Tables the dashboards app owns. Lower apps never write into them."""

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from apps.cases.models import Case
from apps.evidence.models import Evidence

from .choices import ReportStatus


class ReportJob(models.Model):
    """One request for a case-file report (PDF): its progress while the worker draws it up, then its result.

    The finished PDF is an evidence item of the case (``evidence``); the job keeps the audit chain head
    the report states and how many evidence items it lists. Not a business record: no history.
    """

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="+", verbose_name=_("case"))
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("requested by")
    )
    requested_at = models.DateTimeField(_("requested at"), default=timezone.now)
    status = models.CharField(_("status"), max_length=12, choices=ReportStatus.choices, default=ReportStatus.QUEUED)
    progress = models.PositiveSmallIntegerField(_("progress (%)"), default=0)
    phase = models.CharField(_("step"), max_length=40, blank=True)
    error = models.TextField(_("error"), blank=True)
    evidence = models.ForeignKey(
        Evidence, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("report")
    )
    listed_count = models.PositiveIntegerField(_("evidence items listed"), default=0)
    chain_seq = models.BigIntegerField(_("audit chain head (number)"), null=True, blank=True)
    chain_hash = models.CharField(_("audit chain head (hash)"), max_length=64, blank=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)

    class Meta:
        verbose_name = _("case-file report")
        verbose_name_plural = _("case-file reports")
        ordering = ["-requested_at", "-id"]
        indexes = [models.Index(fields=["case", "-requested_at"], name="reportjob_case_idx")]

    def __str__(self) -> str:
        return f"{self.case_id} #{self.pk} ({self.status})"

    def get_absolute_url(self) -> str:
        return reverse("dashboards:report_job", args=[self.case_id, self.pk])

    @property
    def is_running(self) -> bool:
        return self.status in (ReportStatus.QUEUED, ReportStatus.RUNNING)


from .stats_models import StatCell, StatSnapshot  # noqa: E402,F401  (the managers' dashboard's summary tables)
