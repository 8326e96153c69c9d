"""The curriculum catalogue file: its layout (LAYOUT, appended here and shown in the API docs),
and checking its rows into curriculum versions.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
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
from courses.core.files.tabular import Column, TableRow, columns_table
from courses.models import AreaType, CurriculumStatus, MaterialKind, Position
from courses.selectors.vocabularies import Vocabulary

COLUMNS: tuple[Column, ...] = (
    Column("code", ("Mã bộ", "Mã bộ chương trình", "Mã"), required=True, help="Curriculum code: letters, digits, - and _ (case-insensitive, stored in lower case)."),
    Column("version", ("Phiên bản",), help="Whole number from 1; blank means 1, or the version of the row above for the same code."),
    Column("title_vi", ("Tên bộ chương trình", "Tên bộ"), required=True, help="Vietnamese title. Required."),
    Column("title_en", ("Tên tiếng Anh",), help="English title, optional."),
    Column("description", ("Mô tả",), help="Optional."),
    Column("positions", ("Chức danh",), required=True, help="Positions served, by code or Vietnamese name, separated by ';'. Required."),
    Column("area_type", ("Loại địa bàn", "Địa bàn"), help="'đồng bằng' (plains) or 'miền núi' (mountain, midland and ethnic-minority communes); blank for both."),
    Column("issued_on", ("Ngày ban hành",), help="dd/mm/yyyy, ISO yyyy-mm-dd or an Excel date; optional."),
    Column("issued_by", ("Văn bản ban hành",), help="Issuing decision, e.g. '1234/QĐ-BNV'; optional."),
    Column("status", ("Trạng thái",), help="'đang áp dụng' (active, the default) or 'ngừng áp dụng' (retired)."),
    Column("has_final_assessment", ("Kiểm tra cuối khoá", "Kiểm tra cuối khóa"), help="'có' or 'không' (default)."),
    Column("topic_order", ("STT chuyên đề", "STT"), required=True, help="Topic order, a whole number from 1, unique within the curriculum version."),
    Column("topic_title", ("Tên chuyên đề",), required=True, help="Topic title."),
    Column("topic_title_en", ("Tên chuyên đề tiếng Anh",), help="English topic title, optional."),
    Column("hours", ("Số tiết",), required=True, help="Teaching hours of the topic, greater than 0, at most one decimal place ('2,5' or '2.5')."),
    Column("material_title", ("Tài liệu",), help="Optional material (document, handbook) of the curriculum."),
    Column("material_url", ("Đường dẫn",), help="Optional http(s) link of the material. A row may carry only a material."),
)  # fmt: skip

HEADINGS = {c.field: c.heading for c in COLUMNS}
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
DEFAULTS = {
    "title_en": "",
    "description": "",
    "area_type": "",
    "issued_on": None,
    "issued_by": "",
    "status": CurriculumStatus.ACTIVE.value,
    "has_final_assessment": False,
}


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


LAYOUT = f"""
A sheet of an .xlsx (the one with these headings, or the one named), or a .csv in any of the
encodings the file reader knows (courses.core.files.tabular). The headings are
found below any title block, matched ignoring case, diacritics and punctuation; the English field
name is accepted too; other columns are ignored and listed in the report. Rows are numbered as the
spreadsheet shows them.

One row per topic (chuyên đề). The curriculum columns are repeated on every row of the same
curriculum, or left blank (as merged cells are) on its following rows: a row with a blank
"Mã bộ" belongs to the curriculum above it, and a blank "Phiên bản" keeps the version of the row
above when it has the same "Mã bộ" (otherwise version 1). A curriculum column filled on several
rows of one curriculum version must hold the same value on each. A row may carry only a
material (Tài liệu, Đường dẫn) of the curriculum above.

{columns_table(COLUMNS)}

Versions: a new version is a new curriculum (code, version); an existing version is updated in
place. The active version of a code is its newest active one: importing version 2 as active
retires version 1, which stays in the catalogue (classes keep the version they ran).

A version that classes already use keeps its teaching content (topics, their titles and hours,
the final assessment): a file that changes it is imported as a new version (the next number of
the code, or the stored version that already has that content), reported with
`in_place_of_version` and a warning on its first row; the version named in the file and its classes
stay as they were, and it is retired when the new one is active. Its other columns (title,
description, positions, materials, status) are updated in place.
"""

if __doc__:  # absent under python -OO
    __doc__ += LAYOUT


@dataclass
class CurriculumDraft:
    """One curriculum version as the file describes it, gathered from its rows."""

    code: str
    version: int
    first_row: int
    values: dict[str, Any] = field(default_factory=dict)
    value_rows: dict[str, int] = field(default_factory=dict)
    topics: list[dict] = field(default_factory=list)
    topic_rows: dict[int, int] = field(default_factory=dict)
    materials: list[dict] = field(default_factory=list)
    row_count: int = 0
    # Fields whose value failed to parse on some row: reported there, not again as missing.
    failed: set[str] = field(default_factory=set)
    has_topic_rows: bool = False

    @property
    def key(self) -> tuple[str, int]:
        return self.code, self.version

    @property
    def status(self) -> str:
        return self.values.get("status", DEFAULTS["status"])

    def as_data(self) -> dict:
        """The curriculum_upsert() form."""
        data = {**DEFAULTS, **self.values, "code": self.code, "version": self.version}
        data["topics"] = sorted(self.topics, key=lambda t: t["order"])
        data["materials"] = list(self.materials)
        return data


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


def draft_stored_form(draft: CurriculumDraft) -> dict:
    """What the draft would store, in the form of stored_form(), to tell an unchanged version."""
    data = draft.as_data()
    return {
        "title_vi": data["title_vi"],
        "title_en": data["title_en"],
        "description": data["description"],
        "area_type": data["area_type"],
        "issued_on": data["issued_on"],
        "issued_by": data["issued_by"],
        "status": data["status"],
        "has_final_assessment": data["has_final_assessment"],
        "is_starter": False,
        "positions": sorted(p.pk for p in data["positions"]),
        "topics": [(t["order"], t["title_vi"], t["title_en"], Decimal(t["hours"])) for t in data["topics"]],
        "materials": [(m["kind"], m["title"], m["url"]) for m in data["materials"]],
    }


def stored_form(curriculum) -> dict:
    """A stored curriculum version in a comparable form (expects positions/topics/materials prefetched)."""
    return {
        "title_vi": curriculum.title_vi,
        "title_en": curriculum.title_en,
        "description": curriculum.description,
        "area_type": curriculum.area_type,
        "issued_on": curriculum.issued_on,
        "issued_by": curriculum.issued_by,
        "status": curriculum.status,
        "has_final_assessment": curriculum.has_final_assessment,
        "is_starter": curriculum.is_starter,
        "positions": sorted(p.pk for p in curriculum.positions.all()),
        "topics": [(t.order, t.title_vi, t.title_en, t.hours) for t in curriculum.topics.all()],
        "materials": [(m.kind, m.title, m.url) for m in curriculum.materials.all()],
    }


# What a class ran and is counted by: frozen once a class uses the version (courses.rules.curriculum_versions).
CONTENT_KEYS = ("topics", "has_final_assessment")


def content_form(form: dict) -> dict:
    """The teaching content of a stored_form() or draft_stored_form()."""
    return {key: form[key] for key in CONTENT_KEYS}
