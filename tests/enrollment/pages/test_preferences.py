"""The learner's email preferences (/portal/preferences/ and /api/v1/me/preferences): who may
open them, turning session reminders off and on through the one service, and the page at 360 px
in a real headless Chromium (screenshot in test-artifacts/portal-preferences.png)."""

from __future__ import annotations

import re

import pytest
from django.test import Client

from enrollment.models import Learner
from tests.browser import as_phone, browser_page, load, screenshot, sign_in
from tests.class_world import build_world
from tests.enrollment.pages.page_helpers import page_client, text_of
from tests.roles import CLASS_ROLES, by_role, client_as

# Learners open their own preferences; every other role is refused, anonymous sent to sign in.
PAGE = {**dict.fromkeys(CLASS_ROLES, 403), "anonymous": 302, "own_learner": 200, "other_learner": 200}
# The API: a learner's own; 404 for an account without a learner record, as /me/learner.
API = {**dict.fromkeys(CLASS_ROLES, 404), "anonymous": 401, "own_learner": 200, "other_learner": 200}


def reminders_of(user) -> bool:
    return Learner.objects.get(user=user).reminders_enabled


@by_role(PAGE)
def test_the_page_by_role(world, user_of, role, expected):
    response = page_client(user_of(role)).get("/portal/preferences/")
    assert response.status_code == expected
    if expected == 302:
        assert response["Location"] == "/login/?next=/portal/preferences/"
    if expected == 200:
        assert 'name="reminders_enabled"' in response.content.decode()


@by_role(PAGE)
def test_saving_by_role(world, user_of, role, expected):
    """Only a learner reaches the service, and changes only their own record."""
    response = page_client(user_of(role)).post("/portal/preferences/", {})
    if expected == 200:
        assert response.status_code == 302 and response["Location"] == "/portal/preferences/"
    else:
        assert response.status_code == expected
    turned_off = set(Learner.objects.filter(reminders_enabled=False).values_list("user_id", flat=True))
    assert turned_off == ({user_of(role).pk} if expected == 200 else set())


def test_a_learner_turns_reminders_off_and_on(world, django_assert_max_num_queries):
    client = page_client(world.learner.user)
    with django_assert_max_num_queries(6):
        page = client.get("/portal/preferences/")
    assert re.search(r'name="reminders_enabled"[^>]* checked', page.content.decode())
    text = text_of(page)
    assert "Gửi email nhắc tôi trước mỗi buổi học" in text
    assert "Email xác nhận ghi danh (kèm lịch học) và email báo cấp giấy chứng nhận luôn được gửi" in text

    off = client.post("/portal/preferences/", {}, follow=True)
    assert "Đã tắt email nhắc lịch học." in text_of(off)
    assert not re.search(r'name="reminders_enabled"[^>]* checked', off.content.decode())
    assert reminders_of(world.learner.user) is False

    on = client.post("/portal/preferences/", {"reminders_enabled": "on"}, follow=True)
    assert "Đã bật email nhắc lịch học." in text_of(on)
    assert reminders_of(world.learner.user) is True


def test_the_page_says_when_no_address_is_on_record(world):
    world.learner.email = ""
    world.learner.save()
    text = text_of(page_client(world.learner.user).get("/portal/preferences/"))
    assert "Hồ sơ của bạn chưa có địa chỉ email" in text
    world.learner.email = "an@example.vn"
    world.learner.save()
    assert "Email được gửi tới: an@example.vn" in text_of(
        page_client(world.learner.user).get("/portal/preferences/")
    )


def test_my_classes_links_to_the_preferences(world):
    assert 'href="/portal/preferences/"' in page_client(world.learner.user).get("/portal/").content.decode()


def test_saving_is_a_post_with_csrf(world):
    client = Client(enforce_csrf_checks=True)
    client.force_login(world.learner.user)
    assert client.post("/portal/preferences/", {}).status_code == 403
    assert page_client(world.learner.user).put("/portal/preferences/").status_code == 405
    assert reminders_of(world.learner.user) is True


def test_a_learner_account_without_a_record_is_told_whom_to_ask(world, learner):
    client = page_client(learner)
    assert "chưa gắn với hồ sơ học viên" in text_of(client.get("/portal/preferences/"))
    assert client.post("/portal/preferences/", {}).status_code == 200


def test_the_page_in_english_is_complete(world):
    world.learner.email = "an@example.vn"
    world.learner.save()
    text = text_of(page_client(world.learner.user, "en").get("/portal/preferences/"))
    for data in (world.learner.full_name, "Tiếng Việt"):
        text = text.replace(data, "")
    leftovers = re.findall(
        r"\w*[àáảãạăằắẳẵặâầấẩẫậđèéẻẽẹêềếểễệìíỉĩịòóỏõọôồốổỗộơờớởỡợùúủũụưừứửữựỳýỷỹỵ]\w*", text, re.I
    )
    assert leftovers == [], leftovers
    assert "Email me a reminder before each session" in text


# --- the API ------------------------------------------------------------------------------------------


@by_role(API)
def test_the_api_by_role(world, user_of, role, expected):
    client = client_as(user_of(role))
    response = client.get("/api/v1/me/preferences")
    assert response.status_code == expected
    changed = client.patch("/api/v1/me/preferences", {"reminders_enabled": False}, format="json")
    assert changed.status_code == expected
    if expected == 200:
        assert response.json() == {"reminders_enabled": True}
        assert changed.json() == {"reminders_enabled": False}
        assert reminders_of(user_of(role)) is False
    else:
        assert not Learner.objects.filter(reminders_enabled=False).exists()


def test_the_api_refuses_a_bad_value_naming_the_field(world):
    client = client_as(world.learner.user)
    for body in ({}, {"reminders_enabled": "maybe"}, {"reminders_enabled": True, "email": "x@example.vn"}):
        response = client.patch("/api/v1/me/preferences", body, format="json")
        assert response.status_code == 400, body
        assert response.json()["errors"], body
    assert reminders_of(world.learner.user) is True


# --- in a real browser ----------------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_turning_reminders_off_in_headless_chromium(
    live_server, capsys, province_admin, other_province_admin, central_admin
):
    world = build_world(
        province_admin=province_admin, other_province_admin=other_province_admin, central_admin=central_admin
    )
    world.learner.email = "an.nguyen@example.vn"
    world.learner.save()
    with browser_page(base_url=live_server.url) as tools:
        as_phone(tools)
        tools.call("Page.navigate", url=f"{live_server.url}/portal/preferences/")
        tools.wait_for("Page.loadEventFired")
        sign_in(tools, world.learner.national_id, "pass-1234")
        location = tools.evaluate("location.pathname")
        was_checked = tools.evaluate("document.querySelector('#id_reminders_enabled').checked")
        # The label turns the box off, as a tap on it would.
        tools.evaluate("document.querySelector('label[for=\"id_reminders_enabled\"]').click()")
        load(tools, "document.querySelector('form.preferences').submit();")
        after = tools.evaluate("document.body.innerText")
        checked = tools.evaluate("document.querySelector('#id_reminders_enabled').checked")
        lang = tools.evaluate("document.documentElement.lang")
        overflow = tools.evaluate("document.documentElement.scrollWidth")
        box = tools.evaluate("document.querySelector('#id_reminders_enabled').getBoundingClientRect().width")
        shot = screenshot(tools, "portal-preferences.png")
    with capsys.disabled():
        print(f"\npreferences screenshot: {shot}")

    assert location == "/portal/preferences/", f"not signed in: landed on {location}"
    assert was_checked is True and checked is False
    assert "Đã tắt email nhắc lịch học." in after
    assert "Email được gửi tới: an.nguyen@example.vn" in after
    assert lang == "vi"
    assert overflow <= 360, "the page is wider than a 360 px phone"
    assert box >= 24, "the checkbox is too small to tap"
    assert reminders_of(world.learner.user) is False
    assert shot.stat().st_size > 5_000
