"""Reads on deadlines, through the cases the user may change (their team's, or all for managers)."""

from __future__ import annotations

import hashlib
from datetime import timedelta

from django.db.models import QuerySet
from django.utils import timezone

from apps.cases.permissions import changeable_cases

from .models import CalendarFeed, Deadline, DeadlineStatus

RECENT = timedelta(days=30)


def my_pending_deadlines(user) -> QuerySet[Deadline]:
    """Open deadlines of my cases, earliest first (so the overdue ones come first)."""
    return (
        Deadline.objects.pending()
        .filter(case__in=changeable_cases(user))
        .select_related("case")
        .order_by("due_at", "id")
    )


def my_recently_closed_deadlines(user) -> QuerySet[Deadline]:
    """Deadlines of my cases met or missed in the last 30 days, latest first."""
    since = timezone.now() - RECENT
    return (
        Deadline.objects.filter(
            case__in=changeable_cases(user), status__in=[DeadlineStatus.MET, DeadlineStatus.MISSED], due_at__gte=since
        )
        .select_related("case")
        .order_by("-due_at", "-id")
    )


def calendar_feed_for_token(token: str) -> CalendarFeed | None:
    """The feed whose secret token this is, if its user is still active (else None: a 404)."""
    digest = hashlib.sha256(token.encode()).hexdigest()
    return CalendarFeed.objects.select_related("user").filter(token_hash=digest, user__is_active=True).first()


def calendar_feed_of(user) -> CalendarFeed | None:
    return CalendarFeed.objects.filter(user=user).first()
