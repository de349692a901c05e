"""Demo notifications: each insurer of the incidents on time, late (with or without reasons) or silent."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from apps.cases.choices import PartyRole
from apps.cases.models import Case

from . import services
from .models import BreachNotification

PARIS = ZoneInfo("Europe/Paris")
INFORMED = datetime(2024, 2, 1, 18, 30, tzinfo=PARIS)  # when the operators informed the insurers


def seed_breaches() -> str:
    if BreachNotification.objects.exists():
        return "already there"
    linked = Case.objects.filter(origin_case__title__startswith="Violation de données chez").order_by("reference")
    for i, case in enumerate(linked):
        party = case.parties.filter(role=PartyRole.CONTROLLER).select_related("organisation").first()
        if party is None or i % 5 == 4:
            continue  # not received yet
        actor = case.lead_investigator
        if i % 7 == 6:
            services.no_notification_record(
                actor=actor,
                case=case,
                controller=party.organisation,
                decided_at=INFORMED + timedelta(days=1),
                reasoning="Aucun assuré de l'organisme dans le périmètre exposé.",
            )
            continue
        hours = (20, 60, 90, 130)[i % 4]
        services.breach_notification_record(
            actor=actor,
            case=case,
            controller=party.organisation,
            phase="initial",
            processor_informed_at=INFORMED,
            received_at=INFORMED + timedelta(hours=hours),
            natures=["confidentiality"],
            data_categories=["civil_status", "birth_date", "nir", "insurance"],
            subject_categories=["insured"],
            approx_subjects=150_000 + 37_000 * i,
            measures_taken="Réinitialisation des accès des professionnels de santé ; information des assurés.",
            delay_reason="Analyse du périmètre par l'opérateur." if hours == 90 else "",
        )
    return f"{BreachNotification.objects.count()} notifications"
