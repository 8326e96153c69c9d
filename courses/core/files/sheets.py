"""Which worksheet of a workbook is read: the one the user names, or the visible sheet whose headings
match the most fields (a workbook often holds a cover sheet, a summary or instructions beside the
list); and the sheet's text typed for a legacy Vietnamese font (TCVN3, VNI) converted to Unicode.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence

from django.utils.translation import gettext as _

from courses.core.errors import DomainError
from courses.core.files.headings import HEADING_SEARCH_ROWS, HeadingMatcher, find_headings
from courses.core.files.legacy_fonts import from_legacy_font
from courses.core.files.read_limits import ReadLimits
from courses.core.files.rows import non_blank_rows
from courses.core.files.text_encodings import legacy_font_of
from courses.core.files.xlsx_reader import SheetInfo, XlsxWorkbook
from courses.core.text import nfc


def undo_legacy_font(rows: list[tuple[int, list]]) -> str | None:
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


def named_sheet(sheets: Sequence[SheetInfo], wanted) -> SheetInfo:
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


def sheet_with_headings(workbook: XlsxWorkbook, matcher: HeadingMatcher, limits: ReadLimits) -> SheetInfo:
    """The visible sheet whose headings match the most fields: a workbook often holds a cover
    sheet, a summary or instructions beside the list. Two sheets that both hold a whole table (a
    list per class, this year's and last year's) are refused, naming them: reading one of them
    without a word would leave the other's people out."""
    ranked = []
    for info in workbook.sheets:
        if info.hidden:
            continue
        head = list(itertools.islice(non_blank_rows(workbook.rows(info), limits), HEADING_SEARCH_ROWS))
        undo_legacy_font(head)  # headings typed for .VnTime match once converted
        found = find_headings(head, matcher)
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
