"""A curriculum version does not change once a class has used it (issue 11.7).

The corpus below applies each catalogue edit to a version no class uses and to one a class runs
(with a session teaching its second topic), through the catalogue import and through the API, and
asserts what a user sees: the version updated in place, a new version beside it, or a 400 naming
the topic.
"""

import datetime
import threading
from dataclasses import dataclass, field
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connections, transaction
from django.urls import reverse

from courses.core.files.tabular import read_table
from courses.files.catalogue_file import COLUMNS
from courses.models import (
    ClassMode,
    ClassSession,
    Curriculum,
    CurriculumStatus,
    Level,
    Province,
    TrainingClass,
)
from courses.services.catalogue import catalogue_import
from courses.services.classes import training_class_create
from courses.services.reference_data import starter_catalogue_load
from tests.api_helpers import assert_error
from tests.courses.catalogue_files import curriculum_rows, xlsx_bytes
from tests.factories import ClassSessionFactory, TrainingClassFactory, UserFactory

CODE = "tu-phap-dong-bang"
TOPICS = ((1, "Những vấn đề chung về công tác tư pháp", 4), (2, "Kỹ năng đăng ký hộ tịch", 8))
AS_STORED = [(order, title, Decimal(hours)) for order, title, hours in TOPICS]


def run_import(**changes):
    content = xlsx_bytes(curriculum_rows(CODE, **{"topics": TOPICS, **changes}))
    table = read_table(content=content, filename="danh-muc.xlsx", columns=COLUMNS)
    return catalogue_import(rows=table.rows, dry_run=False, user=None)


def topics_of(curriculum) -> list[tuple]:
    return list(curriculum.topics.values_list("order", "title_vi", "hours"))


@dataclass
class Edit:
    file: dict  # curriculum_rows() arguments
    api: dict  # PATCH body
    stored: list = field(default_factory=lambda: AS_STORED)  # the topics it leaves
    content: bool = True  # changes teaching content
    field: str | None = None  # the field a refusal names
    names: str = ""  # the topic a refusal names


RENAMED = "Kỹ năng đăng ký, quản lý hộ tịch"
EDITS = {
    "add a topic": Edit(
        file={"topics": (*TOPICS, (3, "Hòa giải ở cơ sở", 2.5))},
        api={
            "topics": [
                *({"order": o, "title_vi": t, "hours": h} for o, t, h in TOPICS),
                {"order": 3, "title_vi": "Hòa giải ở cơ sở", "hours": "2.5"},
            ]
        },
        stored=[*AS_STORED, (3, "Hòa giải ở cơ sở", Decimal("2.5"))],
        field="topics.2",
        names="3. “Hòa giải ở cơ sở”",
    ),
    "remove a topic": Edit(
        file={"topics": TOPICS[:1]},
        api={"topics": [{"order": 1, "title_vi": TOPICS[0][1], "hours": 4}]},
        stored=AS_STORED[:1],
        field="topics",
        names="2. “Kỹ năng đăng ký hộ tịch”",
    ),
    "rename a topic": Edit(
        file={"topics": (TOPICS[0], (2, RENAMED, 8))},
        api={
            "topics": [
                {"order": 1, "title_vi": TOPICS[0][1], "hours": 4},
                {"order": 2, "title_vi": RENAMED, "hours": 8},
            ]
        },
        stored=[AS_STORED[0], (2, RENAMED, Decimal(8))],
        field="topics.1.title_vi",
        names="2. “Kỹ năng đăng ký hộ tịch”",
    ),
    "change hours": Edit(
        file={"topics": (TOPICS[0], (2, TOPICS[1][1], 6))},
        api={
            "topics": [
                {"order": 1, "title_vi": TOPICS[0][1], "hours": 4},
                {"order": 2, "title_vi": TOPICS[1][1], "hours": 6},
            ]
        },
        stored=[AS_STORED[0], (2, TOPICS[1][1], Decimal(6))],
        field="topics.1.hours",
        names="2. “Kỹ năng đăng ký hộ tịch”",
    ),
    "drop the final assessment": Edit(
        file={"final_assessment": "không"}, api={"has_final_assessment": False}, field="has_final_assessment"
    ),
    "retitle the curriculum": Edit(
        file={"title": "Bồi dưỡng công chức Tư pháp - hộ tịch"},
        api={"title_vi": "Bồi dưỡng công chức Tư pháp - hộ tịch"},
        content=False,
    ),
}


@pytest.fixture
def version_1(db):
    run_import()
    return Curriculum.objects.get(code=CODE, version=1)


@pytest.fixture(params=["unused", "in use"])
def usage(request, version_1):
    if request.param == "in use":
        training_class = TrainingClassFactory(curriculum=version_1)
        ClassSessionFactory(training_class=training_class, topic=version_1.topics.get(order=2))
    return request.param


@pytest.mark.parametrize("edit_name", EDITS)
def test_a_catalogue_import_of_an_edit(version_1, usage, edit_name):
    edit = EDITS[edit_name]
    sessions_before = list(
        ClassSession.objects.values_list("pk", "topic_id", "topic__hours", "topic__title_vi")
    )

    report = run_import(**edit.file)

    assert report.ok, report.errors
    if usage == "unused" or not edit.content:
        # Updated in place: still one version, carrying the edit.
        assert (report.updated, report.created) == (1, 0)
        assert list(Curriculum.objects.filter(code=CODE).values_list("version", flat=True)) == [1]
        assert topics_of(version_1) == edit.stored
        assert report.items[0].get("in_place_of_version") is None
        return
    # A new version carries the edit; version 1 and its class stay as they were.
    assert (report.created, report.updated) == (1, 0)
    assert report.items == [
        {"code": CODE, "version": 2, "row": 2, "action": "created", "in_place_of_version": 1}
    ]
    (warning,) = report.warnings
    assert warning.row == 2 and "v1" in warning.message and "2" in warning.message
    version_1.refresh_from_db()
    assert topics_of(version_1) == AS_STORED and version_1.has_final_assessment is True
    assert version_1.status == CurriculumStatus.RETIRED  # the new version is the active one
    version_2 = Curriculum.objects.get(code=CODE, version=2)
    assert topics_of(version_2) == edit.stored and version_2.status == CurriculumStatus.ACTIVE
    assert version_2.has_final_assessment is (edit.file.get("final_assessment") != "không")
    assert version_1.classes.count() == 1  # the class still runs version 1
    assert (
        list(ClassSession.objects.values_list("pk", "topic_id", "topic__hours", "topic__title_vi"))
        == sessions_before
    )


@pytest.mark.parametrize("edit_name", EDITS)
def test_an_api_edit(version_1, usage, edit_name, client_for, central_admin):
    edit = EDITS[edit_name]
    response = client_for(central_admin).patch(f"/api/v1/curricula/{version_1.pk}", edit.api, format="json")
    if usage == "unused" or not edit.content:
        assert response.status_code == 200, response.content
        assert topics_of(version_1) == edit.stored
        return
    body = assert_error(response, 400, "curriculum_in_use")
    assert "tu-phap-dong-bang v1" in body["message"] and "class-" in body["message"]
    (item,) = body["errors"]
    assert item["field"] == edit.field
    assert edit.names in item["message"]
    version_1.refresh_from_db()
    assert topics_of(version_1) == AS_STORED and version_1.has_final_assessment is True


def test_importing_the_same_changed_file_again_changes_nothing(version_1):
    TrainingClassFactory(curriculum=version_1)
    first = run_import(**EDITS["change hours"].file)
    again = run_import(**EDITS["change hours"].file)
    assert first.created == 1
    assert (again.created, again.updated, again.unchanged) == (0, 0, 1)
    assert again.items[0]["version"] == 2 and again.items[0]["in_place_of_version"] == 1
    assert Curriculum.objects.filter(code=CODE).count() == 2


def test_a_further_change_makes_a_further_version(version_1):
    TrainingClassFactory(curriculum=version_1)
    run_import(**EDITS["change hours"].file)
    TrainingClassFactory(curriculum=Curriculum.objects.get(code=CODE, version=2))
    report = run_import(**EDITS["remove a topic"].file)
    assert report.items[0]["version"] == 3
    assert topics_of(Curriculum.objects.get(code=CODE, version=2)) == EDITS["change hours"].stored
    assert topics_of(Curriculum.objects.get(code=CODE, version=3)) == EDITS["remove a topic"].stored


def test_a_dry_run_tells_the_new_version_and_writes_nothing(version_1):
    TrainingClassFactory(curriculum=version_1)
    content = xlsx_bytes(curriculum_rows(CODE, **EDITS["change hours"].file))
    table = read_table(content=content, filename="danh-muc.xlsx", columns=COLUMNS)
    report = catalogue_import(rows=table.rows, dry_run=True, user=None)
    assert report.items[0]["version"] == 2 and report.items[0]["in_place_of_version"] == 1
    assert Curriculum.objects.filter(code=CODE).count() == 1 and topics_of(version_1) == AS_STORED


def test_reloading_the_reference_data_leaves_a_starter_version_in_use_as_the_import_left_it(db):
    starter = Curriculum.objects.get(code="csau-ubnd-dong-bang", version=1)
    TrainingClassFactory(curriculum=starter)
    rows = [
        {
            "Mã bộ": starter.code,
            "Phiên bản": 1,
            "Tên bộ chương trình": starter.title_vi,
            "Chức danh": "tu-phap-ho-tich",
            "STT chuyên đề": 1,
            "Tên chuyên đề": "Một chuyên đề",
            "Số tiết": 4,
        }
    ]
    table = read_table(content=xlsx_bytes(rows), filename="danh-muc.xlsx", columns=COLUMNS)
    assert catalogue_import(rows=table.rows, dry_run=False, user=None).items[0]["version"] == 2
    topics = topics_of(starter)
    starter_catalogue_load()
    starter.refresh_from_db()
    assert starter.status == CurriculumStatus.RETIRED and topics_of(starter) == topics


def test_the_back_office_shows_the_topics_of_a_version_in_use_read_only(version_1, client):
    client.force_login(UserFactory(is_superuser=True, is_staff=True))
    url = reverse("admin:courses_curriculum_change", args=[version_1.pk])
    assert 'name="topics-0-hours"' in client.get(url).content.decode()
    TrainingClassFactory(curriculum=version_1)
    page = client.get(url).content.decode()
    assert 'name="topics-0-hours"' not in page and 'name="has_final_assessment"' not in page
    assert "Kỹ năng đăng ký hộ tịch" in page


def test_uploading_a_file_that_removes_a_topic_in_use_makes_a_new_version(
    version_1, client_for, central_admin
):
    """Through the upload endpoint, the removal ended the job with a server error (500)."""
    TrainingClassFactory(curriculum=version_1)
    ClassSessionFactory(training_class=version_1.classes.get(), topic=version_1.topics.get(order=2))
    content = xlsx_bytes(curriculum_rows(CODE, **EDITS["remove a topic"].file))
    upload = SimpleUploadedFile("danh-muc.xlsx", content, content_type="application/octet-stream")

    response = client_for(central_admin).post(
        "/api/v1/curricula/import", {"file": upload}, format="multipart"
    )

    assert response.status_code == 201, response.content
    report = response.json()["report"]
    assert report["error_status"] is None and report["errors"] == []
    assert report["items"][0]["version"] == 2 and report["items"][0]["in_place_of_version"] == 1
    assert report["warnings"][0]["field"] == "version" and report["warnings"][0]["row"] == 2
    assert topics_of(version_1) == AS_STORED


def test_the_refusal_is_in_english_on_request(version_1, client_for, central_admin):
    TrainingClassFactory(curriculum=version_1, code="lop-tu-phap")
    response = client_for(central_admin).patch(
        f"/api/v1/curricula/{version_1.pk}",
        EDITS["remove a topic"].api,
        format="json",
        HTTP_ACCEPT_LANGUAGE="en",
    )
    body = assert_error(response, 400, "curriculum_in_use")
    assert body["message"].startswith("Classes already run curriculum tu-phap-dong-bang v1 (lop-tu-phap)")
    assert body["errors"][0]["message"] == (
        "Topic 2. “Kỹ năng đăng ký hộ tịch” cannot be removed: class(es) lop-tu-phap run this version."
    )


@pytest.mark.django_db(transaction=True)
def test_an_import_racing_a_new_class_leaves_the_version_the_class_runs_alone(central_admin):
    """The class is created on version 1 while an import changing version 1 runs: without a lock
    on the version, the import saw no class yet and rewrote the hours the class then ran."""
    run_import()
    version_1 = Curriculum.objects.get(code=CODE, version=1)
    outcome = {}

    def importing():
        try:
            outcome["report"] = run_import(**EDITS["change hours"].file)
        except Exception as exc:  # reported below
            outcome["error"] = exc
        finally:
            connections.close_all()

    thread = threading.Thread(target=importing)
    with transaction.atomic():
        training_class_create(
            actor=central_admin,
            code="lop-dua",
            title="Lớp bồi dưỡng",
            curriculum=version_1,
            province=Province.objects.current().get(code="19"),
            mode=ClassMode.ONLINE,
            level=Level.PROVINCIAL,
            start_date=datetime.date(2026, 9, 1),
            end_date=datetime.date(2026, 9, 30),
        )
        thread.start()
        thread.join(timeout=1)  # the import waits for the class's transaction
        assert thread.is_alive()
    thread.join(timeout=30)
    assert "error" not in outcome, outcome
    assert outcome["report"].items[0]["version"] == 2
    assert topics_of(version_1) == AS_STORED
    assert TrainingClass.objects.get(code="lop-dua").curriculum == version_1
