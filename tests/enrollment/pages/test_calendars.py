"""Calendars in the portal: a class's .ics file for the people who may read the class, and a
learner's private feed that phone calendars subscribe to without signing in. The files are read back
with the icalendar library: their events, times in Asia/Ho_Chi_Minh, stable UIDs, statuses, and
Vietnamese text escaped as RFC 5545 wants it."""

from __future__ import annotations

import datetime
import re
from zoneinfo import ZoneInfo

import pytest
from django.test import Client
from django.utils import timezone
from icalendar import Calendar

from courses.models import Role, User
from enrollment.models import CalendarFeed, EnrollmentStatus
from tests.browser import as_phone, browser_page, load, screenshot, sign_in
from tests.class_world import build_world
from tests.enrollment.pages.page_helpers import page_client, text_of
from tests.factories import (
    ClassSessionFactory,
    EnrollmentFactory,
    TopicFactory,
    TrainingClassFactory,
    UserFactory,
)
from tests.roles import CLASS_ROLES, READS_THE_CLASS, by_role

pytestmark = pytest.mark.django_db

HANOI_TIME = ZoneInfo("Asia/Ho_Chi_Minh")
BASE = "https://daotao.example.vn"

# The class's file: whoever reads the class (the API's rule); anonymous visitors sent to sign in.
CLASS_FILE = {**READS_THE_CLASS, "anonymous": 302}
# The feed's page and its reset: learners only.
FEED_PAGE = {**dict.fromkeys(CLASS_ROLES, 403), "anonymous": 302, "own_learner": 200, "other_learner": 200}


@pytest.fixture(autouse=True)
def _public_address(settings):
    settings.PUBLIC_BASE_URL = BASE


def parsed(response) -> Calendar:
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    return Calendar.from_ical(response.content)


def events_of(calendar: Calendar) -> dict[str, object]:
    return {str(event["UID"]): event for event in calendar.walk("VEVENT")}


def uid(session) -> str:
    return f"session-{session.pk}@daotao.example.vn"


def upcoming(training_class, days=2, **kwargs):
    start = timezone.now().astimezone(HANOI_TIME).replace(hour=19, minute=30, second=0, microsecond=0)
    start += datetime.timedelta(days=days)
    return ClassSessionFactory(
        training_class=training_class, starts_at=start, ends_at=start + datetime.timedelta(hours=2), **kwargs
    )


def make_feed(user) -> str:
    """The learner makes their feed on the calendar page; the address it shows (https form)."""
    client = page_client(user)
    assert client.post("/portal/calendar/reset/").status_code == 302
    html = client.get("/portal/calendar/").content.decode()
    return re.search(r'id="feed-url"[^>]*value="([^"]+)"', html).group(1)


# --- who may download a class's file ---------------------------------------------------------------


@by_role(CLASS_FILE)
def test_a_class_file_by_role(world, user_of, role, expected):
    url = f"/portal/classes/{world.training_class.pk}/calendar.ics"
    response = page_client(user_of(role)).get(url)
    assert response.status_code == expected
    if expected == 302:
        assert response["Location"] == f"/login/?next={url}"
    if expected == 200:
        assert uid(world.session) in events_of(parsed(response))
        assert response["Content-Disposition"] == 'attachment; filename="tn-truc-tiep-1.ics"'


def test_a_learner_may_not_download_a_class_they_may_only_join(world):
    """The joiner sees the open class in their list, but its calendar is for its learners."""
    response = page_client(world.joiner.user).get(f"/portal/classes/{world.training_class.pk}/calendar.ics")
    assert response.status_code == 404


# --- what a class's file holds -----------------------------------------------------------------------


def test_a_class_file_reads_back_with_its_sessions_times_and_links(world):
    topic = TopicFactory(curriculum=world.curriculum, title_vi="Quản lý đất đai")
    later = upcoming(world.other_class, topic=topic, join_url="https://meet.example.vn/hn-2")
    response = page_client(world.other_learner.user).get(
        f"/portal/classes/{world.other_class.pk}/calendar.ics"
    )
    body = response.content
    assert body.endswith(b"\r\n") and b"\n" not in body.replace(b"\r\n", b"")
    calendar = parsed(response)
    assert str(calendar["X-WR-TIMEZONE"]) == "Asia/Ho_Chi_Minh"
    assert [str(zone["TZID"]) for zone in calendar.walk("VTIMEZONE")] == ["Asia/Ho_Chi_Minh"]
    events = events_of(calendar)
    assert set(events) == {uid(world.other_session), uid(later)}
    first = events[uid(world.other_session)]
    # The factory's session: 08:00 to 10:00 Hà Nội time on the class's first day.
    assert first.decoded("DTSTART") == datetime.datetime(2026, 9, 1, 8, 0, tzinfo=HANOI_TIME)
    assert first.decoded("DTEND") == datetime.datetime(2026, 9, 1, 10, 0, tzinfo=HANOI_TIME)
    assert first["DTSTART"].params["TZID"] == "Asia/Ho_Chi_Minh"
    assert b"DTSTART;TZID=Asia/Ho_Chi_Minh:20260901T080000" in body
    event = events[uid(later)]
    assert event.decoded("DTSTART") == later.starts_at
    assert str(event["SUMMARY"]) == f"{later.title} · {world.other_class.title}"
    assert str(event["STATUS"]) == "CONFIRMED"
    assert str(event["URL"]) == "https://meet.example.vn/hn-2"
    description = str(event["DESCRIPTION"])
    assert "Link học trực tuyến: https://meet.example.vn/hn-2" in description
    assert "Chuyên đề: Quản lý đất đai" in description
    assert f"Điểm danh: {BASE}/portal/sessions/{later.pk}/" in description
    # Downloaded again: the same UIDs, so a calendar updates its events instead of adding copies.
    again = page_client(world.other_learner.user).get(f"/portal/classes/{world.other_class.pk}/calendar.ics")
    assert set(events_of(parsed(again))) == set(events)


def test_vietnamese_text_is_escaped_and_folded(world):
    session = upcoming(
        world.other_class,
        title="Chuyên đề 3, phần 2; ôn tập: quản lý nhà nước về đất đai, xây dựng, đô thị và môi trường cấp xã",
        location="Hội trường UBND xã, tầng 2;\nphòng họp số 1",
    )
    response = page_client(world.other_learner.user).get(
        f"/portal/classes/{world.other_class.pk}/calendar.ics"
    )
    body = response.content
    # RFC 5545: lines of at most 75 octets, continued by CRLF and a space, never inside a character.
    assert all(len(line) <= 75 for line in body.split(b"\r\n"))
    unfolded = body.replace(b"\r\n ", b"").decode("utf-8")
    assert "SUMMARY:Chuyên đề 3\\, phần 2\\; ôn tập: quản lý nhà nước về đất đai\\, xây dựng\\," in unfolded
    assert "LOCATION:Hội trường UBND xã\\, tầng 2\\;\\nphòng họp số 1" in unfolded
    event = events_of(parsed(response))[uid(session)]
    assert str(event["SUMMARY"]) == f"{session.title} · {world.other_class.title}"
    assert str(event["LOCATION"]) == "Hội trường UBND xã, tầng 2;\nphòng họp số 1"


def test_a_waitlisted_learner_has_tentative_sessions_without_the_join_link(world):
    """The join link is shown where the API shows it: to learners who hold a seat."""
    world.other_enrollment.status = EnrollmentStatus.WAITLISTED
    world.other_enrollment.save(update_fields=["status"])
    response = page_client(world.other_learner.user).get(
        f"/portal/classes/{world.other_class.pk}/calendar.ics"
    )
    event = events_of(parsed(response))[uid(world.other_session)]
    assert str(event["STATUS"]) == "TENTATIVE"
    assert "URL" not in event and b"meet.example.vn" not in response.content


def test_a_withdrawn_learners_file_cancels_the_sessions(world):
    """Imported again after leaving the class, the file takes its sessions out of the calendar."""
    world.other_enrollment.status = EnrollmentStatus.WITHDRAWN
    world.other_enrollment.save(update_fields=["status"])
    response = page_client(world.other_learner.user).get(
        f"/portal/classes/{world.other_class.pk}/calendar.ics"
    )
    events = events_of(parsed(response))
    assert [str(event["STATUS"]) for event in events.values()] == ["CANCELLED"]


def test_a_trainers_file_has_the_join_links_and_no_learner_pages(world):
    response = page_client(world.other_trainer).get(f"/portal/classes/{world.other_class.pk}/calendar.ics")
    event = events_of(parsed(response))[uid(world.other_session)]
    assert str(event["URL"]) == world.other_session.join_url
    assert "Điểm danh:" not in str(event["DESCRIPTION"])


def test_a_class_file_runs_a_bounded_number_of_queries(world, django_assert_max_num_queries):
    for day in range(20):
        upcoming(world.other_class, days=day + 1)
    client = page_client(world.other_learner.user)
    with django_assert_max_num_queries(9):
        response = client.get(f"/portal/classes/{world.other_class.pk}/calendar.ics")
    assert len(events_of(parsed(response))) == 21


# --- the feed's page ---------------------------------------------------------------------------------


@by_role(FEED_PAGE)
def test_the_calendar_page_by_role(world, user_of, role, expected):
    response = page_client(user_of(role)).get("/portal/calendar/")
    assert response.status_code == expected
    if expected == 302:
        assert response["Location"] == "/login/?next=/portal/calendar/"


@by_role(FEED_PAGE)
def test_making_a_feed_by_role(world, user_of, role, expected):
    response = page_client(user_of(role)).post("/portal/calendar/reset/")
    if expected == 200:
        assert response.status_code == 302 and response["Location"] == "/portal/calendar/"
        assert CalendarFeed.objects.filter(learner__user=user_of(role)).count() == 1
    else:
        assert response.status_code == expected
        assert not CalendarFeed.objects.exists()


def test_making_a_feed_is_a_post_with_csrf(world):
    client = page_client(world.learner.user, enforce_csrf_checks=True)
    assert client.get("/portal/calendar/reset/").status_code == 405
    assert client.post("/portal/calendar/reset/").status_code == 403
    assert not CalendarFeed.objects.exists()


def test_the_page_gives_the_feed_in_both_forms(world):
    client = page_client(world.learner.user)
    first = text_of(client.get("/portal/calendar/"))
    assert "Tạo đường dẫn lịch học" in first and "webcal://" not in first
    response = client.post("/portal/calendar/reset/", follow=True)
    assert "Đã tạo đường dẫn lịch học của bạn." in text_of(response)
    token = CalendarFeed.objects.get(learner=world.learner).token
    html = response.content.decode()
    assert f'value="{BASE}/portal/calendar/{token}.ics"' in html
    assert f'href="webcal://daotao.example.vn/portal/calendar/{token}.ics"' in html
    assert "https://calendar.google.com/calendar/render?cid=webcal%3A%2F%2Fdaotao.example.vn" in html
    # Each class's file and curriculum are linked from the page.
    assert f'href="/portal/classes/{world.training_class.pk}/calendar.ics"' in html
    assert f'href="/portal/classes/{world.training_class.pk}/curriculum/"' in html


def test_my_classes_and_my_sessions_link_to_the_calendars(world):
    client = page_client(world.learner.user)
    classes = client.get("/portal/").content.decode()
    assert 'href="/portal/calendar/"' in classes
    assert f'href="/portal/classes/{world.training_class.pk}/calendar.ics"' in classes
    assert 'href="/portal/calendar/"' in client.get("/portal/sessions/").content.decode()


# --- the feed ------------------------------------------------------------------------------------


def test_the_feed_opens_without_a_session_and_holds_only_my_classes(world):
    mine = upcoming(world.other_class, join_url="https://meet.example.vn/cua-toi")
    theirs = upcoming(world.training_class)
    long_ago = ClassSessionFactory(
        training_class=world.other_class,
        starts_at=timezone.now() - datetime.timedelta(days=90),
        ends_at=timezone.now() - datetime.timedelta(days=90) + datetime.timedelta(hours=2),
    )
    recent = ClassSessionFactory(
        training_class=world.other_class,
        starts_at=timezone.now() - datetime.timedelta(days=3),
        ends_at=timezone.now() - datetime.timedelta(days=3) + datetime.timedelta(hours=2),
    )
    address = make_feed(world.other_learner.user)
    assert address.startswith(f"{BASE}/portal/calendar/")
    response = Client().get(address.removeprefix(BASE))  # a calendar app: no cookie
    assert response.status_code == 200
    assert response["Cache-Control"].startswith("max-age=0")
    calendar = parsed(response)
    assert str(calendar["X-WR-CALNAME"]) == f"Lịch học của {world.other_learner.full_name}"
    events = events_of(calendar)
    assert set(events) == {uid(mine), uid(recent)}
    assert uid(theirs) not in events and uid(long_ago) not in events
    assert str(events[uid(mine)]["URL"]) == "https://meet.example.vn/cua-toi"
    assert events[uid(mine)].decoded("DTSTART") == mine.starts_at
    assert events[uid(mine)].decoded("DTSTART").tzinfo.key == "Asia/Ho_Chi_Minh"


def test_the_feed_follows_the_learners_classes(world):
    """A session deleted, or a class left, is no longer in the feed: the next refresh drops it."""
    session = upcoming(world.other_class)
    waiting = TrainingClassFactory(curriculum=world.curriculum)
    EnrollmentFactory(learner=world.other_learner, training_class=waiting, status=EnrollmentStatus.WAITLISTED)
    waiting_session = upcoming(waiting)
    path = make_feed(world.other_learner.user).removeprefix(BASE)
    events = events_of(parsed(Client().get(path)))
    assert str(events[uid(session)]["STATUS"]) == "CONFIRMED"
    assert str(events[uid(waiting_session)]["STATUS"]) == "TENTATIVE"
    assert "URL" not in events[uid(waiting_session)]
    session.delete()
    world.other_enrollment.status = EnrollmentStatus.WITHDRAWN
    world.other_enrollment.save(update_fields=["status"])
    assert set(events_of(parsed(Client().get(path)))) == {uid(waiting_session)}


def test_resetting_the_feed_closes_the_old_address(world):
    old = make_feed(world.learner.user).removeprefix(BASE)
    assert Client().get(old).status_code == 200
    response = page_client(world.learner.user).post("/portal/calendar/reset/", follow=True)
    assert "đường dẫn cũ không còn dùng được" in text_of(response)
    new = CalendarFeed.objects.get(learner=world.learner).token
    assert Client().get(old).status_code == 404
    assert Client().get(f"/portal/calendar/{new}.ics").status_code == 200
    assert CalendarFeed.objects.count() == 1


@pytest.mark.parametrize(
    "change", [{"is_active": False}, {"role": Role.TRAINER}], ids=["deactivated", "no-longer-a-learner"]
)
def test_the_feed_closes_with_the_account(world, change):
    path = make_feed(world.learner.user).removeprefix(BASE)
    assert Client().get(path).status_code == 200
    User.objects.filter(pk=world.learner.user.pk).update(**change)
    assert Client().get(path).status_code == 404


@pytest.mark.parametrize(
    "token",
    [
        "nothing",
        "A" * 59,
        "A" * 5000,
        "%00" * 59,
        "A" * 58 + "%00",
        "đ" * 59,
        "%F0%9F%93%85" * 59,
        "..%2F..%2Fetc",
        "%ff%fe" * 30,
    ],
    ids=["short", "unknown", "very-long", "nul", "nul-at-end", "unicode", "emoji", "slashes", "bad-utf8"],
)
def test_hostile_tokens_are_404(world, token):
    make_feed(world.learner.user)
    response = Client().get(f"/portal/calendar/{token}.ics")
    assert response.status_code == 404


def test_the_right_key_with_a_wrong_secret_is_404(world):
    token = CalendarFeed.objects.get(pk=_feed_pk(world)).token
    wrong = token[:16] + ("B" if token[16] != "B" else "C") + token[17:]
    assert Client().get(f"/portal/calendar/{wrong}.ics").status_code == 404
    assert Client().get(f"/portal/calendar/{token}.ics").status_code == 200
    assert Client().get(f"/portal/calendar/{token.swapcase()}.ics").status_code == 404


def _feed_pk(world) -> int:
    make_feed(world.learner.user)
    return CalendarFeed.objects.get(learner=world.learner).pk


@pytest.mark.parametrize("count", [1, 8])
def test_the_feed_runs_a_bounded_number_of_queries(world, django_assert_max_num_queries, count):
    for _ in range(count):
        training_class = TrainingClassFactory(curriculum=world.curriculum)
        EnrollmentFactory(learner=world.other_learner, training_class=training_class)
        for day in range(3):
            upcoming(training_class, days=day + 1, topic=TopicFactory(curriculum=world.curriculum))
    path = make_feed(world.other_learner.user).removeprefix(BASE)
    with django_assert_max_num_queries(3):
        response = Client().get(path)
    assert len(events_of(parsed(response))) == 3 * count


def test_the_calendar_page_runs_a_bounded_number_of_queries(world, django_assert_max_num_queries):
    for _ in range(6):
        EnrollmentFactory(
            learner=world.learner, training_class=TrainingClassFactory(curriculum=world.curriculum)
        )
    client = page_client(world.learner.user)
    client.post("/portal/calendar/reset/")
    with django_assert_max_num_queries(8):
        assert client.get("/portal/calendar/").status_code == 200


def test_the_calendar_page_in_english_is_complete(world):
    client = page_client(world.learner.user, "en")
    client.post("/portal/calendar/reset/")
    text = text_of(client.get("/portal/calendar/"))
    for data in (world.learner.full_name, world.training_class.title, "Tiếng Việt"):
        text = text.replace(data, "")
    assert "Calendar on your phone" in text
    leftovers = re.findall(
        r"\w*[àáảãạăằắẳẵặâầấẩẫậđèéẻẽẹêềếểễệìíỉĩịòóỏõọôồốổỗộơờớởỡợùúủũụưừứửữựỳýỷỹỵ]\w*", text, re.I
    )
    assert leftovers == []


# --- in a real browser -------------------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_the_calendar_page_in_headless_chromium(
    live_server, settings, capsys, province_admin, other_province_admin, central_admin
):
    """My classes → Calendar on your phone → make the address; the address shown opens the feed with
    no cookie. Screenshot at 360 px: test-artifacts/portal-calendar.png."""
    world = build_world(
        province_admin=province_admin, other_province_admin=other_province_admin, central_admin=central_admin
    )
    settings.PUBLIC_BASE_URL = live_server.url
    session = upcoming(world.other_class, title="Buổi học tối thứ năm")
    with browser_page(base_url=live_server.url) as tools:
        as_phone(tools)
        tools.call("Page.navigate", url=f"{live_server.url}/login/")
        tools.wait_for("Page.loadEventFired")
        sign_in(tools, world.other_learner.national_id, "pass-1234")
        load(tools, "document.querySelector('a[href=\"/portal/calendar/\"]').click();")
        before = tools.evaluate("document.body.innerText")
        load(tools, "document.querySelector('#make-feed').click();")
        text = tools.evaluate("document.body.innerText")
        address = tools.evaluate("document.querySelector('#feed-url').value")
        webcal = tools.evaluate("document.querySelector('#add-webcal').getAttribute('href')")
        overflow = tools.evaluate("document.documentElement.scrollWidth")
        shot = screenshot(tools, "portal-calendar.png")
    with capsys.disabled():
        print(f"\nportal screenshot: {shot}")
    assert "Tạo đường dẫn lịch học" in before
    assert "Đã tạo đường dẫn lịch học của bạn." in text and "Lịch trực tuyến Hà Nội" not in text
    assert world.other_class.title in text
    assert webcal == "webcal://" + address.split("://", 1)[1]
    response = Client().get(address.removeprefix(live_server.url))
    assert uid_at(session, live_server.url) in events_of(parsed(response))
    assert overflow <= 360, "the calendar page is wider than a 360 px phone"
    assert shot.stat().st_size > 5_000


def uid_at(session, base: str) -> str:
    host = base.split("://", 1)[1].split(":")[0].split("/")[0]
    return f"session-{session.pk}@{host}"


def test_the_admin_lists_feeds_without_their_address(client, world):
    token = make_feed(world.learner.user).removeprefix(f"{BASE}/portal/calendar/").removesuffix(".ics")
    feed = CalendarFeed.objects.get(learner=world.learner)
    client.force_login(UserFactory(is_superuser=True, is_staff=True))
    for url in ("/admin/enrollment/calendarfeed/", f"/admin/enrollment/calendarfeed/{feed.pk}/change/"):
        page = client.get(url).content.decode()
        assert world.learner.full_name in page
        assert feed.key not in page and feed.secret not in page and token not in page
