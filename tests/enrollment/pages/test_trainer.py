"""The trainers' pages (/portal/trainer/): who may open them, scoped as the API's session attendance
(trainers of the class, admins of its scope), a roster marked in one POST through the service the API
calls and read back through the API, the service's refusals as messages, bounded queries whatever the
roster's size, and the path in a real headless Chromium at 360 px (test-artifacts/portal-trainer-*.png)."""

from __future__ import annotations

import datetime
import re

import pytest
from django.test import Client
from django.utils import timezone

from courses.models import ClassStatus
from enrollment.models import Attendance, AttendanceStatus, Enrollment, EnrollmentStatus
from tests.browser import browser_page, screenshot
from tests.class_world import build_world
from tests.enrollment.pages.page_helpers import page_client, text_of
from tests.factories import ClassSessionFactory, EnrollmentFactory, LearnerFactory, TrainingClassFactory
from tests.roles import CLASS_ROLES, MANAGES_THE_CLASS, by_role, client_as

# Trainers and admins open their sessions' list; learners are refused, anonymous visitors sent to sign in.
SESSIONS_PAGE = {
    **dict.fromkeys(CLASS_ROLES, 200),
    "anonymous": 302,
    "own_learner": 403,
    "other_learner": 403,
}
# A session's roster: as the API's /sessions/{id}/attendance (MANAGES_THE_CLASS), anonymous to sign in,
# every learner refused by their role.
ROSTER_PAGE = {**MANAGES_THE_CLASS, "anonymous": 302, "other_learner": 403}


def started_today(training_class, *, hours_ago: int = 1):
    """A session of the class that started `hours_ago` hours ago (so that it may be marked)."""
    starts = timezone.now().replace(microsecond=0) - datetime.timedelta(hours=hours_ago)
    return ClassSessionFactory(
        training_class=training_class, starts_at=starts, ends_at=starts + datetime.timedelta(hours=2)
    )


def roster_form(response) -> dict:
    """The roster form's fields as the page presets them (every select's selected option)."""
    html = response.content.decode()
    fields = {}
    for name, body in re.findall(r'<select id="[^"]+" name="([^"]+)">(.*?)</select>', html, re.S):
        fields[name] = re.search(r'<option value="([^"]+)" selected>', body).group(1)
    return fields


# --- who may open the pages ------------------------------------------------------------------------


@by_role(SESSIONS_PAGE)
def test_the_sessions_page_by_role(world, user_of, role, expected):
    response = page_client(user_of(role)).get("/portal/trainer/")
    assert response.status_code == expected
    if expected == 302:
        assert response["Location"].startswith("/login/?next=/portal/trainer/")


@by_role(ROSTER_PAGE)
def test_the_roster_by_role(world, user_of, role, expected):
    url = f"/portal/trainer/sessions/{world.session.pk}/"
    response = page_client(user_of(role)).get(url)
    assert response.status_code == expected
    if expected == 302:
        assert response["Location"].startswith(f"/login/?next={url}")
    # The API answers the same roles the same way (anonymous: 401 there).
    api = client_as(user_of(role)).get(f"/api/v1/sessions/{world.session.pk}/attendance")
    assert api.status_code == (401 if expected == 302 else expected)


@by_role(ROSTER_PAGE)
def test_saving_a_roster_by_role(world, user_of, role, expected):
    session = started_today(world.training_class)
    response = page_client(user_of(role)).post(
        f"/portal/trainer/sessions/{session.pk}/", {f"status-{world.enrollment.pk}": "absent"}
    )
    assert response.status_code == (302 if expected == 200 else expected)
    saved = Attendance.objects.filter(session=session, enrollment=world.enrollment).first()
    if expected == 200:
        assert response["Location"] == f"/portal/trainer/sessions/{session.pk}/"
        assert saved.status == AttendanceStatus.ABSENT
    else:
        assert saved is None


def test_signing_in_leads_a_trainer_to_their_sessions(world, central_admin):
    client = Client(HTTP_ACCEPT_LANGUAGE="vi")
    response = client.post("/login/", {"username": world.trainer.username, "password": "pass-1234"})
    assert response.status_code == 302 and response["Location"] == "/portal/trainer/"
    assert client.get("/login/")["Location"] == "/portal/trainer/"
    admin = Client().post("/login/", {"username": central_admin.username, "password": "pass-1234"})
    assert admin["Location"] == "/dashboard/"
    assert (
        "Dành cho quản trị viên, giảng viên và học viên."
        in Client(HTTP_ACCEPT_LANGUAGE="vi").get("/login/").content.decode()
    )


def test_the_roster_is_a_post_with_csrf(world):
    client = Client(enforce_csrf_checks=True)
    client.force_login(world.trainer)
    response = client.post(f"/portal/trainer/sessions/{world.session.pk}/", {})
    assert response.status_code == 403


# --- the sessions ----------------------------------------------------------------------------------


def test_todays_and_upcoming_sessions_of_the_trainers_classes(world):
    today = started_today(world.training_class)
    later = ClassSessionFactory(
        training_class=world.training_class,
        starts_at=today.starts_at + datetime.timedelta(days=3),
        ends_at=today.starts_at + datetime.timedelta(days=3, hours=2),
    )
    past = ClassSessionFactory(
        training_class=world.training_class,
        starts_at=today.starts_at - datetime.timedelta(days=3),
        ends_at=today.starts_at - datetime.timedelta(days=3) + datetime.timedelta(hours=2),
    )
    others = started_today(world.other_class)
    html = page_client(world.trainer).get("/portal/trainer/").content.decode()
    today_part, upcoming_part = html.split('id="upcoming"')
    assert f'data-session="{today.pk}"' in today_part
    assert f'data-session="{later.pk}"' in upcoming_part
    assert f'data-session="{past.pk}"' not in html
    assert f'data-session="{others.pk}"' not in html
    assert f'href="/portal/trainer/sessions/{today.pk}/"' in html
    # The other province's admin sees the other class's session only.
    other = page_client(world.users["other_province_admin"]).get("/portal/trainer/").content.decode()
    assert f'data-session="{others.pk}"' in other and f'data-session="{today.pk}"' not in other
    # Admins find a link into their dashboard; trainers have none.
    assert 'href="/dashboard/"' in other and 'href="/dashboard/"' not in html


def test_the_sessions_page_in_english(world):
    started_today(world.training_class)
    text = text_of(page_client(world.trainer, "en").get("/portal/trainer/"))
    assert "My sessions" in text and "Today" in text and "Mark attendance" in text and "Điểm danh" not in text


# --- the roster ------------------------------------------------------------------------------------


@pytest.fixture
def roster(world):
    """The Thái Nguyên class with three more learners and a session started an hour ago."""
    for name in ["Phạm Thị Dung", "Hoàng Văn Em", "Vũ Thị Giang"]:
        EnrollmentFactory(
            training_class=world.training_class, learner=LearnerFactory(province=world.here, full_name=name)
        )
    world.training_class.capacity = 10
    world.training_class.save(update_fields=["capacity"])
    return started_today(world.training_class)


def test_everyone_is_preset_present_with_the_roster_level_of_personal_data(world, roster):
    response = page_client(world.trainer).get(f"/portal/trainer/sessions/{roster.pk}/")
    fields = roster_form(response)
    assert len(fields) == 4 and set(fields.values()) == {"present"}
    text = text_of(response)
    assert "Nguyễn Văn An" in text
    # A trainer reads the roster level: the identification number's last four digits only.
    assert world.learner.national_id not in text and "********" + world.learner.national_id[-4:] in text
    # The province's admin reads the full record.
    assert world.learner.national_id in text_of(
        page_client(world.users["province_admin"]).get(f"/portal/trainer/sessions/{roster.pk}/")
    )


def test_marking_several_learners_in_one_request(world, roster, django_assert_max_num_queries):
    client = page_client(world.trainer)
    url = f"/portal/trainer/sessions/{roster.pk}/"
    fields = roster_form(client.get(url))
    enrollments = sorted(int(name.split("-")[1]) for name in fields)
    fields[f"status-{enrollments[0]}"] = "absent"
    fields[f"status-{enrollments[1]}"] = "late"
    fields[f"status-{enrollments[2]}"] = "excused"
    response = client.post(url, fields, follow=True)
    assert response.redirect_chain == [(url, 302)]
    text = text_of(response)
    assert "Đã lưu điểm danh" in text and "4 bản ghi mới" in text
    # The API shows the records saved.
    sheet = client_as(world.trainer).get(f"/api/v1/sessions/{roster.pk}/attendance").json()["results"]
    by_enrollment = {row["enrollment"]: row for row in sheet}
    assert by_enrollment[enrollments[0]]["status"] == "absent"
    assert by_enrollment[enrollments[1]]["status"] == "late"
    assert by_enrollment[enrollments[2]]["status"] == "excused"
    assert by_enrollment[enrollments[3]]["status"] == "present"
    assert by_enrollment[enrollments[3]]["minutes"] == roster.planned_minutes
    assert {row["source"] for row in sheet} == {"trainer"}
    # The page now presets each learner's record; saving it unchanged writes nothing.
    again = client.get(url)
    assert roster_form(again) == fields
    assert "Không có thay đổi nào để lưu." in text_of(client.post(url, fields, follow=True))


def test_a_record_left_as_it_was_keeps_its_minutes(world, roster):
    Attendance.objects.create(
        enrollment=world.enrollment, session=roster, status=AttendanceStatus.PRESENT, minutes=95
    )
    client = page_client(world.trainer)
    url = f"/portal/trainer/sessions/{roster.pk}/"
    client.post(url, roster_form(client.get(url)))
    assert Attendance.objects.get(enrollment=world.enrollment, session=roster).minutes == 95


def test_a_learner_who_withdrew_after_attending_keeps_their_record_unmarkable(world, roster):
    """As on the API's sheet: on the roster with their record, shown as words, not a select; names
    and numbers are escaped."""
    Attendance.objects.create(
        enrollment=world.enrollment, session=roster, status=AttendanceStatus.ABSENT, minutes=0
    )
    world.enrollment.status = EnrollmentStatus.WITHDRAWN
    world.enrollment.save(update_fields=["status"])
    world.learner.full_name = "Nguyễn <b>Văn</b> An"
    world.learner.save(update_fields=["full_name"])
    client = page_client(world.trainer)
    url = f"/portal/trainer/sessions/{roster.pk}/"
    response = client.get(url)
    html = response.content.decode()
    assert f'name="status-{world.enrollment.pk}"' not in html and len(roster_form(response)) == 3
    row = re.search(
        rf'<li class="roster-row" data-enrollment="{world.enrollment.pk}">(.*?)</li>', html
    ).group(1)
    assert "Nguyễn &lt;b&gt;Văn&lt;/b&gt; An" in row and "<b>" not in row
    assert "Đã rút · Vắng" in row
    # Saving the others leaves the withdrawn learner's record as it was.
    client.post(url, roster_form(response))
    assert (
        Attendance.objects.get(enrollment=world.enrollment, session=roster).status == AttendanceStatus.ABSENT
    )


def test_the_services_refusals_are_messages(world, roster):
    client = page_client(world.trainer)
    not_started = started_today(world.training_class, hours_ago=-5)
    url = f"/portal/trainer/sessions/{not_started.pk}/"
    response = client.post(url, roster_form(client.get(url)), follow=True)
    assert response.status_code == 200
    assert "chưa có dữ liệu nào được ghi" in text_of(response)
    assert not Attendance.objects.filter(session=not_started).exists()
    # A closed class: the trainer is refused, as by the API.
    world.training_class.status = ClassStatus.CLOSED
    world.training_class.save(update_fields=["status"])
    url = f"/portal/trainer/sessions/{roster.pk}/"
    response = client.post(url, roster_form(client.get(url)), follow=True)
    assert response.status_code == 200 and 'class="message error"' in response.content.decode()
    assert not Attendance.objects.filter(session=roster).exists()
    # An admin of its scope gives a reason.
    admin = page_client(world.users["province_admin"])
    fields = roster_form(admin.get(url))
    assert 'name="reason"' in admin.get(url).content.decode()
    admin.post(url, {**fields, "reason": "Sửa sau khi khoá sổ"})
    assert Attendance.objects.filter(session=roster).count() == 4


def test_an_unknown_status_is_a_message(world, roster):
    url = f"/portal/trainer/sessions/{roster.pk}/"
    response = page_client(world.trainer).post(url, {f"status-{world.enrollment.pk}": "asleep"}, follow=True)
    assert "Trạng thái không hợp lệ" in text_of(response)
    assert not Attendance.objects.filter(session=roster).exists()


@pytest.mark.parametrize("size", [2, 200])
def test_the_roster_runs_a_bounded_number_of_queries(world, size, django_assert_max_num_queries):
    training_class = TrainingClassFactory(
        trainers=[world.trainer], province=world.here, capacity=None, mode="online"
    )
    session = started_today(training_class)
    for _ in range(size):
        EnrollmentFactory(training_class=training_class, learner=LearnerFactory(province=world.here))
    client = page_client(world.trainer)
    url = f"/portal/trainer/sessions/{session.pk}/"
    with django_assert_max_num_queries(8):
        response = client.get(url)
    fields = roster_form(response)
    assert len(fields) == size
    fields = dict.fromkeys(fields, "absent")
    with django_assert_max_num_queries(40):
        client.post(url, fields)
    assert Attendance.objects.filter(session=session, status=AttendanceStatus.ABSENT).count() == size


def test_a_roster_of_more_than_a_thousand_learners_is_saved(world):
    """One field per learner: past Django's default of 1,000 fields a form would be refused."""
    training_class = TrainingClassFactory(
        trainers=[world.trainer], province=world.here, capacity=None, mode="online"
    )
    session = started_today(training_class)
    learners = LearnerFactory.create_batch(1100, province=world.here)
    Enrollment.objects.bulk_create(
        [
            Enrollment(training_class=training_class, learner=learner, status=EnrollmentStatus.ENROLLED)
            for learner in learners
        ]
    )
    client = page_client(world.trainer)
    url = f"/portal/trainer/sessions/{session.pk}/"
    fields = roster_form(client.get(url))
    assert len(fields) == 1100
    assert client.post(url, fields).status_code == 302
    assert Attendance.objects.filter(session=session, status=AttendanceStatus.PRESENT).count() == 1100


# --- in a real browser -------------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_the_trainers_path_in_headless_chromium(
    live_server, capsys, province_admin, other_province_admin, central_admin
):
    """Sign in as a trainer, open today's session, mark one learner absent, save, at 360 px."""
    world = build_world(
        province_admin=province_admin, other_province_admin=other_province_admin, central_admin=central_admin
    )
    EnrollmentFactory(
        training_class=world.training_class,
        learner=LearnerFactory(province=world.here, full_name="Nguyễn Thị Hoàng Phương Thảo"),
    )
    session = started_today(world.training_class)
    shots = {}

    def shoot(tools, name):
        shots[name] = screenshot(tools, f"portal-trainer-{name}.png")

    def load(tools, action):
        tools.evaluate(action)
        tools.wait_for("Page.loadEventFired")

    with browser_page(base_url=live_server.url) as tools:
        tools.call(
            "Emulation.setDeviceMetricsOverride", width=360, height=740, deviceScaleFactor=1, mobile=True
        )
        tools.call("Page.navigate", url=f"{live_server.url}/login/")
        tools.wait_for("Page.loadEventFired")
        load(
            tools,
            f"document.querySelector('#id_username').value = '{world.trainer.username}';"
            "document.querySelector('#id_password').value = 'pass-1234';"
            "document.querySelector('form[action=\"/login/\"]').submit();",
        )
        landed = tools.evaluate("location.pathname")
        sessions_text = tools.evaluate("document.body.innerText")
        shoot(tools, "sessions")
        load(tools, f"document.querySelector('[data-session=\"{session.pk}\"] a').click();")
        roster_location = tools.evaluate("location.pathname")
        select_height = tools.evaluate(
            "document.querySelector('.roster-row select').getBoundingClientRect().height"
        )
        button_height = tools.evaluate("document.querySelector('button.save').getBoundingClientRect().height")
        load(
            tools,
            f"document.querySelector('#status-{world.enrollment.pk}').value = 'absent';"
            "document.querySelector('button.save').click();",
        )
        saved_text = tools.evaluate("document.body.innerText")
        overflow = tools.evaluate("document.documentElement.scrollWidth")
        shoot(tools, "roster")
    with capsys.disabled():
        print("\ntrainer screenshots: " + ", ".join(str(path) for path in shots.values()))

    assert landed == "/portal/trainer/", f"not signed in: landed on {landed}"
    assert "Hôm nay" in sessions_text and world.training_class.title in sessions_text
    assert roster_location == f"/portal/trainer/sessions/{session.pk}/"
    assert select_height >= 44 and button_height >= 44
    assert "Đã lưu điểm danh" in saved_text
    assert overflow <= 360, "the page is wider than a 360 px phone"
    records = dict(Attendance.objects.filter(session=session).values_list("enrollment_id", "status"))
    assert records[world.enrollment.pk] == AttendanceStatus.ABSENT
    assert len(records) == 2 and AttendanceStatus.PRESENT in records.values()
    assert all(path.stat().st_size > 5_000 for path in shots.values())
