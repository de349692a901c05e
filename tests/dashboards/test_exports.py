"""CSV exports: what a spreadsheet opens (French headers, BOM, ``;``, Paris times), only what the user may
see, formulas neutralised, written while read (streamed, a constant number of queries per chunk)."""

from __future__ import annotations

import csv
import io
import math

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from apps.audit.choices import AccessAction
from apps.audit.models import AccessRecord
from apps.cases import services as case_services
from apps.cases.models import Case
from apps.dashboards import exports
from apps.deadlines import services as deadline_services
from apps.evidence import services as evidence_services
from apps.evidence.models import Evidence
from tests.support import log_in_verified, make_organisation, make_staff

from .conftest import pdf

pytestmark = pytest.mark.django_db


def read_csv(response) -> list[list[str]]:
    assert response.streaming
    body = b"".join(response.streaming_content).decode("utf-8")
    assert body.startswith("\ufeff"), "a byte-order mark, so Excel reads UTF-8"
    return list(csv.reader(io.StringIO(body[1:]), delimiter=";"))


def client_for(client, user):
    log_in_verified(client, user)
    return client


@pytest.fixture
def other(db):
    return make_staff("hugo@cnil.test", roles=("investigator",), full_name="Hugo Martin")


@pytest.fixture
def cases(agent, other, manager):
    """Two normal cases of the agent (one investigating) and a restricted case of Hugo's team."""
    investigating = case_services.case_open(actor=agent, origin="ex_officio", legal_regime="gdpr", title="Clinique A")
    case_services.case_transition(actor=agent, case=investigating, to_status="investigating", reason="Contrôle")
    opened = case_services.case_open(actor=agent, origin="ex_officio", legal_regime="gdpr", title="Mutuelle B")
    secret = case_services.case_open(
        actor=other, origin="ex_officio", legal_regime="gdpr", title="Affaire réservée", confidentiality="restricted"
    )
    return investigating, opened, secret


def test_case_list_export_is_the_list_with_its_filters_in_french(client, agent, cases):
    investigating, opened, secret = cases
    response = client_for(client, agent).get(reverse("dashboards:export_cases"), {"status": "investigating"})
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"].startswith('attachment; filename="affaires-')
    header, *rows = read_csv(response)
    assert header[:4] == ["Référence", "Titre", "Statut", "Origine"]
    assert header[-1] == "Dernière activité (heure de Paris)"
    assert [row[0] for row in rows] == [investigating.reference]
    assert rows[0][2] == "En cours d’instruction"
    paris = timezone.localtime(investigating.created_at, timezone=exports.PARIS).strftime("%d/%m/%Y %H:%M")
    assert rows[0][8] == paris
    # The same filters as the page: no filter gives both of the agent's cases, never the restricted one.
    header, *rows = read_csv(client.get(reverse("dashboards:export_cases")))
    assert {row[0] for row in rows} == {investigating.reference, opened.reference}
    assert secret.reference not in {row[0] for row in rows}


def test_a_manager_exports_restricted_cases_too(client, manager, cases):
    _header, *rows = read_csv(client_for(client, manager).get(reverse("dashboards:export_cases")))
    assert {row[0] for row in rows} == {case.reference for case in cases}


def test_the_case_list_page_links_to_the_export_with_its_filters(client, agent, cases):
    response = client_for(client, agent).get(reverse("cases:list"), {"status": "investigating", "q": "Clinique"})
    link = reverse("dashboards:export_cases") + "?status=investigating&amp;q=Clinique"
    assert link in response.content.decode()
    assert "Exporter (CSV)" in response.content.decode()


def test_formulas_are_neutralised(client, agent):
    for title in ('=HYPERLINK("http://evil")', "+33 6 12", "-2+3", "@SUM(A1)", "Normal"):
        case_services.case_open(actor=agent, origin="ex_officio", legal_regime="gdpr", title=title)
    _header, *rows = read_csv(client_for(client, agent).get(reverse("dashboards:export_cases")))
    titles = {row[1] for row in rows}
    assert titles == {'\'=HYPERLINK("http://evil")', "'+33 6 12", "'-2+3", "'@SUM(A1)", "Normal"}


def test_every_export_is_in_the_access_log(client, agent, cases):
    investigating, _opened, _secret = cases
    client_for(client, agent)
    for name, args in (
        ("dashboards:export_cases", []),
        ("dashboards:export_my_deadlines", []),
        ("dashboards:export_case_deadlines", [investigating.pk]),
        ("dashboards:export_evidence", [investigating.pk]),
    ):
        b"".join(client.get(reverse(name, args=args)).streaming_content)
    records = AccessRecord.objects.filter(user_id=agent.pk, action=AccessAction.EXPORT).order_by("id")
    assert [(r.object_type, r.case_id) for r in records] == [
        ("case_list", None),
        ("deadlines", None),
        ("deadlines", investigating.pk),
        ("evidence_inventory", investigating.pk),
    ]


def test_a_case_not_theirs_is_a_404_and_nothing_is_recorded(client, agent, cases):
    _investigating, _opened, secret = cases
    client_for(client, agent)
    for name in ("dashboards:export_case_deadlines", "dashboards:export_evidence"):
        assert client.get(reverse(name, args=[secret.pk])).status_code == 404
        assert client.get(reverse(name, args=[999999])).status_code == 404
    assert not AccessRecord.objects.filter(action=AccessAction.EXPORT).exists()


def test_evidence_inventory_columns(client, agent, cases):
    case = cases[0]
    organisation = make_organisation("Clinique du Parc", "732829320")
    party = case_services.party_add(
        actor=agent, case=case, organisation=organisation, role="controller", processing="x"
    )
    evidence = evidence_services.evidence_register(
        actor=agent,
        case=case,
        upload=pdf("pv-1"),
        title="PV de contrôle",
        source="on_site",
        collected_by=agent,
        parties=[party],
    )
    evidence_services.evidence_download_record(actor=agent, evidence=evidence, ip="192.0.2.1")
    header, row = read_csv(client_for(client, agent).get(reverse("dashboards:export_evidence", args=[case.pk])))
    assert header == [
        "Titre",
        "Source",
        "Nom du fichier",
        "Taille (octets)",
        "SHA-256",
        "Enregistrée le (heure de Paris)",
        "Recueillie par",
        "Parties",
        "Événements de garde",
        "Dernier événement de garde",
        "Dernier événement de garde le (heure de Paris)",
    ]
    registered = timezone.localtime(evidence.registered_at, timezone=exports.PARIS).strftime("%d/%m/%Y %H:%M")
    assert row[:8] == [
        "PV de contrôle",
        "Contrôle sur place",
        "pv-1.pdf",
        str(evidence.blob.size),
        evidence.blob.sha256,
        registered,
        "Inès Leroy",
        "Clinique du Parc (Responsable de traitement)",
    ]
    assert row[8:10] == ["2", "Téléchargé"]


def test_deadlines_exports(client, agent, other, cases):
    investigating, _opened, secret = cases
    mine = deadline_services.deadline_create(
        actor=agent, case=investigating, kind="rapporteur_reply", started_at=timezone.now(), start_event="Rapport"
    )
    deadline_services.deadline_create(
        actor=other, case=secret, kind="rapporteur_reply", started_at=timezone.now(), start_event="Autre"
    )
    client_for(client, agent)
    header, *rows = read_csv(client.get(reverse("dashboards:export_my_deadlines")))
    assert header[:3] == ["Dossier", "Échéance", "Date limite (heure de Paris)"]
    assert [(row[0], row[1]) for row in rows] == [(investigating.reference, mine.title)]
    _header, *rows = read_csv(client.get(reverse("dashboards:export_case_deadlines", args=[investigating.pk])))
    assert [row[1] for row in rows] == [mine.title]


def _bulk_cases(manager, count: int, start: int = 0) -> None:
    Case.objects.bulk_create(
        [
            Case(
                reference=f"2099-{n:06d}",
                origin="ex_officio",
                legal_regime="gdpr",
                title=f"Affaire {n}",
                opened_by=manager,
                lead_investigator=manager,
            )
            for n in range(start, start + count)
        ]
    )


def _export_queries(client, url) -> tuple[int, list[str]]:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
        rows = read_csv(response)
    return len(rows) - 1, [q["sql"] for q in captured.captured_queries]


def test_case_export_streams_3000_rows_in_the_same_queries_as_30(client, manager):
    client_for(client, manager)
    _bulk_cases(manager, 30)
    small_count, small = _export_queries(client, reverse("dashboards:export_cases"))
    _bulk_cases(manager, 2970, start=30)
    big_count, big = _export_queries(client, reverse("dashboards:export_cases"))
    assert (small_count, big_count) == (30, 3000)
    assert len(big) == len(small)


def test_evidence_inventory_reads_in_chunks(client, agent, monkeypatch):
    """3,000 items with their parties: the parties are read once per chunk, whatever the number of rows."""
    case = case_services.case_open(actor=agent, origin="ex_officio", legal_regime="gdpr", title="Volumineuse")
    organisation = make_organisation("Hôpital", "732829320")
    party = case_services.party_add(
        actor=agent, case=case, organisation=organisation, role="controller", processing="x"
    )
    first = evidence_services.evidence_register(
        actor=agent, case=case, upload=pdf("seed"), title="Seed", source="public", parties=[party]
    )
    Evidence.objects.bulk_create(
        [
            Evidence(
                case=case,
                blob=first.blob,
                title=f"Pièce {n}",
                source="public",
                original_filename=f"p{n}.pdf",
                registered_by=agent,
            )
            for n in range(2999)
        ]
    )
    monkeypatch.setattr(exports, "CHUNK", 500)
    client_for(client, agent)
    count, queries = _export_queries(client, reverse("dashboards:export_evidence", args=[case.pk]))
    assert count == 3000
    party_reads = [sql for sql in queries if "cases_party" in sql and "evidence_evidence_parties" in sql]
    assert len(party_reads) == math.ceil(3000 / 500)
    monkeypatch.setattr(exports, "CHUNK", 1000)
    _count, fewer = _export_queries(client, reverse("dashboards:export_evidence", args=[case.pk]))
    assert len(fewer) == len(queries) - (6 - 3)


def test_the_response_is_a_generator_not_a_list(client, manager):
    _bulk_cases(manager, 5)
    response = client_for(client, manager).get(reverse("dashboards:export_cases"))
    assert response.streaming
    assert not isinstance(response.streaming_content, list | tuple)
    first = next(iter(response.streaming_content)).decode()
    assert first.startswith("\ufeffRéférence;")
