"""Files sent from a trainer's class page (/portal/trainer/classes/<id>/uploads/): a platform report,
an enrolment list and a score sheet through the dry run's preview (matched, unmatched, warnings,
per-row errors), applied on exactly the stored file and only as previewed (a class changed
meanwhile: nothing applied, a new preview); a large list as a job with its status; hostile files
answered with the reader's message, never a 500; a closed class; bounded queries."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest

from courses.models import ClassStatus, ImportJob, ImportStatus
from courses.services.import_jobs import import_job_run
from enrollment.models import (
    Attendance,
    AttendanceStatus,
    AuditEntry,
    Enrollment,
    FilePreview,
    Learner,
    UploadKind,
)
from enrollment.services.attendance_roll_call import attendance_mark_roster
from enrollment.services.enrollments import enrollment_self_join
from tests.courses import hostile_files
from tests.courses.encoded_files import windows_1258_bytes
from tests.enrollment import enrollment_files, score_files
from tests.enrollment.pages.class_helpers import class_url, preview_of, upload, zoom_report
from tests.enrollment.pages.page_helpers import page_client, text_of

# --- a platform report through the preview ---------------------------------------------------------


def test_a_zoom_report_is_previewed_then_applied_as_shown(attendance_world):
    world = attendance_world
    an, binh, cuong = world.active
    client = page_client(world.trainer)
    response = upload(
        client,
        world.training_class,
        UploadKind.PLATFORM_REPORT,
        zoom_report(world),
        "participants.csv",
        session=world.session.pk,
    )
    assert response.status_code == 302
    preview = preview_of(response)
    page = client.get(response["Location"])
    text = text_of(page)
    # Nothing stored yet; the preview says who matched with what, who did not, and the counts.
    assert not Attendance.objects.exists()
    assert "participants.csv · Buổi 01-09-2026 08:00 · Zoom" in text
    assert "Người chủ trì cuộc họp (không tính): Dòng 5 Giảng viên" in text
    assert "Khớp với học viên (3)" in text
    assert f"{an.learner.full_name} Dòng" in text and "Có mặt · 120 phút · Tạo mới" in text
    assert "Đi muộn · 100 phút" in text and "Vắng · 30 phút" in text
    assert "Không khớp với học viên nào (1)" in text and "Khách Mời Sở Nội Vụ" in text
    assert "Áp dụng" in text

    applied = client.post(f"{response['Location']}apply/", follow=True)
    assert "Đã áp dụng đúng như bản xem trước." in text_of(applied)
    stored = {r.enrollment_id: (r.status, r.minutes) for r in Attendance.objects.all()}
    previewed = {item["enrollment"]: (item["status"], item["minutes"]) for item in preview.report["learners"]}
    assert (
        stored
        == previewed
        == {
            an.pk: (AttendanceStatus.PRESENT, 120),
            binh.pk: (AttendanceStatus.LATE, 100),
            cuong.pk: (AttendanceStatus.ABSENT, 30),
        }
    )
    # A second submit (a double tap) applies nothing more.
    client.post(f"{response['Location']}apply/")
    assert Attendance.objects.count() == 3


def test_a_class_changed_since_the_preview_is_not_applied(attendance_world):
    world = attendance_world
    an = world.active[0]
    client = page_client(world.trainer)
    response = upload(
        client,
        world.training_class,
        UploadKind.PLATFORM_REPORT,
        zoom_report(world),
        "participants.csv",
        session=world.session.pk,
    )
    # Meanwhile An is marked absent on the roster: the report would now update, not create, An's record.
    attendance_mark_roster(
        session=world.session, records=[{"enrollment": an.pk, "status": "absent"}], actor=world.trainer
    )
    applied = client.post(f"{response['Location']}apply/")
    assert applied.status_code == 302 and applied["Location"] != response["Location"]
    assert Attendance.objects.count() == 1
    assert Attendance.objects.get().status == AttendanceStatus.ABSENT
    fresh = client.get(applied["Location"])
    text = text_of(fresh)
    assert "Dữ liệu của lớp đã thay đổi từ lúc xem trước: chưa áp dụng gì." in text
    assert "Có mặt · 120 phút · Cập nhật" in text
    assert FilePreview.objects.get(pk=preview_of(response).pk).applied_at is None


def test_a_report_of_another_class_session_is_refused(attendance_world):
    world = attendance_world
    response = upload(
        page_client(world.trainer),
        world.training_class,
        UploadKind.PLATFORM_REPORT,
        zoom_report(world),
        "participants.csv",
        session=world.other_session.pk,
    )
    assert response.status_code == 400
    assert "Chọn buổi học của báo cáo." in text_of(response)
    assert not FilePreview.objects.exists()


HOSTILE = {
    "an image named .xlsx": ("bao-cao.xlsx", b"\x89PNG\r\n\x1a\n" + b"\x00" * 200),
    "a compression bomb": ("bao-cao.xlsx", None),
    "UTF-16 without headings": ("bao-cao.csv", "không có gì\tở đây\n1\t2\n".encode("utf-16")),
    "Windows-1258 text with no known column": (
        "bao-cao.csv",
        windows_1258_bytes("Tên;Giờ\nNguyễn Văn Ân;8\n"),
    ),
}


@pytest.mark.parametrize("case", list(HOSTILE))
@pytest.mark.parametrize("kind", [UploadKind.PLATFORM_REPORT, UploadKind.ENROLMENT, UploadKind.SCORES])
def test_a_hostile_file_gets_the_readers_message_not_a_500(attendance_world, kind, case):
    world = attendance_world
    name, content = HOSTILE[case]
    if content is None:
        content = hostile_files.compression_bomb(["Họ và tên", "Số định danh cá nhân"])
    response = upload(
        page_client(world.trainer), world.training_class, kind, content, name, session=world.session.pk
    )
    assert 400 <= response.status_code < 500
    text = text_of(response)
    assert "Tệp chưa được nhận" in text
    assert not FilePreview.objects.exists() and not Attendance.objects.exists()


def test_a_file_over_the_size_limit_is_refused_before_it_is_read(attendance_world, settings):
    settings.IMPORT_MAX_FILE_BYTES = 1000
    world = attendance_world
    response = upload(
        page_client(world.trainer), world.training_class, UploadKind.SCORES, b"x" * 2000, "diem.csv"
    )
    assert response.status_code == 413
    assert "Tệp lớn hơn" in text_of(response)


# --- an enrolment list -------------------------------------------------------------------------------


def test_a_roster_with_wrong_rows_shows_each_error_by_row_and_field(world):
    people = [
        enrollment_files.person(1, "Phạm Thị Dung", "019185000123", gender="Nữ"),
        enrollment_files.person(2, "Hoàng Văn Em", "12345"),
        enrollment_files.person(3, "", "019085000125"),
    ]
    response = upload(
        page_client(world.trainer),
        world.training_class,
        UploadKind.ENROLMENT,
        enrollment_files.xlsx_bytes(people),
        "ds.xlsx",
    )
    assert response.status_code == 400
    text = text_of(response)
    assert "Tệp chưa được nhận" in text
    assert re.search(r"Dòng 3 national_id ", text)
    assert re.search(r"Dòng 4 full_name ", text)
    assert not FilePreview.objects.exists()
    assert not Learner.objects.filter(national_id="019185000123").exists()


def test_a_roster_preview_then_apply_enrols_exactly_the_preview(world):
    people = [
        enrollment_files.person(1, "Phạm Thị Dung", "019185000123", gender="Nữ"),
        enrollment_files.person(2, world.learner.full_name, world.learner.national_id),
    ]
    client = page_client(world.trainer)
    response = upload(
        client, world.training_class, UploadKind.ENROLMENT, enrollment_files.xlsx_bytes(people), "ds.xlsx"
    )
    text = text_of(client.get(response["Location"]))
    assert "Phạm Thị Dung Dòng 2" in text and "Ghi danh · học viên mới" in text
    assert f"{world.learner.full_name} Dòng 3" in text and "Không đổi" in text
    client.post(f"{response['Location']}apply/")
    preview = preview_of(response)
    assert preview.applied_job.status == ImportStatus.SUCCEEDED and not preview.applied_job.dry_run
    # The real run's job read the very bytes previewed.
    assert bytes(preview.applied_job.file_content) == bytes(preview.dry_run_job.file_content)
    assert set(
        Enrollment.objects.filter(training_class=world.training_class).values_list(
            "learner__national_id", flat=True
        )
    ) == {"019185000123", world.learner.national_id}


def test_a_large_roster_is_a_job_whose_status_the_page_shows(world, settings):
    settings.IMPORT_SYNC_MAX_ROWS = 1
    world.training_class.capacity = 10
    world.training_class.save(update_fields=["capacity"])
    people = enrollment_files.many_people(3)
    client = page_client(world.trainer)
    response = upload(
        client, world.training_class, UploadKind.ENROLMENT, enrollment_files.xlsx_bytes(people), "ds.xlsx"
    )
    preview = preview_of(response)
    text = text_of(client.get(response["Location"]))
    assert "Tệp lớn đang được kiểm tra: Đang chờ (0/3 dòng)" in text and "Làm mới" in text
    assert "Áp dụng" not in text
    # Applying before the dry run has run is refused, and stores nothing.
    early = client.post(f"{response['Location']}apply/")
    assert early.status_code == 409 and "Bản xem trước chưa chạy xong." in text_of(early)

    import_job_run(job_id=preview.dry_run_job_id)  # what the worker does
    text = text_of(client.get(response["Location"]))
    assert "Khớp với học viên (3)" in text and "Áp dụng" in text
    client.post(f"{response['Location']}apply/")
    preview.refresh_from_db()
    assert preview.applied_job.status == ImportStatus.PENDING
    assert "Đang nhập: Đang chờ" in text_of(client.get(response["Location"]))
    import_job_run(job_id=preview.applied_job_id)
    text = text_of(client.get(response["Location"]))
    assert "đúng như bản xem trước" in text
    assert Enrollment.objects.filter(training_class=world.training_class).count() == 4
    assert ImportJob.objects.filter(dry_run=False).count() == 1


# --- scores ------------------------------------------------------------------------------------------


def test_a_score_sheet_is_previewed_with_its_warnings_then_applied(attendance_world):
    world = attendance_world
    an, binh, cuong = world.active
    sheet = score_files.xlsx_bytes(
        [
            score_files.line(1, an.learner.full_name, an.learner.national_id, 8.5),
            score_files.line(2, "Trần Bình", binh.learner.national_id, "7,25"),
            score_files.line(3, cuong.learner.full_name, cuong.learner.national_id, None),
        ]
    )
    client = page_client(world.trainer)
    response = upload(client, world.training_class, UploadKind.SCORES, sheet, "bang-diem.xlsx")
    assert response.status_code == 302
    text = text_of(client.get(response["Location"]))
    assert "— → 8.50 · Cập nhật" in text and "— → 7.25 · Cập nhật" in text
    assert "Lưu ý" in text and "Dòng 8" in text  # Bình's name differs from the stored one
    assert Enrollment.objects.filter(final_score__isnull=False).count() == 0
    client.post(f"{response['Location']}apply/")
    scores = dict(Enrollment.objects.filter(final_score__isnull=False).values_list("pk", "final_score"))
    assert {pk: str(score) for pk, score in scores.items()} == {an.pk: "8.50", binh.pk: "7.25"}
    page = text_of(client.get(class_url(world.training_class)))
    assert "Điểm: 8.50" in page or "Điểm: 8,50" in page


def test_a_closed_class_takes_a_file_only_from_an_admin_giving_a_reason(attendance_world, province_admin):
    world = attendance_world
    world.training_class.status = ClassStatus.CLOSED
    world.training_class.save(update_fields=["status"])
    an = world.active[0]
    sheet = score_files.xlsx_bytes([score_files.line(1, an.learner.full_name, an.learner.national_id, 6)])
    refused = upload(page_client(world.trainer), world.training_class, UploadKind.SCORES, sheet, "diem.xlsx")
    assert refused.status_code == 403
    assert "Lớp đã khoá sổ: điểm danh và điểm chỉ quản trị viên được điều chỉnh." in text_of(refused)
    admin = page_client(province_admin)
    assert 'id="scores-reason"' in admin.get(class_url(world.training_class)).content.decode()
    unexplained = upload(admin, world.training_class, UploadKind.SCORES, sheet, "diem.xlsx")
    assert unexplained.status_code == 400 and re.search(
        r"reason Lớp đã khoá sổ: cần ghi lý do", text_of(unexplained)
    )
    previewed = upload(
        admin, world.training_class, UploadKind.SCORES, sheet, "diem.xlsx", reason="Chấm phúc khảo"
    )
    admin.post(f"{previewed['Location']}apply/")
    an.refresh_from_db()
    assert an.final_score == Decimal("6.00")
    assert AuditEntry.objects.filter(entity="enrollment", reason="Chấm phúc khảo").exists()


def test_a_preview_page_runs_a_bounded_number_of_queries(world, django_assert_max_num_queries):
    client = page_client(world.trainer)
    people = enrollment_files.many_people(60)
    world.training_class.capacity = 100
    world.training_class.save(update_fields=["capacity"])
    response = upload(
        client, world.training_class, UploadKind.ENROLMENT, enrollment_files.xlsx_bytes(people), "ds.xlsx"
    )
    with django_assert_max_num_queries(14):
        page = client.get(response["Location"])
    assert text_of(page).count("học viên mới") == 60


def test_a_roster_outdated_by_a_join_enrols_no_one(world):
    """The enrolment list goes through import jobs: a real run that differs from the dry run is
    rolled back whole, its job with it, and a new preview is shown."""
    joiner = world.joiner
    people = [
        enrollment_files.person(1, "Phạm Thị Dung", "019185000123", gender="Nữ"),
        enrollment_files.person(2, joiner.full_name, joiner.national_id),
    ]
    client = page_client(world.trainer)
    response = upload(
        client, world.training_class, UploadKind.ENROLMENT, enrollment_files.xlsx_bytes(people), "ds.xlsx"
    )
    # Meanwhile the joiner takes the class's last seat: the list would now waitlist Dung.
    enrollment_self_join(user=joiner.user, training_class=world.training_class)
    applied = client.post(f"{response['Location']}apply/")
    assert applied["Location"] != response["Location"]
    assert not Learner.objects.filter(national_id="019185000123").exists()
    assert not ImportJob.objects.filter(dry_run=False).exists()
    text = text_of(client.get(applied["Location"]))
    assert "Dữ liệu của lớp đã thay đổi từ lúc xem trước" in text
    assert "Vào danh sách chờ" in text


# The list of one's classes: every trainer and admin (each sees the classes they manage).
