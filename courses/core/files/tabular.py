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

The cell parsers at the end (as_text, as_int, …) raise ValueError with a message fit for the
import report; importers turn it into an ErrorItem naming the row and field.
"""

from __future__ import annotations

import bisect
import csv
import datetime
import itertools
import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from django.utils.translation import gettext as _

from courses.core.errors import DomainError, ErrorItem
from courses.core.files.read_limits import (
    ReadBudget,
    ReadLimits,
    cell_too_long,
    line_too_long,
    too_many_cells,
    too_many_columns,
    too_many_sheet_rows,
)
from courses.core.files.text_encodings import decode_text, from_legacy_font, legacy_font_of
from courses.core.files.xlsx_reader import MergedRange, SheetInfo, XlsxWorkbook
from courses.core.text import fold, nfc

CSV_EXTENSIONS = (".csv",)
XLSX_EXTENSIONS = (".xlsx", ".xlsm")
_ZIP_MAGIC = b"PK\x03\x04"
_NON_ALNUM = re.compile(r"[^a-z0-9]+")


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


def heading_key(text: str) -> str:
    return _NON_ALNUM.sub(" ", fold(str(text))).strip()


def is_blank(value) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def file_error(message: str) -> DomainError:
    return DomainError(message=message, field="file")


# How many non-blank rows from the top of a sheet are searched for the headings: official lists put
# a title block above them (the unit, "DANH SÁCH HỌC VIÊN …", the class, the date), rarely 15 rows.
HEADING_SEARCH_ROWS = 30


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

    The heading row is searched for, not assumed (see `_find_headings`). In a workbook of several
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
    matcher = _HeadingMatcher(columns, mapping, limits, sections, data_fields)
    if name.endswith(XLSX_EXTENSIONS):
        table = _read_workbook(content, limits, matcher, sheet)
    elif name.endswith(CSV_EXTENSIONS):
        raw_rows, encoding = _csv_rows(content, limits)
        table = _table(raw_rows, matcher)
        table.encoding = encoding
    elif name.endswith(".xls"):
        raise file_error(_("Không hỗ trợ tệp Excel cũ (.xls): hãy lưu tệp dưới dạng .xlsx hoặc .csv."))
    else:
        raise file_error(_("Loại tệp không được hỗ trợ: hãy tải lên tệp .xlsx hoặc .csv."))
    table.file_name = filename or ""
    return table


def _cell(value):
    """One stored form for a cell value, whichever program wrote the file."""
    if isinstance(value, str):
        value = nfc(value)
        return value or None
    if isinstance(value, bool):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, datetime.datetime) and value.time() == datetime.time(0):
        return value.date()
    return value


def _read_workbook(content: bytes, limits: ReadLimits, matcher: _HeadingMatcher, sheet) -> Table:
    # Sniff the content, not only the name: a renamed .xls or HTML export must be a 400.
    if not content.startswith(_ZIP_MAGIC):
        raise file_error(_("Tệp không phải là bảng tính .xlsx hợp lệ."))
    workbook = XlsxWorkbook(content, ReadBudget(limits))
    names = [s.name for s in workbook.sheets]
    if sheet is not None and str(sheet).strip() != "":
        chosen = _named_sheet(workbook.sheets, sheet)
    elif len(workbook.sheets) == 1:
        chosen = workbook.sheets[0]
    else:
        chosen = _sheet_with_headings(workbook, matcher, limits)
    try:
        merged: list[MergedRange] = []
        rows = list(_non_blank(workbook.rows(chosen, merged), limits))
        encoding = _undo_legacy_font(rows) or "xlsx"
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


def _undo_legacy_font(rows: list[tuple[int, list]]) -> str | None:
    """Convert the text cells typed for a legacy Vietnamese font (TCVN3, VNI), decided once for the
    whole sheet; the font found, or None."""
    texts = [
        value for _number, cells in rows for value in cells if isinstance(value, str) and not value.isascii()
    ]
    encoding = legacy_font_of(texts)
    if encoding is None:
        return None
    converted: dict[str, str] = {}  # cells repeat: each distinct text is converted once
    for _number, cells in rows:
        for index, value in enumerate(cells):
            if isinstance(value, str) and not value.isascii():
                if value not in converted:
                    converted[value] = from_legacy_font(value, encoding)
                cells[index] = converted[value]
    return encoding


def _named_sheet(sheets: Sequence[SheetInfo], wanted) -> SheetInfo:
    text = nfc(str(wanted)).strip()
    for info in sheets:
        if info.name.casefold() == text.casefold():
            return info
    if text.isdigit() and 1 <= int(text) <= len(sheets):
        return sheets[int(text) - 1]
    raise DomainError(
        message=_("Tệp không có trang tính “%(sheet)s”; các trang tính: %(names)s.")
        % {"sheet": text, "names": ", ".join(f"“{s.name}”" for s in sheets)},
        field="sheet",
    )


def _sheet_with_headings(workbook: XlsxWorkbook, matcher: _HeadingMatcher, limits: ReadLimits) -> SheetInfo:
    """The visible sheet whose headings match the most fields: a workbook often holds a cover
    sheet, a summary or instructions beside the list. Two sheets that both hold a whole table (a
    list per class, this year's and last year's) are refused, naming them: reading one of them
    without a word would leave the other's people out."""
    ranked = []
    for info in workbook.sheets:
        if info.hidden:
            continue
        head = list(itertools.islice(_non_blank(workbook.rows(info), limits), HEADING_SEARCH_ROWS))
        _undo_legacy_font(head)  # headings typed for .VnTime match once converted
        found = _find_headings(head, matcher)
        ranked.append(((found.complete, len(found.fields)) if found is not None else (False, 0), info))
    complete = [info for (is_complete, _count), info in ranked if is_complete]
    if len(complete) > 1:
        raise DomainError(
            message=_("Các trang tính %(names)s đều có bảng cần đọc: hãy chọn một trang tính (sheet).")
            % {"names": ", ".join(f"“{info.name}”" for info in complete)},
            field="sheet",
            code="ambiguous",
        )
    best = max(ranked, key=lambda item: item[0], default=None)
    return best[1] if best is not None else workbook.sheets[0]


def _non_blank(
    numbered_rows: Iterable[tuple[int, Sequence]], limits: ReadLimits
) -> Iterator[tuple[int, list]]:
    """The rows that have a value, stopping as soon as there are too many.

    Blank rows don't count: sheets often carry formatting far below the data (the readers bound
    how many rows are present at all).
    """
    limit = limits.data_rows + HEADING_SEARCH_ROWS
    count = 0
    for number, values in numbered_rows:
        cells = [_cell(v) for v in values]
        if all(is_blank(v) for v in cells):
            continue
        count += 1
        if count > limit:
            raise file_error(_("Tệp có quá %(max)d dòng dữ liệu.") % {"max": limits.data_rows})
        yield number, cells


# CPython's csv module refuses a field longer than its field_size_limit() with this message.
_CSV_FIELD_LIMIT = "field larger than field limit"


def _csv_rows(content: bytes, limits: ReadLimits) -> tuple[list[tuple[int, list]], str]:
    decoded = decode_text(content)
    text = decoded.text
    if "\x00" in text:
        raise file_error(_("Tệp không phải là tệp CSV dạng văn bản."))
    budget = ReadBudget(limits)
    delimiter = _csv_delimiter(text, budget)
    reader = csv.reader(_csv_lines(text, budget), delimiter=delimiter)
    try:
        rows = list(_non_blank(_bounded_records(reader, limits), limits))
    except csv.Error as exc:
        if _CSV_FIELD_LIMIT in str(exc):
            raise cell_too_long(limits) from exc
        # The csv module's own text is English and technical: the line is what the user can act on.
        raise file_error(
            _("Không đọc được tệp CSV: dòng %(line)d bị hỏng.") % {"line": reader.line_num}
        ) from exc
    return rows, decoded.encoding


# Excel in a Vietnamese locale writes ";" because "," is the decimal separator; Microsoft Teams
# writes tabs. On a tie the earlier one wins.
_DELIMITERS = (",", ";", "\t")
_DELIMITER_SAMPLE_LINES = 20


def _csv_delimiter(text: str, budget: ReadBudget) -> str:
    """The delimiter found on the most of the first non-blank lines, then the most often.

    Counting lines, not characters: a title line or a section name ("1. Summary") has none, a
    date ("3/5/25, 9:00:00 AM") or a list in a cell ("a; b; c") may hold another, but the
    delimiter is on (nearly) every line, and Excel pads every line with it to the full width.
    """
    lines = []
    for line in _csv_lines(text, budget):
        if line.strip():
            lines.append(line)
            if len(lines) == _DELIMITER_SAMPLE_LINES:
                break
    return max(
        _DELIMITERS,
        key=lambda d: (sum(d in line for line in lines), sum(line.count(d) for line in lines)),
    )


_LINE_END = re.compile(r"\r\n|\r|\n")


def _csv_lines(text: str, budget: ReadBudget) -> Iterator[str]:
    """The file's lines with their endings, blank ones included, refused past the line count or
    length limit; a line's length is checked before the line is copied out of the text."""
    limits = budget.limits
    start = count = 0
    while start < len(text):
        count += 1
        if count > limits.sheet_rows:
            raise too_many_sheet_rows(limits)
        match = _LINE_END.search(text, start, start + limits.line_chars + 2)
        end = match.end() if match else len(text)
        if (match.start() if match else end) - start > limits.line_chars:
            raise line_too_long(limits)
        if count % 1000 == 0:
            budget.check_time()
        yield text[start:end]
        start = end


def _bounded_records(reader: Iterable[list[str]], limits: ReadLimits) -> Iterator[tuple[int, list]]:
    """Numbered records, refused past the cell limits; empty fields past the last column are dropped."""
    cells = 0
    for number, record in enumerate(reader, start=1):
        cells += len(record)
        if cells > limits.cells:
            raise too_many_cells(limits)
        if any(len(field) > limits.cell_chars for field in record):
            raise cell_too_long(limits)
        if len(record) > limits.columns:
            if any(field.strip() for field in record[limits.columns :]):
                raise too_many_columns(limits)
            record = record[: limits.columns]
        yield number, record


class _HeadingMatcher:
    """Which field a heading is: the importer's headings for each field (case, diacritics and
    punctuation ignored), overridden by a mapping the user gave for their own layout."""

    def __init__(
        self,
        columns: Sequence[Column],
        mapping: Mapping[str, str] | None = None,
        limits: ReadLimits | None = None,
        sections: Sequence[str] = (),
        data_fields: Sequence[str] = (),
    ):
        self.columns = list(columns)
        self.sections = {heading_key(title) for title in sections}
        self.data_fields = set(data_fields)
        self.by_key: dict[str, Column] = {}
        for column in self.columns:
            for heading in (*column.headings, column.field):
                self.by_key.setdefault(heading_key(heading), column)
        by_field = {c.field: c for c in self.columns}
        for heading, field_name in (mapping or {}).items():
            if field_name in by_field:
                self.by_key[heading_key(heading)] = by_field[field_name]
        self.required = [c for c in self.columns if c.required]
        self.limits = limits or ReadLimits.from_settings()

    def column(self, text) -> Column | None:
        if is_blank(text):
            return None
        return self.by_key.get(heading_key(text))


@dataclass
class _Headings:
    """A candidate heading row (or two), and what its cells say."""

    rows: list[int]
    # Position in the list of non-blank rows of the last heading row.
    end: int
    fields: dict[str, tuple[int, str]]  # field -> (column index, heading as written)
    repeated: list[tuple[str, str]]  # (earlier heading, repeated heading) of a field given twice
    ignored: list[str]
    missing: list[str]
    # Folded cells of the heading row(s), to know the headings when they are repeated further down.
    signature: tuple[str, ...] = ()

    @property
    def complete(self) -> bool:
        return not self.missing

    @property
    def rank(self) -> tuple:
        # Every required field first, then the most fields; one row before two on a tie (a one-row
        # heading over its first data row also "matches" as two rows), then the earliest.
        return (self.complete, len(self.fields), -len(self.rows), -self.end)


def _candidate(
    rows: list[int], end: int, headings: list, matcher: _HeadingMatcher, sources: list
) -> _Headings:
    fields: dict[str, tuple[int, str]] = {}
    repeated: list[tuple[str, str]] = []
    ignored: list[str] = []
    for index, (texts, shown) in enumerate(zip(headings, sources, strict=True)):
        column = next((c for c in (matcher.column(t) for t in texts) if c is not None), None)
        if column is None:
            if shown:
                ignored.append(shown)
            continue
        if column.field in fields:
            repeated.append((fields[column.field][1], shown))
            continue
        fields[column.field] = (index, shown)
    missing = [c.heading for c in matcher.required if c.field not in fields]
    return _Headings(rows, end, fields, repeated, ignored, missing)


def _one_row(position: int, number: int, cells: list, matcher: _HeadingMatcher) -> _Headings:
    texts = [[cell] for cell in cells]
    shown = ["" if is_blank(cell) else " ".join(str(cell).split()) for cell in cells]
    found = _candidate([number], position, texts, matcher, shown)
    found.signature = tuple(heading_key(c) if isinstance(c, str) else "" for c in cells)
    return found


def _two_rows(position: int, upper: tuple[int, list], lower: tuple[int, list], matcher) -> _Headings:
    """Headings spread over two rows: a heading merged across columns above the headings of its
    parts ("Ngày sinh" over "Nam" | "Nữ"), and single headings merged down the two rows.

    A merged cell holds its text in its first cell only, so a blank upper cell above a lower heading
    belongs to the nearest upper heading to its left. Each column is matched by its two headings
    together, then by the lower one, then by the upper one.
    """
    up_cells, low_cells = upper[1], lower[1]
    width = max(len(up_cells), len(low_cells))
    texts, shown = [], []
    carried = None
    for index in range(width):
        up = up_cells[index] if index < len(up_cells) else None
        low = low_cells[index] if index < len(low_cells) else None
        up, low = (None if is_blank(v) else " ".join(str(v).split()) for v in (up, low))
        if up is not None:
            carried = up
        elif low is not None:
            up = carried
        else:
            carried = None
        parts = [p for p in (up, low) if p]
        texts.append([" ".join(parts), low, up])
        shown.append(" / ".join(parts))
    found = _candidate([upper[0], lower[0]], position, texts, matcher, shown)
    found.signature = tuple(heading_key(t[0]) if t[0] else "" for t in texts)
    return found


def _find_headings(rows: Sequence[tuple[int, list]], matcher: _HeadingMatcher) -> _Headings | None:
    """The best heading row (or pair of rows) among the first non-blank rows, or None if no row
    names any field. A title block above the table matches no field, so it is passed over."""
    best = None
    head = rows[:HEADING_SEARCH_ROWS]
    for position, (number, cells) in enumerate(head):
        found = [_one_row(position, number, cells, matcher)]
        if position + 1 < len(head) and head[position + 1][0] == number + 1:
            found.append(_two_rows(position + 1, head[position], head[position + 1], matcher))
        for candidate in found:
            if candidate.fields and (best is None or candidate.rank > best.rank):
                best = candidate
    return best


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


def _fill_merged_down(
    body: list[tuple[int, list]], merged: Sequence[MergedRange], limits: ReadLimits
) -> None:
    """Give every row of a range merged down a column the value its first cell holds: lists merge
    the unit or the commune over the rows of its people, and a blank there would lose it."""
    numbers = [number for number, _cells in body]
    by_number = dict(body)
    work = 0
    for cells_range in merged:
        if cells_range.last_row == cells_range.first_row or cells_range.first_row not in by_number:
            continue
        index = cells_range.first_column - 1
        top = by_number[cells_range.first_row]
        value = top[index] if index < len(top) else None
        if is_blank(value):
            continue
        start = bisect.bisect_right(numbers, cells_range.first_row)
        end = bisect.bisect_right(numbers, cells_range.last_row)
        work += end - start
        if work > limits.cells:
            raise too_many_cells(limits)
        for number in numbers[start:end]:
            cells = by_number[number]
            if index >= len(cells):
                cells.extend([None] * (index + 1 - len(cells)))
            if is_blank(cells[index]):
                cells[index] = value


def _heading_spans(found: _Headings, merged: Sequence[MergedRange]) -> dict[int, list[int]]:
    """{column index of a field: the unclaimed columns its heading is merged across}: a name split
    into "Họ đệm" and "Tên" cells under one merged "Họ và tên" is read as one value."""
    claimed = {index for index, _shown in found.fields.values()}
    spans: dict[int, list[int]] = {}
    for cells_range in merged:
        within = cells_range.first_row >= found.rows[0] and cells_range.last_row <= found.rows[-1]
        reaches_last = cells_range.last_row == found.rows[-1]
        base = cells_range.first_column - 1
        if within and reaches_last and cells_range.last_column > cells_range.first_column and base in claimed:
            extra = [c - 1 for c in range(cells_range.first_column + 1, cells_range.last_column + 1)]
            spans[base] = [i for i in extra if i not in claimed]
    return spans


def _spanned(cells: list, index: int, extra: list[int]):
    """The value of a field whose heading spans several columns: the text of its cells joined."""
    parts = [cells[i] for i in (index, *extra) if i < len(cells) and not is_blank(cells[i])]
    if len(parts) <= 1:
        return parts[0] if parts else None
    return " ".join(as_text(part) for part in parts)


def _mapping_hint() -> str:
    """A layout the importer's headings don't cover is read with the user's mapping (read_table)."""
    return _(
        "Nếu tệp đặt tên cột khác, hãy gửi kèm ánh xạ cột (mapping: {“tiêu đề trong tệp”: “trường”}) "
        "hoặc chọn một ánh xạ đã lưu (mapping_id)."
    )


_SECTION_NUMBER = re.compile(r"^[0-9]+ ")


def _section_start(raw_rows: list[tuple[int, list]], matcher: _HeadingMatcher) -> tuple[int, str | None]:
    """Where the section the importer asked for begins (the position after its title), or 0."""
    if not matcher.sections:
        return 0, None
    for position, (_number, cells) in enumerate(raw_rows):
        # A section's title is a row of one cell.
        filled = [c for c in cells if not is_blank(c)]
        first = filled[0] if len(filled) == 1 else None
        if isinstance(first, str) and len(first) < 100:
            key = _SECTION_NUMBER.sub("", heading_key(first))
            if key in matcher.sections:
                return position + 1, " ".join(first.split())
    return 0, None


def _table(
    raw_rows: list[tuple[int, list]], matcher: _HeadingMatcher, merged: Sequence[MergedRange] = ()
) -> Table:
    if not raw_rows:
        raise file_error(_("Tệp trống."))
    start, section = _section_start(raw_rows, matcher)
    found = _find_headings(raw_rows[start:], matcher) if start else None
    if found is not None:
        found.end += start
    else:
        start, section = 0, None
        found = _find_headings(raw_rows, matcher)
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
    _fill_merged_down(body, [m for m in merged if m.first_row > found.rows[-1]], matcher.limits)
    spans = _heading_spans(found, merged)
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
            row_values[index_to_field[index]] = _spanned(cells, index, extra)
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


# Cell parsers: each takes a non-blank cell value and returns the typed value or raises ValueError.


def as_text(value, *, max_length: int | None = None) -> str:
    if isinstance(value, bool):
        raise ValueError(_("Cần giá trị dạng chữ, không phải giá trị đúng/sai."))
    if isinstance(value, datetime.datetime | datetime.date):
        text = value.isoformat()
    elif isinstance(value, float):
        text = format(Decimal(repr(value)).normalize(), "f")
    else:
        text = nfc(str(value))
    if max_length is not None and len(text) > max_length:
        raise ValueError(
            _("Tối đa %(max)d ký tự (hiện có %(length)d).") % {"max": max_length, "length": len(text)}
        )
    return text


def as_int(value, *, minimum: int | None = None, maximum: int | None = None) -> int:
    if isinstance(value, bool):
        raise ValueError(_("Cần một số nguyên."))
    if isinstance(value, int):
        number = value
    else:
        try:
            number = Decimal(str(value).strip())
        except InvalidOperation:
            raise ValueError(_("“%(value)s” không phải là số nguyên.") % {"value": value}) from None
        # "Infinity" and "NaN" parse as decimals; int() of them raises what no importer catches.
        if not number.is_finite() or number != number.to_integral_value():
            raise ValueError(_("“%(value)s” không phải là số nguyên.") % {"value": value})
        number = int(number)
    if minimum is not None and number < minimum:
        raise ValueError(_("Phải từ %(min)d trở lên.") % {"min": minimum})
    if maximum is not None and number > maximum:
        raise ValueError(_("Không được lớn hơn %(max)d.") % {"max": maximum})
    return number


def as_decimal(value, *, decimal_places: int, max_digits: int) -> Decimal:
    if isinstance(value, bool):
        raise ValueError(_("Cần một số."))
    if isinstance(value, float):
        number = Decimal(repr(value))
    elif isinstance(value, int):
        number = Decimal(value)
    else:
        # Vietnamese spreadsheets write the decimal separator as a comma.
        text = str(value).strip().replace(",", ".")
        try:
            number = Decimal(text)
        except InvalidOperation:
            raise ValueError(_("“%(value)s” không phải là số.") % {"value": value}) from None
    if not number.is_finite():
        raise ValueError(_("“%(value)s” không phải là số.") % {"value": value})
    if number != number.quantize(Decimal(1).scaleb(-decimal_places)):
        raise ValueError(_("Tối đa %(places)d chữ số thập phân.") % {"places": decimal_places})
    if abs(number) >= Decimal(10) ** (max_digits - decimal_places):
        raise ValueError(_("Số quá lớn."))
    return number


_DATE_FORMATS = ("%d/%m/%Y", "%d-%m-%Y", "%d.%m.%Y", "%Y-%m-%d")


def as_date(value) -> datetime.date:
    """A date from an Excel date cell, dd/mm/yyyy (as written in Vietnam) or ISO yyyy-mm-dd."""
    if isinstance(value, datetime.datetime):
        return value.date()
    if isinstance(value, datetime.date):
        return value
    text = str(value).strip()
    for fmt in _DATE_FORMATS:
        try:
            return datetime.datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    raise ValueError(_("“%(value)s” không phải là ngày: hãy ghi theo dạng dd/mm/yyyy.") % {"value": value})


def as_choice(value, choices: Mapping[str, Any], hint: str):
    """Map a cell to a value through `choices`, keyed by heading_key of each accepted spelling.

    `hint` tells what to write instead, e.g. "write “có” or “không”".
    """
    key = heading_key(as_text(value))
    if key not in choices:
        raise ValueError(_("“%(value)s” không hợp lệ: %(hint)s.") % {"value": value, "hint": hint})
    return choices[key]


_TRUE = {"co", "c", "x", "yes", "y", "true", "1"}
_FALSE = {"khong", "k", "no", "n", "false", "0"}


def as_bool(value) -> bool:
    if isinstance(value, bool):
        return value
    key = heading_key(as_text(value))
    if key in _TRUE:
        return True
    if key in _FALSE:
        return False
    raise ValueError(_("“%(value)s” không phải có hoặc không: hãy ghi “có” hoặc “không”.") % {"value": value})


def split_list(value, separator: str = ";") -> list[str]:
    """Split a cell listing several values; new lines (Alt+Enter in Excel) also separate."""
    text = as_text(value).replace("\n", separator)
    return [part.strip() for part in text.split(separator) if part.strip()]
