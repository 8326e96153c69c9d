"""A learner's sessions in the portal (/portal/sessions/): who may open them, what a learner reads
(upcoming sessions with their join links, their attendance per session), checking in and out of an
online session and its heartbeat through the services the API calls, in a bounded number of queries."""

from __future__ import annotations

import datetime
import re

import pytest
from django.utils import timezone

from enrollment.models import Attendance, AttendanceStatus, EnrollmentStatus, PresenceInterval
from tests.browser import as_phone, browser_page, load, screenshot, sign_in
from tests.class_world import build_world
from tests.enrollment.pages.page_helpers import page_client, text_of
from tests.factories import ClassSessionFactory, EnrollmentFactory, TrainingClassFactory
from tests.roles import CLASS_ROLES, by_role, client_as

pytestmark = pytest.mark.django_db

# Learners open their own sessions; other roles are refused, anonymous visitors sent to sign in.
MY_SESSIONS = {**dict.fromkeys(CLASS_ROLES, 403), "anonymous": 302, "own_learner": 200, "other_learner": 200}
# A session of the Thái Nguyên class: its learner reads it, the other class's learner finds nothing.
A_SESSION = {**MY_SESSIONS, "other_learner": 404}


def session_now(training_class, **kwargs):
    """A session of the class that started ten minutes ago: check-in is open."""
    now = timezone.now()
    return ClassSessionFactory(
        training_class=training_class,
        starts_at=now - datetime.timedelta(minutes=10),
        ends_at=now + datetime.timedelta(minutes=110),
        planned_minutes=120,
        **kwargs,
    )


# --- who may open the pages ------------------------------------------------------------------------


@by_role(MY_SESSIONS)
def test_my_sessions_by_role(world, user_of, role, expected):
    response = page_client(user_of(role)).get("/portal/sessions/")
    assert response.status_code == expected
    if expected == 302:
        assert response["Location"] == "/login/?next=/portal/sessions/"


@by_role(A_SESSION)
def test_a_session_page_by_role(world, user_of, role, expected):
    response = page_client(user_of(role)).get(f"/portal/sessions/{world.session.pk}/")
    assert response.status_code == expected
    if expected == 302:
        assert response["Location"] == f"/login/?next=/portal/sessions/{world.session.pk}/"


@pytest.mark.parametrize("action", ["check-in", "check-out"])
@by_role(A_SESSION)
def test_checking_in_and_out_by_role(world, user_of, role, expected, action):
    """Only the class's learner reaches the service, which refuses an in-person session: a message."""
    response = page_client(user_of(role)).post(f"/portal/sessions/{world.session.pk}/{action}/")
    if expected == 200:
        assert response.status_code == 302
        assert response["Location"] == f"/portal/sessions/{world.session.pk}/"
    else:
        assert response.status_code == expected
    assert not PresenceInterval.objects.exists()
    assert not Attendance.objects.exists()


@by_role({**A_SESSION, "own_learner": 400})
def test_the_heartbeat_by_role(world, user_of, role, expected):
    """The service's answers as the API gives them: 400 outside the window, 404 another class's session."""
    response = page_client(user_of(role)).post(f"/portal/sessions/{world.session.pk}/heartbeat/")
    assert response.status_code == expected
    if expected == 400:
        assert response.json()["code"] == "outside_window"


def test_the_buttons_are_posts_with_csrf(world):
    session = session_now(world.other_class)
    client = page_client(world.other_learner.user, enforce_csrf_checks=True)
    for action in ("check-in", "check-out", "heartbeat"):
        assert client.get(f"/portal/sessions/{session.pk}/{action}/").status_code == 405
        assert client.post(f"/portal/sessions/{session.pk}/{action}/").status_code == 403
    assert not PresenceInterval.objects.exists()


def test_an_unknown_session_is_404(world):
    client = page_client(world.learner.user)
    assert client.get("/portal/sessions/999999/").status_code == 404
    assert client.post("/portal/sessions/999999/check-in/").status_code == 404
    assert client.post("/portal/sessions/999999/heartbeat/").status_code == 404


# --- what a learner reads --------------------------------------------------------------------------


def test_my_classes_links_to_my_sessions(world):
    assert 'href="/portal/sessions/"' in page_client(world.learner.user).get("/portal/").content.decode()


def test_upcoming_sessions_with_their_join_link_and_past_ones_with_my_record(world):
    online = world.other_class
    now = timezone.now()
    upcoming = ClassSessionFactory(
        training_class=online,
        title="Buổi sắp tới",
        starts_at=now + datetime.timedelta(days=2),
        ends_at=now + datetime.timedelta(days=2, hours=2),
        join_url="https://meet.example.vn/sap-toi",
    )
    past = ClassSessionFactory(
        training_class=online,
        title="Buổi đã qua",
        starts_at=now - datetime.timedelta(days=2),
        ends_at=now - datetime.timedelta(days=2) + datetime.timedelta(hours=2),
    )
    Attendance.objects.create(
        enrollment=world.other_enrollment, session=past, status=AttendanceStatus.LATE, minutes=100
    )
    response = page_client(world.other_learner.user).get("/portal/sessions/")
    html = response.content.decode()
    assert 'href="https://meet.example.vn/sap-toi"' in html
    assert f'data-session="{upcoming.pk}"' in html and f'data-session="{past.pk}"' not in html
    row = re.search(rf'data-attended="{past.pk}">(.*?)</li>', html, re.S).group(1)
    assert "Đi muộn" in row and "100 phút" in row
    assert f'data-attended="{upcoming.pk}"' not in html
    # The other learner's class only: not the Thái Nguyên class's session.
    assert (
        f'data-session="{world.session.pk}"' not in html and f'data-attended="{world.session.pk}"' not in html
    )


@pytest.mark.parametrize("count", [1, 6])
def test_my_sessions_runs_a_bounded_number_of_queries(world, django_assert_max_num_queries, count):
    now = timezone.now()
    for day in range(count):
        training_class = TrainingClassFactory(curriculum=world.curriculum)
        enrollment = EnrollmentFactory(learner=world.learner, training_class=training_class)
        past = ClassSessionFactory(
            training_class=training_class,
            starts_at=now - datetime.timedelta(days=day + 1),
            ends_at=now - datetime.timedelta(days=day + 1) + datetime.timedelta(hours=2),
        )
        Attendance.objects.create(
            enrollment=enrollment, session=past, status=AttendanceStatus.PRESENT, minutes=120
        )
        ClassSessionFactory(
            training_class=training_class,
            starts_at=now + datetime.timedelta(days=day + 1),
            ends_at=now + datetime.timedelta(days=day + 1, hours=2),
        )
    client = page_client(world.learner.user)
    with django_assert_max_num_queries(8):
        response = client.get("/portal/sessions/")
    assert response.status_code == 200
    assert response.content.decode().count("data-session=") >= count


def test_a_session_page_runs_a_bounded_number_of_queries(world, django_assert_max_num_queries):
    session = session_now(world.other_class)
    client = page_client(world.other_learner.user)
    client.post(f"/portal/sessions/{session.pk}/check-in/")
    with django_assert_max_num_queries(8):
        assert client.get(f"/portal/sessions/{session.pk}/").status_code == 200


# --- checking in, the heartbeat and checking out ---------------------------------------------------


def test_check_in_heartbeat_and_check_out_through_the_pages(world):
    """The record the pages write is the one the API shows, written by the same services."""
    session = session_now(world.other_class)
    client = page_client(world.other_learner.user)
    page = client.get(f"/portal/sessions/{session.pk}/").content.decode()
    assert 'id="check-out" disabled' in page and "heartbeat.js" not in page

    response = client.post(f"/portal/sessions/{session.pk}/check-in/", follow=True)
    assert response.redirect_chain == [(f"/portal/sessions/{session.pk}/", 302)]
    html = response.content.decode()
    assert "Bạn đã điểm danh vào buổi học." in text_of(response)
    assert f'data-heartbeat="/portal/sessions/{session.pk}/heartbeat/"' in html
    assert "/static/portal/heartbeat.js" in html
    interval = PresenceInterval.objects.get(session=session)
    assert interval.left_at is None

    assert client.post(f"/portal/sessions/{session.pk}/heartbeat/").status_code == 204
    seen = PresenceInterval.objects.get(pk=interval.pk).last_seen_at
    assert seen >= interval.last_seen_at

    response = client.post(f"/portal/sessions/{session.pk}/check-out/", follow=True)
    assert "Bạn đã điểm danh ra khỏi buổi học." in text_of(response)
    assert PresenceInterval.objects.get(pk=interval.pk).left_at is not None
    # Not checked in any more: the heartbeat is refused as the API refuses it.
    refused = client.post(f"/portal/sessions/{session.pk}/heartbeat/")
    assert refused.status_code == 400 and refused.json()["code"] == "not_checked_in"

    record = Attendance.objects.get(session=session, enrollment=world.other_enrollment)
    rows = client_as(world.other_learner.user).get("/api/v1/me/attendance").json()["results"]
    mine = next(row for row in rows if row["id"] == session.pk)
    assert (mine["my_attendance_id"], mine["my_status"], mine["my_minutes"], mine["my_source"]) == (
        record.pk,
        record.status,
        record.minutes,
        "check_in",
    )
    # The page shows the same record.
    assert record.get_status_display() in text_of(client.get(f"/portal/sessions/{session.pk}/"))


def test_the_services_refusals_are_messages(world):
    """Outside the window, not online, not checked in: a message on the session's page, never a 500."""
    client = page_client(world.other_learner.user)
    later = ClassSessionFactory(
        training_class=world.other_class,
        starts_at=timezone.now() + datetime.timedelta(days=3),
        ends_at=timezone.now() + datetime.timedelta(days=3, hours=2),
    )
    response = client.post(f"/portal/sessions/{later.pk}/check-in/", follow=True)
    assert response.status_code == 200 and "Chỉ điểm danh vào được từ" in text_of(response)
    response = client.post(f"/portal/sessions/{later.pk}/check-out/", follow=True)
    assert "Bạn chưa điểm danh vào buổi học này." in text_of(response)

    in_person = page_client(world.learner.user)
    response = in_person.post(f"/portal/sessions/{world.session.pk}/check-in/", follow=True)
    assert "Buổi học này học trực tiếp: giảng viên điểm danh tại lớp." in text_of(response)
    assert 'class="message error"' in response.content.decode()


def test_a_waitlisted_learner_cannot_check_in(world):
    world.other_enrollment.status = EnrollmentStatus.WAITLISTED
    world.other_enrollment.save(update_fields=["status"])
    session = session_now(world.other_class)
    client = page_client(world.other_learner.user)
    response = client.post(f"/portal/sessions/{session.pk}/check-in/", follow=True)
    # The service finds no seat in the class (the API's 404): a message, nothing recorded.
    assert response.status_code == 200
    assert "Bạn không học lớp của buổi học này." in text_of(response)
    assert not PresenceInterval.objects.exists()


def test_the_pages_in_english_are_complete(world):
    """Every string of the pages is translated: what remains in Vietnamese is the data (titles, names)."""
    session = session_now(world.other_class, title="Session now")
    upcoming = ClassSessionFactory(
        training_class=world.other_class,
        title="Later session",
        starts_at=timezone.now() + datetime.timedelta(days=1),
        ends_at=timezone.now() + datetime.timedelta(days=1, hours=2),
    )
    client = page_client(world.other_learner.user, "en")
    client.post(f"/portal/sessions/{session.pk}/check-in/")
    for url in (
        "/portal/",
        "/portal/sessions/",
        f"/portal/sessions/{session.pk}/",
        f"/portal/sessions/{upcoming.pk}/",
    ):
        text = re.sub(r"Buổi \d+", "", text_of(client.get(url)))  # the factory's session titles
        for data in (
            world.other_learner.full_name,
            world.other_class.title,
            world.curriculum.title_vi,
            "Tiếng Việt",
        ):
            text = text.replace(data, "")
        leftovers = re.findall(
            r"\w*[àáảãạăằắẳẵặâầấẩẫậđèéẻẽẹêềếểễệìíỉĩịòóỏõọôồốổỗộơờớởỡợùúủũụưừứửữựỳýỷỹỵ]\w*", text, re.I
        )
        assert leftovers == [], (url, leftovers)
    assert "My sessions" in text_of(client.get("/portal/sessions/"))


# --- in a real browser -------------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_checking_in_in_headless_chromium(
    live_server, capsys, province_admin, other_province_admin, central_admin
):
    """My classes → My sessions → the session starting now → check in; the page's script sends the
    heartbeat at once (204). Screenshots at 360 px: test-artifacts/portal-sessions.png, portal-session.png."""
    world = build_world(
        province_admin=province_admin, other_province_admin=other_province_admin, central_admin=central_admin
    )
    learner = world.other_learner
    session = ClassSessionFactory(
        training_class=world.other_class,
        title="Buổi học trực tuyến hôm nay",
        starts_at=timezone.now() + datetime.timedelta(minutes=5),
        ends_at=timezone.now() + datetime.timedelta(hours=2),
        join_url="https://meet.example.vn/hom-nay",
    )
    shots = {}

    def shoot(tools, name):
        shots[name] = screenshot(tools, f"portal-{name}.png")

    with browser_page(base_url=live_server.url) as tools:
        as_phone(tools)
        tools.call("Page.navigate", url=f"{live_server.url}/login/")
        tools.wait_for("Page.loadEventFired")
        sign_in(tools, learner.national_id, "pass-1234")
        assert tools.evaluate("location.pathname") == "/portal/"
        load(tools, "document.querySelector('a[href=\"/portal/sessions/\"]').click();")
        sessions_text = tools.evaluate("document.body.innerText")
        sessions_overflow = tools.evaluate("document.documentElement.scrollWidth")
        shoot(tools, "sessions")
        load(tools, f"document.querySelector('[data-session=\"{session.pk}\"] h3 a').click();")
        page_location = tools.evaluate("location.pathname")
        load(tools, "document.querySelector('#check-in').click();")
        checked_in_text = tools.evaluate("document.body.innerText")
        deadline = timezone.now() + datetime.timedelta(seconds=10)
        beat = None
        while timezone.now() < deadline and beat is None:
            beat = tools.evaluate("document.querySelector('#presence').getAttribute('data-last-beat')")
        overflow = tools.evaluate("document.documentElement.scrollWidth")
        check_out_enabled = tools.evaluate("!document.querySelector('#check-out').disabled")
        shoot(tools, "session")
    with capsys.disabled():
        print("\nportal screenshots: " + ", ".join(str(path) for path in shots.values()))

    assert "Buổi học sắp tới" in sessions_text and session.title in sessions_text
    assert "https://meet.example.vn/hom-nay" in sessions_text
    assert page_location == f"/portal/sessions/{session.pk}/"
    assert "Bạn đã điểm danh vào buổi học." in checked_in_text
    assert beat == "204", f"the heartbeat was answered {beat}"
    assert check_out_enabled
    assert overflow <= 360, "the page is wider than a 360 px phone"
    assert PresenceInterval.objects.filter(
        session=session, enrollment=world.other_enrollment, left_at=None
    ).exists()
    assert sessions_overflow <= 360, "My sessions is wider than a 360 px phone"
    assert all(path.stat().st_size > 5_000 for path in shots.values())
