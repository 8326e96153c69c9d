"""Zoom, Teams and Google Meet reports as their users download them (tests/corpus/platforms.py),
and the project's template: the platform detected, minutes and status per learner, the host, the
guests and the unmatched rows, and the files refused with the row and field to fix."""

import datetime
import io
from zoneinfo import ZoneInfo

import openpyxl
import pytest

from courses.core.files.tabular import Column, read_table
from enrollment.models import Attendance
from tests.api_helpers import assert_error
from tests.api_helpers import upload_platform_report as upload
from tests.corpus import platforms as corpus
from tests.corpus.platforms import Attendee, Meeting, at
from tests.factories import ClassSessionFactory
from tests.roles import client_as

pytestmark = pytest.mark.django_db

LOCAL = ZoneInfo("Asia/Ho_Chi_Minh")
SEPTEMBER_1 = datetime.date(2026, 9, 1)  # attendance_world's first session, 08:00-10:00, 120 planned


@pytest.fixture
def client(attendance_world):
    return client_as(attendance_world.trainer)


def class_meeting(world, day=SEPTEMBER_1, *, start="08:00", end="10:00", shift=datetime.timedelta(0)):
    """The trainer hosts; An drops out once (65 + 48 minutes within the session), Bình joins 20
    minutes late, Cường leaves after 30 minutes, a guest from another commune looks in."""
    an, binh, cuong = (e.learner for e in world.active)

    def span(join, leave):
        return at(day, join) + shift, at(day, leave) + shift

    host = Attendee(
        "Phạm Thị Hoa", "hoa.gv@truongchinhtri.example.vn", [span("07:50", "10:05")], role="Organizer"
    )
    people = [
        Attendee(an.full_name, an.email, [span("07:55", "09:05"), span("09:12", "10:02")]),
        Attendee(binh.full_name, binh.email, [span("08:20", "10:00")]),
        Attendee(cuong.full_name, "", [span("08:00", "08:30")]),
        Attendee("Đỗ Quang Huy", "huy@xakhac.example.vn", [span("08:10", "09:00")], guest=True),
    ]
    meeting = Meeting("Bồi dưỡng cán bộ xã – buổi 1", at(day, start) + shift, at(day, end) + shift, host)
    return meeting, people


def learners(body) -> dict[str, tuple[int, str]]:
    return {r["learner"]["full_name"]: (r["minutes"], r["status"]) for r in body["learners"]}


def expected(world, an_minutes=113) -> dict[str, tuple[int, str]]:
    an, binh, cuong = (e.learner.full_name for e in world.active)
    return {an: (an_minutes, "present"), binh: (100, "late"), cuong: (30, "absent")}


def ok(response) -> dict:
    assert response.status_code == 200, response.content
    return response.json()


# --- Zoom --------------------------------------------------------------------------------------------


def test_zoom_with_the_meeting_block_and_12_hour_times(attendance_world, client):
    world = attendance_world
    meeting, people = class_meeting(world)
    body = ok(upload(client, world.session, corpus.zoom_csv(meeting, people), "participants_84512036677.csv"))
    assert body["platform"] == "zoom"
    assert learners(body) == expected(world)
    # 09/01/2026: both readings are dates; only month/day puts the times on the session's day.
    assert body["times"] == {
        "date_order": "mdy",
        "date_order_from": "session",
        "timezone": "Asia/Ho_Chi_Minh",
    }
    # Rows 1-2 the meeting block, 3 its blank row, 4 the headings; joins in time order from row 5.
    assert body["file"]["heading_rows"] == [4]
    assert body["file"]["ignored_columns"] == ["Recording Consent", "In Waiting Room"]
    assert body["host"] == [{"row": 5, "name": "Phạm Thị Hoa", "email": "hoa.gv@truongchinhtri.example.vn"}]
    assert [(u["row"], u["reason"], u["guest"]) for u in body["unmatched"]] == [(8, "not_found", True)]
    assert [g["name"] for g in body["guests"]] == ["Đỗ Quang Huy"]
    assert (body["total_rows"], body["matched_rows"]) == (6, 4)


def test_zoom_24_hour_month_day_file_is_no_longer_read_as_day_month(attendance_world, client):
    """The reported bug: 09/01/2026 08:00:00 read as 9 January, every learner absent."""
    world = attendance_world
    meeting, people = class_meeting(world)
    content = corpus.zoom_csv(meeting, people, meeting_block=False, clock24=True)
    assert b"09/01/2026 07:55:00" in content
    body = ok(upload(client, world.session, content, "participants.csv"))
    assert body["platform"] == "zoom"
    assert learners(body) == expected(world)
    assert body["times"]["date_order"] == "mdy"
    # Without the meeting block Zoom doesn't say who hosted: the trainer is an unmatched name.
    assert body["host"] == []
    assert [(u["row"], u["name"], u["reason"]) for u in body["unmatched"]] == [
        (2, "Phạm Thị Hoa", "not_found"),
        (5, "Đỗ Quang Huy", "not_found"),
    ]


def test_zoom_on_a_day_above_12_is_decided_by_the_file(attendance_world, client):
    world = attendance_world
    day = datetime.date(2026, 9, 15)
    session = ClassSessionFactory(
        training_class=world.training_class,
        starts_at=datetime.datetime.combine(day, datetime.time(8), tzinfo=LOCAL),
        ends_at=datetime.datetime.combine(day, datetime.time(10), tzinfo=LOCAL),
        planned_minutes=120,
    )
    meeting, people = class_meeting(world, day)
    body = ok(upload(client, session, corpus.zoom_csv(meeting, people, clock24=True), "participants.csv"))
    assert learners(body) == expected(world)
    assert body["times"]["date_order_from"] == "file"


def test_zoom_saved_as_xlsx_and_renamed_participants(attendance_world, client):
    world = attendance_world
    an, _binh, cuong = (e.learner for e in world.active)
    meeting, people = class_meeting(world)
    # An renamed themselves with their identification number; Cường typed his name without accents
    # and Zoom keeps the account's name in parentheses.
    people[0].name = f"An - {an.national_id[:3]} {an.national_id[3:]}"
    people[0].email = ""
    people[2].name, people[2].original_name = "Cuong", "LE VAN CUONG"
    body = ok(upload(client, world.session, corpus.zoom_xlsx(meeting, people), "participants.xlsx"))
    assert body["platform"] == "zoom"
    assert body["file"]["sheet"] == "participants"
    assert learners(body) == expected(world)
    assert cuong.full_name in learners(body)


# --- Teams -------------------------------------------------------------------------------------------


@pytest.mark.parametrize("locale", ["en-US", "en-GB"])
def test_teams_attendance_report_utf16_tab_separated(attendance_world, client, locale):
    world = attendance_world
    meeting, people = class_meeting(world)
    content = corpus.teams_csv(meeting, people, locale=locale)
    assert content.startswith(b"\xff\xfe")
    body = ok(upload(client, world.session, content, "Bồi dưỡng - Attendance report 9-1-26.csv"))
    assert body["platform"] == "teams"
    assert learners(body) == expected(world)
    assert body["times"]["date_order"] == ("mdy" if locale == "en-US" else "dmy")
    # The per-join rows of "3. In-Meeting Activities" (headings on row 18) are read.
    assert body["file"]["heading_rows"] == [18]
    assert body["host"] == [{"row": 19, "name": "Phạm Thị Hoa", "email": "hoa.gv@truongchinhtri.example.vn"}]
    assert [(u["row"], u["name"], u["guest"]) for u in body["unmatched"]] == [
        (24, "Đỗ Quang Huy (Guest)", True)
    ]


def test_teams_report_of_many_participants_finds_its_last_section(attendance_world, client):
    """The participants section pushes the activities' headings far below the top of the file."""
    world = attendance_world
    meeting, people = class_meeting(world)
    crowd = corpus.many_attendees(60, SEPTEMBER_1)
    body = ok(upload(client, world.session, corpus.teams_csv(meeting, [*people, *crowd]), "attendance.csv"))
    assert body["file"]["heading_rows"] == [18 + 60]
    assert learners(body) == expected(world)
    assert len(body["unmatched"]) == 1 + 2 * 60


def test_teams_without_activities_counts_each_persons_in_meeting_duration(attendance_world, client):
    world = attendance_world
    meeting, people = class_meeting(world)
    body = ok(upload(client, world.session, corpus.teams_csv(meeting, people, activities=False), "a.csv"))
    assert body["platform"] == "teams"
    # An: first join 07:55, in the meeting 2h 0m in all: 07:55-09:55, 115 minutes of the session.
    assert learners(body) == expected(world, an_minutes=115)


def test_teams_report_saved_as_xlsx(attendance_world, client):
    world = attendance_world
    meeting, people = class_meeting(world)
    body = ok(upload(client, world.session, corpus.teams_xlsx(meeting, people), "attendance.xlsx"))
    assert (body["platform"], body["file"]["sheet"]) == ("teams", "Attendance")
    assert learners(body) == expected(world)


def test_teams_old_joined_left_list(attendance_world, client):
    world = attendance_world
    meeting, people = class_meeting(world)
    body = ok(
        upload(client, world.session, corpus.teams_old_csv(meeting, people), "meetingAttendanceList.csv")
    )
    assert body["platform"] == "teams"
    assert learners(body) == expected(world)


def test_teams_old_list_without_the_last_leave_lasts_to_the_reports_end(attendance_world, client):
    world = attendance_world
    meeting, people = class_meeting(world)
    body = ok(
        upload(client, world.session, corpus.teams_old_csv(meeting, people, leave_last_open=True), "l.csv")
    )
    # Everyone's last join runs to the list's last time (the host's 10:05 join is open too: the
    # last time is An's second join, 09:12): An 65 + 0, Bình and Cường to 09:12.
    an, binh, cuong = (e.learner.full_name for e in world.active)
    assert learners(body) == {an: (65, "absent"), binh: (52, "absent"), cuong: (72, "absent")}


def test_teams_report_written_in_utc(attendance_world, client):
    world = attendance_world
    meeting, people = class_meeting(world, shift=datetime.timedelta(hours=-7))
    content = corpus.teams_csv(meeting, people)
    # Read as Vietnam's time, no time meets the session: refused, not everyone absent.
    refused = assert_error(upload(client, world.session, content, "attendance.csv"), 400)
    assert {(e["field"], e["code"]) for e in refused["errors"]} == {("timezone", "outside_session")}
    assert not Attendance.objects.exists()
    body = ok(upload(client, world.session, content, "attendance.csv", timezone="UTC"))
    assert learners(body) == expected(world)
    assert body["times"]["timezone"] == "UTC"


# --- Google Meet -------------------------------------------------------------------------------------


@pytest.mark.parametrize("clock24", [False, True])
def test_meet_attendance_csv(attendance_world, client, clock24):
    world = attendance_world
    _meeting, people = class_meeting(world)
    content = corpus.meet_csv(people, clock24=clock24)
    body = ok(upload(client, world.session, content, "Bồi dưỡng cán bộ xã - Attendance.csv"))
    assert body["platform"] == "meet"
    # One row per person: An from 07:55 for the 2 hr 0 min really spent, 115 minutes of the session.
    assert learners(body) == expected(world, an_minutes=115)
    assert body["times"]["date_order_from"] == "not_needed"
    assert [(u["row"], u["name"]) for u in body["unmatched"]] == [(5, "Huy Đỗ Quang")]


def test_meet_sheet_downloaded_as_xlsx(attendance_world, client):
    world = attendance_world
    _meeting, people = class_meeting(world)
    body = ok(upload(client, world.session, corpus.meet_xlsx(people), "attendance.xlsx"))
    assert body["platform"] == "meet"
    assert learners(body) == expected(world, an_minutes=115)


def test_meet_duration_only_is_placed_from_the_session_start(attendance_world, client):
    world = attendance_world
    _meeting, people = class_meeting(world)
    body = ok(upload(client, world.session, corpus.meet_csv(people, times=False), "attendance.csv"))
    an, binh, cuong = (e.learner.full_name for e in world.active)
    # From 08:00: An 120 (of 120), Bình 100 (joined "on time": the report doesn't say when), Cường 30.
    assert learners(body) == {an: (120, "present"), binh: (100, "present"), cuong: (30, "absent")}


# --- the template ------------------------------------------------------------------------------------


def test_the_projects_template_still_reads(attendance_world, client):
    world = attendance_world
    _meeting, people = class_meeting(world)
    ids = {people[0].name: world.active[0].learner.national_id}
    body = ok(upload(client, world.session, corpus.template_csv(people, national_ids=ids), "diem-danh.csv"))
    assert body["platform"] == "template"
    assert learners(body) == expected(world)
    assert body["times"] == {
        "date_order": "dmy",
        "date_order_from": "session",
        "timezone": "Asia/Ho_Chi_Minh",
    }


def test_the_template_under_a_title_block_with_a_signature_below(attendance_world, client):
    world = attendance_world
    an = world.active[0].learner
    content = (
        "UBND XÃ AN KHÁNH,,,\n"
        "DANH SÁCH ĐIỂM DANH BUỔI HỌC TRỰC TUYẾN,,,\n"
        ",,,\n"
        "STT,Họ và tên,Thời gian vào,Thời gian ra\n"
        f"1,{an.full_name},01/09/2026 08:00,01/09/2026 10:00\n"
        ",,,\n"
        ",Người lập biểu,,\n"
        ",Phạm Thị Hoa,,\n"
    ).encode()
    body = ok(upload(client, world.session, content, "diem-danh.csv"))
    assert learners(body) == {an.full_name: (120, "present")}
    assert (body["file"]["heading_rows"], body["file"]["skipped_rows"]) == ([4], [7, 8])
    assert body["file"]["ignored_columns"] == ["STT"]
    assert body["unmatched"] == []


# --- refused -----------------------------------------------------------------------------------------


def test_a_file_of_another_day_is_refused_on_date_order_then_rows(attendance_world, client):
    world = attendance_world
    meeting, people = class_meeting(world, datetime.date(2026, 3, 4))
    content = corpus.zoom_csv(meeting, people, clock24=True)
    # 03/04/2026: neither 3 April nor 4 March is the session's day (1 September).
    body = assert_error(upload(client, world.session, content, "participants.csv"), 400)
    assert [(e["field"], e["code"]) for e in body["errors"]] == [("date_order", "date_order_ambiguous")]
    assert "date_order" in body["errors"][0]["message"]
    # Stated, the order is used, and every time on another day is named by row and field.
    body = assert_error(upload(client, world.session, content, "participants.csv", date_order="mdy"), 400)
    assert {(e["row"], e["field"], e["code"]) for e in body["errors"]} == {
        (row, "joined_at", "outside_session") for row in range(5, 11)
    }
    assert "04/03/2026" in body["errors"][0]["message"]
    assert not Attendance.objects.exists()


def test_a_time_on_another_day_names_the_row(attendance_world, client):
    world = attendance_world
    an = world.active[0].learner
    content = (
        "Họ và tên,Thời gian vào,Thời gian ra\n"
        f"{an.full_name},2026-09-01 08:00,2026-09-01 09:00\n"
        f"{an.full_name},2026-09-02 08:00,2026-09-02 09:00\n"
    ).encode()
    body = assert_error(upload(client, world.session, content, "report.csv"), 400)
    assert {(e["row"], e["field"], e["code"]) for e in body["errors"]} == {
        (3, "joined_at", "outside_session")
    }


def test_a_stated_order_the_file_contradicts_names_the_rows(attendance_world, client):
    world = attendance_world
    day = datetime.date(2026, 9, 15)
    session = ClassSessionFactory(
        training_class=world.training_class,
        starts_at=datetime.datetime.combine(day, datetime.time(8), tzinfo=LOCAL),
        ends_at=datetime.datetime.combine(day, datetime.time(10), tzinfo=LOCAL),
    )
    meeting, people = class_meeting(world, day)
    content = corpus.zoom_csv(meeting, people, meeting_block=False)
    body = assert_error(upload(client, session, content, "p.csv", date_order="dmy"), 400)
    assert {e["field"] for e in body["errors"]} == {"joined_at"}
    assert {e["row"] for e in body["errors"]} == set(range(2, 8))


def test_dates_in_both_orders_in_one_file_are_refused(attendance_world, client):
    world = attendance_world
    an = world.active[0].learner
    content = (
        "Họ và tên,Thời gian vào,Thời gian ra\n"
        f"{an.full_name},13/09/2026 08:00,13/09/2026 09:00\n"
        f"{an.full_name},09/14/2026 08:00,09/14/2026 09:00\n"
    ).encode()
    body = assert_error(upload(client, world.session, content, "report.csv"), 400)
    assert [(e["field"], e["code"]) for e in body["errors"]] == [("date_order", "date_order_conflict")]


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"timezone": "Mars/Olympus_Mons"}, "timezone"),
        ({"timezone": "../../etc/passwd"}, "timezone"),
        ({"date_order": "ymd"}, "date_order"),
        ({"mapping": "not json"}, "mapping"),
        ({"mapping": '{"Học viên": "shoe_size"}'}, "mapping.Học viên"),  # the heading at fault
        ({"sheet": "Trang 9"}, "sheet"),
    ],
)
def test_bad_parameters_are_a_400_naming_them(attendance_world, client, data, field):
    world = attendance_world
    _meeting, people = class_meeting(world)
    content = corpus.meet_xlsx(people) if "sheet" in data else corpus.meet_csv(people)
    name = "attendance.xlsx" if "sheet" in data else "attendance.csv"
    body = assert_error(upload(client, world.session, content, name, **data), 400)
    assert {e.get("field") for e in body["errors"]} == {field}


def test_sheet_and_mapping_are_passed_to_the_reader(attendance_world, client):
    world = attendance_world
    an = world.active[0].learner
    workbook = openpyxl.Workbook()
    workbook.active.title = "Hướng dẫn"
    workbook.active.append(["Danh sách điểm danh lớp bồi dưỡng"])
    sheet = workbook.create_sheet("Buổi 1")
    sheet.append(["Học viên", "Bắt đầu", "Kết thúc"])
    sheet.append([an.full_name, "01/09/2026 08:00", "01/09/2026 10:00"])
    buffer = io.BytesIO()
    workbook.save(buffer)
    mapping = '{"Học viên": "name", "Bắt đầu": "joined_at", "Kết thúc": "left_at"}'
    body = ok(upload(client, world.session, buffer.getvalue(), "tu-lam.xlsx", sheet="2", mapping=mapping))
    assert body["file"]["sheet"] == "Buổi 1"
    assert body["file"]["columns"]["name"] == "Học viên"
    assert learners(body) == {an.full_name: (120, "present")}


# --- what the reader was taught for these files --------------------------------------------------------


def test_reader_finds_the_section_asked_for_in_a_utf16_tab_separated_file():
    text = "1. Summary\nMeeting title\tLớp A\n\n2. Participants\nName\tEmail\nAn\ta@x.vn\n\n3. Activities\nName\tEmail\nBình\tb@x.vn\n"
    content = "\ufeff".encode("utf-16-le") + text.encode("utf-16-le")
    columns = [Column("name", ("Name",)), Column("email", ("Email",))]
    table = read_table(content=content, filename="r.csv", columns=columns, sections=["Activities"])
    assert ([r.values["name"] for r in table.rows], table.section, table.heading_rows) == (
        ["Bình"],
        "3. Activities",
        [9],
    )
    # Without the section, the first table's headings are the ones found; the rows above are kept.
    table = read_table(content=content, filename="r.csv", columns=columns)
    assert (table.heading_rows, table.section, table.rows[0].values["name"]) == ([5], None, "An")
    assert [number for number, _cells in table.preamble] == [1, 2, 4]
