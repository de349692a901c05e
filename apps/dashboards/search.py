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

from django.conf import settings
from django.contrib.postgres.search import SearchHeadline, SearchQuery, SearchRank, SearchVectorField
from django.db import connection
from django.db.models import F, Func, Model, QuerySet, TextField, Value
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

    ``scoped(user)`` is what the user may see; ``rows(queryset)`` loads what a hit shows (related
    rows), applied to the matches already found among the scoped ones."""

    kind: str
    label: str
    table: str
    scoped: Callable[[object], QuerySet]
    rows: Callable[[QuerySet], QuerySet]
    title: str  # field path of the result's title, highlighted whole
    body: tuple[str, ...]  # field paths of the snippet, highlighted in fragments
    extra: tuple[str, ...]  # more fields matched (SQLite) that are not shown in the snippet
    hit: Callable[[Model, SafeString, SafeString], Hit]


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


def _case_link(case: Case) -> str:
    return f"{case.reference} — {case.title}"


def _cases(user) -> QuerySet:
    return visible_cases(user)


def _organisations(user) -> QuerySet:
    return Organisation.objects.all()


def _evidence(user) -> QuerySet:
    return _evidence_rows(Evidence.objects.filter(case__in=visible_cases(user).values("pk")))


def _evidence_rows(evidence: QuerySet) -> QuerySet:
    return evidence.select_related("case", "blob").only(
        "pk",
        "title",
        "description",
        "original_filename",
        "case__id",
        "case__reference",
        "case__title",
        "blob__id",
        "blob__extraction_status",
    )


def _questions(user) -> QuerySet:
    return _question_rows(Question.objects.filter(request__case__in=visible_cases(user).values("pk")))


def _question_rows(questions: QuerySet) -> QuerySet:
    return questions.select_related("request__case")


def _answers(user) -> QuerySet:
    # A draft stays the organisation's until it submits: only submitted answers are searched.
    return _answer_rows(
        Answer.objects.filter(
            submission__status=SubmissionStatus.SUBMITTED,
            submission__request__case__in=visible_cases(user).values("pk"),
        )
    )


def _answer_rows(answers: QuerySet) -> QuerySet:
    return answers.select_related("submission__request__case", "submission__organisation", "question")


def _findings(user) -> QuerySet:
    return _finding_rows(Finding.objects.filter(assessment__party__case__in=visible_cases(user).values("pk")))


def _finding_rows(findings: QuerySet) -> QuerySet:
    return findings.select_related(
        "assessment__party__case", "assessment__party__organisation", "assessment__obligation"
    )


SOURCES: tuple[Source, ...] = (
    Source(
        kind="cases",
        label=gettext_lazy("Cases"),
        table="cases_case",
        scoped=_cases,
        rows=lambda cases: cases,
        title="title",
        body=("summary",),
        extra=("reference",),
        hit=lambda case, title, snippet: Hit(
            title=title, url=case.get_absolute_url(), snippet=snippet, context=case.reference
        ),
    ),
    Source(
        kind="organisations",
        label=gettext_lazy("Organisations"),
        table="organisations_organisation",
        scoped=_organisations,
        rows=lambda organisations: organisations,
        title="legal_name",
        body=(),
        extra=("siren",),
        hit=lambda organisation, title, snippet: Hit(
            title=title,
            url=organisation.get_absolute_url(),
            snippet=snippet,
            context=_("SIREN %(siren)s") % {"siren": organisation.siren} if organisation.siren else "",
        ),
    ),
    Source(
        kind="evidence",
        label=gettext_lazy("Evidence"),
        table="evidence_evidence",
        scoped=_evidence,
        rows=_evidence_rows,
        title="title",
        body=("description", "blob__extracted_text"),
        extra=("original_filename",),
        hit=lambda evidence, title, snippet: Hit(
            title=title,
            url=evidence.get_absolute_url(),
            snippet=snippet,
            context=f"{_case_link(evidence.case)} · {evidence.original_filename}",
        ),
    ),
    Source(
        kind="questions",
        label=gettext_lazy("Questions of requests for information"),
        table="info_requests_question",
        scoped=_questions,
        rows=_question_rows,
        title="request__subject",
        body=("text",),
        extra=(),
        hit=lambda question, title, snippet: Hit(
            title=title,
            url=question.request.get_absolute_url(),
            snippet=snippet,
            context=_case_link(question.request.case),
        ),
    ),
    Source(
        kind="answers",
        label=gettext_lazy("Answers of organisations"),
        table="info_requests_answer",
        scoped=_answers,
        rows=_answer_rows,
        title="submission__request__subject",
        body=("text",),
        extra=(),
        hit=lambda answer, title, snippet: Hit(
            title=title,
            url=reverse(
                "info_requests:detail",
                args=[answer.submission.request.case_id, answer.submission.request_id],
            )
            + f"#submission-{answer.submission_id}",
            snippet=snippet,
            context=f"{_case_link(answer.submission.request.case)} · {answer.submission.organisation}",
        ),
    ),
    Source(
        kind="findings",
        label=pgettext_lazy("search results", "Findings"),
        table="outcomes_finding",
        scoped=_findings,
        rows=_finding_rows,
        title="assessment__obligation__title_fr",
        body=("facts", "gravity", "damage", "mitigation", "responsibility", "other_factors"),
        extra=("processing", "previous_infringements", "codes_certification"),
        hit=lambda finding, title, snippet: Hit(
            title=title,
            url=reverse(
                "outcomes:assessment",
                args=[
                    finding.assessment.party.case_id,
                    finding.assessment.party_id,
                    finding.assessment.obligation_id,
                ],
            ),
            snippet=snippet,
            context=f"{_case_link(finding.assessment.party.case)} · {finding.assessment.party.organisation}",
        ),
    ),
)

KINDS = tuple(source.kind for source in SOURCES)


def _value(obj: Model, path: str) -> str:
    for name in path.split("__"):
        obj = getattr(obj, name, None)
        if obj is None:
            return ""
    return str(obj)


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


def _search_postgresql(source: Source, user, query_text: str, limit: int) -> Group:
    query = SearchQuery(query_text, config=CONFIG, search_type="websearch")
    vector = RawSQL(f'"{source.table}"."search_vector"', [], output_field=SearchVectorField())  # noqa: S611
    matches = source.scoped(user).annotate(search_vector=vector).filter(search_vector=query)
    cap = settings.SEARCH_CANDIDATES
    # One query counts the matches up to one past the cap (the scan stops there) and ranks the
    # first ``cap`` of them to keep the best ``limit`` ids. The matches were found among the rows the
    # user may see: ranking them needs no visibility filter again, and it runs on the table alone;
    # only the best are then joined to what the hits show and highlighted (joining every candidate
    # first was most of the ranking's time; reading a thousand ids back into Python, the rest).
    candidates, candidate_params = matches.order_by().values("pk")[: cap + 1].query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(
            f"WITH found AS MATERIALIZED ({candidates}) SELECT (SELECT count(*) FROM found), "  # noqa: S608 - constants
            f'ARRAY(SELECT t.id FROM "{source.table}" t WHERE t.id IN (SELECT pk FROM found LIMIT %s) '
            "ORDER BY ts_rank(t.search_vector, websearch_to_tsquery(%s::regconfig, %s)) DESC, t.id DESC LIMIT %s)",
            (*candidate_params, cap, CONFIG, query_text, limit),
        )
        found, best = cursor.fetchone()
    capped = found > cap
    total = min(found, cap)
    if not total:  # nothing to rank: no second query, and no time spent building it
        return Group(kind=source.kind, label=str(source.label), total=0)
    rows = (
        source.rows(matches.model._default_manager.filter(pk__in=best))
        .annotate(search_vector=vector)
        .annotate(
            rank=SearchRank(vector, query),
            title_html=_headline(F(source.title), query, whole=True),
            snippet_html=_headline(_joined(source.body, cut=HEADLINE_CHARS), query, whole=False),
        )
        .order_by("-rank", "-pk")[:limit]
    )
    hits = [source.hit(row, _marked(row.title_html), _marked(row.snippet_html)) for row in rows]
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
    rows = matches.annotate(body_text=body if source.body else Value("")).order_by("-pk")[: min(limit, cap)]
    hits = [
        source.hit(
            row,
            _highlight(_value(row, source.title), wanted, whole=True),
            _highlight(row.body_text, wanted, whole=False) if row.body_text else mark_safe(""),
        )
        for row in rows
    ]
    return Group(kind=source.kind, label=str(source.label), total=total, hits=hits, capped=capped)


def search(user, raw_query: str | None, *, kinds: tuple[str, ...] = KINDS) -> list[Group]:
    """Results of ``raw_query`` the user may see, grouped by kind, best first (raises SearchQueryError)."""
    query_text = clean_query(raw_query)
    run = _search_postgresql if connection.vendor == "postgresql" else _search_sqlite
    limit = PER_KIND_ALONE if len(kinds) == 1 else PER_KIND
    return [run(source, user, query_text, limit) for source in SOURCES if source.kind in kinds]
