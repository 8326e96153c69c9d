"""Read an uploaded CSV or XLSX file into rows keyed by field, for every importer.

Admins and provinces prepare these files by hand in Excel or LibreOffice, so the reader is lenient
where people differ and strict where a guess could store wrong data:

* headings are matched ignoring case, Vietnamese diacritics and punctuation ("Số tiết", "SO TIET"
  and "so tiet (*)" are the same column), against the headings each importer accepts per field;
  columns no field claims are ignored;
* the table is found wherever it is: the heading row is the row (or the two rows, for headings
  merged over the headings of their parts) among the first 30 that names the most fields, below
  any title block; in a workbook, the visible sheet with the best headings, unless the user names
  one; a row of column numbers under the headings, headings repeated on each printed page, and
  the notes and signatures below the list are skipped, and listed (`Table.describe()`), as are the
  columns no field claims; a user's mapping of headings to fields serves layouts of their own;
* rows are numbered as the spreadsheet shows them, so error reports point at the right line;
* blank rows are skipped; text is NFC-normalised and trimmed; whole-number floats from Excel
  (12.0) become ints; Excel dates stay dates;
* CSV may be UTF-8 (with or without BOM, as Excel writes it), UTF-16 (as Microsoft Teams writes
  it), Windows-1258 or Windows-1252; text typed for the legacy Vietnamese fonts (TCVN3/ABC, VNI),
  in a CSV or in XLSX cells, is converted to Unicode, or the file refused when that can't be
  decided (courses.core.files.text_encodings); Table.encoding names what was read;
* CSV is delimited by ",", ";" or a tab, whichever most of the first lines hold;
* anything that can't be read is a DomainError on the field "file" (HTTP 400), never a 500;
* every file is read within the limits of courses.core.files.read_limits (bytes inflated, compression ratio,
  rows, columns and cells present, characters per cell and per CSV line, time), counted as it is
  read: what a file declares about itself is never trusted.

The reader's parts: courses.core.files.csv_reader and xlsx_reader read a file's rows,
courses.core.files.rows gives them one form, sheets chooses the worksheet, headings finds the
headings, merged_cells reads merged cells; this module puts the table together (read_table). The
cell parsers importers read values with (as_text, as_int, …) are courses.core.files.cells'.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.utils.translation import gettext as _

from courses.core.errors import DomainError, ErrorItem
from courses.core.files.cells import heading_key, is_blank
from courses.core.files.csv_reader import csv_rows
from courses.core.files.headings import HEADING_SEARCH_ROWS, HeadingMatcher, find_headings, section_start
from courses.core.files.merged_cells import fill_merged_down, heading_spans, spanned_value
from courses.core.files.read_limits import ReadBudget, ReadLimits
from courses.core.files.rows import file_error, non_blank_rows
from courses.core.files.sheets import named_sheet, sheet_with_headings, undo_legacy_font
from courses.core.files.xlsx_reader import MergedRange, XlsxWorkbook

CSV_EXTENSIONS = (".csv",)
XLSX_EXTENSIONS = (".xlsx", ".xlsm")
_ZIP_MAGIC = b"PK\x03\x04"


@dataclass(frozen=True)
class Column:
    """A field an importer reads, with the headings people give it in files."""

    field: str
    headings: Sequence[str]
    required: bool = False
    help: str = ""

    @property
    def heading(self) -> str:
        """The heading written in templates and shown in messages."""
        return self.headings[0]


def columns_table(columns: Sequence[Column]) -> str:
    """The columns of a file layout as a Markdown table, for the API documentation of its upload."""
    lines = ["| Heading | Field | Required column | Content |", "|---|---|---|---|"]
    for column in columns:
        also = f" (also: {', '.join(column.headings[1:])})" if len(column.headings) > 1 else ""
        required = "yes" if column.required else "no"
        lines.append(f"| {column.heading}{also} | `{column.field}` | {required} | {column.help} |")
    return "\n".join(lines)


@dataclass
class TableRow:
    number: int
    values: dict[str, Any]

    def get(self, field: str, default=None):
        value = self.values.get(field)
        return default if is_blank(value) else value


@dataclass
class Table:
    rows: list[TableRow]
    # field -> heading as written in the file, so messages quote what the user sees (a field whose
    # column the file lacks: the importer's heading).
    headings: dict[str, str]
    # The fields whose column the file has, in the order of the file.
    found_fields: list[str] = field(default_factory=list)
    file_name: str = ""
    # The worksheet the table was read from (None for a CSV), and every sheet of the workbook.
    sheet: str | None = None
    sheets: list[str] = field(default_factory=list)
    # The row or two rows holding the headings, as the spreadsheet numbers them.
    heading_rows: list[int] = field(default_factory=list)
    # Headings of the columns no field claims: read past, and listed so the user sees what was left out.
    ignored_columns: list[str] = field(default_factory=list)
    # Rows inside the table that are not data: a row of column numbers under the headings, the
    # headings repeated (a printed list repeats them on each page), notes and signatures below.
    skipped_rows: list[int] = field(default_factory=list)
    # What the text was read as: "xlsx", "utf-8", "utf-16-le", "windows-1258", … or the legacy
    # font ("tcvn3", "vni") it was converted from (courses.core.files.text_encodings), for import reports.
    encoding: str = "utf-8"
    # The non-blank rows above the headings (at most HEADING_SEARCH_ROWS), as (row number, cells):
    # a title block or a meeting's summary that an importer may read (a meeting report's host).
    preamble: list[tuple[int, list]] = field(default_factory=list)
    # The section title the table was found under, when `read_table` was given sections.
    section: str | None = None

    def describe(self) -> dict:
        """What was read and how, for the import reports: the user checks it in the dry run."""
        return {
            "name": self.file_name,
            "sheet": self.sheet,
            "sheets": list(self.sheets),
            "heading_rows": list(self.heading_rows),
            "columns": {name: self.headings[name] for name in self.found_fields},
            "ignored_columns": list(self.ignored_columns),
            "skipped_rows": list(self.skipped_rows),
            "encoding": self.encoding,
        }


def read_table(
    *,
    content: bytes,
    filename: str,
    columns: Sequence[Column],
    sheet: str | int | None = None,
    mapping: Mapping[str, str] | None = None,
    sections: Sequence[str] = (),
    data_fields: Sequence[str] = (),
) -> Table:
    """Find the table in a CSV or XLSX file and read its data rows; DomainError when it can't.

    The heading row is searched for, not assumed (see `find_headings`). In a workbook of several
    sheets, the visible sheet whose headings match the most fields is read, unless `sheet` names
    one (by its name or its number from 1). `mapping` says which field a heading is, for a layout
    the importer's headings don't cover ({heading as written: field}); it wins over them.
    `sections` are titles of sections of a report of several tables (Teams' "3. In-Meeting
    Activities"): the headings are searched below the first title found (its number ignored), so
    a long section above it doesn't push the table out of reach; else from the top.
    `data_fields` are the fields a data row holds one of when no field is required (a meeting
    report's times): the notes and signatures below the table hold none and are taken off.
    """
    name = (filename or "").lower()
    limits = ReadLimits.from_settings()
    matcher = HeadingMatcher(columns, mapping, limits, sections, data_fields)
    if name.endswith(XLSX_EXTENSIONS):
        table = _read_workbook(content, limits, matcher, sheet)
    elif name.endswith(CSV_EXTENSIONS):
        raw_rows, encoding = csv_rows(content, limits)
        table = _table(raw_rows, matcher)
        table.encoding = encoding
    elif name.endswith(".xls"):
        raise file_error(_("Không hỗ trợ tệp Excel cũ (.xls): hãy lưu tệp dưới dạng .xlsx hoặc .csv."))
    else:
        raise file_error(_("Loại tệp không được hỗ trợ: hãy tải lên tệp .xlsx hoặc .csv."))
    table.file_name = filename or ""
    return table


def _read_workbook(content: bytes, limits: ReadLimits, matcher: HeadingMatcher, sheet) -> Table:
    # Sniff the content, not only the name: a renamed .xls or HTML export must be a 400.
    if not content.startswith(_ZIP_MAGIC):
        raise file_error(_("Tệp không phải là bảng tính .xlsx hợp lệ."))
    workbook = XlsxWorkbook(content, ReadBudget(limits))
    names = [s.name for s in workbook.sheets]
    if sheet is not None and str(sheet).strip() != "":
        chosen = named_sheet(workbook.sheets, sheet)
    elif len(workbook.sheets) == 1:
        chosen = workbook.sheets[0]
    else:
        chosen = sheet_with_headings(workbook, matcher, limits)
    try:
        merged: list[MergedRange] = []
        rows = list(non_blank_rows(workbook.rows(chosen, merged), limits))
        encoding = undo_legacy_font(rows) or "xlsx"
        table = _table(rows, matcher, merged)
    except DomainError as exc:
        if len(names) > 1 and exc.field == "file":
            exc.message = _("Trang tính “%(sheet)s”: %(message)s") % {
                "sheet": chosen.name,
                "message": exc.message,
            }
            exc.errors = [ErrorItem(message=exc.message, field="file", code=exc.code)]
        raise
    table.sheet, table.sheets, table.encoding = chosen.name, names, encoding
    return table


def _is_numbering(cells: list) -> bool:
    """A row of column numbers under the headings ("1 2 3 …", "(1) (2) …" or "A B C …"), as
    official forms have: at least three, counting up by one from left to right."""
    keys = []
    for value in cells:
        if is_blank(value):
            continue
        if isinstance(value, int) and not isinstance(value, bool):
            keys.append(value)
            continue
        text = heading_key(value).replace(" ", "") if isinstance(value, str) else ""
        if text.isdigit() and len(text) <= 3:
            keys.append(int(text))
        elif len(text) == 1 and text.isalpha():
            keys.append(ord(text))
        else:
            return False
    return len(keys) >= 3 and all(b == a + 1 for a, b in itertools.pairwise(keys))


_TOTAL = re.compile(r"^(tong|cong)( |$)")


def _drop_notes_below(
    rows: list[TableRow], required: set[str], filled: dict[int, int], skipped: list[int]
) -> None:
    """Take off the notes and signatures below the list ("Danh sách có 150 người", "Tổng cộng",
    "Người lập biểu", the date, the signatory's name).

    They come after the last row that has every required field, and start with a row that lacks
    one and is a single cell, starts with a total, or is two cells at most after a blank row. A row
    with more (a person whose id is missing) is not a note: it stays, for the importer to report,
    and so do rows that continue the one above (a catalogue's extra materials).
    """
    complete = [i for i, r in enumerate(rows) if all(not is_blank(r.values.get(f)) for f in required)]
    for position in range((complete[-1] if complete else -1) + 1, len(rows)):
        row, previous = rows[position], rows[position - 1] if position else None
        first_text = next((heading_key(v) for v in row.values.values() if not is_blank(v)), "")
        after_blank = previous is not None and row.number > previous.number + 1
        cells = filled[row.number]
        if cells == 1 or _TOTAL.match(first_text) or (after_blank and cells <= 2):
            skipped.extend(r.number for r in rows[position:])
            del rows[position:]
            return


def _mapping_hint() -> str:
    """A layout the importer's headings don't cover is read with the user's mapping (read_table)."""
    return _(
        "Nếu tệp đặt tên cột khác, hãy gửi kèm ánh xạ cột (mapping: {“tiêu đề trong tệp”: “trường”}) "
        "hoặc chọn một ánh xạ đã lưu (mapping_id)."
    )


def _table(
    raw_rows: list[tuple[int, list]], matcher: HeadingMatcher, merged: Sequence[MergedRange] = ()
) -> Table:
    if not raw_rows:
        raise file_error(_("Tệp trống."))
    start, section = section_start(raw_rows, matcher)
    found = find_headings(raw_rows[start:], matcher) if start else None
    if found is not None:
        found.end += start
    else:
        start, section = 0, None
        found = find_headings(raw_rows, matcher)
    expected = ", ".join(f"“{c.heading}”" for c in (matcher.required or matcher.columns))
    if found is None:
        raise file_error(
            _("Không tìm thấy dòng tiêu đề của bảng trong %(rows)d dòng đầu: cần các cột %(columns)s.")
            % {"rows": HEADING_SEARCH_ROWS, "columns": expected}
            + " "
            + _mapping_hint()
        )
    if found.missing:
        message = _("Thiếu cột bắt buộc: %(columns)s. Dòng tiêu đề là dòng %(row)s.") % {
            "columns": ", ".join(f"“{m}”" for m in found.missing),
            "row": "–".join(str(n) for n in found.rows),
        }
        if found.ignored:
            message += " " + _("Các cột chưa nhận ra: %(columns)s.") % {
                "columns": ", ".join(f"“{h}”" for h in found.ignored)
            }
        raise file_error(message + " " + _mapping_hint())
    if found.repeated:
        first, second = found.repeated[0]
        raise file_error(
            _("Cột “%(first)s” và cột “%(second)s” là cùng một trường; hãy giữ một cột.")
            % {"first": first, "second": second}
        )
    index_to_field = {index: name for name, (index, _shown) in found.fields.items()}
    required = (
        {c.field for c in matcher.required} or (matcher.data_fields & set(found.fields)) or set(found.fields)
    )
    rows: list[TableRow] = []
    skipped: list[int] = []
    body = raw_rows[found.end + 1 :]
    fill_merged_down(body, [m for m in merged if m.first_row > found.rows[-1]], matcher.limits)
    spans = heading_spans(found, merged)
    if body and _is_numbering(body[0][1]):
        skipped.append(body[0][0])
        body = body[1:]
    filled = {number: sum(not is_blank(c) for c in cells) for number, cells in body}
    # The headings repeated on each printed page: looked for only in rows whose first heading cell
    # holds the first heading again (folding every cell of every row would double the read's time).
    anchor = next((i for i, key in enumerate(found.signature) if key), 0)
    for number, cells in body:
        first = cells[anchor] if anchor < len(cells) else None
        if (
            isinstance(first, str)
            and heading_key(first) == found.signature[anchor]
            and tuple(heading_key(c) if isinstance(c, str) else "" for c in cells) == found.signature
        ):
            skipped.append(number)
            continue
        row_values = {
            field_name: cells[index] if index < len(cells) else None
            for index, field_name in index_to_field.items()
        }
        for index, extra in spans.items():
            row_values[index_to_field[index]] = spanned_value(cells, index, extra)
        if all(is_blank(v) for v in row_values.values()):
            skipped.append(number)
            continue
        rows.append(TableRow(number=number, values=row_values))
    _drop_notes_below(rows, required, filled, skipped)
    if len(rows) > matcher.limits.data_rows:
        raise file_error(_("Tệp có quá %(max)d dòng dữ liệu.") % {"max": matcher.limits.data_rows})
    if not rows:
        raise file_error(
            _("Tệp có dòng tiêu đề (dòng %(row)s) nhưng không có dòng dữ liệu.")
            % {"row": "–".join(str(n) for n in found.rows)}
        )
    headings = {name: shown for name, (_index, shown) in found.fields.items()}
    for column in matcher.columns:
        headings.setdefault(column.field, column.heading)
    heading_start = found.end + 1 - len(found.rows)
    return Table(
        rows=rows,
        headings=headings,
        found_fields=list(found.fields),
        heading_rows=found.rows,
        ignored_columns=found.ignored,
        skipped_rows=sorted(skipped),
        preamble=raw_rows[:heading_start][:HEADING_SEARCH_ROWS],
        section=section,
    )
