"""The learners' portal (/portal/): who may open its pages, what a learner reads of their own
classes and progress, joining an open class through the service the API calls, and the path as a
real headless Chromium at 360 px renders it (screenshots in test-artifacts/portal-*.png)."""

from __future__ import annotations

import re

import pytest
from django.test import Client

from courses.models import Position, Province
from enrollment.models import Attendance, AttendanceStatus, Enrollment, EnrollmentStatus
from enrollment.selectors.learners import learner_class_progress
from tests.browser import as_phone, browser_page, load, screenshot, sign_in
from tests.class_world import build_world
from tests.enrollment.pages.page_helpers import page_client, text_of
from tests.factories import (
    ClassSessionFactory,
    CurriculumFactory,
    EnrollmentFactory,
    TrainingClassFactory,
)
from tests.roles import CLASS_ROLES, by_role

# Learners open their own portal; every other role is refused, anonymous visitors sent to sign in.
PORTAL = {
    **dict.fromkeys(CLASS_ROLES, 403),
    "anonymous": 302,
    "own_learner": 200,
    "other_learner": 200,
}


def join(client, training_class):
    return client.post(f"/portal/classes/{training_class.pk}/join/", follow=True)


# --- who may open the pages ------------------------------------------------------------------------


@by_role(PORTAL)
def test_my_classes_by_role(world, user_of, role, expected):
    response = page_client(user_of(role)).get("/portal/")
    assert response.status_code == expected
    if expected == 302:
        assert response["Location"] == "/login/?next=/portal/"
    if expected == 403:
        assert "Không có quyền truy cập" in response.content.decode()


@by_role(PORTAL)
def test_joining_by_role(world, user_of, role, expected):
    """Only a learner reaches the service; the others are refused before it, nothing is stored."""
    before = Enrollment.objects.count()
    response = page_client(user_of(role)).post(f"/portal/classes/{world.training_class.pk}/join/")
    if expected == 200:
        # Both learners of the world are refused by the service (already enrolled; another
        # province): a message on My classes, never an error page.
        assert response.status_code == 302 and response["Location"] == "/portal/"
    else:
        assert response.status_code == expected
    if expected == 302:
        assert response["Location"].startswith("/login/?next=/portal/classes/")
    assert Enrollment.objects.count() == before


def test_joining_is_a_post_with_csrf(world):
    client = Client(enforce_csrf_checks=True)
    client.force_login(world.joiner.user)
    assert client.get(f"/portal/classes/{world.training_class.pk}/join/").status_code == 405
    assert client.post(f"/portal/classes/{world.training_class.pk}/join/").status_code == 403
    assert not Enrollment.objects.filter(learner=world.joiner).exists()


def test_joining_an_unknown_class_is_404(world):
    assert page_client(world.joiner.user).post("/portal/classes/999999/join/").status_code == 404


def test_signing_in_leads_a_learner_to_the_portal(world, central_admin):
    client = Client(HTTP_ACCEPT_LANGUAGE="vi")
    response = client.post("/login/", {"username": world.learner.national_id, "password": "pass-1234"})
    assert response.status_code == 302 and response["Location"] == "/portal/"
    assert client.get("/portal/").status_code == 200
    # Already signed in, the sign-in page sends them on too; admins still go to the dashboard.
    assert client.get("/login/")["Location"] == "/portal/"
    admin = Client().post("/login/", {"username": central_admin.username, "password": "pass-1234"})
    assert admin["Location"] == "/dashboard/"
    trainer = Client().post("/login/", {"username": world.trainer.username, "password": "pass-1234"})
    assert trainer["Location"] == "/portal/trainer/"


# --- what a learner reads --------------------------------------------------------------------------


def test_a_learner_reads_their_own_classes_only(world):
    own = text_of(page_client(world.learner.user).get("/portal/"))
    assert world.training_class.title in own
    assert world.other_class.title not in own
    other = text_of(page_client(world.other_learner.user).get("/portal/"))
    assert world.other_class.title in other
    assert world.training_class.title not in other  # neither theirs nor open to them (Hà Nội)


def test_progress_against_the_rule(world):
    second = ClassSessionFactory(training_class=world.training_class)
    Attendance.objects.create(
        enrollment=world.enrollment, session=world.session, status=AttendanceStatus.PRESENT, minutes=120
    )
    Attendance.objects.create(
        enrollment=world.enrollment, session=second, status=AttendanceStatus.ABSENT, minutes=0
    )
    progress = learner_class_progress(world.enrollment)
    assert not progress["meets_requirement"] and progress["remaining_minutes"] > 0
    text = text_of(page_client(world.learner.user).get("/portal/"))
    assert f"{progress['credited_minutes']} / {progress['required_minutes']} phút yêu cầu" in text
    assert f"Còn {progress['remaining_minutes']} phút học để đạt yêu cầu." in text
    assert "1 / 2 buổi đã diễn ra (2 buổi theo kế hoạch)" in text
    assert "Đã ghi danh" in text

    english = text_of(page_client(world.learner.user, "en").get("/portal/"))
    assert "My classes" in english
    assert f"{progress['remaining_minutes']} more minutes of study to pass." in english


def test_the_open_classes_a_learner_may_join(world):
    another_province = TrainingClassFactory(province=Province.objects.current().get(code="01"))
    other_position = Position.objects.exclude(pk=world.position.pk).first()
    not_for_them = TrainingClassFactory(curriculum=CurriculumFactory(positions=[other_position]))
    text = text_of(page_client(world.joiner.user).get("/portal/"))
    assert "Bạn chưa đăng ký lớp nào." in text
    assert world.training_class.title in text
    assert another_province.title not in text and not_for_them.title not in text
    # Enrolled already: not offered again.
    assert "Hiện không có lớp nào đang mở đăng ký cho bạn." in text_of(
        page_client(world.learner.user).get("/portal/")
    )


def test_joining_an_open_class(world):
    response = join(page_client(world.joiner.user), world.training_class)
    assert response.redirect_chain == [("/portal/", 302)]
    enrollment = Enrollment.objects.get(learner=world.joiner, training_class=world.training_class)
    assert enrollment.status == EnrollmentStatus.ENROLLED
    text = text_of(response)
    assert f"Bạn đã đăng ký lớp “{world.training_class.title}” (Đã ghi danh)." in text
    assert "Hiện không có lớp nào đang mở đăng ký cho bạn." in text


def test_the_services_refusal_is_a_message(world):
    response = join(page_client(world.other_learner.user), world.training_class)
    assert response.status_code == 200
    assert "Lớp không tổ chức tại tỉnh của bạn." in text_of(response)
    again = join(page_client(world.learner.user, "en"), world.training_class)
    assert again.status_code == 200 and 'class="message error"' in again.content.decode()


@pytest.mark.parametrize("count", [1, 6])
def test_my_classes_runs_a_bounded_number_of_queries(world, django_assert_max_num_queries, count):
    for _ in range(count):
        training_class = TrainingClassFactory(curriculum=CurriculumFactory(positions=[world.position]))
        session = ClassSessionFactory(training_class=training_class)
        enrollment = EnrollmentFactory(learner=world.learner, training_class=training_class)
        Attendance.objects.create(
            enrollment=enrollment, session=session, status=AttendanceStatus.PRESENT, minutes=60
        )
        TrainingClassFactory(curriculum=CurriculumFactory(positions=[world.position]))  # open to join
    client = page_client(world.learner.user)
    # 10: the page's 9, and the learner's training hours by year (one GROUP BY).
    with django_assert_max_num_queries(10):
        response = client.get("/portal/")
    assert response.status_code == 200
    assert response.content.decode().count("data-class=") == count + 1
    assert response.content.decode().count("data-open-class=") == count


# --- in a real browser -------------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_the_learners_path_in_headless_chromium(
    live_server, capsys, province_admin, other_province_admin, central_admin
):
    """Sign in with the identification number, read My classes, join the open class, see it there."""
    world = build_world(
        province_admin=province_admin, other_province_admin=other_province_admin, central_admin=central_admin
    )
    joiner = world.joiner
    EnrollmentFactory(learner=joiner, training_class=TrainingClassFactory(curriculum=world.curriculum))
    shots = {}

    def shoot(tools, name):
        shots[name] = screenshot(tools, f"portal-{name}.png")

    with browser_page(base_url=live_server.url) as tools:
        as_phone(tools)
        tools.call("Page.navigate", url=f"{live_server.url}/portal/")
        tools.wait_for("Page.loadEventFired")
        assert tools.evaluate("location.pathname") == "/login/"
        shoot(tools, "login")
        sign_in(tools, joiner.national_id, "pass-1234")
        location = tools.evaluate("location.pathname")
        before = tools.evaluate("document.body.innerText")
        lang = tools.evaluate("document.documentElement.lang")
        overflow = tools.evaluate("document.documentElement.scrollWidth")
        shoot(tools, "my-classes")
        load(
            tools,
            f"document.querySelector('[data-open-class=\"{world.training_class.code}\"] form').submit();",
        )
        after_location = tools.evaluate("location.pathname")
        after = tools.evaluate("document.body.innerText")
        enrolled = tools.evaluate(f"!!document.querySelector('[data-class=\"{world.training_class.code}\"]')")
        styled = tools.evaluate("getComputedStyle(document.querySelector('.fill')).backgroundColor")
        shoot(tools, "joined")
    with capsys.disabled():
        print("\nportal screenshots: " + ", ".join(str(path) for path in shots.values()))

    assert location == "/portal/", f"not signed in: landed on {location}"
    assert lang == "vi"
    assert "Lớp học của tôi" in before and "Lớp đang mở đăng ký dành cho bạn" in before
    assert world.training_class.title in before
    assert "Lớp chưa có lịch học." in before  # the class joined earlier has no sessions yet
    assert overflow <= 360, "the page is wider than a 360 px phone"
    assert after_location == "/portal/"
    assert f"Bạn đã đăng ký lớp “{world.training_class.title}”" in after
    assert enrolled
    assert styled not in ("", "rgba(0, 0, 0, 0)")  # the stylesheet was served and applied
    assert Enrollment.objects.filter(learner=joiner, training_class=world.training_class).exists()
    assert all(path.stat().st_size > 5_000 for path in shots.values())


def test_a_learner_account_without_a_learner_record(world, learner):
    """A learner's account not linked to a record reads nothing and is told whom to ask."""
    client = page_client(learner)
    text = text_of(client.get("/portal/"))
    assert "Tài khoản của bạn chưa gắn với hồ sơ học viên." in text
    assert world.training_class.title not in text
    refused = text_of(join(client, world.training_class))
    assert "Chỉ học viên mới tự đăng ký vào lớp." in refused


def test_the_page_in_english_is_complete(world):
    """Every string of the page is translated: what remains in Vietnamese is the data (names, titles)."""
    ClassSessionFactory(training_class=world.training_class)
    TrainingClassFactory(curriculum=world.curriculum, title="Open class")
    client = page_client(world.learner.user, "en")
    text = text_of(client.get("/portal/"))
    for data in (
        world.learner.full_name,
        world.training_class.title,
        world.curriculum.title_vi,
        "Tiếng Việt",
    ):
        text = text.replace(data, "")
    leftovers = re.findall(
        r"\w*[àáảãạăằắẳẵặâầấẩẫậđèéẻẽẹêềếểễệìíỉĩịòóỏõọôồốổỗộơờớởỡợùúủũụưừứửữựỳýỷỹỵ]\w*", text, re.I
    )
    assert leftovers == [], leftovers
    assert "Open classes you may join" in text and "Join this class" in text
