"""The case-file report: what it says about a case, and its PDF (WeasyPrint, through ``apps.core.pdf``).

The report is for a reader outside the system (a court, the rapporteur): the case's summary, its
parties and their roles, the procedure history (every status change), controls, breach
notifications, assessments and findings, formal notices and sanction decisions with their formal
deliveries, deadlines, and the evidence inventory — each item's SHA-256 and a summary of its chain
of custody — then the audit chain head at the time it was drawn up, so the reader can check later
that the record it describes was not rewritten. The complainant's identity is never in it (DOMAIN.md:
it is never disclosed to the organisation, and a case file may be communicated to it).

It is rendered in French, times in Paris time. :func:`report_context` reads section by section and
reports its progress through ``on_progress``; the evidence inventory is read in chunks, the only
part of a case that may hold thousands of rows.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from apps.audit.anchors import chain_head
from apps.breaches.models import BreachNotification, NoNotificationDecision
from apps.cases import selectors as case_selectors
from apps.cases.models import Case, CaseTransition
from apps.controls.models import Control
from apps.core.pdf import html_to_pdf
from apps.deadlines.models import Deadline
from apps.outcomes.models import Assessment, Delivery, FormalNotice, SanctionDecision

from . import exports

PARIS = ZoneInfo("Europe/Paris")
REPORT_LANGUAGE = "fr"
TEMPLATE = "dashboards/report/document.html"
INVENTORY_CHUNK = 500

Progress = Callable[[int, str], None]


def _no_progress(percent: int, phase: str) -> None:
    return None


@dataclass
class ReportContent:
    """Everything the report states, as plain values; ``evidence_ids`` are the items it lists."""

    case: dict
    sections: dict = field(default_factory=dict)
    evidence: list[dict] = field(default_factory=list)
    evidence_ids: list[int] = field(default_factory=list)
    chain_seq: int | None = None
    chain_hash: str = ""
    generated_at: object = None


def _person(user) -> str:
    return (user.get_full_name() or user.email) if user is not None else "—"


def _summary(case: Case) -> dict:
    return {
        "reference": case.reference,
        "title": case.title,
        "summary": case.summary,
        "status": case.get_status_display(),
        "origin": case.get_origin_display(),
        "legal_regime": case.get_legal_regime_display(),
        "priority": case.get_priority_display(),
        "confidentiality": case.get_confidentiality_display(),
        "restricted": case.is_restricted,
        "health_data": case.health_data,
        "opened_at": case.created_at,
        "opened_by": _person(case.opened_by),
        "lead": _person(case.lead_investigator),
        "team": [_person(user) for user in case_selectors.case_team_members(case)],
        "origin_case": case.origin_case.reference if case.origin_case_id else "",
    }


def _parties(case: Case) -> list[dict]:
    return [
        {
            "name": party.organisation.legal_name,
            "siren": party.organisation.siren,
            "role": party.get_role_display(),
            "processing": party.processing,
            "added_at": party.added_at,
        }
        for party in case_selectors.parties_of(case)
    ]


def _history(case: Case) -> list[dict]:
    transitions = CaseTransition.objects.filter(case=case).select_related("actor").order_by("at", "id")
    return [
        {
            "at": t.at,
            "from": t.get_from_status_display(),
            "to": t.get_to_status_display(),
            "actor": _person(t.actor),
            "reason": t.reason,
            "body": t.get_deciding_body_display() if t.deciding_body else "",
            "decision": t.decision_reference,
        }
        for t in transitions
    ]


def _controls(case: Case) -> list[dict]:
    controls = Control.objects.filter(case=case).prefetch_related("agents", "documents").order_by("planned_start", "id")
    return [
        {
            "kind": control.get_kind_display(),
            "decision": control.decision_reference,
            "mission_order": control.mission_order_reference,
            "planned_start": control.planned_start,
            "arrival": control.actual_arrival,
            "departure": control.actual_departure,
            "objection": control.objection,
            "agents": [_person(agent) for agent in control.agents.all()],
            "documents": len(control.documents.all()),
        }
        for control in controls
    ]


def _breaches(case: Case) -> dict:
    notifications = BreachNotification.objects.filter(case=case).select_related("controller").order_by("received_at")
    decisions = NoNotificationDecision.objects.filter(case=case).select_related("controller").order_by("id")
    return {
        "notifications": [
            {
                "controller": n.controller.legal_name,
                "phase": n.get_phase_display(),
                "awareness_at": n.awareness_at,
                "received_at": n.received_at,
                "late": n.is_late,
                "subjects": n.approx_subjects,
            }
            for n in notifications
        ],
        "not_notified": [{"controller": d.controller.legal_name, "reasoning": d.reasoning} for d in decisions],
    }


def _assessments(case: Case) -> list[dict]:
    assessments = (
        Assessment.objects.filter(party__case=case)
        .select_related("party__organisation", "obligation", "finding")
        .order_by("party_id", "obligation__position", "id")
    )
    rows = []
    for assessment in assessments:
        finding = getattr(assessment, "finding", None)
        rows.append(
            {
                "party": assessment.party.organisation.legal_name,
                "obligation": f"{assessment.obligation.reference} — {assessment.obligation.title}",
                "status": assessment.get_status_display(),
                "reasoning": assessment.reasoning,
                "finding": (
                    {"facts": finding.facts, "from": finding.period_from, "to": finding.period_to}
                    if finding is not None
                    else None
                ),
            }
        )
    return rows


def _deliveries(case: Case) -> dict[tuple[str, int], list[dict]]:
    found: dict[tuple[str, int], list[dict]] = {}
    for delivery in Delivery.objects.filter(case=case).order_by("sent_at", "id"):
        found.setdefault((delivery.document_kind, delivery.document_id), []).append(
            {"means": delivery.get_means_display(), "sent_at": delivery.sent_at, "received_at": delivery.received_at}
        )
    return found


def _outcomes(case: Case) -> dict:
    deliveries = _deliveries(case)
    notices = (
        FormalNotice.objects.filter(case=case)
        .select_related("party__organisation")
        .prefetch_related("measures")
        .order_by("decided_on", "id")
    )
    decisions = SanctionDecision.objects.filter(case=case).select_related("party__organisation").order_by("decided_on")
    return {
        "notices": [
            {
                "reference": notice.decision_reference,
                "decided_on": notice.decided_on,
                "party": notice.party.organisation.legal_name,
                "status": notice.get_status_display(),
                "period": _("24 hours (urgent)")
                if notice.urgent
                else _("%(days)s days") % {"days": notice.period_days},
                "measures": [
                    {"description": m.description, "status": m.get_status_display()} for m in notice.measures.all()
                ],
                "deliveries": deliveries.get(("formal_notice", notice.pk), []),
            }
            for notice in notices
        ],
        "decisions": [
            {
                "reference": decision.reference,
                "decided_on": decision.decided_on,
                "party": decision.party.organisation.legal_name,
                "body": decision.get_deciding_body_display(),
                "no_sanction": decision.no_sanction,
                "fine": decision.fine,
                "injunction": decision.injunction,
                "penalty_per_day": decision.penalty_per_day,
                "deliveries": deliveries.get(("decision", decision.pk), []),
            }
            for decision in decisions
        ],
    }


def _deadlines(case: Case) -> list[dict]:
    return [
        {
            "title": d.title,
            "due_at": d.due_at,
            "status": d.get_status_display(),
            "rule": d.rule_text,
            "legal_source": d.legal_source,
            "met_at": d.met_at,
        }
        for d in Deadline.objects.filter(case=case).order_by("due_at", "id")
    ]


def report_context(case: Case, *, on_progress: Progress = _no_progress) -> ReportContent:
    """Read everything the report states about ``case``, in French; progress from 5 to 60 %."""
    with translation.override(REPORT_LANGUAGE), timezone.override(PARIS):
        content = ReportContent(case=_summary(case))
        content.sections["parties"] = _parties(case)
        content.sections["history"] = _history(case)
        on_progress(10, "case")
        content.sections["controls"] = _controls(case)
        content.sections["breaches"] = _breaches(case)
        on_progress(15, "procedure")
        content.sections["assessments"] = _assessments(case)
        content.sections.update(_outcomes(case))
        content.sections["deadlines"] = _deadlines(case)
        on_progress(20, "evidence")
        inventory = exports.evidence_inventory(case)
        total = inventory.count() or 1
        for number, evidence in enumerate(inventory.iterator(chunk_size=INVENTORY_CHUNK), start=1):
            content.evidence_ids.append(evidence.pk)
            content.evidence.append(
                {
                    "number": number,
                    "title": evidence.title,
                    "source": evidence.get_source_display(),
                    "filename": evidence.original_filename,
                    "size": evidence.blob.size,
                    "sha256": evidence.blob.sha256,
                    "registered_at": evidence.registered_at,
                    "collected_by": _person(evidence.collected_by) if evidence.collected_by_id else "",
                    "parties": [p.organisation.legal_name for p in evidence.parties.all()],
                    "custody_count": evidence.custody_count or 0,
                    "last_custody": exports.custody_label(evidence.last_custody_kind),
                    "last_custody_at": evidence.last_custody_at,
                }
            )
            if number % INVENTORY_CHUNK == 0:
                on_progress(20 + 40 * number // total, "evidence")
        head = chain_head()
        if head is not None:
            content.chain_seq, content.chain_hash = head
        content.generated_at = timezone.now()
    on_progress(60, "rendering")
    return content


def report_title(case: Case) -> str:
    with translation.override(REPORT_LANGUAGE):
        return _("Case file %(reference)s") % {"reference": case.reference}


def report_render(content: ReportContent, *, requested_by) -> bytes:
    """The PDF of ``content``: French, Paris time, static resources only."""
    with translation.override(REPORT_LANGUAGE), timezone.override(PARIS):
        markup = render_to_string(
            TEMPLATE,
            {
                "title": _("Case file %(reference)s") % {"reference": content.case["reference"]},
                "case": content.case,
                "s": content.sections,
                "evidence": content.evidence,
                "chain_seq": content.chain_seq,
                "chain_hash": content.chain_hash,
                "generated_at": content.generated_at,
                "requested_by": _person(requested_by),
            },
        )
    return html_to_pdf(markup)
