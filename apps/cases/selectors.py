"""Reads on cases, always through the visibility rules of ``permissions.py``."""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.db.models import Exists, OuterRef, Q, QuerySet

from .choices import CaseStatus, Confidentiality, LegalRegime, Origin, Priority
from .models import Case, CaseUserObjectPermission, Party
from .permissions import visible_cases


@dataclass(frozen=True)
class CaseFilters:
    status: str = ""
    origin: str = ""
    legal_regime: str = ""
    priority: str = ""
    sector: int | None = None
    assignee: int | None = None
    restricted: bool | None = None
    search: str = ""

    @classmethod
    def from_query(cls, params) -> CaseFilters:
        """Read filters from the query string; unknown or malformed values are ignored."""

        def choice(name, choices):
            value = params.get(name, "")
            return value if value in choices else ""

        def integer(name):
            value = params.get(name, "")
            return int(value) if value.isdigit() and len(value) < 12 else None

        restricted = {"1": True, "0": False}.get(params.get("restricted", ""))
        return cls(
            status=choice("status", CaseStatus.values),
            origin=choice("origin", Origin.values),
            legal_regime=choice("legal_regime", LegalRegime.values),
            priority=choice("priority", Priority.values),
            sector=integer("sector"),
            assignee=integer("assignee"),
            restricted=restricted,
            search=params.get("q", "")[:100].strip(),
        )


def case_list_for_user(user, filters: CaseFilters) -> QuerySet[Case]:
    """Cases the user may see, filtered; ordered by last activity by the caller's pagination."""
    queryset = visible_cases(user, Case.objects.select_related("lead_investigator"))
    if filters.status:
        queryset = queryset.filter(status=filters.status)
    if filters.origin:
        queryset = queryset.filter(origin=filters.origin)
    if filters.legal_regime:
        queryset = queryset.filter(legal_regime=filters.legal_regime)
    if filters.priority:
        queryset = queryset.filter(priority=filters.priority)
    if filters.restricted is not None:
        wanted = Confidentiality.RESTRICTED if filters.restricted else Confidentiality.NORMAL
        queryset = queryset.filter(confidentiality=wanted)
    if filters.assignee:
        queryset = queryset.filter(
            caseuserobjectpermission__user_id=filters.assignee,
            caseuserobjectpermission__permission__codename="change_case",
        )
    if filters.sector:
        # A semi-join, not a join + DISTINCT: the list stays in its index order (last activity) and
        # stops after one page, instead of de-duplicating every party of the sector first.
        in_sector = Party.objects.filter(case=OuterRef("pk"), organisation__sector_id=filters.sector)
        queryset = queryset.filter(Exists(in_sector))
    if filters.search:
        queryset = queryset.filter(Q(title__icontains=filters.search) | Q(reference=filters.search))
    return queryset


def case_list_keys(queryset: QuerySet[Case]) -> QuerySet[Case]:
    """The list's rows as their keys only (id, last activity, confidentiality): a user's cases found
    through their object permissions are read from indexes alone (``case_team_list_idx``), not one
    table row per case of the user; :func:`cases_in_order` reads the page's rows afterwards."""
    return queryset.select_related(None).only("id", "last_activity_at", "confidentiality")


def cases_in_order(keys: list[Case]) -> list[Case]:
    """The cases of ``keys`` (one page), with their lead, in the same order: one query."""
    found = Case.objects.select_related("lead_investigator").in_bulk([key.pk for key in keys])
    return [found[key.pk] for key in keys if key.pk in found]


def case_team_members(case: Case) -> list:
    """Who works a case: its lead investigator and its team (``change_case`` granted by
    ``case_assign``), active accounts only — those reminded of its deadlines."""
    team = CaseUserObjectPermission.objects.filter(content_object=case, permission__codename="change_case")
    return list(
        get_user_model()
        .objects.filter(is_active=True)
        .filter(Q(pk=case.lead_investigator_id) | Q(pk__in=team.values("user_id")))
        .order_by("pk")
    )


def parties_of(case: Case) -> list[Party]:
    return list(case.parties.select_related("organisation").order_by("added_at", "id"))


def cases_of_organisation(user, organisation) -> list[Case]:
    """The cases the organisation is party to, among those the user may see."""
    return list(visible_cases(user).filter(parties__organisation=organisation).distinct().order_by("-last_activity_at"))
