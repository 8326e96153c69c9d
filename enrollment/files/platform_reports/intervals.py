"""A report's written times made into intervals for one session: the file's date order decided
(from the file, else the session's day, else the user, else refused), times without offset read in
the given time zone, times without a date put on the session's day, durations placed, and every
time on another day than the session's refused by row and field."""

from __future__ import annotations

import datetime
from zoneinfo import ZoneInfo

from django.utils import timezone as django_timezone
from django.utils.translation import gettext as _

from courses.core.errors import DomainError, ErrorItem
from courses.models import ClassSession
from enrollment.files.platform_reports.entries import Entry
from enrollment.files.platform_reports.times import DATE_ORDERS, DMY, WrittenTime, order_evidence, order_label

# A time this far from the session still counts as the session's day (an evening session's last
# leave after midnight, a join the evening before an early session).
NEAR_SESSION = datetime.timedelta(hours=3)


class SessionTimes:
    """Turns the entries' written times into intervals for one session, time zone and date order."""

    def __init__(self, session: ClassSession | None, zone: ZoneInfo):
        self.session = session
        self.zone = zone
        self._moments: dict[tuple[WrittenTime, str], datetime.datetime] = {}
        # The session's day(s), as the project's time zone shows them.
        self.local_zone = django_timezone.get_current_timezone()
        self.days = (
            {
                session.starts_at.astimezone(self.local_zone).date(),
                session.ends_at.astimezone(self.local_zone).date(),
            }
            if session is not None
            else set()
        )

    def near_session(self, moment: datetime.datetime) -> bool:
        session = self.session
        if session is None:
            return True
        return moment.astimezone(self.local_zone).date() in self.days or (
            session.starts_at - NEAR_SESSION <= moment <= session.ends_at + NEAR_SESSION
        )

    def moment(self, written: WrittenTime, order: str) -> datetime.datetime:
        # The order is tried on every time, then the times are read: each is built once.
        key = (written, order)
        if key not in self._moments:
            self._moments[key] = self._moment(written, order)
        return self._moments[key]

    def _moment(self, written: WrittenTime, order: str) -> datetime.datetime:
        if written.fixed is not None or written.parts is not None:
            return written.moment(order, self.zone, None)
        if self.session is None:
            raise ValueError(_("“%(value)s” không có ngày.") % {"value": written.text})
        # A time without a date (Meet): on the session's day, as the report's time zone counts
        # days; the nearest to the session of that day and the next or previous one.
        start = self.session.starts_at.astimezone(self.zone).date()
        candidates = [
            written.moment(order, self.zone, start + datetime.timedelta(days=d)) for d in (0, 1, -1)
        ]
        return min(candidates, key=self._distance)

    def _distance(self, moment: datetime.datetime) -> datetime.timedelta:
        if moment < self.session.starts_at:
            return self.session.starts_at - moment
        return max(moment - self.session.ends_at, datetime.timedelta(0))

    def decide_order(self, entries: list[Entry], stated: str | None, errors: list[ErrorItem]):
        cells = [(e.number, w) for e in entries for w in (e.joined, e.left) if w is not None]
        evidence = order_evidence(cells)
        if stated:
            return stated, "parameter"
        if not evidence.matters:
            return DMY, "not_needed"
        if not evidence.possible:
            errors.append(
                ErrorItem(
                    _(
                        "Ngày trong tệp không cùng một thứ tự: dòng %(dmy)d chỉ đọc được theo ngày/tháng, "
                        "dòng %(mdy)d chỉ đọc được theo tháng/ngày."
                    )
                    % {"dmy": evidence.proof["dmy"], "mdy": evidence.proof["mdy"]},
                    field="date_order",
                    code="date_order_conflict",
                )
            )
            return None, None
        if len(evidence.possible) == 1:
            return next(iter(evidence.possible)), "file"
        fitting = [order for order in DATE_ORDERS if self._all_near(cells, order)]
        if len(fitting) == 1:
            return fitting[0], "session"
        errors.append(
            ErrorItem(
                _(
                    "Không xác định được thứ tự ngày và tháng của tệp (mọi ngày đều không quá 12%(session)s): "
                    "hãy gửi tham số date_order là “dmy” (ngày/tháng/năm) hoặc “mdy” (tháng/ngày/năm, "
                    "như Zoom và Teams bản tiếng Anh Mỹ)."
                )
                % {
                    "session": _(", và cả hai cách đọc đều không rơi đúng ngày của buổi học")
                    if self.session
                    else ""
                },
                field="date_order",
                code="date_order_ambiguous",
            )
        )
        return None, None

    def _all_near(self, cells: list[tuple[int, WrittenTime]], order: str) -> bool:
        if self.session is None:
            return False
        for _row, written in cells:
            if written.parts is None or not written.orders():
                continue
            try:
                if not self.near_session(self.moment(written, order)):
                    return False
            except ValueError:
                return False
        return True

    def intervals(
        self, entries: list[Entry], order: str, table, errors: list[ErrorItem]
    ) -> list[tuple[Entry, datetime.datetime, datetime.datetime]]:
        """Each readable entry with its interval in UTC; the others as errors naming row and field."""
        resolved: list[tuple[Entry, datetime.datetime | None, datetime.datetime | None]] = []
        for entry in entries:
            ends = []
            for field_name, written in (("joined_at", entry.joined), ("left_at", entry.left)):
                moment = None
                if written is not None:
                    try:
                        moment = self.moment(written, order)
                    except ValueError as exc:
                        errors.append(ErrorItem(str(exc), field=field_name, row=entry.number))
                        ends = None
                        break
                    if not self.near_session(moment):
                        errors.append(self._far(entry.number, field_name, written, moment, order))
                        ends = None
                        break
                ends.append(moment)
            if ends is not None:
                resolved.append((entry, *ends))
        known = [m for _e, j, left in resolved for m in (j, left) if m is not None]
        first, last = (min(known), max(known)) if known else (None, None)
        rows = []
        for entry, joined, left in resolved:
            interval = self._interval(entry, joined, left, first, last, table, errors)
            if interval is not None:
                rows.append((entry, *interval))
        return rows

    def _interval(self, entry: Entry, joined, left, first, last, table, errors):
        duration = entry.duration
        if joined is None and entry.joined_is_start:
            joined = first
        if left is None and entry.left_is_end:
            left = last
        if joined is not None and left is not None:
            if left < joined:
                errors.append(
                    ErrorItem(
                        _("Giờ ra trước giờ vào."), field="left_at", row=entry.number, code="invalid_interval"
                    )
                )
                return None
            # A row of one person's first join and last leave with the time really spent (Meet,
            # Teams' Participants, Zoom's "unique users"): the time spent counts, from the join.
            if duration is not None and duration < left - joined - datetime.timedelta(minutes=1):
                left = joined + duration
            return joined, left
        if duration is not None:
            if joined is not None:
                return joined, joined + duration
            if left is not None:
                return left - duration, left
            if self.session is not None:
                return self.session.starts_at, self.session.starts_at + duration
        missing = "joined_at" if joined is None else "left_at"
        errors.append(
            ErrorItem(
                _("Thiếu “%(column)s”.") % {"column": table.headings[missing]},
                field=missing,
                row=entry.number,
                code="required",
            )
        )
        return None

    def _far(self, row: int, field_name: str, written: WrittenTime, moment, order: str) -> ErrorItem:
        session_day = django_timezone.localtime(self.session.starts_at).date()
        message = _(
            "“%(value)s” là ngày %(day)s, không phải ngày của buổi học (%(session)s)%(order)s: "
            "kiểm tra đúng buổi học, tham số date_order và timezone."
        ) % {
            "value": written.text,
            "day": django_timezone.localtime(moment).strftime("%d/%m/%Y"),
            "session": session_day.strftime("%d/%m/%Y"),
            "order": _(", đọc theo %(order)s") % {"order": order_label(order)} if written.parts else "",
        }
        return ErrorItem(message, field=field_name, row=row, code="outside_session")

    def check_overlap(self, rows) -> None:
        """A report none of whose times meets the session is another meeting's, or in another time
        zone than the one given: counting it would make everyone absent."""
        session = self.session
        if session is None or not rows:
            return
        if any(r.joined_at < session.ends_at and r.left_at > session.starts_at for r in rows):
            return
        raise DomainError(
            message=_(
                "Không dòng nào của báo cáo nằm trong giờ của buổi học (%(start)s–%(end)s): kiểm tra đúng "
                "buổi học và múi giờ của tệp (tham số timezone, ví dụ UTC)."
            )
            % {
                "start": django_timezone.localtime(session.starts_at).strftime("%H:%M %d/%m/%Y"),
                "end": django_timezone.localtime(session.ends_at).strftime("%H:%M"),
            },
            field="timezone",
            code="outside_session",
        )
