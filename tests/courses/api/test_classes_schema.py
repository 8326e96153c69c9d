"""The OpenAPI schema of the class, learner and enrolment endpoints: each is there, described, and
answers errors with the one ErrorResponse."""

import pytest
import yaml
from django.core.management import call_command

PATHS = {
    "/api/v1/institutions": {"get", "post"},
    "/api/v1/institutions/{id}": {"get", "put", "patch", "delete"},
    "/api/v1/classes": {"get", "post"},
    "/api/v1/classes/{id}": {"get", "put", "patch", "delete"},
    "/api/v1/classes/{id}/status": {"post"},
    "/api/v1/classes/{id}/trainers": {"put"},
    "/api/v1/classes/{id}/sessions": {"get", "post"},
    "/api/v1/sessions": {"get"},
    "/api/v1/sessions/{id}": {"get", "put", "patch", "delete"},
    "/api/v1/learners": {"get", "post"},
    "/api/v1/learners/{id}": {"get", "put", "patch"},
    "/api/v1/learners/{id}/reset-password": {"post"},
    "/api/v1/me/learner": {"get", "patch"},
    "/api/v1/me/enrollments": {"get"},
    "/api/v1/classes/{id}/join": {"post"},
    "/api/v1/classes/{id}/enrollments": {"post"},
    "/api/v1/classes/{id}/enrollments/import": {"post"},
    "/api/v1/classes/{id}/roster": {"get"},
    "/api/v1/enrollments/{id}": {"get"},
    "/api/v1/enrollments/{id}/withdraw": {"post"},
    "/api/v1/enrollments/{id}/history": {"get"},
    "/api/v1/learner-data-access": {"get"},
}
# Requests without a body: nothing to be invalid.
NO_BODY = {("/api/v1/classes/{id}/join", "post"), ("/api/v1/learners/{id}/reset-password", "post")}
ERROR_REF = "#/components/schemas/ErrorResponse"

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def schema(tmp_path_factory):
    path = tmp_path_factory.mktemp("schema") / "schema.yaml"
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(path))
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def operations(schema):
    for path, methods in PATHS.items():
        assert path in schema["paths"], path
        for method in methods:
            assert method in schema["paths"][path], (path, method)
            yield path, method, schema["paths"][path][method]


def test_every_operation_is_described(schema):
    for path, method, operation in operations(schema):
        assert operation.get("summary"), (path, method)
        assert operation.get("description"), (path, method)
        for parameter in operation.get("parameters", []):
            assert parameter.get("description"), (path, method, parameter["name"])


def test_every_operation_answers_errors_with_the_one_shape(schema):
    for path, method, operation in operations(schema):
        errors = {code: r for code, r in operation["responses"].items() if code.startswith("4")}
        for response in errors.values():
            assert response["content"]["application/json"]["schema"]["$ref"] == ERROR_REF, (path, method)
        assert "401" in errors, (path, method)
        if "{id}" in path:
            assert "404" in errors, (path, method)
        if method in ("post", "put", "patch", "delete") and not path.startswith("/api/v1/me/"):
            assert "403" in errors, (path, method)
        if method in ("post", "put", "patch") and (path, method) not in NO_BODY:
            assert "400" in errors, (path, method)


def test_list_filters_are_documented(schema):
    def names(path):
        return {p["name"] for p in schema["paths"][path]["get"]["parameters"]}

    assert {
        "curriculum",
        "position",
        "mode",
        "status",
        "province",
        "programme",
        "level",
        "start_from",
        "start_to",
        "end_from",
        "end_to",
        "search",
        "page",
        "page_size",
    } <= names("/api/v1/classes")
    assert {
        "province",
        "commune",
        "position",
        "category",
        "gender",
        "is_ethnic_minority",
        "search",
    } <= names("/api/v1/learners")
    assert {"status", "search", "page"} <= names("/api/v1/classes/{id}/roster")


def test_the_import_documents_the_file_layout(schema):
    description = schema["paths"]["/api/v1/classes/{id}/enrollments/import"]["post"]["description"]
    for heading in ("Họ và tên", "Số định danh cá nhân/CCCD", "Ngày sinh (dd/mm/yyyy)", "Giới tính (Nam/Nữ)"):
        assert heading in description
