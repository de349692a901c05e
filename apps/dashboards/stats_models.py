"""Summary tables of the managers' dashboard, owned by ``dashboards`` and rewritten by its task.

``StatCell`` is a small cube: one row per (metric, month, sector, lead investigator, key) with a
count and an amount, and the same rolled up over every lead investigator (``every_lead``).
``stats.refresh`` rewrites it in one transaction from the base tables; the dashboard only sums
cells, so a request never reads the cases, their history or their parties.
Lower apps never write here.
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from apps.organisations.models import Sector


class StatCell(models.Model):
    """One cell of the cube. ``sector`` empty: every sector (a case counts once whatever its parties);
    ``lead`` empty: no lead investigator; ``month`` empty: a snapshot (open cases today)."""

    metric = models.CharField(_("metric"), max_length=20)
    month = models.DateField(_("month"), null=True, blank=True)
    sector = models.ForeignKey(
        Sector, on_delete=models.DO_NOTHING, db_constraint=False, null=True, blank=True, related_name="+"
    )
    lead = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        null=True,
        blank=True,
        related_name="+",
    )
    key = models.CharField(_("key"), max_length=40, blank=True)
    # A roll-up over every lead investigator (``lead`` empty): what a dashboard without an
    # investigator filter sums, a few hundred cells instead of one per lead and month.
    every_lead = models.BooleanField(_("every lead investigator"), default=False)
    n = models.BigIntegerField(_("count"), default=0)
    amount = models.DecimalField(_("amount"), max_digits=20, decimal_places=2, default=0)

    class Meta:
        verbose_name = _("dashboard figure")
        verbose_name_plural = _("dashboard figures")
        indexes = [models.Index(fields=["metric", "sector", "every_lead", "month", "lead"], name="statcell_rollup_idx")]

    def __str__(self) -> str:
        return f"{self.metric} {self.month} {self.sector_id} {self.lead_id} {self.key}: {self.n}"


class StatSnapshot(models.Model):
    """When the cube was last rewritten (a single row) and how long it took."""

    id = models.PositiveSmallIntegerField(primary_key=True, default=1)
    refreshed_at = models.DateTimeField(_("data as of"))
    seconds = models.FloatField(_("seconds"), default=0)
    cells = models.PositiveIntegerField(_("cells"), default=0)

    class Meta:
        verbose_name = _("dashboard refresh")

    def __str__(self) -> str:
        return f"{self.refreshed_at:%Y-%m-%d %H:%M}"
