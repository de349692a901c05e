"""Legal documents drawn up as PDF from their data (WeasyPrint) and registered as evidence of their case.

Each kind of document is one ``LegalDocument`` in ``DOCUMENTS``: the template that lays it out
(editable, ``templates/outcomes/documents/<kind>.html``), the records of a case it can be drawn up
from, the builder of its context, and its title and file name. Adding a kind is one more
``document_kind_register(LegalDocument(...))`` and its template.

Documents are rendered in French, dates in Europe/Paris, and load no remote resource: the only
URLs resolved are static files that Django's finders know (the Marianne font), through
``apps.core.pdf``.

A complainant's identity is never disclosed to the organisation (DOMAIN.md, Outcomes): a context
holds plain values, never a case through which the complainant could be reached, and a rendering
that still contains the complainant's name, e-mail or phone (typed into the facts, say) is refused.
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import models, transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from apps.audit.choices import AuditAction
from apps.audit.services import audit_record
from apps.cases.choices import CaseStatus, DecidingBody
from apps.cases.models import Case, Complainant, Party
from apps.core.pdf import html_to_pdf
from apps.evidence.choices import EvidenceSource
from apps.evidence.models import Evidence
from apps.evidence.services import evidence_register

from .choices import DocumentKind, Procedure
from .models import FormalNotice, Hearing, SanctionDecision, SanctionReport
from .sanctions import HEARING_NOTICE_DAYS

PARIS = ZoneInfo("Europe/Paris")
DOCUMENT_LANGUAGE = "fr"
# The documents of the procedure are evidence drawn up by the CNIL itself.
GENERATED_SOURCE = EvidenceSource.CNIL
CLOSURE_LETTER = "closure_letter"


@dataclass(frozen=True)
class LegalDocument:
    """One kind of legal document: what it is drawn up from, and how.

    ``objects(case)`` is every record of ``case`` it may be drawn up from (a queryset: the view
    answers 404 for anything else); ``context(obj)`` returns plain values for the template, built
    with French active; ``reference(obj)`` names the document in its title and file name;
    ``parties(obj)`` are the parties the evidence item is linked to; ``page(obj)`` is where the
    record is shown.
    """

    kind: str
    template: str
    title: str  # lazily translated, with %(reference)s
    filename: str  # French file-name prefix: "mise-en-demeure" gives mise-en-demeure-<reference>.pdf
    objects: Callable[[Case], models.QuerySet]
    context: Callable[[models.Model], dict]
    reference: Callable[[models.Model], str]
    parties: Callable[[models.Model], list[Party]]
    page: Callable[[models.Model], str]


DOCUMENTS: dict[str, LegalDocument] = {}


def document_kind_register(document: LegalDocument) -> LegalDocument:
    if document.kind in DOCUMENTS:
        raise ValueError(f"Document kind {document.kind!r} is already registered")
    DOCUMENTS[document.kind] = document
    return document


def document_kind_get(kind: str) -> LegalDocument:
    try:
        return DOCUMENTS[kind]
    except KeyError:
        raise LookupError(f"Unknown document kind {kind!r}") from None


def document_object_for(case: Case, kind: str, pk) -> models.Model | None:
    """The record of ``case`` a document of ``kind`` may be drawn up from, or None (unknown kind or record)."""
    document = DOCUMENTS.get(kind)
    if document is None:
        return None
    try:
        pk = int(pk)
    except (TypeError, ValueError):
        return None
    return document.objects(case).filter(pk=pk).first()


def case_of(obj: models.Model) -> Case:
    return obj if isinstance(obj, Case) else obj.case


# --- Rendering --------------------------------------------------------------------------------


def _plain_text(markup: str) -> str:
    text = html.unescape(re.sub(r"<[^>]+>", " ", markup))
    return " ".join(text.split()).casefold()


def _refuse_complainant_identity(case: Case, markup: str) -> None:
    complainant = Complainant.objects.filter(case=case).first()
    if complainant is None:
        return
    text = _plain_text(markup)
    identity = (complainant.full_name, complainant.email, complainant.phone)
    if any(len(value.strip()) >= 3 and " ".join(value.split()).casefold() in text for value in identity):
        raise ValidationError(
            _(
                "The document would disclose the complainant's identity, which is never given to the "
                "organisation: remove it from the facts and measures first."
            ),
            code="complainant_disclosed",
        )


def document_render(kind: str, obj: models.Model) -> bytes:
    """The PDF of a document of ``kind`` drawn up from ``obj``, in French; the same data give the same bytes."""
    document = document_kind_get(kind)
    with translation.override(DOCUMENT_LANGUAGE), timezone.override(PARIS):
        context = document.context(obj)
        title = str(document.title) % {"reference": document.reference(obj)}
        markup = render_to_string(document.template, {"title": title, **context})
    _refuse_complainant_identity(case_of(obj), markup)
    return html_to_pdf(markup)


def _file_safe(reference: str) -> str:
    return re.sub(r"[^A-Za-z0-9._-]+", "-", reference).strip("-.") or "document"


def document_generate(*, actor, kind: str, obj: models.Model, ip: str | None = None) -> Evidence:
    """Draw up a legal document as PDF and register it as evidence of its case.

    The PDF is stored by its SHA-256 and gets its first custody event (``evidence_register``);
    an audit event names the document and the record it was drawn up from. The rendering reads
    only, so it happens before the transaction; every write is in one transaction.
    """
    document = document_kind_get(kind)
    case = case_of(obj)
    candidates = document.objects(case)
    if not (isinstance(obj, candidates.model) and candidates.filter(pk=obj.pk).exists()):
        raise ValidationError(_("This document cannot be drawn up from this record."), code="not_applicable")
    pdf = document_render(kind, obj)
    reference = document.reference(obj)
    with translation.override(DOCUMENT_LANGUAGE):
        title = str(document.title) % {"reference": reference}
        description = _("Drawn up by cnilcase from its record (template %(template)s).") % {
            "template": document.template
        }
    filename = f"{document.filename}-{_file_safe(reference)}.pdf"
    with transaction.atomic():
        evidence = evidence_register(
            actor=actor,
            case=case,
            upload=ContentFile(pdf, name=filename),
            title=title,
            source=GENERATED_SOURCE,
            description=description,
            collected_at=timezone.now(),
            collected_by=actor,
            parties=document.parties(obj),
            ip=ip,
        )
        audit_record(
            actor=actor,
            action=AuditAction.DOCUMENT_GENERATED,
            summary=_("“%(title)s” generated as PDF and registered as evidence") % {"title": title},
            object_type=obj._meta.label_lower,
            object_id=str(obj.pk),
            case_id=case.pk,
            data={
                "kind": kind,
                "evidence": evidence.pk,
                "sha256": evidence.blob.sha256,
                "template": document.template,
            },
            ip=ip,
        )
    return evidence


# --- The documents ----------------------------------------------------------------------------


def _addressee(party: Party) -> dict:
    organisation = party.organisation
    return {
        "name": organisation.legal_name,
        "address": organisation.address,
        "siren": organisation.siren,
        "role": party.get_role_display(),
        "processing": party.processing,
    }


def _findings(findings) -> list[dict]:
    return [
        {
            "reference": finding.assessment.obligation.reference,
            "title": finding.assessment.obligation.title,
            "facts": finding.facts,
            "processing": finding.processing,
            "period_from": finding.period_from,
            "period_to": finding.period_to,
        }
        for finding in findings.select_related("assessment__obligation").order_by(
            "assessment__obligation__position", "pk"
        )
    ]


def _deciding_body(value: str) -> str:
    return str(DecidingBody(value).label) if value in DecidingBody.values else value


def formal_notice_context(notice: FormalNotice) -> dict:
    """The President's formal notice: addressee, decision, findings, measures, and the period from receipt."""
    return {
        "case_reference": notice.case.reference,
        "addressee": _addressee(notice.party),
        "decision_reference": notice.decision_reference,
        "decided_on": notice.decided_on,
        "urgent": notice.urgent,
        "period_days": notice.period_days,
        "findings": _findings(notice.findings.all()),
        "measures": [
            {
                "reference": measure.obligation.reference,
                "title": measure.obligation.title,
                "description": measure.description,
            }
            for measure in notice.measures.select_related("obligation")
        ],
        "public": notice.public,
        "bureau_decision_reference": notice.bureau_decision_reference,
    }


def sanction_decision_context(decision: SanctionDecision) -> dict:
    """The restricted committee's decision: infringements, measures ordered, and how the fine ceiling was reached."""
    turnover = decision.turnover
    return {
        "case_reference": decision.case.reference,
        "addressee": _addressee(decision.party),
        "deciding_body": _deciding_body(decision.deciding_body),
        "reference": decision.reference,
        "decided_on": decision.decided_on,
        "procedure": decision.get_procedure_display(),
        "findings": _findings(decision.findings.all()),
        "no_sanction": decision.no_sanction,
        "fine": decision.fine,
        "reminder": decision.reminder,
        "injunction": decision.injunction,
        "penalty_per_day": decision.penalty_per_day,
        "published": decision.published,
        "limitation": decision.limitation,
        "limitation_until": decision.limitation_until,
        "ceiling": decision.ceiling,
        "ceiling_lines": [line for line in decision.ceiling_explanation.splitlines() if line.strip()],
        "turnover": (
            {"year": turnover.financial_year, "amount": turnover.amount, "source": turnover.source}
            if turnover is not None
            else None
        ),
    }


def _procedure(procedure) -> dict:
    return {
        "procedure": procedure.get_procedure_display(),
        "urgency": procedure.procedure == Procedure.URGENCY,
        "referral_reference": procedure.referral_reference,
        "rapporteur": procedure.rapporteur,
    }


def sanction_report_context(report: SanctionReport) -> dict:
    """The letter sending the rapporteur's report: its receipt opens the written observations (1 month, 8 days in
    urgency), and the organisation has the last word."""
    return {
        "case_reference": report.case.reference,
        "addressee": _addressee(report.party),
        "reference": report.reference,
        "dated_on": report.dated_on,
        "proposed_measures": report.proposed_measures,
        **_procedure(report.procedure),
    }


def hearing_convocation_context(hearing: Hearing) -> dict:
    """The convocation to the restricted committee's hearing, to be received 15 days ahead (8 in urgency)."""
    return {
        "case_reference": hearing.case.reference,
        "addressee": _addressee(hearing.party),
        "scheduled_at": hearing.scheduled_at,
        "public": hearing.public,
        "commissioner_present": hearing.commissioner_present,
        "notice_days": HEARING_NOTICE_DAYS[hearing.procedure.procedure],
        **_procedure(hearing.procedure),
    }


def _closing(case: Case):
    return case.transitions.filter(to_status=CaseStatus.CLOSED).order_by("-at", "-id").first()


def closure_letter_context(case: Case) -> dict:
    """The letter closing a case: its parties' organisations, and the decision taken on the last closure."""
    closing = _closing(case)
    addressees, seen = [], set()
    for party in case.parties.select_related("organisation"):
        if party.organisation_id not in seen:
            seen.add(party.organisation_id)
            addressees.append(_addressee(party))
    return {
        "case_reference": case.reference,
        "case_title": case.title,
        "addressees": addressees,
        "decision_reference": closing.decision_reference if closing else "",
        "deciding_body": _deciding_body(closing.deciding_body) if closing and closing.deciding_body else "",
        "closed_on": timezone.localtime(closing.at).date() if closing else None,
    }


document_kind_register(
    LegalDocument(
        kind=DocumentKind.FORMAL_NOTICE.value,
        template="outcomes/documents/formal_notice.html",
        title=gettext_lazy("Formal notice %(reference)s"),
        filename="mise-en-demeure",
        objects=lambda case: FormalNotice.objects.filter(case=case).select_related("case", "party__organisation"),
        context=formal_notice_context,
        reference=lambda notice: notice.decision_reference,
        parties=lambda notice: [notice.party],
        page=lambda notice: reverse("outcomes:notice", args=[notice.case_id, notice.pk]),
    )
)
document_kind_register(
    LegalDocument(
        kind=DocumentKind.DECISION.value,
        template="outcomes/documents/decision.html",
        title=gettext_lazy("Sanction decision %(reference)s"),
        filename="decision-sanction",
        objects=lambda case: SanctionDecision.objects.filter(case=case).select_related(
            "case", "party__organisation", "turnover"
        ),
        context=sanction_decision_context,
        reference=lambda decision: decision.reference,
        parties=lambda decision: [decision.party],
        page=lambda decision: reverse("outcomes:decision", args=[decision.case_id, decision.pk]),
    )
)
document_kind_register(
    LegalDocument(
        kind=CLOSURE_LETTER,
        template="outcomes/documents/closure_letter.html",
        title=gettext_lazy("Closure letter %(reference)s"),
        filename="lettre-de-cloture",
        objects=lambda case: Case.objects.filter(pk=case.pk, status=CaseStatus.CLOSED),
        context=closure_letter_context,
        reference=lambda case: case.reference,
        parties=lambda case: list(case.parties.all()),
        page=lambda case: case.get_absolute_url(),
    )
)
document_kind_register(
    LegalDocument(
        kind=DocumentKind.SANCTION_REPORT.value,
        template="outcomes/documents/sanction_report.html",
        title=gettext_lazy("Letter sending the sanction report %(reference)s"),
        filename="lettre-rapport-sanction",
        objects=lambda case: SanctionReport.objects.filter(case=case).select_related(
            "case", "party__organisation", "procedure"
        ),
        context=sanction_report_context,
        reference=lambda report: report.reference,
        parties=lambda report: [report.party],
        page=lambda report: reverse("outcomes:report", args=[report.case_id, report.pk]),
    )
)
document_kind_register(
    LegalDocument(
        kind=DocumentKind.HEARING_CONVOCATION.value,
        template="outcomes/documents/hearing_convocation.html",
        title=gettext_lazy("Convocation to the hearing of %(reference)s"),
        filename="convocation-seance",
        objects=lambda case: Hearing.objects.filter(case=case).select_related(
            "case", "party__organisation", "procedure"
        ),
        context=hearing_convocation_context,
        reference=lambda hearing: timezone.localtime(hearing.scheduled_at, PARIS).strftime("%Y-%m-%d"),
        parties=lambda hearing: [hearing.party],
        page=lambda hearing: reverse("outcomes:hearing", args=[hearing.case_id, hearing.pk]),
    )
)
