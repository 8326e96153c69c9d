"""The enrolment list a province sends: its layout (LAYOUT, shown in the API docs) and checking its
rows into learners to enrol.

Checking needs the reference data (positions, provinces, communes, ethnicities, genders and their
aliases), which it reads once (`courses.vocabularies.Vocabulary.load`, a handful of queries), so a
20,000-row file costs no query per row.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.utils.translation import gettext as _

from courses.errors import ErrorItem
from courses.models import Province
from courses.tabular import Column, TableRow, as_date, as_text
from courses.vocabularies import Vocabulary
from enrollment.models import MAJORITY_ETHNICITY
from enrollment.services.learners import national_id_parse

COLUMNS: tuple[Column, ...] = (
    Column("stt", ("STT", "Số thứ tự", "TT"), help="Row number; ignored."),
    Column("full_name", ("Họ và tên", "Họ tên", "Họ và tên học viên"), required=True, help="Full name; composed or decomposed Unicode both read the same."),
    Column("national_id", ("Số định danh cá nhân/CCCD", "Số định danh cá nhân", "Số định danh", "Số CCCD", "CCCD", "CMND/CCCD", "Số CMND/CCCD"), required=True, help="12 digits. A number of 9 to 11 digits (Excel dropped its leading zeros) is left-padded with zeros to 12."),
    Column("date_of_birth", ("Ngày sinh (dd/mm/yyyy)", "Ngày sinh", "Ngày tháng năm sinh"), help="dd/mm/yyyy or an Excel date; optional."),
    Column("gender", ("Giới tính (Nam/Nữ)", "Giới tính"), help="Nam or Nữ (also Khác); required for a learner not yet known."),
    Column("ethnicity", ("Dân tộc",), help="Ethnic group: one of the 54 official names or a common variant (“H'Mông”, “Ê-đê”, …), stored by its official name; blank means Kinh. Every group but Kinh counts as an ethnic minority."),
    Column("position", ("Chức danh", "Chức vụ"), help="Position (chức danh) by its Vietnamese name or code."),
    Column("commune", ("Xã/phường", "Xã, phường", "Xã/phường/đặc khu", "Xã"), help="Commune of the current 34 provinces, e.g. “Xã Bằng Thành” or “Bằng Thành”; the learner's province is derived from it."),
    Column("province", ("Tỉnh", "Tỉnh/thành phố", "Tỉnh, thành phố", "Tỉnh/TP"), help="Province by name or code; a province merged on 1 July 2025 is read as the one it became part of. Blank: the class's province."),
    Column("phone", ("Điện thoại", "Số điện thoại", "SĐT", "ĐT"), help="Optional."),
    Column("email", ("Email", "Thư điện tử", "E-mail"), help="Optional."),
)  # fmt: skip

HEADINGS = {c.field: c.heading for c in COLUMNS}
# Fields compared when the same id appears on several rows.
COMPARED_FIELDS = (
    "full_name",
    "date_of_birth",
    "gender",
    "ethnicity",
    "position",
    "commune",
    "province",
    "phone",
    "email",
)


_PHONE = re.compile(r"^\+?[0-9 .\-()]{6,20}$")


def _columns_table() -> str:
    lines = ["| Heading | Field | Required column | Content |", "|---|---|---|---|"]
    for column in COLUMNS:
        also = f" (also: {', '.join(column.headings[1:])})" if len(column.headings) > 1 else ""
        required = "yes" if column.required else "no"
        lines.append(f"| {column.heading}{also} | `{column.field}` | {required} | {column.help} |")
    return "\n".join(lines)


LAYOUT = f"""
One sheet of an .xlsx, or a UTF-8 .csv delimited by "," or ";", one learner per row, in the shape
provinces send: Vietnamese headings on the first non-blank row, matched ignoring case, diacritics
and punctuation; other columns are ignored; rows are numbered as the spreadsheet shows them.

Blank rows are skipped. A learner whose id appears on several rows with the same data is taken once
(a warning names the repeated rows); with different data it is an error naming both rows. Learners
not yet known are created (with a user account that cannot sign in until an admin generates a
password); learners already known are enrolled as they are stored, and a name differing from the
stored one is reported as a warning. Learners are enrolled in file order while seats last, then
waitlisted; one already in the class is left as is.

{_columns_table()}
"""


@dataclass
class LearnerDraft:
    """One learner read from the file, with the first row describing them."""

    row: int
    national_id: str
    values: dict[str, Any] = field(default_factory=dict)
    rows: list[int] = field(default_factory=list)

    def compared(self) -> dict[str, Any]:
        return {name: _comparable(self.values.get(name)) for name in COMPARED_FIELDS}


def _comparable(value):
    if isinstance(value, str):
        return " ".join(value.split()).casefold()
    if hasattr(value, "pk"):
        return value.pk
    return value


def _clean_name(value) -> str:
    return " ".join(as_text(value, max_length=200).split())


def enrolment_rows_check(
    rows: Sequence[TableRow],
    *,
    maps: Vocabulary,
    default_province: Province,
    progress: Callable[[int], None] | None = None,
) -> tuple[list[LearnerDraft], list[ErrorItem], list[ErrorItem]]:
    """Read every row into learner drafts; (drafts in file order, errors, warnings).

    Every error names its row and field (the heading as written in the file is the field's name
    in the report: the API's field names, e.g. "national_id").
    """
    errors: list[ErrorItem] = []
    warnings: list[ErrorItem] = []
    drafts: dict[str, LearnerDraft] = {}

    def error(row: int, name: str, message: str, code: str = "invalid") -> None:
        errors.append(ErrorItem(row=row, field=name, message=message, code=code))

    for index, row in enumerate(rows, start=1):
        if progress is not None:
            progress(index)
        values: dict[str, Any] = {}
        row_errors_before = len(errors)

        raw_id = row.get("national_id")
        national_id = None
        if raw_id is None:
            error(row.number, "national_id", _("Thiếu số định danh cá nhân."), "required")
        else:
            try:
                parsed = national_id_parse(raw_id)
                national_id = parsed.value
                if parsed.padded:
                    warnings.append(
                        ErrorItem(
                            row=row.number,
                            field="national_id",
                            code="padded",
                            message=_("Số “%(raw)s” đã được thêm số 0 ở đầu thành %(id)s.")
                            % {"raw": raw_id, "id": national_id},
                        )
                    )
            except ValueError as exc:
                error(row.number, "national_id", str(exc))

        name = row.get("full_name")
        if name is None:
            error(row.number, "full_name", _("Thiếu họ và tên."), "required")
        else:
            try:
                values["full_name"] = _clean_name(name)
            except ValueError as exc:
                error(row.number, "full_name", str(exc))

        parsers = {
            "date_of_birth": as_date,
            "gender": maps.gender,
            "ethnicity": maps.ethnicity,
            "position": maps.position,
            "phone": lambda v: as_text(v, max_length=20),
            "email": lambda v: as_text(v, max_length=254),
        }
        for name_, parse in parsers.items():
            raw = row.get(name_)
            if raw is None:
                continue
            try:
                values[name_] = parse(raw)
            except ValueError as exc:
                error(row.number, name_, str(exc))
        if values.get("phone") and not _PHONE.match(values["phone"]):
            error(
                row.number,
                "phone",
                _("“%(value)s” không phải là số điện thoại.") % {"value": values["phone"]},
            )
        if values.get("email"):
            try:
                validate_email(values["email"])
            except ValidationError:
                error(
                    row.number,
                    "email",
                    _("“%(value)s” không phải là địa chỉ thư điện tử.") % {"value": values["email"]},
                )

        province = None
        province_cell, commune_cell = row.get("province"), row.get("commune")
        if province_cell is not None:
            try:
                province, was_legacy = maps.province(province_cell)
            except ValueError as exc:
                error(row.number, "province", str(exc))
            else:
                if was_legacy:
                    warnings.append(
                        ErrorItem(
                            row=row.number,
                            field="province",
                            code="legacy_province",
                            message=_("“%(value)s” đã sáp nhập: ghi nhận là %(province)s.")
                            % {"value": province_cell, "province": province.name},
                        )
                    )
        if commune_cell is not None and not (province_cell is not None and province is None):
            try:
                match = maps.commune(commune_cell, province, near=default_province)
            except ValueError as exc:
                error(row.number, "commune", str(exc))
            else:
                values["commune"] = commune = match.commune
                province = maps.provinces_by_id[commune.province_id]
                if match.former:
                    warnings.append(
                        ErrorItem(
                            row=row.number,
                            field="commune",
                            code="legacy_commune",
                            message=_("“%(value)s” (%(former)s, trước 01/7/2025) nay là %(commune)s.")
                            % {"value": commune_cell, "former": match.former, "commune": commune.name},
                        )
                    )
        values["province"] = province or default_province

        if national_id is None or len(errors) > row_errors_before:
            continue
        draft = LearnerDraft(row=row.number, national_id=national_id, values=values, rows=[row.number])
        first = drafts.get(national_id)
        if first is None:
            drafts[national_id] = draft
            continue
        first_values, these = first.compared(), draft.compared()
        differing = [
            n
            for n in COMPARED_FIELDS
            if these[n] is not None and first_values[n] is not None and these[n] != first_values[n]
        ]
        if differing:
            error(
                row.number,
                "national_id",
                _("Dòng %(row)d và dòng %(first)d cùng số định danh %(id)s nhưng khác %(fields)s.")
                % {
                    "row": row.number,
                    "first": first.row,
                    "id": national_id,
                    "fields": ", ".join(f"“{HEADINGS[n]}”" for n in differing),
                },
                "duplicate_conflict",
            )
            continue
        # Same person: fill what the first row left blank, keep one draft.
        for name_, value in values.items():
            if first.values.get(name_) is None:
                first.values[name_] = value
        first.rows.append(row.number)
        warnings.append(
            ErrorItem(
                row=row.number,
                field="national_id",
                code="duplicate_merged",
                message=_("Dòng %(row)d lặp lại học viên ở dòng %(first)d: đã gộp làm một.")
                % {"row": row.number, "first": first.row},
            )
        )
    return list(drafts.values()), errors, warnings


def draft_defaults(draft: LearnerDraft) -> dict[str, Any]:
    values = draft.values
    commune = values.get("commune")
    return {
        "full_name": values["full_name"],
        "gender": values.get("gender"),
        "date_of_birth": values.get("date_of_birth"),
        "ethnicity": values.get("ethnicity") or MAJORITY_ETHNICITY,
        "commune": commune,
        "province": values["province"],
        "position": values.get("position"),
        "area_type": commune.area_type if commune is not None else "",
        "phone": values.get("phone", ""),
        "email": values.get("email", ""),
    }
