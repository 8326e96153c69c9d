"""Control characters and deep nesting refused at the door of the API (courses.core.parsers and
courses.core.query_strings): a 400 in the one error shape naming the field, never a 500 and never a
value stored that an export or PostgreSQL later chokes on."""

import pytest

from courses.core.parsers import MAX_DEPTH
from courses.models import Curriculum
from tests.api_helpers import assert_error, error_fields
from tests.courses.api.test_api_catalogue import _payload
from tests.factories import LearnerFactory
from tests.roles import client_as

pytestmark = pytest.mark.django_db

ME = "/api/v1/me/learner"


@pytest.fixture
def an(db):
    learner = LearnerFactory(phone="0912345678")
    learner.client = client_as(learner.user)
    return learner


def send_json(client, body: bytes, method="PATCH", path=ME):
    return client.generic(method, path, body, content_type="application/json")


@pytest.mark.parametrize(
    "spelt",
    [
        b'"0912\\u000b345"',  # vertical tab: roster.xlsx answered 500
        b'"0912\\u0000"',  # PostgreSQL refuses NUL
        b'"0912\\ud800"',  # a lone surrogate: UTF-8 cannot encode it
        b'"0912\\u001f"',
        b'"0912\\u007f"',
        b'"0912\\u0085"',
        b'"0912\\b"',  # JSON's own short escapes of backspace and form feed
        b'"0912\\f"',
        b'"0912\\uDBFF"',
        b'"0912\x0b345"',  # unescaped, which JSON itself forbids: named too
    ],
)
def test_a_control_character_in_a_field_is_refused_naming_it(an, spelt):
    response = send_json(an.client, b'{"email": "an@example.vn", "phone": ' + spelt + b"}")
    assert error_fields(response) == {"phone"}
    an.refresh_from_db()
    assert (an.phone, an.email) == ("0912345678", "")


def test_fields_of_nested_objects_are_named_by_their_path(client_for, central_admin):
    payload = _payload()
    payload["topics"][1]["title_vi"] = "Dịch vụ\x0b công"
    payload["materials"][0]["title"] = "\x00"
    payload["positions"][1] = "tu-phap\x1f"
    response = client_for(central_admin).post("/api/v1/curricula", payload, format="json")
    assert error_fields(response) == {"topics.1.title_vi", "materials.0.title", "positions.1"}
    assert not Curriculum.objects.filter(code=payload["code"]).exists()


def test_a_key_with_a_control_character_is_named_escaped(an):
    response = send_json(an.client, b'{"pho\\u000bne": "1", "x\\ud800": {"y": 1}}')
    assert error_fields(response) == {"pho\\u000bne", "x\\ud800"}


def test_tabs_and_line_breaks_are_text(client_for, central_admin):
    payload = _payload(description="Mục tiêu:\n\t- kỹ năng số\r\n\t- dịch vụ công")
    response = client_for(central_admin).post("/api/v1/curricula", payload, format="json")
    assert response.status_code == 201, response.content
    stored = Curriculum.objects.get(pk=response.json()["id"])
    assert stored.description == "Mục tiêu:\n\t- kỹ năng số\r\n\t- dịch vụ công"


def nested(depth: int) -> bytes:
    return b"[" * depth + b"]" * depth


def test_json_nested_deeply_is_refused(an):
    # 100,000 levels made Python's parser exhaust the stack: a 500.
    body = assert_error(send_json(an.client, nested(100_000)), 400, "parse_error")
    assert str(MAX_DEPTH) in body["message"]
    # Up to MAX_DEPTH levels the body is read and the field judged by its serializer.
    assert error_fields(send_json(an.client, b'{"phone": ' + nested(MAX_DEPTH - 1) + b"}")) == {"phone"}
    assert_error(send_json(an.client, b'{"phone": ' + nested(MAX_DEPTH) + b"}"), 400, "parse_error")


@pytest.mark.parametrize("fmt", ["multipart", "form"])
def test_form_fields_are_checked_too(an, fmt):
    if fmt == "form":
        response = an.client.patch(ME, "phone=0912%0B345", content_type="application/x-www-form-urlencoded")
    else:
        response = an.client.patch(ME, {"phone": "0912\x0b345"}, format="multipart")
    assert error_fields(response) == {"phone"}
    an.refresh_from_db()
    assert an.phone == "0912345678"


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("search=%00", "search"),  # a NUL reaching PostgreSQL raises
        ("search=a%0Bb&page=1", "search"),
        ("code=%C2%85", "code"),  # a parameter no filter reads
        ("x%01=1", "x\\u0001"),
    ],
)
def test_a_control_character_in_a_query_string_is_refused_naming_the_parameter(
    client_for, learner, query, field
):
    response = client_for(learner).get(f"/api/v1/curricula?{query}")
    assert error_fields(response) == {field}


def test_a_query_string_with_tabs_and_line_breaks_is_read(client_for, learner):
    assert (
        client_for(learner).get("/api/v1/curricula?search=b%E1%BB%93i%09d%C6%B0%E1%BB%A1ng%0A").status_code
        == 200
    )


def test_pages_outside_the_api_refuse_them_too(client):
    response = client.get("/dashboard/?programme=%00")
    assert response.status_code == 400
