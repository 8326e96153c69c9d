"""Read the online meeting platform's participant report and match its rows to enrolments.

The report is what Zoom, Microsoft Teams and Google Meet export after a meeting, or the project's
own template (see `enrollment.files.platform_reports`, one module per platform, for each layout and
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
from django.utils.translation import gettext as _

from courses.core.errors import DomainError, ErrorItem
from courses.core.files.cells import as_text
from courses.core.files.rows import file_error
from courses.core.files.tabular import Column, read_table
from courses.core.text import fold, nfc
from courses.models import ClassSession
from enrollment.files.platform_reports import SECTIONS, detect
from enrollment.files.platform_reports.entries import Entry
from enrollment.files.platform_reports.intervals import SessionTimes
from enrollment.files.platform_reports.times import DMY, read_written_time
from enrollment.models import SEAT_STATUSES, Enrollment
from enrollment.rules.identity import national_id_or_blank

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
# Twelve digits in a display name, maybe written in groups: an identification number (shorter runs
# are more often phone numbers).
_DIGITS_IN_NAME = re.compile(r"(?<!\d)\d(?:[\s.]?\d){11}(?!\d)")


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
    times = SessionTimes(session, zone)
    order, decided_by = times.decide_order(entries, date_order, errors)
    rows: list[ReportRow] = []
    if order is not None:
        unreadable = {e.row for e in errors}
        readable = [e for e in entries if e.number not in unreadable]
        rows = [_report_row(*found) for found in times.intervals(readable, order, table, errors)]
    if errors:
        raise DomainError(
            message=_("Báo cáo “%(file)s”%(sheet)s có %(count)d lỗi: chưa có dữ liệu nào được ghi.")
            % {
                "file": table.file_name,
                "sheet": (_(" (trang tính “%(sheet)s”)") % {"sheet": table.sheet}) if table.sheet else "",
                "count": len(errors),
            },
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


def _report_row(entry: Entry, joined: datetime.datetime, left: datetime.datetime) -> ReportRow:
    email = entry.email
    national_id = ""
    if entry.id_cell is not None:
        # One column often carries "email or identification number".
        id_text = as_text(entry.id_cell)
        if "@" in id_text and not email:
            email = id_text.strip().lower()
        else:
            national_id = national_id_or_blank(entry.id_cell)
    if not national_id:
        for spelling in entry.names:
            found = next(
                (n for n in (national_id_or_blank(m) for m in _DIGITS_IN_NAME.findall(spelling)) if n), ""
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
        if found.status not in SEAT_STATUSES:
            return unmatched(
                Unmatched.NOT_ACTIVE,
                _("Học viên %(name)s không còn học trong lớp (%(status)s).")
                % {"name": found.learner.full_name, "status": found.get_status_display()},
            )
        return found, None
