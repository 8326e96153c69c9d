"""Bulk enrolment from the files provinces send: their quirks, all-or-nothing, dry runs, permissions,
and a 5,000-row file through the real worker."""

import datetime
import time
import unicodedata

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import translation

from courses.core.files.tabular import read_table
from courses.models import ClassMode, ImportJob, ImportKind, Position, Province, Role
from courses.services.import_jobs import import_job_run
from enrollment.files.enrollment_file import COLUMNS
from enrollment.files.enrollment_rows import identity_mismatch_message
from enrollment.models import AuditEntry, Enrollment, Learner
from enrollment.rules.identity import identity_number_parse
from enrollment.services.enrollment_import import enrolment_import
from tests.api_helpers import assert_error
from tests.enrollment.enrollment_files import HEADINGS_WITH_CMND, csv_bytes, many_people, person, xlsx_bytes
from tests.factories import LearnerFactory, TrainingClassFactory, UserFactory
from tests.roles import MANAGES_THE_CLASS, by_role, succeeding


@pytest.fixture
def online_class(db, trainer):
    return TrainingClassFactory(code="tn-online-2026", trainers=[trainer])


def upload(client, training_class, content: bytes, *, name="danh-sach.xlsx", dry_run=False):
    return client.post(
        f"/api/v1/classes/{training_class.pk}/enrollments/import",
        {"file": SimpleUploadedFile(name, content), "dry_run": "true" if dry_run else "false"},
        format="multipart",
    )


def enrolled_ids(training_class):
    return set(
        Enrollment.objects.filter(training_class=training_class).values_list(
            "learner__national_id", flat=True
        )
    )


def nothing_imported(training_class):
    return not Enrollment.objects.filter(training_class=training_class).exists()


def test_a_good_file_creates_the_missing_learners_and_enrols_everyone(online_class, trainer, client_for):
    known = LearnerFactory(national_id="019085000777", full_name="Đinh Văn Cũ")
    rows = [
        person(1, "Nguyễn Văn An", "019085000001", ethnicity="Tày", email="an@example.vn"),
        person(
            2, "Trần Thị Bình", "019185000002", gender="Nữ", position="chu-tich-ubnd", commune="Bằng Thành"
        ),
        person(3, "Đinh Văn Cũ", "019085000777"),
    ]
    response = upload(client_for(trainer), online_class, xlsx_bytes(rows))

    assert response.status_code == 201, response.content
    report = response.json()["report"]
    assert report["details"] == {
        "learners_created": 2,
        "enrolled": 3,
        "waitlisted": 0,
        "re_enrolled": 0,
        "unchanged": 0,
        "legacy_ids_added": 0,
    }
    assert [(i["row"], i["learner"], i["action"]) for i in report["items"]] == [
        (2, "created", "enrolled"),
        (3, "created", "enrolled"),
        (4, "existing", "enrolled"),
    ]
    assert report["errors"] == [] and report["warnings"] == []
    assert enrolled_ids(online_class) == {"019085000001", "019185000002", "019085000777"}

    an = Learner.objects.select_related("user", "commune", "position").get(national_id="019085000001")
    assert (an.full_name, an.gender, an.ethnicity, an.is_ethnic_minority) == (
        "Nguyễn Văn An",
        "male",
        "Tày",
        True,
    )
    assert str(an.date_of_birth) == "1985-05-17"
    assert an.commune.name == "Xã Bằng Thành" and an.province.code == "19"
    assert an.position.code == "bi-thu-dang-uy"
    assert (an.email, an.phone) == ("an@example.vn", "0912345678")
    assert an.search_text.startswith("nguyen van an")
    assert (an.user.username, an.user.role) == ("019085000001", Role.LEARNER)
    assert not an.user.has_usable_password()
    # Whoever sets the first password (an admin, or the learner through the emailed reset link):
    # an admin's is to be changed at the first sign-in.
    assert an.user.password_change_required
    binh = Learner.objects.get(national_id="019185000002")
    assert (binh.gender, binh.position.code, binh.commune.name) == (
        "female",
        "chu-tich-ubnd",
        "Xã Bằng Thành",
    )
    known.refresh_from_db()
    assert known.full_name == "Đinh Văn Cũ"

    enrollment = Enrollment.objects.get(learner=an, training_class=online_class)
    assert (enrollment.status, enrollment.source, enrollment.enrolled_by) == ("enrolled", "import", trainer)
    assert (
        AuditEntry.objects.filter(entity="enrollment", training_class=online_class, source="import").count()
        == 3
    )


def test_names_in_decomposed_unicode_are_stored_composed_and_match(online_class, trainer, client_for):
    LearnerFactory(national_id="019085000777", full_name="Đinh Văn Cũ")
    decomposed = [
        person(1, unicodedata.normalize("NFD", "Nguyễn Thị Ánh Tuyết"), "019185000001", gender="Nữ"),
        person(2, unicodedata.normalize("NFD", "Đinh Văn Cũ"), "019085000777"),
    ]
    response = upload(client_for(trainer), online_class, xlsx_bytes(decomposed))
    assert response.status_code == 201, response.content
    assert Learner.objects.get(national_id="019185000001").full_name == "Nguyễn Thị Ánh Tuyết"
    # The stored name and the decomposed one are the same name: no warning.
    assert response.json()["report"]["warnings"] == []


def test_ids_stored_as_numbers_get_their_leading_zeros_back(online_class, trainer, client_for):
    rows = [person(1, "Nguyễn Văn An", 1085012345), person(2, "Lê Thị Hoa", 19185012345, gender="Nữ")]
    response = upload(client_for(trainer), online_class, xlsx_bytes(rows))
    assert response.status_code == 201, response.content
    assert enrolled_ids(online_class) == {"001085012345", "019185012345"}
    warnings = response.json()["report"]["warnings"]
    assert [(w["row"], w["field"], w["code"]) for w in warnings] == [
        (2, "national_id", "padded"),
        (3, "national_id", "padded"),
    ]


def test_blank_rows_are_skipped_and_identical_repeats_merged_silently(online_class, trainer, client_for):
    rows = [
        person(1, "Nguyễn Văn An", "019085000001"),
        None,
        None,
        person(2, "Nguyễn Văn An", "019085000001"),  # the same person; only the row number differs
        person(3, "Trần Thị Bình", "019185000002", gender="Nữ"),
    ]
    response = upload(client_for(trainer), online_class, xlsx_bytes(rows, title_rows=2))
    assert response.status_code == 201, response.content
    report = response.json()["report"]
    assert report["total_rows"] == 3
    assert enrolled_ids(online_class) == {"019085000001", "019185000002"}
    # Heading on row 3 (two blank title rows above it): the repeat on row 7 merges without a word.
    assert report["warnings"] == []
    assert [(i["row"], i["national_id"]) for i in report["items"]] == [
        (4, "019085000001"),
        (8, "019185000002"),
    ]


def test_repeats_differing_in_harmless_fields_merge_with_a_warning_naming_rows_fields_and_values(
    online_class, trainer, client_for
):
    rows = [
        person(1, "Nguyễn Văn An", "019085000001", gender=None, email="an@example.vn"),
        person(2, "Trần Thị Bình", "019185000002", gender="Nữ"),
        # The same person: the name in other case and spacing, the id grouped, the rest partly other.
        person(
            3,
            " nguyễn  văn AN ",
            "019 085 000 001",
            gender="Nam",
            position="chu-tich-ubnd",
            phone="0987654321",
            email="an@example.vn",
        ),
    ]
    content = xlsx_bytes(rows)
    dry_run = upload(client_for(trainer), online_class, content, dry_run=True)
    response = upload(client_for(trainer), online_class, content)
    assert response.status_code == 201, response.content
    report = response.json()["report"]
    assert {**dry_run.json()["report"], "dry_run": False} == report
    chairman = Position.objects.get(code="chu-tich-ubnd").name_vi
    assert [(w["row"], w["field"], w["code"], w["message"]) for w in report["warnings"]] == [
        (
            4,
            "national_id",
            "duplicate_merged",
            "Row 4 (identification number 019085000001) is the learner of row 2 (identification number "
            "019085000001), differing in “Giới tính (Nam/Nữ)” (row 2: blank; row 4: “Male”), "
            f"“Chức danh” (row 2: “Bí thư Đảng ủy”; row 4: “{chairman}”), "
            "“Điện thoại” (row 2: “0912345678”; row 4: “0987654321”): merged into one, keeping the values of "
            "row 2. Blank cells of row 2 take the values of row 4.",
        )
    ]
    assert [(i["row"], i["national_id"]) for i in report["items"]] == [
        (2, "019085000001"),
        (3, "019185000002"),
    ]
    an = Learner.objects.select_related("position").get(national_id="019085000001")
    # The first row's values kept, its blank gender taken from the repeat.
    assert (an.full_name, an.phone, an.position.code, an.gender) == (
        "Nguyễn Văn An",
        "0912345678",
        "bi-thu-dang-uy",
        "male",
    )


def test_repeats_differing_in_name_or_birth_date_are_an_error_naming_both_rows(
    online_class, trainer, client_for
):
    rows = [
        person(1, "Nguyễn Văn An", "019085000001"),
        person(2, "Trần Thị Bình", "019185000002", gender="Nữ"),
        person(3, "Nguyễn Văn Ân", "019085000001", born="18/05/1985"),
        person(4, "Trần Thị Bình", "019185000002", gender="Nữ", born="17/05/1986"),
    ]
    response = upload(client_for(trainer), online_class, xlsx_bytes(rows))
    body = assert_error(response, 400)
    assert [(e["row"], e["field"], e["code"], e["message"]) for e in body["errors"]] == [
        (
            4,
            "national_id",
            "duplicate_conflict",
            "Row 2 (identification number 019085000001) and row 4 (identification number 019085000001) are "
            "the same learner but differ in “Họ và tên” (row 2: “Nguyễn Văn An”; row 4: “Nguyễn Văn Ân”), "
            "“Ngày sinh (dd/mm/yyyy)” (row 2: 17/05/1985; row 4: 18/05/1985): correct the wrong row.",
        ),
        (
            5,
            "national_id",
            "duplicate_conflict",
            "Row 3 (identification number 019185000002) and row 5 (identification number 019185000002) are "
            "the same learner but differ in “Ngày sinh (dd/mm/yyyy)” (row 3: 17/05/1985; row 5: 17/05/1986): "
            "correct the wrong row.",
        ),
    ]
    assert nothing_imported(online_class)
    assert not Learner.objects.exists()


# --- identity numbers -------------------------------------------------------------------------------


def test_ids_with_lost_zeros_spaces_dots_and_dashes_are_read(online_class, trainer, client_for):
    rows = [
        person(1, "Nguyễn Văn An", 1085012345),  # an Excel number: two zeros lost
        person(2, "Lê Thị Hoa", "019 185 012 345", gender="Nữ"),
        person(3, "Hà Văn Khánh", "006.085.000.123"),
        person(4, "Đỗ Thị Lan", "019-1-85-000004", gender="Nữ"),
    ]
    response = upload(client_for(trainer), online_class, xlsx_bytes(rows))
    assert response.status_code == 201, response.content
    assert enrolled_ids(online_class) == {"001085012345", "019185012345", "006085000123", "019185000004"}
    report = response.json()["report"]
    assert [(w["row"], w["field"], w["code"]) for w in report["warnings"]] == [(2, "national_id", "padded")]


def test_an_id_disagreeing_with_the_rows_gender_or_birth_year_is_a_warning(online_class, trainer, client_for):
    rows = [
        person(1, "Nguyễn Văn An", "001185012345", gender="Nam", born="17/05/1984"),
        person(2, "Lê Thị Hoa", "019185000002", gender="Nữ", born="03/02/1986"),
        person(3, "Trần Văn Bình", "019285000003", gender="Nam", born="01/01/1985"),
        person(4, "Đinh Thị Cúc", "019185000004", gender="Nữ"),  # agrees
    ]
    response = upload(client_for(trainer), online_class, xlsx_bytes(rows))
    assert response.status_code == 201, response.content
    assert len(enrolled_ids(online_class)) == 4
    # The test settings speak English; the gender words are the stored labels.
    check = "check the identification number, the gender and the date of birth."
    assert [
        (w["row"], w["field"], w["code"], w["message"]) for w in response.json()["report"]["warnings"]
    ] == [
        (
            2,
            "national_id",
            "national_id_mismatch",
            f"Identification number 001185012345 says female born in 1985 (digit 1, 85) but the row says Male, born 1984: {check}",
        ),
        (
            3,
            "national_id",
            "national_id_mismatch",
            f"Identification number 019185000002 says female born in 1985 (digit 1, 85) but the row says Female, born 1986: {check}",
        ),
        (
            4,
            "national_id",
            "national_id_mismatch",
            f"Identification number 019285000003 says male born in 2085 (digit 2, 85) but the row says Male, born 1985: {check}",
        ),
    ]


@translation.override(None)  # the source language, Vietnamese, as users read it
@pytest.mark.parametrize(
    ("gender", "born", "expected"),
    [
        ("male", datetime.date(1984, 5, 17), "nhưng dòng ghi Nam, sinh 1984"),
        ("male", None, "nhưng dòng ghi Nam"),
        (None, datetime.date(1984, 5, 17), "nhưng dòng ghi sinh 1984"),
        ("female", datetime.date(1985, 1, 1), None),
        ("other", datetime.date(1985, 1, 1), None),  # nothing to compare the digit with
    ],
)
def test_the_mismatch_warning_names_both_values(gender, born, expected):
    message = identity_mismatch_message(
        identity_number_parse("001185012345"), gender=gender, date_of_birth=born
    )
    if expected is None:
        assert message is None
    else:
        assert message == (
            f"Số định danh 001185012345 ghi nữ sinh năm 1985 (chữ số 1, 85) {expected}: hãy kiểm tra lại "
            "số định danh, giới tính và ngày sinh."
        )


def test_an_id_without_a_province_code_is_an_error(online_class, trainer, client_for):
    rows = [person(1, "Nguyễn Văn An", "019085000001"), person(2, "Lê Văn Cường", "971085012345")]
    body = assert_error(upload(client_for(trainer), online_class, xlsx_bytes(rows)), 400)
    assert [(e["row"], e["field"]) for e in body["errors"]] == [(3, "national_id")]
    assert "001–096" in body["errors"][0]["message"]
    assert not Learner.objects.exists()


def test_a_row_giving_only_a_stored_cmnd_is_that_learner(online_class, trainer, client_for):
    LearnerFactory(national_id="019085000777", full_name="Đinh Văn Cũ", legacy_id_number="123456789")
    LearnerFactory(national_id="019085000888", full_name="Phạm Văn Đức", legacy_id_number="012345678")
    rows = [
        person(1, "Đinh Văn Cũ", "123456789"),
        person(2, "Phạm Văn Đức", 12345678),  # a CMND starting with 0, typed into a number cell
        person(3, "Nguyễn Văn An", "019085000001"),
    ]
    response = upload(client_for(trainer), online_class, xlsx_bytes(rows))
    assert response.status_code == 201, response.content
    report = response.json()["report"]
    # The uploader gave the CMND: told only the last digits of the id it found.
    assert [(i["row"], i["national_id"], i["legacy_id_number"], i["learner"]) for i in report["items"]] == [
        (2, "********0777", "123456789", "existing"),
        (3, "********0888", "012345678", "existing"),
        (4, "019085000001", "", "created"),
    ]
    assert enrolled_ids(online_class) == {"019085000777", "019085000888", "019085000001"}
    assert [(w["row"], w["field"], w["code"]) for w in report["warnings"]] == [(3, "national_id", "padded")]
    assert Learner.objects.count() == 3  # no learner made of a CMND


def test_a_row_giving_an_unknown_cmnd_is_an_error_asking_for_the_12_digit_id(
    online_class, trainer, client_for
):
    rows = [person(1, "Nguyễn Văn An", "019085000001"), person(2, "Lê Văn Cường", 123456789)]
    body = assert_error(upload(client_for(trainer), online_class, xlsx_bytes(rows)), 400)
    assert [(e["row"], e["field"], e["code"], e["message"]) for e in body["errors"]] == [
        (
            3,
            "national_id",
            "cmnd_not_national_id",
            "“123456789” is an old 9-digit identity card number (CMND), not a personal identification number, "
            "and no learner is stored with this CMND: give the 12-digit personal identification number (the "
            "CMND may be given beside it, in the “Số CMND” column).",
        )
    ]
    assert nothing_imported(online_class)
    assert not Learner.objects.exists()


def test_a_cmnd_column_is_stored_for_new_learners_and_known_ones_without_one(
    online_class, trainer, client_for
):
    without = LearnerFactory(national_id="019085000777", full_name="Đinh Văn Cũ")
    other = LearnerFactory(national_id="019085000888", full_name="Phạm Văn Đức", legacy_id_number="091111111")
    rows = [
        person(1, "Nguyễn Văn An", "019085000001", cmnd="091234567"),
        person(2, "Đinh Văn Cũ", "019085000777", cmnd=92345678),  # its leading zero lost
        person(3, "Phạm Văn Đức", "019085000888", cmnd="093333333"),
        person(4, "Lê Thị Hoa", "019185000004", gender="Nữ"),
    ]
    content = xlsx_bytes(rows, HEADINGS_WITH_CMND)
    dry_run = upload(client_for(trainer), online_class, content, dry_run=True)
    assert dry_run.status_code == 200, dry_run.content
    assert not Learner.objects.exclude(legacy_id_number__in=["", "091111111"]).exists()
    response = upload(client_for(trainer), online_class, content)
    assert response.status_code == 201, response.content
    report = response.json()["report"]
    assert {**dry_run.json()["report"], "dry_run": False} == report
    assert report["details"]["legacy_ids_added"] == 1
    assert [(w["row"], w["field"], w["code"], w["message"]) for w in report["warnings"]] == [
        (3, "legacy_id_number", "padded", "Number “92345678” was padded with leading zeros to 092345678."),
        (
            4,
            "legacy_id_number",
            "legacy_id_differs",
            "The learner with identification number 019085000888 is stored with a CMND other than "
            "093333333: the stored number is kept, unchanged.",
        ),
    ]
    assert Learner.objects.get(national_id="019085000001").legacy_id_number == "091234567"
    assert Learner.objects.get(national_id="019185000004").legacy_id_number == ""
    without.refresh_from_db()
    other.refresh_from_db()
    assert (without.legacy_id_number, other.legacy_id_number) == ("092345678", "091111111")


def test_a_cmnd_stored_for_another_learner_is_an_error(online_class, trainer, client_for):
    LearnerFactory(national_id="019085000888", legacy_id_number="091234567")
    rows = [
        person(1, "Nguyễn Văn An", "019085000001", cmnd="091234567"),
        person(2, "Lê Thị Hoa", "019185000002", gender="Nữ", cmnd="092222222"),
        person(3, "Trần Văn Bình", "019085000003", cmnd="092222222"),
    ]
    body = assert_error(upload(client_for(trainer), online_class, xlsx_bytes(rows, HEADINGS_WITH_CMND)), 400)
    assert [(e["row"], e["field"], e["code"], e["message"]) for e in body["errors"]] == [
        (
            2,
            "legacy_id_number",
            "unique",
            "CMND 091234567 is stored for another learner, not identification number 019085000001.",
        ),
        (
            4,
            "legacy_id_number",
            "duplicate_conflict",
            "Rows 3 and 4 give the same CMND 092222222 for two different identification numbers.",
        ),
    ]
    assert nothing_imported(online_class)


def test_one_person_given_by_id_and_by_cmnd_is_one_learner(online_class, trainer, client_for):
    LearnerFactory(national_id="019085000777", full_name="Đinh Văn Cũ", legacy_id_number="091234567")
    rows = [
        person(1, "Đinh Văn Cũ", "019085000777"),
        person(2, "Nguyễn Văn An", "019085000001", cmnd="092222222"),
        person(3, "Đinh Văn Cũ", "091234567"),  # the stored learner links the two numbers
        person(4, "Nguyễn Văn An", "092222222"),  # row 3 of the file gives both
        person(5, "Lê Văn Cường", "093333333"),  # linked by nothing: refused
    ]
    content = xlsx_bytes(rows, HEADINGS_WITH_CMND)
    body = assert_error(upload(client_for(trainer), online_class, content), 400)
    assert [(e["row"], e["field"], e["code"]) for e in body["errors"]] == [
        (6, "national_id", "cmnd_not_national_id")
    ]

    response = upload(client_for(trainer), online_class, xlsx_bytes(rows[:4], HEADINGS_WITH_CMND))
    assert response.status_code == 201, response.content
    report = response.json()["report"]
    assert [(i["row"], i["national_id"], i["learner"]) for i in report["items"]] == [
        (2, "019085000777", "existing"),
        (3, "019085000001", "created"),
    ]
    assert enrolled_ids(online_class) == {"019085000777", "019085000001"}
    assert Learner.objects.get(national_id="019085000001").legacy_id_number == "092222222"
    # Row 5 repeats row 3 exactly (the same CMND): merged silently.
    assert [(w["row"], w["code"], w["message"]) for w in report["warnings"]] == [
        (
            4,
            "duplicate_merged",
            "Row 4 (CMND 091234567) is the learner of row 2 (identification number 019085000777), differing "
            "in “Số CMND” (row 2: blank; row 4: “091234567”): merged into one, keeping the values of row 2. "
            "Blank cells of row 2 take the values of row 4.",
        )
    ]


def test_a_file_with_a_bad_row_imports_nothing_and_names_row_and_field(online_class, trainer, client_for):
    rows = [
        person(1, "Nguyễn Văn An", "019085000001"),
        person(2, "Trần Thị Bình", "019085000002", gender="Không rõ", born="31/02/1990"),
        person(3, "Lê Văn Cường", "12345", position="Chức danh lạ", commune="Xã Không Có"),
        person(4, "Phạm Thị Dung", "019085000004", gender="Nữ", email="dung@"),
    ]
    response = upload(client_for(trainer), online_class, xlsx_bytes(rows))
    body = assert_error(response, 400)
    assert sorted((e["row"], e["field"]) for e in body["errors"]) == [
        (3, "date_of_birth"),
        (3, "gender"),
        (4, "commune"),
        (4, "national_id"),
        (4, "position"),
        (5, "email"),
    ]
    assert "Không rõ" in next(e["message"] for e in body["errors"] if e["field"] == "gender")
    assert nothing_imported(online_class)
    assert not Learner.objects.exists()
    job = ImportJob.objects.get()
    assert job.status == "failed" and job.params == {"class_id": online_class.pk}


def test_a_new_learner_needs_a_gender_but_a_known_one_does_not(online_class, trainer, client_for):
    LearnerFactory(national_id="019085000777")
    rows = [
        person(1, "Đã Có", "019085000777", gender=None),
        person(2, "Chưa Có", "019085000001", gender=None),
    ]
    body = assert_error(upload(client_for(trainer), online_class, xlsx_bytes(rows)), 400)
    assert [(e["row"], e["field"]) for e in body["errors"]] == [(3, "gender")]


def test_a_dry_run_reports_every_row_and_stores_nothing(online_class, trainer, client_for):
    rows = [person(1, "Nguyễn Văn An", "019085000001"), person(2, "Trần Thị Bình", 19185000002, gender="Nữ")]
    response = upload(client_for(trainer), online_class, xlsx_bytes(rows), dry_run=True)
    assert response.status_code == 200, response.content
    report = response.json()["report"]
    assert report["dry_run"] is True
    assert [(i["row"], i["national_id"], i["learner"], i["action"]) for i in report["items"]] == [
        (2, "019085000001", "created", "enrolled"),
        (3, "019185000002", "created", "enrolled"),
    ]
    assert [(w["row"], w["field"]) for w in report["warnings"]] == [(3, "national_id")]
    assert nothing_imported(online_class)
    assert not Learner.objects.exists()


def test_an_in_person_class_waitlists_beyond_its_capacity(trainer, client_for, db):
    small = TrainingClassFactory(mode=ClassMode.IN_PERSON, capacity=2, planned_size=None, trainers=[trainer])
    already = LearnerFactory(national_id="019085000009")
    Enrollment.objects.create(learner=already, training_class=small, status="enrolled", source="admin")
    rows = many_people(3) + [person(9, already.full_name, "019085000009")]
    response = upload(client_for(trainer), small, xlsx_bytes(rows))
    assert response.status_code == 201, response.content
    assert [i["action"] for i in response.json()["report"]["items"]] == [
        "enrolled",
        "waitlisted",
        "waitlisted",
        "unchanged",
    ]
    assert Enrollment.objects.filter(training_class=small, status="waitlisted").count() == 2


def test_a_csv_from_excel_with_other_headings_and_legacy_province(online_class, trainer, client_for):
    headings = [
        "TT",
        "HỌ TÊN",
        "Số CCCD",
        "Ngày sinh",
        "Giới tính",
        "Chức vụ",
        "Xã, phường",
        "Tỉnh/thành phố",
    ]
    row = {
        "TT": 1,
        "HỌ TÊN": "Hà Văn Khánh",
        "Số CCCD": "6085000123",  # ten digits as text: padded too
        "Ngày sinh": "01/01/1985",
        "Giới tính": "nam",
        "Chức vụ": "BÍ THƯ ĐẢNG UỶ",
        "Xã, phường": "Xã Bằng Thành",
        "Tỉnh/thành phố": "Bắc Kạn",  # merged into Thái Nguyên on 1 July 2025
    }
    response = upload(client_for(trainer), online_class, csv_bytes([row], headings), name="ds.csv")
    assert response.status_code == 201, response.content
    learner = Learner.objects.get(national_id="006085000123")
    assert learner.province.code == "19" and learner.province.is_current
    codes = {w["code"] for w in response.json()["report"]["warnings"]}
    assert codes == {"padded", "legacy_province"}


def test_a_commune_of_another_province_is_an_error(online_class, trainer, client_for):
    hanoi_commune = Province.objects.current().get(code="01").communes.order_by("code").first()
    rows = [person(1, "Nguyễn Văn An", "019085000001", commune=hanoi_commune.name)]
    body = assert_error(upload(client_for(trainer), online_class, xlsx_bytes(rows)), 400)
    assert [(e["row"], e["field"]) for e in body["errors"]] == [(2, "commune")]


def test_a_file_without_the_required_columns_is_refused(online_class, trainer, client_for):
    content = csv_bytes([{"Họ và tên": "An"}], ["Họ và tên", "Ghi chú"], delimiter=",")
    body = assert_error(upload(client_for(trainer), online_class, content, name="ds.csv"), 400)
    assert body["errors"][0]["field"] == "file"
    assert "Số định danh cá nhân/CCCD" in body["errors"][0]["message"]


def test_a_finished_class_takes_no_file(online_class, trainer, client_for):
    online_class.status = "finished"
    online_class.save()
    response = upload(client_for(trainer), online_class, xlsx_bytes(many_people(1)))
    assert_error(response, 409)


# --- permissions -----------------------------------------------------------------------------------


@by_role(succeeding(MANAGES_THE_CLASS, 201))
def test_who_may_import_into_a_class(world, as_role, role, expected):
    response = upload(as_role(role), world.training_class, xlsx_bytes(many_people(1)))
    assert response.status_code == expected, response.content
    assert Learner.objects.filter(national_id="019185000001").exists() == (expected == 201)


def test_an_enrolment_job_is_seen_by_its_uploader_only(world, as_role):
    job_url = upload(as_role("own_trainer"), world.training_class, xlsx_bytes(many_people(1))).json()["url"]
    assert as_role("own_trainer").get(job_url).status_code == 200
    assert as_role("other_trainer").get(job_url).status_code == 404


def test_a_queued_job_rechecks_the_users_right_to_the_class(world, as_role):
    job = ImportJob.objects.create(
        kind=ImportKind.ENROLMENT,
        file_name="ds.xlsx",
        file_content=xlsx_bytes(many_people(1)),
        created_by=world.trainer,
        total_rows=1,
        params={"class_id": world.training_class.pk},
    )
    world.training_class.trainers.clear()  # no longer teaches it
    assert import_job_run(job_id=job.pk).status == "failed"
    job.refresh_from_db()
    assert job.report["error_status"] == 404
    assert (
        nothing_imported(world.training_class)
        or Enrollment.objects.filter(training_class=world.training_class).count() == 1
    )  # only the world's own enrolment


# --- 5,000 rows --------------------------------------------------------------------------------------


def test_five_thousand_rows_take_a_bounded_number_of_queries(online_class, trainer):
    content = xlsx_bytes(many_people(5000))
    table = read_table(content=content, filename="lon.xlsx", columns=COLUMNS)
    with CaptureQueriesContext(connection) as context:
        report = enrolment_import(rows=table.rows, dry_run=False, user=trainer, class_id=online_class.pk)
    assert report.ok, report.errors[:3]
    assert report.details["learners_created"] == 5000
    assert Enrollment.objects.filter(training_class=online_class).count() == 5000
    # Reference maps, known learners and accounts by chunks of 1,000, bulk writes by 1,000.
    assert len(context.captured_queries) < 80, len(context.captured_queries)


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_a_five_thousand_row_file_is_imported_by_the_real_worker(celery_worker, client_for):
    trainer = UserFactory(role=Role.TRAINER)
    position = Position.objects.get(code="bi-thu-dang-uy")
    training_class = TrainingClassFactory(trainers=[trainer], planned_size=5000)
    client = client_for(trainer)

    response = upload(client, training_class, xlsx_bytes(many_people(5000)))

    assert response.status_code == 202, response.content
    url = response["Location"]
    deadline = time.monotonic() + 120
    seen = []
    while True:
        job = client.get(url).json()
        assert job["processed_rows"] <= job["total_rows"] == 5000
        seen.append(job["processed_rows"])
        if job["status"] in ("succeeded", "failed") or time.monotonic() > deadline:
            break
        time.sleep(0.2)
    assert job["status"] == "succeeded", job["report"] and job["report"]["errors"][:3]
    assert job["processed_rows"] == 5000
    assert job["report"]["details"]["learners_created"] == 5000
    assert seen == sorted(seen)  # progress only goes forward
    assert Enrollment.objects.filter(training_class=training_class, status="enrolled").count() == 5000
    assert Learner.objects.filter(position=position, national_id__regex=r"^019[01]85").count() == 5000
