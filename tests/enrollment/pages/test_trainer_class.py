"""A trainer's class page (/portal/trainer/classes/<id>/): who may open it and send files to it,
scoped as the API's class management (MANAGES_THE_CLASS); the class's progress by the completion
rule; a platform report, an enrolment list and a score sheet through the dry run's preview (matched,
unmatched, warnings, per-row errors), applied on exactly the stored file and only as previewed; a
large list as a job with its status; hostile files answered with the reader's message, never a 500;
the exports downloaded with the page's session; bounded queries; the path in Chromium at 360 px."""

from __future__ import annotations

import datetime
import re
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

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
from tests.browser import as_phone, browser_page, load, screenshot, sign_in
from tests.corpus.platforms import Attendee, Meeting, at, zoom_csv
from tests.courses import hostile_files
from tests.courses.encoded_files import windows_1258_bytes
from tests.enrollment import enrollment_files, score_files
from tests.enrollment.pages.page_helpers import page_client, text_of
from tests.factories import EnrollmentFactory
from tests.roles import CLASS_ROLES, STAFF_OF_THE_CLASS, by_role, client_as

# As the API's class exports and score sheet (STAFF_OF_THE_CLASS: MANAGES_THE_CLASS, every learner
# refused by role), anonymous visitors sent to sign in.
CLASS_PAGE = {**STAFF_OF_THE_CLASS, "anonymous": 302}
# A preview is seen and applied only by whoever uploaded it (as the API's import jobs), here the
# provincial admin: the class's other managers are answered 404 like those who don't manage it.
UPLOADER_ONLY = {
    **dict.fromkeys(CLASS_ROLES, 404),
    "anonymous": 302,
    "own_learner": 403,
    "other_learner": 403,
    "province_admin": 200,
}


def class_url(training_class) -> str:
    return f"/portal/trainer/classes/{training_class.pk}/"


def upload(client, training_class, kind: str, content: bytes, name: str, **fields):
    return client.post(
        f"{class_url(training_class)}uploads/",
        {"kind": kind, "file": SimpleUploadedFile(name, content), **fields},
    )


def zoom_report(world) -> bytes:
    """Zoom's participant report of the attendance world's first session (01/09/2026 08:00-10:00):
    An the whole session, Bình joined 20 minutes late, Cường left after 30 minutes, a guest, the host."""
    day = datetime.date(2026, 9, 1)
    an, binh, cuong = (enrollment.learner for enrollment in world.active)
    people = [
        Attendee(an.full_name, an.email, [(at(day, "07:58"), at(day, "10:01"))]),
        Attendee(binh.full_name, binh.email, [(at(day, "08:20"), at(day, "10:00"))]),
        Attendee(cuong.full_name, "", [(at(day, "08:00"), at(day, "08:30"))]),
        Attendee(
            "Khách Mời Sở Nội Vụ", "khach@example.com", [(at(day, "08:05"), at(day, "09:00"))], guest=True
        ),
    ]
    host = Attendee("Giảng viên", "giangvien@example.vn", [(at(day, "07:50"), at(day, "10:05"))])
    meeting = Meeting("Bồi dưỡng trực tuyến", at(day, "07:50"), at(day, "10:05"), host)
    return zoom_csv(meeting, people)


def preview_of(response) -> FilePreview:
    match = re.search(r"/uploads/(\d+)/$", response["Location"])
    return FilePreview.objects.get(pk=int(match.group(1)))


# --- who may open the page and send files ------------------------------------------------------------


@by_role(CLASS_PAGE)
def test_the_class_page_by_role(world, user_of, role, expected):
    url = class_url(world.training_class)
    response = page_client(user_of(role)).get(url)
    assert response.status_code == expected
    if expected == 302:
        assert response["Location"].startswith(f"/login/?next={url}")
    # The API's class exports (STAFF_OF_THE_CLASS) answer the same roles the same way (anonymous: 401).
    api = client_as(user_of(role)).get(f"/api/v1/classes/{world.training_class.pk}/roster.xlsx")
    assert api.status_code == (401 if expected == 302 else expected)


@by_role(CLASS_PAGE)
def test_uploading_a_file_by_role(world, user_of, role, expected):
    content = enrollment_files.xlsx_bytes([enrollment_files.person(1, "Phạm Thị Dung", "019185000123")])
    response = upload(
        page_client(user_of(role)), world.training_class, UploadKind.ENROLMENT, content, "ds.xlsx"
    )
    if expected == 200:
        assert response.status_code == 302
        preview = preview_of(response)
        assert preview.created_by == user_of(role) and preview.applied_at is None
    else:
        assert response.status_code == expected
        assert not FilePreview.objects.exists()
    # Nothing is enrolled by a preview.
    assert not Learner.objects.filter(national_id="019185000123").exists()


@by_role(UPLOADER_ONLY)
def test_a_preview_is_the_uploaders_alone(world, user_of, role, expected):
    content = enrollment_files.xlsx_bytes([enrollment_files.person(1, "Phạm Thị Dung", "019185000123")])
    uploader = page_client(user_of("province_admin"))
    preview = preview_of(upload(uploader, world.training_class, UploadKind.ENROLMENT, content, "ds.xlsx"))
    url = f"{class_url(world.training_class)}uploads/{preview.pk}/"
    client = page_client(user_of(role))
    assert client.get(url).status_code == expected
    applied = client.post(f"{url}apply/")
    assert applied.status_code == (302 if expected == 200 else expected)
    preview.refresh_from_db()
    assert (preview.applied_at is not None) == (expected == 200)
    assert Learner.objects.filter(national_id="019185000123").exists() == (expected == 200)


def test_the_uploader_opens_and_applies_their_preview(world):
    content = enrollment_files.xlsx_bytes([enrollment_files.person(1, "Phạm Thị Dung", "019185000123")])
    client = page_client(world.trainer)
    preview = preview_of(upload(client, world.training_class, UploadKind.ENROLMENT, content, "ds.xlsx"))
    url = f"{class_url(world.training_class)}uploads/{preview.pk}/"
    assert client.get(url).status_code == 200
    assert client.post(f"{url}apply/")["Location"] == url
    learner = Learner.objects.get(national_id="019185000123")
    assert Enrollment.objects.filter(learner=learner, training_class=world.training_class).exists()


def test_uploads_and_applies_are_posts_with_csrf(world):
    client = Client(enforce_csrf_checks=True)
    client.force_login(world.trainer)
    content = enrollment_files.xlsx_bytes([enrollment_files.person(1, "Phạm Thị Dung", "019185000123")])
    assert upload(client, world.training_class, UploadKind.ENROLMENT, content, "ds.xlsx").status_code == 403
    preview = preview_of(
        upload(page_client(world.trainer), world.training_class, UploadKind.ENROLMENT, content, "ds.xlsx")
    )
    assert client.post(f"{class_url(world.training_class)}uploads/{preview.pk}/apply/").status_code == 403
    assert client.get(f"{class_url(world.training_class)}uploads/").status_code == 405
    scores = client.post(f"{class_url(world.training_class)}scores/", {f"score-{world.enrollment.pk}": "9"})
    assert scores.status_code == 403
    world.enrollment.refresh_from_db()
    assert world.enrollment.final_score is None
    assert not Learner.objects.filter(national_id="019185000123").exists()


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


# --- progress, exports, queries -------------------------------------------------------------------


def test_the_class_progress_by_the_completion_rule(attendance_world):
    world = attendance_world
    an, binh, _cuong = world.active
    attendance_mark_roster(
        session=world.session,
        records=[{"enrollment": an.pk, "status": "present"}, {"enrollment": binh.pk, "status": "absent"}],
        actor=world.trainer,
    )
    response = page_client(world.trainer).get(class_url(world.training_class))
    rows = {
        int(pk): text_of_html(body)
        for pk, body in re.findall(r'data-enrollment="(\d+)">(.*?)</li>', response.content.decode(), re.S)
    }
    # 120 of the 270 planned minutes; 80 % of 270 is 216.
    assert "1/2 buổi" in rows[an.pk] and "120/216 phút cần có" in rows[an.pk] and "44.4 %" in rows[an.pk]
    assert "Chưa đạt chuyên cần" in rows[an.pk]
    assert "0/2 buổi" in rows[binh.pk] and "0/216 phút cần có" in rows[binh.pk]
    # As the API's roster: a trainer doesn't see the withdrawn enrolment.
    assert world.withdrawn.pk not in rows and world.waitlisted.pk in rows
    assert "Tham dự ít nhất 80 % thời lượng" in text_of(response)


def text_of_html(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def test_the_exports_download_with_the_pages_session(world):
    client = page_client(world.trainer)
    page = client.get(class_url(world.training_class)).content.decode()
    links = re.findall(r'href="(/api/v1/classes/\d+/[^"]+\.xlsx)"', page)
    assert links == [
        f"/api/v1/classes/{world.training_class.pk}/attendance-sheet.xlsx",
        f"/api/v1/classes/{world.training_class.pk}/roster.xlsx",
    ]
    for link in links:
        response = client.get(link)
        assert response.status_code == 200
        assert response["Content-Type"].startswith(
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
        )
        assert b"".join(response.streaming_content if response.streaming else [response.content])[:2] == b"PK"
    # Another class's trainer, signed in the same way, is refused the file.
    assert page_client(world.other_trainer).get(links[0]).status_code == 404


def test_the_class_page_runs_a_bounded_number_of_queries(world, django_assert_max_num_queries):
    client = page_client(world.trainer)
    url = class_url(world.training_class)
    with django_assert_max_num_queries(16):
        assert client.get(url).status_code == 200
    EnrollmentFactory.create_batch(40, training_class=world.training_class, learner__province=world.here)
    with django_assert_max_num_queries(16):
        response = client.get(url)
    assert response.content.decode().count('class="progress-row') == 41


def test_the_pages_link_to_the_class_page(world):
    from tests.enrollment.pages.test_trainer import started_today

    session = started_today(world.training_class)
    client = page_client(world.trainer)
    link = f'href="{class_url(world.training_class)}"'
    assert link in client.get("/portal/trainer/").content.decode()
    assert link in client.get(f"/portal/trainer/sessions/{session.pk}/").content.decode()


# --- in a real browser -------------------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_a_trainer_uploads_a_report_previews_and_applies_it_in_chromium(
    live_server, capsys, tmp_path, attendance_world
):
    """Sign in, open the class page, choose the session and the Zoom report, preview, apply, at 360 px."""
    world = attendance_world
    report = tmp_path / "participants.csv"
    report.write_bytes(zoom_report(world))
    shots = {}

    def shoot(tools, name):
        shots[name] = screenshot(tools, f"portal-trainer-class-{name}.png")

    with browser_page(base_url=live_server.url) as tools:
        as_phone(tools)
        tools.call("Page.navigate", url=f"{live_server.url}/login/")
        tools.wait_for("Page.loadEventFired")
        sign_in(tools, world.trainer.username, "pass-1234")
        tools.call("Page.navigate", url=f"{live_server.url}{class_url(world.training_class)}")
        tools.wait_for("Page.loadEventFired")
        class_text = tools.evaluate("document.body.innerText")
        class_overflow = tools.evaluate("document.documentElement.scrollWidth")
        shoot(tools, "page")
        root = tools.call("DOM.getDocument")["root"]["nodeId"]
        node = tools.call("DOM.querySelector", nodeId=root, selector="#report-file")["nodeId"]
        tools.call("DOM.setFileInputFiles", files=[str(report)], nodeId=node)
        load(
            tools,
            f"document.querySelector('#report-session').value = '{world.session.pk}';"
            "document.querySelector('#report-file').form.querySelector('button').click();",
        )
        preview_text = tools.evaluate("document.body.innerText")
        preview_overflow = tools.evaluate("document.documentElement.scrollWidth")
        apply_height = tools.evaluate("document.querySelector('button.apply').getBoundingClientRect().height")
        shoot(tools, "preview")
        stored_before_apply = Attendance.objects.count()
        load(tools, "document.querySelector('button.apply').click();")
        applied_text = tools.evaluate("document.body.innerText")
        shoot(tools, "applied")
    with capsys.disabled():
        print("\nclass page screenshots: " + ", ".join(str(path) for path in shots.values()))

    assert "Tiến độ của lớp" in class_text and "Xuất tệp" in class_text
    assert "Khớp với học viên (3)" in preview_text and "Không khớp với học viên nào (1)" in preview_text
    assert stored_before_apply == 0
    assert "Đã áp dụng đúng như bản xem trước." in applied_text
    assert Attendance.objects.count() == 3
    assert apply_height >= 44
    assert class_overflow <= 360 and preview_overflow <= 360, "wider than a 360 px phone"
    assert all(path.stat().st_size > 5_000 for path in shots.values())


def test_the_class_page_and_a_preview_in_english(attendance_world):
    world = attendance_world
    client = page_client(world.trainer, "en")
    text = text_of(client.get(class_url(world.training_class)))
    for words in [
        "Class progress",
        "Upload a file",
        "Meeting platform's attendance report (Zoom, Teams, Meet)",
        "Enrolment list",
        "Final assessment score sheet",
        "Attendance sheet (.xlsx)",
        "Attend at least 80 % of the planned time",
        "0/2 sessions",
        "0/216 minutes required",
        "Attendance not met",
    ]:
        assert words in text
    response = upload(
        client,
        world.training_class,
        UploadKind.PLATFORM_REPORT,
        zoom_report(world),
        "participants.csv",
        session=world.session.pk,
    )
    text = text_of(client.get(response["Location"]))
    for words in [
        "Preview: Meeting platform&#x27;s attendance report",
        "Matched to learners (3)",
        "Present · 120 minutes · New",
        "Apply",
    ]:
        assert words in text
    assert "Khớp" not in text and "Áp dụng" not in text


# --- scores entered on the page ---------------------------------------------------------------------


@by_role(CLASS_PAGE)
def test_entering_scores_by_role(world, user_of, role, expected):
    url = f"{class_url(world.training_class)}scores/"
    client = page_client(user_of(role))
    assert client.get(url).status_code == expected
    response = client.post(url, {f"score-{world.enrollment.pk}": "8,5"})
    assert response.status_code == (302 if expected == 200 else expected)
    world.enrollment.refresh_from_db()
    assert world.enrollment.final_score == (Decimal("8.50") if expected == 200 else None)


def test_scores_are_entered_in_one_post_and_a_wrong_one_saves_nothing(attendance_world):
    world = attendance_world
    an, binh, cuong = world.active
    client = page_client(world.trainer)
    url = f"{class_url(world.training_class)}scores/"
    page = client.get(url).content.decode()
    # Every learner with a seat has a field; the withdrawn and the waitlisted ones have none.
    fields = set(map(int, re.findall(r'name="score-(\d+)"', page)))
    assert fields == {an.pk, binh.pk, cuong.pk}
    wrong = client.post(url, {f"score-{an.pk}": "9", f"score-{binh.pk}": "11"}, follow=True)
    assert f"{binh.learner.full_name}: Điểm phải là số từ 0 đến 10." in text_of(wrong)
    assert not Enrollment.objects.filter(final_score__isnull=False).exists()
    saved = client.post(
        url, {f"score-{an.pk}": "9", f"score-{binh.pk}": "7,25", f"score-{cuong.pk}": ""}, follow=True
    )
    assert "Đã lưu 2 điểm." in text_of(saved)
    assert dict(Enrollment.objects.filter(final_score__isnull=False).values_list("pk", "final_score")) == {
        an.pk: Decimal("9.00"),
        binh.pk: Decimal("7.25"),
    }
    assert 'value="7.25"' in saved.content.decode()


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
CLASSES_PAGE = {**dict.fromkeys(CLASS_ROLES, 200), "anonymous": 302, "own_learner": 403, "other_learner": 403}


@by_role(CLASSES_PAGE)
def test_the_list_of_ones_classes_by_role(world, user_of, role, expected):
    response = page_client(user_of(role)).get("/portal/trainer/classes/")
    assert response.status_code == expected
    if expected == 200:
        listed = set(map(int, re.findall(r'data-class="(\d+)"', response.content.decode())))
        managed = {"own_trainer", "province_admin", "central_admin"}
        assert (world.training_class.pk in listed) == (role in managed)
        assert (world.other_class.pk in listed) == (
            role in {"other_trainer", "other_province_admin", "central_admin"}
        )
        assert (
            'href="/portal/trainer/classes/"'
            in page_client(user_of(role)).get("/portal/trainer/").content.decode()
        )
