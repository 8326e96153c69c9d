"""The rows of a CSV file: its text decoded (UTF-8 with or without BOM, UTF-16, Windows-1258 or
-1252, legacy Vietnamese fonts: courses.core.files.text_encodings), delimited by ",", ";" or a tab,
whichever most of the first lines hold, and read within the limits of courses.core.files.read_limits
(lines, characters per line, cells, characters per cell), counted as it is read.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterable, Iterator

from django.utils.translation import gettext as _

from courses.core.files.read_limits import (
    ReadBudget,
    ReadLimits,
    cell_too_long,
    line_too_long,
    too_many_cells,
    too_many_columns,
    too_many_sheet_rows,
)
from courses.core.files.rows import file_error, non_blank_rows
from courses.core.files.text_encodings import decode_text

# CPython's csv module refuses a field longer than its field_size_limit() with this message.
_CSV_FIELD_LIMIT = "field larger than field limit"


def csv_rows(content: bytes, limits: ReadLimits) -> tuple[list[tuple[int, list]], str]:
    decoded = decode_text(content)
    text = decoded.text
    if "\x00" in text:
        raise file_error(_("Tệp không phải là tệp CSV dạng văn bản."))
    budget = ReadBudget(limits)
    delimiter = _csv_delimiter(text, budget)
    reader = csv.reader(_csv_lines(text, budget), delimiter=delimiter)
    try:
        rows = list(non_blank_rows(_bounded_records(reader, limits), limits))
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
