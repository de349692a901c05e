"""Portal test data, built through the real services: a case with two insurers as parties, a portal
user for each (invited, password set, TOTP enrolled), and requests sent to both."""

import pytest
from django.test import Client
from django_otp.plugins.otp_totp.models import TOTPDevice

from apps.accounts import services as account_services
from apps.cases import services as case_services
from apps.info_requests import services
from tests.support import PASSWORD, log_in_verified, make_organisation, make_staff, valid_siren

PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
QUESTIONS = [
    {"text": "Décrivez l'authentification du portail professionnel.", "expects": "text"},
    {"text": "Joignez l'analyse d'impact.", "expects": "documents"},
    {"text": "Décrivez les mesures prises et joignez le plan d'action.", "expects": "both"},
]


@pytest.fixture
def agent(db):
    return make_staff("ines@cnil.test", roles=("investigator",), full_name="Inès Leroy")


@pytest.fixture
def case(agent):
    case = case_services.case_open(actor=agent, origin="ex_officio", legal_regime="gdpr", title="Tiers payant")
    case_services.case_transition(actor=agent, case=case, to_status="investigating", reason="Contrôle décidé")
    return case


@pytest.fixture
def party(agent, case):
    insurer = make_organisation("Mutuelle des Tilleuls", valid_siren(21))
    return case_services.party_add(actor=agent, case=case, organisation=insurer, role="controller", processing="tp")


@pytest.fixture
def other_party(agent, case):
    insurer = make_organisation("Mutuelle Horizon", valid_siren(22))
    return case_services.party_add(actor=agent, case=case, organisation=insurer, role="controller", processing="tp")


def invite(agent, party, email, name="Delphine Martin", role="dpo"):
    """The invitation and its raw token (as the e-mail carries it)."""
    return services.portal_invite(actor=agent, party=party, full_name=name, email=email, role=role)


def make_portal_user(agent, party, email, name="Delphine Martin"):
    _access, token = invite(agent, party, email, name)
    user = services.invitation_accept(token=token, password=PASSWORD)
    TOTPDevice.objects.create(user=user, name=account_services.TOTP_DEVICE_NAME, confirmed=True)
    return user


@pytest.fixture
def dpo(agent, party):
    return make_portal_user(agent, party, "dpo@tilleuls.example")


@pytest.fixture
def other_dpo(agent, other_party):
    return make_portal_user(agent, other_party, "dpo@horizon.example", name="Marc Horizon")


def send_request(agent, case, parties, questions=QUESTIONS, period_days=15, subject="Sécurité du portail"):
    requests = services.request_create(
        actor=agent,
        case=case,
        parties=parties,
        subject=subject,
        letter="Madame, Monsieur,\nen application de l'article 58 du RGPD, nous vous demandons…",
        questions=questions,
        period_days=period_days,
    )
    return [services.request_send(actor=agent, request=request) for request in requests]


@pytest.fixture
def requests_sent(agent, case, party, other_party, dpo, other_dpo):
    """One request sent as two copies: (ours, theirs)."""
    ours, theirs = send_request(agent, case, [party, other_party])
    return ours, theirs


@pytest.fixture
def portal(dpo):
    client = Client()
    log_in_verified(client, dpo)
    return client


@pytest.fixture
def other_portal(other_dpo):
    client = Client()
    log_in_verified(client, other_dpo)
    return client
