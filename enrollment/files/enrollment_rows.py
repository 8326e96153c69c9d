"""Reading the rows of an enrolment list (layout: enrollment.files.enrollment_file) into learner drafts.

Checking needs the reference data (positions, provinces, communes, ethnicities, genders and their
aliases), which it reads once (`courses.selectors.vocabularies.Vocabulary.load`, a handful of queries), so a
20,000-row file costs no query per row.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.utils.translation import gettext as _

from courses.core.errors import ErrorItem
from courses.core.files.cells import as_date, as_text
from courses.core.files.tabular import TableRow
from courses.models import Province
from courses.selectors.vocabularies import Vocabulary
from enrollment.files.enrollment_duplicates import same_people_merge
from enrollment.files.enrollment_file import LearnerDraft
from enrollment.models import Gender
from enrollment.rules.identity import IdentityNumber, identity_number_parse, legacy_id_parse

_PHONE = re.compile(r"^\+?[0-9 .\-()]{6,20}$")


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
    drafts = same_people_merge(candidates, errors, warnings, cmnd_owners)
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
