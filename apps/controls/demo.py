"""Demo controls on the tiers-payant cases: an on-site visit at an operator, a documentary control."""

from datetime import timedelta

from django.utils import timezone

from apps.cases.models import Case
from apps.evidence.models import Evidence

from . import services
from .models import Control


def seed_controls() -> str:
    if Control.objects.exists():
        return "already there"
    incident = Case.objects.filter(title__startswith="Violation de données chez Viamedis", origin_case=None).first()
    if incident is None:
        return "no demo case"
    start = timezone.now().replace(hour=9, minute=30, second=0, microsecond=0) - timedelta(days=20)
    agents = [incident.lead_investigator] if incident.lead_investigator else []
    services.control_record(
        actor=incident.lead_investigator,
        case=incident,
        agents=agents,
        documents=list(Evidence.objects.filter(case=incident, source="on_site")),
        kind="on_site",
        decision_reference="2024-012",
        mission_order_reference="OM-2024-031",
        planned_start=start,
        planned_end=start + timedelta(hours=8),
        actual_arrival=start + timedelta(minutes=5),
        actual_departure=start + timedelta(hours=7, minutes=40),
        prosecutor_informed_at=start - timedelta(hours=30),
        person_in_charge="Directeur des systèmes d'information",
        information_given="Objet du contrôle, identité des agents, droit de s'opposer à la visite.",
    )
    linked = Case.objects.filter(origin_case=incident).order_by("reference").first()
    if linked is not None:
        services.control_record(
            actor=linked.lead_investigator,
            case=linked,
            kind="documentary",
            decision_reference="2024-013",
            notes="Questionnaire adressé au DPO sur les mesures de sécurité du portail et la notification.",
        )
    return f"{Control.objects.count()} controls"
