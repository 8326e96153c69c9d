"""Issue 10, finding 8: everything under /api/ answers JSON in the one error shape, whatever the
request: over-large bodies (413), a Host header not allowed, too many fields, a page that is not
one; and no answer carries an exception's raw text."""

import io
import json
import zipfile

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from tests.api_helpers import assert_error
from tests.courses.catalogue_files import good_catalogue, xlsx_bytes

IMPORT_URL = "/api/v1/curricula/import"


# --- over-large bodies ------------------------------------------------------------------------------


def test_an_over_large_json_body_is_a_413_in_the_error_shape(client_for, central_admin, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    body = json.dumps({"code": "x", "name_vi": "y" * 2000, "category": "other"})

    response = client_for(central_admin).post("/api/v1/positions", body, content_type="application/json")

    assert_error(response, 413, "too_large")


def test_an_over_large_form_body_is_a_413_in_the_error_shape(client_for, central_admin, settings):
    """A form-encoded body went through Django's own check, which answered an HTML 400."""
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000

    response = client_for(central_admin).post(
        "/api/v1/positions",
        "code=x&name_vi=" + "y" * 2000,
        content_type="application/x-www-form-urlencoded",
    )

    assert_error(response, 413, "too_large")


def test_over_large_fields_beside_an_upload_are_a_413(client_for, central_admin, settings):
    """Within the upload's allowance as a whole, but its form fields over Django's limit: refused by
    Django's multipart parser inside the view, answered through the API's error handler."""
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    upload = SimpleUploadedFile("danh-muc.xlsx", xlsx_bytes(good_catalogue()))

    response = client_for(central_admin).post(
        IMPORT_URL, {"file": upload, "dry_run": "x" * 2000}, format="multipart"
    )

    assert_error(response, 413, "too_large")


def test_a_body_within_the_limits_is_read(client_for, central_admin):
    response = client_for(central_admin).post(
        "/api/v1/positions",
        {"code": "chuc-danh-moi", "name_vi": "Chức danh mới", "category": "other"},
        format="json",
    )
    assert response.status_code == 201, response.content


def test_413_is_documented_on_every_operation_with_a_body(client, db):
    schema = client.get("/api/schema/", HTTP_ACCEPT="application/json").json()
    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            if "requestBody" in operation:
                assert "413" in operation["responses"], (method, path)


# --- requests Django finds suspicious ---------------------------------------------------------------


def test_a_host_not_allowed_is_a_json_400_under_the_api(client, db):
    response = client.get("/api/v1/me", HTTP_HOST="attacker.example")

    assert response["Content-Type"] == "application/json"
    assert_error(response, 400, "bad_request")


def test_a_host_not_allowed_elsewhere_keeps_djangos_page(client, db):
    response = client.get("/dashboard/", HTTP_HOST="attacker.example")

    assert response.status_code == 400
    assert not response["Content-Type"].startswith("application/json")


def test_too_many_query_fields_are_a_json_400(client_for, central_admin, settings):
    settings.DATA_UPLOAD_MAX_NUMBER_FIELDS = 5
    query = "&".join(f"f{i}=1" for i in range(10))

    response = client_for(central_admin).get(f"/api/v1/positions?{query}")

    assert_error(response, 400, "bad_request")


# --- pages ------------------------------------------------------------------------------------------


@pytest.mark.parametrize("page", ["0", "-1", "x", "9999", "99999999999999999999"])
def test_a_page_that_is_not_one_is_a_400_naming_page(client_for, central_admin, page):
    response = client_for(central_admin).get(f"/api/v1/positions?page={page}")

    body = assert_error(response, 400, "invalid")
    assert [e["field"] for e in body["errors"]] == ["page"]


def test_400_is_documented_on_every_paginated_list(client, db):
    schema = client.get("/api/schema/", HTTP_ACCEPT="application/json").json()
    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            if any(p["name"] == "page" for p in operation.get("parameters", [])):
                assert "400" in operation["responses"], (method, path)


# --- no raw exception text --------------------------------------------------------------------------


def _damaged_sheet() -> bytes:
    """A real .xlsx whose worksheet XML is cut off: openpyxl fails while reading its rows."""
    source = zipfile.ZipFile(io.BytesIO(xlsx_bytes(good_catalogue())))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as target:
        for item in source.infolist():
            data = source.read(item.filename)
            if item.filename.startswith("xl/worksheets/sheet"):
                data = data[: len(data) // 2]
            target.writestr(item, data)
    return out.getvalue()


@pytest.mark.parametrize(
    ("name", "content", "raw"),
    [
        ("danh-muc.xlsx", _damaged_sheet(), ["line", "column", "token", "element"]),
        # Python's csv module refuses a cell over 131,072 characters.
        ("danh-muc.csv", b"code;title_vi\n" + b"a" * 140_000 + b";x\n", ["field limit", "field larger"]),
    ],
)
def test_an_unreadable_file_is_a_400_without_the_parsers_text(client_for, central_admin, name, content, raw):
    response = client_for(central_admin).post(
        IMPORT_URL, {"file": SimpleUploadedFile(name, content)}, format="multipart"
    )

    body = assert_error(response, 400)
    messages = " ".join([body["message"], *(e["message"] for e in body["errors"])])
    assert [e.get("field") for e in body["errors"]] == ["file"]
    for fragment in raw:
        assert fragment not in messages, messages


# --- path parameters and throttles ------------------------------------------------------------------


@pytest.mark.parametrize("code", ["a%00b", "a%20b", "%ED%A0%80"])
def test_a_certificate_code_that_is_no_code_is_a_json_404(client, db, code):
    """A NUL byte reached PostgreSQL, which refuses it in text: a 500."""
    response = client.get(f"/api/v1/certificates/verify/{code}")

    assert_error(response, 404, "not_found")


def test_429_is_documented_on_every_throttled_operation(client, db):
    schema = client.get("/api/schema/", HTTP_ACCEPT="application/json").json()
    responses = schema["paths"]["/api/v1/certificates/verify/{code}"]["get"]["responses"]
    assert responses["429"]["content"]["application/json"]["schema"]["$ref"].endswith("/ErrorResponse")
