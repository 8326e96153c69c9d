"""Times and durations as the meeting platforms write them, and the one rule for their date order.

A platform writes a moment in the downloader's locale and time zone, without saying which:
Zoom "09/01/2026 08:05:12 AM" or "09/01/2026 08:05:12" (month first), Teams "9/1/26, 8:05:12 AM"
(en-US) or "1/9/2026, 08:05:12" (en-GB), the project's template "01/09/2026 08:05" (day first),
Google Meet only "8:05 AM" (no date: the session's date applies). A cell is first read as it is
written (`WrittenTime`); the date order is then decided for the whole file (`decide_date_order`)
and only then are the moments built (`WrittenTime.moment`). A file is never read in an order it
doesn't prove: a day above 12 proves it, else the one reading that puts every time on the
session's day, else the user states it (`date_order`), else the upload is refused.
"""

from __future__ import annotations

import datetime
import re
from collections.abc import Iterable
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from django.utils.translation import gettext as _

from courses.core.filter_fields import in_utc

DMY, MDY = "dmy", "mdy"
DATE_ORDERS = (DMY, MDY)

_SPACES = re.compile(r"\s+")
# a/b/year then the time (Zoom, Teams, the template), or only the time (Meet). AM/PM as English
# and Vietnamese Windows write them ("SA" sáng, "CH" chiều).
_WRITTEN = re.compile(
    r"^(?:(?P<a>\d{1,2})[/.\-](?P<b>\d{1,2})[/.\-](?P<year>\d{4}|\d{2}),?\s*)?"
    r"(?P<hour>\d{1,2})[:h](?P<minute>\d{2})(?::(?P<second>\d{2})(?:[.,]\d{1,6})?)?"
    r"\s*(?P<meridiem>[ap]\.?\s?m\.?|sa|ch)?$",
    re.IGNORECASE,
)
# Year first: ISO 8601 and "2026/09/01 08:00"; no order to decide.
_YEAR_FIRST = re.compile(r"^\d{4}[/.\-]\d{1,2}[/.\-]\d{1,2}")


@dataclass(frozen=True)
class WrittenTime:
    """A moment as the cell writes it: fully known (`fixed`), or a time of day with a date whose
    order is not yet decided (`parts` = the two numbers and the year), or a time of day alone."""

    text: str
    fixed: datetime.datetime | None = None
    parts: tuple[int, int, int] | None = None
    clock: datetime.time | None = None

    def orders(self) -> set[str]:
        """The date orders in which this cell is a real date (both when it needs none)."""
        if self.parts is None:
            return set(DATE_ORDERS)
        a, b, year = self.parts
        return {order for order in DATE_ORDERS if _date(year, a, b, order) is not None}

    def moment(self, order: str | None, zone: ZoneInfo, day: datetime.date | None) -> datetime.datetime:
        """The instant in UTC, reading the date in `order` and a time without offset in `zone`;
        a time of day alone falls on `day`. ValueError (fit for the user) when it is no date."""
        if self.fixed is not None:
            local = self.fixed
        elif self.parts is not None:
            a, b, year = self.parts
            date = _date(year, a, b, order)
            if date is None:
                raise ValueError(
                    _("“%(value)s” không phải là ngày theo thứ tự %(order)s.")
                    % {"value": self.text, "order": order_label(order)}
                )
            local = datetime.datetime.combine(date, self.clock)
        else:
            local = datetime.datetime.combine(day, self.clock)
        if local.tzinfo is None:
            local = local.replace(tzinfo=zone)
        return in_utc(local)


def order_label(order: str | None) -> str:
    return {DMY: _("ngày/tháng/năm"), MDY: _("tháng/ngày/năm")}.get(order or "", "")


def _date(year: int, a: int, b: int, order: str | None) -> datetime.date | None:
    day, month = (a, b) if order == DMY else (b, a)
    try:
        return datetime.date(year, month, day)
    except ValueError:
        return None


def read_written_time(value) -> WrittenTime:
    """A cell of a join or leave column, as written; ValueError when it is not a time."""
    if isinstance(value, datetime.datetime):
        return WrittenTime(text=value.isoformat(), fixed=value)
    if isinstance(value, datetime.date):
        # The tabular reader turns an Excel time of exactly 00:00 into a date.
        return WrittenTime(text=value.isoformat(), fixed=datetime.datetime.combine(value, datetime.time(0)))
    if isinstance(value, datetime.time):
        # A time-of-day cell (Meet's sheet saved as XLSX).
        return WrittenTime(text=value.isoformat(), clock=value.replace(tzinfo=None))
    text = _SPACES.sub(" ", str(value).strip())
    if _YEAR_FIRST.match(text):
        try:
            return WrittenTime(text=text, fixed=datetime.datetime.fromisoformat(text.replace("/", "-")))
        except ValueError:
            pass
    match = _WRITTEN.match(text)
    if match is None:
        raise ValueError(
            _(
                "“%(value)s” không phải là thời điểm: hãy ghi dd/mm/yyyy HH:MM:SS "
                "(hoặc như nền tảng họp trực tuyến đã xuất)."
            )
            % {"value": value}
        )
    clock = _clock(match, text)
    if match["a"] is None:
        return WrittenTime(text=text, clock=clock)
    year = int(match["year"])
    if len(match["year"]) == 2:
        year += 2000
    return WrittenTime(text=text, parts=(int(match["a"]), int(match["b"]), year), clock=clock)


def _clock(match: re.Match, text: str) -> datetime.time:
    hour, minute, second = int(match["hour"]), int(match["minute"]), int(match["second"] or 0)
    meridiem = (match["meridiem"] or "").lower().replace(".", "").replace(" ", "")
    if meridiem:
        if not 1 <= hour <= 12:
            raise ValueError(_("“%(value)s”: giờ theo đồng hồ 12 giờ phải từ 1 đến 12.") % {"value": text})
        hour = hour % 12 + (12 if meridiem in ("pm", "ch") else 0)
    try:
        return datetime.time(hour, minute, second)
    except ValueError:
        raise ValueError(_("“%(value)s” không phải là giờ hợp lệ.") % {"value": text}) from None


# --- durations ------------------------------------------------------------------------------------

_DURATION_PART = re.compile(
    r"(?P<number>\d+(?:[.,]\d+)?)\s*"
    r"(?P<unit>hours?|hrs?|h|giờ|g|minutes?|mins?|m|phút|p|seconds?|secs?|s|giây)(?![^\W\d_])",
    re.IGNORECASE,
)
_DURATION_CLOCK = re.compile(r"^(\d{1,3}):(\d{2})(?::(\d{2}))?$")


def _unit_seconds(unit: str) -> int:
    unit = unit.lower()
    if unit == "giây" or unit.startswith("s"):
        return 1
    if unit.startswith("h") or unit in ("giờ", "g"):
        return 3600
    return 60


def read_duration(value, *, bare_unit_seconds: int = 60) -> datetime.timedelta:
    """A time spent in the meeting: Meet's "1 hr 25 min", Teams' "1h 1m 59s", Zoom's minutes (a
    bare number, in `bare_unit_seconds`), "01:25:00", an Excel duration. ValueError otherwise."""
    if isinstance(value, datetime.timedelta):
        return value
    if isinstance(value, datetime.time):
        return datetime.timedelta(hours=value.hour, minutes=value.minute, seconds=value.second)
    if isinstance(value, int | float) and not isinstance(value, bool) and value >= 0:
        return datetime.timedelta(seconds=round(value * bare_unit_seconds))
    text = _SPACES.sub(" ", str(value).strip().lower())
    if text.replace(".", "", 1).isdigit():
        return datetime.timedelta(seconds=round(float(text) * bare_unit_seconds))
    clock = _DURATION_CLOCK.match(text)
    if clock:
        hours, minutes, seconds = (int(g or 0) for g in clock.groups())
        return datetime.timedelta(hours=hours, minutes=minutes, seconds=seconds)
    parts = list(_DURATION_PART.finditer(text))
    if not parts or _DURATION_PART.sub("", text).strip(" ,"):
        raise ValueError(
            _("“%(value)s” không phải là thời lượng: hãy ghi số phút, “1 giờ 25 phút” hoặc “01:25:00”.")
            % {"value": value}
        )
    seconds = sum(float(p["number"].replace(",", ".")) * _unit_seconds(p["unit"]) for p in parts)
    return datetime.timedelta(seconds=round(seconds))


# --- the file's date order ------------------------------------------------------------------------


@dataclass(frozen=True)
class OrderEvidence:
    """What the file's own dates say about their order."""

    possible: set[str]
    # A row whose date fits only one order, for each order: the proof shown to the user.
    proof: dict[str, int]
    # Whether any date has two numbers that differ (else both orders read the same dates).
    matters: bool


def order_evidence(cells: Iterable[tuple[int, WrittenTime]]) -> OrderEvidence:
    possible = set(DATE_ORDERS)
    proof: dict[str, int] = {}
    matters = False
    for row, written in cells:
        if written.parts is None:
            continue
        orders = written.orders()
        if not orders:
            continue  # no date in either order: a row error, reported by the caller
        a, b, _year = written.parts
        matters = matters or a != b
        if len(orders) == 1:
            only = next(iter(orders))
            proof.setdefault(only, row)
            possible &= orders
    if len(proof) == 2:
        possible = set()
    return OrderEvidence(possible, proof, matters)
