"""Demo outcomes on the tiers-payant cases: assessments (the operator's security and contracts, insurers'
notifications), formal notices (one running, one complied with), an ordinary sanction with a fine and
publication under appeal, a simplified sanction, a decision of no sanction, and a case closed compliant."""

from datetime import timedelta
from decimal import Decimal

from django.core.files.base import ContentFile
from django.utils import timezone

from apps.cases.choices import CaseStatus, PartyRole
from apps.cases.models import Case
from apps.deadlines.models import Deadline
from apps.evidence import services as evidence_services
from apps.evidence.models import Evidence

from . import appeals, deliveries, sanctions, services
from .models import Assessment, FormalNotice, Obligation, SanctionDecision


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
    _seed_closed_compliant(obligations)
    decisions = _seed_sanctions(incident, obligations)
    return f"{Assessment.objects.count()} assessments, {notices} formal notices, {decisions} sanction decisions"


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


def _proof(actor, case, title: str, name: str):
    return evidence_services.evidence_register(
        actor=actor,
        case=case,
        upload=ContentFile(RECEIPT_PDF + f"{case.pk}-{name}".encode(), name=f"{name}.pdf"),
        title=title,
        source="public",
    )


def _deliver(actor, kind, document, proof, sent, received) -> None:
    deliveries.delivery_record(
        actor=actor,
        document_kind=kind,
        document_id=document.pk,
        means="signed_receipt_letter",
        sent_at=sent,
        received_at=received,
        proof=proof,
    )


def _seed_closed_compliant(obligations) -> None:
    """The linked case the President closed: its insurer found compliant."""
    case = Case.objects.filter(status=CaseStatus.CLOSED, origin_case__isnull=False).order_by("reference").first()
    party = case and case.parties.filter(role=PartyRole.CONTROLLER).first()
    if party is None:
        return
    for code, reasoning in (
        ("gdpr-28", "Contrat de sous-traitance conforme à l'article 28(3), audit annuel de l'opérateur."),
        ("gdpr-33", "Notification dans les 72 heures, complétée dans les délais."),
    ):
        services.assessment_record(
            actor=case.lead_investigator,
            party=party,
            obligation=obligations[code],
            status="compliant",
            reasoning=reasoning,
        )


def _written_procedure(actor, party, kind, *, days_ago: int, rounds: int = 1):
    """Open a procedure ``days_ago`` days back, deliver its report, exchange observations, close it."""
    now = timezone.now()
    at = lambda days: now - timedelta(days=days_ago - days)  # noqa: E731 - a day of the procedure
    procedure = sanctions.sanction_procedure_open(
        actor=actor,
        party=party,
        procedure=kind,
        referral_reference=f"D-{at(0):%Y}-{party.case_id:03d}",
        opened_on=at(0).date(),
        rapporteur="Paul Legal" if kind == "simplified" else "M. le rapporteur Durand",
    )
    report = sanctions.sanction_report_record(
        actor=actor,
        procedure=procedure,
        reference=f"RAP-{at(0):%Y}-{party.case_id:03d}",
        dated_on=at(3).date(),
        proposed_measures="Amende administrative et injonction de mise en conformité.",
    )
    proof = _proof(actor, party.case, "Accusé de réception du rapport de sanction", f"ar-rapport-{report.pk}")
    _deliver(actor, "sanction_report", report, proof, at(4), at(6))
    day = 30
    for _round in range(rounds):
        sanctions.observation_record(
            actor=actor,
            procedure=procedure,
            author="organisation",
            received_at=at(day),
            summary="Observations en défense : mesures correctrices engagées depuis l'incident.",
        )
        if _round < rounds - 1:
            sanctions.observation_record(
                actor=actor, procedure=procedure, author="rapporteur", received_at=at(day + 20), summary="Réponse"
            )
            day += 35
    sanctions.investigation_close(actor=actor, procedure=procedure, closed_on=at(day + 5).date())
    return procedure, proof, at(day + 5)


def _seed_sanctions(incident, obligations) -> int:
    """The operator: ordinary procedure, fine and publication, under appeal. Two insurers: a simplified
    sanction and a decision of no sanction."""
    actor = incident.lead_investigator
    operator = incident.parties.filter(role=PartyRole.PROCESSOR).select_related("organisation").first()
    finding = operator and Assessment.objects.filter(party=operator, obligation__code="gdpr-32").first()
    if finding is not None and incident.status == CaseStatus.INVESTIGATING:
        procedure, proof, closed = _written_procedure(actor, operator, "ordinary", days_ago=300, rounds=2)
        hearing_at = closed + timedelta(days=40)
        hearing = sanctions.hearing_schedule(actor=actor, procedure=procedure, scheduled_at=hearing_at)
        _deliver(actor, "hearing_convocation", hearing, proof, closed + timedelta(days=5), closed + timedelta(days=8))
        decided_on = (hearing_at + timedelta(days=21)).date()
        services.group_turnover_record(
            actor=actor,
            organisation=operator.organisation,
            financial_year=decided_on.year - 1,
            amount=Decimal("180000000"),
            source="Comptes consolidés du groupe déposés au greffe",
        )
        decision = sanctions.sanction_decide(
            actor=actor,
            party=operator,
            deciding_body="restricted_committee",
            reference=f"SAN-{decided_on:%Y}-017",
            decided_on=decided_on,
            findings=[finding.finding],
            fine=Decimal("1500000"),
            injunction="Imposer l'authentification multifacteur sur le portail des professionnels de santé",
            penalty_per_day=Decimal("5000"),
            published=True,
        )
        notified = hearing_at + timedelta(days=24)  # three days after the decision
        _deliver(actor, "decision", decision, proof, notified - timedelta(days=1), notified)
        appeals.appeal_lodge(
            actor=actor,
            decision=decision,
            lodged_on=(notified + timedelta(days=45)).date(),
            reference="CE n° 498765",
            suspension_requested=True,
        )
    insurers = Case.objects.filter(origin_case__isnull=False, status=CaseStatus.INVESTIGATING).order_by("reference")
    for case, (kind, outcome) in zip(insurers, (("simplified", "fine"), ("simplified", "none")), strict=False):
        party = case.parties.filter(role=PartyRole.CONTROLLER).first()
        if party is None:
            continue
        insurer_actor = case.lead_investigator
        assessment = services.assessment_record(
            actor=insurer_actor,
            party=party,
            obligation=obligations["gdpr-33"],
            status="infringement",
            reasoning="Notification incomplète : nombre de personnes et conséquences absents.",
            finding={"facts": "La notification initiale ne décrivait ni les catégories de personnes ni les mesures."},
        )
        _procedure, proof, closed = _written_procedure(insurer_actor, party, kind, days_ago=150)
        decision = sanctions.sanction_decide(
            actor=insurer_actor,
            party=party,
            deciding_body="restricted_committee_president",
            reference=f"SIMP-{closed:%Y}-{case.pk:03d}",
            decided_on=(closed + timedelta(days=15)).date(),
            findings=[assessment.finding],
            fine=Decimal("15000") if outcome == "fine" else None,
            reminder=outcome == "fine",
            no_sanction=outcome == "none",
        )
        _deliver(insurer_actor, "decision", decision, proof, closed + timedelta(days=16), closed + timedelta(days=18))
    return SanctionDecision.objects.count()
