"""The admins' dashboard: access, figures and filters through Django's test client, and the page
as a real headless Chromium renders it (a live server, a session cookie set over the DevTools
protocol, the page's text read back and a screenshot kept in test-artifacts/dashboard.png).

The browser is driven as tests.browser says (under CI it fails, never skips, without Chromium).
"""

from __future__ import annotations

import base64
import re

import pytest
from django.test import Client

from courses.models import Level
from tests.browser import ARTIFACTS, browser_page
from tests.reporting.report_world import build_world, vietnamese_default
from tests.roles import by_role


@pytest.fixture(autouse=True)
def _vietnamese_site():
    with vietnamese_default():
        yield


def browser_client(user) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="vi")
    if user is not None:
        client.force_login(user)
    return client


def page(client, world, **params) -> str:
    params.setdefault("programme", world.programme.pk)
    response = client.get("/dashboard/", params)
    assert response.status_code == 200, response.content[:500]
    return response.content.decode()


def text_of(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


# --- access --------------------------------------------------------------------------------------


def test_anonymous_visitors_are_sent_to_the_login_page(db):
    response = Client().get("/dashboard/")
    assert response.status_code == 302
    assert response["Location"].startswith("/login/?next=/dashboard/")
    login = Client(HTTP_ACCEPT_LANGUAGE="vi").get("/login/")
    assert login.status_code == 200
    assert "Đăng nhập" in login.content.decode()


def test_logging_in_leads_to_the_dashboard(world, central_admin):
    client = Client(HTTP_ACCEPT_LANGUAGE="vi")
    response = client.post("/login/", {"username": central_admin.username, "password": "pass-1234"})
    assert response.status_code == 302 and response["Location"] == "/dashboard/"
    assert "Tiến độ bồi dưỡng so với chỉ tiêu" in page(client, world)
    bad = Client().post("/login/", {"username": central_admin.username, "password": "wrong"})
    assert bad.status_code == 200


@by_role({"learner": 403, "trainer": 403})
def test_learners_and_trainers_are_refused(world, user_of, role, expected):
    response = browser_client(user_of(role)).get("/dashboard/")
    assert response.status_code == expected
    assert "Không có quyền truy cập" in response.content.decode()


# --- figures and filters -----------------------------------------------------------------------


def test_the_national_dashboard(world, central_admin):
    html = page(browser_client(central_admin), world)
    text = text_of(html)
    assert 'data-national-achieved="6"' in html
    assert "Toàn quốc" in text and "Bộ Nội vụ" in text
    assert "10,0 %" in text  # 6 of 60, Vietnamese decimal comma
    assert len(re.findall(r"data-province-bar ", html)) == 34
    assert re.search(r'data-code="01" data-achieved="3"', html)
    assert re.search(r'data-code="19" data-achieved="3"', html)
    assert re.findall(r'<g data-year="(\d+)" data-achieved="(\d+)"', html) == [
        ("2021", "0"),
        ("2022", "0"),
        ("2023", "3"),
        ("2024", "3"),
        ("2025", "0"),
    ]
    assert "403.183" in text  # the 2010-2015 baseline beside the live figures
    assert "Số liệu tính lúc" in text
    assert f"/api/v1/reports/summary/export.csv?programme={world.programme.pk}" in html
    assert "/api/v1/reports/breakdown/export.xlsx?" in html


def test_filters_by_level_and_curriculum(world, central_admin):
    client = browser_client(central_admin)
    html = page(client, world, level=Level.CENTRAL)
    assert 'data-national-achieved="3"' in html
    assert re.search(r'data-code="19" data-achieved="0"', html)
    html = page(client, world, curriculum=world.curriculum_b.pk)
    assert 'data-national-achieved="2"' in html
    assert re.search(r'data-code="19" data-achieved="2"', html)
    assert f"curriculum={world.curriculum_b.pk}" in html
    # A curriculum of no class of the programme is not a choice: the filter is ignored.
    html = page(client, world, curriculum=999999, level=Level.PROVINCIAL)
    assert 'data-national-achieved="3"' in html
    assert 'class="errors"' in html


def test_a_central_admin_picks_a_province(world, central_admin):
    html = page(browser_client(central_admin), world, province=world.thai_nguyen.pk)
    assert 'data-national-achieved="3"' in html
    assert "Sở Nội vụ tỉnh Thái Nguyên" in text_of(html)


def test_a_provincial_admin_sees_their_province(world, province_admin):
    html = page(browser_client(province_admin), world, province=world.hanoi.pk)  # ignored
    text = text_of(html)
    assert 'data-national-achieved="3"' in html
    assert "Sở Nội vụ tỉnh Thái Nguyên" in text
    # Their bars are the units their province is made of, Bắc Kạn included.
    assert len(re.findall(r"data-province-bar ", html)) == 2
    assert "Tỉnh Bắc Kạn" in text
    assert "Thành phố Hà Nội" not in text


def test_the_page_in_english(world, central_admin):
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(central_admin)
    text = text_of(page(client, world))
    assert "Progress against the targets" in text
    assert "10.0 %" in text


# --- in a real browser -------------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_the_dashboard_in_headless_chromium(live_server, central_admin, capsys):
    world = build_world()
    client = Client()
    client.force_login(central_admin)
    session = client.cookies["sessionid"].value
    address = f"{live_server.url}/dashboard/?programme={world.programme.pk}"

    ARTIFACTS.mkdir(exist_ok=True)
    screenshot = ARTIFACTS / "dashboard.png"
    with browser_page(base_url=live_server.url, session=session) as tools:
        tools.call("Page.navigate", url=address)
        tools.wait_for("Page.loadEventFired")
        location = tools.evaluate("location.pathname")
        text = tools.evaluate("document.body.innerText")
        bars = tools.evaluate("document.querySelectorAll('[data-province-bar]').length")
        national = tools.evaluate(
            "document.querySelector('[data-national-achieved]').dataset.nationalAchieved"
        )
        bar_width = tools.evaluate(
            "document.querySelector('[data-code=\"01\"] .bar-fill').getBoundingClientRect().width"
        )
        styled = tools.evaluate("getComputedStyle(document.querySelector('.bar-fill')).backgroundColor")
        shot = tools.call("Page.captureScreenshot", format="png", captureBeyondViewport=True)
    screenshot.write_bytes(base64.b64decode(shot["data"]))
    with capsys.disabled():
        print(f"\ndashboard screenshot: {screenshot}")

    assert location == "/dashboard/", f"not signed in: landed on {location}"
    assert "Tiến độ bồi dưỡng so với chỉ tiêu" in text
    assert national == "6"
    assert re.search(r"\b6\s*/\s*60 lượt", text), text[:800]
    assert "10,0 %" in text
    assert bars == 34
    assert "Thành phố Hà Nội" in text and "Thái Nguyên" in text and "Cà Mau" in text
    assert bar_width > 0  # the CSS bars are drawn: Hà Nội's has a width
    assert styled not in ("", "rgba(0, 0, 0, 0)")  # the stylesheet was served and applied
    assert screenshot.stat().st_size > 10_000
