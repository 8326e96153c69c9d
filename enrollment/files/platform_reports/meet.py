"""Google Meet's attendance report (Google Workspace): the Google Sheet attached to the calendar
event and e-mailed to the organizer, downloaded as CSV or XLSX.

Layout (taken from Google's description of the report: participants' first and last names,
email, duration, time joined and time exited, and the note in mariojp/mariojp.github.io
_posts/2020-09-29-googlemeetupdate.md that a person who leaves and rejoins is one row, first join
and last exit, with the duration summed):

    First name,Last name,Email,Duration,Time joined,Time exited
    An,Nguyễn Văn,an@…,1 hr 25 min,8:01 AM,9:58 AM

One row per person. Duration is the time really spent ("1 hr 25 min", "52 min"); the times have
no date (the session's date applies), 12-hour with AM/PM or 24-hour as the account's locale
writes them. Each person's time runs from their first join for their Duration; a report with
only the Duration column places it from the session's start.
"""

from __future__ import annotations

from courses.core.errors import ErrorItem
from courses.core.files.tabular import Table
from enrollment.files.platform_reports.entries import Entry, base_entry, clean_name, found_fields, heading_is

NAME = "meet"


def detect(table: Table) -> bool:
    return bool(found_fields(table) & {"first_name", "last_name"}) or heading_is(
        table, "joined_at", "Time joined"
    )


def entries(table: Table, errors: list[ErrorItem]) -> list[Entry]:
    result = []
    for row in table.rows:
        entry = base_entry(row, table, errors)
        first, last = clean_name(row.get("first_name")), clean_name(row.get("last_name"))
        if first or last:
            written_order = " ".join(p for p in (first, last) if p)
            # A Vietnamese account puts the given name in "First name": "Nguyễn Văn" + "An".
            vietnamese_order = " ".join(p for p in (last, first) if p)
            entry.name = entry.name or written_order
            entry.names = list(dict.fromkeys([*entry.names, vietnamese_order, written_order]))
        result.append(entry)
    return result
