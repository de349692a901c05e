"""Formal delivery of the legal documents (DOMAIN.md "Formal delivery"): sent, then received with its proof.

Most procedural deadlines run from the receipt: recording it hands the document to its own
service (``RECEIPT_EFFECTS``), which starts them or refuses the receipt (a hearing too close).
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from apps.audit.choices import AuditAction
from apps.evidence.models import Evidence

from . import appeals, sanctions, services
from .choices import DeliveryMeans, DocumentKind
from .models import Delivery, FormalNotice, Hearing, Liquidation, SanctionDecision, SanctionReport

DOCUMENT_MODELS = {
    DocumentKind.FORMAL_NOTICE: FormalNotice,
    DocumentKind.SANCTION_REPORT: SanctionReport,
    DocumentKind.HEARING_CONVOCATION: Hearing,
    DocumentKind.DECISION: SanctionDecision,
    DocumentKind.LIQUIDATION_NOTICE: Liquidation,
}

# What the receipt of each document starts (each may refuse it with a ValidationError).
RECEIPT_EFFECTS = {
    DocumentKind.FORMAL_NOTICE: services.notice_received,
    DocumentKind.SANCTION_REPORT: sanctions.report_received,
    DocumentKind.HEARING_CONVOCATION: sanctions.convocation_received,
    DocumentKind.DECISION: sanctions.decision_received,
    DocumentKind.LIQUIDATION_NOTICE: appeals.liquidation_notice_received,
}


def document_get(kind: str, document_id):
    """The delivered document, or None."""
    model = DOCUMENT_MODELS.get(kind)
    if model is None:
        return None
    return model.objects.select_related("party").filter(pk=document_id).first()


@transaction.atomic
def delivery_record(
    *,
    actor,
    document_kind: str,
    document_id: int,
    means: str,
    sent_at,
    received_at=None,
    proof: Evidence | None = None,
    ip: str | None = None,
) -> Delivery:
    """Record the sending of a legal document by a means that proves receipt (and the receipt, if known)."""
    document = document_get(document_kind, document_id)
    if document is None:
        raise ValidationError(_("Unknown document."))
    if means not in DeliveryMeans.values:
        raise ValidationError({"means": _("A formal delivery uses a means that proves the date of receipt.")})
    if sent_at > timezone.now():
        raise ValidationError({"sent_at": _("A document cannot be sent in the future.")})
    delivery = Delivery(
        case_id=document.case_id,
        party=document.party,
        document_kind=document_kind,
        document_id=document.pk,
        means=means,
        sent_at=sent_at,
        recorded_by=actor,
    )
    if received_at is not None:  # known at once: one "created" version holds the sending and the receipt
        _check_receipt(delivery, received_at, proof)
        delivery.received_at, delivery.proof = received_at, proof
    delivery._change_reason = "delivery_record"
    delivery.save()
    services.outcome_audit(
        AuditAction.DELIVERY_RECORDED,
        actor=actor,
        case_id=document.case_id,
        obj=delivery,
        summary=_("%(document)s sent by %(means)s")
        % {"document": delivery.get_document_kind_display(), "means": delivery.get_means_display()},
        ip=ip,
        step="sent",
    )
    if received_at is not None:
        _receipt_effects(actor=actor, delivery=delivery, received_at=received_at, ip=ip)
    return delivery


def _check_receipt(delivery: Delivery, received_at, proof: Evidence | None) -> None:
    errors = {}
    if received_at < delivery.sent_at:
        errors["received_at"] = _("A document cannot be received before it was sent.")
    elif received_at > timezone.now():
        errors["received_at"] = _("A receipt cannot be in the future.")
    if proof is None:
        errors["proof"] = _("The receipt is proven by evidence (signed receipt, bailiff's report, e-mail proof).")
    elif proof.case_id != delivery.case_id:
        errors["proof"] = _("Only evidence of this case can prove the receipt.")
    if errors:
        raise ValidationError(errors)


def _receipt_effects(*, actor, delivery: Delivery, received_at, ip) -> None:
    """The receipt's audit event and the deadlines it starts (or its refusal, a hearing too close)."""
    services.outcome_audit(
        AuditAction.DELIVERY_RECORDED,
        actor=actor,
        case_id=delivery.case_id,
        obj=delivery,
        summary=_("%(document)s received") % {"document": delivery.get_document_kind_display()},
        ip=ip,
        step="received",
        received_at=received_at.isoformat(),
    )
    document = DOCUMENT_MODELS[delivery.document_kind].objects.select_for_update().get(pk=delivery.document_id)
    RECEIPT_EFFECTS[delivery.document_kind](actor=actor, document=document, received_at=received_at, ip=ip)


@transaction.atomic
def delivery_receipt_record(*, actor, delivery: Delivery, received_at, proof: Evidence | None, ip=None) -> Delivery:
    """Record when the addressee received the document, with the proof; start the deadlines it triggers."""
    delivery = Delivery.objects.select_for_update().get(pk=delivery.pk)
    if delivery.received_at is not None:
        raise ValidationError(_("The receipt of this delivery is already recorded."))
    _check_receipt(delivery, received_at, proof)
    delivery.received_at, delivery.proof = received_at, proof
    delivery._change_reason = "delivery_receipt_record"
    delivery.save(update_fields=["received_at", "proof"])
    _receipt_effects(actor=actor, delivery=delivery, received_at=received_at, ip=ip)
    return delivery
