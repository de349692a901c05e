"""Reads of the case timeline: one page in one query, whatever the size of the case.

The sources' querysets are built with the ORM (windows, JSON objects, CASE) and combined with
``UNION ALL``. The ORM cannot select *from* a union, so the compiled union is wrapped in a short
outer ``SELECT`` of portable SQL that applies everything that must come after the window
functions — dates, actor, the keyset cursor, dropping rows without a change — orders by (time,
source, id) and takes one page plus one row. The same SQL runs on SQLite and PostgreSQL.

Inside the union each source is filtered on the case alone: a filter there would hide a row's
previous version from ``LAG``. Building and compiling the union's hundreds of expressions costs
a few hundred milliseconds of Python, so its SQL is compiled once per set of sources, with a
placeholder case id that each call replaces by the real one among the parameters.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import lru_cache

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connections
from django.utils import timezone

from apps.audit import selectors as audit_selectors
from apps.audit.anchors import Anchor, anchor_latest, anchor_matches, chain_head
from apps.audit.models import AuditEvent, ChainVerification
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
def _compiled(alias: str, what: str, codes: tuple[int, ...]) -> tuple[str, tuple]:
    """The SQL of the union of ``codes``' entries (or actors), for the placeholder case id."""
    parts = [getattr(BY_CODE[code], what)(CASE_PLACEHOLDER) for code in codes]
    union = parts[0].union(*parts[1:], all=True)
    sql, params = union.query.get_compiler(using=alias).as_sql()
    if sum(1 for value in params if isinstance(value, int) and value == CASE_PLACEHOLDER) != len(codes):
        # Each source filters on the case once; otherwise a case could see another's rows.
        raise RuntimeError("the timeline's case placeholder is not once in each source")
    return sql, tuple(params)


def _union(alias: str, what: str, codes: tuple[int, ...], case_id: int) -> tuple[str, list]:
    sql, params = _compiled(alias, what, codes)
    # psycopg's typed integers (Int4, Int8) are ints: the placeholder keeps its type.
    return sql, [
        type(value)(case_id) if isinstance(value, int) and value == CASE_PLACEHOLDER else value for value in params
    ]


def _aware(value) -> datetime:
    """A time read back through the union: SQLite gives text in UTC, PostgreSQL an aware datetime."""
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(PARIS)


def timeline_page(
    case_id: int, filters: TimelineFilters, *, per_page: int = PER_PAGE, using: str = DEFAULT_DB_ALIAS
) -> TimelinePage:
    """The entries of one page of the case's timeline, newest first, and the cursor of the next."""
    codes = _codes(filters.kinds)
    if not codes:  # a kind no source has yet
        return TimelinePage(entries=[], next_cursor=None)
    connection = connections[using]
    sql, params = _union(using, "entries", codes, case_id)
    moment = connection.ops.adapt_datetimefield_value
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
    if filters.after is not None:
        # Strictly after the cursor in (time, source, id) descending order.
        conditions.append("(t_ts < %s OR (t_ts = %s AND (t_src < %s OR (t_src = %s AND t_id < %s))))")
        after = filters.after
        extra.extend([moment(after.at), moment(after.at), after.source, after.source, after.id])
    # Every identifier below is a constant of this module; every value is a parameter.
    query = (
        f"SELECT {', '.join(COLUMNS)} FROM ({sql}) timeline WHERE {' AND '.join(conditions)} "  # noqa: S608
        "ORDER BY t_ts DESC, t_src DESC, t_id DESC LIMIT %s"
    )
    with connection.cursor() as cursor:
        cursor.execute(query, (*params, *extra, per_page + 1))
        rows = [dict(zip(COLUMNS, row, strict=True)) for row in cursor.fetchall()]
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
    """Everyone who appears as an actor in the case's timeline, by name: one query."""
    sql, params = _union(using, "actors", _codes(()), case_id)
    with connections[using].cursor() as cursor:
        cursor.execute(f"SELECT DISTINCT t_actor, t_actor_name FROM ({sql}) actors", params)  # noqa: S608
        found = cursor.fetchall()
    names: dict[int, str] = {}
    for actor_id, name in sorted(found, key=lambda row: (row[0], row[1] or "")):
        names.setdefault(actor_id, name or "")
    return sorted(names.items(), key=lambda item: (item[1].casefold(), item[0]))


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
