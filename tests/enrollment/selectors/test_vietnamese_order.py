"""Learners in Vietnamese order (courses.core.text.vietnamese_name_key, stored as Learner.sort_key) in
every list of people: the learner list, the roster and both XLSX exports; and the key kept by every
path that writes a name."""

import importlib
import io
import random

import openpyxl
import pytest
from django.apps import apps
from django.core.management import call_command
from django.db import connection

from courses.core.files.tabular import read_table
from courses.core.text import vietnamese_name_key
from courses.models import Role
from enrollment.files.enrollment_file import COLUMNS
from enrollment.models import Learner
from enrollment.services.enrollment_import import enrolment_import
from enrollment.services.learners import learner_create, learner_update
from tests.courses.core.test_text import VIETNAMESE_ORDER
from tests.enrollment.enrollment_files import person, xlsx_bytes
from tests.factories import (
    ClassSessionFactory,
    EnrollmentFactory,
    LearnerFactory,
    TrainingClassFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(client_for):
    return client_for(UserFactory(role=Role.CENTRAL_ADMIN))


@pytest.fixture
def shuffled_class(province):
    """A class whose learners were enrolled in no particular order."""
    training_class = TrainingClassFactory(province=province)
    names = VIETNAMESE_ORDER[:]
    random.Random(11).shuffle(names)
    for name in names:
        EnrollmentFactory(
            training_class=training_class, learner=LearnerFactory(full_name=name, province=province)
        )
    return training_class


def sheet_names(response, column: int = 2) -> list[str]:
    assert response.status_code == 200, response.content
    rows = list(
        openpyxl.load_workbook(io.BytesIO(response.content)).worksheets[0].iter_rows(values_only=True)
    )
    return [row[column] for row in rows[1:]]


def test_the_learner_list_is_in_vietnamese_order(shuffled_class, admin_client):
    response = admin_client.get("/api/v1/learners?page_size=100")
    assert response.status_code == 200, response.content
    assert [r["full_name"] for r in response.json()["results"]] == VIETNAMESE_ORDER
    # Asking for the order by name gives the same order, and its reverse.
    ordered = admin_client.get("/api/v1/learners?page_size=100&ordering=full_name").json()["results"]
    assert [r["full_name"] for r in ordered] == VIETNAMESE_ORDER
    reverse = admin_client.get("/api/v1/learners?page_size=100&ordering=-full_name").json()["results"]
    assert [r["full_name"] for r in reverse] == VIETNAMESE_ORDER[::-1]


def test_the_roster_is_in_vietnamese_order(shuffled_class, admin_client):
    response = admin_client.get(f"/api/v1/classes/{shuffled_class.pk}/roster?page_size=100")
    assert response.status_code == 200, response.content
    assert [r["learner"]["full_name"] for r in response.json()["results"]] == VIETNAMESE_ORDER


def test_the_roster_xlsx_is_in_vietnamese_order(shuffled_class, admin_client):
    response = admin_client.get(f"/api/v1/classes/{shuffled_class.pk}/roster.xlsx")
    assert sheet_names(response) == VIETNAMESE_ORDER


def test_the_attendance_sheet_is_in_vietnamese_order(shuffled_class, admin_client):
    response = admin_client.get(f"/api/v1/classes/{shuffled_class.pk}/attendance-sheet.xlsx")
    assert sheet_names(response) == VIETNAMESE_ORDER


def test_a_sessions_roll_call_is_in_vietnamese_order(shuffled_class, admin_client):
    session = ClassSessionFactory(training_class=shuffled_class)
    response = admin_client.get(f"/api/v1/sessions/{session.pk}/attendance?page_size=100")
    assert response.status_code == 200, response.content
    assert [r["learner"]["full_name"] for r in response.json()["results"]] == VIETNAMESE_ORDER


# --- every path that writes a name keeps the key -----------------------------------------------------


def test_the_services_keep_the_key(province, central_admin):
    created = learner_create(
        actor=central_admin,
        national_id="019085000001",
        full_name="Đặng Văn An",
        gender="male",
        province=province,
    ).learner
    assert Learner.objects.get(pk=created.pk).sort_key == vietnamese_name_key("Đặng Văn An")

    learner_update(actor=central_admin, learner=created, data={"full_name": "Vũ Thị Yến"})
    assert Learner.objects.get(pk=created.pk).sort_key == vietnamese_name_key("Vũ Thị Yến")
    # A change that leaves the name alone recomputes the key from the stored name all the same.
    learner_update(actor=central_admin, learner=created, data={"phone": "0912345678"})
    assert Learner.objects.get(pk=created.pk).sort_key == vietnamese_name_key("Vũ Thị Yến")


def test_an_enrolment_file_creates_learners_with_their_key(province, trainer):
    training_class = TrainingClassFactory(province=province, trainers=[trainer])
    rows = [person(1, "Vũ Văn An", "019085000001"), person(2, "Đỗ Thị Bình", "019085000002")]
    table = read_table(content=xlsx_bytes(rows), filename="danh-sach.xlsx", columns=COLUMNS)
    report = enrolment_import(rows=table.rows, dry_run=False, user=trainer, class_id=training_class.pk)
    assert report.ok, report.errors
    keys = dict(Learner.objects.values_list("full_name", "sort_key"))
    assert keys == {name: vietnamese_name_key(name) for name in ("Vũ Văn An", "Đỗ Thị Bình")}


def test_the_migration_fills_the_key_of_stored_learners(shuffled_class):
    Learner.objects.update(sort_key="")  # as stored before the key existed
    migration = importlib.import_module("enrollment.migrations.0008_learner_sort_key")
    with connection.schema_editor() as editor:
        migration.fill_sort_keys(apps, editor)
    assert all(
        key == vietnamese_name_key(name) for name, key in Learner.objects.values_list("full_name", "sort_key")
    )
    assert list(Learner.objects.values_list("full_name", flat=True)) == VIETNAMESE_ORDER


def test_the_generated_dataset_stores_the_key():
    call_command(
        "generate_dataset",
        "--enrolments=300",
        "--central-classes=5",
        "--online-class-size=3",
        "--sessions-per-class=1",
        stdout=open("/dev/null", "w"),  # noqa: SIM115, PTH123 - the command's progress lines
    )
    stored = list(Learner.objects.values_list("full_name", "sort_key"))
    assert len(stored) > 100
    assert all(key and key == vietnamese_name_key(name) for name, key in stored)
