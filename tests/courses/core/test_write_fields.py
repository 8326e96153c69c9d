"""A write's body carries only the fields the write takes: any other is refused with a 400 naming it
(courses.core.write_fields), for every write operation of the OpenAPI schema."""

from __future__ import annotations

import pytest
from drf_spectacular.generators import SchemaGenerator

from courses.models import ColumnMapping, Commune, Level, MappingKind, Programme, Role
from reporting.models import Baseline, Target
from tests.api_helpers import assert_error
from tests.factories import TrainingInstitutionFactory, UserFactory

UNKNOWN = "mau_sac"  # a field no write takes


def _write_operations() -> list[tuple[str, str, dict]]:
    schema = SchemaGenerator().get_schema(request=None, public=True)
    return [
        (path, method, operation)
        for path, operations in schema["paths"].items()
        for method, operation in operations.items()
        if method in ("post", "put", "patch")
    ], schema


WRITES, SCHEMA = _write_operations()


def _request_fields(operation) -> tuple[str | None, list[str]]:
    """The media type a client would send and the fields of the body the schema documents."""
    content = operation.get("requestBody", {}).get("content", {})
    if not content:
        return None, []
    media_type = "application/json" if "application/json" in content else "multipart/form-data"
    name = content[media_type]["schema"]["$ref"].rsplit("/", 1)[-1]
    return media_type, sorted(SCHEMA["components"]["schemas"][name]["properties"])


@pytest.fixture
def ids(world):
    programme = Programme.objects.order_by("pk").first()
    institution = TrainingInstitutionFactory(province=world.here)
    return {
        "classes": world.training_class.pk,
        "sessions": world.session.pk,
        "enrollments": world.enrollment.pk,
        "learners": world.learner.pk,
        "positions": world.position.pk,
        "provinces": world.here.pk,
        "communes": Commune.objects.filter(province=world.here).order_by("pk").first().pk,
        "curricula": world.curriculum.pk,
        "programmes": programme.pk,
        "targets": Target.objects.create(programme=programme, level=Level.PROVINCIAL, target_luot=10).pk,
        "baselines": Baseline.objects.create(programme=programme, level=Level.PROVINCIAL, achieved_luot=5).pk,
        "institutions": institution.pk,
        "allocations": Target.objects.create(
            programme=programme, level=Level.PROVINCIAL, province=world.here, target_luot=20
        ).pk,
        "column-mappings": ColumnMapping.objects.create(name="Mẫu", kind=MappingKind.ENROLMENT).pk,
    }


def _user_for(path: str, world):
    """Someone the write is open to, so that the request reaches its body."""
    if path.startswith("/api/v1/auth/"):
        return None
    learner_only = ("/join", "/check-in", "/check-out", "/heartbeat", "/me/learner", "/me/preferences")
    if path.endswith(learner_only):
        return world.learner.user
    return UserFactory(role=Role.CENTRAL_ADMIN)


def _url(path: str, ids: dict) -> str:
    parts = path.split("/")
    if "{id}" in parts:
        at = parts.index("{id}")
        parts[at] = str(ids[parts[at - 1]])
    return "/".join(parts)


def test_every_write_operation_is_tried():
    tried = {(path, method) for path, method, _ in WRITES}
    assert ("/api/v1/learners/{id}", "patch") in tried
    assert ("/api/v1/sessions/{id}/heartbeat", "post") in tried
    assert len(tried) > 50


@pytest.mark.parametrize(
    ("path", "method", "operation"), WRITES, ids=[f"{method.upper()} {path}" for path, method, _ in WRITES]
)
def test_a_field_the_write_does_not_take_is_refused_naming_it(
    world, ids, client_for, path, method, operation
):
    media_type, fields = _request_fields(operation)
    # Every field the schema documents is taken (only the unknown one is named), whatever its value.
    if media_type == "application/json":
        body, format_ = {**dict.fromkeys(fields), UNKNOWN: "đỏ"}, "json"
    else:
        body, format_ = {**dict.fromkeys(fields, "x"), UNKNOWN: "đỏ"}, "multipart"
    client = client_for(_user_for(path, world))
    url = _url(path, ids)
    if path == "/api/v1/allocations/import":
        url += f"?programme_id={ids['programmes']}"  # a required query parameter, checked first
    response = getattr(client, method)(url, body, format=format_)
    error = assert_error(response, 400, "unknown_field")
    assert [(item["field"], item["code"]) for item in error["errors"]] == [(UNKNOWN, "unknown_field")]
    message = error["errors"][0]["message"]
    for field in fields:
        assert field in message  # the fields taken are listed


def test_a_learners_position_is_refused_where_the_field_is_position_id(world, client_for, central_admin):
    before = world.learner.position_id
    response = client_for(central_admin).patch(
        f"/api/v1/learners/{world.learner.pk}", {"position": world.other_position.pk}, format="json"
    )
    error = assert_error(response, 400, "unknown_field")
    assert [item["field"] for item in error["errors"]] == ["position"]
    assert "position_id" in error["errors"][0]["message"]
    world.learner.refresh_from_db()
    assert world.learner.position_id == before


def test_a_misspelt_field_of_a_class_is_refused_and_nothing_changes(world, client_for, central_admin):
    url = f"/api/v1/classes/{world.training_class.pk}"
    response = client_for(central_admin).patch(url, {"title": "Tên mới", "capacty": 40}, format="json")
    error = assert_error(response, 400, "unknown_field")
    assert [item["field"] for item in error["errors"]] == ["capacty"]
    assert "capacity" in error["errors"][0]["message"]
    world.training_class.refresh_from_db()
    assert (world.training_class.title, world.training_class.capacity) == ("Lớp bồi dưỡng Thái Nguyên", 2)


def test_read_only_fields_echoed_back_are_refused_as_such(world, client_for, central_admin):
    client = client_for(central_admin)
    url = f"/api/v1/positions/{world.position.pk}"
    shown = client.get(url).json()
    response = client.put(url, {**shown, "name_en": "Secretary"}, format="json")
    error = assert_error(response, 400, "unknown_field")
    assert sorted(item["field"] for item in error["errors"]) == ["category_label", "id"]
    assert all(item["message"].startswith("Read-only field") for item in error["errors"])  # tests run in en
    writable = {name: value for name, value in shown.items() if name not in ("id", "category_label")}
    response = client.put(url, {**writable, "name_en": "Secretary"}, format="json")
    assert response.status_code == 200, response.content
    assert response.json()["name_en"] == "Secretary"


def test_a_nested_unknown_field_is_named_by_its_path(world, client_for, central_admin):
    response = client_for(central_admin).patch(
        f"/api/v1/curricula/{world.curriculum.pk}",
        {
            "topics": [
                {"order": 1, "title_vi": "Chủ đề", "hours": 4},
                {"order": 2, "title_vi": "Hai", "hourz": 4},
            ]
        },
        format="json",
    )
    error = assert_error(response, 400, "unknown_field")
    assert [item["field"] for item in error["errors"]] == ["topics.1.hourz"]


def test_a_form_is_checked_like_json_without_counting_its_csrf_token(world, client_for, central_admin):
    client = client_for(central_admin)
    url = f"/api/v1/positions/{world.position.pk}"
    form = {"name_en": "Secretary", "csrfmiddlewaretoken": "token-of-the-browsable-api"}
    assert client.patch(url, form, format="multipart").status_code == 200
    error = assert_error(client.patch(url, {**form, "nam_en": "x"}, format="multipart"), 400, "unknown_field")
    assert [item["field"] for item in error["errors"]] == ["nam_en"]


def test_a_write_without_a_body_takes_none_or_an_empty_one(world, client_for):
    client = client_for(world.learner.user)
    url = f"/api/v1/sessions/{world.session.pk}/heartbeat"
    # Reaches the heartbeat, which answers that the session is not open now.
    assert_error(client.post(url), 400, "outside_window")
    assert_error(client.post(url, {}, format="json"), 400, "outside_window")
    assert_error(client.post(url, {"x": 1}, format="json"), 400, "unknown_field")
