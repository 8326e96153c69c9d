"""XLSX exports of a class (attendance sheet, roster with attendance rates) and the rates selector;
their headings, labels and file names in the request's language (Vietnamese by default)."""

import io
from decimal import Decimal

import openpyxl
import pytest

from courses.core.renderers import XLSX_CONTENT_TYPE
from courses.models import Commune, Position
from enrollment.selectors.attendance import attendance_rates_for_class
from enrollment.services.attendance_roll_call import attendance_mark_roster
from enrollment.services.scores import enrollment_score_set
from tests.api_helpers import assert_error
from tests.factories import EnrollmentFactory
from tests.reporting.report_world import vietnamese_default
from tests.roles import client_as

pytestmark = pytest.mark.django_db

ATTENDANCE_SHEET_LEAD = ["STT", "Số định danh cá nhân", "Họ và tên", "Trạng thái ghi danh"]
ATTENDANCE_SHEET_TAIL = [
    "Số buổi có mặt",
    "Tổng số phút tham dự",
    "Số phút yêu cầu",
    "Tỷ lệ chuyên cần (%)",
    "Đạt yêu cầu",
]
ROSTER_HEADINGS = [
    "STT",
    "Số định danh cá nhân",
    "Họ và tên",
    "Giới tính",
    "Ngày sinh",
    "Dân tộc",
    "Chức danh",
    "Xã, phường",
    "Điện thoại",
    "Thư điện tử",
    "Trạng thái ghi danh",
    "Số buổi có mặt",
    "Số phút tham dự",
    "Số phút kế hoạch",
    "Tỷ lệ chuyên cần (%)",
    "Điểm kiểm tra cuối khoá",
]


@pytest.fixture(autouse=True)
def _vietnamese_site():
    with vietnamese_default():
        yield


@pytest.fixture
def marked(attendance_world):
    """An present at both sessions, Bình late at the first, Cường absent at the first."""
    world = attendance_world
    an, binh, cuong = world.active
    attendance_mark_roster(
        session=world.session,
        records=[
            {"enrollment": an.pk, "status": "present"},
            {"enrollment": binh.pk, "status": "late", "minutes": 100},
            {"enrollment": cuong.pk, "status": "absent"},
        ],
        actor=world.trainer,
    )
    attendance_mark_roster(
        session=world.second_session,
        records=[{"enrollment": an.pk, "status": "present"}],
        actor=world.trainer,
    )
    enrollment_score_set(enrollment=an, score=Decimal("8.5"), actor=world.trainer)
    return world


def workbook_rows(response):
    assert response.status_code == 200, response.content
    assert response["Content-Type"] == XLSX_CONTENT_TYPE
    return [list(row) for row in worksheet(response).iter_rows(values_only=True)]


def worksheet(response):
    return openpyxl.load_workbook(io.BytesIO(response.content)).worksheets[0]


def get(user, path, **headers):
    return client_as(user).get(path, **headers)


def test_attendance_rates_for_class(marked):
    world = marked
    an, binh, cuong = world.active
    rates = {e.pk: e for e in attendance_rates_for_class(world.training_class.pk)}
    assert set(rates) == {an.pk, binh.pk, cuong.pk, world.withdrawn.pk, world.waitlisted.pk}
    assert (rates[an.pk].attended_minutes, rates[an.pk].planned_minutes) == (270, 270)
    assert rates[an.pk].attendance_rate == pytest.approx(1.0)
    assert rates[an.pk].attended_sessions == 2
    assert rates[binh.pk].attendance_rate == 0.3703  # 100 of 270 minutes: 37.03%, truncated like every figure
    assert (rates[cuong.pk].attended_minutes, rates[cuong.pk].attended_sessions) == (0, 0)


def test_attendance_rates_are_one_query(marked, django_assert_num_queries):
    # The class's rule and planned minutes are read first, then every enrolment with its figures.
    for _ in range(20):
        EnrollmentFactory(training_class=marked.training_class)
    with django_assert_num_queries(2):
        assert len(list(attendance_rates_for_class(marked.training_class.pk))) == 25


# The layout, read by an admin of the learners' province: every enrolment, every field (what a
# trainer reads is in tests/enrollment/rules/test_personal_data.py).


def test_the_attendance_sheet(marked, province_admin):
    world = marked
    an, binh, cuong = world.active
    rows = workbook_rows(
        get(province_admin, f"/api/v1/classes/{world.training_class.pk}/attendance-sheet.xlsx")
    )
    assert rows[0] == [
        *ATTENDANCE_SHEET_LEAD,
        "Buổi 1 (01/09/2026 08:00) - Trạng thái",
        "Buổi 1 (01/09/2026 08:00) - Số phút",
        "Buổi 2 (02/09/2026 08:00) - Trạng thái",
        "Buổi 2 (02/09/2026 08:00) - Số phút",
        *ATTENDANCE_SHEET_TAIL,
    ]
    body = {row[1]: row for row in rows[1:]}
    assert len(body) == 5
    # Vietnamese labels by default.
    assert body[an.learner.national_id][2:] == [
        "Nguyễn Văn An",
        "Đã ghi danh",
        "Có mặt",
        120,
        "Có mặt",
        150,
        2,
        270,
        216,
        100,
        "Đạt",
    ]
    assert body[binh.learner.national_id][4:8] == ["Đi muộn", 100, None, None]
    assert body[cuong.learner.national_id][4:6] == ["Vắng", 0]
    assert body[cuong.learner.national_id][-1] == "Chưa đạt"


def test_the_roster(marked, province_admin):
    world = marked
    an = world.active[0]
    rows = workbook_rows(get(province_admin, f"/api/v1/classes/{world.training_class.pk}/roster.xlsx"))
    assert rows[0] == ROSTER_HEADINGS
    assert len(rows) == 6
    row = next(r for r in rows[1:] if r[1] == an.learner.national_id)
    assert row[2:5] == ["Nguyễn Văn An", "Nữ", "17/05/1985"]
    assert row[10:] == ["Đã ghi danh", 2, 270, 270, 100, 8.5]
    assert [r[0] for r in rows[1:]] == [1, 2, 3, 4, 5]


@pytest.mark.parametrize(
    ("name", "language", "filename"),
    [
        ("roster.xlsx", None, "danh-sach-tn-online-1.xlsx"),
        ("roster.xlsx", "vi", "danh-sach-tn-online-1.xlsx"),
        ("roster.xlsx", "en", "roster-tn-online-1.xlsx"),
        ("attendance-sheet.xlsx", None, "diem-danh-tn-online-1.xlsx"),
        ("attendance-sheet.xlsx", "en", "attendance-sheet-tn-online-1.xlsx"),
    ],
)
def test_the_file_is_named_after_the_class_in_the_readers_language(marked, name, language, filename):
    headers = {"HTTP_ACCEPT_LANGUAGE": language} if language else {}
    response = get(marked.trainer, f"/api/v1/classes/{marked.training_class.pk}/{name}", **headers)
    assert response["Content-Disposition"] == f'attachment; filename="{filename}"'


def test_the_exports_in_english(marked, province_admin):
    world = marked
    an, binh, cuong = world.active
    path = f"/api/v1/classes/{world.training_class.pk}"
    response = get(province_admin, f"{path}/attendance-sheet.xlsx", HTTP_ACCEPT_LANGUAGE="en")
    assert worksheet(response).title == "Attendance"
    rows = workbook_rows(response)
    assert rows[0] == [
        "No.",
        "Personal identification number",
        "Full name",
        "Enrolment status",
        "Session 1 (01/09/2026 08:00) - Status",
        "Session 1 (01/09/2026 08:00) - Minutes",
        "Session 2 (02/09/2026 08:00) - Status",
        "Session 2 (02/09/2026 08:00) - Minutes",
        "Sessions attended",
        "Total minutes attended",
        "Minutes required",
        "Attendance rate (%)",
        "Requirement met",
    ]
    body = {row[1]: row for row in rows[1:]}
    assert body[an.learner.national_id][-1] == "Met" and body[cuong.learner.national_id][-1] == "Not met"
    assert body[an.learner.national_id][8:12] == [2, 270, 216, 100]  # the same figures

    response = get(province_admin, f"{path}/roster.xlsx", HTTP_ACCEPT_LANGUAGE="en")
    assert worksheet(response).title == "Learners"
    rows = workbook_rows(response)
    assert rows[0] == [
        "No.",
        "Personal identification number",
        "Full name",
        "Gender",
        "Date of birth",
        "Ethnicity",
        "Position",
        "Commune",
        "Phone",
        "Email",
        "Enrolment status",
        "Sessions attended",
        "Minutes attended",
        "Minutes planned",
        "Attendance rate (%)",
        "Final test score",
    ]
    assert not set(rows[0]) & set(ROSTER_HEADINGS)


def test_the_sheets_are_named_in_vietnamese_by_default(marked, province_admin):
    path = f"/api/v1/classes/{marked.training_class.pk}"
    assert worksheet(get(province_admin, f"{path}/attendance-sheet.xlsx")).title == "Điểm danh"
    assert worksheet(get(province_admin, f"{path}/roster.xlsx")).title == "Danh sách học viên"


def test_a_client_asking_for_the_spreadsheet_type_gets_it_and_errors_come_as_json(marked):
    path = f"/api/v1/classes/{marked.training_class.pk}/roster.xlsx"
    workbook_rows(get(marked.trainer, path, HTTP_ACCEPT=XLSX_CONTENT_TYPE))
    response = get(marked.other_trainer, path, HTTP_ACCEPT=XLSX_CONTENT_TYPE)
    assert response["Content-Type"] == "application/json"
    assert_error(response, 404)


@pytest.mark.parametrize("reader", ["trainer", "province_admin"])
def test_exports_run_a_bounded_number_of_queries(marked, reader, request, django_assert_max_num_queries):
    world = marked
    user = request.getfixturevalue(reader)
    for _ in range(40):
        EnrollmentFactory(training_class=world.training_class)
    for name in ("attendance-sheet.xlsx", "roster.xlsx"):
        with django_assert_max_num_queries(8):
            rows = workbook_rows(get(user, f"/api/v1/classes/{world.training_class.pk}/{name}"))
        # The heading, then every enrolment but the withdrawn one for the trainer.
        assert len(rows) == {"trainer": 45, "province_admin": 46}[reader]


# --- injection and control characters ------------------------------------------------------------
# Found by cell value, not column: which columns the exports hold is another concern.

PHONE_FORMULA = '=HYPERLINK("//x.vn")'  # 20 characters, the phone's limit
NAME_FORMULA = '=HYPERLINK("http://evil.example/","Bấm vào")'


def cells(response):
    assert response.status_code == 200, response.content
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).worksheets[0]
    return [cell for row in sheet.iter_rows() for cell in row]


def test_learner_details_that_look_like_formulas_export_as_text(attendance_world, province_admin):
    world = attendance_world
    an = world.active[0].learner
    client = client_as(an.user)
    # '=' is no control character: the learner may type it, and the exports make it harmless.
    changed = client.patch("/api/v1/me/learner", {"phone": PHONE_FORMULA}, format="json")
    assert changed.status_code == 200, changed.content
    type(an).objects.filter(pk=an.pk).update(full_name=NAME_FORMULA, ethnicity="@SUM(A1)")

    path = f"/api/v1/classes/{world.training_class.pk}"
    roster = cells(get(province_admin, f"{path}/roster.xlsx"))
    sheet = cells(get(world.trainer, f"{path}/attendance-sheet.xlsx"))
    assert not any(cell.data_type == "f" for cell in roster + sheet)
    for found, wanted in [
        (roster, PHONE_FORMULA),
        (roster, NAME_FORMULA),
        (roster, "@SUM(A1)"),
        (sheet, NAME_FORMULA),
    ]:
        [cell] = [cell for cell in found if cell.value == wanted]
        assert (cell.data_type, cell.quotePrefix) == ("s", True), wanted


def test_control_characters_stored_in_learner_details_are_dropped(attendance_world, province_admin):
    """Stored before the API refused them (or through the Django admin): a 200, not a 500."""
    world = attendance_world
    an = world.active[0].learner
    position = Position.objects.order_by("sort_order").first()
    commune = Commune.objects.filter(province=an.province).order_by("pk").first()
    Position.objects.filter(pk=position.pk).update(name_vi="Chủ tịch\x0b UBND\x7f")
    Commune.objects.filter(pk=commune.pk).update(name="Xã\x08 Đồng Hỷ\x85")
    type(an).objects.filter(pk=an.pk).update(
        phone="0912\x0b345678", full_name="Nguyễn\x1f Văn An", position=position, commune=commune
    )

    path = f"/api/v1/classes/{world.training_class.pk}"
    roster = [cell.value for cell in cells(get(province_admin, f"{path}/roster.xlsx"))]
    assert {"0912345678", "Nguyễn Văn An", "Chủ tịch UBND", "Xã Đồng Hỷ"} <= set(roster)
    sheet = [cell.value for cell in cells(get(world.trainer, f"{path}/attendance-sheet.xlsx"))]
    assert "Nguyễn Văn An" in sheet
