"""Demo scenario: the 2024 tiers-payant breach (DOMAIN.md). Fictional SIRENs with valid keys.

Two operators (processors) serve a dozen complementary insurers (controllers); one incident
case per operator is fanned out into per-insurer cases in various statuses; a complaint case
and a restricted case complete it. Idempotent: nothing is created twice.
"""

from __future__ import annotations

from django.contrib.auth import get_user_model
from stdnum import luhn

from apps.organisations import services as organisation_services
from apps.organisations.models import Organisation, Sector

from . import services
from .choices import CaseStatus
from .models import Case

PROCESSING = "Gestion du tiers payant"
OPERATORS = ("Viamedis", "Almerys")
INSURERS = (
    "Mutuelle des Tilleuls",
    "Mutuelle Horizon Santé",
    "Prévoyance des Cévennes",
    "Mutuelle du Littoral",
    "Complémentaire Armor",
    "Mutuelle Alpes Santé",
    "Solidarité Santé Picardie",
    "Mutuelle Loire Atlantique Santé",
    "Garance Complémentaire",
    "Mutuelle Occitane",
    "Union Santé Est",
    "Mutuelle des Enseignants du Centre",
)
INCIDENT_TITLE = "Violation de données chez {operator} (tiers payant, 2024)"


def demo_siren(n: int) -> str:
    body = f"{990_000_00 + n:08d}"
    return body + luhn.calc_check_digit(body)


def _user(email: str):
    return get_user_model().objects.get(email=email)


def _organisation(name: str, n: int, sector_code: str) -> Organisation:
    existing = Organisation.objects.filter(siren=demo_siren(n)).first()
    if existing:
        return existing
    return organisation_services.organisation_create(
        actor=None,
        legal_name=name,
        country="FR",
        siren=demo_siren(n),
        sector=Sector.objects.filter(code=sector_code).first(),
        dpo_name=f"DPO {name}",
        dpo_email=f"dpo@{name.lower().replace(' ', '-').replace('é', 'e')[:30]}.example",
    )


def _advance(case: Case, actor, steps) -> None:
    for target, body in steps:
        case.refresh_from_db()
        services.case_transition(
            actor=actor,
            case=case,
            to_status=target,
            reason="Scénario de démonstration",
            deciding_body=body,
            decision_reference="DEMO-2024-001" if body else "",
            service=True,
        )


def seed_cases() -> str:
    if Case.objects.filter(title__startswith="Violation de données chez").exists():
        return "already there"
    ines, hugo, lea = (_user(f"investigator{n}@demo.cnil.fr") for n in ("", "2", "3"))
    paul, claire = _user("legal@demo.cnil.fr"), _user("manager@demo.cnil.fr")
    operators = [_organisation(name, i, "third-party-payment") for i, name in enumerate(OPERATORS, start=1)]
    insurers = [_organisation(name, i, "health-insurance") for i, name in enumerate(INSURERS, start=10)]
    for i, insurer in enumerate(insurers):
        # Each insurer entrusts the tiers-payant to one operator, a few to both.
        for operator in operators if i % 4 == 0 else [operators[i % 2]]:
            organisation_services.relationship_record(
                actor=None,
                kind="processing",
                client=insurer,
                provider=operator,
                processing=PROCESSING,
                contract_reference=f"CT-{operator.legal_name[:3].upper()}-{i + 1:03d}",
            )
    fanned = []
    for operator, lead in zip(operators, (ines, hugo), strict=True):
        incident = services.case_open(
            actor=lead,
            origin="breach_notification",
            legal_regime="gdpr",
            title=INCIDENT_TITLE.format(operator=operator.legal_name),
            summary="Accès frauduleux au portail des professionnels de santé avec des identifiants volés : "
            "état civil, date de naissance et NIR d'assurés exposés.",
            priority="urgent",
            health_data=True,
        )
        services.party_add(actor=lead, case=incident, organisation=operator, role="processor", processing=PROCESSING)
        services.case_assign(actor=claire, case=incident, lead=lead, team=[lead, lea, paul])
        _advance(incident, lead, [(CaseStatus.INVESTIGATING, "")])
        fanned += services.case_fan_out(actor=lead, case=incident)
    scenarios = [
        [(CaseStatus.INVESTIGATING, "")],
        [(CaseStatus.INVESTIGATING, ""), (CaseStatus.CLOSED, "president")],
        [(CaseStatus.INVESTIGATING, ""), (CaseStatus.REMINDER, "president")],
        [(CaseStatus.INVESTIGATING, "")],  # the outcomes demo issues its formal notice
        [(CaseStatus.INVESTIGATING, "")],  # the outcomes demo runs a sanction procedure
        [],
    ]
    for i, linked in enumerate(fanned):
        _advance(linked, linked.lead_investigator, scenarios[i % len(scenarios)])
    complaint = services.case_open(
        actor=lea,
        origin="complaint",
        legal_regime="gdpr",
        title="Plainte d'une assurée : courriel d'hameçonnage citant son NIR",
        complainant={"full_name": "Camille Exemple", "email": "camille.exemple@example.org"},
    )
    services.party_add(actor=lea, case=complaint, organisation=insurers[0], role="controller", processing=PROCESSING)
    restricted = services.case_open(
        actor=ines,
        origin="ex_officio",
        legal_regime="gdpr",
        title="Sécurité du portail professionnel d'un opérateur (confidentiel)",
        confidentiality="restricted",
        priority="high",
        health_data=True,
    )
    services.party_add(actor=ines, case=restricted, organisation=operators[1], role="processor", processing=PROCESSING)
    return f"{Case.objects.count()} cases, {Organisation.objects.count()} organisations"
