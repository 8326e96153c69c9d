"""Read the online meeting platform's participant report and match its rows to enrolments.

The report is what Zoom, Microsoft Teams and Google Meet export after a meeting, or the project's
own template (see `enrollment.platform_reports`, one module per platform, for each layout and
where it was taken from). The platform is detected from the file's headings and sections and
reported back. Each platform's rows become join-leave intervals in UTC: its date order (decided
for the whole file, never guessed: see `platform_reports.times`), 12- or 24-hour clock, and the
time zone the user gives (Vietnam's by default; the platforms write local time without offset).
Meet writes times without a date (the session's date applies) and a Duration (the time really
spent, used from the first join, or from the session's start when there is no time column).

A row is matched to an enrolment of the session's class, trying in turn:

1. the personal identification number (its column, or digits written in the display name, as
   trainers ask learners to rename themselves "Nguyễn Văn An - 001203004567");
2. the email address (case ignored), if only one enrolment of the class has it;
3. the full name, NFC-normalised and exact, then with case and diacritics ignored, if only one
   enrolment of the class has it; every spelling of the row is tried (Zoom's original name in
   parentheses, "Last, First" turned round, Meet's first and last name in either order).

The host (Zoom's meeting block's email, Teams' organizer) is reported apart and not matched.
Rows that match nobody (guests, a typo) are reported back with the reason; rows that can't be
read (a time that is not a time, leaving before joining, a time on another day than the
session's) make the whole report invalid, as for every import, so nothing is half-applied.
"""

from __future__ import annotations

import datetime
import re
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

from django.db import models
from django.utils import timezone as django_timezone
from django.utils.translation import gettext as _

from courses.errors import DomainError, ErrorItem
from courses.models import ClassSession
from courses.tabular import Column, as_text, file_error, read_table
from courses.text import fold, nfc
from enrollment.attendance_rules import ACTIVE_ENROLMENT_STATUSES
from enrollment.models import Enrollment
from enrollment.platform_reports import SECTIONS, detect
from enrollment.platform_reports.entries import Entry
from enrollment.platform_reports.times import (
    DATE_ORDERS,
    DMY,
    WrittenTime,
    order_evidence,
    order_label,
    read_written_time,
)

# The platforms export local wall-clock times without an offset; the user says when it is not
# Vietnam's (parameter `timezone`).
REPORT_TIMEZONE = ZoneInfo("Asia/Ho_Chi_Minh")

COLUMNS = [
    Column(
        "name",
        (
            "Họ và tên",
            "Họ tên",
            "Tên người tham gia",
            "Người tham gia",
            "Participant",
            "Participant name",
            "Name",
            "Name (Original Name)",
            "Full name",
            "Display name",
        ),
        help="Tên hiển thị của người tham gia.",
    ),
    Column("last_name", ("Last name", "Họ", "Họ đệm"), help="Họ (Google Meet: “Last name”)."),
    Column("first_name", ("First name", "Tên"), help="Tên (Google Meet: “First name”)."),
    Column(
        "email",
        ("Email", "Thư điện tử", "User Email", "Email address"),
        help="Thư điện tử của người tham gia.",
    ),
    Column("upn", ("Participant ID (UPN)",), help="Tài khoản Microsoft của người tham gia (Teams)."),
    Column(
        "national_id",
        (
            "Số định danh cá nhân",
            "Số định danh",
            "Số CCCD",
            "CCCD",
            "Mã định danh",
            "Identification number",
            "National ID",
            "ID number",
        ),
        help="Số định danh cá nhân (12 chữ số); cột này cũng có thể ghi thư điện tử.",
    ),
    Column(
        "joined_at",
        (
            "Thời gian vào",
            "Giờ vào",
            "Vào lúc",
            "Join time",
            "Time joined",
            "Joined at",
            "First Join",
        ),
        help="Ngày giờ vào (dd/mm/yyyy HH:MM[:SS], ISO 8601, hoặc như nền tảng xuất).",
    ),
    Column(
        "left_at",
        ("Thời gian ra", "Giờ ra", "Rời lúc", "Leave time", "Time exited", "Left at", "Last Leave"),
        help="Ngày giờ ra (dd/mm/yyyy HH:MM[:SS], ISO 8601, hoặc như nền tảng xuất).",
    ),
    Column(
        "duration",
        ("Thời lượng", "Số phút", "Duration", "Duration (Minutes)", "In-Meeting Duration"),
        help="Thời gian tham gia: số phút, “1 hr 25 min”, “1h 1m 59s” hoặc “01:25:00”.",
    ),
    Column(
        "guest", ("Guest", "Khách"), help="Zoom: Yes khi người tham gia không thuộc tài khoản của chủ trì."
    ),
    Column("role", ("Role", "Vai trò"), help="Teams: Organizer, Presenter, Attendee."),
    Column("action", ("User Action", "Thao tác"), help="Danh sách cũ của Teams: Joined, Left."),
    Column("timestamp", ("Timestamp", "Thời điểm"), help="Danh sách cũ của Teams: thời điểm của thao tác."),
]

# A data row of a report holds one of these; the notes and signatures below the table none.
TIME_FIELDS = ("joined_at", "left_at", "duration", "timestamp")
_SPACES = re.compile(r"\s+")
_ID_SEPARATORS = re.compile(r"[\s.\-']")
# Twelve digits in a display name, maybe written in groups: an identification number (shorter runs
# are more often phone numbers).
_DIGITS_IN_NAME = re.compile(r"(?<!\d)\d(?:[\s.]?\d){11}(?!\d)")
# A time this far from the session still counts as the session's day (an evening session's last
# leave after midnight, a join the evening before an early session).
NEAR_SESSION = datetime.timedelta(hours=3)


class Unmatched(models.TextChoices):
    """Why a row of the report was matched to no enrolment."""

    NO_IDENTITY = "no_identity", "no_identity"
    NOT_FOUND = "not_found", "not_found"
    AMBIGUOUS = "ambiguous", "ambiguous"
    NOT_ACTIVE = "not_active", "not_active"


@dataclass
class ReportRow:
    number: int
    name: str
    email: str
    national_id: str
    joined_at: datetime.datetime
    left_at: datetime.datetime
    # Every spelling of the name to match (the display name first).
    names: list[str] = field(default_factory=list)
    guest: bool = False
    host: bool = False


@dataclass
class UnmatchedRow:
    row: int
    name: str
    email: str
    national_id: str
    reason: str
    message: str
    guest: bool = False

    def as_dict(self) -> dict:
        return {
            "row": self.row,
            "name": self.name,
            "email": self.email,
            "national_id": self.national_id,
            "reason": self.reason,
            "message": self.message,
            "guest": self.guest,
        }


@dataclass
class Report:
    """The rows of a report, and how it was read: shown to the user in the dry run."""

    platform: str
    rows: list[ReportRow]
    file: dict
    # The date order the times were read in (None when no date in the file needed one), what
    # decided it ("file": a day above 12; "session": the one reading on the session's day;
    # "parameter": the user; "not_needed"), and the time zone of times without an offset.
    date_order: str | None
    date_order_from: str
    timezone: str

    @property
    def times(self) -> dict:
        return {
            "date_order": self.date_order,
            "date_order_from": self.date_order_from,
            "timezone": self.timezone,
        }


def report_zone(name: str | None) -> ZoneInfo:
    """The IANA time zone the user named; DomainError on the field "timezone" when there is none."""
    if name is None or str(name).strip() == "":
        return REPORT_TIMEZONE
    text = str(name).strip()
    try:
        if len(text) > 64 or text.startswith(("/", ".")):
            raise ValueError(text)
        return ZoneInfo(text)
    except (ValueError, OSError, KeyError):
        raise DomainError(
            message=_("“%(value)s” không phải là múi giờ: hãy ghi tên IANA, ví dụ Asia/Ho_Chi_Minh hoặc UTC.")
            % {"value": text[:64]},
            field="timezone",
        ) from None


def as_local_datetime(value, zone: ZoneInfo = REPORT_TIMEZONE) -> datetime.datetime:
    """An aware datetime, in UTC, from an Excel cell or a dd/mm/yyyy HH:MM[:SS] or ISO 8601 text
    (read in `zone` unless it gives an offset)."""
    written = read_written_time(value)
    if written.fixed is None and written.parts is None:
        raise ValueError(_("“%(value)s” không có ngày: hãy ghi dd/mm/yyyy HH:MM:SS.") % {"value": value})
    return written.moment(DMY, zone, None)


def normalise_national_id(value) -> str:
    """Twelve digits, or "" when the value is not an identification number.

    Excel drops leading zeros; the first three digits are a province code (001-096), so at most
    two can have been lost.
    """
    text = _ID_SEPARATORS.sub("", as_text(value)) if value not in (None, "") else ""
    if text.isdigit() and 10 <= len(text) <= 12:
        return text.zfill(12)
    return ""


def name_key(value: str) -> str:
    return _SPACES.sub(" ", nfc(value or "")).strip()


def read_report(
    *,
    content: bytes,
    filename: str,
    session: ClassSession | None = None,
    zone: ZoneInfo = REPORT_TIMEZONE,
    date_order: str | None = None,
    sheet: str | int | None = None,
    mapping: Mapping[str, str] | None = None,
) -> Report:
    """Every row of the report with its interval in UTC, or DomainError listing every row and
    field that can't be read (and `date_order` when the file's date order can't be decided)."""
    table = read_table(
        content=content,
        filename=filename,
        columns=COLUMNS,
        sheet=sheet,
        mapping=mapping,
        sections=SECTIONS,
        data_fields=TIME_FIELDS,
    )
    platform = detect(table)
    _check_time_columns(table)
    errors: list[ErrorItem] = []
    entries = platform.entries(table, errors)
    times = _Times(session, zone)
    order, decided_by = times.decide_order(entries, date_order, errors)
    rows: list[ReportRow] = []
    if order is not None:
        unreadable = {e.row for e in errors}
        rows = times.rows([e for e in entries if e.number not in unreadable], order, table, errors)
    if errors:
        raise DomainError(
            message=_("Báo cáo có %(count)d lỗi: chưa có dữ liệu nào được ghi.") % {"count": len(errors)},
            errors=sorted(errors, key=lambda e: (e.row or 0, e.field or "")),
        )
    if not any(r.name or r.email or r.national_id for r in rows):
        raise file_error(
            _(
                "Báo cáo không có cột nào để nhận ra người tham gia: cần họ tên, thư điện tử hoặc số định danh."
            )
        )
    times.check_overlap(rows)
    return Report(
        platform=platform.NAME,
        rows=rows,
        file=table.describe(),
        date_order=order if decided_by != "not_needed" else None,
        date_order_from=decided_by,
        timezone=zone.key,
    )


def _check_time_columns(table) -> None:
    present = set(table.rows[0].values) if table.rows else set()
    if {"joined_at", "left_at"} <= present or {"action", "timestamp"} <= present or "duration" in present:
        return
    wanted = [table.headings[f] for f in ("joined_at", "left_at") if f not in present] or [
        table.headings["duration"]
    ]
    raise file_error(
        _("Thiếu cột thời gian: cần %(columns)s (hoặc cột thời lượng “%(duration)s”).")
        % {"columns": ", ".join(f"“{w}”" for w in wanted), "duration": table.headings["duration"]}
    )


class _Times:
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

    def rows(self, entries: list[Entry], order: str, table, errors: list[ErrorItem]) -> list[ReportRow]:
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
                rows.append(_report_row(entry, *interval))
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

    def check_overlap(self, rows: list[ReportRow]) -> None:
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


def _report_row(entry: Entry, joined: datetime.datetime, left: datetime.datetime) -> ReportRow:
    email = entry.email
    national_id = ""
    if entry.id_cell is not None:
        # One column often carries "email or identification number".
        id_text = as_text(entry.id_cell)
        if "@" in id_text and not email:
            email = id_text.strip().lower()
        else:
            national_id = normalise_national_id(entry.id_cell)
    if not national_id:
        for spelling in entry.names:
            found = next(
                (n for n in (normalise_national_id(m) for m in _DIGITS_IN_NAME.findall(spelling)) if n), ""
            )
            if found:
                national_id = found
                break
    names = [name_key(n) for n in entry.names if n] or ([name_key(entry.name)] if entry.name else [])
    return ReportRow(
        number=entry.number,
        name=name_key(entry.name),
        email=email,
        national_id=national_id,
        joined_at=joined,
        left_at=left,
        names=list(dict.fromkeys(names)),
        guest=entry.guest,
        host=entry.host,
    )


class EnrolmentIndex:
    """The class's enrolments by identification number, email and name, for matching."""

    def __init__(self, enrollments: Iterable[Enrollment]):
        self.by_id: dict[str, Enrollment] = {}
        self.by_email: dict[str, list[Enrollment]] = defaultdict(list)
        self.by_name: dict[str, list[Enrollment]] = defaultdict(list)
        self.by_folded_name: dict[str, list[Enrollment]] = defaultdict(list)
        for enrollment in enrollments:
            learner = enrollment.learner
            self.by_id[learner.national_id] = enrollment
            if learner.email:
                self.by_email[learner.email.lower()].append(enrollment)
            self.by_name[name_key(learner.full_name)].append(enrollment)
            self.by_folded_name[fold(learner.full_name)].append(enrollment)

    def match(self, row: ReportRow) -> tuple[Enrollment | None, UnmatchedRow | None]:
        def unmatched(reason: str, message: str):
            return None, UnmatchedRow(
                row.number, row.name, row.email, row.national_id, reason, message, guest=row.guest
            )

        names = row.names or ([row.name] if row.name else [])
        if not (names or row.email or row.national_id):
            return unmatched(Unmatched.NO_IDENTITY, _("Dòng không có họ tên, thư điện tử hay số định danh."))
        found = None
        ambiguous = False
        if row.national_id:
            found = self.by_id.get(row.national_id)
        lookups = []
        if row.email:
            lookups.append((self.by_email, row.email))
        # Exact spellings first, then with case and diacritics ignored (display names typed
        # without accents).
        lookups += [(self.by_name, name) for name in names]
        lookups += [(self.by_folded_name, fold(name)) for name in names]
        for index, key in lookups:
            if found is not None:
                break
            candidates = index.get(key, [])
            if len(candidates) == 1:
                found = candidates[0]
            ambiguous = ambiguous or len(candidates) > 1
        if found is None:
            if ambiguous:
                return unmatched(
                    Unmatched.AMBIGUOUS,
                    _("Nhiều học viên của lớp trùng thư điện tử hoặc họ tên này: hãy ghi số định danh."),
                )
            return unmatched(Unmatched.NOT_FOUND, _("Không có học viên nào của lớp khớp với dòng này."))
        if found.status not in ACTIVE_ENROLMENT_STATUSES:
            return unmatched(
                Unmatched.NOT_ACTIVE,
                _("Học viên %(name)s không còn học trong lớp (%(status)s).")
                % {"name": found.learner.full_name, "status": found.get_status_display()},
            )
        return found, None
