"""Read the worksheets of an .xlsx file as rows of cell values, within courses.core.files.read_limits.

openpyxl is not used to read uploads, not even in read-only mode: it loads the shared strings table
whole (one 300 MB string costs 800 MB), pads every row and the sheet itself to the size its
<dimension> element declares (A1:XFD1048576 is 17 billion cells), and inflates zip parts without a
bound. Here each part the sheet needs is inflated by chunks through a counting reader and parsed by
expat as the chunks arrive (courses.core.files.xlsx_parts); only the shared strings (each bounded) and the
current row are held.

Values come out as openpyxl gives them (load_workbook(read_only=True, data_only=True) and
iter_rows(values_only=True)), so the importers' lenient reading is unchanged: numbers as int or
float, Excel dates as datetimes (through openpyxl's own date-format rules), booleans, the cached
result of a formula, text of shared and inline strings without phonetic runs. A row is the list of
its values from column A to its last cell holding a value; rows come with the number the sheet shows.
"""

from __future__ import annotations

import posixpath
import re
from collections.abc import Iterator
from dataclasses import dataclass

from django.utils.translation import gettext as _
from openpyxl.styles.numbers import BUILTIN_FORMATS, is_date_format, is_timedelta_format
from openpyxl.utils.datetime import CALENDAR_MAC_1904, WINDOWS_EPOCH, from_excel, from_ISO8601

from courses.core.errors import DomainError
from courses.core.files.read_limits import (
    ReadBudget,
    cell_too_long,
    too_many_cells,
    too_many_columns,
    too_many_sheet_rows,
)
from courses.core.files.xlsx_parts import Handler, ZipParts, damaged_sheet

_OFFICE_DOCUMENT = "/officeDocument"
_COORDINATE = re.compile(r"\$?([A-Za-z]{1,3})\$?[0-9]*")


@dataclass(frozen=True)
class MergedRange:
    """Cells merged into one (their value is in the first): columns and rows, counted from 1."""

    first_column: int
    first_row: int
    last_column: int
    last_row: int


# A sheet merges its title, its headings and groups of rows; past this many, the rest are not kept.
MAX_MERGED_RANGES = 20_000
_RANGE = re.compile(r"\$?([A-Za-z]{1,3})\$?([0-9]{1,7}):\$?([A-Za-z]{1,3})\$?([0-9]{1,7})")


@dataclass(frozen=True)
class SheetInfo:
    name: str
    path: str
    hidden: bool


class XlsxWorkbook:
    """The worksheets of an .xlsx file, each read on demand as (row number, values) rows.

    The workbook, its relationships, styles and shared strings are read once; a sheet's rows are
    parsed as they are asked for, so looking at the first rows of every sheet (to find the one that
    holds a table) costs little even when one sheet is large.
    """

    def __init__(self, content: bytes, budget: ReadBudget):
        self._budget = budget
        self._parts = parts = ZipParts(content, budget)
        root = _relationships(parts, "_rels/.rels")
        workbook_path = next(
            (target for kind, target in root.values() if kind.endswith(_OFFICE_DOCUMENT)), "xl/workbook.xml"
        )
        workbook = _Workbook()
        parts.parse(workbook_path, workbook)
        folder, name = posixpath.split(workbook_path)
        related = _relationships(parts, posixpath.join(folder, "_rels", f"{name}.rels"), base=folder)
        self.sheets = [
            SheetInfo(name=sheet_name, path=related[rel_id][1], hidden=hidden)
            for rel_id, sheet_name, hidden in workbook.sheets
            if rel_id in related and related[rel_id][0].endswith("/worksheet") and related[rel_id][1] in parts
        ]
        if not self.sheets:
            raise DomainError(message=_("Bảng tính không có trang tính nào."), field="file")
        styles = _Styles()
        strings = _SharedStrings(budget)
        for kind, target in related.values():
            if kind.endswith("/styles"):
                parts.parse(target, styles)
            elif kind.endswith("/sharedStrings"):
                parts.parse(target, strings)
        self._strings = strings.values
        self._date_styles = styles.date_styles()
        self._epoch = CALENDAR_MAC_1904 if workbook.date1904 else WINDOWS_EPOCH

    def rows(self, sheet: SheetInfo, merged: list[MergedRange] | None = None) -> Iterator[tuple[int, list]]:
        """(row number, values) for each row present in the sheet, in the sheet's order.

        The sheet's merged ranges come after its rows in the file: `merged`, if given, is filled
        with them once the rows have all been read."""
        handler = _Sheet(
            self._budget, strings=self._strings, date_styles=self._date_styles, epoch=self._epoch
        )
        yield from self._parts.parse_rows(sheet.path, handler)
        if merged is not None:
            merged.extend(handler.merged)


def xlsx_rows(content: bytes, budget: ReadBudget) -> Iterator[tuple[int, list]]:
    """(row number, values) for each row present in the first worksheet, in the sheet's order."""
    workbook = XlsxWorkbook(content, budget)
    yield from workbook.rows(workbook.sheets[0])


# --- the XML parts ------------------------------------------------------------------------------


def _local(attributes: dict, name: str, default=None):
    """An attribute by its local name, whatever its namespace (r:id arrives as "…/relationships}id")."""
    if name in attributes:
        return attributes[name]
    for key, value in attributes.items():
        if key.rpartition("}")[2] == name:
            return value
    return default


class _Relationships(Handler):
    def __init__(self, base: str):
        super().__init__()
        self.base = base
        self.targets: dict[str, tuple[str, str]] = {}

    def start(self, tag, attributes):
        if tag != "Relationship" or attributes.get("TargetMode") == "External":
            return
        target = attributes.get("Target", "")
        path = target[1:] if target.startswith("/") else posixpath.join(self.base, target)
        self.targets[attributes.get("Id", "")] = (attributes.get("Type", ""), posixpath.normpath(path))


def _relationships(parts: ZipParts, name: str, base: str = "") -> dict[str, tuple[str, str]]:
    """{id: (type, part path)} of a relationships part; none when the file has no such part."""
    handler = _Relationships(base)
    if name in parts:
        parts.parse(name, handler)
    return handler.targets


class _Workbook(Handler):
    def __init__(self):
        super().__init__()
        # (relationship id, name, hidden) in the order the workbook shows its tabs.
        self.sheets: list[tuple[str, str, bool]] = []
        self.date1904 = False

    def start(self, tag, attributes):
        if tag == "sheet":
            hidden = attributes.get("state", "visible") != "visible"
            self.sheets.append((_local(attributes, "id", ""), attributes.get("name", ""), hidden))
        elif tag == "workbookPr":
            self.date1904 = attributes.get("date1904", "").lower() in ("1", "true")


class _Styles(Handler):
    """Which cell styles show a number as a date or a duration, by openpyxl's rules."""

    def __init__(self):
        super().__init__()
        self.custom_formats: dict[int, str] = {}
        self.cell_formats: list[int] = []
        self._in_cell_xfs = False

    def start(self, tag, attributes):
        try:
            if tag == "numFmt":
                self.custom_formats[int(attributes.get("numFmtId", -1))] = attributes.get("formatCode", "")
            elif tag == "cellXfs":
                self._in_cell_xfs = True
            elif tag == "xf" and self._in_cell_xfs:
                self.cell_formats.append(int(attributes.get("numFmtId", 0)))
        except ValueError as exc:
            raise damaged_sheet() from exc

    def end(self, tag):
        if tag == "cellXfs":
            self._in_cell_xfs = False

    def date_styles(self) -> dict[int, bool]:
        """{style index: is a duration} for the styles that hold dates."""
        styles = {}
        for index, format_id in enumerate(self.cell_formats):
            code = self.custom_formats.get(format_id) or BUILTIN_FORMATS.get(format_id)
            if is_date_format(code):
                styles[index] = is_timedelta_format(code)
        return styles


class _Text:
    """Character data of the <t> elements of a string item, phonetic runs (<rPh>) left out."""

    def __init__(self, budget: ReadBudget):
        self.limits = budget.limits
        self.pieces: list[str] = []
        self.length = 0
        self.in_t = False
        self.in_phonetic = 0

    def start(self, tag):
        if tag == "t":
            self.in_t = not self.in_phonetic
        elif tag == "rPh":
            self.in_phonetic += 1

    def end(self, tag):
        if tag == "t":
            self.in_t = False
        elif tag == "rPh":
            self.in_phonetic -= 1

    def add(self, data: str):
        if self.in_t:
            self.length += len(data)
            if self.length > self.limits.cell_chars:
                raise cell_too_long(self.limits)
            self.pieces.append(data)

    def take(self) -> str:
        text = "".join(self.pieces)
        self.pieces, self.length, self.in_t, self.in_phonetic = [], 0, False, 0
        return text


class _SharedStrings(Handler):
    def __init__(self, budget: ReadBudget):
        super().__init__()
        self.limits = budget.limits
        self.values: list[str] = []
        self._text = _Text(budget)
        self._in_item = False

    def start(self, tag, attributes):
        if tag == "si":
            self._in_item = True
        elif self._in_item:
            self._text.start(tag)

    def end(self, tag):
        if tag == "si":
            self._in_item = False
            # More distinct strings than cells can't be of use, and each costs memory.
            if len(self.values) >= self.limits.cells:
                raise too_many_cells(self.limits)
            self.values.append(self._text.take())
        elif self._in_item:
            self._text.end(tag)

    def text(self, data):
        self._text.add(data)


def _column_number(letters: str) -> int:
    number = 0
    for letter in letters.upper():
        number = number * 26 + ord(letter) - 64
    return number


class _Sheet(Handler):
    """Emits (row number, values) at the end of each <row>, counting rows and cells present."""

    def __init__(self, budget: ReadBudget, *, strings: list[str], date_styles: dict[int, bool], epoch):
        super().__init__()
        self.limits = budget.limits
        self.strings = strings
        self.date_styles = date_styles
        self.epoch = epoch
        self.rows = self.cells = 0
        self.row_number = 0
        self.column = 0
        self.values: dict[int, object] = {}
        self.cell: dict | None = None
        self.in_value = False
        self.value_pieces: list[str] = []
        self.value_length = 0
        self.inline: _Text | None = None
        self._budget = budget
        self.merged: list[MergedRange] = []

    def start(self, tag, attributes):
        if tag == "c":
            self._start_cell(attributes)
        elif tag == "mergeCell":
            match = _RANGE.fullmatch(attributes.get("ref", ""))
            if match is not None and len(self.merged) < MAX_MERGED_RANGES:
                first_column, last_column = _column_number(match.group(1)), _column_number(match.group(3))
                first_row, last_row = int(match.group(2)), int(match.group(4))
                if first_column <= last_column and first_row <= last_row:
                    self.merged.append(MergedRange(first_column, first_row, last_column, last_row))
        elif self.cell is not None:
            if tag == "v":
                self.in_value, self.value_pieces, self.value_length = True, [], 0
            elif tag == "is":
                self.inline = _Text(self._budget)
            elif self.inline is not None:
                self.inline.start(tag)
        elif tag == "row":
            self.rows += 1
            if self.rows > self.limits.sheet_rows:
                raise too_many_sheet_rows(self.limits)
            number = attributes.get("r")
            try:
                self.row_number = int(float(number)) if number else self.row_number + 1
            except ValueError as exc:
                raise damaged_sheet() from exc
            self.column = 0
            self.values = {}

    def _start_cell(self, attributes):
        self.cells += 1
        if self.cells > self.limits.cells:
            raise too_many_cells(self.limits)
        reference = attributes.get("r")
        if reference:
            match = _COORDINATE.fullmatch(reference)
            if match is None:
                raise damaged_sheet()
            self.column = _column_number(match.group(1))
        else:
            self.column += 1
        self.cell = attributes
        self.value_pieces, self.value_length, self.inline = [], 0, None

    def end(self, tag):
        if tag == "c" and self.cell is not None:
            value = self._cell_value()
            if value is not None:
                if self.column > self.limits.columns:
                    raise too_many_columns(self.limits)
                self.values[self.column] = value
            self.cell = self.inline = None
        elif tag == "v":
            self.in_value = False
        elif tag == "row":
            width = max(self.values, default=0)
            self.emitted.append((self.row_number, [self.values.get(c) for c in range(1, width + 1)]))
            self.values = {}
        elif self.inline is not None:
            self.inline.end(tag)

    def text(self, data):
        if self.in_value:
            self.value_length += len(data)
            if self.value_length > self.limits.cell_chars:
                raise cell_too_long(self.limits)
            self.value_pieces.append(data)
        elif self.inline is not None:
            self.inline.add(data)

    def _cell_value(self):
        """The value openpyxl gives for the cell (read-only, data only)."""
        kind = self.cell.get("t", "n")
        if kind == "inlineStr":
            return self.inline.take() if self.inline is not None else None
        text = "".join(self.value_pieces) or None
        if text is None:
            return None
        try:
            if kind == "n":
                number = float(text) if "." in text or "e" in text.lower() else int(text)
                style = int(self.cell.get("s") or 0)
                if style in self.date_styles:
                    try:
                        return from_excel(number, self.epoch, timedelta=self.date_styles[style])
                    except (OverflowError, ValueError):
                        return "#VALUE!"  # as openpyxl: a date serial outside the calendar
                return number
            if kind == "s":
                return self.strings[int(text)]
            if kind == "b":
                return bool(int(text))
            if kind == "d":
                return from_ISO8601(text)
        except (ValueError, IndexError) as exc:
            raise damaged_sheet() from exc
        return text  # "str" (a formula's text result), "e" (an error such as #N/A)
