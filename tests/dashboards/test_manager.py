"""The managers' dashboard: every figure against a brute-force computation on generated data,
its CSV exports, its filters, its query count and who may see it."""

from __future__ import annotations

import csv
import html
import io
from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import formats, timezone, translation

from apps.cases.choices import CaseStatus, Origin
from apps.dashboards import stats_refresh
from apps.dashboards.forms_manager import months_before, this_month
from apps.dashboards.stats_models import StatCell
from tests.dashboards import dash_data as data
from tests.support import log_in_verified, make_staff

pytestmark = pytest.mark.django_db
URL = "/dashboard/"


@pytest.fixture
def manager(db):
    return make_staff("claire@cnil.test", roles=("manager",), full_name="Claire Dubois")


@pytest.fixture
def leads(db):
    return [
        make_staff("ines@cnil.test", roles=("investigator",), full_name="Inès Leroy"),
        make_staff("paul@cnil.test", roles=("investigator",), full_name="Paul Martin"),
    ]


@pytest.fixture
def client_m(client, manager):
    log_in_verified(client, manager)
    return client


def csv_rows(client, params: dict) -> list[list[str]]:
    response = client.get(URL, {**params, "format": "csv"})
    assert response.status_code == 200, response.content
    assert response["Content-Type"].startswith("text/csv")
    text = b"".join(response.streaming_content).decode("utf-8")
    assert text.startswith("\ufeff")
    return list(csv.reader(io.StringIO(text[1:]), delimiter=";"))


def number(text: str):
    if text == "":
        return None
    cleaned = text.replace("\u202f", "").replace("\xa0", "").replace(" ", "").replace(",", ".")
    return Decimal(cleaned)


def month_label(month) -> str:
    with translation.override("fr"):
        return formats.date_format(month, "YEAR_MONTH_FORMAT")


def period_params(start, end, **extra) -> dict:
    return {"start": f"{start:%Y-%m}", "end": f"{end:%Y-%m}", **extra}


def check_everything(client, params, expected: data.Expected, months, leads_by_name):
    # New versus closed per month
    rows = csv_rows(client, {**params, "table": "monthly"})
    assert rows[0] == ["Mois", "Nouveaux dossiers", "Dossiers clos"]
    assert [r[0] for r in rows[1:]] == [month_label(m) for m in months]
    for row, month in zip(rows[1:], months, strict=True):
        assert (number(row[1]), number(row[2])) == (expected.opened[month], expected.closed[month]), month
    # Breach notifications within 72 hours per month
    rows = csv_rows(client, {**params, "table": "breaches"})
    for row, month in zip(rows[1:], months, strict=True):
        total, on_time = expected.breaches[month], expected.on_time[month]
        assert (number(row[1]), number(row[2])) == (total, on_time), month
        assert number(row[3]) == (round(Decimal(100 * on_time) / total, 1) if total else None)
    # Open cases by status and by origin
    rows = csv_rows(client, {**params, "table": "open_status"})
    assert {r[0]: int(number(r[1])) for r in rows[1:]} == {
        str(CaseStatus(s).label): n for s, n in expected.open_status.items()
    }
    rows = csv_rows(client, {**params, "table": "open_origin"})
    assert {r[0]: int(number(r[1])) for r in rows[1:]} == {
        str(Origin(s).label): n for s, n in expected.open_origin.items()
    }
    # Indicators
    rows = {r[0]: r[1:] for r in csv_rows(client, {**params, "table": "indicators"})[1:]}

    def as_decimal(value):
        return None if value is None else Decimal(str(round(value, 1)))

    assert number(rows["Délai médian de l'ouverture à la clôture (jours)"][0]) == as_decimal(expected.close_median)
    assert number(rows["Délai médian de l'ouverture à la mise en demeure (jours)"][0]) == as_decimal(
        expected.notice_median
    )
    decided = expected.complied + expected.not_complied
    assert number(rows["Mises en demeure respectées dans leur délai (%)"][0]) == (
        round(Decimal(100 * expected.complied) / decided, 1) if decided else None
    )
    assert number(rows["Sanctions décidées"][0]) == expected.sanctions
    assert number(rows["Total des amendes (EUR)"][0]) == expected.fines.quantize(Decimal("0.01"))
    # Workload and deadlines by lead investigator
    rows = csv_rows(client, {**params, "table": "workload"})
    got = {r[0]: tuple(int(number(c)) for c in r[1:]) for r in rows[1:]}
    want = {}
    for lead_id in set(expected.open_by_lead) | set(expected.overdue) | set(expected.soon):
        name = leads_by_name.get(lead_id, "Sans enquêteur référent")
        want[name] = (expected.open_by_lead[lead_id], expected.overdue[lead_id], expected.soon[lead_id])
    assert got == want
    rows = csv_rows(client, {**params, "table": "deadlines"})
    assert len(rows) - 1 == sum(expected.overdue.values()) + sum(expected.soon.values())
    assert sum(r[3] == "Dépassée" for r in rows[1:]) == sum(expected.overdue.values())


@pytest.mark.parametrize("cases", [0, 1, 60])
def test_every_figure_matches_the_brute_force(client_m, manager, leads, cases):
    now = timezone.now()
    sector_list = data.sectors(2)
    data.generate(manager, leads, sector_list, cases=cases, now=now)
    stats_refresh.refresh()
    end = this_month()
    months = [months_before(end, k) for k in range(23, -1, -1)]
    names = {u.pk: u.get_full_name() for u in leads}
    filters = [
        ({}, {}),
        ({"sector": sector_list[0].pk}, {"sector": sector_list[0]}),
        ({"investigator": leads[0].pk}, {"lead": leads[0]}),
    ]
    filters.append(
        ({"sector": sector_list[1].pk, "investigator": leads[1].pk}, {"sector": sector_list[1], "lead": leads[1]})
    )
    for params, kwargs in filters:
        expected = data.expected(start=months[0], end=end, now=now, **kwargs)
        check_everything(client_m, period_params(months[0], end, **params), expected, months, names)
    # A shorter period moves the monthly figures and the medians, not the open cases.
    short = months[-6:]
    expected = data.expected(start=short[0], end=end, now=now)
    check_everything(client_m, period_params(short[0], end), expected, short, names)


def test_a_case_closed_reopened_and_closed_again_counts_once_in_the_month_of_its_last_closure(client_m, manager, leads):
    now = timezone.now()
    end = this_month()
    start = months_before(end, 11)
    opened = now - timedelta(days=200)
    twice = data.case(manager, lead=leads[0], opened_at=opened)
    data.transition(manager, twice, "closed", opened + timedelta(days=10))
    data.transition(manager, twice, "investigating", opened + timedelta(days=40))
    data.transition(manager, twice, "closed", opened + timedelta(days=100))
    reopened = data.case(manager, lead=leads[0], opened_at=opened)
    data.transition(manager, reopened, "closed", opened + timedelta(days=20))
    data.transition(manager, reopened, "investigating", opened + timedelta(days=30))
    stats_refresh.refresh()

    rows = csv_rows(client_m, period_params(start, end, table="monthly"))
    closed = {r[0]: int(number(r[2])) for r in rows[1:]}
    assert sum(closed.values()) == 1
    assert closed[month_label(data.month_of(opened + timedelta(days=100)))] == 1
    indicators = {r[0]: r[1:] for r in csv_rows(client_m, period_params(start, end, table="indicators"))[1:]}
    days = ((opened + timedelta(days=100)).astimezone(data.PARIS).date() - opened.astimezone(data.PARIS).date()).days
    assert number(indicators["Délai médian de l'ouverture à la clôture (jours)"][0]) == days
    assert indicators["Délai médian de l'ouverture à la clôture (jours)"][1] == "1"
    status = {r[0]: r[1] for r in csv_rows(client_m, period_params(start, end, table="open_status"))[1:]}
    assert status == {"En cours d’instruction": "1"}


def test_no_data_shows_empty_tables_and_dashes(client_m):
    response = client_m.get(URL)
    assert response.status_code == 200
    page = response.content.decode()
    assert "Tableau de bord" in page
    assert "Les chiffres n'ont pas encore été calculés" in page
    assert "Aucun dossier ouvert." in page
    snapshot = stats_refresh.refresh()
    page = client_m.get(URL).content.decode()
    assert f"Données au {snapshot.refreshed_at.astimezone(data.PARIS):%d/%m/%Y %H:%M} (heure de Paris)" in page
    rows = csv_rows(client_m, {"table": "indicators"})
    assert [r[1] for r in rows[1:]] == ["", "", "", "", "0", "0,00"]


def test_the_page_has_charts_fed_by_json_and_a_table_and_csv_link_for_each(client_m, manager, leads):
    data.generate(manager, leads, data.sectors(1), cases=5, now=timezone.now())
    stats_refresh.refresh()
    page = client_m.get(URL).content.decode()
    for slug in (
        "monthly",
        "breaches",
        "open_status",
        "open_origin",
        "deadlines",
        "workload",
        "indicators",
        "incidents",
    ):
        assert f'id="table-{slug}"' in page
        assert f"format=csv&amp;table={slug}" in page
    assert 'data-chart-source="monthly-chart-data"' in page
    assert '<script id="monthly-chart-data" type="application/json">' in page
    assert "dashboards/vendor/chart.umd.js" in page
    assert "<script>" not in page  # no inline script: the chart code is a static file


def test_query_count_does_not_grow_with_the_data(client_m, manager, leads):
    sector_list = data.sectors(2)
    params = {"sector": sector_list[0].pk}
    data.generate(manager, leads, sector_list, cases=3, now=timezone.now(), seed=1)
    # Small, but with a row in every table: an incident with its linked case, a lead, a deadline.
    org = data.organisation(sector_list[0])
    incident = data.case(manager, lead=leads[0], opened_at=timezone.now() - timedelta(days=3), orgs=[org])
    data.case(manager, lead=leads[1], opened_at=timezone.now() - timedelta(days=2), origin_case=incident, orgs=[org])
    data.deadline(incident, timezone.now() + timedelta(days=3))
    stats_refresh.refresh()
    with CaptureQueriesContext(connection) as small:
        assert client_m.get(URL, params).status_code == 200
    more = [make_staff(f"e{i}@cnil.test", roles=("investigator",), full_name=f"Enquêteur {i}") for i in range(4)]
    data.generate(manager, leads + more, sector_list, cases=60, now=timezone.now(), seed=2)
    stats_refresh.refresh()
    with CaptureQueriesContext(connection) as large:
        assert client_m.get(URL, params).status_code == 200
    assert len(large) == len(small)


def test_the_request_reads_the_summary_not_the_cases(client_m, manager, leads):
    data.generate(manager, leads, data.sectors(1), cases=5, now=timezone.now())
    stats_refresh.refresh()
    with CaptureQueriesContext(connection) as queries:
        client_m.get(URL)
    sql = " ".join(q["sql"] for q in queries)
    assert "cases_historicalcase" not in sql
    assert "cases_casetransition" not in sql
    assert "breaches_breachnotification" not in sql


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"start": "2026-13"}, "Saisissez un mois au format AAAA-MM."),
        ({"start": "2026-05", "end": "2026-01"}, "Le premier mois doit précéder le dernier."),
        ({"start": "2000-01", "end": "2026-01"}, "La période peut couvrir au plus 120 mois."),
        ({"sector": "999999"}, "Sélectionnez un choix valide"),
        ({"investigator": "abc"}, "Sélectionnez un choix valide"),
    ],
)
def test_a_bad_filter_is_a_400_with_the_reason_on_the_page_and_in_csv(client_m, params, message):
    response = client_m.get(URL, params)
    assert response.status_code == 400
    assert message in response.content.decode()
    response = client_m.get(URL, {**params, "format": "csv", "table": "monthly"})
    assert response.status_code == 400
    assert message in response.content.decode()


def test_an_unknown_table_is_a_400(client_m):
    response = client_m.get(URL, {"format": "csv", "table": "salaires"})
    assert response.status_code == 400
    assert "Il n'y a pas de tableau « salaires » sur cette page." in response.content.decode()
    response = client_m.get(URL, {"format": "csv"})
    assert response.status_code == 400


def test_managers_only(client, leads):
    log_in_verified(client, leads[0])
    assert client.get(URL).status_code == 404
    assert client.get(URL, {"format": "csv", "table": "monthly"}).status_code == 404


def test_csv_neutralises_formulas_and_keeps_french_headers(client_m, manager, leads):
    c = data.case(manager, lead=leads[0], opened_at=timezone.now() - timedelta(days=3))
    data.deadline(c, timezone.now() + timedelta(days=2)).__class__.objects.filter(case=c).update(title="=HYPERLINK(1)")
    rows = csv_rows(client_m, {"table": "deadlines"})
    assert rows[0] == ["Dossier", "Échéance", "Date limite", "État", "Enquêteur référent"]
    assert rows[1][0] == c.reference
    assert rows[1][1] == "'=HYPERLINK(1)"
    assert rows[1][3] == "À échéance dans les 14 jours"


def test_the_refresh_replaces_the_cube(manager, leads):
    data.generate(manager, leads, data.sectors(1), cases=10, now=timezone.now())
    stats_refresh.refresh()
    first = StatCell.objects.count()
    snapshot = stats_refresh.refresh()
    assert StatCell.objects.count() == first == snapshot.cells


def test_incident_view_lists_each_controller_with_notification_and_campaign(client_m, manager, leads):
    from apps.breaches.models import Campaign

    sector = data.sectors(1)[0]
    now = timezone.now()
    first, second = data.organisation(sector), data.organisation(sector)
    incident = data.case(
        manager, lead=leads[0], opened_at=now - timedelta(days=5), origin="breach_notification", orgs=[first]
    )
    linked = data.case(
        manager,
        lead=leads[0],
        opened_at=now - timedelta(days=4),
        origin="breach_notification",
        origin_case=incident,
        orgs=[second],
    )
    data.breach(manager, incident, first, now - timedelta(days=4), 80)
    Campaign.objects.create(case=linked, controller=second, planned_total=1000, sent=250, recorded_by=manager)
    stats_refresh.refresh()

    page = client_m.get(URL).content.decode()
    assert reverse("dashboards:incident", args=[incident.pk]) in page
    response = client_m.get(reverse("dashboards:incident", args=[incident.pk]))
    assert response.status_code == 200
    page = response.content.decode()
    assert first.legal_name in page
    assert second.legal_name in page
    assert "Reçue en retard" in page
    assert "250 / 1 000" in page.replace("\u202f", " ").replace("\xa0", " ")
    # A linked case leads to its incident; a reference finds it; a wrong one is a 400.
    assert client_m.get(reverse("dashboards:incident", args=[linked.pk])).url == reverse(
        "dashboards:incident", args=[incident.pk]
    )
    assert client_m.get(reverse("dashboards:incident_find"), {"reference": linked.reference}).status_code == 302
    response = client_m.get(reverse("dashboards:incident_find"), {"reference": "1999-000000"})
    assert response.status_code == 400
    assert "Aucun dossier n'a la référence « 1999-000000 »." in html.unescape(response.content.decode())
    assert client_m.get(reverse("dashboards:incident", args=[999999])).status_code == 404
    # Its CSV
    response = client_m.get(
        reverse("dashboards:incident", args=[incident.pk]), {"format": "csv", "table": "controllers"}
    )
    text = b"".join(response.streaming_content).decode("utf-8")[1:]
    rows = list(csv.reader(io.StringIO(text), delimiter=";"))
    assert rows[0][0] == "Responsable de traitement"
    by_name = {r[0]: r for r in rows[1:]}
    assert by_name[first.legal_name][2] == "Reçue en retard"
    assert by_name[second.legal_name][2] == "Non reçue"
    assert by_name[second.legal_name][5] == "250"
    assert number(by_name[second.legal_name][6]) == 1000
    assert by_name[second.legal_name][7] == "25"
    assert (
        client_m.get(reverse("dashboards:incident", args=[incident.pk]), {"format": "csv", "table": "x"}).status_code
        == 400
    )
