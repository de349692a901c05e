"""The sanction procedure's pages: open it, run the written procedure, convene the hearing (a late
convocation refused with the figures), decide, appeal, liquidate — each refusal a 400 with the rule."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from apps.cases.models import Case
from apps.outcomes import sanctions
from apps.outcomes.models import Appeal, Hearing, Liquidation, Observation, SanctionProcedure, SanctionReport
from tests.support import log_in_verified, make_staff

from .support import HEARING, procedure_ready, report_delivered

pytestmark = pytest.mark.django_db


@pytest.fixture
def client(agent):
    client = Client()
    log_in_verified(client, agent)
    return client


def test_open_a_procedure_then_run_its_written_procedure(agent, setting, client):
    case, party, _finding, _security, proof = setting
    url = f"/cases/{case.pk}/outcomes/procedures/new/"
    assert client.get(url).status_code == 200
    refused = client.post(url, {"party": party.pk, "procedure": "ordinary", "opened_on": "2025-01-02"})
    assert refused.status_code == 400
    assert not SanctionProcedure.objects.exists()
    response = client.post(
        url,
        {
            "party": party.pk,
            "procedure": "ordinary",
            "referral_reference": "D-2025-1",
            "opened_on": "2025-01-02",
            "rapporteur": "M. Durand",
        },
    )
    procedure = SanctionProcedure.objects.get()
    page_url = f"/cases/{case.pk}/outcomes/procedures/{procedure.pk}/"
    assert response["Location"] == page_url
    assert "Procédure ordinaire" in client.get(f"/cases/{case.pk}/tab/outcomes/").content.decode()
    assert Case.objects.get(pk=case.pk).status == "sanction_ordinary"

    assert (
        client.post(page_url, {"action": "report", "reference": "RAP-1", "dated_on": "2025-01-03"}).status_code == 302
    )
    report = SanctionReport.objects.get()
    early = client.post(
        page_url, {"action": "observation", "author": "organisation", "received_at": "2025-01-20T10:00", "summary": "x"}
    )
    assert early.status_code == 400
    assert "Enregistrez d’abord la réception du rapport" in early.content.decode()
    report_url = f"/cases/{case.pk}/outcomes/reports/{report.pk}/"
    client.post(
        report_url,
        {
            "action": "delivery",
            "means": "bailiff",
            "sent_at": "2025-01-06T09:00",
            "received_at": "2025-01-07T10:00",
            "proof": proof.pk,
        },
    )
    assert f"/outcomes/documents/sanction_report/{report.pk}/" in client.get(report_url).content.decode()
    page = client.get(page_url).content.decode()
    assert "Observations sur le rapport de sanction" in page  # its deadline, listed on the procedure
    assert (
        client.post(
            page_url,
            {
                "action": "observation",
                "author": "organisation",
                "received_at": "2025-02-05T10:00",
                "summary": "Défense",
            },
        ).status_code
        == 302
    )
    assert (
        client.post(
            page_url,
            {"action": "observation", "author": "rapporteur", "received_at": "2025-02-20T10:00", "summary": "Réponse"},
        ).status_code
        == 302
    )
    refused = client.post(page_url, {"action": "close", "closed_on": "2025-02-21"})
    assert refused.status_code == 400
    assert "L’organisme a le dernier mot" in refused.content.decode()
    client.post(
        page_url,
        {"action": "observation", "author": "organisation", "received_at": "2025-03-01T10:00", "declined": "on"},
    )
    assert client.post(page_url, {"action": "close", "closed_on": "2025-03-03"}).status_code == 302
    assert Observation.objects.count() == 3
    assert SanctionProcedure.objects.get().step == "closed"
    assert client.post(page_url, {"action": "unknown"}).status_code == 400

    assert (
        client.post(page_url, {"action": "hearing", "scheduled_at": "2025-04-10T14:00", "public": "on"}).status_code
        == 302
    )
    hearing = Hearing.objects.get()
    hearing_url = f"/cases/{case.pk}/outcomes/hearings/{hearing.pk}/"
    generated = client.post(f"/cases/{case.pk}/outcomes/documents/hearing_convocation/{hearing.pk}/")
    assert generated.status_code == 302
    assert case.evidence.filter(original_filename__startswith="convocation-seance-").exists()
    late = client.post(
        hearing_url,
        {
            "action": "delivery",
            "means": "qualified_erm",
            "sent_at": "2025-03-25T09:00",
            "received_at": "2025-03-27T09:00",
            "proof": proof.pk,
        },
    )
    assert late.status_code == 400
    page = late.content.decode()
    assert "14 jours de délai, il en faut au moins 15" in page
    assert not hearing.case.deliveries.filter(document_kind="hearing_convocation").exists()  # nothing half-saved


def test_decision_page_records_an_appeal_its_ruling_and_a_liquidation(agent, setting, client):
    case, party, finding, _security, proof = setting
    procedure_ready(agent, party, proof)
    decision = sanctions.sanction_decide(
        actor=agent,
        party=party,
        deciding_body="restricted_committee",
        reference="SAN-9",
        decided_on=HEARING.date(),
        findings=[finding],
        fine=Decimal("100000"),
        injunction="MFA",
        penalty_per_day=Decimal("200"),
    )
    url = f"/cases/{case.pk}/outcomes/decisions/{decision.pk}/"
    refused = client.post(url, {"action": "appeal", "reference": "CE 1", "lodged_on": "2025-05-02"})
    assert refused.status_code == 400
    assert "Enregistrez d’abord la notification de la décision" in refused.content.decode()
    client.post(
        url,
        {
            "action": "delivery",
            "means": "bailiff",
            "sent_at": "2025-03-21T09:00",
            "received_at": "2025-03-24T09:00",
            "proof": proof.pk,
        },
    )
    assert client.post(url, {"action": "appeal", "reference": "CE 1", "lodged_on": "2025-05-02"}).status_code == 302
    assert Case.objects.get(pk=case.pk).status == "appeal"
    ruling = {"action": "appeal_outcome", "outcome": "reduced", "outcome_on": "2026-01-10", "outcome_reference": "CE-R"}
    refused = client.post(url, ruling | {"reduced_fine": "150000"})
    assert refused.status_code == 400
    assert "inférieure à l’amende prononcée" in refused.content.decode()
    assert client.post(url, ruling | {"reduced_fine": "60000"}).status_code == 302
    assert Appeal.objects.get().reduced_fine == Decimal("60000")
    assert Case.objects.get(pk=case.pk).status == "closed"

    assert client.post(url, {"action": "liquidation", "reference": "LIQ-1", "days_late": "10"}).status_code == 302
    liquidation = Liquidation.objects.get()
    page = client.get(f"/cases/{case.pk}/outcomes/liquidations/{liquidation.pk}/").content.decode()
    assert "au plus 2\xa0000,00 €" in page


def test_outsiders_get_404_and_readers_no_actions(agent, setting):
    case, party, _finding, _security, proof = setting
    procedure = procedure_ready(agent, party, proof)
    outsider = Client()
    log_in_verified(outsider, make_staff("autre@cnil.test", roles=("legal",)))
    url = f"/cases/{case.pk}/outcomes/procedures/{procedure.pk}/"
    response = outsider.get(url)
    assert response.status_code == 200  # legal staff read every normal case
    assert 'name="action"' not in response.content.decode()
    assert outsider.post(url, {"action": "close", "closed_on": "2025-03-03"}).status_code == 404
    assert outsider.get(f"/cases/{case.pk}/outcomes/procedures/{procedure.pk + 1000}/").status_code == 404


def test_the_procedure_page_costs_the_same_queries_whatever_the_rounds(agent, setting, client):
    case, party, _finding, _security, proof = setting
    procedure = report_delivered(agent, party, proof)
    url = f"/cases/{case.pk}/outcomes/procedures/{procedure.pk}/"

    def queries():
        with CaptureQueriesContext(connection) as captured:
            assert client.get(url).status_code == 200
        return len(captured)

    sanctions.observation_record(
        actor=agent, procedure=procedure, author="organisation", received_at=HEARING - timedelta(days=60), summary="1"
    )
    few = queries()
    sanctions.observation_record(
        actor=agent, procedure=procedure, author="rapporteur", received_at=HEARING - timedelta(days=50), summary="2"
    )
    sanctions.observation_record(
        actor=agent, procedure=procedure, author="organisation", received_at=HEARING - timedelta(days=40), summary="3"
    )
    assert queries() == few
