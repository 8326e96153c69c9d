"""The rows of a file as the CSV and XLSX readers give them, before its table is found: every cell
in one stored form, whichever program wrote the file; blank rows dropped, within the row limit. And
the error on the field "file" that a reader raises for what it can't read.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Iterator, Sequence

from django.utils.translation import gettext as _

from courses.core.errors import DomainError
from courses.core.files.cells import is_blank
from courses.core.files.headings import HEADING_SEARCH_ROWS
from courses.core.files.read_limits import ReadLimits
from courses.core.text import nfc


def file_error(message: str) -> DomainError:
    return DomainError(message=message, field="file")


def cell_value(value):
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


def non_blank_rows(
    numbered_rows: Iterable[tuple[int, Sequence]], limits: ReadLimits
) -> Iterator[tuple[int, list]]:
    """The rows that have a value, stopping as soon as there are too many.

    Blank rows don't count: sheets often carry formatting far below the data (the readers bound
    how many rows are present at all).
    """
    limit = limits.data_rows + HEADING_SEARCH_ROWS
    count = 0
    for number, values in numbered_rows:
        cells = [cell_value(v) for v in values]
        if all(is_blank(v) for v in cells):
            continue
        count += 1
        if count > limit:
            raise file_error(_("Tệp có quá %(max)d dòng dữ liệu.") % {"max": limits.data_rows})
        yield number, cells
