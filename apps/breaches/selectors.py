"""Reads on breach notifications: per controller, the latest picture and the 72-hour status."""

from __future__ import annotations

from dataclasses import dataclass

from apps.cases.choices import PartyRole
from apps.cases.models import Case, Party
from apps.organisations.models import Organisation

from .choices import NotificationStatus, Phase
from .models import BreachNotification, Campaign, CampaignImport, NoNotificationDecision


@dataclass
class ControllerRow:
    controller: Organisation
    case: Case
    status: str
    phases: list[BreachNotification]
    latest: BreachNotification | None
    late_without_reason: bool
    campaign: Campaign | None = None

    def get_status_display(self) -> str:
        return str(NotificationStatus(self.status).label)


def controller_rows(case: Case) -> list[ControllerRow]:
    """Every controller of the case and of its linked cases (the fan-out), with its status.

    Four queries whatever the number of controllers.
    """
    parties = list(
        Party.objects.filter(role=PartyRole.CONTROLLER)
        .filter(case__in=[case.pk, *case.linked_cases.values_list("pk", flat=True)])
        .select_related("organisation", "case")
        .order_by("organisation__legal_name", "case_id")
    )
    case_ids = {p.case_id for p in parties} | {case.pk}
    notifications: dict[tuple[int, int], list[BreachNotification]] = {}
    for notification in BreachNotification.objects.filter(case_id__in=case_ids).order_by("received_at", "id"):
        notifications.setdefault((notification.case_id, notification.controller_id), []).append(notification)
    campaigns = {(c.case_id, c.controller_id): c for c in Campaign.objects.filter(case_id__in=case_ids)}
    decided = set(NoNotificationDecision.objects.filter(case_id__in=case_ids).values_list("case_id", "controller_id"))
    rows, seen = [], set()
    for party in parties:
        key = (party.case_id, party.organisation_id)
        if key in seen:
            continue
        seen.add(key)
        phases = notifications.get(key, [])
        initial = next((n for n in phases if n.phase == Phase.INITIAL), None)
        if initial is not None:
            status = NotificationStatus.LATE if initial.is_late else NotificationStatus.ON_TIME
        elif key in decided:
            status = NotificationStatus.NOT_NOTIFIED
        else:
            status = NotificationStatus.NOT_RECEIVED
        rows.append(
            ControllerRow(
                controller=party.organisation,
                case=party.case,
                status=status,
                phases=phases,
                latest=phases[-1] if phases else None,
                late_without_reason=bool(
                    initial and initial.late_without_reason and not any(n.delay_reason.strip() for n in phases)
                ),
                campaign=campaigns.get(key),
            )
        )
    return rows


@dataclass
class CampaignTotals:
    controllers: int
    planned: int
    sent: int
    failed: int

    @property
    def percent(self) -> int | None:
        return min(100, round(100 * self.sent / self.planned)) if self.planned else None


def campaign_totals(rows: list[ControllerRow]) -> CampaignTotals:
    """The whole incident's Art. 34 progress: informed out of planned, over every controller's campaign."""
    campaigns = [row.campaign for row in rows if row.campaign is not None]
    return CampaignTotals(
        controllers=len(campaigns),
        planned=sum(c.planned_total or 0 for c in campaigns),
        sent=sum(c.sent for c in campaigns),
        failed=sum(c.failed for c in campaigns),
    )


def campaign_imports(campaign: Campaign):
    return CampaignImport.objects.filter(campaign=campaign).select_related("created_by")


def campaign_for(case: Case, controller: Organisation) -> Campaign | None:
    return Campaign.objects.filter(case=case, controller=controller).first()
