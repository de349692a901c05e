"""CSV exports, streamed: the case list (with its filters), deadlines and a case's evidence inventory.

A file is written while it is read: rows come from ``.iterator(chunk_size=CHUNK)`` (a server-side
cursor on PostgreSQL) and go out in blocks, so a million rows never sit in memory; each chunk costs
a fixed number of queries (its rows, plus one for the parties of an evidence chunk).

The format is for French spreadsheets: UTF-8 with a byte-order mark (Excel otherwise reads it as
Windows-1252), ``;`` between cells (Excel in French uses the comma as decimal separator, and reads
a ``;`` file by double click), French headers and values, times in Paris time as ``dd/mm/yyyy hh:mm``.
A cell beginning with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return is prefixed with ``'``
so a spreadsheet never evaluates it as a formula (CSV injection; OWASP).

Callers pass querysets already limited to what the user may see (``case_list_for_user``,
``case_get_for_user``): this module reads, it does not decide.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable, Iterable, Iterator
from datetime import date, datetime
from itertools import chain
from zoneinfo import ZoneInfo

from django.db.models import Count, OuterRef, Prefetch, QuerySet, Subquery
from django.http import StreamingHttpResponse
from django.utils import translation
from django.utils.translation import gettext as _

from apps.cases.models import Case, Party
from apps.deadlines import selectors as deadline_selectors
from apps.deadlines.models import Deadline
from apps.evidence.choices import CustodyKind
from apps.evidence.models import CustodyEvent, Evidence

PARIS = ZoneInfo("Europe/Paris")
EXPORT_LANGUAGE = "fr"
SEPARATOR = ";"
BOM = "\ufeff"
CHUNK = 2000  # rows fetched per query
FLUSH = 500  # rows per block sent to the client
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def neutralise(value) -> str:
    """The cell as text, with a leading ``'`` if a spreadsheet would read it as a formula."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    if isinstance(value, datetime):
        return value.astimezone(PARIS).strftime("%d/%m/%Y %H:%M")
    if isinstance(value, date):
        return value.strftime("%d/%m/%Y")
    text = str(value)
    return "'" + text if text.startswith(FORMULA_START) else text


def csv_lines(header: Callable[[], list[str]], rows: Callable[[], Iterable[list]]) -> Iterator[str]:
    """BOM and header, then the rows in blocks of ``FLUSH``; French while it writes (the response is lazy)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=SEPARATOR, lineterminator="\r\n")
    with translation.override(EXPORT_LANGUAGE):
        writer.writerow([neutralise(cell) for cell in header()])
        yield BOM + buffer.getvalue()
        buffer.seek(0), buffer.truncate()
        for count, row in enumerate(rows(), start=1):
            writer.writerow([neutralise(cell) for cell in row])
            if count % FLUSH == 0:
                yield buffer.getvalue()
                buffer.seek(0), buffer.truncate()
        yield buffer.getvalue()


def csv_response(filename: str, header, rows) -> StreamingHttpResponse:
    response = StreamingHttpResponse(csv_lines(header, rows), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cache-Control"] = "no-store"  # what the user may see changes; never served from a cache
    return response


def file_safe(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9._-]+", "-", text).strip("-.") or "export"


def _person(user) -> str:
    return (user.get_full_name() or user.email) if user is not None else ""


# --- The case list ----------------------------------------------------------------------------


def case_header() -> list[str]:
    return [
        _("Reference"),
        _("Title"),
        _("Status"),
        _("Origin"),
        _("Legal regime"),
        _("Priority"),
        _("Confidentiality"),
        _("Lead investigator"),
        _("Opened at (Paris)"),
        _("Last activity (Paris)"),
    ]


def case_rows(queryset: QuerySet[Case]) -> Callable[[], Iterator[list]]:
    """The cases of ``queryset`` (already the user's list with its filters), in the list's order."""

    def rows():
        for case in queryset.order_by("-last_activity_at", "-id").iterator(chunk_size=CHUNK):
            yield [
                case.reference,
                case.title,
                case.get_status_display(),
                case.get_origin_display(),
                case.get_legal_regime_display(),
                case.get_priority_display(),
                case.get_confidentiality_display(),
                _person(case.lead_investigator),
                case.created_at,
                case.last_activity_at,
            ]

    return rows


# --- Deadlines --------------------------------------------------------------------------------


def deadline_header() -> list[str]:
    return [
        _("Case"),
        _("Deadline"),
        _("Due (Paris)"),
        _("Status"),
        _("Rule"),
        _("Legal source"),
        _("Start event"),
        _("Start (Paris)"),
        _("Met at (Paris)"),
    ]


def _deadline_row(deadline: Deadline) -> list:
    return [
        deadline.case.reference,
        deadline.title,
        deadline.due_at,
        deadline.get_status_display(),
        deadline.rule_text,
        deadline.legal_source,
        deadline.start_event,
        deadline.started_at,
        deadline.met_at,
    ]


def my_deadline_rows(user) -> Callable[[], Iterator[list]]:
    """As on "My deadlines": the pending ones of my cases (earliest first), then those met or missed lately."""

    def rows():
        pending = deadline_selectors.my_pending_deadlines(user).iterator(chunk_size=CHUNK)
        recent = deadline_selectors.my_recently_closed_deadlines(user).iterator(chunk_size=CHUNK)
        for deadline in chain(pending, recent):
            yield _deadline_row(deadline)

    return rows


def case_deadline_rows(case: Case) -> Callable[[], Iterator[list]]:
    def rows():
        deadlines = Deadline.objects.filter(case=case).select_related("case").order_by("due_at", "id")
        for deadline in deadlines.iterator(chunk_size=CHUNK):
            yield _deadline_row(deadline)

    return rows


# --- The evidence inventory -------------------------------------------------------------------


def evidence_inventory(case: Case) -> QuerySet[Evidence]:
    """The case's evidence with its blob's hash and size, its collector, its parties and its custody summary.

    Only the columns shown are read (a blob's extracted text stays in the database); the custody count
    and last event are subqueries, the parties one prefetch per chunk.
    """
    custody = CustodyEvent.objects.filter(evidence=OuterRef("pk"))
    last = custody.order_by("-at", "-id")
    return (
        Evidence.objects.filter(case=case)
        .select_related("blob", "collected_by")
        .only(
            "id",
            "case_id",
            "title",
            "source",
            "original_filename",
            "registered_at",
            "collected_at",
            "blob__sha256",
            "blob__size",
            "blob__media_type",
            "collected_by__full_name",
            "collected_by__email",
        )
        .annotate(
            custody_count=Subquery(custody.order_by().values("evidence").annotate(n=Count("id")).values("n")[:1]),
            last_custody_kind=Subquery(last.values("kind")[:1]),
            last_custody_at=Subquery(last.values("at")[:1]),
        )
        .prefetch_related(
            Prefetch(
                "parties",
                queryset=Party.objects.select_related("organisation").only(
                    "id", "role", "processing", "organisation__legal_name"
                ),
            )
        )
        .order_by("registered_at", "id")
    )


def evidence_header() -> list[str]:
    return [
        _("Title"),
        _("Source"),
        _("File name"),
        _("Size (bytes)"),
        _("SHA-256"),
        _("Registered at (Paris)"),
        _("Collected by"),
        _("Parties"),
        _("Custody events"),
        _("Last custody event"),
        _("Last custody event at (Paris)"),
    ]


def custody_label(kind: str | None) -> str:
    return str(CustodyKind(kind).label) if kind in CustodyKind.values else (kind or "")


def evidence_row(evidence: Evidence) -> list:
    return [
        evidence.title,
        evidence.get_source_display(),
        evidence.original_filename,
        evidence.blob.size,
        evidence.blob.sha256,
        evidence.registered_at,
        _person(evidence.collected_by),
        " | ".join(f"{party.organisation.legal_name} ({party.get_role_display()})" for party in evidence.parties.all()),
        evidence.custody_count or 0,
        custody_label(evidence.last_custody_kind),
        evidence.last_custody_at,
    ]


def evidence_rows(case: Case) -> Callable[[], Iterator[list]]:
    def rows():
        for evidence in evidence_inventory(case).iterator(chunk_size=CHUNK):
            yield evidence_row(evidence)

    return rows
