"""A party named by mistake can be removed; one with records in the case cannot (never a 500, nothing lost)."""

import pytest
from django.core.exceptions import ValidationError
from django.test import Client

from apps.cases import services
from apps.cases.models import Party
from apps.outcomes import services as outcome_services
from apps.outcomes.models import Assessment, Obligation
from tests.support import log_in_verified, make_organisation, make_staff, valid_siren

pytestmark = pytest.mark.django_db


def test_a_party_with_records_is_kept_with_a_message():
    agent = make_staff("ines@cnil.test")
    case = services.case_open(actor=agent, origin="ex_officio", legal_regime="gdpr", title="Contrôle")
    assessed = services.party_add(
        actor=agent,
        case=case,
        organisation=make_organisation("Mutuelle A", valid_siren(31)),
        role="controller",
        processing="tp",
    )
    mistaken = services.party_add(
        actor=agent,
        case=case,
        organisation=make_organisation("Mutuelle B", valid_siren(32)),
        role="controller",
        processing="tp",
    )
    outcome_services.assessment_record(
        actor=agent, party=assessed, obligation=Obligation.objects.get(code="gdpr-28"), status="compliant"
    )
    with pytest.raises(ValidationError) as refused:
        services.party_remove(actor=agent, party=assessed)
    assert "Mutuelle A" in refused.value.messages[0]
    assert Assessment.objects.filter(party=assessed).exists()

    client = Client()
    log_in_verified(client, agent)
    response = client.post(f"/cases/{case.pk}/parties/{assessed.pk}/remove/", follow=True)
    assert response.status_code == 200
    assert "ne peut pas être retirée" in response.content.decode()
    assert Party.objects.filter(pk=assessed.pk).exists()

    services.party_remove(actor=agent, party=mistaken)
    assert not Party.objects.filter(pk=mistaken.pk).exists()
