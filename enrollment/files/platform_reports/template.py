"""The project's own template, and any layout the platforms' detection doesn't claim: one row per
join with name, email or identification number, join and leave time (dd/mm/yyyy HH:MM[:SS] or
ISO 8601), and optionally the minutes attended."""

from __future__ import annotations

from courses.core.errors import ErrorItem
from courses.core.files.tabular import Table
from enrollment.files.platform_reports.entries import Entry, base_entry

NAME = "template"


def detect(table: Table) -> bool:
    return True


def entries(table: Table, errors: list[ErrorItem]) -> list[Entry]:
    return [base_entry(row, table, errors) for row in table.rows]
