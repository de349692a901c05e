"""Writes on breach notifications (GDPR Art. 33)."""

from __future__ import annotations

import time
import uuid
from datetime import datetime

from django.core.exceptions import ValidationError
from django.core.files import File
from django.core.files.storage import storages
from django.db import DatabaseError, connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from apps.audit.choices import AuditAction
from apps.audit.services import audit_record
from apps.cases.models import Case
from apps.core.queue import enqueue_on_commit
from apps.deadlines import services as deadline_services
from apps.organisations.models import Organisation

from . import staging
from .choices import BadRowReason, CampaignChannel, CommunicationDecision, ImportMode, ImportStatus, Phase
from .models import BreachNotification, Campaign, CampaignImport, CampaignImportError, NoNotificationDecision
from .pseudonymise import MAX_STORED_ERRORS

CONTENT_FIELDS = (
    "occurred_from",
    "occurred_to",
    "natures",
    "data_categories",
    "subject_categories",
    "approx_subjects",
    "approx_records",
    "dpo_contact",
    "likely_consequences",
    "measures_taken",
    "measures_proposed",
    "cross_border",
    "delay_reason",
)


@transaction.atomic
def breach_notification_record(
    *,
    actor,
    case: Case,
    controller: Organisation,
    phase: str,
    received_at: datetime,
    awareness_at: datetime | None = None,
    processor_informed_at: datetime | None = None,
    ip: str | None = None,
    **content,
) -> BreachNotification:
    """Record one phase of a controller's notification, and its 72-hour deadline on the first.

    The awareness time defaults to the time the processor informed the controller. It cannot be
    after the receipt, and a complementary notification follows an initial one.
    """
    unknown = set(content) - set(CONTENT_FIELDS)
    if unknown:
        raise TypeError(f"unknown fields: {sorted(unknown)}")
    awareness_at = awareness_at or processor_informed_at
    errors = {}
    if awareness_at is None:
        errors["awareness_at"] = _("When did the controller become aware?")
    elif awareness_at > received_at:
        errors["awareness_at"] = _("The controller cannot become aware after the CNIL received the notification.")
    if (
        content.get("occurred_from")
        and content.get("occurred_to")
        and content["occurred_to"] < content["occurred_from"]
    ):
        errors["occurred_to"] = _("The end of the breach is before its start.")
    if received_at > timezone.now():
        errors["received_at"] = _("A notification cannot be received in the future.")
    earlier = BreachNotification.objects.filter(case=case, controller=controller)
    if phase == Phase.INITIAL and earlier.filter(phase=Phase.INITIAL).exists():
        errors["phase"] = _("This controller's initial notification is already recorded.")
    if phase == Phase.COMPLEMENTARY and not earlier.exists():
        errors["phase"] = _("A complementary notification follows an initial one.")
    if errors:
        raise ValidationError(errors)
    notification = BreachNotification(
        case=case,
        controller=controller,
        phase=phase,
        received_at=received_at,
        awareness_at=awareness_at,
        processor_informed_at=processor_informed_at,
        recorded_by=actor,
        **content,
    )
    notification._change_reason = "breach_notification_record"
    notification.save()
    Case.objects.filter(pk=case.pk).update(last_activity_at=timezone.now())
    audit_record(
        actor=actor,
        action=AuditAction.BREACH_NOTIFICATION_RECORDED,
        summary=_("%(phase)s from %(controller)s%(late)s")
        % {
            "phase": notification.get_phase_display(),
            "controller": controller,
            "late": _(" (late)") if notification.is_late else "",
        },
        object_type="breaches.breachnotification",
        object_id=str(notification.pk),
        case_id=case.pk,
        data={"controller": controller.pk, "phase": phase, "late": notification.is_late},
        ip=ip,
    )
    if phase == Phase.INITIAL:
        deadline_services.deadline_create(  # created met: the notification is what it waited for
            actor=actor,
            case=case,
            kind="breach_notification",
            started_at=awareness_at,
            start_event=_("%(controller)s aware of the breach") % {"controller": controller},
            object_type="breaches.breachnotification",
            object_id=str(notification.pk),
            met_at=received_at,
            ip=ip,
        )
    return notification


@transaction.atomic
def no_notification_record(
    *, actor, case: Case, controller: Organisation, reasoning: str, decided_at: datetime, ip: str | None = None
) -> NoNotificationDecision:
    """A controller that decided not to notify (no risk) — recorded with its reasoning (Art. 33(5))."""
    if not reasoning.strip():
        raise ValidationError({"reasoning": _("The decision not to notify states its reasoning.")})
    if NoNotificationDecision.objects.filter(case=case, controller=controller).exists():
        raise ValidationError(_("This controller's decision is already recorded."))
    decision = NoNotificationDecision.objects.create(
        case=case, controller=controller, reasoning=reasoning.strip(), decided_at=decided_at, recorded_by=actor
    )
    audit_record(
        actor=actor,
        action=AuditAction.BREACH_NOT_NOTIFIED,
        summary=_("%(controller)s decided not to notify") % {"controller": controller},
        object_type="breaches.nonotificationdecision",
        object_id=str(decision.pk),
        case_id=case.pk,
        data={"controller": controller.pk},
        ip=ip,
    )
    return decision


CAMPAIGN_FIELDS = (
    "decision",
    "exemption_reasoning",
    "channels",
    "identifier_kind",
    "planned_total",
    "sent",
    "failed",
    "started_on",
    "ended_on",
    "order_received_at",
    "order_period_days",
)
EXEMPTIONS = {
    CommunicationDecision.EXEMPT_UNINTELLIGIBLE,
    CommunicationDecision.EXEMPT_RISK_REMOVED,
    CommunicationDecision.PUBLIC_COMMUNICATION,
}


def _check_campaign(values: dict) -> dict:
    errors = {}
    if values["decision"] in EXEMPTIONS and not (values.get("exemption_reasoning") or "").strip():
        errors["exemption_reasoning"] = _("An exemption states its reasoning.")
    if values["decision"] == CommunicationDecision.PUBLIC_COMMUNICATION and (
        CampaignChannel.PUBLIC_NOTICE not in (values.get("channels") or [])
    ):
        errors["channels"] = _("Disproportionate effort calls for a public communication instead (Art. 34(3)(c)).")
    started, ended = values.get("started_on"), values.get("ended_on")
    if started and ended and ended < started:
        errors["ended_on"] = _("The campaign cannot end before it starts.")
    planned, sent, failed = values.get("planned_total"), values.get("sent") or 0, values.get("failed") or 0
    if planned is not None and sent + failed > planned:
        errors["sent"] = _("More data subjects informed or failed than planned.")
    if bool(values.get("order_received_at")) != bool(values.get("order_period_days")):
        errors["order_period_days"] = _("An order to communicate gives its date of receipt and its period.")
    elif values.get("order_received_at") and values["order_received_at"] > timezone.now():
        errors["order_received_at"] = _("An order cannot be received in the future.")
    return errors


@transaction.atomic
def campaign_record(*, actor, case: Case, controller: Organisation, ip: str | None = None, **values) -> Campaign:
    """Create or update a controller's Art. 34 campaign on a case.

    Counts imported from reports cannot be overwritten by hand. Recording the CNIL's order to
    communicate (Art. 34(4)) creates its deadline, from the receipt of the order.
    """
    unknown = set(values) - set(CAMPAIGN_FIELDS)
    if unknown:
        raise TypeError(f"unknown fields: {sorted(unknown)}")
    campaign = Campaign.objects.select_for_update().filter(case=case, controller=controller).first()
    created = campaign is None
    if created:
        campaign = Campaign(case=case, controller=controller, recorded_by=actor)
    if campaign.counts_from_imports:
        values.pop("sent", None), values.pop("failed", None)
    merged = {name: values.get(name, getattr(campaign, name)) for name in CAMPAIGN_FIELDS}
    errors = _check_campaign(merged)
    if errors:
        raise ValidationError(errors)
    had_order = campaign.order_received_at is not None
    for name, value in merged.items():
        setattr(campaign, name, value)
    campaign.recorded_by = actor
    campaign._change_reason = "campaign_record"
    campaign.save()
    audit_record(
        actor=actor,
        action=AuditAction.CAMPAIGN_RECORDED,
        summary=_("Communication campaign of %(controller)s: %(decision)s")
        % {"controller": controller, "decision": campaign.get_decision_display()},
        object_type="breaches.campaign",
        object_id=str(campaign.pk),
        case_id=case.pk,
        data={"controller": controller.pk, "decision": campaign.decision, "created": created},
        ip=ip,
    )
    if campaign.order_received_at and not had_order:
        deadline_services.deadline_create(
            actor=actor,
            case=case,
            kind="communication_order",
            amount=campaign.order_period_days,
            started_at=campaign.order_received_at,
            start_event=_("Order to communicate received by %(controller)s") % {"controller": controller},
            object_type="breaches.campaign",
            object_id=str(campaign.pk),
            ip=ip,
        )
    return campaign


def _stage(report) -> str:
    """Move the pseudonymised records to the imports storage (shared by web and worker)."""
    storage = storages["imports"]
    report.file.seek(0)
    return storage.save(f"{uuid.uuid4().hex}.records", File(report.file))


@transaction.atomic
def campaign_import_start(
    *,
    actor,
    campaign: Campaign,
    report,
    mode: str,
    staged_names: list[str] | None = None,
    queue: bool = True,
    ip: str | None = None,
) -> CampaignImport:
    """Record a received report (already pseudonymised) and queue its import.

    ``report`` is what :class:`~apps.breaches.uploads.PseudonymisingUploadHandler` produced (its
    records are moved to the imports storage), or, from ``import_campaign_report``, the results of
    a parallel pass whose record files are already staged (``staged_names``) and which may run
    the import itself (``queue=False``). The source file
    itself is never kept: only its name, SHA-256, size and the keyed-hash records.
    """
    if mode not in ImportMode.values:
        raise ValidationError({"mode": _("Choose what to do if some rows are bad.")})
    if report.header_error is not None:
        raise ValidationError(
            {
                "report": _(
                    "The first line must name the columns identifier, channel, status and date "
                    "(a UTF-8 CSV file, separated by commas or semicolons)."
                )
            }
        )
    result = report.result
    if result.rows == 0:
        raise ValidationError({"report": _("The file has no rows below its header.")})
    imported = CampaignImport.objects.create(
        campaign=campaign,
        filename=report.name[:255],
        sha256=report.sha256,
        size=report.size,
        mode=mode,
        rows_total=result.rows,
        bad_count=result.bad,
        staged_names=staged_names or [_stage(report)],
        created_by=actor,
    )
    CampaignImportError.objects.bulk_create(
        (CampaignImportError(campaign_import=imported, line_no=line, reason=reason) for line, reason in result.errors),
        batch_size=5000,
    )
    audit_record(
        actor=actor,
        action=AuditAction.CAMPAIGN_IMPORTED,
        summary=_("Report %(file)s received for %(controller)s: %(rows)d rows, %(bad)d bad")
        % {"file": imported.filename, "controller": campaign.controller, "rows": result.rows, "bad": result.bad},
        object_type="breaches.campaignimport",
        object_id=str(imported.pk),
        case_id=campaign.case_id,
        data={"sha256": imported.sha256, "rows": result.rows, "bad": result.bad, "mode": mode, "step": "received"},
        ip=ip,
    )
    if queue:
        from .tasks import run_campaign_import  # the task module imports this one

        enqueue_on_commit(run_campaign_import, imported.pk)
    return imported


def _progress(imported: CampaignImport, **fields) -> None:
    for name, value in fields.items():
        setattr(imported, name, value)
    CampaignImport.objects.filter(pk=imported.pk).update(**fields)


def campaign_import_run(import_id: int) -> CampaignImport:
    """The worker's part: load, find repeated identifiers, then merge (or not) in one transaction.

    Progress is committed between batches (outside the merge's transaction) so the page can show
    it. The staged records are deleted whatever happens.
    """
    # Claimed by one atomic update: a task delivered twice (redelivered, or sent twice by the
    # outbox relay) finds the import already running or run, even when both copies start together.
    claimed = CampaignImport.objects.filter(pk=import_id, status=ImportStatus.QUEUED).update(
        status=ImportStatus.RUNNING, phase="loading"
    )
    imported = CampaignImport.objects.select_related("campaign__controller").get(pk=import_id)
    if not claimed:
        return imported
    storage = storages["imports"]
    try:
        clock = _Clock(imported)
        staging.create_staging()
        files = [storage.open(name, "rb") for name in imported.staged_names]
        try:
            staging.load(files, lambda rows: _progress(imported, rows_loaded=rows))
        finally:
            for file in files:
                file.close()
        clock.lap("loading")
        # Looking for repeated identifiers costs a pass over every row. On PostgreSQL it is done
        # only when needed: the merge itself fails on a repeated key (a unique or "row affected
        # twice" violation), and then the search runs. SQLite's upsert would not fail, so it always
        # searches first; so does an all-or-nothing import that already has bad rows (to report
        # every bad row).
        search_first = connection.vendor != "postgresql" or (
            imported.bad_count and imported.mode == ImportMode.ALL_OR_NOTHING
        )
        if search_first and _record_duplicates(imported, clock):
            staging.drop_duplicates()
        if imported.bad_count and imported.mode == ImportMode.ALL_OR_NOTHING:
            _finish(imported, ImportStatus.REJECTED, inserted=0, updated=0)
            return imported
        _progress(imported, phase="merging")
        with transaction.atomic():
            campaign = Campaign.objects.select_for_update().get(pk=imported.campaign_id)
            try:
                with transaction.atomic():
                    inserted, updated = staging.merge(campaign.pk)
            except DatabaseError as error:
                if search_first or not staging.is_repeated_key(error):
                    raise
                _record_duplicates(imported, clock)
                if imported.mode == ImportMode.ALL_OR_NOTHING:
                    _finish(imported, ImportStatus.REJECTED, inserted=0, updated=0)
                    return imported
                staging.drop_duplicates()
                inserted, updated = staging.merge(campaign.pk)
            clock.lap("merging")
            sent, failed = staging.person_counts(campaign.pk)
            clock.lap("counting")
            if (sent, failed, True) != (campaign.sent, campaign.failed, campaign.counts_from_imports):
                campaign.sent, campaign.failed, campaign.counts_from_imports = sent, failed, True
                campaign._change_reason = f"campaign_import {imported.pk}"
                campaign.save(update_fields=["sent", "failed", "counts_from_imports", "updated_at"])
            _finish(imported, ImportStatus.COMPLETED, inserted=inserted, updated=updated)
        return imported
    except Exception as error:
        _progress(imported, status=ImportStatus.FAILED, phase="", error=str(error)[:2000], finished_at=timezone.now())
        raise
    finally:
        staging.drop_staging()
        for name in imported.staged_names:
            storage.delete(name)
        CampaignImport.objects.filter(pk=imported.pk).update(staged_names=[])


def _record_duplicates(imported: CampaignImport, clock) -> int:
    """Report every row whose identifier and channel repeat an earlier one; returns how many."""
    _progress(imported, phase="checking")
    repeated = staging.duplicates()
    clock.lap("checking")
    if repeated:
        CampaignImportError.objects.bulk_create(
            (
                CampaignImportError(
                    campaign_import=imported, line_no=line, reason=BadRowReason.DUPLICATE, first_line=first
                )
                for line, first in repeated[:MAX_STORED_ERRORS]
            ),
            batch_size=5000,
        )
        _progress(imported, bad_count=imported.bad_count + len(repeated))
    return len(repeated)


class _Clock:
    """Seconds spent in each step, kept on the import (shown with it; read by the benchmark)."""

    def __init__(self, imported: CampaignImport):
        self.imported, self.last = imported, time.perf_counter()

    def lap(self, step: str) -> None:
        now = time.perf_counter()
        self.imported.timings = {**self.imported.timings, step: round(now - self.last, 3)}
        self.last = now
        CampaignImport.objects.filter(pk=self.imported.pk).update(timings=self.imported.timings)


def _finish(imported: CampaignImport, status: str, *, inserted: int, updated: int) -> None:
    _progress(imported, status=status, phase="", inserted=inserted, updated=updated, finished_at=timezone.now())
    audit_record(
        actor=imported.created_by,
        action=AuditAction.CAMPAIGN_IMPORTED,
        summary=_("Report %(file)s for %(controller)s: %(status)s, %(new)d new, %(updated)d updated, %(bad)d bad rows")
        % {
            "file": imported.filename,
            "controller": imported.campaign.controller,
            "status": imported.get_status_display(),
            "new": inserted,
            "updated": updated,
            "bad": imported.bad_count,
        },
        object_type="breaches.campaignimport",
        object_id=str(imported.pk),
        case_id=imported.campaign.case_id,
        data={
            "sha256": imported.sha256,
            "status": status,
            "inserted": inserted,
            "updated": updated,
            "bad": imported.bad_count,
            "step": "finished",
        },
    )
