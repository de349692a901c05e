"""Legal documents as PDF: drawn up from their records, in French, registered as evidence with custody and audit."""

import hashlib
import io
import re
from datetime import date
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from pypdf import PdfReader

from apps.audit.choices import AuditAction
from apps.audit.models import AuditEvent
from apps.cases import services as case_services
from apps.evidence.models import Blob, CustodyEvent, Evidence
from apps.evidence.storage import evidence_storage
from apps.outcomes import documents, services
from apps.outcomes.models import Obligation, SanctionDecision
from tests.support import log_in_verified, make_organisation, make_staff, valid_siren

from .support import HEARING, procedure_ready
from .test_formal_notices import issue

pytestmark = pytest.mark.django_db
COMPLAINANT = {"full_name": "Camille Plaignante", "email": "camille.plaignante@example.org", "phone": "0611223344"}


def pdf_text(pdf: bytes) -> str:
    """The text of every page, runs of spaces and line breaks made one space (not the narrow no-break space)."""
    reader = PdfReader(io.BytesIO(pdf))
    return re.sub(r"[ \t\r\n]+", " ", " ".join(page.extract_text() for page in reader.pages))


def stored_bytes(evidence: Evidence) -> bytes:
    with evidence_storage().open(evidence.blob.storage_name, "rb") as handle:
        return handle.read()


@pytest.fixture
def complaint(agent):
    """A case opened on a complaint, whose complainant must never appear in a notice."""
    case = case_services.case_open(
        actor=agent, origin="complaint", legal_regime="gdpr", title="Plainte accès au dossier", complainant=COMPLAINANT
    )
    case_services.case_transition(actor=agent, case=case, to_status="investigating", reason="Instruction")
    organisation = make_organisation("Clinique Exemple", valid_siren(7), address="1 rue de la Paix\n75002 Paris")
    party = case_services.party_add(
        actor=agent, case=case, organisation=organisation, role="controller", processing="dpi"
    )
    security = Obligation.objects.get(code="gdpr-32")
    assessment = services.assessment_record(
        actor=agent,
        party=party,
        obligation=security,
        status="infringement",
        finding={"facts": "Dossiers patients consultables sans authentification", "processing": "dpi"},
    )
    return case, party, assessment.finding, security


def test_formal_notice_pdf_states_reference_measures_and_period(agent, setting):
    case, party, finding, security, _proof = setting
    notice = issue(agent, party, finding, security)
    pdf = documents.document_render("formal_notice", notice)
    assert pdf.startswith(b"%PDF-")
    assert documents.document_render("formal_notice", notice) == pdf  # the same data give the same bytes
    text = pdf_text(pdf)
    assert "Mise en demeure" in text
    assert "MED-2024-001" in text
    assert case.reference in text
    assert "Mutuelle Démo" in text
    assert "27 février 2024" in text  # the President's decision, dated in French
    assert "Mettre en place l'authentification multifacteur" in text
    assert "Journaliser les accès au portail" in text
    assert "Pas de MFA" in text  # the finding's facts
    assert security.reference in text
    assert "10 jours à compter de la réception de la présente mise en demeure" in text

    notice.urgent, notice.period_days = True, None
    text = pdf_text(documents.document_render("formal_notice", notice))
    assert "24 heures à compter de la réception de la présente mise en demeure (urgence)" in text
    assert "10 jours" not in text


def test_generating_registers_the_pdf_as_evidence_with_custody_and_audit(agent, setting):
    case, party, finding, security, _proof = setting
    notice = issue(agent, party, finding, security)
    evidence = documents.document_generate(actor=agent, kind="formal_notice", obj=notice, ip="192.0.2.7")

    assert evidence.case == case
    assert evidence.title == "Mise en demeure MED-2024-001"
    assert evidence.original_filename == "mise-en-demeure-MED-2024-001.pdf"
    assert list(evidence.parties.all()) == [party]
    assert evidence.registered_by == agent
    content = stored_bytes(evidence)
    assert content.startswith(b"%PDF-")
    assert evidence.blob.sha256 == hashlib.sha256(content).hexdigest()
    assert evidence.blob.size == len(content)
    assert evidence.blob.media_type == "application/pdf"
    assert "MED-2024-001" in pdf_text(content)

    custody = CustodyEvent.objects.get(evidence=evidence)
    assert (custody.kind, custody.actor, custody.ip) == ("registered", agent, "192.0.2.7")
    assert custody.detail["sha256"] == evidence.blob.sha256
    event = AuditEvent.objects.get(action=AuditAction.DOCUMENT_GENERATED)
    assert (event.case_id, event.object_type, event.object_id) == (case.pk, "outcomes.formalnotice", str(notice.pk))
    assert event.data == {
        "kind": "formal_notice",
        "evidence": evidence.pk,
        "sha256": evidence.blob.sha256,
        "template": "outcomes/documents/formal_notice.html",
    }
    assert event.actor_id == agent.pk
    assert AuditEvent.objects.filter(
        action=AuditAction.EVIDENCE_CUSTODY, object_id=str(evidence.pk), case_id=case.pk
    ).exists()


def test_nothing_is_written_when_a_step_fails(agent, setting, monkeypatch):
    _case, party, finding, security, _proof = setting
    notice = issue(agent, party, finding, security)
    before = (Evidence.objects.count(), Blob.objects.count(), CustodyEvent.objects.count(), AuditEvent.objects.count())

    def refuse(**kwargs):
        raise RuntimeError("audit log unavailable")

    monkeypatch.setattr(documents, "audit_record", refuse)
    with pytest.raises(RuntimeError):
        documents.document_generate(actor=agent, kind="formal_notice", obj=notice)
    after = (Evidence.objects.count(), Blob.objects.count(), CustodyEvent.objects.count(), AuditEvent.objects.count())
    assert after == before


def test_a_notice_never_discloses_the_complainant(agent, complaint):
    case, party, finding, security = complaint
    notice = issue(agent, party, finding, security, decision_reference="MED-2024-010")
    text = pdf_text(documents.document_render("formal_notice", notice))
    assert "MED-2024-010" in text  # the notice is there...
    assert "Clinique Exemple" in text
    for value in (*COMPLAINANT.values(), "Camille", "Plaignante"):
        assert value not in text  # ...and nothing of the complainant

    # Typed into the facts by mistake: the notice is refused, and nothing is registered.
    services.assessment_record(
        actor=agent,
        party=party,
        obligation=security,
        status="infringement",
        finding={"facts": "Mme camille  PLAIGNANTE n'a pas pu accéder à son dossier", "processing": "dpi"},
    )
    with pytest.raises(ValidationError) as error:
        documents.document_generate(actor=agent, kind="formal_notice", obj=notice)
    assert "plaignant" in error.value.messages[0]
    assert not Evidence.objects.filter(case=case).exists()


def test_sanction_decision_pdf(agent, setting):
    case, party, finding, _security, _proof = setting
    decision = SanctionDecision.objects.create(
        case=case,
        party=party,
        procedure="ordinary",
        deciding_body="restricted_committee",
        reference="SAN-2025-004",
        decided_on=date(2025, 3, 3),
        fine=Decimal("1500000"),
        reminder=True,
        injunction="Chiffrer les sauvegardes",
        penalty_per_day=Decimal("10000"),
        published=True,
        ceiling=Decimal("20000000"),
        ceiling_explanation="RGPD art. 32 : 10 000 000 €\nPlafond : 20 000 000 €",
        recorded_by=agent,
    )
    decision.findings.set([finding])
    text = pdf_text(documents.document_render("decision", decision))
    assert "SAN-2025-004" in text
    assert "Formation restreinte" in text
    assert "Procédure ordinaire" in text
    assert "3 mars 2025" in text
    assert "Pas de MFA" in text
    assert "amende administrative de 1\xa0500\xa0000 €" in text  # grouped, in French
    assert "astreinte de 10\xa0000 € par jour de retard" in text
    assert "Chiffrer les sauvegardes" in text
    assert "Plafond : 20 000 000 €" in text
    assert "Conseil d’État" in text
    evidence = documents.document_generate(actor=agent, kind="decision", obj=decision)
    assert evidence.original_filename == "decision-sanction-SAN-2025-004.pdf"


def test_closure_letter_of_a_closed_case(agent, setting):
    case, _party, _finding, _security, _proof = setting
    assert documents.document_object_for(case, "closure_letter", case.pk) is None  # not closed yet
    with pytest.raises(ValidationError):
        documents.document_generate(actor=agent, kind="closure_letter", obj=case)
    with pytest.raises(ValidationError):  # a record of another kind
        documents.document_generate(actor=agent, kind="decision", obj=case)
    case_services.case_transition(
        actor=agent, case=case, to_status="closed", reason="Rien à reprocher", deciding_body="president",
        decision_reference="CLO-2024-7",
    )  # fmt: skip
    case.refresh_from_db()
    assert documents.document_object_for(case, "closure_letter", case.pk) == case
    text = pdf_text(documents.document_render("closure_letter", case))
    assert "Clôture de la procédure" in text
    assert case.reference in text
    assert "Contrôle" in text  # the case's title
    assert "Mutuelle Démo" in text
    assert "CLO-2024-7" in text
    assert "Rien à reprocher" not in text  # the internal reason stays internal
    evidence = documents.document_generate(actor=agent, kind="closure_letter", obj=case)
    assert evidence.original_filename == f"lettre-de-cloture-{case.reference}.pdf"


def test_sanction_report_letter_and_hearing_convocation(agent, setting):
    _case, party, _finding, _security, proof = setting
    procedure = procedure_ready(agent, party, proof)
    report, hearing = procedure.reports.get(), procedure.hearings.get()

    text = pdf_text(documents.document_render("sanction_report", report))
    assert "Notification du rapport de sanction" in text
    assert "RAP-2025-001" in text
    assert "D-2025-001" in text  # the President's referral
    assert "Mme Rapporteure" in text
    assert "un mois à compter de la réception de la présente lettre" in text
    assert "vous avez le dernier mot" in text

    text = pdf_text(documents.document_render("hearing_convocation", hearing))
    assert "Convocation à la séance de la formation restreinte" in text
    assert f"le {HEARING.day} mars 2025 à 10:00" in text  # Europe/Paris
    assert "La séance est publique." in text
    assert "au moins 15 jours avant la séance" in text
    assert "avocat" in text  # the right to counsel

    letter = documents.document_generate(actor=agent, kind="sanction_report", obj=report)
    convocation = documents.document_generate(actor=agent, kind="hearing_convocation", obj=hearing)
    assert letter.original_filename == "lettre-rapport-sanction-RAP-2025-001.pdf"
    assert convocation.original_filename == "convocation-seance-2025-03-20.pdf"


# --- The page -----------------------------------------------------------------------------------


def url(case_pk, kind, object_pk):
    return f"/cases/{case_pk}/outcomes/documents/{kind}/{object_pk}/"


def test_the_team_generates_from_the_notice_page(agent, setting):
    case, party, finding, security, _proof = setting
    notice = issue(agent, party, finding, security)
    client = Client()
    log_in_verified(client, agent)
    page = client.get(f"/cases/{case.pk}/outcomes/notices/{notice.pk}/").content.decode()
    assert "Générer le PDF" in page
    assert url(case.pk, "formal_notice", notice.pk) in page

    assert client.get(url(case.pk, "formal_notice", notice.pk)).status_code == 405
    response = client.post(url(case.pk, "formal_notice", notice.pk))
    evidence = Evidence.objects.get(case=case, title="Mise en demeure MED-2024-001")
    assert response.status_code == 302
    assert response["Location"] == f"/cases/{case.pk}/evidence/{evidence.pk}/"
    page = client.get(response["Location"]).content.decode()
    assert "« Mise en demeure MED-2024-001 » générée en PDF et enregistrée comme pièce" in page
    assert evidence.blob.sha256[:12] in page


def test_who_may_generate(agent, setting):
    case, party, finding, security, _proof = setting
    notice = issue(agent, party, finding, security)
    path = url(case.pk, "formal_notice", notice.pk)
    anonymous = Client().post(path)
    assert anonymous.status_code == 302
    assert anonymous["Location"].startswith("/accounts/login/")
    for email, roles in (
        ("sans-role@cnil.test", ()),
        ("juriste@cnil.test", ("legal",)),  # may read the case, not change it
        ("autre@cnil.test", ("investigator",)),  # not on the case's team
    ):
        client = Client()
        log_in_verified(client, make_staff(email, roles=roles))
        assert client.post(path).status_code == 404, email
        assert "Générer le PDF" not in client.get(f"/cases/{case.pk}/outcomes/notices/{notice.pk}/").content.decode()
    manager = Client()
    log_in_verified(manager, make_staff("cheffe@cnil.test", roles=("manager",)))
    assert manager.post(path).status_code == 302
    assert Evidence.objects.filter(case=case, original_filename__startswith="mise-en-demeure").count() == 1


def test_unknown_kind_or_record_is_404(agent, setting):
    case, party, finding, security, _proof = setting
    notice = issue(agent, party, finding, security)
    other = case_services.case_open(actor=agent, origin="ex_officio", legal_regime="gdpr", title="Autre")
    client = Client()
    log_in_verified(client, agent)
    assert client.post(url(case.pk, "convocation_imaginaire", notice.pk)).status_code == 404
    assert client.post(url(case.pk, "formal_notice", 999999)).status_code == 404
    assert client.post(url(other.pk, "formal_notice", notice.pk)).status_code == 404  # a notice of another case
    assert client.post(url(case.pk, "decision", notice.pk)).status_code == 404  # not a decision
    assert client.post(url(case.pk, "closure_letter", case.pk)).status_code == 404  # the case is not closed
    assert client.post(url(case.pk, "closure_letter", other.pk)).status_code == 404
    assert not Evidence.objects.filter(original_filename__endswith=".pdf", title__startswith="Mise").exists()
