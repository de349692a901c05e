"""Shared fixtures of the requests-for-information tests: a case with two insurers as parties, and a
portal user for each, invited and enrolled through the real services."""

import pytest
from django_otp.plugins.otp_totp.models import TOTPDevice

from apps.accounts import services as account_services
from apps.cases import services as case_services
from apps.info_requests import services
from tests.support import PASSWORD, make_organisation, make_staff, valid_siren

PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
QUESTIONS = [
    {"text": "Décrivez l'authentification du portail.", "expects": "text"},
    {"text": "Joignez l'analyse d'impact.", "expects": "documents"},
]


@pytest.fixture
def agent():
    return make_staff("ines@cnil.test")


@pytest.fixture
def case(agent):
    case = case_services.case_open(actor=agent, origin="ex_officio", legal_regime="gdpr", title="Contrôle sur pièces")
    case_services.case_transition(actor=agent, case=case, to_status="investigating", reason="Contrôle décidé")
    return case


@pytest.fixture
def party(agent, case):
    insurer = make_organisation("Mutuelle des Tilleuls", valid_siren(11))
    return case_services.party_add(actor=agent, case=case, organisation=insurer, role="controller", processing="tp")


@pytest.fixture
def other_party(agent, case):
    insurer = make_organisation("Mutuelle Horizon", valid_siren(12))
    return case_services.party_add(actor=agent, case=case, organisation=insurer, role="controller", processing="tp")


def enrol(user):
    """The person has accepted and set up TOTP (the accounts flow), as the real pages leave it."""
    TOTPDevice.objects.create(user=user, name=account_services.TOTP_DEVICE_NAME, confirmed=True)
    return user


def make_portal_user(agent, party, email, name="Delphine Po", role="dpo"):
    _access, token = services.portal_invite(actor=agent, party=party, full_name=name, email=email, role=role)
    return enrol(services.invitation_accept(token=token, password=PASSWORD))


@pytest.fixture
def dpo(agent, party):
    return make_portal_user(agent, party, "dpo@tilleuls.example")


@pytest.fixture
def other_dpo(agent, other_party):
    return make_portal_user(agent, other_party, "dpo@horizon.example", name="Marc Horizon")


def send_request(agent, case, parties, questions=QUESTIONS, period_days=15):
    requests = services.request_create(
        actor=agent,
        case=case,
        parties=parties,
        subject="Sécurité du portail",
        letter="Madame, Monsieur, en application de l'article 58 du RGPD…",
        questions=questions,
        period_days=period_days,
    )
    return [services.request_send(actor=agent, request=request) for request in requests]
