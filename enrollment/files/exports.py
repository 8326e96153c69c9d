"""XLSX exports of a class for its trainers: the attendance sheet and the roster.

Headings, labels and the sheet's name are in the request's language (Vietnamese by default,
English under Accept-Language: en), like every answer of the API; so is the file's name
(attachment_name). The strings carry the context "export" (pgettext), the words of a file handed
out, apart from the same words elsewhere. Both are written in openpyxl's write-only mode from three queries, so a class of
thousands of learners exports in about a second. Every cell goes through courses.core.files.spreadsheet: a
learner's name or phone is text, never a formula, and a control character stored in it is dropped.
Each returns the workbook; the view hands it to courses.core.renderers.XLSXRenderer, which saves it.
"""

from __future__ import annotations

from decimal import Decimal

from django.utils import timezone
from django.utils.translation import pgettext, pgettext_lazy
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Alignment, Font

from courses.core.files.spreadsheet import xlsx_cell, xlsx_row
from courses.models import TrainingClass
from enrollment.models import AttendanceStatus
from enrollment.rules.completion import percent_truncated
from enrollment.rules.personal_data import as_seen_by
from enrollment.selectors.attendance import attendance_rates_for_class, class_attendance_matrix

# Lazy: each file is headed in the language of the request that asks for it.
ATTENDANCE_SHEET_LEAD = [
    pgettext_lazy("export", "STT"),
    pgettext_lazy("export", "Số định danh cá nhân"),
    pgettext_lazy("export", "Họ và tên"),
    pgettext_lazy("export", "Trạng thái ghi danh"),
]
ATTENDANCE_SHEET_TAIL = [
    pgettext_lazy("export", "Số buổi có mặt"),
    pgettext_lazy("export", "Tổng số phút tham dự"),
    pgettext_lazy("export", "Số phút yêu cầu"),
    pgettext_lazy("export", "Tỷ lệ chuyên cần (%)"),
    pgettext_lazy("export", "Đạt yêu cầu"),
]
ROSTER_HEADINGS = [
    pgettext_lazy("export", "STT"),
    pgettext_lazy("export", "Số định danh cá nhân"),
    pgettext_lazy("export", "Họ và tên"),
    pgettext_lazy("export", "Giới tính"),
    pgettext_lazy("export", "Ngày sinh"),
    pgettext_lazy("export", "Dân tộc"),
    pgettext_lazy("export", "Chức danh"),
    pgettext_lazy("export", "Xã, phường"),
    pgettext_lazy("export", "Điện thoại"),
    pgettext_lazy("export", "Thư điện tử"),
    pgettext_lazy("export", "Trạng thái ghi danh"),
    pgettext_lazy("export", "Số buổi có mặt"),
    pgettext_lazy("export", "Số phút tham dự"),
    pgettext_lazy("export", "Số phút kế hoạch"),
    pgettext_lazy("export", "Tỷ lệ chuyên cần (%)"),
    pgettext_lazy("export", "Điểm kiểm tra cuối khoá"),
]

_BOLD = Font(bold=True)
_WRAP = Alignment(wrap_text=True, vertical="top")


def session_heading(number: int, session, part: str) -> str:
    starts = timezone.localtime(session.starts_at)
    return pgettext("export", "Buổi %(number)s (%(starts)s) - %(part)s") % {
        "number": number,
        "starts": f"{starts:%d/%m/%Y %H:%M}",
        "part": part,
    }


def _heading_row(sheet, headings):
    cells = []
    for text in headings:
        cell = WriteOnlyCell(sheet)
        xlsx_cell(cell, str(text))
        cell.font = _BOLD
        cell.alignment = _WRAP
        cells.append(cell)
    return cells


def _percent(rate: float) -> float:
    # Truncated, never rounded: 79.99% is 79.9, not the 80 a threshold asks for.
    return float(percent_truncated(Decimal(str(rate)) * 100))


def attendance_sheet_workbook(training_class: TrainingClass, *, reader) -> Workbook:
    """Learners by sessions: each session's status and minutes, then the learner's totals; the
    learners and the fields of each that `reader` may read (enrollment.rules.personal_data)."""
    matrix = class_attendance_matrix(training_class, reader=reader)
    sessions, records = matrix["sessions"], matrix["records"]
    status_labels = {key: str(label) for key, label in AttendanceStatus.choices}
    met, not_met = pgettext("export", "Đạt"), pgettext("export", "Chưa đạt")

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(pgettext("export", "Điểm danh"))
    sheet.freeze_panes = "E2"
    headings = list(ATTENDANCE_SHEET_LEAD)
    for number, session in enumerate(sessions, start=1):
        headings += [
            session_heading(number, session, pgettext("export", "Trạng thái")),
            session_heading(number, session, pgettext("export", "Số phút")),
        ]
    headings += ATTENDANCE_SHEET_TAIL
    sheet.append(_heading_row(sheet, headings))

    for number, enrollment in enumerate(matrix["enrollments"], start=1):
        learner = as_seen_by(reader, enrollment.learner)
        row = [number, learner.national_id, learner.full_name, enrollment.get_status_display()]
        for session in sessions:
            status, minutes = records.get((enrollment.pk, session.pk), (None, None))
            row += [status_labels.get(status, ""), minutes]
        row += [
            enrollment.attended_sessions,
            enrollment.attended_minutes,
            enrollment.required_minutes,
            _percent(enrollment.attendance_rate),
            met if enrollment.meets_attendance else not_met,
        ]
        sheet.append(xlsx_row(sheet, row))
    return workbook


def roster_workbook(training_class: TrainingClass, *, reader) -> Workbook:
    """The class's enrolments with each learner's details and attendance rate; the learners and
    the fields of each that `reader` may read (enrollment.rules.personal_data)."""
    enrollments = attendance_rates_for_class(training_class.pk, reader=reader).select_related(
        "learner__position", "learner__commune"
    )
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(pgettext("export", "Danh sách học viên"))
    sheet.freeze_panes = "D2"
    sheet.append(_heading_row(sheet, ROSTER_HEADINGS))
    for number, enrollment in enumerate(enrollments, start=1):
        learner = as_seen_by(reader, enrollment.learner)
        sheet.append(
            xlsx_row(
                sheet,
                [
                    number,
                    learner.national_id,
                    learner.full_name,
                    learner.get_gender_display(),
                    learner.date_of_birth.strftime("%d/%m/%Y") if learner.date_of_birth else "",
                    learner.ethnicity,
                    learner.position.name_vi if learner.position_id else "",
                    learner.commune.name if learner.commune_id else "",
                    learner.phone,
                    learner.email,
                    enrollment.get_status_display(),
                    enrollment.attended_sessions,
                    enrollment.attended_minutes,
                    enrollment.planned_minutes,
                    _percent(enrollment.attendance_rate),
                    float(enrollment.final_score) if enrollment.final_score is not None else None,
                ],
            )
        )
    return workbook
