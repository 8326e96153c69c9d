"""The checks every source of attendance (and the final scores) passes before anything is written.

A stated status must agree with its stated minutes, and nothing but an excused absence is recorded
before a session starts (`stated_errors`, rules in `enrollment.rules.attendance`).

Input is checked whole before anything is written: a bad item is a DomainError naming it, and what
is stored stays as it was (`nothing_written_error`).

Once a class is closed its attendance is final: only an admin of its scope changes it, and only
with a reason, which the audit history keeps (`ensure_may_change`).
"""

from __future__ import annotations

from collections.abc import Iterable

from django.utils import timezone
from django.utils.translation import gettext as _
from rest_framework import status as http

from courses.core.errors import DomainError, ErrorItem
from courses.core.permissions import is_admin
from courses.models import ClassSession, TrainingClass
from enrollment.models import AttendanceStatus
from enrollment.rules.attendance import (
    attendance_too_early,
    present_minutes_threshold,
    session_length_minutes,
    stated_status_contradicts,
)

# An error report listing every one of thousands of bad records helps nobody; the first ones do.
MAX_REPORTED_ERRORS = 500
NOTE_MAX_LENGTH = 2000


def field_error(message: str, *, field: str, code: str) -> DomainError:
    """A 400 "invalid" whose one item names the field and says what is wrong with it (`code`)."""
    return DomainError(message=message, errors=[ErrorItem(message, field=field, code=code)])


def ensure_may_change(*, classes: Iterable[TrainingClass], actor, reason: str = "") -> None:
    """A closed class's attendance is final: only an admin, giving a reason, changes it.

    Callers have already narrowed `classes` to those the actor reaches, so an admin here is an
    admin of the class's scope.
    """
    if not any(c.is_closed for c in classes):
        return
    if not is_admin(actor):
        raise DomainError(
            message=_("Lớp đã khoá sổ: điểm danh và điểm chỉ quản trị viên được điều chỉnh."),
            code="class_closed",
            status=http.HTTP_403_FORBIDDEN,
        )
    if not (reason or "").strip():
        raise field_error(_("Lớp đã khoá sổ: cần ghi lý do điều chỉnh."), field="reason", code="required")


def nothing_written_error(errors: list[ErrorItem]) -> DomainError:
    shown = errors[:MAX_REPORTED_ERRORS]
    message = _("Có %(count)d lỗi: chưa có dữ liệu nào được ghi.") % {"count": len(errors)}
    if len(errors) > len(shown):
        message += " " + _("Chỉ liệt kê %(shown)d lỗi đầu tiên.") % {"shown": len(shown)}
    return DomainError(message=message, errors=shown)


def _minutes_error(prefix: str, minutes: int, session: ClassSession) -> ErrorItem | None:
    length = session_length_minutes(session)
    if minutes > length:
        return ErrorItem(
            _("Số phút (%(minutes)d) vượt quá thời lượng buổi học (%(length)d phút).")
            % {"minutes": minutes, "length": length},
            field=f"{prefix}.minutes",
            code="max_value",
        )
    return None


def _session_label(session: ClassSession) -> str:
    return f"{session.pk} ({timezone.localtime(session.starts_at):%H:%M %d/%m/%Y})"


def not_started_error(session: ClassSession, *, field: str) -> ErrorItem:
    """Attendance of a session that hasn't started: only an excused absence may be recorded."""
    return ErrorItem(
        _("Buổi học %(session)s chưa bắt đầu: chỉ ghi được vắng có phép.")
        % {"session": _session_label(session)},
        field=field,
        code="session_not_started",
    )


def stated_errors(
    *, prefix: str, session: ClassSession, status: str, minutes: int | None, session_field: str, now
) -> list[ErrorItem]:
    """What is wrong with a stated status and minutes (rules in `enrollment.rules.attendance`)."""
    if attendance_too_early(session, status, now):
        return [not_started_error(session, field=session_field)]
    if minutes is None:
        return []
    if error := _minutes_error(prefix, minutes, session):
        return [error]
    if not stated_status_contradicts(session, status, minutes):
        return []
    if status == AttendanceStatus.EXCUSED:
        message = _("Vắng có phép không có phút tham dự (ghi %(minutes)d phút).") % {"minutes": minutes}
    else:
        message = _(
            "Trạng thái “%(status)s” trái với %(minutes)d phút tham dự: có mặt hoặc đi muộn cần từ "
            "%(threshold)d phút, vắng cần ít hơn."
        ) % {
            "status": AttendanceStatus(status).label,
            "minutes": minutes,
            "threshold": present_minutes_threshold(session),
        }
    return [
        ErrorItem(message, field=f"{prefix}.status", code="contradicts_minutes"),
        ErrorItem(message, field=f"{prefix}.minutes", code="contradicts_status"),
    ]
