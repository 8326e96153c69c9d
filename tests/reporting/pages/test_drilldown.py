"""The dashboard's drill-down: the nation → a province's classes → a class's roster.

Through Django's test client: who may open each page (every role), the figures against the
report and roster APIs' for the same province and class, the personal data at the API's level,
paging, bounded queries, hostile addresses, English. The click path itself runs in a real headless
Chromium at 360 px and at desktop width, screenshots kept in test-artifacts/.
"""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import translation

from courses.models import ClassStatus, Level
from enrollment.models import LearnerDataAccess
from reporting.templatetags.figures import percent
from tests.browser import as_phone, browser_page, load, screenshot
from tests.factories import UserFactory
from tests.reporting.conftest import attend_all, enrol, make_class, recompute
from tests.reporting.report_world import build_world, vietnamese_default
from tests.roles import by_role, client_as

# Seen from Thái Nguyên's pages: its admin and the ministry read them; Hà Nội's admin finds no
# such province or class (404, as the report and roster APIs answer); learners and trainers get
# the dashboard's 403 page.
READS_THAI_NGUYEN = {
    "learner": 403,
    "trainer": 403,
    "province_admin": 200,
    "other_province_admin": 404,
    "central_admin": 200,
}


@pytest.fixture(autouse=True)
def _vietnamese_site():
    with vietnamese_default():
        yield


def page_client(user, language: str = "vi") -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE=language)
    if user is not None:
        client.force_login(user)
    return client


def text_of(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def get(user, address: str, language: str = "vi", **params) -> str:
    response = page_client(user, language).get(address, params)
    assert response.status_code == 200, response.content[:400]
    return response.content.decode()


def class_rows(html: str) -> list[tuple[int, int, int]]:
    """(class id, lượt, learners) of each row of a class list."""
    return [
        (int(pk), int(luot), int(enrolled))
        for pk, luot, enrolled in re.findall(
            r'data-class="(\d+)" data-luot="(\d+)" data-enrolled="(\d+)"', html
        )
    ]


def roster_rows(html: str) -> list[tuple[int, str, str]]:
    """(enrolment id, attendance rate, meets the rule) of each roster row."""
    return [
        (int(pk), rate, meets)
        for pk, rate, meets in re.findall(
            r'data-enrollment="(\d+)" data-rate="([^"]*)" data-meets="(\d)"', html
        )
    ]


def c(world, number: int):
    """The world's class C<number> (tests.reporting.report_world)."""
    return world.classes[number - 1]


# --- who may open the pages --------------------------------------------------------------------


def test_anonymous_visitors_are_sent_to_sign_in(db):
    world = build_world(rebuild=False)
    for address in (
        "/dashboard/classes/",
        "/dashboard/provinces/19/",
        f"/dashboard/classes/{c(world, 2).pk}/",
    ):
        response = Client().get(address)
        assert response.status_code == 302 and response["Location"].startswith("/login/?next=")


@by_role(READS_THAI_NGUYEN)
def test_a_provinces_classes_by_role(world, user_of, role, expected):
    response = page_client(user_of(role)).get("/dashboard/provinces/19/", {"programme": world.programme.pk})
    assert response.status_code == expected
    if expected == 403:
        assert "Không có quyền truy cập" in response.content.decode()
    if expected == 200:
        assert "Thái Nguyên" in text_of(response.content.decode())


@by_role(READS_THAI_NGUYEN)
def test_a_class_roster_by_role(world, user_of, role, expected):
    # C3 was held in Bắc Kạn, a legacy unit now part of Thái Nguyên: Thái Nguyên's admin reads it.
    for training_class in (c(world, 2), c(world, 3)):
        response = page_client(user_of(role)).get(f"/dashboard/classes/{training_class.pk}/")
        assert response.status_code == expected
        if expected == 403:
            assert "Không có quyền truy cập" in response.content.decode()


def test_the_same_answers_as_the_apis(world, other_province_admin, province_admin):
    """Hà Nội's admin: the province report and the roster of Thái Nguyên are 404 there too."""
    thai_nguyen_report = f"/api/v1/reports/provinces/{world.thai_nguyen.pk}"
    assert client_as(other_province_admin).get(thai_nguyen_report).status_code == 404
    assert client_as(other_province_admin).get(f"/api/v1/classes/{c(world, 2).pk}/roster").status_code == 404
    assert page_client(other_province_admin).get("/dashboard/provinces/19/").status_code == 404
    # Their own province and class they read, as through the API.
    assert client_as(other_province_admin).get(f"/api/v1/classes/{c(world, 1).pk}/roster").status_code == 200
    get(other_province_admin, f"/dashboard/classes/{c(world, 1).pk}/")
    # Thái Nguyên's admin is told their own province on the national list; Hà Nội's class is out of reach.
    html = get(province_admin, "/dashboard/classes/", programme=world.programme.pk)
    assert {pk for pk, _, _ in class_rows(html)} == {c(world, 2).pk, c(world, 3).pk, c(world, 4).pk}
    assert page_client(province_admin).get(f"/dashboard/classes/{c(world, 1).pk}/").status_code == 404


def test_the_ministry_reaches_every_class_the_report_counts(world, central_admin):
    html = get(central_admin, "/dashboard/classes/", programme=world.programme.pk)
    # C5 is a draft: the report does not count it, the list does not show it.
    assert {pk for pk, _, _ in class_rows(html)} == {c(world, n).pk for n in (1, 2, 3, 4)}
    # The central institutions' classes: C1, held in Hà Nội at the central level.
    html = get(central_admin, "/dashboard/classes/", programme=world.programme.pk, level=Level.CENTRAL)
    assert class_rows(html) == [(c(world, 1).pk, 3, 3)]
    assert f'href="/dashboard/classes/{c(world, 1).pk}/"' in html


# --- figures equal to the APIs' ----------------------------------------------------------------


@pytest.mark.parametrize("level", ["", Level.PROVINCIAL, Level.ELEARNING, Level.CENTRAL])
@pytest.mark.parametrize("code", ["19", "01"])
def test_a_provinces_figures_are_the_report_apis(world, central_admin, code, level):
    province = world.thai_nguyen if code == "19" else world.hanoi
    html = get(central_admin, f"/dashboard/provinces/{code}/", programme=world.programme.pk, level=level)
    params = {"programme": world.programme.pk, "province": province.pk}
    summary = client_as(central_admin).get("/api/v1/reports/summary", params).json()
    detail = client_as(central_admin).get(
        f"/api/v1/reports/provinces/{province.pk}", {"programme": world.programme.pk, "level": level}
    )
    expected = (
        detail.json()["total"] if not level else next(r for r in summary["levels"] if r["level"] == level)
    )
    if not level:
        assert detail.json()["total"]["achieved_luot"] == summary["total"]["achieved_luot"]
    headline = re.search(
        r'data-headline data-achieved="(\d+)" data-enrolled="(\d+)" data-classes-planned="(\d+)"', html
    )
    assert headline.groups() == (
        str(expected["achieved_luot"]),
        str(expected["enrolled"]),
        str(expected["classes_planned"]),
    )
    # The classes listed add up to the report: every class it counts, each once.
    rows = class_rows(html)
    assert len(rows) == expected["classes_planned"]
    assert sum(luot for _, luot, _ in rows) == expected["achieved_luot"]
    assert sum(enrolled for _, _, enrolled in rows) == expected["enrolled"]


def test_thai_nguyens_classes(world, province_admin):
    c(world, 2).trainers.add(UserFactory(role="trainer", full_name="Hoàng Văn Giảng"))
    html = get(province_admin, "/dashboard/provinces/19/", programme=world.programme.pk)
    text = text_of(html)
    assert sorted(class_rows(html)) == sorted(
        [(c(world, 2).pk, 2, 3), (c(world, 3).pk, 1, 1), (c(world, 4).pk, 0, 2)]
    )
    assert "Tỉnh Bắc Kạn" in text  # C3 is listed where it was held
    assert "66,66 %" not in text and "66,6 %" in text  # C2: 2 of 3 completed, truncated
    assert "Đang học" in text and "Đã kết thúc" in text
    assert "Hoàng Văn Giảng" in text


def test_a_class_roster_is_the_roster_apis(world, central_admin):
    training_class = c(world, 2)
    html = get(central_admin, f"/dashboard/classes/{training_class.pk}/")
    api = client_as(central_admin).get(f"/api/v1/classes/{training_class.pk}/roster").json()["results"]
    assert [(pk, Decimal(rate), meets) for pk, rate, meets in roster_rows(html)] == [
        (row["id"], Decimal(str(row["attendance_rate"])), "1" if row["meets_attendance"] else "0")
        for row in api
    ]
    text = text_of(html)
    assert "Văn phòng - thống kê" in text  # its curriculum
    assert "100,0 %" in text and "66,6 %" in text  # 40 of 60 minutes a session, truncated
    assert "Hoàn thành" in text and "Không hoàn thành" in text
    # The computed class figures, as the report counts them.
    assert re.search(r'data-class-figures data-luot="2" data-enrolled="3"', html)
    # Certificates of the completed learners, by number.
    assert len(re.findall(r"data-certificate>GCN-", html)) == 2


def test_personal_data_as_the_api_shows_it(world, central_admin, other_province_admin):
    """C1 is Hà Nội's; its learners are Thái Nguyên's: Hà Nội's admin reads their roster fields
    only (the id's last four digits), the ministry their full record. Each read is recorded."""
    training_class = c(world, 1)
    learner = training_class.enrollments.exclude(status="withdrawn").first().learner
    masked = "*" * 8 + learner.national_id[-4:]
    html = get(other_province_admin, f"/dashboard/classes/{training_class.pk}/")
    api = client_as(other_province_admin).get(f"/api/v1/classes/{training_class.pk}/roster").json()["results"]
    assert {row["learner"]["national_id"] for row in api} >= {masked}
    assert masked in html and learner.national_id not in html
    assert world.chair.name_vi in html  # a roster field: their position
    assert "withdrawn" not in {row["status"] for row in api} and len(roster_rows(html)) == len(api) == 3
    shown = LearnerDataAccess.objects.filter(reader=other_province_admin, endpoint="drilldown:class")
    assert shown.count() == 3 and not shown.filter(full_record=True).exists()

    html = get(central_admin, f"/dashboard/classes/{training_class.pk}/")
    api = client_as(central_admin).get(f"/api/v1/classes/{training_class.pk}/roster").json()["results"]
    assert learner.national_id in html
    assert [pk for pk, _, _ in roster_rows(html)] == [row["id"] for row in api]


# --- the dashboard leads there ----------------------------------------------------------------


def test_the_dashboard_links_each_province_to_its_classes(world, central_admin, province_admin):
    html = get(central_admin, "/dashboard/", programme=world.programme.pk)
    assert f'href="/dashboard/provinces/19/?programme={world.programme.pk}"' in html
    assert f'href="/dashboard/provinces/01/?programme={world.programme.pk}"' in html
    assert f'href="/dashboard/classes/?programme={world.programme.pk}" data-drill="classes"' in html
    # A province's dashboard shows the units merged into it: each leads to that province.
    html = get(province_admin, "/dashboard/", programme=world.programme.pk, level=Level.PROVINCIAL)
    links = re.findall(r'class="bar-label" href="([^"]+)"', html)
    assert len(links) == 2
    assert set(links) == {f"/dashboard/provinces/19/?programme={world.programme.pk}&amp;level=provincial"}


# --- long lists --------------------------------------------------------------------------------


def test_a_long_roster_is_paged_in_vietnamese_order(world, central_admin):
    training_class = make_class(programme=world.programme, province=world.thai_nguyen, level=Level.PROVINCIAL)
    names = ["Vũ Văn An", "Đặng Thị Ánh", "Nguyễn Văn Dũng", "Lê Thị Đào", "Trần Văn Bình"]
    for index in range(105):
        # Given names sort first: "Yên" after every name below.
        middle = "".join(chr(ord("a") + digit) for digit in divmod(index, 26)).capitalize()
        enrol(training_class, full_name=f"Phạm {middle} Yên")
    for name in names:
        enrol(training_class, full_name=name)
    recompute(training_class)
    first = get(central_admin, f"/dashboard/classes/{training_class.pk}/")
    second = get(central_admin, f"/dashboard/classes/{training_class.pk}/", page=2)
    assert len(roster_rows(first)) == 100 and len(roster_rows(second)) == 10
    assert 'data-roster-count="110"' in first
    shown = re.findall(r'<th scope="row">([^<]+)</th>', first)
    # By given name, then family name: An, Ánh, Bình, Dũng, Đào (Đ after D).
    assert shown[:5] == ["Vũ Văn An", "Đặng Thị Ánh", "Trần Văn Bình", "Nguyễn Văn Dũng", "Lê Thị Đào"]
    assert "?page=2" in first and "Trang 1/2" in text_of(first)
    found = get(central_admin, f"/dashboard/classes/{training_class.pk}/", q="dang thi")
    assert re.findall(r'<th scope="row">([^<]+)</th>', found) == ["Đặng Thị Ánh"]


def test_a_long_class_list_is_paged_with_its_totals(world, central_admin):
    for _ in range(55):
        make_class(programme=world.programme, province=world.hanoi, level=Level.PROVINCIAL, minutes=(60,))
    first = get(central_admin, "/dashboard/provinces/01/", programme=world.programme.pk)
    second = get(central_admin, "/dashboard/provinces/01/", programme=world.programme.pk, page=2)
    assert len(re.findall(r'<tr data-class="', first)) == 50
    assert "data-totals" in first and "56 lớp" in text_of(first)  # C1 and these 55 (C5 is a draft)
    assert len(re.findall(r'<tr data-class="', second)) == 6
    assert f"?programme={world.programme.pk}&amp;page=2" in first


def queries_of(client, address: str, **params) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(address, params)
    assert response.status_code == 200
    return len(queries)


def test_the_pages_query_count_does_not_grow_with_the_classes(world, central_admin):
    client = page_client(central_admin)
    address, params = "/dashboard/provinces/01/", {"programme": world.programme.pk}
    few = queries_of(client, address, **params)
    for _ in range(12):
        extra = make_class(
            programme=world.programme, province=world.hanoi, level=Level.CENTRAL, minutes=(60,)
        )
        extra.trainers.add(UserFactory(role="trainer"), UserFactory(role="trainer"))
        completed = enrol(extra)
        attend_all(completed, 60)
        recompute(extra)
    many = queries_of(client, address, **params)
    assert many == few <= 16


def test_the_roster_query_count_does_not_grow_with_the_learners(world, central_admin):
    client = page_client(central_admin)
    training_class = c(world, 2)
    address = f"/dashboard/classes/{training_class.pk}/"
    few = queries_of(client, address)
    for _ in range(40):
        attend_all(enrol(training_class), 60)
    recompute(training_class)
    many = queries_of(client, address)
    assert many == few <= 14


# --- hostile addresses -------------------------------------------------------------------------


@pytest.mark.parametrize(
    "address",
    [
        "/dashboard/classes/99999999999999999999999/",
        "/dashboard/classes/2147483648/",
        "/dashboard/classes/-1/",
        "/dashboard/classes/abc/",
        "/dashboard/classes/1.5/",
        "/dashboard/provinces/99/",
        "/dashboard/provinces/06/",  # Bắc Kạn: a legacy unit, no province of today
        "/dashboard/provinces/%00/",
        "/dashboard/provinces/19%00/",
        "/dashboard/provinces/" + "9" * 5000 + "/",
    ],
)
def test_an_address_naming_nothing_is_404(world, central_admin, address):
    assert page_client(central_admin).get(address).status_code == 404


@pytest.mark.parametrize("page", ["abc", "0", "-3", "99999999999999999999", "1e9", ""])
def test_a_page_number_out_of_range_shows_a_page(world, central_admin, page):
    get(central_admin, "/dashboard/provinces/19/", programme=world.programme.pk, page=page)
    get(central_admin, f"/dashboard/classes/{c(world, 2).pk}/", page=page, q="nguyen" * 40)


def test_a_control_character_is_refused(world, central_admin):
    response = page_client(central_admin).get(f"/dashboard/classes/{c(world, 2).pk}/", {"q": "\x00 nguyen"})
    assert response.status_code == 400


def test_filters_in_error_are_named_and_left_out(world, central_admin):
    html = get(central_admin, "/dashboard/provinces/19/", programme="99999999999", level="nowhere")
    assert 'class="errors"' in html and "Cấp thực hiện" in text_of(html)


# --- English -----------------------------------------------------------------------------------


def test_the_pages_in_english(world, central_admin):
    text = text_of(get(central_admin, "/dashboard/provinces/19/", "en", programme=world.programme.pk))
    for label in ("Training classes", "Completed (lượt)", "Trainer", "Completion rate (%)", "3 classes"):
        assert label in text, label
    assert "66.6 %" in text
    text = text_of(get(central_admin, f"/dashboard/classes/{c(world, 2).pk}/", "en"))
    labels = (
        "Minutes attended / required",
        "Full name",
        "Attendance (%)",
        "Certificate",
        "3 learners, by name",
    )
    for label in (*labels, "Completed"):
        assert label in text, label
    assert "Danh sách học viên" not in text and "Họ và tên" not in text


# --- percentages with the decimals that matter -------------------------------------------------


def test_a_small_share_is_not_shown_as_nothing():
    with translation.override("vi"):
        assert percent(Decimal("0.04")) == "0,04 %"  # was "0,0 %" (issue 15)
        assert percent(Decimal("0.999")) == "0,99 %"
        assert percent(Decimal("79.99")) == "79,9 %"
        assert percent(Decimal("0")) == "0,0 %"
        assert percent(None) == "—"
    with translation.override("en"):
        assert percent(Decimal("0.04")) == "0.04 %"


# --- in a real browser -------------------------------------------------------------------------


@pytest.mark.parametrize("width", ["phone", "desktop"])
@pytest.mark.django_db(transaction=True)
def test_the_ministry_drills_down_in_headless_chromium(live_server, width):
    world = build_world()
    admin = UserFactory(role="central_admin")
    client = Client()
    client.force_login(admin)
    session = client.cookies["sessionid"].value
    shots = []
    with browser_page(base_url=live_server.url, session=session) as tools:
        if width == "phone":
            as_phone(tools)
        tools.call("Page.navigate", url=f"{live_server.url}/dashboard/?programme={world.programme.pk}")
        tools.wait_for("Page.loadEventFired")
        assert tools.evaluate("location.pathname") == "/dashboard/"
        load(tools, "document.querySelector('[data-code=\"19\"] a.bar-label').click()")
        province = {
            "path": tools.evaluate("location.pathname"),
            "text": tools.evaluate("document.body.innerText"),
            "overflow": tools.evaluate("document.documentElement.scrollWidth - window.innerWidth"),
        }
        shots.append(screenshot(tools, f"drilldown-province-{width}.png"))
        load(tools, f"document.querySelector('a[href=\"/dashboard/classes/{c(world, 2).pk}/\"]').click()")
        roster = {
            "path": tools.evaluate("location.pathname"),
            "text": tools.evaluate("document.body.innerText"),
            "rows": tools.evaluate("document.querySelectorAll('[data-roster] tbody tr').length"),
            "overflow": tools.evaluate("document.documentElement.scrollWidth - window.innerWidth"),
            "lang": tools.evaluate("document.documentElement.lang"),
        }
        shots.append(screenshot(tools, f"drilldown-class-{width}.png"))
        load(tools, "document.querySelector('[data-crumb=\"province\"]').click()")
        back = tools.evaluate("location.pathname")

    assert province["path"] == "/dashboard/provinces/19/"
    assert "Các lớp bồi dưỡng" in province["text"] and "Thái Nguyên" in province["text"]
    assert province["overflow"] <= 0  # the wide table scrolls inside its card, not the page
    assert roster["path"] == f"/dashboard/classes/{c(world, 2).pk}/"
    assert "Danh sách học viên" in roster["text"] and roster["rows"] == 3
    assert "66,6 %" in roster["text"]
    assert roster["overflow"] <= 0 and roster["lang"] == "vi"
    assert back == "/dashboard/provinces/19/"
    assert all(shot.stat().st_size > 10_000 for shot in shots)


def test_classes_not_computed_yet_show_no_figure(world, central_admin):
    training_class = make_class(
        programme=world.programme, province=world.hanoi, level=Level.CENTRAL, status=ClassStatus.OPEN
    )
    html = get(central_admin, "/dashboard/provinces/01/", programme=world.programme.pk)
    assert f'data-class="{training_class.pk}" data-luot="" data-enrolled=""' in html
    html = get(central_admin, f"/dashboard/classes/{training_class.pk}/")
    assert "Số liệu của lớp chưa được tính." in text_of(html)
