"""Demo assessments: the operator's security and contracts, and insurers' notifications, on the tiers-payant cases."""

from datetime import timedelta

from django.core.files.base import ContentFile
from django.utils import timezone

from apps.cases.choices import PartyRole
from apps.cases.models import Case
from apps.deadlines.models import Deadline
from apps.evidence import services as evidence_services
from apps.evidence.models import Evidence

from . import deliveries, services
from .models import Assessment, FormalNotice, Obligation


def seed_outcomes() -> str:
    if Assessment.objects.exists():
        return "already there"
    incident = Case.objects.filter(title__startswith="Violation de données chez Viamedis", origin_case=None).first()
    if incident is None:
        return "no demo case"
    actor = incident.lead_investigator
    operator = incident.parties.filter(role=PartyRole.PROCESSOR).first()
    obligations = {o.code: o for o in Obligation.objects.all()}
    on_site = list(Evidence.objects.filter(case=incident).order_by("id"))
    if operator is not None:
        services.assessment_record(
            actor=actor,
            party=operator,
            obligation=obligations["gdpr-32"],
            status="infringement",
            reasoning="Le portail des professionnels de santé n'exigeait qu'un identifiant et un mot de passe.",
            evidence=on_site[:1],
            finding={
                "facts": "Des identifiants de professionnels de santé dérobés ont permis d'extraire les données "
                "de 33 millions d'assurés, sans second facteur ni détection des volumes anormaux.",
                "evidence": on_site,
                "gravity": "Données d'état civil, date de naissance et NIR ; durée de plusieurs semaines.",
                "people_affected": 33_000_000,
                "intent": "negligent",
                "cooperation": "full",
                "data_categories": ["civil_status", "nir"],
                "how_learned": "breach_notification",
                "earlier_measures": "none_ordered",
            },
        )
        services.assessment_record(
            actor=actor,
            party=operator,
            obligation=obligations["gdpr-28"],
            status="compliant",
            reasoning="Les contrats de sous-traitance comportent les clauses de l'article 28(3).",
        )
    # Insurers whose 72-hour notification deadline was met late (the deadline engine knows it).
    notified = Deadline.objects.filter(kind="breach_notification", case__origin_case=incident, status="met")
    for deadline in notified.select_related("case").order_by("met_at"):
        if deadline.met_at <= deadline.due_at:
            continue
        party = deadline.case.parties.filter(role=PartyRole.CONTROLLER).first()
        if party is not None:
            services.assessment_record(
                actor=deadline.case.lead_investigator,
                party=party,
                obligation=obligations["gdpr-33"],
                status="infringement",
                reasoning="Notification reçue après le délai de 72 heures.",
                finding={"facts": "Notification initiale reçue au-delà de 72 heures après la prise de connaissance."},
            )
    notices = _seed_formal_notices(incident, obligations)
    return f"{Assessment.objects.count()} assessments, {notices} formal notices"


RECEIPT_PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"


def _seed_formal_notices(incident, obligations) -> int:
    """Two insurers under formal notice: one running (due soon), one complied with."""
    candidates = Case.objects.filter(origin_case=incident, status="investigating").order_by("reference")[:2]
    now = timezone.now()
    for number, case in enumerate(candidates):
        party = case.parties.filter(role=PartyRole.CONTROLLER).select_related("organisation").first()
        if party is None:
            continue
        actor = case.lead_investigator
        assessment = services.assessment_record(
            actor=actor,
            party=party,
            obligation=obligations["gdpr-32"],
            status="infringement",
            reasoning="Pas de contrôle des accès de l'opérateur au-delà du contrat.",
            finding={"facts": "Aucun audit du portail de l'opérateur ni exigence d'authentification forte."},
        )
        notice = services.formal_notice_issue(
            actor=actor,
            party=party,
            findings=[assessment.finding],
            measures=[
                {"obligation": obligations["gdpr-28"], "description": "Auditer la sécurité du portail de l'opérateur"},
                {"obligation": obligations["gdpr-32"], "description": "Exiger l'authentification multifacteur"},
            ],
            decision_reference=f"MED-2024-0{number + 21}",
            decided_on=(now - timedelta(days=12)).date(),
            period_days=15 if number == 0 else 10,
        )
        proof = evidence_services.evidence_register(
            actor=actor,
            case=case,
            upload=ContentFile(RECEIPT_PDF + str(notice.pk).encode(), name=f"accuse-reception-{notice.pk}.pdf"),
            title="Accusé de réception de la mise en demeure",
            source="public",
        )
        deliveries.delivery_record(
            actor=actor,
            document_kind="formal_notice",
            document_id=notice.pk,
            means="signed_receipt_letter",
            sent_at=now - timedelta(days=11),
            received_at=now - timedelta(days=9),
            proof=proof,
        )
        if number == 1:
            for measure in notice.measures.all():
                services.measure_check(actor=actor, measure=measure, met=True, note="Vérifié sur pièces.")
    return FormalNotice.objects.count()
