import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from apps.cases import services
from apps.cases.choices import CaseStatus
from apps.controls.services import control_record
from tests.support import log_in_verified, make_organisation, valid_siren

pytestmark = pytest.mark.django_db


def client_for(user) -> Client:
    c = Client()
    log_in_verified(c, user)
    return c


def test_open_a_case_from_the_form(investigator):
    c = client_for(investigator)
    response = c.post(
        "/cases/new/",
        {
            "origin": "ex_officio",
            "title": "Contrôle",
            "legal_regime": "gdpr",
            "priority": "normal",
            "confidentiality": "normal",
        },
    )
    assert response.status_code == 302
    assert c.get(response["Location"]).status_code == 200


def test_a_complaint_without_complainant_is_a_form_error(investigator):
    response = client_for(investigator).post(
        "/cases/new/",
        {
            "origin": "complaint",
            "title": "P",
            "legal_regime": "gdpr",
            "priority": "normal",
            "confidentiality": "normal",
        },
    )
    assert response.status_code == 200
    assert "plaignant" in response.content.decode()


def test_outsider_reads_a_normal_case_but_cannot_change_it(outsider, case):
    c = client_for(outsider)
    page = c.get(f"/cases/{case.pk}/").content.decode()
    assert "read-only-notice" in page
    assert 'id="transition-link"' not in page
    assert c.get(f"/cases/{case.pk}/edit/").status_code == 404
    assert c.post(f"/cases/{case.pk}/transition/", {"to_status": "investigating", "reason": "x"}).status_code == 404
    assert Client().get(f"/cases/{case.pk}/").status_code == 302


def test_restricted_case_is_404_for_outsiders_like_a_missing_id(investigator, outsider, legal):
    restricted = services.case_open(
        actor=investigator, origin="ex_officio", legal_regime="gdpr", title="Secret", confidentiality="restricted"
    )
    for user in (outsider, legal):
        c = client_for(user)
        for path in ("/", "/tab/history/", "/edit/", "/transition/", "/parties/new/", "/controls/new/"):
            hidden = c.get(f"/cases/{restricted.pk}{path}")
            missing = c.get(f"/cases/999999{path}")
            assert hidden.status_code == missing.status_code == 404
        assert "Secret" not in c.get("/cases/").content.decode()
    assert "Secret" in client_for(investigator).get("/cases/").content.decode()


def test_transition_through_the_form_and_history_tab(investigator, case):
    c = client_for(investigator)
    response = c.post(
        f"/cases/{case.pk}/transition/",
        {"expected_status": "opened", "to_status": "investigating", "reason": "Premières constatations"},
    )
    assert response.status_code == 302
    transitions = c.get(f"/cases/{case.pk}/tab/transitions/").content.decode()
    assert "Premières constatations" in transitions
    history = c.get(f"/cases/{case.pk}/tab/history/").content.decode()
    assert "<code>status</code>" in history


def test_stale_form_tells_the_case_changed_meanwhile(investigator, case):
    services.case_transition(actor=investigator, case=case, to_status="investigating", reason="x")
    response = client_for(investigator).post(
        f"/cases/{case.pk}/transition/",
        {"expected_status": "opened", "to_status": "investigating", "reason": "again"},
    )
    assert response.status_code == 200
    body = response.content.decode()
    assert "n’est pas un choix valide" in body or "a changé entre-temps" in body


def test_unknown_tab_is_404(investigator, case):
    assert client_for(investigator).get(f"/cases/{case.pk}/tab/nope/").status_code == 404


def _grow(case, investigator, n):
    for i in range(n):
        org = make_organisation(f"Org {case.pk}-{i}", valid_siren(case.pk * 100 + i))
        services.party_add(actor=investigator, case=case, organisation=org, role="controller", processing="p")
        control_record(actor=investigator, case=case, kind="documentary", decision_reference=f"D{i}")
    statuses = [CaseStatus.INVESTIGATING, CaseStatus.CLOSED]
    for i in range(n):
        target = statuses[i % 2]
        body = {"deciding_body": "president", "decision_reference": "1"} if i else {}
        services.case_transition(actor=investigator, case=case, to_status=target, reason=f"r{i}", **body)


@pytest.mark.parametrize("tab", ["parties", "controls", "transitions", "history"])
def test_case_detail_query_count_does_not_grow(investigator, tab, django_assert_num_queries):
    small = services.case_open(actor=investigator, origin="ex_officio", legal_regime="gdpr", title="small")
    large = services.case_open(actor=investigator, origin="ex_officio", legal_regime="gdpr", title="large")
    _grow(small, investigator, 1)
    _grow(large, investigator, 50)
    c = client_for(investigator)
    c.get(f"/cases/{small.pk}/tab/{tab}/")  # warm the session and caches
    with CaptureQueriesContext(connection) as small_queries:
        assert c.get(f"/cases/{small.pk}/tab/{tab}/").status_code == 200
    with django_assert_num_queries(len(small_queries)):
        assert c.get(f"/cases/{large.pk}/tab/{tab}/").status_code == 200
    assert len(small_queries) <= 15


def test_case_list_query_count_does_not_grow(investigator, manager, django_assert_num_queries):
    services.case_open(actor=investigator, origin="ex_officio", legal_regime="gdpr", title="one")
    c = client_for(investigator)
    c.get("/cases/")
    with CaptureQueriesContext(connection) as one:
        c.get("/cases/")
    for i in range(50):
        services.case_open(actor=investigator, origin="ex_officio", legal_regime="gdpr", title=f"many {i}")
    with django_assert_num_queries(len(one)):
        page = c.get("/cases/?status=opened")
    assert page.status_code == 200
    assert 'id="next-page"' in page.content.decode()


def test_case_list_htmx_returns_the_rows_only(investigator, case):
    response = client_for(investigator).get("/cases/?origin=breach_notification", HTTP_HX_REQUEST="true")
    body = response.content.decode()
    assert "<html" not in body
    assert case.reference in body


def test_case_list_ignores_malformed_filters(investigator, case):
    c = client_for(investigator)
    for query in ("status=bogus", "assignee=abc", "sector=99999999999999999", "restricted=maybe", "after=%%%"):
        assert c.get(f"/cases/?{query}").status_code == 200


def test_fan_out_from_the_page(investigator, incident):
    case, _operator, _insurers = incident
    c = client_for(investigator)
    c.post(f"/cases/{case.pk}/fan-out/")
    c.post(f"/cases/{case.pk}/fan-out/")
    page = c.get(f"/cases/{case.pk}/").content.decode()
    assert page.count("Incident — Mutuelle") == 3
