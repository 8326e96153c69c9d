"""The enrolment list a province sends: its layout (LAYOUT, shown in the API docs) and checking its
rows into learners to enrol.

Checking needs the reference data (positions, provinces, communes, ethnicities, genders and their
aliases), which it reads once (`courses.selectors.vocabularies.Vocabulary.load`, a handful of queries), so a
20,000-row file costs no query per row.
"""

from __future__ import annotations

import datetime
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.utils.translation import gettext as _

from courses.core.errors import ErrorItem
from courses.core.files.cells import as_date, as_text
from courses.core.files.tabular import Column, TableRow, columns_table
from courses.models import Province
from courses.selectors.vocabularies import Vocabulary
from enrollment.models import MAJORITY_ETHNICITY, Gender
from enrollment.rules.identity import IdentityNumber, identity_number_parse, legacy_id_parse

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
# Fields compared when the same person appears on several rows. Two rows whose identifying fields
# both hold different values are two people under one id (an error); any other difference (a
# blank beside a value included) is merged, keeping the first row's value, with a warning.
IDENTIFYING_FIELDS = ("full_name", "date_of_birth", "legacy_id_number")
COMPARED_FIELDS = (
    "full_name",
    "date_of_birth",
    "legacy_id_number",
    "gender",
    "ethnicity",
    "position",
    "commune",
    "province",
    "phone",
    "email",
)


_PHONE = re.compile(r"^\+?[0-9 .\-()]{6,20}$")


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


def _split_birth_columns(row: TableRow, values: dict[str, Any], error: Callable[..., None]) -> None:
    """The date of birth written under "Nam" or under "Nữ" gives both the date and the sex."""
    male, female = row.get("born_male"), row.get("born_female")
    if male is None and female is None:
        return
    if male is not None and female is not None:
        error(row.number, "born_female", _("Ngày sinh ghi ở cả cột Nam và cột Nữ: hãy giữ một cột."))
        return
    try:
        values["date_of_birth"] = as_date(male if male is not None else female)
    except ValueError as exc:
        error(row.number, "born_male" if male is not None else "born_female", str(exc))
        return
    values["gender"] = Gender.MALE.value if male is not None else Gender.FEMALE.value


def _padded(row: int, field_name: str, raw, value: str) -> ErrorItem:
    """The warning that a number lost its leading zeros in a spreadsheet and got them back."""
    return ErrorItem(
        row=row,
        field=field_name,
        code="padded",
        message=_("Số “%(raw)s” đã được thêm số 0 ở đầu thành %(id)s.") % {"raw": raw, "id": value},
    )


def enrolment_rows_check(
    rows: Sequence[TableRow],
    *,
    maps: Vocabulary,
    default_province: Province,
    progress: Callable[[int], None] | None = None,
    cmnd_owners: Callable[[set[str]], Mapping[str, str]] | None = None,
) -> tuple[list[LearnerDraft], list[ErrorItem], list[ErrorItem]]:
    """Read every row into learner drafts; (drafts in file order, errors, warnings).

    Every error names its row and field (the heading as written in the file is the field's name
    in the report: the API's field names, e.g. "national_id"). `cmnd_owners` maps CMNDs to the
    12-digit ids of the stored learners who hold them (called once, with every CMND of the file).
    """
    errors: list[ErrorItem] = []
    warnings: list[ErrorItem] = []
    candidates: list[LearnerDraft] = []

    def error(row: int, name: str, message: str, code: str = "invalid") -> None:
        errors.append(ErrorItem(row=row, field=name, message=message, code=code))

    for index, row in enumerate(rows, start=1):
        if progress is not None:
            progress(index)
        values: dict[str, Any] = {}
        row_errors_before = len(errors)

        raw_id = row.get("national_id")
        identity = None
        if raw_id is None:
            error(row.number, "national_id", _("Thiếu số định danh cá nhân."), "required")
        else:
            try:
                identity = identity_number_parse(raw_id)
            except ValueError as exc:
                error(row.number, "national_id", str(exc))
            else:
                if identity.padded:
                    warnings.append(_padded(row.number, "national_id", raw_id, identity.value))
        raw_legacy = row.get("legacy_id_number")
        if raw_legacy is not None:
            try:
                legacy = legacy_id_parse(raw_legacy)
            except ValueError as exc:
                error(row.number, "legacy_id_number", str(exc))
            else:
                values["legacy_id_number"] = legacy.value
                if legacy.padded:
                    warnings.append(_padded(row.number, "legacy_id_number", raw_legacy, legacy.value))
        cmnd_only = identity is not None and not identity.is_national_id
        if cmnd_only and values.get("legacy_id_number", identity.value) != identity.value:
            error(
                row.number,
                "legacy_id_number",
                _(
                    "Cột số định danh ghi số CMND %(id)s nhưng cột số CMND ghi %(cmnd)s: hãy ghi số "
                    "định danh cá nhân 12 chữ số vào cột số định danh."
                )
                % {"id": identity.value, "cmnd": values["legacy_id_number"]},
            )
        elif cmnd_only:
            values["legacy_id_number"] = identity.value

        name = row.get("full_name")
        if name is None:
            error(row.number, "full_name", _("Thiếu họ và tên."), "required")
        else:
            try:
                values["full_name"] = _clean_name(name)
            except ValueError as exc:
                error(row.number, "full_name", str(exc))

        _split_birth_columns(row, values, error)
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

        if identity is not None and identity.is_national_id:
            mismatch = identity_mismatch_message(
                identity, gender=values.get("gender"), date_of_birth=values.get("date_of_birth")
            )
            if mismatch:
                warnings.append(
                    ErrorItem(
                        row=row.number, field="national_id", code="national_id_mismatch", message=mismatch
                    )
                )

        if identity is None or len(errors) > row_errors_before:
            continue
        candidates.append(
            LearnerDraft(
                row=row.number,
                national_id=identity.value if identity.is_national_id else "",
                values=values,
                rows=[row.number],
                given_id=identity.value,
            )
        )
    drafts = _same_people(candidates, errors, warnings, cmnd_owners)
    warnings.sort(key=lambda w: w.row or 0)
    return drafts, errors, warnings


def identity_mismatch_message(identity: IdentityNumber, *, gender, date_of_birth) -> str | None:
    """A warning when the sex/century digit or the birth year of a 12-digit id disagrees with the
    row's gender or date of birth (either may be wrong, so it does not stop the import)."""
    row_sex = gender if gender in (Gender.MALE, Gender.FEMALE) else None
    sex_differs = row_sex is not None and row_sex != identity.sex
    year_differs = date_of_birth is not None and date_of_birth.year != identity.birth_year
    if not (sex_differs or year_differs):
        return None
    row_says = []
    if row_sex is not None:
        row_says.append(str(Gender(row_sex).label))
    if date_of_birth is not None:
        row_says.append(_("sinh %(year)d") % {"year": date_of_birth.year})
    return _(
        "Số định danh %(id)s ghi %(sex)s sinh năm %(year)d (chữ số %(digit)s, %(yy)s) nhưng dòng ghi "
        "%(row)s: hãy kiểm tra lại số định danh, giới tính và ngày sinh."
    ) % {
        "id": identity.value,
        "sex": str(Gender(identity.sex).label).lower(),
        "year": identity.birth_year,
        "digit": identity.sex_century_digit,
        "yy": identity.value[4:6],
        "row": ", ".join(row_says),
    }


def _shown(value) -> str:
    """A compared value as a message shows it."""
    if value is None or value == "":
        return _("trống")
    if isinstance(value, datetime.date):
        return value.strftime("%d/%m/%Y")
    if isinstance(value, str) and value in Gender.values:
        return f"“{Gender(value).label}”"
    name = getattr(value, "name_vi", None) or getattr(value, "name", None)
    return f"“{name if name is not None else value}”"


def given_number(draft: LearnerDraft) -> str:
    """The number the row gave, as a message names it (never the id a CMND was matched to)."""
    if draft.matched_by_cmnd:
        return _("số CMND %(id)s") % {"id": draft.given_id}
    return _("số định danh %(id)s") % {"id": draft.national_id}


def _differences(first: LearnerDraft, later: LearnerDraft, names: Sequence[str]) -> str:
    return ", ".join(
        _("“%(field)s” (dòng %(first)d: %(first_value)s; dòng %(row)d: %(value)s)")
        % {
            "field": HEADINGS[name],
            "first": first.row,
            "first_value": _shown(first.values.get(name)),
            "row": later.row,
            "value": _shown(later.values.get(name)),
        }
        for name in names
    )


def _same_people(
    candidates: list[LearnerDraft],
    errors: list[ErrorItem],
    warnings: list[ErrorItem],
    cmnd_owners: Callable[[set[str]], Mapping[str, str]] | None,
) -> list[LearnerDraft]:
    """One draft per person, in file order: rows giving only a CMND matched to a 12-digit id, then
    rows of the same id merged or refused (see COMPARED_FIELDS). Adds to `errors` and `warnings`."""
    refused: set[int] = set()

    def error(draft: LearnerDraft, name: str, message: str, code: str) -> None:
        errors.append(ErrorItem(row=draft.row, field=name, message=message, code=code))
        refused.add(draft.row)

    cmnds = {d.values["legacy_id_number"] for d in candidates if d.values.get("legacy_id_number")}
    owners = dict(cmnd_owners(cmnds)) if cmnds and cmnd_owners is not None else {}
    # CMNDs a row gives beside a 12-digit id: the file itself links the two numbers.
    linked: dict[str, LearnerDraft] = {}
    for draft in candidates:
        cmnd = draft.values.get("legacy_id_number")
        if not draft.national_id or not cmnd:
            continue
        owner = owners.get(cmnd)
        if owner is not None and owner != draft.national_id:
            error(
                draft,
                "legacy_id_number",
                _("Số CMND %(cmnd)s đã được lưu cho một học viên khác, không phải %(who)s.")
                % {"cmnd": cmnd, "who": given_number(draft)},
                "unique",
            )
            continue
        first = linked.setdefault(cmnd, draft)
        if first.national_id != draft.national_id:
            error(
                draft,
                "legacy_id_number",
                _("Dòng %(first)d và dòng %(row)d ghi cùng số CMND %(cmnd)s cho hai số định danh khác nhau.")
                % {"row": draft.row, "first": first.row, "cmnd": cmnd},
                "duplicate_conflict",
            )
    for draft in candidates:
        if draft.national_id:
            continue
        cmnd = draft.given_id
        national_id = owners.get(cmnd) or (linked[cmnd].national_id if cmnd in linked else None)
        if national_id is None:
            error(
                draft,
                "national_id",
                _(
                    "“%(value)s” là số chứng minh nhân dân (CMND) cũ gồm 9 chữ số, không phải số định "
                    "danh cá nhân, và chưa có học viên nào được lưu với số CMND này: hãy ghi số định danh "
                    "cá nhân 12 chữ số (số CMND có thể ghi bên cạnh, ở cột “%(column)s”)."
                )
                % {"value": cmnd, "column": HEADINGS["legacy_id_number"]},
                "cmnd_not_national_id",
            )
        else:
            draft.national_id = national_id

    drafts: dict[str, LearnerDraft] = {}
    for draft in candidates:
        if draft.row in refused:
            continue
        first = drafts.get(draft.national_id)
        if first is None:
            drafts[draft.national_id] = draft
            continue
        first_values, these = first.compared(), draft.compared()
        differing = [n for n in COMPARED_FIELDS if these[n] != first_values[n]]
        conflicts = [
            n
            for n in differing
            if n in IDENTIFYING_FIELDS and these[n] is not None and first_values[n] is not None
        ]
        if conflicts:
            error(
                draft,
                "national_id",
                _(
                    "Dòng %(first)d (%(first_who)s) và dòng %(row)d (%(who)s) là cùng một học viên nhưng "
                    "khác %(differences)s: hãy sửa dòng sai."
                )
                % {
                    "row": draft.row,
                    "who": given_number(draft),
                    "first": first.row,
                    "first_who": given_number(first),
                    "differences": _differences(first, draft, conflicts),
                },
                "duplicate_conflict",
            )
            continue
        if differing:
            message = _(
                "Dòng %(row)d (%(who)s) là học viên ở dòng %(first)d (%(first_who)s), khác ở "
                "%(differences)s: đã gộp làm một, giữ giá trị của dòng %(first)d."
            ) % {
                "row": draft.row,
                "who": given_number(draft),
                "first": first.row,
                "first_who": given_number(first),
                "differences": _differences(first, draft, differing),
            }
            if any(first.values.get(n) is None for n in differing):
                message += " " + _("Ô trống ở dòng %(first)d lấy giá trị của dòng %(row)d.") % {
                    "first": first.row,
                    "row": draft.row,
                }
            warnings.append(
                ErrorItem(row=draft.row, field="national_id", code="duplicate_merged", message=message)
            )
        # Same person: keep the first row's values, fill what it left blank.
        for name_, value in draft.values.items():
            if first.values.get(name_) is None:
                first.values[name_] = value
        first.rows.append(draft.row)
    return list(drafts.values())


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
