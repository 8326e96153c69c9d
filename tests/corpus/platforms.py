"""The meeting platforms' participant and attendance reports, built from made-up people.

Each builder follows the real export column for column; where each layout was taken from:

* Zoom's participant report (Reports > Usage > Participants > Export): exports published with the
  open-source analyser Lightbridge-KS/zoomclass (inst/extdata/participants_heroes_full.csv: the
  meeting block, a row of commas, then "Name (Original Name),User Email,Join Time,Leave Time,
  Duration (Minutes),Guest,Recording Consent", times "11/19/2021 9:54:15 AM") and the column list
  in microsoft/vivainsights_zoom_int (Admin/input/zoom_reports/README.md: "… Guest,
  RecordingConsent, InWaitingRoom"). Zoom offers only CSV; `zoom_xlsx` is that CSV opened and
  saved in Excel (the times become Excel dates).
* Microsoft Teams' attendance report: the reports in dvaneynde/teams-attendance
  (data/IDL-15-11-22.csv, UTF-16 with tabs, and its UTF-8 copy data/utf8/…): "1. Summary",
  "2. Participants" (Name, First Join, Last Leave, In-Meeting Duration, Email, Participant ID
  (UPN), Role), "3. In-Meeting Activities" (Name, Join Time, Leave Time, Duration, Email, Role),
  durations "10m 59s", times by the downloader's locale ("15/11/22, 09:30:17" en-GB;
  "3/15/25, 8:01:23 AM" en-US). The older participants-pane list ("Full Name", "User Action",
  "Timestamp"; Joined / Left / Joined before) as described by the TeamsDetailedActivity parser
  found in the code search ("action: 'Joined' | 'Left'; timestamp").
* Google Meet's attendance report (Workspace; the Sheet attached to the calendar event, as CSV or
  XLSX): "First name, Last name, Email, Duration, Time joined, Time exited", one row per person
  with their first join, last exit and summed duration (mariojp/mariojp.github.io
  _posts/2020-09-29-googlemeetupdate.md), times without a date.
* The project's template: `enrollment.files.attendance_report.COLUMNS` (first heading of each).
"""

from __future__ import annotations

import csv
import datetime
import io
import math
from dataclasses import dataclass, field

import openpyxl

# --- made-up people and meetings -----------------------------------------------------------------


@dataclass
class Attendee:
    name: str
    email: str = ""
    # (join, leave) as naive local wall-clock times, in the order they joined.
    joins: list[tuple[datetime.datetime, datetime.datetime]] = field(default_factory=list)
    guest: bool = False
    # Teams: every participant is a presenter unless the organizer restricts it (as in the sample).
    role: str = "Presenter"
    # Zoom: the name before the participant renamed themselves in the meeting.
    original_name: str = ""

    @property
    def first_name(self) -> str:
        """As a Vietnamese Google account holds it: the given name ("An")."""
        return self.name.split()[-1]

    @property
    def last_name(self) -> str:
        return " ".join(self.name.split()[:-1])

    @property
    def seconds(self) -> int:
        return int(sum((leave - join).total_seconds() for join, leave in self.joins))


@dataclass
class Meeting:
    topic: str
    start: datetime.datetime
    end: datetime.datetime
    host: Attendee
    meeting_id: str = "845 1203 6677"


def at(day: datetime.date, hhmm: str) -> datetime.datetime:
    hours, minutes, *seconds = (int(p) for p in hhmm.split(":"))
    return datetime.datetime.combine(day, datetime.time(hours, minutes, seconds[0] if seconds else 0))


GUEST_NAMES = ["Đỗ Quang Huy", "Vũ Thị Mai Anh", "Hoàng Minh Tuấn", "Bùi Thị Thu Trang"]
FAMILY = ["Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Vũ", "Đặng", "Bùi", "Đỗ", "Hồ", "Ngô", "Dương"]
MIDDLE = ["Văn", "Thị", "Minh", "Thu", "Quang", "Ngọc", "Đức", "Thanh"]
GIVEN = ["An", "Bình", "Cường", "Dung", "Giang", "Hà", "Khánh", "Lan", "Minh", "Nam", "Oanh", "Phúc"]


def many_attendees(count: int, day: datetime.date) -> list[Attendee]:
    """`count` made-up people, each joining twice (a dropped connection), for the size check."""
    people = []
    for n in range(count):
        name = f"{FAMILY[n % 12]} {MIDDLE[n // 12 % 8]} {GIVEN[n // 96 % 12]} {n}"
        first = at(day, "07:55") + datetime.timedelta(seconds=n % 600)
        people.append(
            Attendee(
                name=name,
                email=f"hv{n}@xa.example.vn",
                joins=[
                    (first, first + datetime.timedelta(minutes=50)),
                    (first + datetime.timedelta(minutes=55), at(day, "10:01")),
                ],
            )
        )
    return people


# --- how each platform writes a time and a duration -----------------------------------------------


def _clock12(moment: datetime.datetime, *, pad_hour: bool = False) -> str:
    hour = moment.hour % 12 or 12
    meridiem = "AM" if moment.hour < 12 else "PM"
    return f"{hour:02d}" if pad_hour else f"{hour}", f"{moment.minute:02d}", f"{moment.second:02d}", meridiem


def zoom_time(moment: datetime.datetime, *, clock24: bool = False) -> str:
    date = f"{moment.month:02d}/{moment.day:02d}/{moment.year}"
    if clock24:
        return f"{date} {moment:%H:%M:%S}"
    hour, minute, second, meridiem = _clock12(moment)
    return f"{date} {hour}:{minute}:{second} {meridiem}"


def teams_time(moment: datetime.datetime, *, locale: str = "en-US") -> str:
    if locale == "en-GB":
        return f"{moment:%d/%m/%Y}, {moment:%H:%M:%S}"
    hour, minute, second, meridiem = _clock12(moment)
    return f"{moment.month}/{moment.day}/{moment:%y}, {hour}:{minute}:{second} {meridiem}"


def meet_time(moment: datetime.datetime, *, clock24: bool = False) -> str:
    if clock24:
        return f"{moment:%H:%M}"
    hour, minute, _second, meridiem = _clock12(moment)
    return f"{hour}:{minute} {meridiem}"


def teams_duration(seconds: int) -> str:
    hours, rest = divmod(int(seconds), 3600)
    minutes, secs = divmod(rest, 60)
    parts = [f"{hours}h"] if hours else []
    parts += [f"{minutes}m"] if minutes or hours else []
    return " ".join([*parts, f"{secs}s"])


def meet_duration(seconds: int) -> str:
    hours, rest = divmod(int(seconds), 3600)
    minutes = rest // 60
    return f"{hours} hr {minutes} min" if hours else f"{minutes} min"


# --- writers ---------------------------------------------------------------------------------------


def _csv(rows: list[list], *, delimiter: str = ",") -> str:
    buffer = io.StringIO()
    csv.writer(buffer, delimiter=delimiter, lineterminator="\r\n").writerows(rows)
    return buffer.getvalue()


def _xlsx(rows: list[list], title: str = "Sheet1") -> bytes:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.title = title
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _utf16(text: str) -> bytes:
    return "\ufeff".encode("utf-16-le") + text.encode("utf-16-le")


# --- Zoom ------------------------------------------------------------------------------------------

ZOOM_MEETING_HEADINGS = [
    "Meeting ID",
    "Topic",
    "Start Time",
    "End Time",
    "User Email",
    "Duration (Minutes)",
    "Participants",
]
ZOOM_HEADINGS = [
    "Name (Original Name)",
    "User Email",
    "Join Time",
    "Leave Time",
    "Duration (Minutes)",
    "Guest",
    "Recording Consent",
    "In Waiting Room",
]


def _zoom_rows(
    meeting: Meeting, people: list[Attendee], *, meeting_block: bool, clock24: bool, as_text: bool
):
    def when(moment):
        return zoom_time(moment, clock24=clock24) if as_text else moment

    everyone = [meeting.host, *people]
    rows = []
    if meeting_block:
        rows.append(ZOOM_MEETING_HEADINGS)
        minutes = math.ceil((meeting.end - meeting.start).total_seconds() / 60)
        rows.append(
            [
                meeting.meeting_id,
                meeting.topic,
                when(meeting.start),
                when(meeting.end),
                meeting.host.email,
                minutes,
                len(everyone),
            ]
        )
        rows.append([""] * len(ZOOM_MEETING_HEADINGS))
        headings = ZOOM_HEADINGS
    else:
        headings = ZOOM_HEADINGS[:6]
    rows.append(headings)
    joins = sorted(
        ((join, leave, person) for person in everyone for join, leave in person.joins), key=lambda j: j[0]
    )
    for join, leave, person in joins:
        shown = f"{person.name} ({person.original_name})" if person.original_name else person.name
        minutes = math.ceil((leave - join).total_seconds() / 60)
        row = [
            shown,
            person.email,
            when(join),
            when(leave),
            minutes,
            "Yes" if person.guest else "No",
            "Y",
            "No",
        ]
        rows.append(row[: len(headings)])
    return rows


def zoom_csv(
    meeting: Meeting, people: list[Attendee], *, meeting_block: bool = True, clock24: bool = False
) -> bytes:
    rows = _zoom_rows(meeting, people, meeting_block=meeting_block, clock24=clock24, as_text=True)
    return _csv(rows).encode("utf-8-sig")


def zoom_xlsx(meeting: Meeting, people: list[Attendee], *, meeting_block: bool = True) -> bytes:
    rows = _zoom_rows(meeting, people, meeting_block=meeting_block, clock24=False, as_text=False)
    return _xlsx(rows, "participants")


# --- Teams -----------------------------------------------------------------------------------------

TEAMS_PARTICIPANT_HEADINGS = [
    "Name",
    "First Join",
    "Last Leave",
    "In-Meeting Duration",
    "Email",
    "Participant ID (UPN)",
    "Role",
]
TEAMS_ACTIVITY_HEADINGS = ["Name", "Join Time", "Leave Time", "Duration", "Email", "Role"]


def _teams_rows(meeting: Meeting, people: list[Attendee], *, locale: str, activities: bool) -> list[list]:
    everyone = [meeting.host, *people]
    average = sum(p.seconds for p in everyone) // max(len(everyone), 1)

    def when(moment):
        return teams_time(moment, locale=locale)

    rows = [
        ["1. Summary"],
        ["Meeting title", meeting.topic],
        ["Attended participants", str(len(everyone))],
        ["Start time", when(meeting.start)],
        ["End time", when(meeting.end)],
        ["Meeting duration", teams_duration((meeting.end - meeting.start).total_seconds())],
        ["Average attendance time", teams_duration(average)],
        [],
        ["2. Participants"],
        TEAMS_PARTICIPANT_HEADINGS,
    ]
    for person in everyone:
        name = f"{person.name} (Guest)" if person.guest else person.name
        upn = person.email if not person.guest else ""
        rows.append(
            [
                name,
                when(person.joins[0][0]),
                when(person.joins[-1][1]),
                teams_duration(person.seconds),
                person.email,
                upn,
                person.role,
            ]
        )
    if activities:
        rows += [[], ["3. In-Meeting Activities"], TEAMS_ACTIVITY_HEADINGS]
        for person in everyone:
            name = f"{person.name} (Guest)" if person.guest else person.name
            for join, leave in person.joins:
                rows.append(
                    [
                        name,
                        when(join),
                        when(leave),
                        teams_duration((leave - join).total_seconds()),
                        person.email,
                        person.role,
                    ]
                )
    return rows


def teams_csv(
    meeting: Meeting, people: list[Attendee], *, locale: str = "en-US", activities: bool = True
) -> bytes:
    """UTF-16 LE with a byte order mark, tab-separated, as Teams downloads it."""
    return _utf16(_csv(_teams_rows(meeting, people, locale=locale, activities=activities), delimiter="\t"))


def teams_xlsx(meeting: Meeting, people: list[Attendee], *, locale: str = "en-US") -> bytes:
    """The report opened in Excel and saved as a workbook: the same cells, as text."""
    return _xlsx(_teams_rows(meeting, people, locale=locale, activities=True), "Attendance")


def teams_old_csv(meeting: Meeting, people: list[Attendee], *, leave_last_open: bool = False) -> bytes:
    """The participants pane's list before 2021: one row per join or leave."""
    events = []
    for person in [meeting.host, *people]:
        for index, (join, leave) in enumerate(person.joins):
            action = "Joined before" if join < meeting.start and index == 0 else "Joined"
            events.append((join, person.name, action))
            last = index == len(person.joins) - 1
            if not (leave_last_open and last):
                events.append((leave, person.name, "Left"))
    rows = [["Full Name", "User Action", "Timestamp"]]
    rows += [[name, action, teams_time(moment)] for moment, name, action in sorted(events)]
    return _utf16(_csv(rows, delimiter="\t"))


# --- Google Meet -----------------------------------------------------------------------------------

MEET_HEADINGS = ["First name", "Last name", "Email", "Duration", "Time joined", "Time exited"]


def _meet_rows(people: list[Attendee], *, clock24: bool, times: bool, as_text: bool) -> list[list]:
    headings = MEET_HEADINGS if times else MEET_HEADINGS[:4]
    rows = [headings]
    for person in people:
        row = [person.first_name, person.last_name, person.email, meet_duration(person.seconds)]
        if times:
            first, last = person.joins[0][0], person.joins[-1][1]
            if as_text:
                row += [meet_time(first, clock24=clock24), meet_time(last, clock24=clock24)]
            else:
                row += [first.time(), last.time()]
        rows.append(row)
    return rows


def meet_csv(people: list[Attendee], *, clock24: bool = False, times: bool = True) -> bytes:
    return _csv(_meet_rows(people, clock24=clock24, times=times, as_text=True)).encode("utf-8")


def meet_xlsx(people: list[Attendee]) -> bytes:
    """The Sheet downloaded as .xlsx: the times are time-of-day cells."""
    return _xlsx(_meet_rows(people, clock24=False, times=True, as_text=False), "Attendance")


# --- the project's template ------------------------------------------------------------------------

TEMPLATE_HEADINGS = ["Họ và tên", "Email", "Số định danh cá nhân", "Thời gian vào", "Thời gian ra"]


def template_csv(people: list[Attendee], *, national_ids: dict[str, str] | None = None) -> bytes:
    rows = [TEMPLATE_HEADINGS]
    for person in people:
        for join, leave in person.joins:
            rows.append(
                [
                    person.name,
                    person.email,
                    (national_ids or {}).get(person.name, ""),
                    f"{join:%d/%m/%Y %H:%M}",
                    f"{leave:%d/%m/%Y %H:%M}",
                ]
            )
    return _csv(rows).encode("utf-8-sig")
