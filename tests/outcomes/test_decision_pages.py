"""The turnover and sanction-decision pages: a fine over the ceiling refused with the figures, then a
decision recorded, delivered and received, starting the appeal deadline."""

import pytest
from django.test import Client

from apps.deadlines.models import Deadline
from apps.outcomes.models import Delivery, GroupTurnover, SanctionDecision
from tests.support import log_in_verified

from .support import procedure_ready

pytestmark = pytest.mark.django_db


def test_turnover_then_a_decision_within_its_ceiling(agent, setting):
    case, party, finding, _security, proof = setting
    client = Client()
    log_in_verified(client, agent)
    turnover_url = f"/cases/{case.pk}/outcomes/turnover/"
    assert client.get(turnover_url).status_code == 200
    assert (
        client.post(turnover_url, {"organisation": party.organisation_id, "financial_year": "2024"}).status_code == 400
    )
    response = client.post(
        turnover_url,
        {"organisation": party.organisation_id, "financial_year": "2024", "amount": "1000000000", "source": "Rapport"},
    )
    assert response.status_code == 302
    assert GroupTurnover.objects.get().amount == 1_000_000_000

    procedure_ready(agent, party, proof, "simplified")
    url = f"/cases/{case.pk}/outcomes/decisions/new/"
    data = {
        "party": party.pk,
        "findings": [finding.pk],
        "deciding_body": "restricted_committee_president",
        "reference": "SIMP-2025-01",
        "decided_on": "2025-03-03",
        "fine": "25000",
    }
    refused = client.post(url, data)
    assert refused.status_code == 400
    page = refused.content.decode()
    assert "La procédure simplifiée plafonne l’amende à 20\u202f000 €" in page
    assert not SanctionDecision.objects.exists()
    response = client.post(url, data | {"fine": "20000"})
    decision = SanctionDecision.objects.get()
    assert response["Location"] == f"/cases/{case.pk}/outcomes/decisions/{decision.pk}/"
    page = client.get(response["Location"]).content.decode()
    assert "20\u202f000\u202f000 €" in page  # the ceiling explained: 2 % of EUR 1 bn
    detail = response["Location"]
    client.post(
        detail,
        {
            "action": "delivery",
            "means": "qualified_erm",
            "sent_at": "2025-03-04T10:00",
            "received_at": "2025-03-05T10:00",
            "proof": proof.pk,
        },
    )
    assert Delivery.objects.get(document_kind="decision").received_at is not None
    assert Deadline.objects.filter(kind="appeal", object_id=str(decision.pk)).exists()
    assert "SIMP-2025-01" in client.get(f"/cases/{case.pk}/tab/outcomes/").content.decode()
