"""The enrolment list a province sends: its layout (LAYOUT, shown in the API docs) and the learner
draft a row becomes.

Reading and checking the rows: enrollment.files.enrollment_rows; one person on several rows:
enrollment.files.enrollment_duplicates.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.utils.translation import gettext as _

from courses.core.files.tabular import Column, columns_table
from enrollment.models import MAJORITY_ETHNICITY

COLUMNS: tuple[Column, ...] = (
    Column("stt", ("STT", "Số thứ tự", "TT"), help="Row number; ignored."),
    Column("full_name", ("Họ và tên", "Họ tên", "Họ và tên học viên", "Full name", "Name"), required=True, help="Full name; composed or decomposed Unicode both read the same."),
    Column("national_id", ("Số định danh cá nhân/CCCD", "Số định danh cá nhân", "Số định danh", "Số CCCD", "CCCD", "CMND/CCCD", "Số CMND/CCCD", "ID number", "National ID", "Identification number", "Personal identification number"), required=True, help="12 digits (province of birth 001-096, sex/century digit, year of birth, 6 digits), grouping by spaces, dots or dashes accepted. 10 or 11 digits (a spreadsheet dropped one or two leading zeros) are left-padded to 12. A sex/century digit or birth year that disagrees with the row's gender or date of birth is a warning. 9 digits is an old CMND, never padded: the row is the learner who has that CMND stored, otherwise an error."),
    Column("legacy_id_number", ("Số CMND", "CMND cũ", "Số CMND (cũ)"), help="Optional: the learner's old 9-digit CMND, beside the 12-digit id. Stored for a new learner and for a known one who has none; a known learner's different stored CMND is kept (warning)."),
    Column("date_of_birth", ("Ngày sinh (dd/mm/yyyy)", "Ngày sinh", "Ngày tháng năm sinh", "Date of birth", "Birth date", "DOB"), help="dd/mm/yyyy or an Excel date; optional."),
    # The official layout writes the date of birth in a "Nam" or a "Nữ" column under one heading.
    Column("born_male", ("Ngày, tháng, năm sinh / Nam", "Ngày sinh / Nam", "Năm sinh / Nam"), help="Under a date-of-birth heading split into Nam and Nữ: the date of birth of a man."),
    Column("born_female", ("Ngày, tháng, năm sinh / Nữ", "Ngày sinh / Nữ", "Năm sinh / Nữ"), help="The same for a woman."),
    Column("gender", ("Giới tính (Nam/Nữ)", "Giới tính", "Gender", "Sex"), help="Nam or Nữ (also Khác); required for a learner not yet known."),
    Column("ethnicity", ("Dân tộc",), help="Ethnic group: one of the 54 official names or a common variant (“H'Mông”, “Ê-đê”, …), stored by its official name; blank means Kinh. Every group but Kinh counts as an ethnic minority."),
    Column("position", ("Chức danh", "Chức vụ", "Position", "Job title"), help="Position (chức danh) by its Vietnamese name or code."),
    Column("commune", ("Xã/phường", "Xã, phường", "Xã/phường/đặc khu", "Xã", "Commune", "Ward", "Commune/ward"), help="Commune of the current 34 provinces, e.g. “Xã Bằng Thành” or “Bằng Thành”; the learner's province is derived from it."),
    Column("province", ("Tỉnh", "Tỉnh/thành phố", "Tỉnh, thành phố", "Tỉnh/TP", "Province", "Province/city"), help="Province by name or code; a province merged on 1 July 2025 is read as the one it became part of. Blank: the class's province."),
    Column("phone", ("Điện thoại", "Số điện thoại", "SĐT", "ĐT", "Phone", "Phone number"), help="Optional."),
    Column("email", ("Email", "Thư điện tử", "E-mail"), help="Optional."),
)  # fmt: skip

HEADINGS = {c.field: c.heading for c in COLUMNS}


LAYOUT = f"""
A sheet of an .xlsx, or a .csv (UTF-8, UTF-16 or Windows-1258; text typed for the TCVN3 or VNI
fonts is converted), delimited by ",", ";" or a tab, one learner per row, in the shape
provinces send: Vietnamese (or English) headings, found below any title block, on one row or
over two (the official layout's date of birth split into "Nam" and "Nữ" columns is read as the
date and the sex), matched ignoring case, diacritics and punctuation; other columns are ignored and
listed in the report; rows are numbered as the spreadsheet shows them.

Blank rows are skipped. A learner who appears on several rows is taken once: identical rows silently;
rows that differ in other fields (ethnicity spelled another way, a gender or phone given on one row
only, …) with a warning naming both rows and each differing field with both values (the first row's
value is kept, a blank in it filled from the later row); rows that differ in full name (ignoring
case and spacing), date of birth or CMND are an error naming both rows. A row giving only an old
9-digit CMND in the id column is the learner who has that CMND stored (or whom another row of the
file gives with both numbers); otherwise it is an error asking for the 12-digit number. Learners
not yet known are created (with a user account that cannot sign in until an admin generates a
password); learners already known are enrolled as they are stored (only a CMND given for one who
has none is added), and a name or CMND differing from the stored one is reported as a warning. Learners are enrolled in file order while seats last, then
waitlisted; one already in the class is left as is.

{columns_table(COLUMNS)}
"""


@dataclass
class LearnerDraft:
    """One learner read from the file, with the first row describing them."""

    row: int
    # The 12-digit id; for a row that gave only a CMND, the id of the learner it was matched to.
    national_id: str
    values: dict[str, Any] = field(default_factory=dict)
    rows: list[int] = field(default_factory=list)
    # The number as the row gave it: the 12-digit id, or the CMND of a row giving only that.
    given_id: str = ""

    @property
    def matched_by_cmnd(self) -> bool:
        return bool(self.given_id) and self.given_id != self.national_id


def given_number(draft: LearnerDraft) -> str:
    """The number the row gave, as a message names it (never the id a CMND was matched to)."""
    if draft.matched_by_cmnd:
        return _("số CMND %(id)s") % {"id": draft.given_id}
    return _("số định danh %(id)s") % {"id": draft.national_id}


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
        "legacy_id_number": values.get("legacy_id_number", ""),
    }
