"""How long an authenticated session lasts: an idle timeout and an absolute lifetime.

The login (``user_logged_in``: the password step, or an accepted portal invitation) stamps the
session with its start; each request stamps the last activity, rewritten at most once per
``ACTIVITY_RESOLUTION`` seconds so that browsing does not write the session on every request. A
session idle for ``SESSION_IDLE_TIMEOUT`` seconds, or older than ``SESSION_ABSOLUTE_LIFETIME``
seconds however active, is logged out at its next request: the user lands on the login page (the
portal's for organisation users) with a message saying why, and the audit log records the end.

The timestamps live in the session itself (the database session engine), so nothing runs in the
background and an expired session never serves one more request. A session without them (one
created before this check existed) is stamped on its first request.
"""

from __future__ import annotations

import time

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import SESSION_KEY, logout, user_logged_in
from django.contrib.auth.views import redirect_to_login
from django.dispatch import receiver
from django.http import HttpResponseRedirect
from django.shortcuts import resolve_url
from django.utils.translation import gettext as _
from django_htmx.http import HttpResponseClientRedirect

from apps.audit.services import client_ip

from . import services
from .choices import UserKind

SESSION_STARTED_KEY = "_session_started"
SESSION_ACTIVITY_KEY = "_session_activity"
# The last activity is rewritten once a minute at most: a session is logged out between
# SESSION_IDLE_TIMEOUT - 60 s and SESSION_IDLE_TIMEOUT after its last request, never later.
ACTIVITY_RESOLUTION = 60

IDLE = "idle"
ABSOLUTE = "absolute"


def _now() -> int:
    return int(time.time())


@receiver(user_logged_in, dispatch_uid="accounts.session_start")
def session_start(sender, request, user, **kwargs) -> None:
    """A new login starts the session's clock (the second factor that follows does not restart it)."""
    if request is None or not hasattr(request, "session"):
        return
    now = _now()
    request.session[SESSION_STARTED_KEY] = now
    request.session[SESSION_ACTIVITY_KEY] = now


def session_expiry(session, now: int) -> str | None:
    """Why this authenticated session is over (``ABSOLUTE`` or ``IDLE``), or None while it is valid."""
    started = session.get(SESSION_STARTED_KEY)
    activity = session.get(SESSION_ACTIVITY_KEY)
    if isinstance(started, int) and now - started >= settings.SESSION_ABSOLUTE_LIFETIME:
        return ABSOLUTE
    if isinstance(activity, int) and now - activity >= settings.SESSION_IDLE_TIMEOUT:
        return IDLE
    return None


def _session_touch(session, now: int) -> None:
    if not isinstance(session.get(SESSION_STARTED_KEY), int):
        session[SESSION_STARTED_KEY] = now
    activity = session.get(SESSION_ACTIVITY_KEY)
    if not isinstance(activity, int) or now - activity >= ACTIVITY_RESOLUTION:
        session[SESSION_ACTIVITY_KEY] = now


def _expired_message(reason: str) -> str:
    if reason == ABSOLUTE:
        hours = max(1, round(settings.SESSION_ABSOLUTE_LIFETIME / 3600))
        return _("Your session has reached its maximum length (%(hours)d h): please log in again.") % {"hours": hours}
    minutes = max(1, round(settings.SESSION_IDLE_TIMEOUT / 60))
    return _("Your session ended after %(minutes)d minutes without activity: please log in again.") % {
        "minutes": minutes
    }


class SessionLifetimeMiddleware:
    """Logs out a session past its idle timeout or absolute lifetime, and records each request's activity.

    Sits after the session, authentication and messages middleware, before the second-factor
    checks: an expired session is ended before anything else looks at its user.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if SESSION_KEY in request.session:
            reason = session_expiry(request.session, _now())
            if reason is not None:
                return self._end(request, reason)
        response = self.get_response(request)
        # After the view: a long request (a large upload) counts as activity until it ends. A
        # logout has emptied the session by now; a login has just stamped it.
        if SESSION_KEY in request.session:
            _session_touch(request.session, _now())
        return response

    def _end(self, request, reason: str):
        user = request.user
        portal = request.path_info.startswith(settings.PORTAL_URL_PREFIX)
        if user.is_authenticated:
            portal = portal or user.kind == UserKind.ORGANISATION
            services.session_expired_record(user=user, reason=reason, ip=client_ip(request))
        logout(request)
        messages.warning(request, _expired_message(reason))
        login_url = settings.PORTAL_LOGIN_URL if portal else resolve_url(settings.LOGIN_URL)
        if request.headers.get("HX-Request") == "true":
            # An htmx request would swap the login page into a fragment: the whole page goes instead.
            return HttpResponseClientRedirect(login_url)
        if request.method == "GET":
            return redirect_to_login(request.get_full_path(), login_url)
        return HttpResponseRedirect(login_url)
