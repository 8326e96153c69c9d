"""A trainer's class page (/portal/trainer/classes/<id>/): who may open it and send files to it,
scoped as the API's class management (the exports' STAFF_OF_THE_CLASS), a preview its uploader's
alone, CSRF; the class's progress by the completion rule; the exports downloaded with the page's
session; scores entered in one POST; the list of one's classes; English; bounded queries; the upload
path in Chromium at 360 px. The uploads themselves: test_trainer_uploads.py."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
from django.test import Client

from enrollment.models import (
    Attendance,
    Enrollment,
    FilePreview,
    Learner,
    UploadKind,
)
from enrollment.services.attendance_roll_call import attendance_mark_roster
from tests.browser import as_phone, browser_page, load, screenshot, sign_in
from tests.enrollment import enrollment_files
from tests.enrollment.pages.class_helpers import class_url, preview_of, upload, zoom_report
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
