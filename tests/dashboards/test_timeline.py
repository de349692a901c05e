"""The case timeline: every kind of entry, computed differences, filters, keyset pages, constant queries."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime
from urllib.parse import parse_qs

import pytest
import time_machine
from django.db import connection
from django.db.models import Q
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils.text import capfirst

from apps.cases import services as case_services
from apps.cases.choices import Priority
from apps.cases.models import Case, Complainant, Party
from apps.dashboards import selectors
from apps.dashboards.choices import TimelineKind
from apps.dashboards.forms import encode_cursor
from apps.dashboards.selectors import TimelineFilters
from apps.dashboards.sources import BY_CODE, SOURCES, Cursor, HistorySource
from apps.evidence import services as evidence_services
from apps.evidence.models import Evidence
from apps.info_requests import services as request_services
from apps.info_requests.models import InfoRequest
from tests.dashboards.conftest import COMPLAINANT, acting, add_party, build_case, pdf
from tests.support import log_in_verified, make_organisation, make_staff, valid_siren

ROW = re.compile(r'id="timeline-(\d+)-(\d+)"')


def url(case) -> str:
    return reverse("cases:tab", args=[case.pk, "timeline"])


def everything(case, **filters) -> list:
    return selectors.timeline_page(case.pk, TimelineFilters(**filters), per_page=100_000).entries


def rows(response) -> list[tuple[int, int]]:
    return [(int(code), int(row_id)) for code, row_id in ROW.findall(response.content.decode())]


@pytest.fixture
def reader(client, agent):
    log_in_verified(client, agent)
    return client


@pytest.fixture
def simple_case(agent):
    with time_machine.travel(datetime(2025, 5, 1, 8, tzinfo=UTC), tick=False), acting(agent):
        return case_services.case_open(actor=agent, origin="ex_officio", legal_regime="gdpr", title="Contrôle")


def test_every_source_appears_with_its_actor(full_case, agent):
    entries = everything(full_case)
    assert {entry.source.code for entry in entries} == {source.code for source in SOURCES}
    # Written through the services within the agent's request (history rows name the agent); the
    # audit and custody events of the organisation's answer name its DPO.
    assert {entry.actor_name for entry in entries} == {"Inès Leroy", "DPO 1"}
    assert {entry.source.code for entry in entries if entry.actor_name == "DPO 1"} == {1, 2}
    kinds = {entry.kind for entry in entries}
    assert kinds == set(TimelineKind.values)


def test_a_timeline_holds_its_own_case_only(full_case, agent):
    before = [(entry.source.code, entry.id) for entry in everything(full_case)]
    with acting(agent):
        other, _ = build_case(agent)
    assert [(entry.source.code, entry.id) for entry in everything(full_case)] == before
    theirs = {(entry.source.code, entry.id) for entry in everything(other)}
    assert theirs
    assert not theirs & set(before)


def test_the_tab_shows_actor_and_paris_time(reader, simple_case, agent):
    # 08:15 UTC in June is 10:15 in Paris (summer time), 09:15 in January (winter time).
    with time_machine.travel(datetime(2025, 6, 2, 8, 15, 30, tzinfo=UTC), tick=False), acting(agent):
        case_services.case_update(actor=agent, case=simple_case, title="Contrôle d’été")
    with time_machine.travel(datetime(2026, 1, 5, 8, 15, 30, tzinfo=UTC), tick=False), acting(agent):
        case_services.case_update(actor=agent, case=simple_case, title="Contrôle d’hiver")
    response = reader.get(url(simple_case))
    assert response.status_code == 200
    html = response.content.decode()
    assert "02/06/2025 10:15:30" in html
    assert "05/01/2026 09:15:30" in html
    assert 'datetime="2025-06-02T10:15:30+02:00"' in html
    first_row = html[re.search(r'<tr id="timeline-\d+-\d+"', html).start() :]
    first_row = first_row[: first_row.index("</tr>")]
    assert "Inès Leroy" in first_row
    assert "Contrôle d’hiver" in first_row


def test_a_change_shows_exactly_the_changed_fields_against_the_version_before_it(simple_case, agent):
    with acting(agent):
        case_services.case_update(actor=agent, case=simple_case, title="Contrôle renforcé", priority="urgent")
        case_services.case_update(actor=agent, case=simple_case, summary="Deux traitements")
    source = BY_CODE[10]
    assert isinstance(source, HistorySource)
    with CaptureQueriesContext(connection) as queries:
        entries = [entry for entry in everything(simple_case) if entry.source is source and entry.action == "~"]
    sql = queries.captured_queries[-1]["sql"].upper()
    assert " OVER " not in sql  # no window over every version of the case: the predecessor is read per row
    summary_change, title_change = entries[0], entries[1]  # newest first
    label = lambda name: capfirst(str(Case._meta.get_field(name).verbose_name))  # noqa: E731
    assert [(c.field, c.old, c.new) for c in title_change.changes] == [
        (label("title"), "Contrôle", "Contrôle renforcé"),
        (label("priority"), str(Priority.NORMAL.label), str(Priority.URGENT.label)),
    ]
    assert [(c.field, c.old, c.new) for c in summary_change.changes] == [(label("summary"), "—", "Deux traitements")]
    # The query gives the version's values beside its predecessor's, read on its own: a filter on
    # the row does not hide the predecessor.
    history_id = simple_case.history.filter(title="Contrôle renforcé").earliest().history_id
    (row,) = source.entries(simple_case.pk).filter(t_id=history_id)
    changes = row["t_changes"]
    changes = changes if isinstance(changes, dict) else json.loads(changes)  # SQLite gives text
    new, old = (value if isinstance(value, dict) else json.loads(value) for value in (changes["n"], changes["o"]))
    assert {name for name in new if new[name] != old[name]} == {"title", "priority"}
    assert (old["title"], new["title"]) == ("Contrôle", "Contrôle renforcé")


def test_a_save_that_changes_no_tracked_field_is_not_an_entry(simple_case, agent):
    before, versions = len(everything(simple_case)), simple_case.history.count()
    with acting(agent):
        simple_case.save()  # only the timestamps move: a history row, and nothing to show
    assert simple_case.history.count() == versions + 1
    assert len(everything(simple_case)) == before


def test_a_run_of_versions_without_a_change_still_gives_full_pages_in_two_queries(simple_case, agent):
    with acting(agent):
        for number in range(8):
            case_services.case_update(actor=agent, case=simple_case, title=f"Titre {number}")
        simple_case.refresh_from_db()
        for _save in range(40):  # the newest 40 versions: timestamps only, nothing to show
            simple_case.save()
    expected = [(entry.source.code, entry.id) for entry in everything(simple_case)]
    assert len(expected) >= 17  # opening, 8 changes and their audit events
    assert not {(10, version.history_id) for version in simple_case.history.all()[:40]} & set(expected)
    with CaptureQueriesContext(connection) as queries:
        first = selectors.timeline_page(simple_case.pk, TimelineFilters(), per_page=5)
    assert [(entry.source.code, entry.id) for entry in first.entries] == expected[:5]
    # The versions without a change are left out by the first query: the second reads five rows.
    assert len(queries.captured_queries) == 2
    seen, cursor = [], None
    while True:
        page = selectors.timeline_page(simple_case.pk, TimelineFilters(after=cursor), per_page=5)
        assert len(page.entries) == 5 or page.next_cursor is None  # every page but the last is full
        seen.extend((entry.source.code, entry.id) for entry in page.entries)
        if page.next_cursor is None:
            break
        cursor = page.next_cursor
    assert seen == expected


def test_kind_filter_keeps_evidence_and_custody(reader, full_case):
    response = reader.get(url(full_case), {"kind": "evidence"})
    codes = {code for code, _id in rows(response)}
    assert codes == {2, 30}  # custody events and evidence history
    both = reader.get(url(full_case), {"kind": ["evidence", "case"]})
    assert {BY_CODE[code].kind for code, _id in rows(both)} == {"evidence", "case"}


def test_actor_filter(reader, simple_case, agent, manager):
    with acting(manager):
        case_services.case_update(actor=manager, case=simple_case, priority="high")
    response = reader.get(url(simple_case), {"actor": manager.pk})
    found = rows(response)
    assert found
    entries = {(entry.source.code, entry.id): entry for entry in everything(simple_case)}
    assert {entries[key].actor_id for key in found} == {manager.pk}
    assert len(found) == sum(1 for entry in entries.values() if entry.actor_id == manager.pk)


def test_date_filters_are_paris_days(reader, simple_case, agent):
    with time_machine.travel(datetime(2025, 6, 1, 21, 30, tzinfo=UTC), tick=False), acting(agent):
        case_services.case_update(actor=agent, case=simple_case, title="Le 1er juin à 23 h 30")
    with time_machine.travel(datetime(2025, 6, 1, 22, 30, tzinfo=UTC), tick=False), acting(agent):
        case_services.case_update(actor=agent, case=simple_case, title="Le 2 juin à 0 h 30")
    june_2 = reader.get(url(simple_case), {"date_from": "2025-06-02"}).content.decode()
    assert "Le 2 juin à 0 h 30" in june_2
    assert '→ <span class="timeline-new">Le 1er juin' not in june_2
    until_june_1 = reader.get(url(simple_case), {"date_to": "2025-06-01"}).content.decode()
    assert 'timeline-new">Le 1er juin à 23 h 30' in until_june_1
    assert 'timeline-new">Le 2 juin' not in until_june_1
    one_day = reader.get(url(simple_case), {"date_from": "2025-06-01", "date_to": "2025-06-01"})
    assert len(rows(one_day)) == 2  # the history row and the audit event of the first change
    # The first change on 2 June still shows its old value: the filter applies after the window.
    assert 'Le 1er juin à 23 h 30</span> → <span class="timeline-new">Le 2 juin' in june_2


@pytest.mark.parametrize(
    "params",
    [
        {"date_from": "not a date"},
        {"date_to": "2025-02-30"},
        {"date_from": "0001-01-01"},
        {"date_to": "9999-12-31"},
        {"date_from": "2025-06-02", "date_to": "2025-06-01"},
        {"kind": "bogus"},
        {"actor": "abc"},
        {"actor": "999999"},
        {"after": "garbage"},
        {"after": encode_cursor(Cursor(datetime(2025, 1, 1, tzinfo=UTC), 999, 1))},
        {"after": "WzEsMiwzXQ"},  # [1, 2, 3]
        {"after": "x" * 500},
    ],
)
def test_bad_filters_are_form_errors(reader, simple_case, params):
    response = reader.get(url(simple_case), params)
    assert response.status_code == 200
    assert 'id="timeline-errors"' in response.content.decode()
    assert not rows(response)
    htmx = reader.get(url(simple_case), params, HTTP_HX_REQUEST="true")
    assert htmx.status_code == 200
    assert 'id="timeline-errors"' in htmx.content.decode()


def _walk_pages(client, case, params=None) -> list[tuple[int, int]]:
    seen, pages = [], 0
    query = dict(params or {})
    while True:
        response = client.get(url(case), query, HTTP_HX_REQUEST="true")
        assert response.status_code == 200
        page = rows(response)
        assert len(page) <= 50
        seen.extend(page)
        pages += 1
        match = re.search(r'id="timeline-older" href="[^"?]*\?([^"]+)"', response.content.decode())
        if not match:
            return seen
        assert len(page) == 50
        query = parse_qs(match.group(1).replace("&amp;", "&"))
        assert pages < 100


def test_keyset_pages_have_no_duplicate_and_no_gap_even_with_equal_times(reader, simple_case, agent):
    evidence = evidence_services.evidence_register(
        actor=agent, case=simple_case, upload=pdf("x"), title="Pièce", source="public"
    )
    # 45 changes and 45 downloads in the same microsecond: 180 rows of four sources share one time.
    with time_machine.travel(datetime(2025, 7, 1, 8, tzinfo=UTC), tick=False), acting(agent):
        for number in range(45):
            case_services.case_update(actor=agent, case=simple_case, title=f"Titre {number}")
            evidence_services.evidence_download_record(actor=agent, evidence=evidence, ip=None)
    expected = [(entry.source.code, entry.id) for entry in everything(simple_case)]
    assert len(expected) > 180
    seen = _walk_pages(reader, simple_case)
    assert seen == expected
    assert len(set(seen)) == len(seen)
    # With a filter too (kind), the pages are the filtered list, in the same order.
    expected_audit = [(e.source.code, e.id) for e in everything(simple_case, kinds=frozenset({"audit"}))]
    assert _walk_pages(reader, simple_case, {"kind": "audit"}) == expected_audit


def test_keyset_through_every_source_in_small_pages(full_case):
    expected = [(entry.source.code, entry.id) for entry in everything(full_case)]
    seen, cursor = [], None
    while True:
        page = selectors.timeline_page(full_case.pk, TimelineFilters(after=cursor), per_page=7)
        seen.extend((entry.source.code, entry.id) for entry in page.entries)
        if page.next_cursor is None:
            break
        cursor = page.next_cursor
    assert seen == expected
    # Changes across a page boundary keep their old values: the window sees beyond the page.
    paged = {(e.source.code, e.id): e.changes for e in everything(full_case)}
    cursor = None
    while True:
        page = selectors.timeline_page(full_case.pk, TimelineFilters(after=cursor), per_page=3)
        for entry in page.entries:
            assert entry.changes == paged[(entry.source.code, entry.id)]
        if page.next_cursor is None:
            break
        cursor = page.next_cursor


def _tab_queries(client, case) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url(case))
    assert response.status_code == 200
    return len(queries.captured_queries)


def test_the_same_number_of_queries_for_a_small_and_a_large_case(reader, agent):
    with acting(agent):
        small, _ = build_case(agent, parties=1)
        large, _ = build_case(agent, parties=4)
        for number in range(5, 9):
            add_party(agent, large, number)
        for evidence in Evidence.objects.filter(case=large):
            for _round in range(3):
                evidence_services.evidence_download_record(actor=agent, evidence=evidence, ip=None)
    assert len(everything(large)) > 3 * len(everything(small))
    assert {e.source.code for e in everything(large)} == {s.code for s in SOURCES}
    small_count = _tab_queries(reader, small)
    large_count = _tab_queries(reader, large)
    assert small_count == large_count
    # ...and the same again on a later page and with filters.
    filters = {"kind": ["case", "evidence", "audit"], "actor": agent.pk, "date_from": "2000-01-01"}
    with CaptureQueriesContext(connection) as filtered:
        reader.get(url(large), filters)
    assert len(filtered.captured_queries) == large_count


def test_the_tab_is_the_case_pages_permission_check(client, agent, db):
    with acting(agent):
        restricted = case_services.case_open(
            actor=agent, origin="ex_officio", legal_regime="gdpr", title="Secret", confidentiality="restricted"
        )
    other = make_staff("hugo@cnil.test", roles=("investigator",), full_name="Hugo Martin")
    legal = make_staff("paul@cnil.test", roles=("legal",), full_name="Paul Bernard")
    nobody = make_staff("zoe@cnil.test", roles=(), full_name="Zoé Sans rôle")
    for user in (other, legal, nobody):
        client.logout()
        log_in_verified(client, user)
        assert client.get(url(restricted)).status_code == 404
        assert client.get(url(restricted), HTTP_HX_REQUEST="true").status_code == 404
    client.logout()
    assert client.get(url(restricted)).status_code == 302  # to the login page
    log_in_verified(client, agent)
    assert client.get(url(restricted)).status_code == 200


def test_the_complainants_identity_is_never_shown(client, full_case, agent, manager):
    complainant = Complainant.objects.get(case=full_case)
    with acting(agent):
        complainant.email = "camille.nouvelle@example.org"
        complainant.phone = "0699887766"
        complainant.lodged_on = complainant.lodged_on.replace(day=1)
        complainant.save()
    identity = [*COMPLAINANT.values(), "camille.nouvelle@example.org", "0699887766", "Camille", "Plaignante"]
    entry = next(e for e in everything(full_case) if e.source.code == 11 and e.action == "~")
    hidden = {change.field: change.hidden for change in entry.changes}
    label = lambda name: capfirst(str(Complainant._meta.get_field(name).verbose_name))  # noqa: E731
    assert hidden == {label("email"): True, label("phone"): True, label("lodged_on"): False}
    assert all(change.old == change.new == "" for change in entry.changes if change.hidden)
    for user in (agent, manager):  # not even to a manager: the case page shows it to no one
        client.logout()
        log_in_verified(client, user)
        html = client.get(url(full_case), {"kind": "case"}).content.decode()
        assert f'id="timeline-11-{entry.id}"' in html
        for value in identity:
            assert value not in html


def test_htmx_gets_the_rows_only(reader, full_case):
    page = reader.get(url(full_case))
    assert 'id="timeline-filters"' in page.content.decode()
    assert "<html" in page.content.decode()
    fragment = reader.get(url(full_case), HTTP_HX_REQUEST="true")
    html = fragment.content.decode()
    assert "<html" not in html
    assert 'id="timeline-filters"' not in html
    assert 'id="timeline"' in html
    assert "HX-Request" in fragment["Vary"]
    assert rows(fragment) == rows(page)
    # Other tabs are unchanged: an HTMX request for one of them still gets the page.
    parties = reader.get(reverse("cases:tab", args=[full_case.pk, "parties"]), HTTP_HX_REQUEST="true")
    assert "<html" in parties.content.decode()


@pytest.mark.parametrize("role", ["investigator", "manager", "legal", "administrator", None])
def test_readers_of_the_case_read_its_timeline_others_get_404(client, full_case, role):
    user = make_staff(f"{role or 'none'}@cnil.test", roles=(role,) if role else (), full_name="Lecteur")
    log_in_verified(client, user)
    response = client.get(url(full_case))
    assert response.status_code == (200 if role in {"investigator", "manager", "legal"} else 404)


def test_values_read_as_on_the_pages(simple_case, agent, manager):
    with acting(agent):
        evidence = evidence_services.evidence_register(
            actor=agent, case=simple_case, upload=pdf("v"), title="Pièce", source="public"
        )
        evidence_services.evidence_update(
            actor=agent,
            evidence=evidence,
            source="on_site",
            collected_at=datetime(2025, 1, 15, 23, 30, tzinfo=UTC),  # 16 January, 00:30 in Paris
            collected_by=manager,
            personal_data=True,
        )
    entry = next(e for e in everything(simple_case) if e.source.code == 30 and e.action == "~")
    label = lambda name: capfirst(str(Evidence._meta.get_field(name).verbose_name))  # noqa: E731
    assert [(c.field, c.old, c.new) for c in entry.changes] == [
        (label("source"), "Source publique", "Contrôle sur place"),
        (label("collected_at"), "—", "16/01/2025 00:30"),
        (label("collected_by"), "—", "Claire Dubois"),
        (label("personal_data"), "Non", "Oui"),
    ]


def test_a_scope_keeps_whole_objects_with_their_differences(simple_case, agent):
    with acting(agent):
        organisation = make_organisation("Mutuelle Portée", valid_siren(77))
        party = case_services.party_add(
            actor=agent, case=simple_case, organisation=organisation, role="controller", processing="paie"
        )
        party.processing = "paie et RH"
        party.save()
    complaints = HistorySource(999, Party, "case_id", ("processing",), "case", scope=Q(case__origin="complaint"))
    assert not list(complaints.entries(simple_case.pk))
    ex_officio = HistorySource(999, Party, "case_id", ("processing",), "case", scope=Q(case__origin="ex_officio"))
    changed = [row for row in ex_officio.entries(simple_case.pk) if row["t_action"] == "~"]
    assert [(c.old, c.new) for c in ex_officio.changes(changed[0])] == [("paie", "paie et RH")]


def test_requests_appear_but_an_organisations_draft_stays_its_own(full_case, agent):
    request = InfoRequest.objects.get(case=full_case)
    dpo = request.submissions.get().submitted_by
    requests = everything(full_case, kinds=frozenset({TimelineKind.REQUESTS}))
    assert {entry.source.code for entry in requests} == {80, 81, 82, 83, 84, 85, 86}
    answers = {(entry.source.code, entry.id) for entry in requests if entry.source.code in (83, 84)}
    text, documents = request.questions.order_by("position")
    # A second answer, still a draft: its text and document are not the CNIL's to read yet.
    request_services.draft_save(actor=dpo, request=request, answers={text.pk: "Brouillon confidentiel"})
    request_services.draft_file_add(actor=dpo, request=request, question=documents, upload=pdf("brouillon"))
    drafts = everything(full_case, kinds=frozenset({TimelineKind.REQUESTS}))
    assert {(entry.source.code, entry.id) for entry in drafts if entry.source.code in (83, 84)} == answers
    assert not [entry for entry in drafts if "confidentiel" in str(entry.changes) or "brouillon.pdf" in entry.summary]
    request_services.submission_submit(actor=dpo, request=request)
    submitted = everything(full_case, kinds=frozenset({TimelineKind.REQUESTS}))
    assert len([entry for entry in submitted if entry.source.code in (83, 84)]) == len(answers) + 2
    assert any("brouillon.pdf" in entry.summary for entry in submitted if entry.source.code == 84)


@pytest.mark.postgres
def test_the_keys_query_is_kept_prepared_and_still_counted(reader, full_case):
    """Its planning was most of its cost: PostgreSQL plans it once per connection, not per page.
    The query still goes through Django's cursor wrapper (logged, counted)."""
    first = [(entry.source.code, entry.id) for entry in everything(full_case)]
    for _page in range(7):
        with CaptureQueriesContext(connection) as queries:
            page = selectors.timeline_page(full_case.pk, TimelineFilters(), per_page=100_000)
        assert len(queries.captured_queries) == 2
        assert [(entry.source.code, entry.id) for entry in page.entries] == first
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT generic_plans + custom_plans FROM pg_prepared_statements WHERE statement LIKE %s",
            ["%SELECT t_ts, t_src, t_id FROM%"],
        )
        (runs,) = cursor.fetchone()
    assert runs >= 3  # prepared after five runs, then run from its plan
