"""The meeting platform's participant report: matching, merging, unmatched rows, dry run,
idempotency and unreadable files."""

import datetime
import functools
import io
import unicodedata

import openpyxl
import pytest

from enrollment.models import Attendance, AttendanceSource, AuditEntry, PresenceInterval, StaleClass
from enrollment.services.attendance_checkin import attendance_check_in
from tests.api_helpers import assert_error, upload_platform_report
from tests.factories import EnrollmentFactory, LearnerFactory
from tests.roles import client_as

pytestmark = pytest.mark.django_db


upload = functools.partial(upload_platform_report, name="report.csv", content_type="text/csv")


@pytest.fixture
def trainer_client(attendance_world):
    return client_as(attendance_world.trainer)


def report(world) -> bytes:
    an, binh, cuong = (e.learner for e in world.active)
    withdrawn = world.withdrawn.learner
    rows = [
        "Họ và tên,Email,Số định danh cá nhân,Thời gian vào,Thời gian ra",
        # An: by identification number with its leading zero lost, three overlapping joins.
        f"{an.full_name},,{an.national_id.lstrip('0')},01/09/2026 07:50,01/09/2026 08:40",
        f"{an.full_name},,,01/09/2026 08:30:00,01/09/2026 09:10:00",
        f"{an.full_name},,,2026-09-01T09:20:00,2026-09-01T10:30:00",
        # Bình: by email, case ignored; joined 20 minutes late.
        f"Bình (điện thoại),{binh.email.upper()},,01/09/2026 08:20,01/09/2026 10:00",
        # Cường: by name, written decomposed; left after 30 minutes.
        f"{unicodedata.normalize('NFD', cuong.full_name)},,,01/09/2026 08:00,01/09/2026 08:30",
        "Khách mời,guest@example.com,,01/09/2026 08:00,01/09/2026 10:00",
        f"{withdrawn.full_name},,{withdrawn.national_id},01/09/2026 08:00,01/09/2026 10:00",
        ",,,01/09/2026 08:00,01/09/2026 10:00",
    ]
    return "\n".join(rows).encode()


def test_rows_are_matched_merged_and_recorded(attendance_world, trainer_client):
    world = attendance_world
    an, binh, cuong = world.active
    response = upload(trainer_client, world.session, report(world))
    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["total_rows"], body["matched_rows"]) == (8, 5)
    assert (body["created"], body["updated"], body["unchanged"]) == (3, 0, 0)
    learners = {row["enrollment"]: row for row in body["learners"]}
    assert learners[an.pk]["rows"] == [2, 3, 4]
    # 08:00-09:10 (joined before the start, clipped) and 09:20-10:00 (left after the end, clipped).
    assert (learners[an.pk]["status"], learners[an.pk]["minutes"]) == ("present", 110)
    assert (learners[binh.pk]["status"], learners[binh.pk]["minutes"]) == ("late", 100)
    assert (learners[cuong.pk]["status"], learners[cuong.pk]["minutes"]) == ("absent", 30)
    assert [(u["row"], u["reason"]) for u in body["unmatched"]] == [
        (7, "not_found"),
        (8, "not_active"),
        (9, "no_identity"),
    ]

    records = {r.enrollment_id: r for r in Attendance.objects.all()}
    assert {r.source for r in records.values()} == {AttendanceSource.PLATFORM_REPORT}
    assert records[an.pk].minutes == 110
    assert (
        PresenceInterval.objects.filter(enrollment=an, source=AttendanceSource.PLATFORM_REPORT).count() == 3
    )
    assert AuditEntry.objects.filter(entity="attendance", source="platform_report").count() == 3
    assert StaleClass.objects.filter(training_class=world.training_class).exists()


def test_the_same_report_again_changes_nothing(attendance_world, trainer_client):
    world = attendance_world
    upload(trainer_client, world.session, report(world))
    intervals = set(PresenceInterval.objects.values_list("pk", flat=True))
    audit = AuditEntry.objects.count()
    body = upload(trainer_client, world.session, report(world)).json()
    assert (body["created"], body["updated"], body["unchanged"]) == (0, 0, 3)
    assert AuditEntry.objects.count() == audit
    assert set(PresenceInterval.objects.values_list("pk", flat=True)) == intervals


def test_an_amended_report_replaces_the_learners_intervals(attendance_world, trainer_client):
    world = attendance_world
    an = world.active[0]
    upload(trainer_client, world.session, report(world))
    amended = (
        f"Name,Join time,Leave time\n{an.learner.full_name},01/09/2026 08:00,01/09/2026 08:45\n"
    ).encode()
    body = upload(trainer_client, world.session, amended).json()
    assert body["updated"] == 1
    assert Attendance.objects.get(enrollment=an).minutes == 45
    intervals = PresenceInterval.objects.filter(enrollment=an)
    assert [(i.joined_at.hour, i.joined_at.minute, i.left_at.minute) for i in intervals] == [
        (1, 0, 45)
    ]  # UTC


def test_dry_run_stores_nothing(attendance_world, trainer_client):
    world = attendance_world
    body = upload(trainer_client, world.session, report(world), dry_run="true").json()
    assert body["dry_run"] is True
    assert body["created"] == 3
    assert len(body["unmatched"]) == 3
    assert not Attendance.objects.exists()
    assert not PresenceInterval.objects.exists()
    assert not AuditEntry.objects.exists()


def test_unreadable_rows_reject_the_whole_report(attendance_world, trainer_client):
    world = attendance_world
    an = world.active[0].learner
    bad = (
        "Họ và tên,Thời gian vào,Thời gian ra\n"
        f"{an.full_name},01/09/2026 08:00,01/09/2026 09:00\n"
        f"{an.full_name},hôm qua,01/09/2026 09:00\n"
        f"{an.full_name},01/09/2026 09:30,01/09/2026 09:00\n"
        f"{an.full_name},,01/09/2026 09:00\n"
    ).encode()
    body = assert_error(upload(trainer_client, world.session, bad), 400)
    assert {(e["row"], e["field"]) for e in body["errors"]} == {
        (3, "joined_at"),
        (4, "left_at"),
        (5, "joined_at"),
    }
    assert not Attendance.objects.exists()


@pytest.mark.parametrize(
    ("content", "name"),
    [
        (b"Name,Email\nAn,an@example.vn\n", "report.csv"),  # no times
        (b"\xff\xfe garbage", "report.csv"),
        (b"not a spreadsheet", "report.xlsx"),
        (b"Name,Join time,Leave time\n", "report.csv"),
        (b"x", "report.pdf"),
    ],
)
def test_bad_files_are_a_400_naming_the_file(attendance_world, trainer_client, content, name):
    response = upload(trainer_client, attendance_world.session, content, name=name)
    assert {e.get("field") for e in assert_error(response, 400)["errors"]} == {"file"}


def test_a_name_shared_by_two_learners_is_ambiguous(attendance_world, trainer_client):
    world = attendance_world
    twin = EnrollmentFactory(
        training_class=world.training_class,
        learner=LearnerFactory(full_name=world.active[0].learner.full_name),
    )
    content = (
        f"Participant,Join time,Leave time\n{twin.learner.full_name},01/09/2026 08:00,01/09/2026 10:00\n"
    ).encode()
    body = upload(trainer_client, world.session, content).json()
    assert [u["reason"] for u in body["unmatched"]] == ["ambiguous"]
    assert not Attendance.objects.exists()


def test_an_xlsx_report_with_excel_times_and_a_semicolon_csv(attendance_world, trainer_client):
    world = attendance_world
    an, binh, _ = world.active
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(["Full Name", "Email", "Join Time", "Leave Time"])
    sheet.append(
        [
            an.learner.full_name,
            an.learner.email,
            datetime.datetime(2026, 9, 1, 8, 5),
            datetime.datetime(2026, 9, 1, 10),
        ]
    )
    buffer = io.BytesIO()
    workbook.save(buffer)
    body = upload(trainer_client, world.session, buffer.getvalue(), name="teams.xlsx").json()
    assert [(r["enrollment"], r["minutes"], r["status"]) for r in body["learners"]] == [
        (an.pk, 115, "present")
    ]

    csv = (
        f"Họ tên;Thư điện tử;Giờ vào;Giờ ra\n{binh.learner.full_name};;01/09/2026 08:00;01/09/2026 10:00\n"
    ).encode("utf-8-sig")
    body = upload(trainer_client, world.session, csv).json()
    assert [(r["enrollment"], r["minutes"]) for r in body["learners"]] == [(binh.pk, 120)]


def test_the_report_replaces_a_check_in_record(attendance_world, trainer_client):
    world = attendance_world
    an = world.active[0]
    attendance_check_in(
        session=world.session,
        user=an.learner.user,
        now=world.session.starts_at + datetime.timedelta(minutes=1),
    )
    content = (
        f"Name,Join time,Leave time\n{an.learner.full_name},01/09/2026 08:00,01/09/2026 08:30\n".encode()
    )
    upload(trainer_client, world.session, content)
    record = Attendance.objects.get()
    assert (record.source, record.minutes, record.status) == ("platform_report", 30, "absent")
    # The platform's measure replaces what the learner reported of themselves.
    assert set(PresenceInterval.objects.values_list("source", flat=True)) == {"platform_report"}


def test_the_report_replaces_the_check_ins_of_the_learners_it_lists_only(attendance_world, trainer_client):
    world = attendance_world
    an, binh = world.active[0], world.active[1]
    for enrollment in (an, binh):
        attendance_check_in(
            session=world.session,
            user=enrollment.learner.user,
            now=world.session.starts_at + datetime.timedelta(minutes=1),
        )
    content = (
        f"Name,Join time,Leave time\n{an.learner.full_name},01/09/2026 08:00,01/09/2026 10:00\n".encode()
    )
    upload(trainer_client, world.session, content)
    assert set(PresenceInterval.objects.values_list("enrollment_id", "source")) == {
        (an.pk, "platform_report"),
        (binh.pk, "check_in"),
    }
    # A check-in afterwards doesn't undo the platform's measure.
    records = {r.enrollment_id: r for r in Attendance.objects.all()}
    assert (records[an.pk].source, records[an.pk].minutes) == ("platform_report", 120)
    assert records[binh.pk].source == "check_in"


def test_an_oversized_file_is_refused_before_it_is_read(attendance_world, trainer_client, settings):
    settings.IMPORT_MAX_FILE_BYTES = 100
    response = upload(trainer_client, attendance_world.session, report(attendance_world))
    assert {e.get("field") for e in assert_error(response, 413, "too_large")["errors"]} == {"file"}
