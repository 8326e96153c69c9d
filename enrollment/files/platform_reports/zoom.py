"""Zoom's participant report: Reports > Usage > (meeting) Participants > Export, a CSV.

Layout, column for column, as Zoom writes it (taken from exports published with open-source
analysers, e.g. Lightbridge-KS/zoomclass inst/extdata/participants_heroes_full.csv, and the
column list in microsoft/vivainsights_zoom_int Admin/input/zoom_reports/README.md):

    Meeting ID,Topic,Start Time,End Time,User Email,Duration (Minutes),Participants
    60245167821,<topic>,11/19/2021 10:00:00 AM,11/19/2021 12:00:00 PM,<host email>,120,27
    ,,,,,,
    Name (Original Name),User Email,Join Time,Leave Time,Duration (Minutes),Guest,Recording Consent[,In Waiting Room]
    <name> (<original name>),<email>,11/19/2021 9:54:15 AM,11/19/2021 12:01:59 PM,128,Yes,Y

The meeting block is there when "Export with meeting data" is ticked; without it the file starts
at the participants' headings. One row per join. Times are month/day/year, 12-hour with AM/PM or
24-hour as the account is set, in the downloading account's time zone, without an offset.
"Guest" is Yes for anyone not signed in to the host's account. Zoom offers no XLSX of this report
(a CSV opened and saved in Excel as .xlsx is read the same way). The host is the meeting block's
"User Email".
"""

from __future__ import annotations

from courses.core.errors import ErrorItem
from courses.core.files.cells import as_bool, heading_key
from courses.core.files.tabular import Table
from enrollment.files.platform_reports.entries import Entry, base_entry, found_fields, heading_is

NAME = "zoom"


def detect(table: Table) -> bool:
    return (
        "guest" in found_fields(table)
        or heading_is(table, "name", "Name (Original Name)")
        or heading_is(table, "duration", "Duration (Minutes)")
    )


def host_email(table: Table) -> str:
    """The meeting block's "User Email" (the host), when the export has the block."""
    for position, (_number, cells) in enumerate(table.preamble):
        keys = [heading_key(c) if isinstance(c, str) else "" for c in cells]
        if "meeting id" in keys and "user email" in keys and position + 1 < len(table.preamble):
            values = table.preamble[position + 1][1]
            index = keys.index("user email")
            if index < len(values) and isinstance(values[index], str):
                return values[index].strip().lower()
    return ""


def entries(table: Table, errors: list[ErrorItem]) -> list[Entry]:
    host = host_email(table)
    result = []
    for row in table.rows:
        entry = base_entry(row, table, errors)
        guest = row.get("guest")
        if guest is not None:
            try:
                entry.guest = entry.guest or as_bool(guest)
            except ValueError as exc:
                errors.append(ErrorItem(str(exc), field="guest", row=row.number))
        entry.host = entry.host or bool(host and entry.email == host)
        result.append(entry)
    return result
