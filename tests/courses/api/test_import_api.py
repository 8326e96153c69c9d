"""POST /api/v1/curricula/import and GET /api/v1/import-jobs: responses, errors, roles, schema."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from drf_spectacular.generators import SchemaGenerator

from courses.models import Curriculum, ImportJob, ImportStatus
from tests.courses.catalogue_files import csv_bytes, good_catalogue, large_catalogue, xlsx_bytes
from tests.roles import CENTRAL_ADMINS, by_role, succeeding

IMPORT_URL = "/api/v1/curricula/import"
JOBS_URL = "/api/v1/import-jobs"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def upload(content: bytes, name: str = "danh-muc.xlsx"):
    return SimpleUploadedFile(name, content, content_type=XLSX if name.endswith("xlsx") else "text/csv")


def post_file(client, content: bytes, name: str = "danh-muc.xlsx", **data):
    return client.post(IMPORT_URL, {"file": upload(content, name), **data}, format="multipart")


def imported_codes():
    return set(
        Curriculum.objects.filter(code__in=["tu-phap-dong-bang", "ubnd-mien-nui"]).values_list(
            "code", flat=True
        )
    )


@by_role(succeeding(CENTRAL_ADMINS, 201))
def test_only_central_admins_import(db, as_role, role, expected):
    response = post_file(as_role(role), xlsx_bytes(good_catalogue()))

    assert response.status_code == expected, response.content
    if response.status_code in (401, 403):
        body = response.json()
        assert body["status"] == response.status_code
        assert body["code"] in ("not_authenticated", "permission_denied")
        assert imported_codes() == set()
        assert not ImportJob.objects.exists()
    else:
        assert imported_codes() == {"tu-phap-dong-bang", "ubnd-mien-nui"}


def test_import_returns_201_with_the_finished_job_and_report(client_for, central_admin):
    response = post_file(client_for(central_admin), xlsx_bytes(good_catalogue()))

    assert response.status_code == 201, response.content
    body = response.json()
    assert body["status"] == "succeeded"
    assert body["kind"] == "catalogue"
    assert body["dry_run"] is False
    assert body["file_name"] == "danh-muc.xlsx"
    assert (body["total_rows"], body["processed_rows"]) == (5, 5)
    assert body["url"].endswith(f"{JOBS_URL}/{body['id']}")
    report = body["report"]
    assert (report["created"], report["updated"], report["unchanged"]) == (2, 0, 0)
    assert report["errors"] == []
    assert Curriculum.objects.get(code="tu-phap-dong-bang").topics.count() == 3


def test_csv_import_through_the_api(client_for, central_admin):
    response = post_file(client_for(central_admin), csv_bytes(good_catalogue()), "danh-muc.csv")

    assert response.status_code == 201, response.content
    assert imported_codes() == {"tu-phap-dong-bang", "ubnd-mien-nui"}


def test_dry_run_returns_200_and_imports_nothing(client_for, central_admin):
    response = post_file(client_for(central_admin), xlsx_bytes(good_catalogue()), dry_run="true")

    assert response.status_code == 200, response.content
    body = response.json()
    assert body["dry_run"] is True
    assert body["report"]["created"] == 2
    assert imported_codes() == set()


def test_a_bad_row_is_a_400_naming_row_and_field_and_imports_nothing(client_for, central_admin):
    rows = good_catalogue()
    rows[1]["Số tiết"] = "0"
    rows[3]["Loại địa bàn"] = "hải đảo"

    response = post_file(client_for(central_admin), xlsx_bytes(rows))

    assert response.status_code == 400
    body = response.json()
    assert body["status"] == 400
    assert body["code"] == "invalid"
    assert "nothing was imported" in body["message"]
    assert [(e["row"], e["field"], e["code"]) for e in body["errors"]] == [
        (3, "hours", "invalid"),
        (5, "area_type", "invalid"),
    ]
    assert imported_codes() == set()
    job = ImportJob.objects.get()
    assert job.status == ImportStatus.FAILED
    assert len(job.report["errors"]) == 2


@pytest.mark.parametrize(
    ("language", "message", "item"),
    [
        ("vi", "Có 1 lỗi: chưa có dữ liệu nào được nhập.", "Số tiết: Phải lớn hơn 0 (hiện là 0)."),
        ("en", "1 error found: nothing was imported.", "Số tiết: Must be greater than 0 (got 0)."),
    ],
)
def test_the_report_follows_the_language(
    client_for, central_admin, production_language, language, message, item
):
    rows = good_catalogue()
    rows[1]["Số tiết"] = 0

    response = client_for(central_admin).post(
        IMPORT_URL, {"file": upload(xlsx_bytes(rows))}, format="multipart", HTTP_ACCEPT_LANGUAGE=language
    )

    body = response.json()
    assert body["message"] == message
    assert body["errors"][0]["message"] == item


def test_a_bad_row_in_a_dry_run_is_also_a_400(client_for, central_admin):
    rows = good_catalogue()
    rows[0]["Ngày ban hành"] = "2026-13-45"

    response = post_file(client_for(central_admin), csv_bytes(rows), "a.csv", dry_run="true")

    assert response.status_code == 400
    assert [(e["row"], e["field"]) for e in response.json()["errors"]] == [(2, "issued_on")]


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"file": SimpleUploadedFile("danh-muc.pdf", b"%PDF-1.4")}, "Unsupported file type"),
        ({"file": SimpleUploadedFile("danh-muc.xlsx", b"PK\x03\x04 not really")}, "not a valid .xlsx"),
        ({"file": SimpleUploadedFile("danh-muc.csv", b"a;b\n1;2\n")}, "No heading row"),
        ({}, "No file was submitted"),
    ],
)
def test_an_unusable_file_is_a_400_on_the_file_field(client_for, central_admin, data, message):
    response = client_for(central_admin).post(IMPORT_URL, data, format="multipart")

    assert response.status_code == 400, response.content
    errors = response.json()["errors"]
    assert [e["field"] for e in errors] == ["file"]
    assert message in errors[0]["message"]
    assert not ImportJob.objects.exists()


def test_a_too_large_file_is_refused(client_for, central_admin, settings):
    settings.IMPORT_MAX_FILE_BYTES = 1024

    response = post_file(client_for(central_admin), xlsx_bytes(good_catalogue()))

    # Too large, not malformed: 413 (issue 10, finding 8), on the file field.
    assert response.status_code == 413, response.content
    assert response.json()["code"] == "too_large"
    assert response.json()["errors"][0]["field"] == "file"


def test_a_bad_dry_run_value_is_a_400(client_for, central_admin):
    response = post_file(client_for(central_admin), xlsx_bytes(good_catalogue()), dry_run="perhaps")

    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == "dry_run"


def test_a_large_file_is_queued_with_202_and_a_job_to_poll(
    client_for, central_admin, settings, django_capture_on_commit_callbacks
):
    settings.IMPORT_SYNC_MAX_ROWS = 10
    client = client_for(central_admin)

    with django_capture_on_commit_callbacks() as callbacks:
        response = post_file(client, xlsx_bytes(large_catalogue(3)))

    assert response.status_code == 202, response.content
    body = response.json()
    assert body["status"] == "pending"
    assert body["total_rows"] == 30
    assert response["Location"] == body["url"]
    assert body["report"] is None
    assert not Curriculum.objects.filter(code__startswith="bulk-").exists()

    # The queued task runs in-process here (CELERY_TASK_ALWAYS_EAGER); the real worker is in
    # test_import_jobs.py.
    for callback in callbacks:
        callback()
    polled = client.get(body["url"]).json()
    assert polled["status"] == "succeeded"
    assert (polled["processed_rows"], polled["total_rows"]) == (30, 30)
    assert polled["report"]["created"] == 3
    assert Curriculum.objects.filter(code__startswith="bulk-").count() == 3


# --- import jobs ----------------------------------------------------------------------------------


def job_of(user, **fields):
    """A finished job stored directly: other roles' import kinds (enrolment) come in later issues."""
    return ImportJob.objects.create(
        kind="catalogue",
        status=ImportStatus.SUCCEEDED,
        file_name="tinh.xlsx",
        file_content=b"",
        created_by=user,
        **fields,
    )


@pytest.fixture
def jobs(client_for, central_admin, province_admin, other_province_admin):
    """One job each of the central admin (through the API), a provincial admin and another one."""
    central = post_file(client_for(central_admin), xlsx_bytes(good_catalogue()), dry_run="true").json()["id"]
    return {
        "central_admin": central,
        "province_admin": job_of(province_admin).pk,
        "other_province_admin": job_of(other_province_admin).pk,
    }


def test_job_endpoints_need_a_signed_in_user(api_client, jobs):
    assert api_client.get(JOBS_URL).status_code == 401
    response = api_client.get(f"{JOBS_URL}/{jobs['central_admin']}")
    assert response.status_code == 401
    assert response.json()["code"] == "not_authenticated"


@pytest.mark.parametrize(
    ("role", "visible"),
    [
        ("learner", set()),
        ("trainer", set()),
        ("province_admin", {"province_admin"}),
        ("other_province_admin", {"other_province_admin"}),
        ("central_admin", {"central_admin", "province_admin", "other_province_admin"}),
    ],
)
def test_a_job_is_seen_by_its_creator_and_central_admins_only(request, client_for, jobs, role, visible):
    client = client_for(request.getfixturevalue(role))

    response = client.get(JOBS_URL)

    assert response.status_code == 200
    assert {j["id"] for j in response.json()["results"]} == {jobs[owner] for owner in visible}
    for owner, job_id in jobs.items():
        detail = client.get(f"{JOBS_URL}/{job_id}")
        if owner in visible:
            assert detail.status_code == 200
            assert "file_content" not in detail.json()
        else:
            assert detail.status_code == 404
            assert detail.json()["code"] == "not_found"


def test_a_job_shows_its_report(client_for, central_admin, jobs):
    detail = client_for(central_admin).get(f"{JOBS_URL}/{jobs['central_admin']}").json()

    assert detail["status"] == "succeeded"
    assert detail["report"]["dry_run"] is True
    assert detail["report"]["created"] == 2
    assert detail["created_by"] == central_admin.pk


def test_jobs_filter_by_status(client_for, central_admin, jobs):
    rows = good_catalogue()
    rows[0]["Số tiết"] = 0
    post_file(client_for(central_admin), xlsx_bytes(rows))

    failed = client_for(central_admin).get(JOBS_URL, {"status": "failed"}).json()["results"]

    assert len(failed) == 1
    assert failed[0]["report"]["errors"][0]["field"] == "hours"


def test_openapi_documents_the_import_and_job_endpoints(db):
    schema = SchemaGenerator().get_schema(request=None, public=True)

    operation = schema["paths"]["/api/v1/curricula/import"]["post"]
    assert set(operation["responses"]) >= {"200", "201", "202", "400", "401", "403"}
    assert "multipart/form-data" in operation["requestBody"]["content"]
    assert "Số tiết" in operation["description"]
    assert "/api/v1/import-jobs/{id}" in schema["paths"]
    assert "/api/v1/import-jobs" in schema["paths"]
