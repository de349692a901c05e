"""Obligations assessed per party, on the case's evidence; an infringement has its finding."""

from datetime import date
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from apps.audit.choices import AuditAction
from apps.audit.models import AuditEvent
from apps.cases import services as case_services
from apps.evidence import services as evidence_services
from apps.outcomes import services
from apps.outcomes.models import Assessment, Finding, Obligation
from tests.support import log_in_verified, make_organisation, make_staff, valid_siren

pytestmark = pytest.mark.django_db
PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"


@pytest.fixture
def case(agent):
    return case_services.case_open(actor=agent, origin="ex_officio", legal_regime="gdpr", title="Contrôle")


@pytest.fixture
def party(agent, case):
    insurer = make_organisation("Mutuelle Démo", valid_siren(4))
    return case_services.party_add(actor=agent, case=case, organisation=insurer, role="controller", processing="tp")


def evidence_on(agent, case, title):
    return evidence_services.evidence_register(
        actor=agent,
        case=case,
        upload=ContentFile(PDF + title.encode(), name=f"{title}.pdf"),
        title=title,
        source="public",
    )


def test_the_catalogue_is_loaded_with_its_fine_tiers():
    tiers = dict(Obligation.objects.values_list("code", "fine_tier"))
    assert len(tiers) >= 12
    assert tiers["gdpr-32"] == tiers["gdpr-33"] == tiers["gdpr-28"] == "83_4"
    assert tiers["gdpr-5-1-f"] == tiers["gdpr-58-1"] == "83_5"
    security = Obligation.objects.get(code="gdpr-32")
    assert security.title_fr == "Sécurité du traitement"
    assert security.title_en == "Security of processing"


def test_an_infringement_with_its_finding_and_factors(agent, case, party):
    pv = evidence_on(agent, case, "pv")
    logs = evidence_on(agent, case, "journaux")
    security = Obligation.objects.get(code="gdpr-32")
    assessment = services.assessment_record(
        actor=agent,
        party=party,
        obligation=security,
        status="infringement",
        reasoning="Pas d'authentification forte sur le portail des professionnels.",
        evidence=[pv],
        finding={
            "facts": "Identifiants volés réutilisés sans second facteur.",
            "period_from": date(2023, 9, 1),
            "period_to": date(2024, 2, 1),
            "evidence": [pv, logs],
            "people_affected": 33_000_000,
            "intent": "negligent",
            "cooperation": "full",
            "data_categories": ["civil_status", "nir"],
            "how_learned": "breach_notification",
            "financial_benefit": Decimal("0"),
        },
    )
    finding = Finding.objects.get(assessment=assessment)
    assert finding.processing == "tp"  # the party's processing by default
    assert set(finding.evidence.all()) == {pv, logs}
    assert list(assessment.evidence.all()) == [pv]
    assert (finding.intent, finding.cooperation, finding.people_affected) == ("negligent", "full", 33_000_000)
    event = AuditEvent.objects.get(action=AuditAction.ASSESSMENT_RECORDED)
    assert event.data["finding_evidence"] == sorted([pv.pk, logs.pk])
    first = assessment.history.count()
    assert first >= 1

    services.assessment_record(actor=agent, party=party, obligation=security, status="compliant", reasoning="Corrigé.")
    assert not Finding.objects.exists()
    assert Finding.history.filter(history_type="-").count() == 1  # the removed finding stays in its history
    latest = Assessment.objects.get().history.first()
    assert Assessment.objects.get().history.count() > first
    assert latest.status == "compliant"


def test_refusals(agent, case, party):
    security = Obligation.objects.get(code="gdpr-32")
    other_case = case_services.case_open(actor=agent, origin="ex_officio", legal_regime="gdpr", title="Autre")
    foreign = evidence_on(agent, other_case, "ailleurs")
    with pytest.raises(ValidationError) as error:
        services.assessment_record(
            actor=agent, party=party, obligation=security, status="compliant", evidence=[foreign]
        )
    assert "evidence" in error.value.message_dict
    with pytest.raises(ValidationError) as error:
        services.assessment_record(actor=agent, party=party, obligation=security, status="infringement", finding={})
    assert "facts" in error.value.message_dict
    with pytest.raises(ValidationError) as error:
        services.assessment_record(
            actor=agent,
            party=party,
            obligation=security,
            status="infringement",
            finding={
                "facts": "x",
                "period_from": date(2024, 2, 1),
                "period_to": date(2024, 1, 1),
                "evidence": [foreign],
            },
        )
    assert {"period_to", "finding_evidence"} <= set(error.value.message_dict)
    assert not Assessment.objects.exists()
    assert not AuditEvent.objects.filter(action=AuditAction.ASSESSMENT_RECORDED).exists()


def test_the_outcomes_tab_grid_and_the_form(agent, case, party):
    client = Client()
    log_in_verified(client, agent)
    pv = evidence_on(agent, case, "pv")
    security = Obligation.objects.get(code="gdpr-32")
    page = client.get(f"/cases/{case.pk}/tab/outcomes/").content.decode()
    assert "Sécurité du traitement" in page
    assert "Non évaluée" in page
    url = f"/cases/{case.pk}/outcomes/{party.pk}/{security.pk}/"
    refused = client.post(url, {"status": "infringement", "reasoning": "x"})
    assert refused.status_code == 200
    assert "Une infraction constatée énonce les faits." in refused.content.decode()
    response = client.post(
        url,
        {
            "status": "infringement",
            "reasoning": "MFA absente",
            "evidence": [pv.pk],
            "facts": "Pas de MFA",
            "intent": "",
        },
    )
    assert response.status_code == 302
    assert Finding.objects.get().facts == "Pas de MFA"
    page = client.get(f"/cases/{case.pk}/tab/outcomes/").content.decode()
    assert "Infraction constatée" in page

    outsider = Client()
    log_in_verified(outsider, make_staff("autre@cnil.test"))
    assert outsider.get(url).status_code == 404
    other_party_url = f"/cases/{case.pk}/outcomes/999999/{security.pk}/"
    assert client.get(other_party_url).status_code == 404


def test_grid_queries_do_not_grow_with_parties(agent, case, party):
    client = Client()
    log_in_verified(client, agent)
    url = f"/cases/{case.pk}/tab/outcomes/"
    client.get(url)
    with CaptureQueriesContext(connection) as small:
        client.get(url)
    for n in range(5, 9):
        other = make_organisation(f"Mutuelle {n}", valid_siren(n))
        added = case_services.party_add(actor=agent, case=case, organisation=other, role="controller", processing="tp")
        services.assessment_record(
            actor=agent, party=added, obligation=Obligation.objects.get(code="gdpr-33"), status="compliant"
        )
    with CaptureQueriesContext(connection) as large:
        client.get(url)
    assert len(large) == len(small)
