"""The iCalendar (RFC 5545) file of a learner's sessions: a class's .ics and the subscribed feed.

Written by the icalendar library, which folds lines at 75 octets without splitting a character,
escapes commas, semicolons and newlines in text, and ends lines with CRLF. Times are written in
Asia/Ho_Chi_Minh with its VTIMEZONE, so that a phone set to any zone shows the right hour. Each
session keeps one UID whatever file carries it, so that importing a file again, or the feed's next
refresh, updates an event instead of adding a second one.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

from django.conf import settings
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from icalendar import Calendar, Event

from enrollment.selectors.calendars import CalendarEntry

PRODUCT_ID = "-//Commune officials training//Portal calendar//VI"
# How often a subscribed calendar should fetch the feed again (Apple and Outlook honour it).
REFRESH = datetime.timedelta(hours=1)  # X-PUBLISHED-TTL below says the same: PT1H
# The zone's rules are written from this date: Asia/Ho_Chi_Minh has kept +07:00 since 1975.
ZONE_RULES_FROM = datetime.date(2000, 1, 1)


def session_uid(session) -> str:
    """One session's UID in every file: its id at the site's address."""
    return f"session-{session.pk}@{urlsplit(settings.PUBLIC_BASE_URL).hostname or 'localhost'}"


def calendar_ics(
    *,
    name: str,
    entries: Iterable[CalendarEntry],
    session_pages: bool,
    now: datetime.datetime | None = None,
) -> bytes:
    """The calendar named `name` with one event per entry; `session_pages` adds the link to each
    session's page in the portal (for learners: where they check in)."""
    zone = ZoneInfo(settings.TIME_ZONE)
    stamp = (now or timezone.now()).astimezone(datetime.UTC)
    calendar = Calendar()
    calendar.add("prodid", PRODUCT_ID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    calendar.add("x-wr-calname", name)
    calendar.add("x-wr-timezone", settings.TIME_ZONE)
    calendar.add("refresh-interval", REFRESH, parameters={"VALUE": "DURATION"})
    # An X- property has no known type: written as the duration text itself (not "1:00:00").
    calendar.add("x-published-ttl", "PT1H")
    for entry in entries:
        calendar.add_component(_event(entry, zone=zone, stamp=stamp, session_pages=session_pages))
    calendar.add_missing_timezones(first_date=ZONE_RULES_FROM)
    return calendar.to_ical()


def _event(entry: CalendarEntry, *, zone: ZoneInfo, stamp: datetime.datetime, session_pages: bool) -> Event:
    session = entry.session
    training_class = session.training_class
    topic = session.topic
    label = session.title or (topic.title_vi if topic else "") or _("Buổi học")
    join_url = session.join_url if entry.shows_join_link else ""
    lines = [_("Lớp: %(title)s") % {"title": training_class.title}]
    if topic is not None:
        lines.append(_("Chuyên đề: %(title)s") % {"title": topic.title_vi})
    if join_url:
        lines.append(_("Link học trực tuyến: %(url)s") % {"url": join_url})
    if session.location:
        lines.append(_("Địa điểm: %(place)s") % {"place": session.location})
    if session_pages:
        page = settings.PUBLIC_BASE_URL + reverse("portal:session", args=[session.pk])
        lines.append(_("Điểm danh: %(url)s") % {"url": page})
    event = Event()
    event.add("uid", session_uid(session))
    event.add("dtstamp", stamp)
    event.add("dtstart", session.starts_at.astimezone(zone))
    event.add("dtend", session.ends_at.astimezone(zone))
    event.add("summary", f"{label} · {training_class.title}")
    event.add("description", "\n".join(lines))
    if session.location or join_url:
        event.add("location", session.location or join_url)
    if join_url:
        event.add("url", join_url)
    event.add("status", entry.status)
    event.add("transp", "OPAQUE")
    return event
