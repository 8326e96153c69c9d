"""The admins' dashboard: access, figures and filters through Django's test client, and the page
as a real headless Chromium renders it (a live server, a session cookie set over the DevTools
protocol, the page's text read back and a screenshot kept in test-artifacts/dashboard.png).

The browser is driven as tests.browser says (under CI it fails, never skips, without Chromium).
"""

from __future__ import annotations

import base64
import json
import re

import pytest
from django.test import Client

from courses.models import Curriculum, Level, Position, Programme, Province
from reporting.models import Target
from tests.browser import ARTIFACTS, as_phone, browser_page
from tests.browser import screenshot as screenshot_to
from tests.reporting.conftest import make_class, province
from tests.reporting.report_world import build_world, completed, rebuild_world, vietnamese_default
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
        markers = tools.evaluate("document.querySelectorAll('[data-target-marker]').length")
        tables = tools.evaluate("document.querySelectorAll('[data-breakdown]').length")
        shot = tools.call("Page.captureScreenshot", format="png", captureBeyondViewport=True)

        # On a phone, with a national share too small for one decimal (6 of 15,000: 0.04 %).
        Target.objects.filter(programme=world.programme, level=Level.CENTRAL, province=None).update(
            target_luot=14_960
        )
        rebuild_world(world)
        as_phone(tools)
        tools.call("Page.navigate", url=address)
        tools.wait_for("Page.loadEventFired")
        phone = tools.evaluate(
            """JSON.stringify({
              text: document.body.innerText,
              fill: document.querySelector('[data-progress-fill]').getBoundingClientRect().width,
              page: document.documentElement.scrollWidth,
              tables: [...document.querySelectorAll('[data-breakdown]')].map(
                t => t.getBoundingClientRect().right),
              bar: document.querySelector('[data-code="01"]').getBoundingClientRect().right,
              marker: document.querySelector('[data-code="01"] [data-target-marker]').getBoundingClientRect().width,
            })"""
        )
        phone_shot = screenshot_to(tools, "dashboard-360.png")
    screenshot.write_bytes(base64.b64decode(shot["data"]))
    with capsys.disabled():
        print(f"\ndashboard screenshots: {screenshot}, {phone_shot}")

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
    assert markers == 2  # Hà Nội's and Thái Nguyên's targets
    assert tables == 4

    phone = json.loads(phone)
    assert "0,04 %" in phone["text"]
    assert phone["fill"] >= 2  # 0.04 % of the bar still shows
    assert "chỉ tiêu: 15" in phone["text"]
    assert phone["marker"] > 0
    # Readable at 360 px: the breakdowns and the bars within the screen.
    assert all(right <= 360 for right in phone["tables"]), phone["tables"]
    assert phone["bar"] <= 360
    assert phone["page"] <= 360  # nothing widens the page: wide tables scroll in their card


# --- breakdowns, targets, precision, English (issue 15) ----------------------------------------

BREAKDOWN_ROW = re.compile(
    r'<tr data-key="([^"]*)" data-achieved="(\d+)">\s*<th scope="row">([^<]*)</th>', re.S
)


def breakdown_rows(html: str, dimension: str) -> list[tuple[str, int]]:
    """(label, lượt) of each row of the page's breakdown table by `dimension`."""
    found = re.search(
        rf'<table class="figures compact" data-breakdown="{dimension}">(.*?)</table>', html, re.S
    )
    assert found, f"no table by {dimension}"
    return [
        (html_unescape(label), int(achieved)) for _key, achieved, label in BREAKDOWN_ROW.findall(found[1])
    ]


def html_unescape(value: str) -> str:
    import html

    return html.unescape(value).strip()


@pytest.mark.parametrize("dimension", ["position", "gender", "ethnic_minority", "region"])
def test_the_breakdowns_on_the_page_are_the_exports(world, central_admin, dimension):
    from tests.reporting.files.test_exports import column, csv_rows, table

    client = browser_client(central_admin)
    html = page(client, world)
    exported = client.get(
        "/api/v1/reports/breakdown/export.csv", {"programme": world.programme.pk, "dimension": dimension}
    )
    assert exported.status_code == 200
    headings, body, totals = table(csv_rows(exported.content))
    achieved = column(headings, "Đã thực hiện (lượt)")
    assert breakdown_rows(html, dimension) == [(row[1], int(row[achieved])) for row in body]
    total = re.search(rf'data-breakdown="{dimension}">.*?data-total="(\d+)"', html, re.S)[1]
    assert int(total) == int(totals[achieved]) == 6


def test_the_breakdowns_show_who_completed(world, central_admin):
    html = page(browser_client(central_admin), world)
    assert breakdown_rows(html, "gender") == [("Nam", 3), ("Nữ", 3)]
    assert breakdown_rows(html, "ethnic_minority") == [
        ("Người dân tộc thiểu số", 2),
        ("Người không thuộc dân tộc thiểu số", 4),
    ]
    assert breakdown_rows(html, "position") == [(world.chair.name_vi, 2), ("Chưa xác định chức danh", 4)]
    assert "33,3 %" in text_of(html) and "66,6 %" in text_of(html)  # shares truncated, as rates are


def test_a_province_has_no_region_table_and_a_curriculum_no_breakdowns(world, province_admin, central_admin):
    html = page(browser_client(province_admin), world)
    assert re.findall(r'data-breakdown="(\w+)"', html) == ["position", "gender", "ethnic_minority"]
    assert breakdown_rows(html, "gender") == [("Nam", 1), ("Nữ", 2)]
    html = page(browser_client(central_admin), world, curriculum=world.curriculum_b.pk)
    assert "data-breakdown=" not in html
    assert "data-breakdowns-none" in html


def test_a_target_marker_on_each_province_bar_with_a_target(world, central_admin):
    html = page(browser_client(central_admin), world)
    bars = dict(re.findall(r'data-code="(\d+)" data-achieved="\d+">(.*?)</li>', html, re.S))
    assert 'data-target-marker="15"' in bars["01"]
    assert "chỉ tiêu: 15" in text_of(bars["01"])  # the marker's words, beside the bar
    assert 'data-target-marker="12"' in bars["19"] and "chỉ tiêu: 12" in text_of(bars["19"])
    # No target, no marker and no words about one.
    assert "data-target-marker" not in bars["04"] and "chỉ tiêu" not in text_of(bars["04"])
    assert sum("data-target-marker" in bar for bar in bars.values()) == 2


PERCENT = re.compile(r"(\d[\d.]*,\d+|\d[\d.]*) %")


def test_a_small_share_shows_its_hundredths_and_every_percentage_follows_the_rule(world, central_admin):
    # 6 of 15,000: 0.04 %, which one decimal would write as nothing.
    Target.objects.filter(programme=world.programme, level=Level.CENTRAL, province=None).update(
        target_luot=14_960
    )
    rebuild_world(world)
    html = page(browser_client(central_admin), world)
    assert re.search(r"data-rate>0,04 %<", html)
    assert 'aria-label="0,04 %"' in html
    assert 'class="progress-fill some"' in html
    text = text_of(html)
    assert "0,02 %" in text  # central: 3 of 14,960
    shown = PERCENT.findall(text)
    assert shown
    for value in shown:
        # One decimal; two only under 1 % (reporting.rules.figures.percent_shown).
        whole, _comma, decimals = value.partition(",")
        assert len(decimals) == (2 if whole == "0" and decimals != "0" else 1), value


def test_an_empty_bar_is_drawn_empty(world, central_admin):
    html = page(browser_client(central_admin), world)
    assert re.search(r'data-code="04" data-achieved="0">.*?class="bar-fill" style', html, re.S)
    assert re.search(r'data-code="01" data-achieved="3">.*?class="bar-fill some" style', html, re.S)


VIETNAMESE_LETTER = re.compile(r"[À-ỹĐđ]")


def data_words(world, user) -> list[str]:
    """Names and data the page shows as stored (they have no English): provinces, programmes,
    curricula, positions without an English name, the reader's name, the language's own name and
    the domain's unit, lượt."""
    words = [
        *Province.objects.values_list("name", flat=True),
        *Programme.objects.values_list("title_vi", flat=True),
        *Programme.objects.values_list("decision_number", flat=True),
        *Curriculum.objects.values_list("title_vi", flat=True),
        *Position.objects.filter(name_en="").values_list("name_vi", flat=True),
        str(user),
        user.get_full_name(),
        user.first_name,
        user.last_name,
        "Tiếng Việt",
        "lượt",
        "Lượt",
    ]
    return sorted({w for w in words if w}, key=len, reverse=True)


@pytest.mark.parametrize("who", ["central", "province"])
def test_every_label_is_in_english_when_english_is_chosen(world, central_admin, province_admin, who):
    user = central_admin if who == "central" else province_admin
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(user)
    html = page(client, world)
    text = html_unescape(text_of(html))
    assert "Results by position, gender, ethnicity and region" in text
    assert "Male" in text and "Female" in text and "Not an ethnic minority" in text
    if who == "central":  # the chairs learnt in Hà Nội
        assert world.chair.name_en and world.chair.name_en in text  # a position's English name
    for word in data_words(world, user):
        text = text.replace(word, " ")
    assert not VIETNAMESE_LETTER.search(text), [
        text[max(m.start() - 40, 0) : m.end() + 40] for m in VIETNAMESE_LETTER.finditer(text)
    ][:5]


def test_the_dashboards_queries_are_bounded(
    world, central_admin, province_admin, django_assert_max_num_queries
):
    """The breakdowns add one query each (four), the English position names one: a constant
    number of queries, whatever the number of classes or provinces with figures."""
    counts = {}
    for user, language in ((central_admin, "vi"), (central_admin, "en"), (province_admin, "vi")):
        client = Client(HTTP_ACCEPT_LANGUAGE=language)
        client.force_login(user)
        with django_assert_max_num_queries(29) as captured:
            page(client, world)
        counts[user.pk, language] = len(captured)
    # More provinces and classes with figures: no more queries.
    cao_bang = province("04")
    completed(
        make_class(programme=world.programme, province=cao_bang, level=Level.PROVINCIAL), 2, gender="male"
    )
    rebuild_world(world, cao_bang)
    client = Client(HTTP_ACCEPT_LANGUAGE="vi")
    client.force_login(central_admin)
    with django_assert_max_num_queries(29) as captured:
        html = page(client, world)
    assert 'data-national-achieved="8"' in html
    assert len(captured) == counts[central_admin.pk, "vi"]
