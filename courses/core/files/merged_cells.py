"""Merged cells of a workbook: a value merged down a column (the unit or the commune over the rows of
its people) is given to every row it covers, and a field whose heading is merged across several
columns (a name split into "Họ đệm" and "Tên") is read as their text joined.
"""

from __future__ import annotations

import bisect
from collections.abc import Sequence

from courses.core.files.cells import as_text, is_blank
from courses.core.files.headings import Headings
from courses.core.files.read_limits import ReadLimits, too_many_cells
from courses.core.files.xlsx_reader import MergedRange


def fill_merged_down(body: list[tuple[int, list]], merged: Sequence[MergedRange], limits: ReadLimits) -> None:
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


def heading_spans(found: Headings, merged: Sequence[MergedRange]) -> dict[int, list[int]]:
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


def spanned_value(cells: list, index: int, extra: list[int]):
    """The value of a field whose heading spans several columns: the text of its cells joined."""
    parts = [cells[i] for i in (index, *extra) if i < len(cells) and not is_blank(cells[i])]
    if len(parts) <= 1:
        return parts[0] if parts else None
    return " ".join(as_text(part) for part in parts)
