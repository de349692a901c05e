"""Search over cases, organisations, evidence (file text included), requests, answers and findings.

Reads only. On PostgreSQL each kind is matched on the ``search_vector`` column its own app keeps
(GIN-indexed, French ``cnil_fr`` configuration over ``unaccent``: "sécurité", "securite" and
"sécurités" find each other), ranked with ``ts_rank`` and highlighted with ``ts_headline``. On
SQLite a fallback matches every word of the query inside the same fields, accents and case
folded by a Python function registered on the connection.

Everything attached to a case is first restricted to ``visible_cases(user)``: a restricted case
the user may not see gives no result, no count and no highlight. Organisations are visible to all
staff readers. Each kind costs two queries (its count and its first results), whatever the
number of results.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cache

from django.conf import settings
from django.contrib.postgres.search import SearchHeadline, SearchQuery, SearchRank, SearchVectorField
from django.core.exceptions import EmptyResultSet
from django.db import connection
from django.db.models import BooleanField, F, Func, Model, QuerySet, TextField, Value
from django.db.models.expressions import RawSQL
from django.db.models.functions import Coalesce, Concat, Left
from django.urls import reverse
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext_lazy

from apps.cases.models import Case
from apps.cases.permissions import visible_cases
from apps.core.fts import CONFIG
from apps.core.stand_ins import stand_in_count, substituted
from apps.evidence.models import Evidence
from apps.info_requests.choices import SubmissionStatus
from apps.info_requests.models import Answer, Question
from apps.organisations.models import Organisation
from apps.outcomes.models import Finding

MAX_QUERY_LENGTH = 200
PER_KIND = 20
PER_KIND_ALONE = 100  # when the user asks for one kind only
# Highlight markers from Unicode's private use area: ts_headline's output is escaped whole, then
# only these become <mark> tags, so nothing else in a result can turn into HTML.
START, STOP = "\ue000", "\ue001"
# Extracted text is highlighted from its beginning up to this many characters.
HEADLINE_CHARS = 200_000
SNIPPET_RADIUS = 90


class SearchQueryError(ValueError):
    """The query cannot be run; the message says why, for the person who typed it."""


@dataclass
class Hit:
    title: SafeString
    url: str
    snippet: SafeString
    context: str = ""


@dataclass
class Group:
    kind: str
    label: str
    total: int
    hits: list[Hit] = field(default_factory=list)
    capped: bool = False  # more than settings.SEARCH_CANDIDATES matches: ``total`` is the cap

    @property
    def more(self) -> bool:
        return self.total > len(self.hits)


@dataclass(frozen=True)
class Source:
    """One kind of result: its rows the user may see, its vector's table, its text and its link.

    ``scoped(user)`` is what the user may see, and depends on the user only through
    ``visible_cases(user)`` (the compiled SQL is kept per kind and visibility). ``columns`` are
    what a hit shows (name → field path, names distinct from the model's fields); ``hit`` builds the
    result from them."""

    kind: str
    label: str
    model: type[Model]
    table: str
    scoped: Callable[[object], QuerySet]
    title: str  # field path of the result's title, highlighted whole
    body: tuple[str, ...]  # field paths of the snippet, highlighted in fragments
    extra: tuple[str, ...]  # more fields matched (SQLite) that are not shown in the snippet
    columns: dict[str, str]
    hit: Callable[[dict, SafeString, SafeString], Hit]


def clean_query(raw: str | None) -> str:
    query = " ".join((raw or "").split())
    if not query:
        raise SearchQueryError(_("Type one or more words to search for."))
    if len(query) > MAX_QUERY_LENGTH:
        raise SearchQueryError(_("The search is too long: %(max)d characters at most.") % {"max": MAX_QUERY_LENGTH})
    if not any(word.strip('"-') and not word.startswith("-") for word in query.split()):
        raise SearchQueryError(_("Type at least one word to look for, not only words to leave out."))
    return query


def fold(text: str | None) -> str:
    """Lower case without accents ("Sécurité" → "securite"), one character for each character."""
    if not text:
        return ""
    return "".join(_fold_char(char) for char in text)


def _fold_char(char: str) -> str:
    base = unicodedata.normalize("NFKD", char)[:1] or char
    folded = base.casefold()
    return folded if len(folded) == 1 else char.lower()


# -- the kinds -----------------------------------------------------------------------------


def _case_link(row: dict) -> str:
    return f"{row['case_ref']} — {row['case_name']}"


def _seen(user) -> QuerySet:
    return visible_cases(user).values("pk")


def _answers(user) -> QuerySet:
    # A draft stays the organisation's until it submits: only submitted answers are searched.
    return Answer.objects.filter(
        submission__status=SubmissionStatus.SUBMITTED, submission__request__case__in=_seen(user)
    )


def _case_columns(case: str) -> dict[str, str]:
    return {"case_pk": f"{case}_id", "case_ref": f"{case}__reference", "case_name": f"{case}__title"}


SOURCES: tuple[Source, ...] = (
    Source(
        kind="cases",
        label=gettext_lazy("Cases"),
        model=Case,
        table="cases_case",
        scoped=visible_cases,
        title="title",
        body=("summary",),
        extra=("reference",),
        columns={"case_pk": "pk", "case_ref": "reference"},
        hit=lambda row, title, snippet: Hit(
            title=title, url=reverse("cases:detail", args=[row["case_pk"]]), snippet=snippet, context=row["case_ref"]
        ),
    ),
    Source(
        kind="organisations",
        label=gettext_lazy("Organisations"),
        model=Organisation,
        table="organisations_organisation",
        scoped=lambda user: Organisation.objects.all(),  # every staff reader sees every organisation
        title="legal_name",
        body=(),
        extra=("siren",),
        columns={"organisation_pk": "pk", "siren_number": "siren"},
        hit=lambda row, title, snippet: Hit(
            title=title,
            url=reverse("organisations:detail", args=[row["organisation_pk"]]),
            snippet=snippet,
            context=_("SIREN %(siren)s") % {"siren": row["siren_number"]} if row["siren_number"] else "",
        ),
    ),
    Source(
        kind="evidence",
        label=gettext_lazy("Evidence"),
        model=Evidence,
        table="evidence_evidence",
        scoped=lambda user: Evidence.objects.filter(case__in=_seen(user)),
        title="title",
        body=("description", "blob__extracted_text"),
        extra=("original_filename",),
        columns={"evidence_pk": "pk", **_case_columns("case"), "file_name": "original_filename"},
        hit=lambda row, title, snippet: Hit(
            title=title,
            url=reverse("evidence:detail", args=[row["case_pk"], row["evidence_pk"]]),
            snippet=snippet,
            context=f"{_case_link(row)} · {row['file_name']}",
        ),
    ),
    Source(
        kind="questions",
        label=gettext_lazy("Questions of requests for information"),
        model=Question,
        table="info_requests_question",
        scoped=lambda user: Question.objects.filter(request__case__in=_seen(user)),
        title="request__subject",
        body=("text",),
        extra=(),
        columns={"request_pk": "request_id", **_case_columns("request__case")},
        hit=lambda row, title, snippet: Hit(
            title=title,
            url=reverse("info_requests:detail", args=[row["case_pk"], row["request_pk"]]),
            snippet=snippet,
            context=_case_link(row),
        ),
    ),
    Source(
        kind="answers",
        label=gettext_lazy("Answers of organisations"),
        model=Answer,
        table="info_requests_answer",
        scoped=_answers,
        title="submission__request__subject",
        body=("text",),
        extra=(),
        columns={
            "request_pk": "submission__request_id",
            "submission_pk": "submission_id",
            **_case_columns("submission__request__case"),
            "organisation_name": "submission__organisation__legal_name",
        },
        hit=lambda row, title, snippet: Hit(
            title=title,
            url=reverse("info_requests:detail", args=[row["case_pk"], row["request_pk"]])
            + f"#submission-{row['submission_pk']}",
            snippet=snippet,
            context=f"{_case_link(row)} · {row['organisation_name']}",
        ),
    ),
    Source(
        kind="findings",
        label=pgettext_lazy("search results", "Findings"),
        model=Finding,
        table="outcomes_finding",
        scoped=lambda user: Finding.objects.filter(assessment__party__case__in=_seen(user)),
        title="assessment__obligation__title_fr",
        body=("facts", "gravity", "damage", "mitigation", "responsibility", "other_factors"),
        extra=("processing", "previous_infringements", "codes_certification"),
        columns={
            "party_pk": "assessment__party_id",
            "obligation_pk": "assessment__obligation_id",
            **_case_columns("assessment__party__case"),
            "organisation_name": "assessment__party__organisation__legal_name",
        },
        hit=lambda row, title, snippet: Hit(
            title=title,
            url=reverse("outcomes:assessment", args=[row["case_pk"], row["party_pk"], row["obligation_pk"]]),
            snippet=snippet,
            context=f"{_case_link(row)} · {row['organisation_name']}",
        ),
    ),
)

KINDS = tuple(source.kind for source in SOURCES)
_SOURCES = {source.kind: source for source in SOURCES}


def _joined(paths: tuple[str, ...], *, cut: int | None = None):
    """The fields' text joined by dashes (each cut to ``cut`` characters) as one SQL expression."""
    if not paths:
        return Value("", output_field=TextField())
    parts = []
    for path in paths:
        if parts:
            parts.append(Value(" — "))
        part = Coalesce(F(path), Value(""), output_field=TextField())
        parts.append(Left(part, cut) if cut else part)
    return parts[0] if len(parts) == 1 else Concat(*parts, output_field=TextField())


def _shown(source: Source) -> dict[str, F]:
    return {name: F(path) for name, path in source.columns.items()}


# -- PostgreSQL ----------------------------------------------------------------------------


def _marked(text: str | None) -> SafeString:
    """ts_headline output, escaped, with only our markers turned into <mark> tags."""
    html = escape(text or "")
    if html.count(START) != html.count(STOP):  # the text itself held a marker: no highlight
        return mark_safe(html.replace(START, "").replace(STOP, ""))  # noqa: S308 - escaped above
    return mark_safe(html.replace(START, "<mark>").replace(STOP, "</mark>"))  # noqa: S308 - escaped above


def _headline(expression, query: SearchQuery, *, whole: bool) -> SearchHeadline:
    options = {"highlight_all": True} if whole else {"max_fragments": 2, "max_words": 30, "min_words": 10}
    return SearchHeadline(
        expression,
        query,
        config=CONFIG,
        start_sel=START,
        stop_sel=STOP,
        fragment_delimiter=" … ",
        **options,
    )


# The SQL of each kind is compiled once per process (the ORM's compiling was a third of a search's
# time) with these stand-ins for the words and the ids, replaced by the real ones at each search.
_WORDS = "\ue002words\ue002"
_IDS = ["\ue002ids\ue002"]
_CANDIDATES: dict[tuple, tuple[str, tuple] | None] = {}  # (kind, cap, visibility SQL) → statement
_CANDIDATES_KEPT = 2048
_COMPILE = object()


def _vector(source: Source) -> RawSQL:
    return RawSQL(f'"{source.table}"."search_vector"', [], output_field=SearchVectorField())  # noqa: S611


def _checked(sql: str, params: tuple, *stand_ins) -> tuple[str, tuple]:
    if not all(stand_in_count(params, stand_in) for stand_in in stand_ins):
        raise RuntimeError("a search statement lost its stand-in parameter")
    return sql, params


def _compile_candidates(source: Source, user, cap: int) -> tuple[str, tuple] | None:
    """The statement counting the user's matches up to one past ``cap``, ranking them, keeping the best.

    One query counts the matches (the scan stops one past the cap), ranking each on the row as it is
    read, and returns the ids of the best of the first ``cap``: nothing is read twice, no candidate
    is joined to what a hit shows, no thousand ids go through Python. The matches are found among
    the rows the user may see. None when the user may see nothing of the kind."""
    query = SearchQuery(_WORDS, config=CONFIG, search_type="websearch")
    vector = _vector(source)
    ranked = (
        source.scoped(user)
        .annotate(search_vector=vector)
        .filter(search_vector=query)
        .order_by()
        .annotate(rank=SearchRank(vector, query))
        .values("pk", "rank")[: cap + 1]
    )
    try:
        candidates, params = ranked.query.sql_with_params()
    except EmptyResultSet:
        return None
    return _checked(
        f"WITH found AS MATERIALIZED ({candidates}) SELECT (SELECT count(*) FROM found), "  # noqa: S608 - compiled
        "ARRAY(SELECT pk FROM (SELECT pk, rank FROM found LIMIT %s) first ORDER BY rank DESC, pk DESC LIMIT %s)",
        (*params, cap),
        _WORDS,
    )


def _candidates(source: Source, user, visibility: tuple, cap: int) -> tuple[str, tuple] | None:
    key = (source.kind, cap, visibility)
    statement = _CANDIDATES.get(key, _COMPILE)
    if statement is _COMPILE:  # kept in a local: another thread may empty the dict meanwhile
        statement = _compile_candidates(source, user, cap)
        if len(_CANDIDATES) >= _CANDIDATES_KEPT:
            _CANDIDATES.clear()
        _CANDIDATES[key] = statement
    return statement


@cache
def _rows(kind: str) -> tuple[str, tuple]:
    """The statement loading what the hits of ``kind`` show, highlighted, for a list of ids."""
    source = _SOURCES[kind]
    query = SearchQuery(_WORDS, config=CONFIG, search_type="websearch")
    among = RawSQL(f'"{source.table}"."id" = ANY(%s)', (_IDS,), output_field=BooleanField())  # noqa: S611
    rows = source.model._default_manager.filter(among).values(
        hit_pk=F("pk"),
        **_shown(source),
        title_html=_headline(F(source.title), query, whole=True),
        snippet_html=_headline(_joined(source.body, cut=HEADLINE_CHARS), query, whole=False),
    )
    return _checked(*rows.query.sql_with_params(), _WORDS, _IDS)


def _visibility(user) -> tuple:
    """What the compiled statements depend on of the user: the SQL of the cases they may see."""
    seen = visible_cases(user)
    if seen.query.is_empty():
        return ("none",)
    sql, params = seen.values("pk").query.sql_with_params()
    return (sql, params)


def _search_postgresql(source: Source, user, query_text: str, limit: int, visibility: tuple) -> Group:
    cap = settings.SEARCH_CANDIDATES
    statement = _candidates(source, user, visibility, cap)
    if statement is None:
        return Group(kind=source.kind, label=str(source.label), total=0)
    sql, params = statement
    with connection.cursor() as cursor:
        cursor.execute(sql, [*substituted(params, _WORDS, query_text), limit])
        found, best = cursor.fetchone()
        capped = found > cap
        total = min(found, cap)
        if not total:  # nothing to show: no second query
            return Group(kind=source.kind, label=str(source.label), total=0)
        sql, params = _rows(source.kind)
        cursor.execute(sql, substituted(substituted(params, _WORDS, query_text), _IDS, best))
        names = [column.name for column in cursor.description]
        rows = {row["hit_pk"]: row for row in (dict(zip(names, values, strict=True)) for values in cursor.fetchall())}
    order = {pk: position for position, pk in enumerate(best)}
    hits = [
        source.hit(row, _marked(row["title_html"]), _marked(row["snippet_html"]))
        for row in sorted(rows.values(), key=lambda row: order[row["hit_pk"]])
    ]
    return Group(kind=source.kind, label=str(source.label), total=total, hits=hits, capped=capped)


# -- SQLite fallback -------------------------------------------------------------------------


def _fold_all(*values) -> str:
    return fold(" — ".join(str(value) for value in values if value))


def _join_cut(*values) -> str:
    return " — ".join(str(value)[:HEADLINE_CHARS] for value in values if value)


def _register_functions() -> None:
    """Python functions on this SQLite connection (re-registering is harmless and cheap)."""
    connection.ensure_connection()
    connection.connection.create_function("cnil_fold", -1, _fold_all, deterministic=True)
    connection.connection.create_function("cnil_join", -1, _join_cut, deterministic=True)


def _highlight(text: str, terms: list[str], *, whole: bool) -> SafeString:
    """Escaped ``text`` (or a window around its first match) with each term in <mark>."""
    folded = fold(text)
    spans = []
    for term in terms:
        start = folded.find(term)
        while start != -1:
            spans.append((start, start + len(term)))
            start = folded.find(term, start + len(term))
    spans.sort()
    if whole:
        low, high = 0, len(text)
    elif spans:
        low, high = max(0, spans[0][0] - SNIPPET_RADIUS), min(len(text), spans[0][1] + SNIPPET_RADIUS)
    else:
        low, high = 0, min(len(text), 2 * SNIPPET_RADIUS)
    pieces, cursor = [], low
    for start, stop in spans:
        if start < cursor or stop > high:
            continue
        pieces += [escape(text[cursor:start]), "<mark>", escape(text[start:stop]), "</mark>"]
        cursor = stop
    pieces.append(escape(text[cursor:high]))
    prefix = "… " if low > 0 else ""
    suffix = " …" if high < len(text) else ""
    return mark_safe(prefix + "".join(pieces) + suffix)  # noqa: S308 - every piece of text is escaped


def _search_sqlite(source: Source, user, query_text: str, limit: int) -> Group:
    _register_functions()
    words = [word.strip('"') for word in query_text.split()]
    wanted = [fold(word) for word in words if word and not word.startswith("-")]
    unwanted = [fold(word[1:]) for word in words if word.startswith("-") and len(word) > 1]
    fields = [F(path) for path in (source.title, *source.body, *source.extra)]
    haystack = Func(*fields, function="cnil_fold", output_field=TextField())
    matches = source.scoped(user).annotate(haystack=haystack)
    for term in wanted:
        matches = matches.filter(haystack__contains=term)
    for term in unwanted:
        matches = matches.exclude(haystack__contains=term)
    cap = settings.SEARCH_CANDIDATES
    total = matches.order_by()[: cap + 1].count()
    capped = total > cap
    total = min(total, cap)
    if not total:  # as on PostgreSQL: no query for the rows of a kind without matches
        return Group(kind=source.kind, label=str(source.label), total=0)
    body = Func(*[F(path) for path in source.body], function="cnil_join", output_field=TextField())
    rows = matches.order_by("-pk").values(
        **_shown(source), title_text=F(source.title), body_text=body if source.body else Value("")
    )[: min(limit, cap)]
    hits = [
        source.hit(
            row,
            _highlight(row["title_text"] or "", wanted, whole=True),
            _highlight(row["body_text"], wanted, whole=False) if row["body_text"] else mark_safe(""),
        )
        for row in rows
    ]
    return Group(kind=source.kind, label=str(source.label), total=total, hits=hits, capped=capped)


def search(user, raw_query: str | None, *, kinds: tuple[str, ...] = KINDS) -> list[Group]:
    """Results of ``raw_query`` the user may see, grouped by kind, best first (raises SearchQueryError)."""
    query_text = clean_query(raw_query)
    limit = PER_KIND_ALONE if len(kinds) == 1 else PER_KIND
    sources = [source for source in SOURCES if source.kind in kinds]
    if connection.vendor != "postgresql":
        return [_search_sqlite(source, user, query_text, limit) for source in sources]
    visibility = _visibility(user)
    return [_search_postgresql(source, user, query_text, limit, visibility) for source in sources]
