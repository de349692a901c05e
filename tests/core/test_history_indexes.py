"""History tables carry only the indexes some read uses (issue 10: history tables do not bloat).

django-simple-history indexes, by default, every key and unique field copied into a historical
table and the original ``id``. Our reads of history are few: the case's History tab
(``cases.tabs.history_context``: ``case.history`` ordered by date) and the timeline
(``dashboards.sources.HistorySource``: each table filtered on the lookup to its case, before a
read of each version's predecessor by id). ``HistoricalRecords(no_db_index=[...])`` on each model drops
the rest. A new ``HistoricalRecords()`` with the default indexes, or a new historical table, fails
here until its indexes are listed below with the read that uses each.
"""

from __future__ import annotations

import pytest
from django.apps import apps
from django.db import connection
from simple_history.models import HistoricalChanges

pytestmark = [pytest.mark.postgres, pytest.mark.django_db]

# On every historical table, whatever the model: not chosen per model by simple-history.
PRIMARY_KEY = {"history_id": "primary key (one row per version)"}
HISTORY_USER = {
    "history_user_id": "foreign key to the user with ON DELETE SET NULL: deleting a user updates its rows by it",
}
COMMON = PRIMARY_KEY | HISTORY_USER  # no date index alone (SIMPLE_HISTORY_DATE_INDEX = False): no read uses it
# A many-to-many history table: its key, and its link to the version it belongs to.
M2M = {"m2m_history_id": "primary key", "history_id": "foreign key to the version (simple-history's own)"}

TIMELINE = "timeline (dashboards.sources.HistorySource): the case's versions of"
# apps.core.history.CaseHistory: a version's predecessor (the timeline's old → new) and an object's history.
VERSIONS = {"id,history_date,history_id": "the version before each one shown in the timeline, read by index"}


def by_case(what: str) -> dict[str, str]:
    """A table with its own case column: the case's newest versions first, in index order."""
    return COMMON | VERSIONS | {"case_id,history_date,history_id": f"{TIMELINE} {what}, newest first"}


EXPECTED: dict[str, dict[str, str]] = {
    # Versions read by no page: only the indexes common to every historical table.
    "accounts_historicaluser": COMMON,
    "organisations_historicalorganisation": COMMON,
    "organisations_historicalestablishment": COMMON,
    "organisations_historicalprocessingrelationship": COMMON,
    "outcomes_historicalobligation": COMMON,
    "outcomes_historicalgroupturnover": COMMON,
    "info_requests_historicalinvitation": COMMON,
    # The case itself: History tab (case.history, filtered on id, ordered by date) and timeline source 10.
    "cases_historicalcase": COMMON
    | {"id,history_date,history_id": "case History tab (case.history), timeline of the case (id = case), predecessors"},
    # Filtered on their case column by the timeline.
    "cases_historicalcomplainant": by_case("the complainant"),
    "cases_historicalparty": by_case("parties"),
    "controls_historicalcontrol": by_case("controls"),
    "evidence_historicalevidence": by_case("evidence"),
    "breaches_historicalbreachnotification": by_case("breach notifications"),
    "breaches_historicalnonotificationdecision": by_case("no-notification decisions"),
    "breaches_historicalcampaign": by_case("Art. 34 campaigns"),
    "deadlines_historicaldeadline": by_case("deadlines"),
    "outcomes_historicalformalnotice": by_case("formal notices"),
    "outcomes_historicaldelivery": by_case("deliveries"),
    "outcomes_historicalsanctionprocedure": by_case("sanction procedures"),
    "outcomes_historicalsanctionreport": by_case("sanction reports"),
    "outcomes_historicalhearing": by_case("hearings"),
    "outcomes_historicalsanctiondecision": by_case("sanction decisions"),
    "outcomes_historicalappeal": by_case("appeals"),
    "outcomes_historicalliquidation": by_case("liquidations"),
    "info_requests_historicalinforequest": by_case("requests"),
    "info_requests_historicalportalaccess": by_case("portal accesses"),
    # Reached from the case through a parent: the timeline joins the parent, then this column.
    "outcomes_historicalassessment": COMMON | VERSIONS | {"party_id": f"{TIMELINE} assessments (party__case_id)"},
    "outcomes_historicalfinding": COMMON
    | VERSIONS
    | {"assessment_id": f"{TIMELINE} findings (assessment__party__case_id)"},
    "outcomes_historicalmeasure": COMMON | VERSIONS | {"notice_id": f"{TIMELINE} measures (notice__case_id)"},
    "outcomes_historicalobservation": COMMON
    | VERSIONS
    | {"procedure_id": f"{TIMELINE} observations (procedure__case_id)"},
    "info_requests_historicalquestion": COMMON | VERSIONS | {"request_id": f"{TIMELINE} questions (request__case_id)"},
    "info_requests_historicalsubmission": COMMON
    | VERSIONS
    | {"request_id": f"{TIMELINE} submissions (request__case_id)"},
    "info_requests_historicalmessage": COMMON | VERSIONS | {"request_id": f"{TIMELINE} messages (request__case_id)"},
    "info_requests_historicalanswer": COMMON
    | VERSIONS
    | {"submission_id": f"{TIMELINE} answers (submission__request__case_id)"},
    "info_requests_historicalanswerfile": COMMON
    | VERSIONS
    | {"submission_id": f"{TIMELINE} answer files (submission__request__case_id)"},
    # Many-to-many histories (m2m_fields=...): written with each version, read by no page.
    "controls_historicalcontrol_agents": M2M,
    "controls_historicalcontrol_documents": M2M,
    "evidence_historicalevidence_parties": M2M,
    "outcomes_historicalassessment_evidence": M2M,
    "outcomes_historicalfinding_evidence": M2M,
    "outcomes_historicalformalnotice_findings": M2M,
    "outcomes_historicalsanctiondecision_findings": M2M,
}

INDEXES = """
SELECT t.relname, c.relname, (
    SELECT string_agg(a.attname, ',' ORDER BY k.n)
    FROM unnest(i.indkey) WITH ORDINALITY AS k(attnum, n)
    JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = k.attnum
)
FROM pg_index i
JOIN pg_class t ON t.oid = i.indrelid
JOIN pg_class c ON c.oid = i.indexrelid
JOIN pg_namespace s ON s.oid = t.relnamespace
WHERE s.nspname = current_schema() AND t.relname = ANY(%s)
"""


def _historical_tables() -> list[str]:
    return sorted(model._meta.db_table for model in apps.get_models() if issubclass(model, HistoricalChanges))


def _indexes(tables) -> dict[str, dict[str, list[str]]]:
    found: dict[str, dict[str, list[str]]] = {table: {} for table in tables}
    with connection.cursor() as cursor:
        cursor.execute(INDEXES, [list(tables)])
        for table, index, columns in cursor.fetchall():
            found[table].setdefault(columns, []).append(index)
    return found


def test_every_historical_table_is_documented():
    tables = set(_historical_tables())
    assert tables - EXPECTED.keys() == set(), "historical tables missing from EXPECTED: list their indexes and reads"
    assert EXPECTED.keys() - tables == set(), "EXPECTED names tables that no longer exist"


def test_history_tables_have_only_the_indexes_a_read_uses():
    found = _indexes(_historical_tables())
    problems = []
    for table, by_columns in sorted(found.items()):
        expected = EXPECTED.get(table, {})
        for columns, names in sorted(by_columns.items()):
            if columns not in expected:
                problems.append(
                    f"{table}: index {', '.join(names)} on ({columns}) is used by no read; "
                    f"add the field to HistoricalRecords(no_db_index=[...]) or document the read in EXPECTED"
                )
            elif len(names) > 1:
                problems.append(f"{table}: ({columns}) is indexed {len(names)} times: {', '.join(names)}")
        for columns, read in expected.items():
            if columns not in by_columns:
                problems.append(f"{table}: no index on ({columns}) although {read} needs it")
    assert not problems, "\n".join(problems)
