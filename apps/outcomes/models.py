"""What an investigation establishes: each party's obligations assessed, and each infringement's finding."""

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from apps.cases.choices import DecidingBody
from apps.cases.models import Party
from apps.core.history import CaseHistory
from apps.evidence.models import Evidence

from .choices import (
    AppealOutcome,
    AssessmentStatus,
    Cooperation,
    DeliveryMeans,
    DocumentKind,
    EarlierMeasures,
    FineTier,
    HowLearned,
    Intent,
    MeasureStatus,
    NoticeStatus,
    ObservationAuthor,
    Procedure,
    ProcedureStep,
    SuspensionOutcome,
    Weight,
)


class Obligation(models.Model):
    """An obligation an investigation examines, with its Art. 83 fine tier (loaded by a data migration)."""

    code = models.SlugField(_("code"), max_length=40, unique=True)
    reference = models.CharField(_("reference"), max_length=80)
    title_fr = models.CharField(_("title (French)"), max_length=200)
    title_en = models.CharField(_("title (English)"), max_length=200)
    description_fr = models.TextField(_("description (French)"))
    description_en = models.TextField(_("description (English)"))
    fine_tier = models.CharField(_("fine tier"), max_length=8, choices=FineTier.choices)
    position = models.PositiveSmallIntegerField(_("position"), default=100)
    active = models.BooleanField(_("active"), default=True)

    history = HistoricalRecords(no_db_index=["id", "code"])

    class Meta:
        verbose_name = _("obligation")
        verbose_name_plural = _("obligations")
        ordering = ["position", "code"]

    def __str__(self) -> str:
        return f"{self.reference} — {self.title}"

    @property
    def title(self) -> str:
        return self.title_en if (get_language() or "fr").startswith("en") else self.title_fr

    @property
    def description(self) -> str:
        return self.description_en if (get_language() or "fr").startswith("en") else self.description_fr


class Assessment(models.Model):
    """One party's compliance with one obligation, on the evidence of the case."""

    party = models.ForeignKey(Party, on_delete=models.CASCADE, related_name="assessments", verbose_name=_("party"))
    obligation = models.ForeignKey(
        Obligation, on_delete=models.PROTECT, related_name="assessments", verbose_name=_("obligation")
    )
    status = models.CharField(
        _("status"), max_length=20, choices=AssessmentStatus.choices, default=AssessmentStatus.NOT_ASSESSED
    )
    reasoning = models.TextField(_("reasoning"), blank=True)
    evidence = models.ManyToManyField(Evidence, blank=True, related_name="assessments", verbose_name=_("evidence"))
    assessed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    assessed_at = models.DateTimeField(default=timezone.now)

    history = CaseHistory(
        m2m_fields=[evidence], no_db_index=["id", "obligation", "assessed_by", "assessment", "evidence"]
    )

    class Meta:
        verbose_name = _("assessment")
        verbose_name_plural = _("assessments")
        constraints = [models.UniqueConstraint(fields=["party", "obligation"], name="one_assessment_per_obligation")]

    def __str__(self) -> str:
        return f"{self.party} / {self.obligation.reference}: {self.get_status_display()}"


class Finding(models.Model):
    """An infringement found: facts, period, processing, evidence, and the Art. 83(2) factors."""

    assessment = models.OneToOneField(Assessment, on_delete=models.CASCADE, related_name="finding")
    facts = models.TextField(_("facts"))
    period_from = models.DateField(_("from"), null=True, blank=True)
    period_to = models.DateField(_("until"), null=True, blank=True)
    processing = models.CharField(_("processing concerned"), max_length=200)
    evidence = models.ManyToManyField(Evidence, blank=True, related_name="findings", verbose_name=_("evidence"))
    # (a) nature, gravity and duration, number of people affected, damage suffered
    gravity = models.TextField(_("(a) nature, gravity and duration"), blank=True)
    people_affected = models.PositiveBigIntegerField(_("(a) number of people affected"), null=True, blank=True)
    damage = models.TextField(_("(a) damage suffered"), blank=True)
    # (b) intentional or negligent character
    intent = models.CharField(_("(b) intent or negligence"), max_length=15, choices=Intent.choices, blank=True)
    # (c) action taken to mitigate the damage
    mitigation = models.TextField(_("(c) action taken to mitigate the damage"), blank=True)
    mitigation_weight = models.CharField(_("(c) weight"), max_length=12, choices=Weight.choices, blank=True)
    # (d) degree of responsibility, given the technical and organisational measures (Art. 25 and 32)
    responsibility = models.TextField(_("(d) degree of responsibility (Art. 25 and 32 measures)"), blank=True)
    # (e) relevant previous infringements
    previous_infringements = models.TextField(_("(e) relevant previous infringements"), blank=True)
    # (f) cooperation with the authority
    cooperation = models.CharField(_("(f) cooperation"), max_length=10, choices=Cooperation.choices, blank=True)
    # (g) categories of personal data affected
    data_categories = models.JSONField(_("(g) categories of personal data"), default=list, blank=True)
    # (h) how the authority learned of it
    how_learned = models.CharField(
        _("(h) how the CNIL learned of it"), max_length=25, choices=HowLearned.choices, blank=True
    )
    # (i) compliance with measures previously ordered
    earlier_measures = models.CharField(
        _("(i) earlier measures"), max_length=15, choices=EarlierMeasures.choices, blank=True
    )
    # (j) approved codes of conduct or certification
    codes_certification = models.TextField(_("(j) codes of conduct or certification"), blank=True)
    # (k) other aggravating or mitigating factors, such as financial benefits gained
    other_factors = models.TextField(_("(k) other factors"), blank=True)
    financial_benefit = models.DecimalField(
        _("(k) financial benefit gained (EUR)"), max_digits=14, decimal_places=2, null=True, blank=True
    )
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    updated_at = models.DateTimeField(auto_now=True)

    history = CaseHistory(m2m_fields=[evidence], no_db_index=["id", "recorded_by", "finding", "evidence"])

    class Meta:
        verbose_name = _("finding")
        verbose_name_plural = _("findings")
        constraints = [
            models.CheckConstraint(
                condition=Q(period_from__isnull=True) | Q(period_to__isnull=True) | Q(period_from__lte=F("period_to")),
                name="finding_period_ordered",
            )
        ]

    def __str__(self) -> str:
        return f"{self.assessment}: {self.facts[:60]}"


class FormalNotice(models.Model):
    """A formal notice (mise en demeure) decided by the President, addressed to one party of the case.

    It rests on findings and requires measures, each tied to an obligation. The compliance period
    runs from the receipt of its formal delivery: at least 10 days, or 24 hours when urgent,
    extendable once (the deadline engine's rule). Publicity is the Bureau's decision.
    """

    case = models.ForeignKey("cases.Case", on_delete=models.PROTECT, related_name="formal_notices")
    party = models.ForeignKey(Party, on_delete=models.PROTECT, related_name="formal_notices", verbose_name=_("party"))
    findings = models.ManyToManyField(Finding, related_name="formal_notices", verbose_name=_("findings"))
    decision_reference = models.CharField(_("President's decision"), max_length=100)
    decided_on = models.DateField(_("decided on"))
    urgent = models.BooleanField(_("urgent (24 hours)"), default=False)
    period_days = models.PositiveSmallIntegerField(_("compliance period (days)"), null=True, blank=True)
    status = models.CharField(_("status"), max_length=15, choices=NoticeStatus.choices, default=NoticeStatus.ISSUED)
    public = models.BooleanField(_("made public"), default=False)
    bureau_decision_reference = models.CharField(_("Bureau's decision on publicity"), max_length=100, blank=True)
    published_on = models.DateField(_("published on"), null=True, blank=True)
    closure_published_on = models.DateField(_("closure published on"), null=True, blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(default=timezone.now)

    history = CaseHistory(
        case="case",
        m2m_fields=[findings],
        no_db_index=["id", "party", "recorded_by", "formalnotice", "finding", "case"],
    )

    class Meta:
        verbose_name = _("formal notice")
        verbose_name_plural = _("formal notices")
        ordering = ["-decided_on", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(urgent=True) | Q(period_days__gte=10), name="formal_notice_at_least_10_days"
            )
        ]

    def __str__(self) -> str:
        return f"{self.decision_reference} — {self.party}"

    @property
    def anonymise_on(self):
        """CNIL practice: a published notice is anonymised two years after its publication."""
        if self.published_on is None:
            return None
        try:
            return self.published_on.replace(year=self.published_on.year + 2)
        except ValueError:  # 29 February
            return self.published_on.replace(year=self.published_on.year + 2, day=28)


class Measure(models.Model):
    """A measure a formal notice requires, and whether it was met at the deadline."""

    notice = models.ForeignKey(FormalNotice, on_delete=models.CASCADE, related_name="measures")
    obligation = models.ForeignKey(Obligation, on_delete=models.PROTECT, related_name="+", verbose_name=_("obligation"))
    description = models.TextField(_("measure required"))
    status = models.CharField(_("status"), max_length=10, choices=MeasureStatus.choices, default=MeasureStatus.PENDING)
    checked_at = models.DateTimeField(_("checked at"), null=True, blank=True)
    check_note = models.TextField(_("observations"), blank=True)

    history = CaseHistory(no_db_index=["id", "obligation"])

    class Meta:
        verbose_name = _("measure")
        verbose_name_plural = _("measures")
        ordering = ["id"]

    def __str__(self) -> str:
        return f"{self.obligation.reference}: {self.description[:60]}"


class Delivery(models.Model):
    """The formal delivery of a legal document: its means, sent and received dates, and the proof.

    Deadlines run from the receipt: recording it creates them through the deadline engine.
    """

    case = models.ForeignKey("cases.Case", on_delete=models.PROTECT, related_name="deliveries")
    party = models.ForeignKey(Party, on_delete=models.PROTECT, related_name="deliveries", verbose_name=_("addressee"))
    document_kind = models.CharField(_("document"), max_length=25, choices=DocumentKind.choices)
    document_id = models.PositiveBigIntegerField()
    means = models.CharField(_("means"), max_length=25, choices=DeliveryMeans.choices)
    sent_at = models.DateTimeField(_("sent at"))
    received_at = models.DateTimeField(_("received at"), null=True, blank=True)
    proof = models.ForeignKey(
        Evidence, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("proof of receipt")
    )
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    history = CaseHistory(case="case", no_db_index=["id", "party", "proof", "recorded_by", "case"])

    class Meta:
        verbose_name = _("delivery")
        verbose_name_plural = _("deliveries")
        ordering = ["sent_at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(received_at__isnull=True) | Q(received_at__gte=F("sent_at")),
                name="delivery_received_after_sent",
            ),
            models.CheckConstraint(
                condition=Q(received_at__isnull=True) | Q(proof__isnull=False), name="delivery_receipt_has_proof"
            ),
        ]
        indexes = [models.Index(fields=["document_kind", "document_id"], name="delivery_document_idx")]

    def __str__(self) -> str:
        return f"{self.get_document_kind_display()} — {self.get_means_display()}"


class GroupTurnover(models.Model):
    """An organisation's group worldwide turnover for a financial year, and where the figure comes from."""

    organisation = models.ForeignKey(
        "organisations.Organisation", on_delete=models.PROTECT, related_name="group_turnovers"
    )
    financial_year = models.PositiveSmallIntegerField(_("financial year"))
    amount = models.DecimalField(_("group worldwide turnover (EUR)"), max_digits=16, decimal_places=2)
    source = models.CharField(_("source"), max_length=255)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(default=timezone.now)

    history = HistoricalRecords(no_db_index=["id", "organisation", "recorded_by"])

    class Meta:
        verbose_name = _("group turnover")
        constraints = [models.UniqueConstraint(fields=["organisation", "financial_year"], name="one_turnover_per_year")]

    def __str__(self) -> str:
        return f"{self.organisation} {self.financial_year}: {self.amount}"


class SanctionDecision(models.Model):
    """The restricted committee's decision (or its president's, in the simplified procedure)."""

    case = models.ForeignKey("cases.Case", on_delete=models.PROTECT, related_name="sanction_decisions")
    party = models.ForeignKey(Party, on_delete=models.PROTECT, related_name="+", verbose_name=_("party"))
    procedure = models.CharField(_("procedure"), max_length=12, choices=Procedure.choices)
    deciding_body = models.CharField(_("deciding body"), max_length=40, choices=DecidingBody.choices)
    reference = models.CharField(_("decision reference"), max_length=100)
    decided_on = models.DateField(_("decided on"))
    findings = models.ManyToManyField(Finding, related_name="+", verbose_name=_("infringements"))
    no_sanction = models.BooleanField(_("no sanction"), default=False)
    fine = models.DecimalField(_("fine (EUR)"), max_digits=16, decimal_places=2, null=True, blank=True)
    reminder = models.BooleanField(_("reminder of legal obligations"), default=False)
    injunction = models.TextField(_("injunction"), blank=True)
    penalty_per_day = models.DecimalField(
        _("periodic penalty per day of delay (EUR)"), max_digits=10, decimal_places=2, null=True, blank=True
    )
    published = models.BooleanField(_("publication"), default=False)
    limitation = models.TextField(_("temporary limitation of processing"), blank=True)
    limitation_until = models.DateField(_("limitation until"), null=True, blank=True)
    turnover = models.ForeignKey(GroupTurnover, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    ceiling = models.DecimalField(_("ceiling"), max_digits=16, decimal_places=2, null=True, blank=True)
    ceiling_explanation = models.TextField(_("how the ceiling was computed"), blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(default=timezone.now)

    history = CaseHistory(
        case="case",
        m2m_fields=[findings],
        no_db_index=["id", "party", "turnover", "recorded_by", "sanctiondecision", "finding", "case"],
    )

    class Meta:
        verbose_name = _("sanction decision")
        verbose_name_plural = _("sanction decisions")
        ordering = ["-decided_on", "-id"]

    def __str__(self) -> str:
        return f"{self.reference} — {self.party}"


class SanctionProcedure(models.Model):
    """A sanction procedure against a party: opened by the President, who appoints the rapporteur.

    Ordinary, urgency or simplified; a simplified procedure can become ordinary at any time, keeping
    what was done (the procedure's history keeps the switch).
    """

    case = models.ForeignKey("cases.Case", on_delete=models.PROTECT, related_name="sanction_procedures")
    party = models.ForeignKey(Party, on_delete=models.PROTECT, related_name="+", verbose_name=_("party"))
    procedure = models.CharField(_("procedure"), max_length=12, choices=Procedure.choices)
    step = models.CharField(_("step"), max_length=10, choices=ProcedureStep.choices, default=ProcedureStep.OPEN)
    referral_reference = models.CharField(_("President's referral decision"), max_length=100)
    opened_on = models.DateField(_("opened on"))
    rapporteur = models.CharField(_("rapporteur"), max_length=200)
    hearing_requested = models.BooleanField(_("hearing requested by the organisation"), default=False)
    investigation_closed_on = models.DateField(_("investigation closed on"), null=True, blank=True)
    switched_on = models.DateField(_("switched to the ordinary procedure on"), null=True, blank=True)
    switch_reference = models.CharField(_("decision to switch"), max_length=100, blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(default=timezone.now)

    history = CaseHistory(case="case", no_db_index=["id", "party", "recorded_by", "case"])

    class Meta:
        verbose_name = _("sanction procedure")
        verbose_name_plural = _("sanction procedures")
        ordering = ["-opened_on", "-id"]

    def __str__(self) -> str:
        return f"{self.get_procedure_display()} — {self.party}"

    @property
    def urgency(self) -> bool:
        return self.procedure == Procedure.URGENCY


class SanctionReport(models.Model):
    """The rapporteur's report, delivered to the organisation: its receipt opens the observations period."""

    procedure = models.ForeignKey(SanctionProcedure, on_delete=models.PROTECT, related_name="reports")
    case = models.ForeignKey("cases.Case", on_delete=models.PROTECT, related_name="+")
    party = models.ForeignKey(Party, on_delete=models.PROTECT, related_name="+")
    reference = models.CharField(_("reference"), max_length=100)
    dated_on = models.DateField(_("dated"))
    proposed_measures = models.TextField(_("measures proposed"), blank=True)
    document = models.ForeignKey(
        Evidence, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("report")
    )
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(default=timezone.now)

    history = CaseHistory(case="case", no_db_index=["id", "procedure", "party", "document", "recorded_by", "case"])

    class Meta:
        verbose_name = _("sanction report")
        verbose_name_plural = _("sanction reports")
        ordering = ["dated_on", "id"]

    def __str__(self) -> str:
        return self.reference


class Observation(models.Model):
    """A round of the written procedure: the organisation's observations, or the rapporteur's reply."""

    procedure = models.ForeignKey(SanctionProcedure, on_delete=models.PROTECT, related_name="observations")
    author = models.CharField(_("from"), max_length=12, choices=ObservationAuthor.choices)
    received_at = models.DateTimeField(_("received at"))
    declined = models.BooleanField(_("the organisation declines to answer further"), default=False)
    summary = models.TextField(_("summary"), blank=True)
    document = models.ForeignKey(
        Evidence, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("document")
    )
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(default=timezone.now)

    history = CaseHistory(no_db_index=["id", "document", "recorded_by"])

    class Meta:
        verbose_name = _("observations")
        verbose_name_plural = _("observations")
        ordering = ["received_at", "id"]

    def __str__(self) -> str:
        return f"{self.get_author_display()} ({self.received_at:%Y-%m-%d})"


class Hearing(models.Model):
    """The restricted committee's hearing: its convocation must be received at least 15 days ahead (8 in urgency)."""

    procedure = models.ForeignKey(SanctionProcedure, on_delete=models.PROTECT, related_name="hearings")
    case = models.ForeignKey("cases.Case", on_delete=models.PROTECT, related_name="+")
    party = models.ForeignKey(Party, on_delete=models.PROTECT, related_name="+")
    scheduled_at = models.DateTimeField(_("hearing on"))
    public = models.BooleanField(_("public hearing"), default=True)
    commissioner_present = models.BooleanField(_("government commissioner present"), default=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(default=timezone.now)

    history = CaseHistory(case="case", no_db_index=["id", "procedure", "party", "recorded_by", "case"])

    class Meta:
        verbose_name = _("hearing")
        verbose_name_plural = _("hearings")
        ordering = ["scheduled_at", "id"]

    def __str__(self) -> str:
        return f"{self.party} {self.scheduled_at:%Y-%m-%d}"


class Appeal(models.Model):
    """An appeal to the Conseil d'État against a decision: any suspension request, and its outcome."""

    decision = models.OneToOneField(SanctionDecision, on_delete=models.PROTECT, related_name="appeal")
    case = models.ForeignKey("cases.Case", on_delete=models.PROTECT, related_name="+")
    lodged_on = models.DateField(_("lodged on"))
    reference = models.CharField(_("Conseil d'État case number"), max_length=100)
    suspension = models.CharField(
        _("suspension"), max_length=15, choices=SuspensionOutcome.choices, default=SuspensionOutcome.NOT_REQUESTED
    )
    outcome = models.CharField(
        _("outcome"), max_length=10, choices=AppealOutcome.choices, default=AppealOutcome.PENDING
    )
    outcome_on = models.DateField(_("ruled on"), null=True, blank=True)
    outcome_reference = models.CharField(_("ruling reference"), max_length=100, blank=True)
    reduced_fine = models.DecimalField(
        _("fine as reduced (EUR)"), max_digits=16, decimal_places=2, null=True, blank=True
    )
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(default=timezone.now)

    history = CaseHistory(case="case", no_db_index=["id", "decision", "recorded_by", "case"])

    class Meta:
        verbose_name = _("appeal")
        verbose_name_plural = _("appeals")

    def __str__(self) -> str:
        return self.reference


class Liquidation(models.Model):
    """The liquidation of a periodic penalty: a written procedure (15 days for observations) ending in an amount due."""

    decision = models.ForeignKey(SanctionDecision, on_delete=models.PROTECT, related_name="liquidations")
    case = models.ForeignKey("cases.Case", on_delete=models.PROTECT, related_name="+")
    party = models.ForeignKey(Party, on_delete=models.PROTECT, related_name="+")
    reference = models.CharField(_("reference"), max_length=100)
    days_late = models.PositiveIntegerField(_("days of delay"))
    observations_received_at = models.DateTimeField(_("observations received at"), null=True, blank=True)
    amount_due = models.DecimalField(_("amount due (EUR)"), max_digits=16, decimal_places=2, null=True, blank=True)
    decided_on = models.DateField(_("decided on"), null=True, blank=True)
    decision_reference = models.CharField(_("liquidation decision"), max_length=100, blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(default=timezone.now)

    history = CaseHistory(case="case", no_db_index=["id", "decision", "party", "recorded_by", "case"])

    class Meta:
        verbose_name = _("periodic penalty liquidation")
        verbose_name_plural = _("periodic penalty liquidations")
        ordering = ["id"]

    def __str__(self) -> str:
        return self.reference

    @property
    def maximum(self):
        return self.decision.penalty_per_day * self.days_late
