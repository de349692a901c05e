"""Demo notifications (on time, late with or without reasons, or silent) and Art. 34 campaigns at every stage."""

import tempfile
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from apps.cases.choices import PartyRole
from apps.cases.models import Case

from . import services
from .models import BreachNotification, Campaign
from .pseudonymise import ReportEncoder
from .uploads import PseudonymisedReport

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


def _demo_report(campaign, rows: int):
    """A small per-person report, pseudonymised as an upload would be."""
    lines = ["identifiant;canal;statut;date"]
    for n in range(rows):
        body = f"{1 + n % 2}{60 + n % 30:02d}{1 + n % 12:02d}{(n % 95) + 1:02d}{n % 1000:03d}{(n * 7) % 1000:03d}"
        channel = "courrier" if n % 3 else "courriel"
        status = "échec" if n % 17 == 0 else "envoyé"
        lines.append(f"{body}{97 - int(body) % 97:02d};{channel};{status};2024-03-{1 + n % 20:02d}")
    records = tempfile.NamedTemporaryFile(suffix=".records", dir=settings.FILE_UPLOAD_TEMP_DIR)  # noqa: SIM115
    encoder = ReportEncoder(records, nir=True)
    encoder.feed(("\n".join(lines) + "\n").encode())
    result = encoder.close()
    records.flush()
    return PseudonymisedReport(
        records, name="compte-rendu-campagne.csv", size=records.tell(), sha256=encoder.sha256.hexdigest(), result=result
    )


def seed_campaigns() -> str:
    """Art. 34 campaigns at various stages; one with an imported per-person report, one ordered by the CNIL."""
    if Campaign.objects.exists():
        return "already there"
    linked = Case.objects.filter(origin_case__title__startswith="Violation de données chez").order_by("reference")
    created = 0
    for i, case in enumerate(linked):
        party = case.parties.filter(role=PartyRole.CONTROLLER).select_related("organisation").first()
        if party is None or i % 5 == 3:
            continue  # no campaign recorded yet
        actor = case.lead_investigator
        planned = 150_000 + 37_000 * i
        values = {
            "decision": "required",
            "channels": ["letter", "email"],
            "planned_total": planned,
            "sent": planned * (i % 4) // 4,
            "failed": planned * (i % 4) // 100,
            "started_on": date(2024, 2, 15) if i % 4 else None,
        }
        if i % 7 == 5:
            values.update(
                decision="public_communication",
                channels=["public_notice"],
                exemption_reasoning=("Adresses postales inconnues pour la majorité des assurés : communiqué public."),
            )
        if i % 6 == 1:
            values.update(sent=0, failed=0, order_received_at=timezone.now() - timedelta(days=20), order_period_days=30)
        campaign = services.campaign_record(actor=actor, case=case, controller=party.organisation, **values)
        created += 1
        if created == 1:
            report = _demo_report(campaign, 240)
            with transaction.atomic():
                services.campaign_import_start(actor=actor, campaign=campaign, report=report, mode="good")
            report.close()
    return f"{created} campaigns"
