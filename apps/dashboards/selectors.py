"""Reads of the case timeline: one page in two queries, whatever the size of the case.

The sources' querysets are built with the ORM (JSON objects, correlated subqueries, CASE). The
ORM cannot select *from* a queryset with a LIMIT inside a union, so each compiled source is
wrapped in a short ``SELECT`` of portable SQL. The first query applies the dates, the actor and the
keyset cursor to every source's keys (time, source, id), orders by (time, source, id) and takes one
page plus one row: the tables' ``(case, history_date, history_id)`` indexes and the audit log's
``(case_id, occurred_at, seq)`` one give those rows in order, so a source reads a page, not the
case; a "changed" version in which no shown field changed is left out there. The second reads the
shown columns of those rows only, by primary key, from the sources they come from. The same SQL
runs on SQLite and PostgreSQL.

Building and compiling a source's expressions costs milliseconds of Python, so its SQL is
compiled once per source, with a placeholder case id that each call replaces by the real one
among the parameters.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import lru_cache

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connections
from django.utils import formats, timezone
from psycopg.types.numeric import Int8

from apps.accounts.models import User
from apps.audit import selectors as audit_selectors
from apps.audit.anchors import Anchor, anchor_latest, anchor_matches, chain_head
from apps.audit.models import AuditEvent, ChainVerification
from apps.core.prepared import prepared_cursor
from apps.core.stand_ins import stand_in_count, substituted
from apps.evidence import selectors as evidence_selectors

from .choices import TimelineKind
from .sources import BY_CODE, COLUMNS, PARIS, SOURCES, Change, Cursor, Source

PER_PAGE = 50
# Stands for the case id in the cached SQL: an id no case has (ids are positive), within every
# integer column's range, and no other parameter of the union is this integer.
CASE_PLACEHOLDER = -1_987_654_321


@dataclass(frozen=True)
class TimelineFilters:
    """What the reader asked for; ``since`` inclusive and ``until`` exclusive (Paris midnights)."""

    kinds: frozenset[str] = frozenset()
    actor: int | None = None
    since: datetime | None = None
    until: datetime | None = None
    after: Cursor | None = None


@dataclass(frozen=True)
class Entry:
    at: datetime  # Europe/Paris
    source: Source
    id: int
    kind: str
    action: str
    actor_id: int | None
    actor_name: str
    summary: str
    changes: list[Change]

    @property
    def kind_label(self) -> str:
        return TimelineKind(self.kind).label

    @property
    def at_iso(self) -> str:
        return self.at.isoformat()

    @property
    def at_text(self) -> str:
        """Paris date (the language's short format) and time to the second: one date formatting per
        entry where three template filters cost more than the page's query."""
        return f"{formats.date_format(self.at, 'SHORT_DATE_FORMAT')} {self.at:%H:%M:%S}"

    @property
    def cursor(self) -> Cursor:
        return Cursor(self.at, self.source.code, self.id)


@dataclass(frozen=True)
class TimelinePage:
    entries: list[Entry]
    next_cursor: Cursor | None


def _codes(kinds: Iterable[str]) -> tuple[int, ...]:
    kinds = set(kinds)
    return tuple(source.code for source in SOURCES if not kinds or source.kind in kinds)


@lru_cache(maxsize=512)
def _compiled(alias: str, code: int, part: str) -> tuple[str, tuple]:
    """The SQL of one source's ``keys`` or ``entries``, for the placeholder case id."""
    queryset = getattr(BY_CODE[code], part)(CASE_PLACEHOLDER)
    sql, params = queryset.query.get_compiler(using=alias).as_sql()
    if stand_in_count(params, CASE_PLACEHOLDER) != 1:
        # Each source filters on the case once; otherwise a case could see another's rows.
        raise RuntimeError("the timeline's case placeholder is not once in the source")
    return sql, tuple(params)


def _source(alias: str, code: int, part: str, case_id: int) -> tuple[str, list]:
    sql, params = _compiled(alias, code, part)
    return sql, substituted(params, CASE_PLACEHOLDER, case_id)


def _aware(value) -> datetime:
    """A time read back through the union: SQLite gives text in UTC, PostgreSQL an aware datetime."""
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(PARIS)


ORDER = "ORDER BY t_ts DESC, t_src DESC, t_id DESC LIMIT %s"


def _keys(using: str, case_id: int, codes: tuple[int, ...], filters: TimelineFilters, count: int) -> list[tuple]:
    """The first ``count`` rows of the timeline the filters keep, as (time, source, id), newest first.

    Each source gives its own first ``count`` rows (newest first, in the order of its table's
    ``(case, time, id)`` index), the union of those is ordered once more. Every identifier below is
    a constant of this module; every value is a parameter.
    """
    moment = connections[using].ops.adapt_datetimefield_value
    conditions, extra = ["t_keep"], []
    if filters.since is not None:
        conditions.append("t_ts >= %s")
        extra.append(moment(filters.since))
    if filters.until is not None:
        conditions.append("t_ts < %s")
        extra.append(moment(filters.until))
    if filters.actor is not None:
        conditions.append("t_actor = %s")
        extra.append(filters.actor)
    if (after := filters.after) is not None:
        # Strictly after the cursor in (time, source, id) descending order.
        conditions.append("(t_ts < %s OR (t_ts = %s AND (t_src < %s OR (t_src = %s AND t_id < %s))))")
        extra.extend([moment(after.at), moment(after.at), after.source, after.source, after.id])
    where = f"WHERE {' AND '.join(conditions)}"
    branches, params = [], []
    for number, code in enumerate(codes):
        sql, source_params = _source(using, code, "keys", case_id)
        branches.append(f"SELECT * FROM (SELECT * FROM ({sql}) s{number} {where} {ORDER}) p{number}")  # noqa: S608
        params.extend([*source_params, *extra, count])
    query = f"SELECT t_ts, t_src, t_id FROM ({' UNION ALL '.join(branches)}) timeline {ORDER}"  # noqa: S608
    # Its planning is most of its cost and its text is the same for every case: kept prepared.
    # Every integer sent as bigint: psycopg types a Python int by its size, and a case id of another
    # size would be another statement to prepare.
    params = [*params, count]
    if connections[using].vendor == "postgresql":
        params = [Int8(value) if type(value) is int else value for value in params]
    with prepared_cursor(using) as cursor:
        cursor.execute(query, params)
        return cursor.fetchall()


def _details(using: str, case_id: int, keys: list[tuple]) -> list[dict]:
    """Everything shown of the rows ``keys`` names, in their order: one branch per source among them."""
    ids: dict[int, list[int]] = {}
    for _at, code, id_ in keys:
        ids.setdefault(code, []).append(id_)
    branches, params = [], []
    for number, (code, wanted) in enumerate(sorted(ids.items())):
        sql, source_params = _source(using, code, "entries", case_id)
        marks = ", ".join(["%s"] * len(wanted))
        branches.append(f"SELECT {', '.join(COLUMNS)} FROM ({sql}) s{number} WHERE t_id IN ({marks})")  # noqa: S608
        params.extend([*source_params, *wanted])
    with connections[using].cursor() as cursor:
        cursor.execute(" UNION ALL ".join(branches), params)
        found = {(row[1], row[2]): dict(zip(COLUMNS, row, strict=True)) for row in cursor.fetchall()}
    return [found[code, id_] for _at, code, id_ in keys if (code, id_) in found]


def timeline_page(
    case_id: int, filters: TimelineFilters, *, per_page: int = PER_PAGE, using: str = DEFAULT_DB_ALIAS
) -> TimelinePage:
    """The entries of one page of the case's timeline, newest first, and the cursor of the next.

    Two queries whatever the size of the case (one if the page is empty): the first finds the page's
    rows among every source (times, ids, and whether a version changed a shown field; a union of
    thirty sources whose planning was half the time of the single query it replaced), the second
    reads what is shown of those rows, by primary key, from the few sources they come from.
    """
    codes = _codes(filters.kinds)
    if not codes:  # a kind no source has yet
        return TimelinePage(entries=[], next_cursor=None)
    keys = _keys(using, case_id, codes, filters, per_page + 1)
    rows = _details(using, case_id, keys) if keys else []
    entries = [_entry(row) for row in rows[:per_page]]
    return TimelinePage(entries=entries, next_cursor=entries[-1].cursor if len(rows) > per_page else None)


def _entry(row: dict) -> Entry:
    source = BY_CODE[row["t_src"]]
    return Entry(
        at=_aware(row["t_ts"]),
        source=source,
        id=row["t_id"],
        kind=source.kind,
        action=row["t_action"],
        actor_id=row["t_actor"],
        actor_name=row["t_actor_name"] or "",
        summary=source.summary(row),
        changes=source.changes(row) if row["t_action"] == "~" else [],
    )


def timeline_actors(case_id: int, *, using: str = DEFAULT_DB_ALIAS) -> list[tuple[int, str]]:
    """Everyone who appears as an actor in the case's timeline, by name.

    Read from the case's audit events: every write on a case is audited by its service with its
    actor (custody events included), so the actors of the history and custody rows are among them;
    an index gives them one probe per person, whatever the size of the case.
    """
    ids = audit_selectors.case_actor_ids(case_id)
    names = User.objects.using(using).filter(pk__in=ids).values_list("pk", "full_name", "email")
    return sorted(
        ((pk, full_name or email) for pk, full_name, email in names), key=lambda item: (item[1].casefold(), item[0])
    )


# --- Integrity status ---------------------------------------------------------------------------


@dataclass(frozen=True)
class IntegrityStatus:
    last_verification: ChainVerification | None
    last_failure: ChainVerification | None
    anchor: Anchor | None
    anchor_matches: bool | None
    head_seq: int | None
    last_seal: AuditEvent | None
    unsealed: int
    oldest_unsealed: datetime | None
    sealing_late: bool
    alerts: list
    alert_count: int


def integrity_status(*, alerts_shown: int = 10) -> IntegrityStatus:
    """What a manager checks to trust the audit trail: each figure one indexed query (or one file read)."""
    anchor = anchor_latest()
    head = chain_head()
    waiting = audit_selectors.unsealed_access_summary()
    oldest = waiting["oldest"]
    late_after = timedelta(seconds=5 * settings.AUDIT_ACCESS_SEAL_SECONDS)
    alerts = evidence_selectors.recent_alerts(alerts_shown)
    return IntegrityStatus(
        last_verification=audit_selectors.latest_verification(),
        last_failure=audit_selectors.latest_failed_verification(),
        anchor=anchor,
        anchor_matches=anchor_matches(anchor) if anchor is not None else None,
        head_seq=head[0] if head else None,
        last_seal=audit_selectors.last_access_seal(),
        unsealed=waiting["count"],
        oldest_unsealed=oldest,
        sealing_late=oldest is not None and timezone.now() - oldest > late_after,
        alerts=alerts,
        alert_count=evidence_selectors.alert_count(),
    )
