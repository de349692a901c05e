"""Reads on notifications: a user only ever reads their own."""

from __future__ import annotations

from django.db.models import QuerySet
from django.http import Http404

from .models import Notification


def notifications_for(user) -> QuerySet[Notification]:
    """The user's notifications, newest first (none for an anonymous visitor)."""
    if not user.is_authenticated:
        return Notification.objects.none()
    return Notification.objects.filter(recipient=user).order_by("-created_at", "-id")


def unread_count(user) -> int:
    if not user.is_authenticated:
        return 0
    return Notification.objects.filter(recipient=user).unread().count()


def notification_get_for_user(user, pk) -> Notification:
    """The user's own notification, else 404 — for another user's notification and a bad id alike."""
    try:
        pk = int(pk)
    except (TypeError, ValueError) as exc:
        raise Http404 from exc
    notification = notifications_for(user).filter(pk=pk).first()
    if notification is None:
        raise Http404
    return notification
