"""The curriculum catalogue file: its layout (LAYOUT, appended here and shown in the API docs) and
the curriculum version its rows describe.

Checking the rows: courses.files.catalogue_rows; a file's version against a stored one:
courses.files.catalogue_forms.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from courses.core.files.tabular import Column, columns_table
from courses.models import CurriculumStatus

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
DEFAULTS = {
    "title_en": "",
    "description": "",
    "area_type": "",
    "issued_on": None,
    "issued_by": "",
    "status": CurriculumStatus.ACTIVE.value,
    "has_final_assessment": False,
}


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
