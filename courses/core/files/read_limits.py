"""The limits every uploaded file is read under, measured while it is read, never taken on trust.

A spreadsheet is a zip of XML parts, and what a zip's directory or a sheet's <dimension> element
declares costs nothing to forge: a 1.6 KB file can claim a sheet of A1:XFD1048576, or unzip to
millions of empty rows or to one string of hundreds of MB. So the readers (courses.core.files.xlsx_reader and
courses.core.files.csv_reader) count what they actually get, as they get it: the bytes a zip part
inflates to against the compressed bytes it took, the rows and cells present (blank ones included),
the characters of each string, and the time spent. The first limit passed ends the read with a
DomainError on the field "file" naming that limit, so a read is bounded in time and memory whatever
the file claims.

The figures come from settings (IMPORT_MAX_*, config/settings/base.py), read once per file.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from django.conf import settings
from django.utils.translation import gettext as _

from courses.core.errors import DomainError

MB = 1024 * 1024
# A part that inflates to less than this is read whatever its compression ratio: small XML parts
# (styles, a short sheet) legitimately compress far better than 100:1 and can't hurt anyone.
RATIO_FREE_BYTES = 1 * MB


@dataclass(frozen=True)
class ReadLimits:
    data_rows: int  # rows with a value, heading excluded (IMPORT_MAX_ROWS)
    uncompressed_bytes: int  # every zip part read, together
    part_bytes: int  # one zip part
    compression_ratio: int  # bytes inflated per compressed byte read
    sheet_rows: int  # rows present in the sheet, or lines of a CSV file, blank ones included
    columns: int  # position of the last cell holding a value
    cells: int  # cells present, blank ones included (CSV: fields)
    cell_chars: int  # characters of one cell or shared string
    line_chars: int  # characters of one CSV line
    seconds: float  # the whole read

    @classmethod
    def from_settings(cls) -> ReadLimits:
        return cls(
            data_rows=settings.IMPORT_MAX_ROWS,
            uncompressed_bytes=settings.IMPORT_MAX_UNCOMPRESSED_BYTES,
            part_bytes=settings.IMPORT_MAX_PART_BYTES,
            compression_ratio=settings.IMPORT_MAX_COMPRESSION_RATIO,
            sheet_rows=settings.IMPORT_MAX_SHEET_ROWS,
            columns=settings.IMPORT_MAX_COLUMNS,
            cells=settings.IMPORT_MAX_CELLS,
            cell_chars=settings.IMPORT_MAX_CELL_CHARS,
            line_chars=settings.IMPORT_MAX_LINE_CHARS,
            seconds=settings.IMPORT_MAX_READ_SECONDS,
        )

    @property
    def xml_elements(self) -> int:
        # A cell is a handful of elements (<c><v/></c>, <c><is><t/></is></c>, <si><t/></si>), so
        # the elements of every part are bounded by the cells' limit: parsing cost follows elements.
        return 4 * self.cells + self.sheet_rows


class ReadBudget:
    """What one read of one file has used so far, against its limits."""

    def __init__(self, limits: ReadLimits | None = None):
        self.limits = limits or ReadLimits.from_settings()
        self.inflated = 0
        self.elements = 0
        self._deadline = time.monotonic() + self.limits.seconds

    def check_time(self) -> None:
        if time.monotonic() > self._deadline:
            raise limit_error(
                _("Đọc tệp mất quá %(seconds)d giây; hãy chia tệp thành nhiều tệp nhỏ hơn.")
                % {"seconds": self.limits.seconds}
            )

    def add_inflated(self, count: int) -> None:
        self.inflated += count
        if self.inflated > self.limits.uncompressed_bytes:
            raise limit_error(
                _("Tệp giải nén ra hơn %(size)d MB; hãy chia tệp thành nhiều tệp nhỏ hơn.")
                % {"size": self.limits.uncompressed_bytes // MB}
            )

    def add_elements(self, count: int) -> None:
        self.elements += count
        if self.elements > self.limits.xml_elements:
            raise limit_error(
                _("Tệp có hơn %(max)d phần tử XML; hãy chép dữ liệu sang một bảng tính mới.")
                % {"max": self.limits.xml_elements}
            )


def limit_error(message: str) -> DomainError:
    """A file refused for passing a read limit: 400 on the field "file", the limit in the message."""
    return DomainError(message=message, field="file", code="too_large")


def part_too_large(limits: ReadLimits, part: str) -> DomainError:
    return limit_error(
        _("Phần “%(part)s” của tệp giải nén ra hơn %(size)d MB.")
        % {"part": part, "size": limits.part_bytes // MB}
    )


def ratio_too_high(limits: ReadLimits, part: str) -> DomainError:
    return limit_error(
        _("Phần “%(part)s” của tệp bị nén bất thường (hơn %(ratio)d lần); hãy mở tệp bằng Excel và lưu lại.")
        % {"part": part, "ratio": limits.compression_ratio}
    )


def too_many_sheet_rows(limits: ReadLimits) -> DomainError:
    return limit_error(
        _("Tệp có hơn %(max)d dòng, kể cả dòng trống; hãy xoá các dòng thừa bên dưới dữ liệu.")
        % {"max": limits.sheet_rows}
    )


def too_many_columns(limits: ReadLimits) -> DomainError:
    return limit_error(_("Tệp có dữ liệu ở quá %(max)d cột; hãy xoá các cột thừa.") % {"max": limits.columns})


def too_many_cells(limits: ReadLimits) -> DomainError:
    return limit_error(
        _("Tệp có hơn %(max)d ô, kể cả ô trống; hãy chia tệp thành nhiều tệp nhỏ hơn.")
        % {"max": limits.cells}
    )


def cell_too_long(limits: ReadLimits) -> DomainError:
    return limit_error(_("Một ô của tệp có hơn %(max)d ký tự.") % {"max": limits.cell_chars})


def line_too_long(limits: ReadLimits) -> DomainError:
    return limit_error(_("Một dòng của tệp CSV dài hơn %(max)d ký tự.") % {"max": limits.line_chars})
