"""Checking the rows of a catalogue file (layout: courses.files.catalogue_file) and gathering them
into curriculum versions.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import URLValidator, validate_slug
from django.utils.translation import gettext as _

from courses.core.errors import ErrorItem
from courses.core.files.cells import (
    as_bool,
    as_choice,
    as_date,
    as_decimal,
    as_int,
    as_text,
    heading_key,
    split_list,
)
from courses.core.files.tabular import TableRow
from courses.files.catalogue_file import HEADINGS, CurriculumDraft
from courses.models import AreaType, CurriculumStatus, MaterialKind, Position
from courses.selectors.vocabularies import Vocabulary

CURRICULUM_FIELDS = (
    "title_vi",
    "title_en",
    "description",
    "positions",
    "area_type",
    "issued_on",
    "issued_by",
    "status",
    "has_final_assessment",
)
TOPIC_FIELDS = ("topic_order", "topic_title", "topic_title_en", "hours")


def _keys(*spellings) -> list[str]:
    return [heading_key(s) for s in spellings]


AREA_TYPES = {
    **dict.fromkeys(_keys("đồng bằng", "plains", "plain", AreaType.PLAINS.label), AreaType.PLAINS.value),
    **dict.fromkeys(
        _keys("miền núi", "mountain", "mountains", "trung du", "vùng dân tộc", AreaType.MOUNTAIN.label),
        AreaType.MOUNTAIN.value,
    ),
    **dict.fromkeys(_keys("cả hai", "both", "all", "tất cả"), ""),
}
STATUSES = {
    **dict.fromkeys(
        _keys("đang áp dụng", "áp dụng", "active", CurriculumStatus.ACTIVE.value),
        CurriculumStatus.ACTIVE.value,
    ),
    **dict.fromkeys(
        _keys("ngừng áp dụng", "hết hiệu lực", "retired", "inactive", CurriculumStatus.RETIRED.value),
        CurriculumStatus.RETIRED.value,
    ),
}

_validate_url = URLValidator(schemes=["http", "https"])


class _RowErrors:
    def __init__(self, errors: list[ErrorItem], row: int):
        self.errors = errors
        self.row = row

    def add(self, field_name: str, message: str, code: str = "invalid") -> None:
        self.errors.append(
            ErrorItem(message=f"{HEADINGS[field_name]}: {message}", field=field_name, row=self.row, code=code)
        )


def _position_index() -> Vocabulary:
    """Positions as people write them (courses.selectors.vocabularies): names, codes, abbreviations, aliases."""
    return Vocabulary.load_positions()


def _parse_code(value) -> str:
    code = as_text(value, max_length=50).lower()
    try:
        validate_slug(code)
    except ValidationError:
        raise ValueError(
            _(
                "“%(value)s” không phải là mã hợp lệ: chỉ dùng chữ cái không dấu, chữ số, dấu gạch ngang hoặc gạch dưới."
            )
            % {"value": value}
        ) from None
    return code


def _parse_positions(value, index: Vocabulary) -> list[Position]:
    names = split_list(value)
    if not names:
        raise ValueError(_("Không được để trống."))
    positions: dict[int, Position] = {}
    problems: list[str] = []
    for name in names:
        try:
            position = index.position(name)
        except ValueError as exc:
            problems.append(str(exc))
        else:
            positions[position.pk] = position
    if problems:
        raise ValueError(" ".join(problems))
    return sorted(positions.values(), key=lambda p: p.pk)


def _parse_curriculum_value(name: str, value, positions: Vocabulary):
    match name:
        case "title_vi" | "title_en":
            return as_text(value, max_length=300)
        case "description":
            return as_text(value)
        case "issued_by":
            return as_text(value, max_length=200)
        case "positions":
            return _parse_positions(value, positions)
        case "area_type":
            return as_choice(value, AREA_TYPES, _("hãy ghi “đồng bằng”, “miền núi” hoặc để trống"))
        case "issued_on":
            return as_date(value)
        case "status":
            return as_choice(value, STATUSES, _("hãy ghi “đang áp dụng” hoặc “ngừng áp dụng”"))
        case "has_final_assessment":
            return as_bool(value)
    raise AssertionError(name)


def _display(value) -> str:
    if isinstance(value, list):
        return "; ".join(str(v.code) for v in value)
    return str(value)


def catalogue_rows_check(
    rows: list[TableRow], progress=None
) -> tuple[list[CurriculumDraft], list[ErrorItem]]:
    """Check every row and gather them into curriculum versions; returns every error found.

    `progress`, if given, is called with the number of rows checked so far.
    """
    positions = _position_index()
    errors: list[ErrorItem] = []
    drafts: dict[tuple[str, int], CurriculumDraft] = {}
    previous: tuple[str, int] | None = None

    for checked, row in enumerate(rows, start=1):
        report = _RowErrors(errors, row.number)
        key = previous = _row_key(row, previous, report)
        if key != _UNIDENTIFIED:
            draft = drafts.get(key)
            if draft is None:
                draft = drafts[key] = CurriculumDraft(code=key[0], version=key[1], first_row=row.number)
            draft.row_count += 1
        else:
            draft = None
        _check_curriculum_values(row, draft, positions, report)
        _check_topic_and_material(row, draft, report)
        if progress is not None:
            progress(checked)

    for draft in drafts.values():
        report = _RowErrors(errors, draft.first_row)
        for required in ("title_vi", "positions"):
            if required not in draft.values and required not in draft.failed:
                report.add(
                    required, _("Phải ghi trên ít nhất một dòng của bộ chương trình này."), code="required"
                )
        if not draft.has_topic_rows:
            report.add("topic_title", _("Bộ chương trình chưa có chuyên đề nào."), code="required")
    errors.sort(key=lambda e: (e.row or 0, list(HEADINGS).index(e.field) if e.field in HEADINGS else 0))
    return list(drafts.values()), errors


# The curriculum of a row whose code or version is wrong: rows continuing it are checked on
# their own, and the error is reported once, on the row that has it.
_UNIDENTIFIED = ("", 0)


def _row_key(row: TableRow, previous: tuple[str, int] | None, report: _RowErrors) -> tuple[str, int]:
    raw_code = row.get("code")
    if raw_code is None:
        if previous is None:
            report.add("code", _("Phải ghi ở dòng đầu tiên của mỗi bộ chương trình."), code="required")
            return _UNIDENTIFIED
        if previous == _UNIDENTIFIED:
            return _UNIDENTIFIED
        code = previous[0]
    else:
        try:
            code = _parse_code(raw_code)
        except ValueError as exc:
            report.add("code", str(exc))
            # Keep grouping by what was written so the rows below don't repeat the error.
            code = as_text(raw_code).lower()
    raw_version = row.get("version")
    if raw_version is None:
        return code, previous[1] if previous is not None and previous[0] == code else 1
    try:
        return code, as_int(raw_version, minimum=1, maximum=32767)
    except ValueError as exc:
        report.add("version", str(exc))
        return _UNIDENTIFIED


def _check_curriculum_values(row, draft, positions, report) -> None:
    for name in CURRICULUM_FIELDS:
        raw = row.get(name)
        if raw is None:
            continue
        try:
            value = _parse_curriculum_value(name, raw, positions)
        except ValueError as exc:
            report.add(name, str(exc))
            if draft is not None:
                draft.failed.add(name)
            continue
        if draft is None:
            continue
        if name not in draft.values:
            draft.values[name] = value
            draft.value_rows[name] = row.number
        elif draft.values[name] != value:
            report.add(
                name,
                _("“%(value)s” khác với “%(first)s” ở dòng %(row)d của cùng phiên bản bộ chương trình.")
                % {
                    "value": _display(value),
                    "first": _display(draft.values[name]),
                    "row": draft.value_rows[name],
                },
                code="inconsistent",
            )


def _check_topic_and_material(row, draft, report) -> None:
    material = _row_material(row, report)
    has_topic = any(row.get(name) is not None for name in TOPIC_FIELDS)
    if not has_topic and material is not None:
        if draft is not None and material not in draft.materials:
            draft.materials.append(material)
        return

    topic: dict[str, Any] = {}
    raw = row.get("topic_order")
    if raw is None:
        report.add("topic_order", _("Không được để trống."), code="required")
    else:
        try:
            topic["order"] = as_int(raw, minimum=1, maximum=32767)
        except ValueError as exc:
            report.add("topic_order", str(exc))
    raw = row.get("topic_title")
    if raw is None:
        report.add("topic_title", _("Không được để trống."), code="required")
    else:
        try:
            topic["title_vi"] = as_text(raw, max_length=300)
        except ValueError as exc:
            report.add("topic_title", str(exc))
    raw = row.get("topic_title_en")
    try:
        topic["title_en"] = "" if raw is None else as_text(raw, max_length=300)
    except ValueError as exc:
        report.add("topic_title_en", str(exc))
    raw = row.get("hours")
    if raw is None:
        report.add("hours", _("Không được để trống."), code="required")
    else:
        try:
            hours = as_decimal(raw, decimal_places=1, max_digits=5)
        except ValueError as exc:
            report.add("hours", str(exc))
        else:
            if hours <= 0:
                report.add("hours", _("Phải lớn hơn 0 (hiện là %(value)s).") % {"value": raw})
            else:
                topic["hours"] = hours

    if draft is None:
        return
    # A topic row with errors is reported on its row; the curriculum is not also "without topics".
    draft.has_topic_rows = True
    order = topic.get("order")
    if order is not None and order in draft.topic_rows:
        report.add(
            "topic_order",
            _("Chuyên đề số %(order)d đã có ở dòng %(row)d của cùng phiên bản bộ chương trình.")
            % {"order": order, "row": draft.topic_rows[order]},
            code="duplicate",
        )
        return
    if order is not None:
        draft.topic_rows[order] = row.number
    if {"order", "title_vi", "title_en", "hours"} <= topic.keys():
        draft.topics.append(topic)
    if material is not None and material not in draft.materials:
        draft.materials.append(material)


def _row_material(row, report) -> dict | None:
    title, url = row.get("material_title"), row.get("material_url")
    if title is None and url is None:
        return None
    material: dict[str, Any] = {"kind": MaterialKind.DOCUMENT.value, "url": ""}
    if url is not None:
        try:
            url = as_text(url, max_length=500)
            _validate_url(url)
        except ValidationError:
            report.add("material_url", _("“%(value)s” không phải là đường dẫn http(s).") % {"value": url})
            return None
        except ValueError as exc:
            report.add("material_url", str(exc))
            return None
        material.update(kind=MaterialKind.LINK.value, url=url)
    try:
        material["title"] = as_text(title, max_length=300) if title is not None else url
    except ValueError as exc:
        report.add("material_title", str(exc))
        return None
    if len(material["title"]) > 300:
        report.add("material_title", _("Phải ghi tên tài liệu khi đường dẫn dài hơn 300 ký tự."))
        return None
    return material
