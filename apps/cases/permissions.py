"""Who may see and change a case: the one checked path (``case_get_for_user``).

- Managers see and change every case, and alone assign teams.
- Investigators and legal staff see every normal case; they change a case only when they are on
  its team (guardian object permission ``change_case``, granted by ``case_assign``).
- A restricted case is visible only to its team and to managers.
Anything not visible, or not changeable when a change is asked, answers 404 exactly like a
missing id.
"""

from __future__ import annotations

from django.db.models import Exists, OuterRef, Q, QuerySet
from django.http import Http404

from apps.accounts.choices import Role
from apps.accounts.permissions import user_may

from .choices import Confidentiality
from .models import Case, CaseUserObjectPermission

VIEW, CHANGE, ASSIGN = "view", "change", "assign"
READER_ROLES = frozenset({Role.INVESTIGATOR, Role.LEGAL, Role.MANAGER})


def _team_permission(user, codename: str):
    return CaseUserObjectPermission.objects.filter(
        content_object=OuterRef("pk"), user=user, permission__codename=codename
    )


def visible_cases(user, queryset: QuerySet[Case] | None = None) -> QuerySet[Case]:
    queryset = Case.objects.all() if queryset is None else queryset
    if not user_may(user, READER_ROLES, require_verified=False):
        return queryset.none()
    if Role.MANAGER in user.roles:
        return queryset
    return queryset.filter(Q(confidentiality=Confidentiality.NORMAL) | Exists(_team_permission(user, "change_case")))


def changeable_cases(user, queryset: QuerySet[Case] | None = None) -> QuerySet[Case]:
    queryset = Case.objects.all() if queryset is None else queryset
    if not user_may(user, READER_ROLES, require_verified=False):
        return queryset.none()
    if Role.MANAGER in user.roles:
        return queryset
    # The ids of the user's cases from their permissions (an index), not a test of every case: as a
    # subquery (``case__in=changeable_cases(user)``) the database starts from the user's thousand
    # permissions instead of a million cases.
    return queryset.filter(pk__in=team_case_ids(user))


def team_case_ids(user) -> QuerySet:
    """The ids of the cases ``user`` is on the team of (``change_case`` granted by ``case_assign``)."""
    return CaseUserObjectPermission.objects.filter(user=user, permission__codename="change_case").values(
        "content_object_id"
    )


def case_get_for_user(user, pk, perm: str = VIEW, *, queryset: QuerySet[Case] | None = None) -> Case:
    """The case if ``user`` may ``perm`` it (view, change, assign), else 404 — also for a bad id."""
    try:
        pk = int(pk)
    except (TypeError, ValueError) as exc:
        raise Http404 from exc
    if perm == ASSIGN:
        if not user_may(user, {Role.MANAGER}, require_verified=False):
            raise Http404
        scope = visible_cases(user, queryset)
    elif perm == CHANGE:
        scope = changeable_cases(user, queryset)
    else:
        scope = visible_cases(user, queryset)
    case = scope.filter(pk=pk).first()
    if case is None:
        raise Http404
    return case


def can_change(user, case: Case) -> bool:
    return changeable_cases(user).filter(pk=case.pk).exists()
