"""Where a file's table begins: the heading row, or the two rows of headings merged over the
headings of their parts, among the first non-blank rows, below any title block.

The row (or pair) naming the most fields wins (find_headings); a heading is matched against the
headings each importer accepts per field, overridden by the user's mapping for a layout of their own
(HeadingMatcher). A report of several tables is searched below the section title the importer asks
for (section_start).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from courses.core.files.cells import heading_key, is_blank
from courses.core.files.read_limits import ReadLimits

if TYPE_CHECKING:
    from courses.core.files.tabular import Column

# How many non-blank rows from the top of a sheet are searched for the headings: official lists put
# a title block above them (the unit, "DANH SÁCH HỌC VIÊN …", the class, the date), rarely 15 rows.
HEADING_SEARCH_ROWS = 30


class HeadingMatcher:
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
class Headings:
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


def _candidate(rows: list[int], end: int, headings: list, matcher: HeadingMatcher, sources: list) -> Headings:
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
    return Headings(rows, end, fields, repeated, ignored, missing)


def _one_row(position: int, number: int, cells: list, matcher: HeadingMatcher) -> Headings:
    texts = [[cell] for cell in cells]
    shown = ["" if is_blank(cell) else " ".join(str(cell).split()) for cell in cells]
    found = _candidate([number], position, texts, matcher, shown)
    found.signature = tuple(heading_key(c) if isinstance(c, str) else "" for c in cells)
    return found


def _two_rows(position: int, upper: tuple[int, list], lower: tuple[int, list], matcher) -> Headings:
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


def find_headings(rows: Sequence[tuple[int, list]], matcher: HeadingMatcher) -> Headings | None:
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


_SECTION_NUMBER = re.compile(r"^[0-9]+ ")


def section_start(raw_rows: list[tuple[int, list]], matcher: HeadingMatcher) -> tuple[int, str | None]:
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
