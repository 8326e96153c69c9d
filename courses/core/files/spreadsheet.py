"""How every value goes into a cell of a spreadsheet the project hands out (XLSX or CSV).

Two dangers, whoever typed the text (a learner's phone, a programme's name, a cell of an imported
file):

- Text that starts with =, +, - or @ (or a tab or carriage return, per OWASP's CSV injection
  advice) is run as a formula by a spreadsheet: ``=HYPERLINK(...)`` in a learner's phone becomes
  a live link in the trainer's roster. Such text is neutralised: in CSV prefixed with a single
  quote, in XLSX stored as text with Excel's quote prefix, never a formula. Only text: numbers stay
  numbers, a negative figure included.
- Control characters (courses.core.text.CONTROL_CHARACTERS) make openpyxl refuse the file and UTF-8
  refuse a lone surrogate. The API refuses them on the way in; text stored before that (or by the
  Django admin, or read from an imported file) has them stripped here.

Every XLSX and CSV writer of the project writes its cells through ``xlsx_cell``, ``xlsx_row`` or
``csv_value``, which share ``cell_text``.
"""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.utils.text import slugify
from openpyxl.cell import Cell, WriteOnlyCell

from courses.core.text import fold, strip_control_characters

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")

_KEPT_AS_IS = (int, float, Decimal, datetime.date, datetime.time, datetime.timedelta)


def cell_text(value) -> tuple[str, bool]:
    """The value as text a spreadsheet can hold, and whether a spreadsheet would run it as a formula."""
    text = strip_control_characters(str(value))
    return text, text.startswith(FORMULA_PREFIXES)


def _kept_as_is(value) -> bool:
    # bool is an int: written as is (TRUE/FALSE), like the numbers.
    return value is None or isinstance(value, _KEPT_AS_IS)


def csv_value(value, *, places: int | None = None):
    """A CSV field: numbers as numbers (with `places` decimals if given), text made safe."""
    if value is None:
        return ""
    if isinstance(value, (int, float, Decimal)) and not isinstance(value, bool):
        return f"{Decimal(value):.{places}f}" if places is not None else value
    text, formula = cell_text(value)
    return f"'{text}" if formula else text


def xlsx_cell(cell, value) -> None:
    """Write `value` into an openpyxl cell (of any sheet): text made safe, the rest as is."""
    if _kept_as_is(value):
        cell.value = value
        return
    text, formula = cell_text(value)
    cell.value = text
    if formula:
        # openpyxl took the '=' for a formula: it is text, shown as typed.
        cell.data_type = "s"
        cell.quotePrefix = True


def xlsx_row(sheet, values) -> list:
    """The row to append to a write-only sheet: cells given as cells stay, values made safe.

    Safe text is handed over as a plain value (openpyxl writes it as text); only a value that needs
    the quote prefix costs a cell of its own.
    """
    row = []
    for value in values:
        if _kept_as_is(value) or isinstance(value, Cell):
            row.append(value)
            continue
        text, formula = cell_text(value)
        if formula:
            cell = WriteOnlyCell(sheet)
            xlsx_cell(cell, text)
            row.append(cell)
        else:
            row.append(text)
    return row


def attachment_name(*words: str, extension: str) -> str:
    """A download's file name from words in the reader's language: lower-case, accent-free and
    hyphenated ("Báo cáo theo tỉnh", "kh-2021", "20260901" → "bao-cao-theo-tinh-kh-2021-20260901"),
    so that every browser, mail client and file system keeps it as it is. đ is folded to d
    (courses.core.text.fold), not dropped as slugify alone would."""
    return f"{slugify(fold(' '.join(words))).replace('_', '-')}.{extension}"
