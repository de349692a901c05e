"""The iCalendar feed of a user's open deadlines, for calendar applications (RFC 5545).

Calendar applications cannot log in: the feed's URL carries a secret token, which only its hash
identifies in the database. The user can replace it (the old URL stops working) or revoke it.
"""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from icalendar import Alarm, Calendar, Event

from .models import Deadline
from .rules import Unit


def _event(deadline: Deadline, base_url: str) -> Event:
    event = Event()
    event.add("uid", f"deadline-{deadline.pk}@cnilcase")
    event.add("dtstamp", timezone.now())
    event.add("summary", f"{deadline.title} — {deadline.case.reference}")
    if deadline.unit == Unit.HOURS:
        event.add("dtstart", deadline.due_at)
        event.add("dtend", deadline.due_at + timedelta(minutes=15))
    else:  # day-based periods end with the day (Europe/Paris): an all-day event on that day
        day = timezone.localtime(deadline.due_at).date()
        event.add("dtstart", day)
        event.add("dtend", day + timedelta(days=1))
    url = base_url + reverse("cases:tab", args=[deadline.case_id, "deadlines"])
    event.add(
        "description",
        "\n".join(
            [
                _("Case %(reference)s: %(title)s")
                % {"reference": deadline.case.reference, "title": deadline.case.title},
                _("Rule: %(rule)s (%(source)s)") % {"rule": deadline.rule_text, "source": deadline.legal_source},
                _("Start: %(event)s") % {"event": deadline.start_event},
                url,
            ]
        ),
    )
    event.add("url", url)
    alarm = Alarm()
    alarm.add("action", "DISPLAY")
    alarm.add("description", deadline.title)
    alarm.add("trigger", timedelta(days=-1) if deadline.unit != Unit.HOURS else timedelta(hours=-6))
    event.add_component(alarm)
    return event


def calendar_bytes(deadlines, *, base_url: str) -> bytes:
    with translation.override(settings.LANGUAGE_CODE):
        calendar = Calendar()
        calendar.add("prodid", "-//CNIL//cnilcase//FR")
        calendar.add("version", "2.0")
        calendar.add("calscale", "GREGORIAN")
        calendar.add("x-wr-calname", _("My deadlines — cnilcase"))
        calendar.add("x-wr-timezone", settings.TIME_ZONE)
        for deadline in deadlines:
            calendar.add_component(_event(deadline, base_url))
        return calendar.to_ical()
