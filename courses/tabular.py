"""Read an uploaded CSV or XLSX file into rows keyed by field, for every importer.

Admins and provinces prepare these files by hand in Excel or LibreOffice, so the reader is lenient
where people differ and strict where a guess could store wrong data:

* headings are matched ignoring case, Vietnamese diacritics and punctuation ("Số tiết", "SO TIET"
  and "so tiet (*)" are the same column), against the headings each importer accepts per field;
  columns no field claims are ignored;
* the first non-blank row is the heading row; rows are numbered as the spreadsheet shows them
  (heading on row 1 means the first data row is row 2), so error reports point at the right line;
* blank rows are skipped; text is NFC-normalised and trimmed; whole-number floats from Excel
  (12.0) become ints; Excel dates stay dates;
* CSV may be UTF-8 (with or without BOM, as Excel writes it), UTF-16 (as Microsoft Teams writes
  it), Windows-1258 or Windows-1252; text typed for the legacy Vietnamese fonts (TCVN3/ABC, VNI),
  in a CSV or in XLSX cells, is converted to Unicode, or the file refused when that can't be
  decided (courses.text_encodings); Table.encoding names what was read;
* CSV is delimited by ",", ";" or a tab, whichever most of the first lines hold;
* anything that can't be read is a DomainError on the field "file" (HTTP 400), never a 500;
* every file is read within the limits of courses.read_limits (bytes inflated, compression ratio,
  rows, columns and cells present, characters per cell and per CSV line, time), counted as it is
  read: what a file declares about itself is never trusted.

The cell parsers at the end (as_text, as_int, …) raise ValueError with a message fit for the
import report; importers turn it into an ErrorItem naming the row and field.
"""

from __future__ import annotations

import csv
import datetime
import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from django.utils.translation import gettext as _

from courses.errors import DomainError
from courses.read_limits import (
    ReadBudget,
    ReadLimits,
    cell_too_long,
    line_too_long,
    too_many_cells,
    too_many_columns,
    too_many_sheet_rows,
)
from courses.text import fold, nfc
from courses.text_encodings import decode_text, from_legacy_font, legacy_font_of
from courses.xlsx_reader import xlsx_rows

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
    # field -> heading as written in the file, so messages quote what the user sees.
    headings: dict[str, str]
    # What the text was read as: "xlsx", "utf-8", "utf-16-le", "windows-1258", … or the legacy
    # font ("tcvn3", "vni") it was converted from (courses.text_encodings), for import reports.
    encoding: str = "utf-8"


def heading_key(text: str) -> str:
    return _NON_ALNUM.sub(" ", fold(str(text))).strip()


def is_blank(value) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def file_error(message: str) -> DomainError:
    return DomainError(message=message, field="file")


def read_table(*, content: bytes, filename: str, columns: Sequence[Column]) -> Table:
    """Parse a CSV or XLSX file into data rows; DomainError(field="file") when it can't be read."""
    name = (filename or "").lower()
    limits = ReadLimits.from_settings()
    if name.endswith(XLSX_EXTENSIONS):
        raw_rows, encoding = _xlsx_rows(content, limits)
    elif name.endswith(CSV_EXTENSIONS):
        raw_rows, encoding = _csv_rows(content, limits)
    elif name.endswith(".xls"):
        raise file_error(_("Không hỗ trợ tệp Excel cũ (.xls): hãy lưu tệp dưới dạng .xlsx hoặc .csv."))
    else:
        raise file_error(_("Loại tệp không được hỗ trợ: hãy tải lên tệp .xlsx hoặc .csv."))
    table = _build_table(raw_rows, columns)
    table.encoding = encoding
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


def _xlsx_rows(content: bytes, limits: ReadLimits) -> tuple[list[tuple[int, list]], str]:
    # Sniff the content, not only the name: a renamed .xls or HTML export must be a 400.
    if not content.startswith(_ZIP_MAGIC):
        raise file_error(_("Tệp không phải là bảng tính .xlsx hợp lệ."))
    rows = _non_blank(xlsx_rows(content, ReadBudget(limits)), limits)
    return rows, _undo_legacy_font(rows) or "xlsx"


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


def _non_blank(numbered_rows: Iterable[tuple[int, Sequence]], limits: ReadLimits) -> list[tuple[int, list]]:
    """Keep the rows that have a value, stopping as soon as there are too many.

    Blank rows don't count: sheets often carry formatting far below the data (the readers bound
    how many rows are present at all).
    """
    limit = limits.data_rows + 1  # the heading row
    rows = []
    for number, values in numbered_rows:
        cells = [_cell(v) for v in values]
        if all(is_blank(v) for v in cells):
            continue
        if len(rows) >= limit:
            raise file_error(_("Tệp có quá %(max)d dòng dữ liệu.") % {"max": limits.data_rows})
        rows.append((number, cells))
    return rows


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
        rows = _non_blank(_bounded_records(reader, limits), limits)
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


def _build_table(raw_rows: Iterable[tuple[int, list]], columns: Sequence[Column]) -> Table:
    by_key: dict[str, Column] = {}
    for column in columns:
        for heading in (*column.headings, column.field):
            by_key[heading_key(heading)] = column

    header_number = None
    index_to_field: dict[int, str] = {}
    headings: dict[str, str] = {}
    rows: list[TableRow] = []
    for number, cells in raw_rows:
        if header_number is None:
            header_number = number
            for index, heading in enumerate(cells):
                if is_blank(heading):
                    continue
                column = by_key.get(heading_key(heading))
                if column is None:
                    continue
                if column.field in headings:
                    raise file_error(
                        _("Cột “%(first)s” và cột “%(second)s” là cùng một trường; hãy giữ một cột.")
                        % {"first": headings[column.field], "second": heading}
                    )
                index_to_field[index] = column.field
                headings[column.field] = str(heading)
            missing = [c.heading for c in columns if c.required and c.field not in headings]
            if missing:
                raise file_error(
                    _("Thiếu cột bắt buộc: %(columns)s. Dòng tiêu đề là dòng %(row)d.")
                    % {"columns": ", ".join(f"“{m}”" for m in missing), "row": number}
                )
            continue
        row_values = {
            field: cells[index] if index < len(cells) else None for index, field in index_to_field.items()
        }
        if all(is_blank(v) for v in row_values.values()):
            continue
        rows.append(TableRow(number=number, values=row_values))

    if header_number is None:
        raise file_error(_("Tệp trống."))
    if not rows:
        raise file_error(_("Tệp có dòng tiêu đề nhưng không có dòng dữ liệu."))
    for column in columns:
        headings.setdefault(column.field, column.heading)
    return Table(rows=rows, headings=headings)


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
