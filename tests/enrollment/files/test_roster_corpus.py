"""Every roster of the corpus (tests/corpus/rosters.py), uploaded as a province sends it: each one
enrols exactly its people, from the rows the spreadsheet shows them on."""

import io

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from courses.core.files.tabular import read_table
from enrollment.files.enrollment_file import COLUMNS
from enrollment.models import Enrollment, Learner
from tests.corpus.people import people
from tests.corpus.rosters import RosterFile, all_rosters, messy_rosters, official_xlsx
from tests.factories import TrainingClassFactory

CORPUS = all_rosters()


@pytest.fixture
def online_class(db, trainer):
    return TrainingClassFactory(code="tn-online-2026", trainers=[trainer], capacity=200)


def upload(client, training_class, roster: RosterFile, **extra):
    return client.post(
        f"/api/v1/classes/{training_class.pk}/enrollments/import",
        {"file": SimpleUploadedFile(roster.name, roster.content), "dry_run": "false", **extra},
        format="multipart",
    )


@pytest.mark.parametrize("roster", CORPUS, ids=[f"{r.name}: {r.note}" for r in CORPUS])
def test_each_roster_enrols_its_people_from_their_rows(roster, online_class, trainer, client_for):
    response = upload(client_for(trainer), online_class, roster)

    assert response.status_code == 201, response.content
    report = response.json()["report"]
    assert report["errors"] == []
    assert [i["row"] for i in report["items"]] == list(roster.rows)
    enrolled = Enrollment.objects.filter(training_class=online_class).values_list(
        "learner__national_id", flat=True
    )
    assert sorted(enrolled) == sorted(roster.rows.values())
    for national_id, wanted in roster.learners.items():
        stored = Learner.objects.filter(national_id=national_id).values(*wanted).get()
        assert stored == wanted


@pytest.mark.parametrize("roster", CORPUS, ids=[r.name for r in CORPUS])
def test_the_reader_says_which_sheet_and_columns_it_read(roster, db):
    table = read_table(content=roster.content, filename=roster.name, columns=COLUMNS)

    described = table.describe()
    assert described["sheet"] == roster.sheet
    assert described["ignored_columns"] == roster.ignored_columns
    assert [row.number for row in table.rows] == list(roster.rows)


def test_the_official_layout_gives_sex_and_date_of_birth_from_the_nam_and_nu_columns(
    online_class, trainer, client_for
):
    persons = people(6, seed=7)
    response = upload(client_for(trainer), online_class, official_xlsx(persons))

    assert response.status_code == 201, response.content
    stored = {
        learner.national_id: (learner.gender, learner.date_of_birth)
        for learner in Learner.objects.filter(national_id__in=[p.national_id for p in persons])
    }
    assert stored == {p.national_id: ("female" if p.gender == "Nữ" else "male", p.born) for p in persons}


def test_the_official_layout_skips_the_title_block_the_column_numbers_and_the_signatures(db):
    roster = official_xlsx(people(5, seed=1))

    table = read_table(content=roster.content, filename=roster.name, columns=COLUMNS)

    assert table.heading_rows == [7, 8]
    first_data = min(roster.rows)
    last_data = max(roster.rows)
    assert first_data - 1 in table.skipped_rows  # "(1) (2) (3) …"
    assert last_data + 1 in table.skipped_rows  # "Danh sách có 5 người."
    assert table.headings["born_male"] == "Ngày, tháng, năm sinh / Nam"
    assert table.headings["commune"] == "Đơn vị công tác / Xã/phường"


def test_a_named_sheet_is_read_even_when_another_one_matches(db, online_class, trainer, client_for):
    roster = official_xlsx(people(3, seed=8), cover_sheet=True)

    wrong = upload(client_for(trainer), online_class, roster, sheet="Hướng dẫn")
    unknown = upload(client_for(trainer), online_class, roster, sheet="Trang 9")

    assert wrong.status_code == 400
    assert "Hướng dẫn" in wrong.json()["message"]
    assert unknown.status_code == 400
    assert unknown.json()["errors"][0]["field"] == "sheet"
    assert "DS học viên" in unknown.json()["message"]
    assert not Enrollment.objects.filter(training_class=online_class).exists()


@pytest.mark.parametrize("roster", messy_rosters(), ids=lambda r: r.name)
def test_a_messy_roster_reports_each_row_and_field_then_enrols_once_fixed(
    roster, online_class, trainer, client_for
):
    response = upload(client_for(trainer), online_class, roster)

    assert response.status_code == 400, response.content
    body = response.json()
    assert sorted((e["row"], e["field"], e["code"]) for e in body["errors"]) == roster.errors
    assert not Enrollment.objects.filter(training_class=online_class).exists()

    fixed = RosterFile(
        name=roster.name, content=_without_rows(roster.content, [row for row, _f, _c in roster.errors])
    )
    response = upload(client_for(trainer), online_class, fixed)

    assert response.status_code == 201, response.content
    report = response.json()["report"]
    assert sorted((w["row"], w["field"], w["code"]) for w in report["warnings"]) == roster.warnings
    enrolled = Enrollment.objects.filter(training_class=online_class).values_list(
        "learner__national_id", flat=True
    )
    assert set(enrolled) == roster.enrolled


def _without_rows(content: bytes, rows: list[int]) -> bytes:
    """The same workbook with these rows blanked, as the clerk would fix it by deleting them."""
    workbook = openpyxl.load_workbook(io.BytesIO(content))
    sheet = workbook.active
    for number in rows:
        for cell in sheet[number]:
            cell.value = None
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
