"""Demo requests for information: each demo insurer gets a portal user (its DPO, known password and TOTP
secret) and, on its open case, a request in each status — draft, sent (with a message thread),
overdue, partially answered, answered, closed — all made through the services."""

from __future__ import annotations

from datetime import timedelta

from django.core.files.base import ContentFile
from django.db.models import Q
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice

from apps.accounts import services as account_services
from apps.accounts.demo import DEMO_PASSWORD, base32_secret, current_code, demo_totp_key
from apps.cases.choices import CaseStatus, PartyRole
from apps.cases.models import Case, Party

from . import services
from .models import InfoRequest, PortalAccess

LETTER = (
    "Madame, Monsieur,\n\nDans le cadre du contrôle sur pièces décidé par la Présidente de la CNIL à la suite de "
    "la violation de données survenue chez votre prestataire de tiers payant, je vous prie de bien vouloir "
    "répondre aux questions ci-dessous et de joindre les documents demandés dans le délai indiqué.\n\n"
    "Veuillez agréer, Madame, Monsieur, l'expression de mes salutations distinguées."
)
QUESTIONS = [
    {"text": "Décrivez les mesures d'authentification imposées aux professionnels de santé.", "expects": "text"},
    {"text": "Joignez le contrat de sous-traitance conclu avec l'opérateur (article 28).", "expects": "documents"},
    {"text": "Décrivez l'information des assurés et joignez le modèle de courrier.", "expects": "both"},
]


def _pdf(text: str) -> bytes:
    """A minimal valid one-page PDF with one line of text."""
    stream = f"BT /F1 14 Tf 72 720 Td ({text}) Tj ET".encode("latin-1", "replace")
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out, offsets = bytearray(b"%PDF-1.4\n"), []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return bytes(out)


def _upload(name: str, text: str) -> ContentFile:
    return ContentFile(_pdf(text), name=name)


def _portal_user(party: Party, actor):
    """The insurer's DPO on the portal: invited, invitation accepted, TOTP with a known secret."""
    organisation = party.organisation
    email = organisation.dpo_email or f"dpo-{organisation.pk}@demo.example"
    _access, token = services.portal_invite(
        actor=actor, party=party, full_name=organisation.dpo_name or f"DPO {organisation}", email=email, role="dpo"
    )
    user = services.invitation_accept(token=token, password=DEMO_PASSWORD)
    if not TOTPDevice.objects.filter(user=user, confirmed=True).exists():
        TOTPDevice.objects.create(
            user=user, name=account_services.TOTP_DEVICE_NAME, key=demo_totp_key(email), confirmed=True
        )
    return user


def _request(actor, party: Party, subject: str, *, send: bool = True, sent_days_ago: int = 0) -> InfoRequest:
    (request,) = services.request_create(
        actor=actor,
        case=party.case,
        parties=[party],
        subject=subject,
        letter=LETTER,
        questions=QUESTIONS,
        period_days=30,
    )
    if not send:
        return request
    sent_at = timezone.now() - timedelta(days=sent_days_ago) if sent_days_ago else None
    return services.request_send(actor=actor, request=request, sent_at=sent_at)


def _answer(user, request: InfoRequest, *, complete: bool) -> None:
    q1, q2, q3 = request.questions.order_by("position")
    answers = {q1.pk: "Identifiant, mot de passe et, depuis mars 2024, un second facteur par application."}
    if complete:
        answers[q3.pk] = "Courrier individuel à chaque assuré concerné, envoyé en mars 2024."
    services.draft_save(actor=user, request=request, answers=answers)
    services.draft_file_add(
        actor=user, request=request, question=q2, upload=_upload("contrat-art28.pdf", "Contrat art. 28")
    )
    if complete:
        services.draft_file_add(
            actor=user, request=request, question=q3, upload=_upload("modele-courrier.pdf", "Information assures")
        )
    services.submission_submit(actor=user, request=request)


def seed_info_requests() -> str:
    if PortalAccess.objects.exists() or InfoRequest.objects.exists():
        return "already there"
    controllers = (
        Party.objects.filter(role=PartyRole.CONTROLLER, case__origin_case__isnull=False)
        .exclude(case__status=CaseStatus.CLOSED)
        .filter(~Q(case__lead_investigator=None))
        .select_related("case", "organisation", "case__lead_investigator")
        .order_by("organisation__legal_name", "case_id")
    )
    logins, seen = [], set()
    for party in controllers:
        actor = party.case.lead_investigator
        user = _portal_user(party, actor)
        if party.organisation_id in seen:
            continue  # one set of requests per insurer, on its first open case
        seen.add(party.organisation_id)
        _request(actor, party, "Registre des activités de traitement", send=False)
        sent = _request(actor, party, "Mesures de sécurité du tiers payant")
        services.message_post(actor=actor, request=sent, text="Pouvez-vous préciser la date de mise en place du MFA ?")
        services.message_post(actor=user, request=sent, text="Nous vous répondrons avant l'échéance.")
        _request(actor, party, "Sous-traitants ultérieurs", sent_days_ago=45)  # 30 days given: overdue
        _answer(user, _request(actor, party, "Journalisation des accès au portail"), complete=False)
        _answer(user, _request(actor, party, "Information des assurés (article 34)"), complete=True)
        closed = _request(actor, party, "Analyse d'impact (AIPD)")
        _answer(user, closed, complete=True)
        services.request_close(actor=actor, request=closed)
        key = demo_totp_key(user.email)
        logins.append(
            f"  {user.email:<45} {party.organisation.legal_name:<34} TOTP {base32_secret(key)}  code now "
            f"{current_code(key)}"
        )
    cases = Case.objects.filter(portal_accesses__isnull=False).distinct().count()
    return (
        f"{len(logins)} portal users on {cases} cases, {InfoRequest.objects.count()} requests "
        f"(portal login at /portal/login/, password {DEMO_PASSWORD}):\n" + "\n".join(logins)
    )
