from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F, Q
from django.urls import reverse
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from apps.core.models import TimeStampedModel

from .choices import COUNTRIES, RelationshipKind


class Sector(models.Model):
    """Reference data: the economic sector of an organisation (managed in the admin)."""

    code = models.SlugField(_("code"), unique=True)
    name_fr = models.CharField(_("name (French)"), max_length=120)
    name_en = models.CharField(_("name (English)"), max_length=120)

    class Meta:
        verbose_name = _("sector")
        verbose_name_plural = _("sectors")
        ordering = ["name_fr"]

    def __str__(self) -> str:
        return self.name_en if (get_language() or "fr").startswith("en") else self.name_fr


class Organisation(TimeStampedModel):
    """A legal person concerned by an investigation. Its role is per processing, never global.

    French organisations are identified by their SIREN (9 digits, Luhn key), unique here.
    """

    legal_name = models.CharField(_("legal name"), max_length=255)
    country = models.CharField(_("country"), max_length=2, choices=COUNTRIES, default="FR")
    siren = models.CharField(_("SIREN"), max_length=9, blank=True)
    sector = models.ForeignKey(Sector, on_delete=models.PROTECT, null=True, blank=True, verbose_name=_("sector"))
    address = models.TextField(_("address"), blank=True)
    dpo_name = models.CharField(_("DPO name"), max_length=200, blank=True)
    dpo_email = models.EmailField(_("DPO e-mail"), blank=True)
    dpo_phone = models.CharField(_("DPO phone"), max_length=40, blank=True)
    parent = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="subsidiaries", verbose_name=_("group")
    )

    history = HistoricalRecords(no_db_index=["id", "sector", "parent"])

    class Meta:
        verbose_name = _("organisation")
        verbose_name_plural = _("organisations")
        ordering = ["legal_name", "id"]
        constraints = [
            models.UniqueConstraint(fields=["siren"], condition=~Q(siren=""), name="organisation_siren_unique"),
            models.CheckConstraint(condition=~Q(parent=F("id")), name="organisation_not_its_own_group"),
        ]
        indexes = [models.Index(fields=["legal_name"], name="organisation_name_idx")]

    def __str__(self) -> str:
        return self.legal_name

    def get_absolute_url(self) -> str:
        return reverse("organisations:detail", args=[self.pk])


class Establishment(models.Model):
    """An establishment of a French organisation: SIRET = SIREN + NIC, Luhn over all 14 digits."""

    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="establishments")
    siret = models.CharField(_("SIRET"), max_length=14, unique=True)
    label = models.CharField(_("label"), max_length=200, blank=True)

    history = HistoricalRecords(no_db_index=["id", "siret", "organisation"])

    class Meta:
        verbose_name = _("establishment")
        verbose_name_plural = _("establishments")
        ordering = ["siret"]

    def __str__(self) -> str:
        return f"{self.siret} {self.label}".strip()


class ProcessingRelationship(TimeStampedModel):
    """``client`` entrusts the processing ``processing`` to ``provider`` (GDPR Art. 28).

    For ``processing``, the client is the controller and the provider its processor; for
    ``sub_processing`` the client is a processor and the provider its sub-processor for the same
    processing. An organisation never contracts with itself, and sub-processing never loops.
    """

    kind = models.CharField(_("kind"), max_length=20, choices=RelationshipKind.choices)
    client = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="providers_used", verbose_name=_("entrusted by")
    )
    provider = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="clients_served", verbose_name=_("entrusted to")
    )
    processing = models.CharField(_("processing"), max_length=200)
    contract_reference = models.CharField(_("Art. 28 contract reference"), max_length=120, blank=True)
    starts_on = models.DateField(_("from"), null=True, blank=True)
    ends_on = models.DateField(_("until"), null=True, blank=True)

    history = HistoricalRecords(no_db_index=["id", "client", "provider"])

    class Meta:
        verbose_name = _("processing relationship")
        verbose_name_plural = _("processing relationships")
        ordering = ["processing", "id"]
        constraints = [
            models.CheckConstraint(condition=~Q(client=F("provider")), name="relationship_two_organisations"),
            models.UniqueConstraint(
                fields=["kind", "client", "provider", "processing"], name="relationship_unique_per_processing"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.client} → {self.provider} ({self.processing})"

    def clean(self):
        if self.client_id and self.client_id == self.provider_id:
            raise ValidationError(_("An organisation cannot entrust a processing to itself."))
        if self.starts_on and self.ends_on and self.ends_on < self.starts_on:
            raise ValidationError({"ends_on": _("The end date is before the start date.")})
