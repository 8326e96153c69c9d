"""Read the online meeting platform's participant report and match its rows to enrolments.

The report is what Zoom, Google Meet, Microsoft Teams and the Vietnamese platforms export after a
meeting: one row per join-leave interval, so one person appears once per time they joined. The
reader accepts their usual headings (English or Vietnamese), a CSV (UTF-8, "," or ";") or an XLSX,
and times written as dd/mm/yyyy HH:MM[:SS] or ISO 8601, in Vietnam's local time
(Asia/Ho_Chi_Minh) unless they carry an offset.

A row is matched to an enrolment of the session's class, trying in turn:

1. the personal identification number (leading zeros lost by Excel restored);
2. the email address (case ignored), if only one enrolment of the class has it;
3. the full name, NFC-normalised and exact, if only one enrolment of the class has it.

Rows that match nobody (guests, the trainer, a typo) are reported back with the reason; rows
that can't be read (a time that is not a time, leaving before joining) make the whole report
invalid, as for every import, so nothing is half-applied.
"""

from __future__ import annotations

import datetime
import re
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from django.db import models
from django.utils.translation import gettext as _

from courses.errors import DomainError, ErrorItem
from courses.filter_fields import in_utc
from courses.tabular import Column, as_text, file_error, read_table
from courses.text import nfc
from enrollment.attendance_rules import ACTIVE_ENROLMENT_STATUSES
from enrollment.models import Enrollment
from enrollment.services.learners import national_id_parse

# The platforms export local wall-clock times without an offset.
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
    Column(
        "email",
        ("Email", "Thư điện tử", "User Email", "Email address", "Participant ID (UPN)"),
        help="Thư điện tử của người tham gia.",
    ),
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
        ("Thời gian vào", "Giờ vào", "Vào lúc", "Join time", "Time joined", "Joined at", "Join Time"),
        required=True,
        help="dd/mm/yyyy HH:MM[:SS] hoặc ISO 8601, giờ Việt Nam.",
    ),
    Column(
        "left_at",
        ("Thời gian ra", "Giờ ra", "Rời lúc", "Leave time", "Time exited", "Left at", "Leave Time"),
        required=True,
        help="dd/mm/yyyy HH:MM[:SS] hoặc ISO 8601, giờ Việt Nam.",
    ),
]

_TIME_FORMATS = (
    "%d/%m/%Y %H:%M:%S",
    "%d/%m/%Y %H:%M",
    "%d-%m-%Y %H:%M:%S",
    "%d-%m-%Y %H:%M",
    "%Y-%m-%d %H:%M:%S",
    "%Y-%m-%d %H:%M",
)
_SPACES = re.compile(r"\s+")
_ID_SEPARATORS = re.compile(r"[\s.\-']")


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


@dataclass
class UnmatchedRow:
    row: int
    name: str
    email: str
    national_id: str
    reason: str
    message: str

    def as_dict(self) -> dict:
        return {
            "row": self.row,
            "name": self.name,
            "email": self.email,
            "national_id": self.national_id,
            "reason": self.reason,
            "message": self.message,
        }


def as_local_datetime(value) -> datetime.datetime:
    """An aware datetime, in UTC, from an Excel cell or a dd/mm/yyyy HH:MM[:SS] or ISO 8601 text
    (read in the report's time zone unless it gives an offset)."""
    if isinstance(value, datetime.datetime):
        moment = value
    elif isinstance(value, datetime.date):
        # The tabular reader turns an Excel time of exactly 00:00 into a date.
        moment = datetime.datetime.combine(value, datetime.time(0))
    else:
        text = _SPACES.sub(" ", str(value).strip())
        moment = None
        for fmt in _TIME_FORMATS:
            try:
                moment = datetime.datetime.strptime(text, fmt)
                break
            except ValueError:
                continue
        if moment is None:
            try:
                moment = datetime.datetime.fromisoformat(text)
            except ValueError:
                raise ValueError(
                    _("“%(value)s” không phải là thời điểm: hãy ghi dd/mm/yyyy HH:MM:SS.") % {"value": value}
                ) from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=REPORT_TIMEZONE)
    return in_utc(moment)


def normalise_national_id(value) -> str:
    """Twelve digits, or "" when the value is not a personal identification number (the one rule:
    enrollment.services.learners.identity_number_parse; a 9-digit CMND is not one)."""
    try:
        return national_id_parse(value).value
    except ValueError:
        return ""


def name_key(value: str) -> str:
    return _SPACES.sub(" ", nfc(value or "")).strip()


def read_report(*, content: bytes, filename: str) -> list[ReportRow]:
    """Every row of the report, or DomainError listing every row and field that can't be read."""
    table = read_table(content=content, filename=filename, columns=COLUMNS)
    rows: list[ReportRow] = []
    errors: list[ErrorItem] = []
    for row in table.rows:
        times = {}
        for field in ("joined_at", "left_at"):
            value = row.get(field)
            if value is None:
                errors.append(
                    ErrorItem(
                        _("Thiếu “%(column)s”.") % {"column": table.headings[field]},
                        field=field,
                        row=row.number,
                        code="required",
                    )
                )
                continue
            try:
                times[field] = as_local_datetime(value)
            except ValueError as exc:
                errors.append(ErrorItem(str(exc), field=field, row=row.number))
        if len(times) == 2 and times["left_at"] < times["joined_at"]:
            errors.append(
                ErrorItem(
                    _("Giờ ra trước giờ vào."), field="left_at", row=row.number, code="invalid_interval"
                )
            )
            continue
        if len(times) < 2:
            continue
        email = as_text(row.get("email", "")).lower()
        id_cell = row.get("national_id")
        national_id = ""
        if id_cell is not None:
            # One column often carries "email or identification number".
            id_text = as_text(id_cell)
            if "@" in id_text and not email:
                email = id_text.lower()
            else:
                national_id = normalise_national_id(id_cell)
        rows.append(
            ReportRow(
                number=row.number,
                name=name_key(as_text(row.get("name", ""))),
                email=email,
                national_id=national_id,
                joined_at=times["joined_at"],
                left_at=times["left_at"],
            )
        )
    if errors:
        raise DomainError(
            message=_("Báo cáo có %(count)d lỗi: chưa có dữ liệu nào được ghi.") % {"count": len(errors)},
            errors=errors,
        )
    if not any(r.name or r.email or r.national_id for r in rows):
        raise file_error(
            _(
                "Báo cáo không có cột nào để nhận ra người tham gia: cần họ tên, thư điện tử hoặc số định danh."
            )
        )
    return rows


class EnrolmentIndex:
    """The class's enrolments by identification number, email and name, for matching."""

    def __init__(self, enrollments: Iterable[Enrollment]):
        self.by_id: dict[str, Enrollment] = {}
        self.by_email: dict[str, list[Enrollment]] = defaultdict(list)
        self.by_name: dict[str, list[Enrollment]] = defaultdict(list)
        for enrollment in enrollments:
            learner = enrollment.learner
            self.by_id[learner.national_id] = enrollment
            if learner.email:
                self.by_email[learner.email.lower()].append(enrollment)
            self.by_name[name_key(learner.full_name)].append(enrollment)

    def match(self, row: ReportRow) -> tuple[Enrollment | None, UnmatchedRow | None]:
        def unmatched(reason: str, message: str):
            return None, UnmatchedRow(row.number, row.name, row.email, row.national_id, reason, message)

        if not (row.name or row.email or row.national_id):
            return unmatched(Unmatched.NO_IDENTITY, _("Dòng không có họ tên, thư điện tử hay số định danh."))
        found = None
        ambiguous = False
        if row.national_id:
            found = self.by_id.get(row.national_id)
        if found is None and row.email:
            candidates = self.by_email.get(row.email, [])
            found = candidates[0] if len(candidates) == 1 else None
            ambiguous = len(candidates) > 1
        if found is None and row.name:
            candidates = self.by_name.get(row.name, [])
            found = candidates[0] if len(candidates) == 1 else None
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
