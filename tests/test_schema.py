"""The OpenAPI schema: generated without warnings, with every endpoint and one error shape."""

import pytest
import yaml
from django.core.management import call_command

PATHS = {
    "/api/v1/auth/token": {"post"},
    "/api/v1/auth/token/refresh": {"post"},
    "/api/v1/auth/token/revoke": {"post"},
    "/api/v1/me": {"get"},
    "/api/v1/positions": {"get", "post"},
    "/api/v1/positions/{id}": {"get", "put", "patch", "delete"},
    "/api/v1/provinces": {"get", "post"},
    "/api/v1/provinces/{id}": {"get", "put", "patch", "delete"},
    "/api/v1/provinces/mapping": {"get"},
    "/api/v1/communes": {"get", "post"},
    "/api/v1/communes/{id}": {"get", "put", "patch", "delete"},
    "/api/v1/curricula": {"get", "post"},
    "/api/v1/curricula/{id}": {"get", "put", "patch", "delete"},
    "/api/v1/topics": {"get"},
    "/api/v1/topics/{id}": {"get"},
    "/api/v1/programmes": {"get", "post"},
    "/api/v1/programmes/{id}": {"get", "put", "patch", "delete"},
    "/api/v1/targets": {"get", "post"},
    "/api/v1/targets/{id}": {"get", "put", "patch", "delete"},
    "/api/v1/baselines": {"get", "post"},
    "/api/v1/baselines/{id}": {"get", "put", "patch", "delete"},
    "/api/v1/allocations": {"get", "post"},
    "/api/v1/allocations/{id}": {"get", "patch"},
    "/api/v1/allocations/{id}/history": {"get"},
    "/api/v1/allocations/import": {"post"},
}
ERROR_REF = "#/components/schemas/ErrorResponse"


@pytest.fixture(scope="module")
def schema(tmp_path_factory):
    path = tmp_path_factory.mktemp("schema") / "schema.yaml"
    # Fails on any warning (an undocumented parameter, an ambiguous enum, …) as well as on errors.
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(path))
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def _operations(schema):
    for path, methods in PATHS.items():
        for method in methods:
            yield path, method, schema["paths"][path][method]


def test_every_endpoint_is_present(schema):
    for path, methods in PATHS.items():
        assert path in schema["paths"], path
        assert methods <= set(schema["paths"][path]), path


def test_every_operation_has_a_summary_and_description(schema):
    for path, method, operation in _operations(schema):
        assert operation.get("summary"), (path, method)
        assert operation.get("description"), (path, method)


def test_every_parameter_is_described(schema):
    for path, method, operation in _operations(schema):
        for parameter in operation.get("parameters", []):
            assert parameter.get("description"), (path, method, parameter["name"])


def test_errors_use_the_one_error_component(schema):
    error = schema["components"]["schemas"]["ErrorResponse"]
    assert set(error["properties"]) == {"status", "code", "message", "errors"}
    item = schema["components"]["schemas"]["ErrorItem"]
    assert set(item["properties"]) == {"field", "row", "code", "message"}
    for path, method, operation in _operations(schema):
        errors = {code: r for code, r in operation["responses"].items() if code.startswith("4")}
        assert errors, (path, method)
        for response in errors.values():
            assert response["content"]["application/json"]["schema"]["$ref"] == ERROR_REF
        if not path.startswith("/api/v1/auth/"):
            assert "401" in errors, (path, method)
        if method in ("post", "put", "patch", "delete") and not path.startswith("/api/v1/auth/"):
            assert "403" in errors, (path, method)
        if "{id}" in path:
            assert "404" in errors, (path, method)
        if method in ("post", "put", "patch"):
            assert "400" in errors, (path, method)


def test_list_filters_are_documented(schema):
    def names(path):
        return {p["name"] for p in schema["paths"][path]["get"]["parameters"]}

    assert {"category", "is_active", "page", "page_size"} <= names("/api/v1/positions")
    assert {"status", "region", "code"} <= names("/api/v1/provinces")
    assert {"province", "province_code", "search"} <= names("/api/v1/communes")
    assert {"position", "area_type", "status", "is_starter", "code", "search"} <= names("/api/v1/curricula")
    assert {"curriculum"} <= names("/api/v1/topics")
    assert {"programme", "level", "province", "curriculum", "position", "year"} <= names("/api/v1/targets")
    assert {"programme"} <= names("/api/v1/baselines")


def test_schema_and_docs_are_served(client, db):
    assert client.get("/api/schema/").status_code == 200
    assert client.get("/api/docs/").status_code == 200


def test_the_schema_declares_what_the_api_returns(schema):
    """Issue 10: six fields the schemathesis run found answering what the schema did not allow."""
    components = schema["components"]["schemas"]

    def prop(component, name):
        return components[component]["properties"][name]

    assert prop("TrainingClass", "seats_left")["nullable"] is True  # online classes
    assert prop("ClassSession", "join_url")["nullable"] is True  # not shown, or none
    assert prop("ProvinceMapping", "current")["nullable"] is True  # no successor recorded
    # Decimals are text throughout the API, as DRF writes them (topics' hours included).
    assert prop("CurriculumList", "total_hours")["type"] == "string"
    assert prop("Topic", "hours")["type"] == "string"
    # A learner's e-mail and area type may be blank.
    # (the e-mail is plain text, null at the roster level: no e-mail format a blank one would break)
    email = prop("Learner", "email")
    assert {"maxLength": 0, "type": "string"} in email.get("oneOf", []) or (
        email["type"] == "string" and "format" not in email and "minLength" not in email
    )
    assert {"$ref": "#/components/schemas/BlankEnum"} in prop("Learner", "area_type")["oneOf"]


def test_request_bodies_refuse_unknown_fields(schema):
    """Issue 13: the API refuses a field a write does not take (courses.core.write_fields), and the
    schema says so: every object of a request body, nested ones included, is closed."""
    components = schema["components"]["schemas"]
    seen: set[str] = set()

    def closed(node, where):
        if "$ref" in node:
            name = node["$ref"].rsplit("/", 1)[-1]
            if name not in seen:
                seen.add(name)
                closed(components[name], name)
            return
        if "properties" in node:
            assert node.get("additionalProperties") is False, where
            for field, value in node["properties"].items():
                closed(value, f"{where}.{field}")
        if isinstance(node.get("items"), dict):
            closed(node["items"], f"{where}[]")
        for value in node.get("allOf", []) + node.get("oneOf", []):
            closed(value, where)

    bodies = 0
    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            for media in operation.get("requestBody", {}).get("content", {}).values():
                closed(media["schema"], f"{method} {path}")
                bodies += 1
    assert bodies and {"LearnerWriteRequest", "RosterMarkRequest", "ImportUploadRequest"} <= seen
    # Responses stay open to what the schema describes: only request components are closed.
    assert "additionalProperties" not in components["Learner"]
