"""Microsoft Teams' attendance report: the meeting's Attendance tab > Download (or the older
"Download attendance list" of the meeting's participants pane), a CSV.

Layout, as Teams writes it (taken from reports published with dvaneynde/teams-attendance,
data/utf8/IDL-15-11-22.csv, and the field list of Microsoft's attendance report resources):
UTF-16 LE with a byte order mark, TAB-separated, three sections:

    1. Summary
    Meeting title<TAB>…           (also Attended participants, Start time, End time,
                                   Meeting duration, Average attendance time)
    <blank>
    2. Participants
    Name  First Join  Last Leave  In-Meeting Duration  Email  Participant ID (UPN)  Role
    <one row per person: first join, last leave, the total time>
    <blank>
    3. In-Meeting Activities
    Name  Join Time  Leave Time  Duration  Email  Role
    <one row per join>

Times follow the downloader's locale: "3/15/25, 8:01:23 AM" (en-US, the default), "15/03/2025,
08:01:23" (en-GB). The per-join rows of "In-Meeting Activities" are read (`SECTIONS` tells the
reader to look for that section's headings); a report without them is read from "Participants",
each person's time capped at their In-Meeting Duration. Role "Organizer"/"Co-organizer" is the
host. "Presenter" is not: Teams makes every participant a presenter unless the organizer
restricts it (every row of the published sample is one), so a presenter is matched like anyone
and, unmatched, reported as an unmatched name. A guest's name carries "(Guest)" or "(External)".

The older single list (the participants pane's download, before 2021): "Full Name", "User Action"
(Joined, Left, "Joined before"), "Timestamp"; joins and leaves are paired per person in order.
"""

from __future__ import annotations

from django.utils.translation import gettext as _

from courses.core.errors import ErrorItem
from courses.core.files.cells import heading_key
from courses.core.files.tabular import Table
from enrollment.files.platform_reports.entries import Entry, base_entry, found_fields, name_spellings, written

NAME = "teams"
SECTIONS = ("In-Meeting Activities",)
HOST_ROLES = {"organizer", "co organizer", "nguoi to chuc", "nguoi dong to chuc"}
_JOINED = {"joined", "joined before", "da tham gia", "da tham gia truoc do"}
_LEFT = {"left", "da roi di", "da roi"}


def detect(table: Table) -> bool:
    return bool(table.section) or bool(found_fields(table) & {"role", "upn", "action", "timestamp"})


def entries(table: Table, errors: list[ErrorItem]) -> list[Entry]:
    if {"action", "timestamp"} <= found_fields(table):
        return _paired(table, errors)
    result = []
    roles: dict[str, str] = {}  # a handful of roles over thousands of rows: folded once each
    for row in table.rows:
        # Teams writes "10m 59s"; a bare number is taken as minutes, as elsewhere.
        entry = base_entry(row, table, errors)
        upn = str(row.get("upn") or "").strip().lower()
        if not entry.email and "@" in upn:
            entry.email = upn
        written_role = str(row.get("role") or "")
        role = roles.get(written_role)
        if role is None:
            role = roles[written_role] = heading_key(written_role)
        if role in HOST_ROLES:
            entry.host = True
        result.append(entry)
    return result


def _paired(table: Table, errors: list[ErrorItem]) -> list[Entry]:
    """One entry per join of the old list, closed by the same person's next leave."""
    open_joins: dict[str, Entry] = {}
    result: list[Entry] = []
    for row in table.rows:
        action = heading_key(row.get("action") or "")
        moment = written(row, "timestamp", table, errors)
        name = " ".join(str(row.get("name") or "").split())
        key = name.casefold()
        if moment is None:
            continue
        if action in _JOINED:
            if key in open_joins:
                # Joined twice (another device): the first join stays open until a leave.
                continue
            names, marks = name_spellings(name)
            entry = Entry(number=row.number, name=name, names=names, joined=moment, left_is_end=True)
            entry.guest = "guest" in marks or "external" in marks
            open_joins[key] = entry
            result.append(entry)
        elif action in _LEFT:
            entry = open_joins.pop(key, None)
            if entry is None:
                names, _marks = name_spellings(name)
                result.append(
                    Entry(number=row.number, name=name, names=names, left=moment, joined_is_start=True)
                )
            else:
                entry.left, entry.left_is_end = moment, False
        else:
            errors.append(
                ErrorItem(
                    _("“%(value)s” không phải là một thao tác: cần “Joined” hoặc “Left”.")
                    % {"value": row.get("action") or ""},
                    field="action",
                    row=row.number,
                )
            )
    return result
