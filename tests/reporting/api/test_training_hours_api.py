"""GET /api/v1/reports/training-hours and its CSV/XLSX exports: each official's periods of training
in a year, from the classes they completed, against the annual minimum.

The world, run through the real aggregation (the outcome "completed" is the aggregation's):

    curriculum A: topics of 16 + 8 = 24 periods; B: 20; C: 30
    2024: class A24 (A, Thái Nguyên), B24 (B, Thái Nguyên), C24 (C, Hà Nội), R24 (B, still running)
    2023: class A23 (A, Thái Nguyên)

    Nguyễn Văn An (Thái Nguyên): completes A24 and B24 (44 periods in 2024), misses C24's
        attendance (not completed), is in progress in R24, completes A23 (24 periods in 2023)
    Đặng Thị Bình (Thái Nguyên): completes B24 (20), withdrawn from A24
    Bùi Văn Cường (Bắc Kạn, a legacy unit now in Thái Nguyên): nothing (0)
    Lê Thị Dung (Hà Nội): completes C24 (30)

With the default minimum (40 periods): in 2024 An meets it, Bình, Cường and Dung fall short.
"""

from __future__ import annotations

import csv
import datetime
import io
from decimal import Decimal
from types import SimpleNamespace

import pytest
from django.test import override_settings
from openpyxl import load_workbook

from courses.models import ClassStatus
from enrollment.models import EnrollmentStatus, LearnerDataAccess
from enrollment.selectors.training_hours import my_training_hours
from reporting.models import EnrollmentProgress, Outcome
from reporting.services.rebuilds import progress_rebuild
from tests.api_helpers import assert_error
from tests.factories import CurriculumFactory, LearnerFactory, TopicFactory
from tests.reporting.conftest import attend_all, enrol, make_class, province
from tests.reporting.report_world import vietnamese_default
from tests.roles import ROLES, by_role, client_as

pytestmark = pytest.mark.django_db

URL = "/api/v1/reports/training-hours"
ADMINS = {**dict.fromkeys(ROLES, 403), "anonymous": 401, "province_admin": 200, "central_admin": 200}


@pytest.fixture(autouse=True)
def _vietnamese_site():
    with vietnamese_default():
        yield


def curriculum(*hours):
    made = CurriculumFactory()
    for order, value in enumerate(hours, start=1):
        TopicFactory(curriculum=made, order=order, hours=Decimal(value))
    return made


@pytest.fixture
def hours_world(db):
    hanoi, thai_nguyen, bac_kan_old = province("01"), province("19"), province("06", legacy=True)
    a, b, c = curriculum("16", "8"), curriculum("20"), curriculum("30")
    a24 = make_class(province=thai_nguyen, curriculum=a, start=datetime.date(2024, 3, 4))
    b24 = make_class(province=thai_nguyen, curriculum=b, start=datetime.date(2024, 11, 4))
    c24 = make_class(province=hanoi, curriculum=c, start=datetime.date(2024, 6, 3))
    r24 = make_class(
        province=thai_nguyen, curriculum=b, start=datetime.date(2024, 12, 2), status=ClassStatus.RUNNING
    )
    a23 = make_class(province=thai_nguyen, curriculum=a, start=datetime.date(2023, 5, 2))

    an = LearnerFactory(full_name="Nguyễn Văn An", province=thai_nguyen)
    binh = LearnerFactory(full_name="Đặng Thị Bình", province=thai_nguyen)
    cuong = LearnerFactory(full_name="Bùi Văn Cường", province=bac_kan_old)
    dung = LearnerFactory(full_name="Lê Thị Dung", province=hanoi)
    for training_class in (a24, b24, a23):
        attend_all(enrol(training_class, learner=an), 60)
    attend_all(enrol(c24, learner=an), 30)  # 50% attendance: not completed
    attend_all(enrol(r24, learner=an), 60)  # the class has not finished: in progress
    attend_all(enrol(b24, learner=binh), 60)
    enrol(a24, learner=binh, status=EnrollmentStatus.WITHDRAWN)
    attend_all(enrol(c24, learner=dung), 60)
    progress_rebuild(province_ids=[hanoi.pk, thai_nguyen.pk])
    return SimpleNamespace(
        hanoi=hanoi, thai_nguyen=thai_nguyen, an=an, binh=binh, cuong=cuong, dung=dung, curricula=(a, b, c)
    )


def report(client, **params) -> dict:
    response = client.get(URL, params)
    assert response.status_code == 200, response.content[:400]
    return response.json()


def by_name(body) -> dict:
    return {row["learner"]["full_name"]: row for row in body["results"]}


def test_hours_are_the_topics_of_the_classes_completed_in_the_year(hours_world, central_admin):
    body = report(client_as(central_admin), year=2024)
    rows = by_name(body)
    an = rows["Nguyễn Văn An"]
    # A24 (24) + B24 (20); C24 not completed, R24 in progress, A23 another year.
    assert (an["classes_completed"], an["periods"], an["hours"]) == (2, 44, 33)
    assert an["meets_minimum"] is True and an["short_by_periods"] == 0
    assert (rows["Đặng Thị Bình"]["periods"], rows["Đặng Thị Bình"]["short_by_periods"]) == (20, 20)
    assert rows["Bùi Văn Cường"]["periods"] == 0 and rows["Bùi Văn Cường"]["classes_completed"] == 0
    assert rows["Lê Thị Dung"]["periods"] == 30 and rows["Lê Thị Dung"]["hours"] == 22.5
    assert (body["minimum_periods"], body["minimum_hours"], body["period_minutes"]) == (40, 30, 45)

    earlier = by_name(report(client_as(central_admin), year=2023))
    assert (earlier["Nguyễn Văn An"]["classes_completed"], earlier["Nguyễn Văn An"]["periods"]) == (1, 24)
    assert earlier["Đặng Thị Bình"]["periods"] == 0


def test_the_report_the_learners_page_and_the_aggregation_agree(hours_world, central_admin):
    """One rule: the report's figures are the learner's own (My classes), and count the enrolments
    the aggregation computed as completed, and no other."""
    body = by_name(report(client_as(central_admin), year=2024))
    for learner in (hours_world.an, hours_world.binh, hours_world.dung):
        own = {row["year"]: row for row in my_training_hours(learner)}
        row = body[learner.full_name]
        assert Decimal(str(row["periods"])) == own[2024]["periods"]
        assert row["classes_completed"] == own[2024]["classes_completed"]
        completed = EnrollmentProgress.objects.filter(
            enrollment__learner=learner, outcome=Outcome.COMPLETED, training_class__end_date__year=2024
        )
        assert row["classes_completed"] == completed.count()
        assert Decimal(str(row["periods"])) == sum(
            (
                p.training_class.curriculum.total_hours
                for p in completed.select_related("training_class__curriculum")
            ),
            Decimal(0),
        )


def test_learners_in_vietnamese_name_order_with_counts_per_province(hours_world, central_admin):
    body = report(client_as(central_admin), year=2024)
    # By given name first: An, Bình, Cường, Dung.
    assert [row["learner"]["full_name"] for row in body["results"]] == [
        "Nguyễn Văn An",
        "Đặng Thị Bình",
        "Bùi Văn Cường",
        "Lê Thị Dung",
    ]
    provinces = {row["province"]["code"]: row for row in body["provinces"]}
    assert {code: (row["learners"], row["meeting"], row["short"]) for code, row in provinces.items()} == {
        "01": (1, 0, 1),
        "19": (3, 1, 2),  # Cường of legacy Bắc Kạn counted in Thái Nguyên
    }
    assert body["totals"] == {"learners": 4, "meeting": 1, "short": 3}
    assert by_name(body)["Bùi Văn Cường"]["learner"]["province"]["code"] == "19"


def test_short_only_lists_those_below_the_minimum(hours_world, central_admin):
    body = report(client_as(central_admin), year=2024, short_only="true")
    assert [row["learner"]["full_name"] for row in body["results"]] == [
        "Đặng Thị Bình",
        "Bùi Văn Cường",
        "Lê Thị Dung",
    ]
    assert body["count"] == 3 and body["short_only"] is True
    assert body["totals"]["learners"] == 4  # the counts cover the whole scope


def test_the_minimum_is_a_setting(hours_world, central_admin):
    with override_settings(TRAINING_HOURS_ANNUAL_MINIMUM_PERIODS=20):
        body = report(client_as(central_admin), year=2024, short_only="true")
    assert [row["learner"]["full_name"] for row in body["results"]] == ["Bùi Văn Cường"]
    assert (body["minimum_periods"], body["minimum_hours"]) == (20, 15)
    with override_settings(TRAINING_HOURS_ANNUAL_MINIMUM_PERIODS=50):
        body = report(client_as(central_admin), year=2024)
    assert by_name(body)["Nguyễn Văn An"]["short_by_periods"] == 6
    assert body["totals"]["short"] == 4
    with override_settings(TRAINING_HOURS_ANNUAL_MINIMUM_PERIODS=0):
        body = report(client_as(central_admin), year=2024, short_only="true")
    assert body["results"] == [] and body["totals"] == {"learners": 4, "meeting": 4, "short": 0}


@by_role(ADMINS)
def test_only_admins_read_the_report(hours_world, role, expected, user_of):
    assert client_as(user_of(role)).get(URL, {"year": 2024}).status_code == expected


def test_a_provincial_admin_reads_their_province_only(hours_world, province_admin):
    client = client_as(province_admin)  # Thái Nguyên's
    body = report(client, year=2024)
    assert body["scope"]["province"]["code"] == "19"
    assert {row["learner"]["full_name"] for row in body["results"]} == {
        "Nguyễn Văn An",
        "Đặng Thị Bình",
        "Bùi Văn Cường",
    }
    assert [row["province"]["code"] for row in body["provinces"]] == ["19"]
    assert report(client, year=2024, province=hours_world.thai_nguyen.pk)["count"] == 3
    assert_error(client.get(URL, {"year": 2024, "province": hours_world.hanoi.pk}), 403)


def test_a_central_admin_picks_a_province(hours_world, central_admin):
    body = report(client_as(central_admin), year=2024, province=hours_world.hanoi.pk)
    assert [row["learner"]["full_name"] for row in body["results"]] == ["Lê Thị Dung"]
    assert body["totals"] == {"learners": 1, "meeting": 0, "short": 1}


def test_identity_as_the_reader_may_read_it_and_the_reads_recorded(hours_world, province_admin):
    body = report(client_as(province_admin), year=2024)
    # A provincial admin reads the full record of their province's learners (legacy units too).
    assert by_name(body)["Bùi Văn Cường"]["learner"]["national_id"] == hours_world.cuong.national_id
    assert "date_of_birth" not in by_name(body)["Bùi Văn Cường"]["learner"]
    read = set(LearnerDataAccess.objects.filter(reader=province_admin).values_list("learner_id", flat=True))
    assert read == {hours_world.an.pk, hours_world.binh.pk, hours_world.cuong.pk}


def test_pages(hours_world, central_admin):
    client = client_as(central_admin)
    first = report(client, year=2024, page_size=3)
    second = report(client, year=2024, page_size=3, page=2)
    assert first["count"] == 4 and first["next"] and second["previous"]
    names = [row["learner"]["full_name"] for row in first["results"] + second["results"]]
    assert names == ["Nguyễn Văn An", "Đặng Thị Bình", "Bùi Văn Cường", "Lê Thị Dung"]


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"year": "abc"}, "year"),
        ({"year": 1800}, "year"),
        ({"province": 999999}, "province"),
        ({"province": "x"}, "province"),
        ({"short_only": "maybe"}, "short_only"),
        ({"page": 9}, "page"),
    ],
)
def test_bad_parameters_are_400_naming_the_field(hours_world, central_admin, params, field):
    body = assert_error(client_as(central_admin).get(URL, params), 400)
    assert field in {item.get("field") for item in body["errors"]}, body


def test_a_legacy_province_is_400(hours_world, central_admin):
    legacy = province("06", legacy=True)
    body = assert_error(client_as(central_admin).get(URL, {"province": legacy.pk}), 400)
    assert "province" in {item.get("field") for item in body["errors"]}


def test_the_default_year_is_this_year(hours_world, central_admin, settings):
    from django.utils import timezone

    assert report(client_as(central_admin))["year"] == timezone.localdate().year


def test_a_page_costs_a_bounded_number_of_queries(hours_world, central_admin, django_assert_max_num_queries):
    client = client_as(central_admin)
    for _ in range(5):  # more learners must not cost more queries
        enrol_learner = LearnerFactory(province=hours_world.thai_nguyen)
        assert enrol_learner.pk
    # The counts per province, their provinces, the page, the record of the reads: no COUNT, no
    # query per learner.
    with django_assert_max_num_queries(4):
        body = report(client, year=2024)
    assert body["count"] == 9


# --- the files ----------------------------------------------------------------------------------


def csv_table(content: bytes, title_prefix: str) -> list[list[str]]:
    """The rows of the CSV's section titled `title_prefix…`, headings first, up to its end."""
    assert content.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(content.decode("utf-8-sig"))))
    start = next(i for i, row in enumerate(rows) if row and row[0].startswith(title_prefix))
    table = []
    for row in rows[start + 1 :]:
        if not row:
            break
        table.append(row)
    return table


@pytest.mark.parametrize("short_only", ["false", "true"])
def test_the_csv_lists_what_the_api_lists(hours_world, central_admin, short_only):
    client = client_as(central_admin)
    body = report(client, year=2024, short_only=short_only, page_size=2)
    api_rows = (
        body["results"] + report(client, year=2024, short_only=short_only, page_size=2, page=2)["results"]
    )
    response = client.get(f"{URL}/export.csv", {"year": 2024, "short_only": short_only})
    assert response.status_code == 200
    assert "bao-cao-so-gio-boi-duong-2024-toan-quoc-" in response["Content-Disposition"]
    learners = csv_table(response.content, "II.")
    assert learners[0][:3] == ["STT", "Họ và tên", "Số định danh cá nhân"]
    assert [
        (row[1], row[2], row[3], int(row[6]), Decimal(row[7]), Decimal(row[8]), Decimal(row[9]))
        for row in learners[1:]
    ] == [
        (
            row["learner"]["full_name"],
            row["learner"]["national_id"],
            row["learner"]["province"]["name"],
            row["classes_completed"],
            Decimal(str(row["periods"])),
            Decimal(str(row["hours"])),
            Decimal(str(row["short_by_periods"])),
        )
        for row in api_rows
    ]
    provinces = csv_table(response.content, "I.")
    assert [(row[2], int(row[3]), int(row[4]), int(row[5])) for row in provinces[1:-1]] == [
        (row["province"]["code"], row["learners"], row["meeting"], row["short"]) for row in body["provinces"]
    ]
    assert provinces[-1][1] == "Tổng cộng" and int(provinces[-1][5]) == body["totals"]["short"]


def test_the_xlsx_lists_what_the_api_lists_in_english_too(hours_world, province_admin):
    client = client_as(province_admin)
    body = report(client, year=2024)
    response = client.get(f"{URL}/export.xlsx", {"year": 2024}, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    rows = [
        list(row) for row in load_workbook(io.BytesIO(response.content)).active.iter_rows(values_only=True)
    ]
    start = next(i for i, row in enumerate(rows) if row[0] and str(row[0]).startswith("II."))
    assert rows[start + 1][:3] == ["No.", "Full name", "Personal identification number"]
    listed = [(row[1], row[2], Decimal(str(row[7]))) for row in rows[start + 2 : start + 2 + body["count"]]]
    assert listed == [
        (row["learner"]["full_name"], row["learner"]["national_id"], Decimal(str(row["periods"])))
        for row in body["results"]
    ]


@by_role(ADMINS)
def test_only_admins_download_the_file(hours_world, role, expected, user_of):
    response = client_as(user_of(role)).get(f"{URL}/export.csv", {"year": 2024})
    assert response.status_code == expected
    if expected != 200:
        assert response["Content-Type"].startswith("application/json")


def test_a_file_with_a_bad_year_is_a_json_400(hours_world, central_admin):
    body = assert_error(client_as(central_admin).get(f"{URL}/export.xlsx", {"year": "20x5"}), 400)
    assert "year" in {item.get("field") for item in body["errors"]}
