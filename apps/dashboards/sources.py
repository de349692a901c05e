"""Where the case timeline's entries come from: one *source* per table, all in the same shape.

A source turns its rows for one case into the columns of :data:`COLUMNS`, so that the selector
can ``UNION ALL`` every source into one chronological list and page through it with a keyset.

- :class:`HistorySource`: the django-simple-history table of one tracked model. A "changed"
  row carries its tracked values and those of its predecessor (the same object's latest earlier
  version, read by a correlated subquery on the ``(id, history_date, history_id)`` index that
  :class:`apps.core.history.CaseHistory` gives the table), both as JSON objects; the field-level
  difference (old → new) is taken from them in Python. A "changed" row whose tracked fields did
  not change (only a timestamp moved) is dropped by the database. Nothing reads every version
  of the case: the cost of a page does not grow with the case.
- :class:`AuditSource` and :class:`CustodySource`: the audit events of the case and the custody
  events of its evidence, which carry their own summary.

Each source gives its rows twice: :meth:`Source.keys` (time, source, id, actor: what finds a page's
rows in order) and :meth:`Source.entries` (everything shown, read for the rows of one page only).

Adding a tracked model is one :class:`HistorySource` entry in :data:`SOURCES`: a new ``code``
(stable, unique), the model, the lookup from its historical row to the case id, the fields to
diff, the lookup of its label and its kind.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any
from zoneinfo import ZoneInfo

from django.db import models
from django.db.models import Case, F, Func, OuterRef, Q, QuerySet, Subquery, Value, When
from django.db.models.functions import Cast, Coalesce, JSONObject, NullIf
from django.utils import formats
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from apps.audit.models import AuditEvent
from apps.breaches.models import BreachNotification, Campaign, NoNotificationDecision
from apps.cases.models import Case as CaseModel
from apps.cases.models import Complainant, Party
from apps.controls.models import Control
from apps.deadlines.models import Deadline
from apps.evidence.models import CustodyEvent, Evidence
from apps.info_requests.models import Answer, AnswerFile, InfoRequest, Message, PortalAccess, Question, Submission
from apps.outcomes.models import (
    Appeal,
    Assessment,
    Delivery,
    Finding,
    FormalNotice,
    Hearing,
    Liquidation,
    Measure,
    Observation,
    SanctionDecision,
    SanctionProcedure,
    SanctionReport,
)

from .choices import TimelineKind

PARIS = ZoneInfo("Europe/Paris")

# The columns every source yields, in this order (the UNION matches them by position).
COLUMNS = (
    "t_ts",  # when (UTC in the database)
    "t_src",  # the source's code: with t_id, the row's identity and the keyset's tie-breakers
    "t_id",  # history_id, audit seq, custody event id
    "t_action",  # history type (+ ~ -), audit action, custody kind
    "t_actor",  # user id, or NULL for the system
    "t_actor_name",
    "t_label",  # what the row is about (an object's label, an audit event's summary)
    "t_changes",  # JSON {field: {"o": old, "n": new}} for history "changed" rows, else NULL
)

# What the first of the timeline's two queries reads of every source: the page's rows in order, the
# actor its filter needs, and whether the row is shown (apps.dashboards.selectors.timeline_page).
KEY_COLUMNS = (
    "t_ts",
    "t_src",
    "t_id",
    "t_actor",
    "t_keep",  # false for a history "changed" row in which no tracked field changed
)

HISTORY_ACTIONS = {"+": gettext_lazy("Created"), "~": gettext_lazy("Changed"), "-": gettext_lazy("Deleted")}


@dataclass(frozen=True)
class Cursor:
    """The last row of a page: the next page is the rows strictly older, in (time, source, id) order."""

    at: datetime
    source: int
    id: int


@dataclass(frozen=True)
class Change:
    field: str
    old: str
    new: str
    hidden: bool = False


class IsDistinctFrom(Func):
    """``a IS DISTINCT FROM b``: inequality where NULL equals NULL (SQLite spells it ``IS NOT``)."""

    arg_joiner = " IS DISTINCT FROM "
    template = "(%(expressions)s)"
    output_field = models.BooleanField()
    conditional = True

    def as_sqlite(self, compiler, connection, **extra_context):
        return super().as_sql(compiler, connection, arg_joiner=" IS NOT ", **extra_context)


def _null(output_field: models.Field) -> Cast:
    # Typed, so that PostgreSQL resolves the UNION's column types whatever the order of the sources.
    return Cast(Value(None), output_field=output_field)


def _name(user_lookup: str):
    """A user's displayed name from a lookup (``history_user``): full name, else e-mail."""
    return Coalesce(
        NullIf(F(f"{user_lookup}__full_name"), Value("")), F(f"{user_lookup}__email"), output_field=models.CharField()
    )


class Source:
    """One table of the timeline. ``code`` is stable (it is in page cursors) and unique.

    ``at``, ``key`` and ``actor`` name the table's time, row id and actor columns."""

    code: int
    kind: str
    at: str
    key: str
    actor: str

    def rows(self, case_id: int) -> QuerySet:
        """The case's rows of the table, unordered."""
        raise NotImplementedError

    def keep(self):
        """True for a row the timeline shows."""
        return Value(True)

    def identity(self) -> dict:
        """The columns both queries read alike: time, source, row id, actor."""
        return {"t_ts": F(self.at), "t_src": Value(self.code), "t_id": F(self.key), "t_actor": F(self.actor)}

    def keys(self, case_id: int) -> QuerySet:
        """The case's rows as :data:`KEY_COLUMNS`: cheap to plan and read, to find a page's rows."""
        return self.rows(case_id).order_by().annotate(**self.identity(), t_keep=self.keep()).values(*KEY_COLUMNS)

    def entries(self, case_id: int) -> QuerySet:
        """The case's rows as :data:`COLUMNS` (filtered on the case only: the predecessor of a
        version is read whatever the filters)."""
        raise NotImplementedError

    def summary(self, row: dict) -> str:
        raise NotImplementedError

    def changes(self, row: dict) -> list[Change]:
        return []


@dataclass(frozen=True, eq=False)
class HistorySource(Source):
    """The history of one model: ``case`` is the lookup from its historical row to the case id.

    ``fields`` are the fields whose changes are shown; ``readable`` maps a foreign key among them
    to a lookup giving a readable value (a user's name rather than an id). ``hidden`` fields
    (the complainant's identity) are reported as changed but their values never leave the
    database. ``label`` is a lookup of the object's label, or empty. ``scope`` keeps only some
    objects (say, answers of submitted submissions): a condition true or false for *all* the
    versions of an object — through a parent, never a version's own fields — or a version would
    be shown without the one it is compared with.
    """

    code: int
    model: type[models.Model]
    case: str
    fields: tuple[str, ...]
    kind: str
    label: str = ""
    readable: dict[str, str] = field(default_factory=dict)
    hidden: frozenset[str] = frozenset()
    scope: Q | None = None

    at = "history_date"
    key = "history_id"
    actor = "history_user_id"

    @property
    def historical(self) -> type[models.Model]:
        return self.model.history.model

    def rows(self, case_id):
        queryset = self.historical.objects.filter(**{self.case: case_id})
        return queryset if self.scope is None else queryset.filter(self.scope)

    def _tracked(self, name: str):
        return F(self.readable.get(name, name))

    def _predecessor(self) -> QuerySet:
        """The version before this one: the same object's latest earlier version (one probe of the
        ``(id, history_date, history_id)`` index, apps.core.history.CaseHistory)."""
        earlier = Q(history_date__lt=OuterRef("history_date")) | Q(
            history_date=OuterRef("history_date"), history_id__lt=OuterRef("history_id")
        )
        return self.historical.objects.filter(earlier, id=OuterRef("id")).order_by("-history_date", "-history_id")

    def _shown(self) -> dict:
        return {name: self._tracked(name) for name in self.fields if name not in self.hidden}

    def keep(self):
        """False for a "changed" version in which no tracked field changed (only a timestamp moved).

        Compared in the database on the stored values, hidden fields included, against the
        predecessor's in one subquery: only "changed or not" leaves it. A version with no predecessor
        (created without history) is distinct from NULL: kept, and shows no change.
        """
        stored = {name: F(name) for name in self.fields}
        tracked = JSONObject(**stored)
        previous = Subquery(self._predecessor().values(j=JSONObject(**stored))[:1], output_field=models.JSONField())
        return Case(When(Q(history_type="~") & ~Q(IsDistinctFrom(tracked, previous)), then=Value(False)), default=True)

    def entries(self, case_id):
        """Each version with, for a "changed" one, its shown values and its predecessor's.

        The predecessor is read by index, for the versions of one page only; the difference is taken
        in Python (:meth:`changes`). Hidden fields are compared in the database: only "changed or
        not" leaves it.
        """
        predecessor = self._predecessor()
        previous = Subquery(predecessor.values(j=JSONObject(**self._shown()))[:1], output_field=models.JSONField())
        current = JSONObject(**self._shown())
        hidden = {name: IsDistinctFrom(F(name), Subquery(predecessor.values(name)[:1])) for name in sorted(self.hidden)}
        differences = JSONObject(n=current, o=previous, h=JSONObject(**hidden) if hidden else Value(None))
        return (
            self.rows(case_id)
            .order_by()
            .annotate(
                **self.identity(),
                t_action=F("history_type"),
                t_actor_name=_name("history_user"),
                t_label=Cast(F(self.label), models.TextField()) if self.label else Value(""),
                t_changes=Case(
                    When(history_type="~", then=differences),
                    default=_null(models.JSONField()),
                    output_field=models.JSONField(),
                ),
            )
            .values(*COLUMNS)
        )

    def summary(self, row):
        values = {
            "action": HISTORY_ACTIONS.get(row["t_action"], row["t_action"]),
            "object": self.model._meta.verbose_name,
            "label": row["t_label"],
        }
        if row["t_label"]:
            return _("%(action)s: %(object)s “%(label)s”") % values
        return _("%(action)s: %(object)s") % values

    def changes(self, row):
        raw = _json(row["t_changes"])
        if not raw.get("o"):  # no earlier version to compare with
            return []
        current, previous, hidden = _json(raw.get("n")), _json(raw.get("o")), _json(raw.get("h"))
        result = []
        for name in self.fields:  # in the source's order, not the JSON's
            model_field = self.model._meta.get_field(name)
            label = capfirst(str(model_field.verbose_name))
            if name in self.hidden:
                if hidden.get(name):
                    result.append(Change(label, "", "", hidden=True))
                continue
            old, new = previous.get(name), current.get(name)
            if old == new:
                continue
            readable = name in self.readable
            result.append(
                Change(
                    label, display(model_field, old, readable=readable), display(model_field, new, readable=readable)
                )
            )
        return result


def _json(value) -> dict:
    """A JSON object read back: PostgreSQL gives it decoded, SQLite as text (nested ones too)."""
    if isinstance(value, str):
        value = json.loads(value)
    return value or {}


@dataclass(frozen=True)
class AuditSource(Source):
    """The case's audit events (``AuditEvent.case_id``): their own summary, their actor snapshot."""

    code: int = 1
    kind: str = TimelineKind.AUDIT
    at: str = "occurred_at"
    key: str = "seq"
    actor: str = "actor_id"

    def rows(self, case_id):
        return AuditEvent.objects.filter(case_id=case_id)

    def entries(self, case_id):
        return (
            self.rows(case_id)
            .order_by()
            .annotate(
                **self.identity(),
                t_action=F("action"),
                t_actor_name=F("actor_name"),
                t_label=F("summary"),
                t_changes=_null(models.JSONField()),
            )
            .values(*COLUMNS)
        )

    def summary(self, row):
        return row["t_label"]


@dataclass(frozen=True)
class CustodySource(Source):
    """The chain-of-custody events of the case's evidence (registered, downloaded, transferred...)."""

    code: int = 2
    kind: str = TimelineKind.EVIDENCE
    at: str = "at"
    key: str = "id"
    actor: str = "actor_id"

    def rows(self, case_id):
        return CustodyEvent.objects.filter(case_id=case_id)

    def entries(self, case_id):
        return (
            self.rows(case_id)
            .order_by()
            .annotate(
                **self.identity(),
                t_action=F("kind"),
                t_actor_name=_name("actor"),
                t_label=F("evidence__title"),
                t_changes=_null(models.JSONField()),
            )
            .values(*COLUMNS)
        )

    def summary(self, row):
        kind = CustodyEvent._meta.get_field("kind")
        return _("%(event)s: evidence “%(title)s”") % {
            "event": dict(kind.flatchoices).get(row["t_action"], row["t_action"]),
            "title": row["t_label"],
        }


def display(model_field: models.Field, value: Any, *, readable: bool = False) -> str:
    """A value from the database's JSON as a user reads it: choice labels, Paris times, Yes/No."""
    if value is None or value == "":
        return "—"
    if readable:
        return str(value)
    if model_field.choices:
        return str(dict(model_field.flatchoices).get(value, value))
    if isinstance(model_field, models.BooleanField):
        return _("Yes") if value in (True, 1, "1", "true") else _("No")
    if isinstance(model_field, models.DateTimeField):
        moment = value if isinstance(value, datetime) else datetime.fromisoformat(str(value))
        if moment.tzinfo is None:  # SQLite keeps UTC without an offset
            moment = moment.replace(tzinfo=UTC)
        return formats.date_format(moment.astimezone(PARIS), "SHORT_DATETIME_FORMAT")
    if isinstance(model_field, models.DateField):
        return formats.date_format(
            value if isinstance(value, date) else date.fromisoformat(str(value)), "SHORT_DATE_FORMAT"
        )
    if isinstance(model_field, models.JSONField):
        if isinstance(value, str):
            try:
                value = json.loads(value)
            except ValueError:
                return value
        return ", ".join(str(item) for item in value) if isinstance(value, list) else str(value)
    if isinstance(model_field, models.DecimalField):
        try:
            return formats.number_format(
                Decimal(str(value)), model_field.decimal_places, use_l10n=True, force_grouping=True
            )
        except InvalidOperation:
            return str(value)
    return str(value)


SOURCES: tuple[Source, ...] = (
    AuditSource(),
    CustodySource(),
    HistorySource(
        10,
        CaseModel,
        "id",
        (
            "title",
            "summary",
            "origin",
            "legal_regime",
            "priority",
            "confidentiality",
            "health_data",
            "status",
            "lead_investigator",
        ),
        TimelineKind.CASE,
        label="reference",
        readable={"lead_investigator": "lead_investigator__full_name"},
    ),
    # The complainant's identity is shown on no page: its changes are named, never their values,
    # and the object has no label.
    HistorySource(
        11,
        Complainant,
        "case_id",
        ("full_name", "email", "phone", "postal_address", "lodged_on"),
        TimelineKind.CASE,
        hidden=frozenset({"full_name", "email", "phone", "postal_address"}),
    ),
    HistorySource(
        12,
        Party,
        "case_id",
        ("organisation", "role", "processing"),
        TimelineKind.CASE,
        label="organisation__legal_name",
        readable={"organisation": "organisation__legal_name"},
    ),
    HistorySource(
        20,
        Control,
        "case_id",
        (
            "kind",
            "decision_reference",
            "mission_order_reference",
            "planned_start",
            "planned_end",
            "actual_arrival",
            "actual_departure",
            "prosecutor_informed_at",
            "convocation_received_on",
            "person_in_charge",
            "information_given",
            "objection",
            "judge_authorisation_reference",
            "urls",
            "identity_used",
            "notes",
        ),
        TimelineKind.CONTROLS,
        label="decision_reference",
    ),
    # Metadata only: the file is never part of a history row.
    HistorySource(
        30,
        Evidence,
        "case_id",
        (
            "title",
            "description",
            "source",
            "original_filename",
            "collected_at",
            "collected_by",
            "personal_data",
            "health_data",
            "nir",
        ),
        TimelineKind.EVIDENCE,
        label="title",
        readable={"collected_by": "collected_by__full_name"},
    ),
    HistorySource(
        40,
        BreachNotification,
        "case_id",
        (
            "phase",
            "received_at",
            "processor_informed_at",
            "awareness_at",
            "occurred_from",
            "occurred_to",
            "natures",
            "data_categories",
            "subject_categories",
            "approx_subjects",
            "approx_records",
            "dpo_contact",
            "likely_consequences",
            "measures_taken",
            "measures_proposed",
            "cross_border",
            "delay_reason",
        ),
        TimelineKind.BREACHES,
        label="controller__legal_name",
    ),
    HistorySource(
        41,
        NoNotificationDecision,
        "case_id",
        ("reasoning", "decided_at"),
        TimelineKind.BREACHES,
        label="controller__legal_name",
    ),
    HistorySource(
        42,
        Campaign,
        "case_id",
        (
            "decision",
            "exemption_reasoning",
            "channels",
            "identifier_kind",
            "planned_total",
            "sent",
            "failed",
            "started_on",
            "ended_on",
            "order_received_at",
            "order_period_days",
        ),
        TimelineKind.BREACHES,
        label="controller__legal_name",
    ),
    HistorySource(
        50,
        Deadline,
        "case_id",
        ("title", "started_at", "due_at", "status", "met_at", "max_extensions"),
        TimelineKind.DEADLINES,
        label="title",
    ),
    HistorySource(
        60,
        Assessment,
        "party__case_id",
        ("status", "reasoning"),
        TimelineKind.OUTCOMES,
        label="obligation__reference",
    ),
    HistorySource(
        61,
        Finding,
        "assessment__party__case_id",
        (
            "facts",
            "period_from",
            "period_to",
            "processing",
            "gravity",
            "people_affected",
            "damage",
            "intent",
            "mitigation",
            "mitigation_weight",
            "responsibility",
            "previous_infringements",
            "cooperation",
            "data_categories",
            "how_learned",
            "earlier_measures",
            "codes_certification",
            "other_factors",
            "financial_benefit",
        ),
        TimelineKind.OUTCOMES,
        label="assessment__obligation__reference",
    ),
    HistorySource(
        62,
        FormalNotice,
        "case_id",
        (
            "decision_reference",
            "decided_on",
            "urgent",
            "period_days",
            "status",
            "public",
            "bureau_decision_reference",
            "published_on",
            "closure_published_on",
        ),
        TimelineKind.OUTCOMES,
        label="decision_reference",
    ),
    HistorySource(
        63,
        Measure,
        "notice__case_id",
        ("description", "status", "checked_at", "check_note"),
        TimelineKind.OUTCOMES,
        label="obligation__reference",
    ),
    HistorySource(
        64,
        Delivery,
        "case_id",
        ("document_kind", "means", "sent_at", "received_at"),
        TimelineKind.OUTCOMES,
        label="party__organisation__legal_name",
    ),
    HistorySource(
        70,
        SanctionProcedure,
        "case_id",
        (
            "procedure",
            "step",
            "referral_reference",
            "opened_on",
            "rapporteur",
            "hearing_requested",
            "investigation_closed_on",
            "switched_on",
            "switch_reference",
        ),
        TimelineKind.SANCTIONS,
        label="referral_reference",
    ),
    HistorySource(
        71,
        SanctionReport,
        "case_id",
        ("reference", "dated_on", "proposed_measures"),
        TimelineKind.SANCTIONS,
        label="reference",
    ),
    HistorySource(
        72,
        Observation,
        "procedure__case_id",
        ("author", "received_at", "declined", "summary"),
        TimelineKind.SANCTIONS,
        label="procedure__referral_reference",
    ),
    HistorySource(
        73,
        Hearing,
        "case_id",
        ("scheduled_at", "public", "commissioner_present"),
        TimelineKind.SANCTIONS,
        label="party__organisation__legal_name",
    ),
    HistorySource(
        74,
        SanctionDecision,
        "case_id",
        (
            "procedure",
            "deciding_body",
            "reference",
            "decided_on",
            "no_sanction",
            "fine",
            "reminder",
            "injunction",
            "penalty_per_day",
            "published",
            "limitation",
            "limitation_until",
            "ceiling",
        ),
        TimelineKind.SANCTIONS,
        label="reference",
    ),
    HistorySource(
        75,
        Appeal,
        "case_id",
        ("lodged_on", "reference", "suspension", "outcome", "outcome_on", "outcome_reference", "reduced_fine"),
        TimelineKind.SANCTIONS,
        label="reference",
    ),
    HistorySource(
        76,
        Liquidation,
        "case_id",
        ("reference", "days_late", "observations_received_at", "amount_due", "decided_on", "decision_reference"),
        TimelineKind.SANCTIONS,
        label="reference",
    ),
    HistorySource(
        80,
        InfoRequest,
        "case_id",
        ("subject", "letter", "period_days", "status", "sent_at", "closed_at"),
        TimelineKind.REQUESTS,
        label="subject",
    ),
    HistorySource(
        81,
        Question,
        "request__case_id",
        ("position", "text", "expects"),
        TimelineKind.REQUESTS,
        label="request__subject",
    ),
    HistorySource(
        82,
        Submission,
        "request__case_id",
        ("status", "submitted_at", "submitted_by", "receipt_number"),
        TimelineKind.REQUESTS,
        label="request__subject",
        readable={"submitted_by": "submitted_by__full_name"},
    ),
    # What an organisation drafts is its own until it submits: answers and files of drafts stay out.
    HistorySource(
        83,
        Answer,
        "submission__request__case_id",
        ("text",),
        TimelineKind.REQUESTS,
        label="submission__request__subject",
        scope=Q(submission__status="submitted"),
    ),
    HistorySource(
        84,
        AnswerFile,
        "submission__request__case_id",
        ("original_filename", "size", "sha256"),
        TimelineKind.REQUESTS,
        label="original_filename",
        scope=Q(submission__status="submitted"),
    ),
    HistorySource(
        85,
        Message,
        "request__case_id",
        ("text",),
        TimelineKind.REQUESTS,
        label="request__subject",
    ),
    HistorySource(
        86,
        PortalAccess,
        "case_id",
        ("user", "role", "revoked_at"),
        TimelineKind.REQUESTS,
        label="organisation__legal_name",
        readable={"user": "user__email"},
    ),
)

BY_CODE: dict[int, Source] = {source.code: source for source in SOURCES}
if len(BY_CODE) != len(SOURCES):  # a duplicated code would mix two tables in the cursors
    raise ValueError("timeline source codes must be unique")
