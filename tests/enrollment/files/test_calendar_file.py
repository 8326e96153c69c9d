"""The iCalendar file itself (enrollment/files/calendar_file.py): the zone written out, times
converted to it whatever zone they come in, a stamp in UTC, and a file that parses back."""

from __future__ import annotations

import datetime
from zoneinfo import ZoneInfo

import pytest
from icalendar import Calendar

from enrollment.files.calendar_file import calendar_ics, session_uid
from enrollment.selectors.calendars import CalendarEntry, EventStatus
from tests.factories import ClassSessionFactory

pytestmark = pytest.mark.django_db


def test_times_are_written_in_hanoi_time_with_its_zone(settings):
    settings.PUBLIC_BASE_URL = "https://daotao.example.vn"
    # 01:00 UTC is 08:00 in Hà Nội: a phone in any zone shows 08:00 local Vietnamese time.
    start = datetime.datetime(2026, 10, 5, 1, 0, tzinfo=datetime.UTC)
    session = ClassSessionFactory(starts_at=start, ends_at=start + datetime.timedelta(minutes=90))
    now = datetime.datetime(2026, 10, 1, 12, 0, tzinfo=ZoneInfo("Asia/Ho_Chi_Minh"))
    body = calendar_ics(
        name="Lịch",
        entries=[CalendarEntry(session=session, status=EventStatus.CONFIRMED, shows_join_link=False)],
        session_pages=False,
        now=now,
    )
    assert b"DTSTART;TZID=Asia/Ho_Chi_Minh:20261005T080000\r\n" in body
    assert b"DTEND;TZID=Asia/Ho_Chi_Minh:20261005T093000\r\n" in body
    assert b"DTSTAMP:20261001T050000Z\r\n" in body
    # Subscribed calendars are asked to fetch again every hour (Apple's and Outlook's properties).
    assert b"REFRESH-INTERVAL;VALUE=DURATION:PT1H\r\n" in body and b"X-PUBLISHED-TTL:PT1H\r\n" in body
    calendar = Calendar.from_ical(body)
    (zone,) = calendar.walk("VTIMEZONE")
    assert str(zone["TZID"]) == "Asia/Ho_Chi_Minh"
    assert {rule.decoded("TZOFFSETTO") for rule in zone.walk("STANDARD")} == {datetime.timedelta(hours=7)}
    assert not zone.walk("DAYLIGHT")
    (event,) = calendar.walk("VEVENT")
    assert str(event["UID"]) == session_uid(session) == f"session-{session.pk}@daotao.example.vn"
    assert event.decoded("DTSTART") == start
    # No join link without leave: neither in the event's link, place nor text.
    assert (
        "URL" not in event and "LOCATION" not in event and "meet.example.vn" not in str(event["DESCRIPTION"])
    )


def test_an_empty_calendar_is_still_a_calendar():
    calendar = Calendar.from_ical(calendar_ics(name="Trống", entries=[], session_pages=True))
    assert str(calendar["VERSION"]) == "2.0" and calendar.walk("VEVENT") == []
    assert str(calendar["X-WR-CALNAME"]) == "Trống"
