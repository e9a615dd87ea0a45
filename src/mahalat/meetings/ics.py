"""The iCalendar file of a meeting (RFC 5545): an invitation, or its cancellation.

UID is the meeting's calendar id, which never changes, and SEQUENCE grows with every change of the
meeting, so calendar programs update the event they already hold instead of adding another.
"""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from django.utils import timezone, translation
from django.utils.translation import gettext as _
from icalendar import Calendar, Event

from mahalat.meetings.models import Meeting, MeetingState

TEHRAN = ZoneInfo("Asia/Tehran")


def meeting_summary(meeting: Meeting) -> str:
    return _("Meeting %(number)s of the social council of %(neighborhood)s") % {
        "number": meeting.number,
        "neighborhood": meeting.neighborhood.name,
    }


def meeting_ics(*, meeting: Meeting, url: str = "", now: datetime | None = None) -> bytes:
    """The calendar file; METHOD:CANCEL for a cancelled meeting, else METHOD:REQUEST.

    The summary is in Persian whatever the reader's language: the file goes into calendars shared by
    the council, and Persian is the council's language.
    """
    cancelled = meeting.state == MeetingState.CANCELLED
    calendar = Calendar()
    calendar.add("prodid", "-//Mahalat//Neighborhood Social Councils//FA")
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "CANCEL" if cancelled else "REQUEST")
    event = Event()
    event.add("uid", f"{meeting.uid}@mahalat")
    event.add("sequence", max(0, meeting.version - 1))
    event.add("dtstamp", (now or timezone.now()).astimezone(ZoneInfo("UTC")))
    event.add("dtstart", meeting.starts_at.astimezone(TEHRAN))
    event.add("dtend", meeting.ends_at.astimezone(TEHRAN))
    with translation.override("fa"):
        event.add("summary", meeting_summary(meeting))
        if meeting.place:
            event.add("location", meeting.place)
        elif meeting.online_url:
            event.add("location", meeting.online_url)
        description = [_("Kind: %(kind)s") % {"kind": meeting.get_kind_display()}]
        if meeting.online_url:
            description.append(_("Online link: %(url)s") % {"url": meeting.online_url})
        if cancelled and meeting.cancel_reason:
            description.append(_("Cancelled: %(reason)s") % {"reason": meeting.cancel_reason})
    if url:
        event.add("url", url)
        description.append(url)
    event.add("description", "\n".join(description))
    event.add("status", "CANCELLED" if cancelled else "CONFIRMED")
    calendar.add_component(event)
    # icalendar adds the VTIMEZONE block for Asia/Tehran from the zone in DTSTART.
    calendar.add_missing_timezones()
    return calendar.to_ical()
