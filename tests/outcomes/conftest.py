"""Shared fixtures of the outcome tests: an investigator, and a case under investigation with a party,
its Art. 32 infringement found, and a piece of evidence to prove receipts."""

import pytest
from django.core.files.base import ContentFile

from apps.cases import services as case_services
from apps.evidence import services as evidence_services
from apps.outcomes import services
from apps.outcomes.models import Obligation
from tests.support import make_organisation, make_staff, valid_siren

PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"


@pytest.fixture
def agent():
    return make_staff("ines@cnil.test")


@pytest.fixture
def setting(agent):
    case = case_services.case_open(actor=agent, origin="ex_officio", legal_regime="gdpr", title="Contrôle")
    case_services.case_transition(actor=agent, case=case, to_status="investigating", reason="Contrôle décidé")
    insurer = make_organisation("Mutuelle Démo", valid_siren(4))
    party = case_services.party_add(actor=agent, case=case, organisation=insurer, role="controller", processing="tp")
    security = Obligation.objects.get(code="gdpr-32")
    assessment = services.assessment_record(
        actor=agent, party=party, obligation=security, status="infringement", finding={"facts": "Pas de MFA"}
    )
    proof = evidence_services.evidence_register(
        actor=agent, case=case, upload=ContentFile(PDF + b"ar", name="ar.pdf"), title="Accusé", source="public"
    )
    return case, party, assessment.finding, security, proof
