"""The ministry's allocation sheet imported as the ministry sends it (tests.corpus.allocations):
a dry run, then the import, all of it or nothing; every wrong row refuses the file, named by row
and column."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from courses.models import ImportJob, Programme, Province
from reporting.models import Target, TargetRevision
from tests.api_helpers import assert_answered, assert_error
from tests.corpus import allocations as sheets
from tests.corpus.allocations import SAMPLE, Line
from tests.roles import by_role

pytestmark = pytest.mark.django_db

IMPORT = "/api/v1/allocations/import"
UPLOADS = {"anonymous": 401, "learner": 403, "trainer": 403, "province_admin": 403, "central_admin": 201}


@pytest.fixture
def plan(db):
    return Programme.objects.get(code="ke-hoach-2021-2025")


def upload(client, plan, content: bytes, name: str, *, dry_run: bool = False, **params):
    return client.post(
        f"{IMPORT}?programme_id={plan.pk}" + "".join(f"&{k}={v}" for k, v in params.items()),
        {"file": SimpleUploadedFile(name, content), "dry_run": "true" if dry_run else "false"},
        format="multipart",
    )


def provincial(plan) -> dict[str, Target]:
    return {
        t.province.code: t
        for t in Target.objects.filter(
            programme=plan, level="provincial", province__isnull=False
        ).select_related("province")
    }


def errors_of(response) -> set[tuple]:
    return {(e.get("row"), e.get("field")) for e in assert_error(response, 400)["errors"]}


@by_role(UPLOADS)
def test_who_imports_the_sheet(as_role, role, expected, plan):
    response = upload(as_role(role), plan, sheets.period_xlsx(), "phan-bo.xlsx")
    assert_answered(response, expected)
    assert bool(provincial(plan)) == (expected == 201)


@pytest.mark.parametrize(
    ("build", "name"), [(sheets.period_xlsx, "phan-bo.xlsx"), (sheets.period_csv, "phan-bo.csv")]
)
def test_the_official_sheet_dry_run_then_import(client_for, central_admin, plan, build, name):
    client = client_for(central_admin)
    dry = upload(client, plan, build(), name, dry_run=True)
    assert dry.status_code == 200, dry.content
    report = dry.json()["report"]
    # Four provinces and the central institutions' row, whose period target exists (100,000 lượt):
    # its other figures change.
    assert (report["created"], report["updated"], report["unchanged"]) == (4, 1, 0)
    assert report["details"]["target_luot"] == sum(line.luot for line in SAMPLE)
    assert any(w["code"] == "skipped" for w in report["warnings"])  # the total row
    # Four provinces don't add up to the national 400,000: said, and imported all the same.
    (differs,) = [w for w in report["warnings"] if w["code"] == "total_differs"]
    assert "26.600" in differs["message"] and "400.000" in differs["message"]
    assert provincial(plan) == {}

    done = upload(client, plan, build(), name)
    assert done.status_code == 201, done.content
    stored = provincial(plan)
    assert set(stored) == set(sheets.SAMPLE_CODES.values())
    thai_nguyen = stored["19"]
    assert (thai_nguyen.target_luot, thai_nguyen.target_classes, thai_nguyen.target_learners) == (
        4200,
        84,
        3900,
    )
    assert str(thai_nguyen.budget_million_vnd) == "1260.5"
    assert thai_nguyen.year is None
    central = Target.objects.get(programme=plan, level="central", province=None, year=None)
    assert (central.target_classes, central.target_learners) == (2000, 90000)
    revision = thai_nguyen.revisions.get()
    assert (revision.changed_by, revision.source, revision.action) == (central_admin, "import", "created")

    again = upload(client, plan, build(), name)
    assert again.status_code == 201
    assert again.json()["report"]["unchanged"] == 5


def test_a_changed_sheet_keeps_the_earlier_figures(client_for, central_admin, plan):
    client = client_for(central_admin)
    assert upload(client, plan, sheets.period_xlsx(), "a.xlsx").status_code == 201
    changed = [Line("Thái Nguyên", 4500, 90, 4000, 1300), *SAMPLE[1:]]
    response = upload(client, plan, sheets.period_xlsx(changed), "b.xlsx")
    assert response.json()["report"]["updated"] == 1
    thai_nguyen = provincial(plan)["19"]
    latest, first = thai_nguyen.revisions.order_by("-id")
    assert latest.target_luot == 4500 and latest.previous["target_luot"] == 4200
    assert first.target_luot == 4200


def test_a_column_per_year(client_for, central_admin, plan):
    years = [2021, 2022, 2023, 2024, 2025]
    response = upload(client_for(central_admin), plan, sheets.yearly_xlsx(years), "theo-nam.xlsx")
    assert response.status_code == 201, response.content
    thai_nguyen = Province.objects.current().get(code="19")
    by_year = dict(
        Target.objects.filter(programme=plan, province=thai_nguyen).values_list("year", "target_luot")
    )
    assert by_year == {year: sheets.yearly_share(4200, 5, i) for i, year in enumerate(years)}
    assert sum(by_year.values()) == 4200


def test_a_year_for_the_whole_sheet(client_for, central_admin, plan):
    response = upload(client_for(central_admin), plan, sheets.period_xlsx(SAMPLE[:2]), "2024.xlsx", year=2024)
    assert response.status_code == 201, response.content
    assert {t.year for t in provincial(plan).values()} == {2024}


@pytest.mark.parametrize(
    ("line", "field"),
    [
        (Line("Tỉnh Đông Hải", 100), "province"),
        (Line("Thái Nguyên", -5), "target_luot"),
        (Line("Thái Nguyên", "nhiều"), "target_luot"),
        (Line("Thái Nguyên", 100, "2,5"), "target_classes"),
        (Line("Thái Nguyên", 100, 2, -1), "target_learners"),
        (Line("Thái Nguyên", 100, 2, 3, "-7"), "budget_million_vnd"),
        (Line("Thái Nguyên", 100, 2, 3, "12 triệu"), "budget_million_vnd"),
        (Line("Thái Nguyên", 100, 2, 3, "1e400"), "budget_million_vnd"),
        (Line("Thái Nguyên", None, 2), "target_luot"),
    ],
)
def test_one_wrong_row_refuses_the_whole_file(client_for, central_admin, plan, line, field):
    lines = [*SAMPLE[1:4], line]
    response = upload(client_for(central_admin), plan, sheets.period_xlsx(lines), "sai.xlsx")
    # The title block takes 5 rows, the headings 2, the column numbers 1: data from row 9.
    assert errors_of(response) == {(9 + len(lines) - 1, field)}
    assert provincial(plan) == {}
    assert not TargetRevision.objects.exists()


def test_a_province_twice_is_refused_naming_both_rows(client_for, central_admin, plan):
    lines = [*SAMPLE[:2], Line("Tỉnh Thái Nguyên", 10)]
    response = upload(client_for(central_admin), plan, sheets.period_csv(lines), "trung.csv")
    body = assert_error(response, 400)
    (error,) = body["errors"]
    assert (error["row"], error["field"]) == (8, "province")
    assert "6" in error["message"]  # the row it was already on
    assert provincial(plan) == {}


def test_a_year_outside_the_period_is_refused(client_for, central_admin, plan):
    response = upload(client_for(central_admin), plan, sheets.yearly_xlsx([2025, 2026]), "nam.xlsx")
    assert {field for _row, field in errors_of(response)} == {"target_luot_2026"}
    response = upload(client_for(central_admin), plan, sheets.period_xlsx(), "a.xlsx", year=2030)
    assert {field for _row, field in errors_of(response)} == {"year"}


@pytest.mark.parametrize("programme_id", ["999999", "x", ""])
def test_an_unknown_programme_is_refused(client_for, central_admin, programme_id):
    response = client_for(central_admin).post(
        f"{IMPORT}?programme_id={programme_id}",
        {"file": SimpleUploadedFile("a.xlsx", sheets.period_xlsx())},
        format="multipart",
    )
    assert {e.get("field") for e in assert_error(response, 400)["errors"]} == {"programme_id"}
    assert not ImportJob.objects.exists()


@pytest.mark.parametrize(
    ("content", "name"),
    [
        (b"PK\x03\x04 not a zip", "a.xlsx"),
        (b"\x00\x01\x02", "a.xls"),
        ("STT;Họ và tên\n1;Nguyễn Văn A\n".encode(), "a.csv"),
        (b"", "a.csv"),
    ],
)
def test_a_file_that_is_not_the_sheet_is_refused_on_the_file(client_for, central_admin, plan, content, name):
    response = upload(client_for(central_admin), plan, content, name)
    assert {e.get("field") for e in assert_error(response, 400)["errors"]} == {"file"}


def test_the_errors_are_in_english_when_asked(client_for, central_admin, plan):
    lines = [*SAMPLE[:2], Line("Tỉnh Thái Nguyên", 10), Line("Tỉnh Đông Hải", 10)]
    response = client_for(central_admin).post(
        f"{IMPORT}?programme_id={plan.pk}",
        {"file": SimpleUploadedFile("a.csv", sheets.period_csv(lines))},
        format="multipart",
        HTTP_ACCEPT_LANGUAGE="en",
    )
    messages = {e["row"]: e["message"] for e in assert_error(response, 400)["errors"]}
    assert messages[8] == "Tỉnh, thành phố: “Thái Nguyên” is already on row 6."
    assert messages[9].startswith("Tỉnh, thành phố: There is no province “Tỉnh Đông Hải”")


def test_a_sheet_of_lượt_alone_leaves_the_other_figures_as_stored(client_for, central_admin, plan):
    client = client_for(central_admin)
    assert upload(client, plan, sheets.period_xlsx(), "a.xlsx").status_code == 201
    central = Target.objects.get(programme=plan, level="central", province=None, year=None)
    note = central.note
    assert note  # from the reference data, which the sheet has no column for
    content = "\ufeffSTT;Tỉnh, thành phố;Chỉ tiêu giao (lượt)\n1;Thái Nguyên;4300\n2;Trung ương;100000\n"
    response = upload(client, plan, content.encode(), "luot.csv")
    assert response.status_code == 201, response.content
    report = response.json()["report"]
    assert (report["updated"], report["unchanged"]) == (1, 1)
    thai_nguyen = provincial(plan)["19"]
    assert (thai_nguyen.target_luot, thai_nguyen.target_classes, str(thai_nguyen.budget_million_vnd)) == (
        4300,
        84,
        "1260.5",
    )
    central.refresh_from_db()
    assert (central.note, central.target_classes) == (note, 2000)
