"""Personal data follows a relationship someone legitimately created (issue 10, finding 1).

Seen from the Thái Nguyên class of tests.class_world: its trainer and the provincial admins try to
reach learners of another province by enrolling them; what a trainer reads of the learners of their
class; withdrawal ends it; every read is recorded, and central admins query that record.
"""

import datetime
import io

import openpyxl
import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext

from courses.core.errors import DomainError
from courses.models import ClassStatus, Province
from enrollment.models import Enrollment, EnrollmentSource, EnrollmentStatus, LearnerDataAccess
from enrollment.services.enrollments import enrollments_bulk_create
from tests.api_helpers import assert_error
from tests.enrollment.enrollment_files import person, xlsx_bytes
from tests.factories import EnrollmentFactory, LearnerFactory, TrainingClassFactory
from tests.roles import CENTRAL_ADMINS_AMONG_CLASS_ROLES, by_role

PERSONAL = ("date_of_birth", "ethnicity", "is_ethnic_minority", "phone", "email")


def masked(learner) -> str:
    return "********" + learner.national_id[-4:]


def enrol(client, training_class, **body):
    return client.post(f"/api/v1/classes/{training_class.pk}/enrollments", body, format="json")


def xlsx_rows(response) -> list[list]:
    assert response.status_code == 200, response.content
    workbook = openpyxl.load_workbook(io.BytesIO(response.content))
    return [list(row) for row in workbook.worksheets[0].iter_rows(values_only=True)]


@pytest.fixture
def strangers(world):
    """Learners of Hà Nội with everything an attacker wants, on no Thái Nguyên roster."""
    return [
        LearnerFactory(
            province=world.there,
            full_name=f"Người Hà Nội {n}",
            phone=f"09000000{n:02d}",
            email=f"hn{n}@example.vn",
            date_of_birth=datetime.date(1970, 1, n + 1),
        )
        for n in range(3)
    ]


# --- the attack: enrol anyone, then read them ----------------------------------------------------


def test_a_trainer_cannot_enrol_learners_of_another_province_to_read_them(world, as_role, strangers):
    trainer = as_role("own_trainer")
    ids = [world.joiner.pk, *(s.pk for s in strangers)]
    body = assert_error(enrol(trainer, world.training_class, learner_ids=ids), 403, "learner_out_of_scope")
    # Every learner at fault is named by position and id, and nothing of them is given away.
    assert [e["field"] for e in body["errors"]] == ["learner_ids.1", "learner_ids.2", "learner_ids.3"]
    assert all(str(s.pk) in e["message"] for s, e in zip(strangers, body["errors"], strict=True))
    assert not any(s.full_name in str(body) for s in strangers)
    # All or nothing: not even the learner of the class's province was enrolled.
    assert not Enrollment.objects.filter(
        training_class=world.training_class, learner__in=[world.joiner, *strangers]
    )

    one = assert_error(enrol(trainer, world.training_class, learner_id=strangers[0].pk), 403)
    assert [e["field"] for e in one["errors"]] == ["learner_id"]
    for stranger in strangers:
        assert_error(trainer.get(f"/api/v1/learners/{stranger.pk}"), 404)
    listed = trainer.get("/api/v1/learners").json()["results"]
    assert {x["id"] for x in listed} == {world.learner.pk}


def test_a_provincial_admin_cannot_enrol_another_provinces_learner_through_a_draft_class(
    world, as_role, strangers
):
    draft = TrainingClassFactory(province=world.here, status=ClassStatus.DRAFT, code="tn-nhap")
    admin = as_role("province_admin")
    assert_error(enrol(admin, draft, learner_id=strangers[0].pk), 403, "learner_out_of_scope")
    assert_error(enrol(admin, draft, learner_ids=[s.pk for s in strangers]), 403, "learner_out_of_scope")
    assert not Enrollment.objects.filter(training_class=draft).exists()
    assert_error(admin.get(f"/api/v1/learners/{strangers[0].pk}"), 404)
    # Their own province's learners they enrol as before.
    assert enrol(admin, draft, learner_id=world.joiner.pk).status_code == 201


@pytest.mark.parametrize("actor", ["trainer", "anonymous"])
def test_the_rule_is_the_services_whoever_calls_it(world, strangers, actor):
    with pytest.raises(DomainError) as refused:
        enrollments_bulk_create(
            training_class=world.training_class,
            learner_ids=[world.joiner.pk, strangers[0].pk],
            actor=world.trainer if actor == "trainer" else AnonymousUser(),
            source=EnrollmentSource.TRAINER,
        )
    assert (refused.value.status, refused.value.code) == (403, "learner_out_of_scope")
    refused_ids = [e.field for e in refused.value.errors]
    assert refused_ids == (["learner_ids.1"] if actor == "trainer" else ["learner_ids.0", "learner_ids.1"])


def test_a_file_cannot_enrol_another_provinces_learners_or_place_new_ones_there(world, as_role, strangers):
    hanoi_commune = world.there.communes.order_by("code").first()
    rows = [
        person(1, "Tên Khác", strangers[0].national_id),  # a stored Hà Nội learner, under another name
        person(2, "Người Mới Hà Nội", "001090000123", commune=hanoi_commune.name, province="Hà Nội"),
        person(3, "Người Mới Thái Nguyên", "019090000123"),
    ]
    url = f"/api/v1/classes/{world.training_class.pk}/enrollments/import"
    for dry_run in ("true", "false"):
        response = as_role("own_trainer").post(
            url,
            {"file": SimpleUploadedFile("danh-sach.xlsx", xlsx_bytes(rows)), "dry_run": dry_run},
            format="multipart",
        )
        body = assert_error(response, 400)
        assert [(e["row"], e["field"], e["code"]) for e in body["errors"]] == [
            (2, "national_id", "learner_out_of_scope"),
            (3, "province", "learner_out_of_scope"),
        ]
        # Not the stored name, nor anything else of the stored learner.
        assert strangers[0].full_name not in response.content.decode()
    assert not Enrollment.objects.filter(training_class=world.training_class, learner__province=world.there)
    assert not Enrollment.objects.filter(learner__national_id__in=["001090000123", "019090000123"]).exists()


def test_a_learner_of_a_legacy_unit_merged_into_the_classs_province_is_in_scope(world, as_role):
    bac_kan = Province.objects.legacy().get(code="06")  # part of Thái Nguyên since 1 July 2025
    from_bac_kan = LearnerFactory(province=bac_kan)
    response = enrol(as_role("own_trainer"), world.training_class, learner_id=from_bac_kan.pk)
    assert response.status_code == 201, response.content
    # A class held in the legacy unit enrols the learners of the province it became part of.
    legacy_class = TrainingClassFactory(
        province=bac_kan, start_date=datetime.date(2025, 6, 1), trainers=[world.trainer], code="bk-cu"
    )
    assert enrol(as_role("own_trainer"), legacy_class, learner_id=world.joiner.pk).status_code == 201


def test_a_learner_who_applied_to_the_class_may_be_enrolled_again(world, as_role, strangers):
    EnrollmentFactory(
        learner=strangers[0],
        training_class=world.training_class,
        source=EnrollmentSource.SELF,
        status=EnrollmentStatus.WITHDRAWN,
    )
    response = enrol(as_role("own_trainer"), world.training_class, learner_ids=[strangers[0].pk])
    assert response.status_code == 200, response.content
    assert response.json()["enrolled"] == [strangers[0].pk]


def test_a_central_admin_enrols_anyone_and_the_class_reads_the_roster_fields(world, as_role, strangers):
    stranger = strangers[0]
    assert enrol(as_role("central_admin"), world.training_class, learner_id=stranger.pk).status_code == 201
    for role in ("own_trainer", "province_admin"):  # the admin of the class's, not the learner's province
        record = as_role(role).get(f"/api/v1/learners/{stranger.pk}").json()
        assert (record["record"], record["national_id"], record["phone"]) == (
            "roster",
            masked(stranger),
            None,
        )
    # The learner's own province keeps the full record.
    record = as_role("other_province_admin").get(f"/api/v1/learners/{stranger.pk}").json()
    assert (record["record"], record["national_id"], record["phone"]) == (
        "full",
        stranger.national_id,
        stranger.phone,
    )


# --- what a trainer reads --------------------------------------------------------------------------


def test_a_trainer_reads_the_roster_fields_of_their_learners_only(world, as_role):
    learner = world.learner
    learner.phone, learner.email, learner.ethnicity = "0912000111", "an@example.vn", "Tày"
    learner.save()
    trainer = as_role("own_trainer")
    class_url = f"/api/v1/classes/{world.training_class.pk}"
    shown = [
        trainer.get(f"/api/v1/learners/{learner.pk}").json(),
        trainer.get("/api/v1/learners").json()["results"][0],
        trainer.get(f"{class_url}/roster").json()["results"][0]["learner"],
    ]
    for record in shown:
        assert (record["id"], record["full_name"], record["record"]) == (
            learner.pk,
            "Nguyễn Văn An",
            "roster",
        )
        assert record["national_id"] == record["username"] == masked(learner)
        assert record["position"]["id"] == world.position.pk
        assert all(record[name] is None for name in PERSONAL)
    sheet = trainer.get(f"/api/v1/sessions/{world.session.pk}/attendance").json()["results"][0]
    assert sheet["learner"] == {
        "id": learner.pk,
        "national_id": masked(learner),
        "full_name": "Nguyễn Văn An",
    }

    for name in ("roster.xlsx", "attendance-sheet.xlsx"):
        rows = xlsx_rows(trainer.get(f"{class_url}/{name}"))
        cells = {str(cell) for row in rows for cell in row if cell is not None}
        assert masked(learner) in cells and "Nguyễn Văn An" in cells
        assert not cells & {learner.national_id, "0912000111", "an@example.vn", "Tày", "17/05/1985"}

    # The admins of the learner's province and central admins read it in full, in the files too.
    for role in ("province_admin", "central_admin"):
        rows = xlsx_rows(as_role(role).get(f"{class_url}/roster.xlsx"))
        assert rows[1][1:10] == [
            learner.national_id,
            "Nguyễn Văn An",
            "Female",  # the reader's language: the test settings' English
            "17/05/1985",
            "Tày",
            world.position.name_vi,
            None,
            "0912000111",
            "an@example.vn",
        ]


def test_searching_by_id_digits_reveals_no_more_than_the_roster_shows(world, as_role):
    an = world.learner.national_id
    searches = {
        "last four": an[-4:],
        "first six": an[:6],
        "all twelve": an,
        "name then id": f"nguyen van an {an[:4]}",
    }
    for url in (f"/api/v1/classes/{world.training_class.pk}/roster", "/api/v1/learners"):
        for role, found in {
            "own_trainer": {"last four"},
            "province_admin": set(searches),
            "central_admin": set(searches),
        }.items():
            hits = {
                name
                for name, query in searches.items()
                if as_role(role).get(url, {"search": query}).json()["count"]
            }
            assert hits == found, (url, role)


# --- withdrawal ends access ----------------------------------------------------------------------


def test_a_withdrawn_enrolment_grants_nothing(world, as_role):
    trainer = as_role("own_trainer")
    class_url = f"/api/v1/classes/{world.training_class.pk}"
    assert trainer.get(f"/api/v1/learners/{world.learner.pk}").status_code == 200
    assert trainer.post(f"/api/v1/enrollments/{world.enrollment.pk}/withdraw").status_code == 200

    assert_error(trainer.get(f"/api/v1/learners/{world.learner.pk}"), 404)
    assert trainer.get("/api/v1/learners").json()["count"] == 0
    assert trainer.get(f"{class_url}/roster").json()["count"] == 0
    for name in ("roster.xlsx", "attendance-sheet.xlsx"):
        assert len(xlsx_rows(trainer.get(f"{class_url}/{name}"))) == 1  # the headings only
    # The admin of the learner's province and the ministry's still read them (as such), withdrawal
    # included.
    for reader in ("province_admin", "central_admin"):
        roster = as_role(reader).get(f"{class_url}/roster").json()["results"]
        assert [(r["learner"]["national_id"], r["status"]) for r in roster] == [
            (world.learner.national_id, "withdrawn")
        ], reader
    # The learner keeps their history.
    mine = as_role("own_learner").get("/api/v1/me/enrollments").json()["results"]
    assert [e["status"] for e in mine] == ["withdrawn"]


def test_a_province_admin_reading_another_provinces_learner_loses_them_at_withdrawal(world, as_role):
    hanoi = LearnerFactory(province=world.there)
    enrolled = as_role("central_admin").post(
        f"/api/v1/classes/{world.training_class.pk}/enrollments", {"learner_id": hanoi.pk}, format="json"
    )
    admin = as_role("province_admin")
    assert admin.get(f"/api/v1/learners/{hanoi.pk}").json()["record"] == "roster"
    as_role("central_admin").post(f"/api/v1/enrollments/{enrolled.json()['id']}/withdraw")
    assert_error(admin.get(f"/api/v1/learners/{hanoi.pk}"), 404)
    roster = admin.get(f"/api/v1/classes/{world.training_class.pk}/roster").json()["results"]
    assert hanoi.pk not in {r["learner"]["id"] for r in roster}


# --- every read is recorded ----------------------------------------------------------------------


def _recorded(reader) -> list[tuple]:
    return list(
        LearnerDataAccess.objects.filter(reader=reader)
        .order_by("learner_id")
        .values_list("learner_id", "endpoint", "training_class_id", "full_record")
    )


@pytest.mark.parametrize(
    ("path", "endpoint", "through_class"),
    [
        ("/api/v1/learners/{learner}", "learner-detail", False),
        ("/api/v1/learners", "learner-list", False),
        ("/api/v1/classes/{class}/roster", "class-roster", True),
        ("/api/v1/sessions/{session}/attendance", "session-attendance", True),
        ("/api/v1/classes/{class}/roster.xlsx", "class-roster-xlsx", True),
        ("/api/v1/classes/{class}/attendance-sheet.xlsx", "class-attendance-sheet-xlsx", True),
    ],
)
def test_every_read_of_a_learner_by_someone_else_is_recorded(world, as_role, path, endpoint, through_class):
    url = path.format(
        learner=world.learner.pk, **{"class": world.training_class.pk, "session": world.session.pk}
    )
    assert as_role("own_trainer").get(url).status_code == 200
    assert as_role("province_admin").get(url).status_code == 200
    klass = world.training_class.pk if through_class else None
    assert _recorded(world.trainer) == [(world.learner.pk, endpoint, klass, False)]
    recorded = LearnerDataAccess.objects.filter(
        reader=world.users["province_admin"], learner=world.learner
    ).get()
    assert (recorded.endpoint, recorded.full_record, recorded.path) == (endpoint, True, url)


def test_reading_ones_own_record_is_not_recorded(world, as_role):
    assert as_role("own_learner").get("/api/v1/me/learner").status_code == 200
    assert not LearnerDataAccess.objects.exists()


def test_a_page_of_learners_is_recorded_in_one_insert(world, as_role):
    for _ in range(30):
        EnrollmentFactory(training_class=world.other_class, learner=LearnerFactory(province=world.there))
    client = as_role("other_trainer")
    with CaptureQueriesContext(connection) as queries:
        page = client.get(f"/api/v1/classes/{world.other_class.pk}/roster?page_size=100").json()
    inserts = [q["sql"] for q in queries if q["sql"].startswith('INSERT INTO "enrollment_learnerdataaccess"')]
    assert page["count"] == 31 and len(inserts) == 1
    assert LearnerDataAccess.objects.filter(reader=world.other_trainer).count() == 31


# --- the record, for central admins --------------------------------------------------------------


@by_role(CENTRAL_ADMINS_AMONG_CLASS_ROLES)
def test_only_central_admins_read_the_record(world, as_role, role, expected):
    as_role("own_trainer").get(f"/api/v1/learners/{world.learner.pk}")
    response = as_role(role).get("/api/v1/learner-data-access")
    if expected != 200:
        assert_error(response, expected)
        return
    (entry,) = response.json()["results"]
    assert entry["reader"] == world.trainer.pk and entry["reader_role"] == "trainer"
    assert (entry["learner"], entry["endpoint"], entry["full_record"]) == (
        world.learner.pk,
        "learner-detail",
        False,
    )


def test_the_record_is_filtered_and_paginated(world, as_role):
    as_role("own_trainer").get(f"/api/v1/learners/{world.learner.pk}")
    as_role("other_trainer").get("/api/v1/learners")
    as_role("province_admin").get("/api/v1/learners")  # An and Bình
    old = LearnerDataAccess.objects.filter(reader=world.trainer).get()
    old.at = datetime.datetime(2026, 1, 1, 12, tzinfo=datetime.UTC)
    old.save()
    admin = as_role("central_admin")

    def count(query: str) -> int:
        response = admin.get(f"/api/v1/learner-data-access?{query}")
        assert response.status_code == 200, response.content
        return response.json()["count"]

    assert count("") == 4
    assert count(f"learner={world.learner.pk}") == 2
    assert count(f"reader={world.other_trainer.pk}") == 1
    assert count("endpoint=learner-list") == 3
    assert count("since=2026-01-01&until=2026-01-01") == 1
    assert count("until=2025-12-31") == 0
    assert count("since=2026-01-02") == 3
    assert count("until=9999-12-31") == 4
    page = admin.get("/api/v1/learner-data-access?page_size=2").json()
    assert (page["count"], len(page["results"])) == (4, 2)
    assert_error(admin.get("/api/v1/learner-data-access?since=hier"), 400)
