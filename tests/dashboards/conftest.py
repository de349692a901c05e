"""A complaint case with a row of every kind the timeline shows, built through the real services."""

from __future__ import annotations

import itertools
from contextlib import contextmanager
from datetime import datetime, timedelta
from decimal import Decimal

import pytest
from django.core.files.base import ContentFile
from django.test import RequestFactory
from django.utils import timezone
from simple_history.models import HistoricalRecords

from apps.breaches import services as breach_services
from apps.cases import services as case_services
from apps.controls import services as control_services
from apps.deadlines import services as deadline_services
from apps.evidence import services as evidence_services
from apps.info_requests import services as request_services
from apps.outcomes import appeals, sanctions
from apps.outcomes import services as outcome_services
from apps.outcomes.models import Obligation
from tests.outcomes.support import PARIS, deliver, procedure_ready
from tests.support import PASSWORD, make_organisation, make_staff, valid_siren

_organisations = itertools.count(1)  # SIRENs unique across the cases of one test
PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
COMPLAINANT = {
    "full_name": "Camille Plaignante",
    "email": "camille.plaignante@example.org",
    "phone": "0611223344",
    "postal_address": "3 rue des Lilas, 75020 Paris",
}


@pytest.fixture
def agent(db):
    return make_staff("ines@cnil.test", roles=("investigator",), full_name="Inès Leroy")


@pytest.fixture
def manager(db):
    return make_staff("claire@cnil.test", roles=("manager",), full_name="Claire Dubois")


@contextmanager
def acting(user):
    """What ``HistoryRequestMiddleware`` does for a request: history rows name ``user``."""
    request = RequestFactory().get("/")
    request.user = user
    HistoricalRecords.context.request = request
    try:
        yield
    finally:
        del HistoricalRecords.context.request


def pdf(name: str) -> ContentFile:
    return ContentFile(PDF + name.encode(), name=f"{name}.pdf")


def add_party(agent, case, number: int):
    """A controller party, its control, evidence (downloaded, corrected), deadline, breach and assessment."""
    organisation = make_organisation(f"Mutuelle {number}", valid_siren(next(_organisations)))
    party = case_services.party_add(
        actor=agent, case=case, organisation=organisation, role="controller", processing=f"tiers payant {number}"
    )
    control = control_services.control_record(
        actor=agent, case=case, kind="documentary", decision_reference=f"DEC-{number}"
    )
    control_services.control_update(actor=agent, control=control, notes=f"Pièces demandées {number}")
    evidence = evidence_services.evidence_register(
        actor=agent, case=case, upload=pdf(f"pv-{number}"), title=f"PV {number}", source="documentary"
    )
    evidence_services.evidence_update(actor=agent, evidence=evidence, description=f"Procès-verbal {number}")
    evidence_services.evidence_download_record(actor=agent, evidence=evidence, ip="192.0.2.1")
    deadline = deadline_services.deadline_create(
        actor=agent, case=case, kind="rapporteur_reply", started_at=timezone.now(), start_event=f"Réponse {number}"
    )
    deadline_services.deadline_extend(
        actor=agent,
        deadline=deadline,
        new_due_at=deadline.due_at + timedelta(days=7),
        reason="Demande de l'organisme",
        granted_by="Présidente",
    )
    received = timezone.now() - timedelta(hours=1)
    breach_services.breach_notification_record(
        actor=agent, case=case, controller=organisation, phase="initial", received_at=received, awareness_at=received
    )
    breach_services.campaign_record(actor=agent, case=case, controller=organisation, decision="required")
    obligation = Obligation.objects.order_by("position")[number % 5]
    assessment = outcome_services.assessment_record(
        actor=agent, party=party, obligation=obligation, status="infringement", finding={"facts": f"Faits {number}"}
    )
    ask(agent, case, party, number)
    return party, evidence, assessment


def ask(agent, case, party, number: int):
    """A request to the party, answered and submitted by its DPO through the portal's services, and a message."""
    _access, token = request_services.portal_invite(
        actor=agent, party=party, full_name=f"DPO {number}", email=f"dpo{number}-{case.pk}@mutuelle.example", role="dpo"
    )
    dpo = request_services.invitation_accept(token=token, password=PASSWORD)
    (request,) = request_services.request_create(
        actor=agent,
        case=case,
        parties=[party],
        subject=f"Sécurité du portail {number}",
        letter="Madame, Monsieur…",
        questions=[
            {"text": "Décrivez l'authentification.", "expects": "text"},
            {"text": "Joignez l'analyse d'impact.", "expects": "documents"},
        ],
        period_days=15,
    )
    request_services.request_send(actor=agent, request=request)
    text, documents = request.questions.order_by("position")
    request_services.draft_save(actor=dpo, request=request, answers={text.pk: f"Mot de passe seul {number}"})
    request_services.draft_file_add(actor=dpo, request=request, question=documents, upload=pdf(f"aipd-{number}"))
    request_services.submission_submit(actor=dpo, request=request)
    request_services.message_post(actor=agent, request=request, text=f"Merci pour votre réponse {number}")
    return request


def build_case(agent, *, parties: int = 1):
    """A complaint case with every kind of row; ``parties`` controllers multiply most of them."""
    case = case_services.case_open(
        actor=agent,
        origin="complaint",
        legal_regime="gdpr",
        title="Plainte tiers payant",
        complainant=COMPLAINANT,
    )
    case_services.case_transition(actor=agent, case=case, to_status="investigating", reason="Contrôle décidé")
    case_services.case_update(actor=agent, case=case, priority="high")
    built = [add_party(agent, case, number) for number in range(1, parties + 1)]
    party, proof, assessment = built[0]
    other = make_organisation("Sous-traitant", valid_siren(next(_organisations)))
    breach_services.no_notification_record(
        actor=agent, case=case, controller=other, reasoning="Aucun risque", decided_at=timezone.now()
    )
    notice = outcome_services.formal_notice_issue(
        actor=agent,
        party=party,
        findings=[assessment.finding],
        measures=[{"obligation": assessment.obligation, "description": "Déployer la MFA"}],
        decision_reference="MED-2025-001",
        decided_on=timezone.localdate(),
        period_days=10,
    )
    deliver(
        agent,
        "formal_notice",
        notice,
        proof,
        sent_at=timezone.now() - timedelta(days=2),
        received_at=timezone.now() - timedelta(days=1),
    )
    outcome_services.measure_check(actor=agent, measure=notice.measures.get(), met=False, note="Pas fait")
    procedure = procedure_ready(agent, party, proof)
    decision = sanctions.sanction_decide(
        actor=agent,
        party=party,
        deciding_body="restricted_committee",
        reference="SAN-2025-001",
        decided_on=timezone.localdate(),
        injunction="Déployer la MFA",
        penalty_per_day=Decimal("100"),
    )
    deliver(
        agent,
        "decision",
        decision,
        proof,
        sent_at=timezone.now() - timedelta(minutes=2),
        received_at=timezone.now() - timedelta(minutes=1),
    )
    appeals.appeal_lodge(actor=agent, decision=decision, lodged_on=timezone.localdate(), reference="CE-1")
    appeals.liquidation_open(actor=agent, decision=decision, reference="LIQ-1", days_late=3)
    return case, procedure


@pytest.fixture
def full_case(agent):
    with acting(agent):
        case, _procedure = build_case(agent)
    return case


def paris(*args) -> datetime:
    return datetime(*args, tzinfo=PARIS)
