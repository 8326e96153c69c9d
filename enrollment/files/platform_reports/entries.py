"""A row of a meeting report as the platform gives it (`Entry`), before its times are resolved,
and the cell readers every platform shares."""

from __future__ import annotations

import datetime
import re
from dataclasses import dataclass, field

from django.utils.translation import gettext as _

from courses.core.errors import ErrorItem
from courses.core.files.cells import as_text, heading_key
from courses.core.files.tabular import Table, TableRow
from courses.core.text import nfc
from enrollment.files.platform_reports.times import WrittenTime, read_duration, read_written_time

_SPACES = re.compile(r"\s+")
_PARENTHESES = re.compile(r"\s*\(([^()]*)\)")
# What the platforms append to a display name: a guest or an external account, or the host.
GUEST_MARKS = {"guest", "khach", "external", "ben ngoai", "unverified", "chua xac minh"}
HOST_MARKS = {"host", "co host", "organizer", "co organizer", "chu tri", "nguoi to chuc", "dong to chuc"}


@dataclass
class Entry:
    number: int
    # The name as the report shows it, then the other spellings to match (the original name Zoom
    # keeps in parentheses, "Last, First" turned round, Meet's first and last names in both orders).
    name: str
    names: list[str] = field(default_factory=list)
    email: str = ""
    id_cell: object = None
    joined: WrittenTime | None = None
    left: WrittenTime | None = None
    duration: datetime.timedelta | None = None
    # The old Teams list: a join without a leave lasts to the report's last time, a leave without a
    # join starts at its first.
    joined_is_start: bool = False
    left_is_end: bool = False
    guest: bool = False
    host: bool = False


def clean_name(value) -> str:
    return _SPACES.sub(" ", nfc(as_text(value))).strip() if value is not None else ""


def name_spellings(name: str) -> tuple[list[str], set[str]]:
    """The spellings of a display name to match, and the marks in parentheses ("guest", "host")."""
    if not name:
        return [], set()
    spellings = [name]
    marks = set()
    inside = [m.strip() for m in _PARENTHESES.findall(name)]
    outside = _SPACES.sub(" ", _PARENTHESES.sub(" ", name)).strip()
    for text in inside:
        key = heading_key(text)
        if key in GUEST_MARKS or key in HOST_MARKS:
            marks.add(key)
        elif text:
            spellings.append(text)  # Zoom's "Name (Original Name)"
    if outside and outside != name:
        spellings.insert(1, outside)
    for text in list(spellings):
        if text.count(",") == 1:
            last, first = (part.strip() for part in text.split(","))
            if last and first:
                spellings.append(f"{first} {last}")
    return list(dict.fromkeys(spellings)), marks


def base_entry(row: TableRow, table: Table, errors: list[ErrorItem], *, bare_unit_seconds: int = 60) -> Entry:
    """The fields every layout shares: name, email, identity, join, leave and duration."""
    name = clean_name(row.get("name"))
    names, marks = name_spellings(name)
    entry = Entry(
        number=row.number,
        name=name,
        names=names,
        email=as_text(row.get("email", "")).strip().lower(),
        id_cell=row.get("national_id"),
        guest=bool(marks & GUEST_MARKS),
        host=bool(marks & HOST_MARKS),
    )
    entry.joined = written(row, "joined_at", table, errors)
    entry.left = written(row, "left_at", table, errors)
    value = row.get("duration")
    if value is not None:
        try:
            entry.duration = read_duration(value, bare_unit_seconds=bare_unit_seconds)
        except ValueError as exc:
            errors.append(ErrorItem(str(exc), field="duration", row=row.number))
    return entry


def written(row: TableRow, field_name: str, table: Table, errors: list[ErrorItem]) -> WrittenTime | None:
    value = row.get(field_name)
    if value is None:
        return None
    try:
        return read_written_time(value)
    except ValueError as exc:
        errors.append(ErrorItem(str(exc), field=field_name, row=row.number))
        return None


def missing(row: TableRow, field_name: str, table: Table) -> ErrorItem:
    return ErrorItem(
        _("Thiếu “%(column)s”.") % {"column": table.headings[field_name]},
        field=field_name,
        row=row.number,
        code="required",
    )


def found_fields(table: Table) -> set[str]:
    """The fields whose columns the file has (a row holds a key for each, blank or not)."""
    return set(table.rows[0].values) if table.rows else set()


def heading_is(table: Table, field_name: str, *headings: str) -> bool:
    return field_name in found_fields(table) and heading_key(table.headings[field_name]) in {
        heading_key(h) for h in headings
    }
