"""Writes on notifications: sending them, and their recipient marking them read."""

from __future__ import annotations

from collections.abc import Iterable

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from .models import Notification


def _check_url(url: str) -> None:
    # A path inside the application only: a notification never sends anyone to another site.
    if url and (not url.startswith("/") or url.startswith("//") or "\\" in url):
        raise ValidationError({"url": _("A notification links to a page of the application only.")})


@transaction.atomic
def notify(*, recipients: Iterable, title: str, body: str, url: str = "", kind: str = "") -> list[Notification]:
    """Give each active recipient (once, even if listed twice) an unread notification.

    Sent by the application itself, so there is no actor; the caller's transaction decides
    whether the notifications exist at all.
    """
    _check_url(url)
    unique = {user.pk: user for user in recipients if user is not None and user.is_active}
    now = timezone.now()
    return Notification.objects.bulk_create(
        [
            Notification(recipient=user, title=str(title)[:255], body=str(body), url=url, kind=kind, created_at=now)
            for user in unique.values()
        ]
    )


@transaction.atomic
def notification_mark_read(*, actor, notification: Notification) -> Notification:
    """The recipient, and only them, marks one notification read; reading it again changes nothing."""
    if notification.recipient_id != actor.pk:
        raise PermissionDenied
    now = timezone.now()
    # Conditional: the first read time is kept when two tabs mark it at once.
    Notification.objects.filter(pk=notification.pk, recipient=actor, read_at__isnull=True).update(read_at=now)
    notification.refresh_from_db(fields=["read_at"])
    return notification


@transaction.atomic
def notifications_mark_all_read(*, actor) -> int:
    """Mark every unread notification of ``actor`` read; returns how many were unread."""
    return Notification.objects.filter(recipient=actor).unread().update(read_at=timezone.now())
