"""Column mappings (issue 12 item 7): /api/v1/column-mappings with every role, and a province's own
roster layout imported with a mapping saved in the dry run, then reused by a second upload."""

from __future__ import annotations

import io
import json

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import IntegrityError

from courses.models import ColumnMapping, ImportJob, ImportStatus, InstitutionKind, Role
from courses.services.import_jobs import import_job_run
from enrollment.models import Enrollment
from tests.api_helpers import assert_error
from tests.factories import TrainingClassFactory, TrainingInstitutionFactory, UserFactory
from tests.roles import client_as

URL = "/api/v1/column-mappings"

# A roster mapping: the headings of Thái Nguyên's own template.
PROVINCE_LAYOUT = {
    "Họ và tên cán bộ": "full_name",
    "Mã số định danh": "national_id",
    "Nam/Nữ": "gender",
    "Chức vụ hiện tại": "position",
}


@pytest.fixture
def local_trainer(province):
    return UserFactory(role=Role.TRAINER, province=province)


@pytest.fixture
def mappings(db, province, other_province, central_admin, local_trainer):
    """A national mapping, one of Thái Nguyên (by its trainer) and one of Hà Nội."""
    return {
        "national": ColumnMapping.objects.create(
            name="Mẫu Zalo Meeting", kind="platform_report", mapping={"Tên": "name"}, created_by=central_admin
        ),
        "own": ColumnMapping.objects.create(
            name="Mẫu Thái Nguyên",
            kind="enrolment",
            mapping=PROVINCE_LAYOUT,
            province=province,
            created_by=local_trainer,
        ),
        "other": ColumnMapping.objects.create(
            name="Mẫu Hà Nội",
            kind="enrolment",
            mapping={"Họ tên CB": "full_name"},
            province=other_province,
            created_by=central_admin,
        ),
    }


def names(response) -> set[str]:
    assert response.status_code == 200, response.content
    return {item["name"] for item in response.json()["results"]}


class TestWhoSeesWhich:
    def test_the_list_per_role(
        self, mappings, learner, local_trainer, trainer, province_admin, other_province_admin, central_admin
    ):
        assert_error(client_as(None).get(URL), 401)
        assert_error(client_as(learner).get(URL), 403)
        assert names(client_as(local_trainer).get(URL)) == {"Mẫu Zalo Meeting", "Mẫu Thái Nguyên"}
        # A trainer of no province uses the national mappings only.
        assert names(client_as(trainer).get(URL)) == {"Mẫu Zalo Meeting"}
        assert names(client_as(province_admin).get(URL)) == {"Mẫu Zalo Meeting", "Mẫu Thái Nguyên"}
        assert names(client_as(other_province_admin).get(URL)) == {"Mẫu Zalo Meeting", "Mẫu Hà Nội"}
        assert names(client_as(central_admin).get(URL)) == {
            "Mẫu Zalo Meeting",
            "Mẫu Thái Nguyên",
            "Mẫu Hà Nội",
        }
        assert names(client_as(central_admin).get(URL, {"kind": "enrolment"})) == {
            "Mẫu Thái Nguyên",
            "Mẫu Hà Nội",
        }

    def test_another_provinces_mapping_is_a_404_for_every_action(
        self, mappings, local_trainer, province_admin
    ):
        other = f"{URL}/{mappings['other'].pk}"
        for user in (local_trainer, province_admin):
            client = client_as(user)
            assert_error(client.get(other), 404)
            assert_error(client.patch(other, {"name": "Của tôi"}, format="json"), 404)
            assert_error(client.delete(other), 404)
        assert ColumnMapping.objects.get(pk=mappings["other"].pk).name == "Mẫu Hà Nội"

    def test_the_detail_shows_whether_the_caller_may_change_it(self, mappings, local_trainer, province_admin):
        own = client_as(local_trainer).get(f"{URL}/{mappings['own'].pk}").json()
        assert own["mapping"] == PROVINCE_LAYOUT
        assert own["province"]["code"] == "19" and own["may_change"] is True
        national = client_as(province_admin).get(f"{URL}/{mappings['national'].pk}").json()
        assert national["province"] is None and national["may_change"] is False


class TestWhoWritesWhich:
    BODY = {"name": "Mẫu huyện cũ", "kind": "enrolment", "mapping": {"Tên CB": "full_name"}}

    def test_anonymous_and_learners_may_not_create(self, db, learner):
        assert_error(client_as(None).post(URL, self.BODY, format="json"), 401)
        assert_error(client_as(learner).post(URL, self.BODY, format="json"), 403)
        assert not ColumnMapping.objects.exists()

    def test_trainers_and_provincial_admins_save_for_their_own_province(
        self, local_trainer, province_admin, province, other_province
    ):
        for user, name in ((local_trainer, "Của giảng viên"), (province_admin, "Của tỉnh")):
            response = client_as(user).post(URL, {**self.BODY, "name": name}, format="json")
            assert response.status_code == 201, response.content
            assert response.json()["province"]["id"] == province.pk
            # Another province, or a national mapping, is not theirs to make.
            other = {**self.BODY, "name": f"{name} 2", "province_id": other_province.pk}
            assert_error(client_as(user).post(URL, other, format="json"), 403, "permission_denied")
            national = {**self.BODY, "name": f"{name} 3", "province_id": None}
            assert_error(client_as(user).post(URL, national, format="json"), 403, "permission_denied")
        assert set(ColumnMapping.objects.values_list("name", "province_id", "created_by_id")) == {
            ("Của giảng viên", province.pk, local_trainer.pk),
            ("Của tỉnh", province.pk, province_admin.pk),
        }

    def test_a_trainer_without_a_province_saves_none(self, trainer):
        assert_error(client_as(trainer).post(URL, self.BODY, format="json"), 403)

    def test_central_admins_save_national_and_provincial_mappings(self, central_admin, other_province):
        national = client_as(central_admin).post(URL, self.BODY, format="json")
        assert national.status_code == 201 and national.json()["province"] is None
        provincial = client_as(central_admin).post(
            URL, {**self.BODY, "province_id": other_province.pk}, format="json"
        )
        assert provincial.status_code == 201 and provincial.json()["province"]["id"] == other_province.pk

    def test_who_changes_and_deletes(self, mappings, local_trainer, province_admin, central_admin, province):
        colleague = UserFactory(role=Role.TRAINER, province=province)
        own = f"{URL}/{mappings['own'].pk}"
        national = f"{URL}/{mappings['national'].pk}"

        # Another trainer of the province sees it, may not change it.
        assert_error(client_as(colleague).patch(own, {"name": "Đổi"}, format="json"), 403)
        assert_error(client_as(colleague).delete(own), 403)
        renamed = client_as(local_trainer).patch(own, {"name": "Mẫu Thái Nguyên 2026"}, format="json")
        assert renamed.status_code == 200, renamed.content
        assert renamed.json()["mapping"] == PROVINCE_LAYOUT
        response = client_as(province_admin).put(
            own, {"name": "Mẫu tỉnh", "kind": "enrolment", "mapping": {"Họ tên": "full_name"}}, format="json"
        )
        assert response.status_code == 200 and response.json()["mapping"] == {"Họ tên": "full_name"}
        # National mappings: central admins only.
        assert_error(client_as(province_admin).patch(national, {"name": "Của tỉnh"}, format="json"), 403)
        assert_error(client_as(local_trainer).delete(national), 403)
        assert client_as(central_admin).patch(national, {"name": "Zalo"}, format="json").status_code == 200

        assert client_as(province_admin).delete(own).status_code == 204
        assert client_as(central_admin).delete(national).status_code == 204
        assert list(ColumnMapping.objects.values_list("name", flat=True)) == ["Mẫu Hà Nội"]

    @pytest.mark.parametrize(
        ("mapping", "field"),
        [
            ({"Tên CB": "ho_ten"}, "mapping.Tên CB"),
            ({"Tên CB": "final_score"}, "mapping.Tên CB"),
            ({"  ": "full_name"}, "mapping"),
            ({}, "mapping"),
            ("Tên CB=full_name", "mapping"),
            ({f"Cột {n}": "phone" for n in range(61)}, "mapping"),
            ({"Tên CB": "full_name", "TÊN CB": "national_id"}, "mapping.TÊN CB"),
        ],
    )
    def test_a_mapping_must_name_fields_of_its_kind(self, local_trainer, mapping, field):
        response = client_as(local_trainer).post(URL, {**self.BODY, "mapping": mapping}, format="json")

        assert field in {e["field"] for e in assert_error(response, 400)["errors"]}
        assert not ColumnMapping.objects.exists()

    def test_a_name_is_unique_within_a_kind_and_province(self, mappings, local_trainer, other_province_admin):
        taken = {"name": "mẫu thái nguyên", "kind": "enrolment", "mapping": {"Tên": "full_name"}}
        response = client_as(local_trainer).post(URL, taken, format="json")
        assert {(e["field"], e["code"]) for e in assert_error(response, 400)["errors"]} == {
            ("name", "unique")
        }
        # The same name is free for another kind, and in another province.
        assert (
            client_as(local_trainer)
            .post(URL, {**taken, "kind": "scores", "mapping": {"Điểm TB": "score"}}, format="json")
            .status_code
            == 201
        )
        assert client_as(other_province_admin).post(URL, taken, format="json").status_code == 201


# --- a province's own roster layout, mapped once and reused ----------------------------------------


def province_roster(people: list[tuple[str, str, str]]) -> bytes:
    """Thái Nguyên's own template: a title block, its own headings, a column the system doesn't read."""
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.title = "DS"
    sheet.append(["SỞ NỘI VỤ TỈNH THÁI NGUYÊN"])
    sheet.append([None, "DANH SÁCH CÁN BỘ CỬ ĐI BỒI DƯỠNG NĂM 2026"])
    sheet.append([])
    sheet.append(
        ["TT", "Họ và tên cán bộ", "Mã số định danh", "Nam/Nữ", "Chức vụ hiện tại", "Đơn vị công tác"]
    )
    for number, (name, national_id, gender) in enumerate(people, start=1):
        sheet.append([number, name, national_id, gender, "Bí thư Đảng ủy", "Đảng ủy xã Bằng Thành"])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def enrol_upload(client, training_class, content: bytes, **fields):
    return client.post(
        f"/api/v1/classes/{training_class.pk}/enrollments/import",
        {"file": SimpleUploadedFile("ds-can-bo.xlsx", content), **fields},
        format="multipart",
    )


def test_a_province_layout_mapped_in_the_dry_run_is_saved_and_reused(local_trainer, province, settings):
    training_class = TrainingClassFactory(code="tn-2026-07", trainers=[local_trainer], province=province)
    client = client_as(local_trainer)
    first = province_roster([("Hoàng Văn Đức", "019086000101", "Nam"), ("Vi Thị Hoa", "019086000102", "Nữ")])

    refused = enrol_upload(client, training_class, first, dry_run="true")
    message = assert_error(refused, 400)["errors"][0]["message"]
    assert "“Mã số định danh”" in message and "mapping" in message

    dry = enrol_upload(client, training_class, first, dry_run="true", mapping=json.dumps(PROVINCE_LAYOUT))
    assert dry.status_code == 200, dry.content
    described = dry.json()["report"]["file"]
    assert described["heading_rows"] == [4]
    assert described["columns"]["national_id"] == "Mã số định danh"
    assert described["ignored_columns"] == ["Đơn vị công tác"]
    assert not Enrollment.objects.filter(training_class=training_class).exists()

    saved = client.post(
        URL, {"name": "Danh sách Sở Nội vụ", "kind": "enrolment", "mapping": PROVINCE_LAYOUT}, format="json"
    )
    assert saved.status_code == 201, saved.content
    mapping_id = saved.json()["id"]

    imported = enrol_upload(client, training_class, first, mapping_id=mapping_id)
    assert imported.status_code == 201, imported.content
    enrolled = Enrollment.objects.filter(training_class=training_class).select_related("learner")
    assert {(e.learner.full_name, e.learner.gender, e.learner.position.name_vi) for e in enrolled} == {
        ("Hoàng Văn Đức", "male", "Bí thư Đảng ủy"),
        ("Vi Thị Hoa", "female", "Bí thư Đảng ủy"),
    }

    # The second list of the year, queued: the job reads it with the mapping as it was at upload,
    # kept in its params apart from the importer's, even if the saved mapping changes meanwhile.
    settings.IMPORT_SYNC_MAX_ROWS = 1
    second = province_roster([("Lò Văn Sơn", "019086000103", "Nam"), ("Hà Thị Mai", "019086000104", "Nữ")])
    queued = enrol_upload(client, training_class, second, mapping_id=mapping_id)
    assert queued.status_code == 202, queued.content
    job = ImportJob.objects.get(pk=queued.json()["id"])
    assert job.params == {
        "class_id": training_class.pk,
        "reader": {"mapping": PROVINCE_LAYOUT, "mapping_id": mapping_id},
    }
    ColumnMapping.objects.filter(pk=mapping_id).update(mapping={"Họ và tên cán bộ": "full_name"})

    job = import_job_run(job_id=job.pk)

    assert job.status == ImportStatus.SUCCEEDED, job.report
    assert job.report["file"]["columns"]["national_id"] == "Mã số định danh"
    assert Enrollment.objects.filter(training_class=training_class).count() == 4


def test_an_upload_may_not_use_another_provinces_or_another_kinds_mapping(mappings, local_trainer, province):
    training_class = TrainingClassFactory(trainers=[local_trainer], province=province)
    content = province_roster([("Hoàng Văn Đức", "019086000101", "Nam")])
    client = client_as(local_trainer)

    for mapping_id in (mappings["other"].pk, mappings["national"].pk):
        response = enrol_upload(client, training_class, content, dry_run="true", mapping_id=mapping_id)
        assert {e["field"] for e in assert_error(response, 400)["errors"]} == {"mapping_id"}
    both = enrol_upload(
        client, training_class, content, mapping_id=mappings["own"].pk, mapping=json.dumps(PROVINCE_LAYOUT)
    )
    assert {e["field"] for e in assert_error(both, 400)["errors"]} == {"mapping"}
    not_json = enrol_upload(client, training_class, content, mapping="Họ và tên cán bộ=full_name")
    assert {e["field"] for e in assert_error(not_json, 400)["errors"]} == {"mapping"}
    # A NUL spelt as a JSON escape inside the form field: refused, never stored in the job's params.
    nul = enrol_upload(client, training_class, content, mapping='{"Họ và tên\\u0000": "full_name"}')
    assert {e["field"] for e in assert_error(nul, 400)["errors"]} == {"mapping"}
    assert not ImportJob.objects.exists()
    assert not Enrollment.objects.filter(training_class=training_class).exists()


def test_the_catalogue_import_takes_a_mapping_too(central_admin):
    # The catalogue's own headings renamed: mapped back, the dry run reads every column.
    from tests.courses.catalogue_files import HEADINGS, good_catalogue, xlsx_bytes

    renamed = {"Mã bộ": "Mã chương trình"}
    rows = [{renamed.get(k, k): v for k, v in row.items()} for row in good_catalogue()]
    content = xlsx_bytes(rows, [renamed.get(h, h) for h in HEADINGS])
    client = client_as(central_admin)
    data = {"file": SimpleUploadedFile("danh-muc.xlsx", content), "dry_run": "true"}

    assert_error(client.post("/api/v1/curricula/import", data, format="multipart"), 400)

    data = {
        "file": SimpleUploadedFile("danh-muc.xlsx", content),
        "dry_run": "true",
        "mapping": json.dumps({"Mã chương trình": "code"}),
    }
    response = client.post("/api/v1/curricula/import", data, format="multipart")
    assert response.status_code == 200, response.content
    assert response.json()["report"]["file"]["columns"]["code"] == "Mã chương trình"


# --- an institution's own mappings: a central school's trainer has no province -------------------


@pytest.fixture
def central_school(db):
    return TrainingInstitutionFactory(
        code="truong-boi-duong-can-bo-bo",
        name="Trường Bồi dưỡng cán bộ Bộ Nội vụ",
        kind=InstitutionKind.CENTRAL,
    )


@pytest.fixture
def school_trainer(central_school):
    """A lecturer of the central school: no province, one central online class of the school."""
    lecturer = UserFactory(role=Role.TRAINER)
    TrainingClassFactory(
        code="tw-truc-tuyen-2026", institution=central_school, organiser_province=None, trainers=[lecturer]
    )
    return lecturer


def test_a_central_schools_trainer_saves_a_mapping_for_the_school_and_reuses_it(
    central_school, school_trainer, trainer, province_admin, central_admin
):
    client = client_as(school_trainer)
    body = {"name": "Danh sách của Trường", "kind": "enrolment", "mapping": PROVINCE_LAYOUT}
    # No province: saving without naming the school is refused, saying what to name.
    refused = assert_error(client.post(URL, body, format="json"), 403, "permission_denied")
    assert "institution_id" in refused["message"]

    saved = client.post(URL, {**body, "institution_id": central_school.pk}, format="json")
    assert saved.status_code == 201, saved.content
    assert saved.json()["province"] is None and saved.json()["may_change"] is True
    assert {k: saved.json()["institution"][k] for k in ("id", "code", "name")} == {
        "id": central_school.pk,
        "code": "truong-boi-duong-can-bo-bo",
        "name": "Trường Bồi dưỡng cán bộ Bộ Nội vụ",
    }
    mapping_id = saved.json()["id"]
    assert names(client.get(URL)) == {"Danh sách của Trường"}
    assert names(client_as(central_admin).get(URL)) == {"Danh sách của Trường"}

    # Reused by id in the enrolment of a class the school runs on a later day.
    later_class = TrainingClassFactory(
        institution=central_school, organiser_province=None, trainers=[school_trainer]
    )
    content = province_roster(
        [("Lường Văn Tâm", "019086000201", "Nam"), ("Đinh Thị Lan", "019086000202", "Nữ")]
    )
    imported = enrol_upload(client, later_class, content, mapping_id=mapping_id)
    assert imported.status_code == 201, imported.content
    assert set(
        Enrollment.objects.filter(training_class=later_class).values_list("learner__full_name", flat=True)
    ) == {"Lường Văn Tâm", "Đinh Thị Lan"}

    # A trainer who teaches none of the school's classes neither sees, changes nor uses it,
    # and the provincial admin of a province the school is not in does not see it either.
    own_class = TrainingClassFactory(trainers=[trainer])
    for outsider in (trainer, province_admin):
        assert names(client_as(outsider).get(URL)) == set()
        assert_error(client_as(outsider).get(f"{URL}/{mapping_id}"), 404)
        assert_error(
            client_as(outsider).patch(f"{URL}/{mapping_id}", {"name": "Của tôi"}, format="json"), 404
        )
        assert_error(client_as(outsider).delete(f"{URL}/{mapping_id}"), 404)
    borrowed = enrol_upload(client_as(trainer), own_class, content, dry_run="true", mapping_id=mapping_id)
    assert {e["field"] for e in assert_error(borrowed, 400)["errors"]} == {"mapping_id"}
    assert not Enrollment.objects.filter(training_class=own_class).exists()
    assert ColumnMapping.objects.get(pk=mapping_id).name == "Danh sách của Trường"


def test_a_trainer_saves_no_mapping_for_an_institution_whose_classes_they_do_not_train(
    central_school, school_trainer, trainer, local_trainer, other_province_admin
):
    body = {
        "name": "Mẫu mượn",
        "kind": "scores",
        "mapping": {"Điểm TB": "score"},
        "institution_id": central_school.pk,
    }
    for outsider in (trainer, local_trainer, other_province_admin):
        assert_error(client_as(outsider).post(URL, body, format="json"), 403, "permission_denied")
    assert not ColumnMapping.objects.exists()


def test_a_mapping_belongs_to_a_province_or_an_institution_never_both(
    central_school, school_trainer, central_admin, province
):
    body = {"name": "Mẫu chung", "kind": "scores", "mapping": {"Điểm TB": "score"}}
    both = {**body, "province_id": province.pk, "institution_id": central_school.pk}
    for user in (central_admin, school_trainer):
        response = client_as(user).post(URL, both, format="json")
        assert {(e["field"], e["code"]) for e in assert_error(response, 400)["errors"]} == {
            ("institution_id", "conflict")
        }
    assert not ColumnMapping.objects.exists()
    with pytest.raises(IntegrityError):
        ColumnMapping.objects.create(
            name="Cả hai",
            kind="scores",
            mapping={"Điểm": "score"},
            province=province,
            institution=central_school,
        )


def test_institution_names_are_unique_within_the_institution(central_school, school_trainer, central_admin):
    body = {"name": "Bảng điểm", "kind": "scores", "mapping": {"Điểm TB": "score"}}
    school = {**body, "institution_id": central_school.pk}
    assert client_as(school_trainer).post(URL, school, format="json").status_code == 201
    taken = client_as(school_trainer).post(URL, {**school, "name": "BẢNG ĐIỂM"}, format="json")
    assert {(e["field"], e["code"]) for e in assert_error(taken, 400)["errors"]} == {("name", "unique")}
    # The same name is free nationally: a national mapping is one of no province and no institution.
    assert client_as(central_admin).post(URL, body, format="json").status_code == 201


def test_provincial_admins_and_the_institutions_of_their_province(
    province, province_admin, other_province_admin, local_trainer
):
    provincial_school = TrainingInstitutionFactory(
        name="Trường Chính trị tỉnh Thái Nguyên", province=province
    )
    TrainingClassFactory(institution=provincial_school, trainers=[local_trainer])
    body = {"name": "Mẫu của Trường", "kind": "scores", "mapping": {"Điểm TB": "score"}}
    made = client_as(local_trainer).post(URL, {**body, "institution_id": provincial_school.pk}, format="json")
    assert made.status_code == 201, made.content
    detail = f"{URL}/{made.json()['id']}"

    # The province's admin sees it and changes it; another province's admin sees nothing.
    assert client_as(province_admin).get(detail).json()["may_change"] is True
    renamed = client_as(province_admin).patch(detail, {"name": "Mẫu của Trường 2026"}, format="json")
    assert renamed.status_code == 200, renamed.content
    assert renamed.json()["institution"]["id"] == provincial_school.pk
    assert_error(client_as(other_province_admin).get(detail), 404)
    assert_error(
        client_as(other_province_admin).post(
            URL, {**body, "institution_id": provincial_school.pk}, format="json"
        ),
        403,
    )
    # A colleague of the province who teaches none of the school's classes: the province's own
    # mappings, not the school's.
    colleague = UserFactory(role=Role.TRAINER, province=province)
    assert_error(client_as(colleague).get(detail), 404)
    assert client_as(province_admin).delete(detail).status_code == 204
