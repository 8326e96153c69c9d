"""The messages the API's libraries write (Django REST framework, simplejwt, django-filter, Django's
form fields) reach a user of the Vietnamese site in Vietnamese, and in English under
`Accept-Language: en`. Those libraries ship no Vietnamese for them (DRF's vi catalogue has 21
entries): locale/vi/LC_MESSAGES/django.po provides it.

The test settings default to English; each test here runs with Vietnamese as the site's default,
as in production, and says which language it asks for.
"""

from __future__ import annotations

import pytest
from django.utils import translation

from tests.reporting.report_world import vietnamese_default

POSITIONS = "/api/v1/positions"


@pytest.fixture(autouse=True)
def _vietnamese_site():
    with vietnamese_default():
        yield


def ask(client, method: str, path: str, language: str | None, **kwargs):
    """The request as a browser with no language preference (None) or preferring `language` sends it."""
    if language is not None:
        kwargs["HTTP_ACCEPT_LANGUAGE"] = language
    return getattr(client, method)(path, **kwargs)


def field_messages(response, status: int = 400) -> dict[str | None, str]:
    assert response.status_code == status, response.content
    return {item.get("field"): item["message"] for item in response.json()["errors"]}


def message(response, status: int) -> str:
    assert response.status_code == status, response.content
    return response.json()["message"]


# Each case: (what is sent, what the Vietnamese reader sees, what the English reader sees).
NEW_POSITION = {"code": "chuc-danh-thu", "name_vi": "Chức danh thử", "category": "other", "sort_order": 5}

WRITE_CASES = {
    "a bad integer": (
        {**NEW_POSITION, "sort_order": "năm"},
        {"sort_order": "Cần một số nguyên hợp lệ."},
        {"sort_order": "A valid integer is required."},
    ),
    "a bad choice": (
        {**NEW_POSITION, "category": "hybrid"},
        {"category": "“hybrid” không phải là lựa chọn hợp lệ."},
        {"category": '"hybrid" is not a valid choice.'},
    ),
    "a missing required field": (
        {key: value for key, value in NEW_POSITION.items() if key != "code"},
        {"code": "Trường này là bắt buộc."},
        {"code": "This field is required."},
    ),
    "a blank field": (
        {**NEW_POSITION, "name_vi": ""},
        {"name_vi": "Trường này không được để trống."},
        {"name_vi": "This field may not be blank."},
    ),
}


@pytest.mark.parametrize("case", list(WRITE_CASES))
def test_field_refusals_are_in_the_readers_language(client_for, central_admin, case):
    body, vietnamese, english = WRITE_CASES[case]
    client = client_for(central_admin)

    by_default = ask(client, "post", POSITIONS, None, data=body, format="json")
    asked_in_vietnamese = ask(client, "post", POSITIONS, "vi", data=body, format="json")
    asked_in_english = ask(client, "post", POSITIONS, "en", data=body, format="json")

    assert field_messages(by_default) == vietnamese
    assert field_messages(asked_in_vietnamese) == vietnamese
    assert field_messages(asked_in_english) == english
    assert message(by_default, 400) == "Dữ liệu không hợp lệ."
    assert message(asked_in_english, 400) == "Invalid input."


def test_malformed_json_says_where_in_the_readers_language(client_for, central_admin):
    client = client_for(central_admin)
    body = '{"code": "chuc-danh-thu",'

    by_default = ask(client, "post", POSITIONS, None, data=body, content_type="application/json")
    in_english = ask(client, "post", POSITIONS, "en", data=body, content_type="application/json")

    assert by_default.json()["code"] == "parse_error"
    assert message(by_default, 400) == (
        "Nội dung gửi lên không phải JSON hợp lệ: tên trường phải đặt trong dấu nháy kép (dòng 1, cột 26)."
    )
    assert message(in_english, 400) == (
        "The body sent is not valid JSON: field names must be enclosed in double quotes (line 1, column 26)."
    )


@pytest.mark.parametrize(
    ("body", "vietnamese", "english"),
    [
        (
            '{"code": "x"} []',
            "còn dữ liệu thừa sau giá trị JSON (dòng 1, cột 15)",
            "extra data after the JSON value",
        ),
        (
            '{"sort_order": NaN}',
            "NaN và Infinity không phải là số JSON",
            "NaN and Infinity are not JSON numbers",
        ),
        (
            '{"code": "x"\n "name_vi": "y"}',
            "thiếu dấu phẩy (,) (dòng 2, cột 2)",
            "a comma (,) is missing (line 2, column 2)",
        ),
    ],
)
def test_other_unreadable_json(client_for, central_admin, body, vietnamese, english):
    client = client_for(central_admin)
    by_default = ask(client, "post", POSITIONS, None, data=body, content_type="application/json")
    in_english = ask(client, "post", POSITIONS, "en", data=body, content_type="application/json")
    assert vietnamese in message(by_default, 400)
    assert english in message(in_english, 400)
    assert "JSON parse error" not in message(in_english, 400)


def test_a_page_past_the_last_in_the_readers_language(client_for, central_admin):
    client = client_for(central_admin)
    by_default = ask(client, "get", f"{POSITIONS}?page=999", None)
    in_english = ask(client, "get", f"{POSITIONS}?page=999", "en")
    assert field_messages(by_default)["page"].startswith("Không có trang này: số trang từ 1 đến ")
    assert field_messages(in_english)["page"].startswith("No such page: pages run from 1 to ")


def test_filter_refusals_in_the_readers_language(client_for, central_admin):
    """django-filter checks query parameters with Django's form fields."""
    client = client_for(central_admin)
    by_default = ask(client, "get", "/api/v1/classes?curriculum=abc&start_from=31/02/2026&mode=hybrid", None)
    in_english = ask(client, "get", "/api/v1/classes?curriculum=abc&start_from=31/02/2026&mode=hybrid", "en")
    assert field_messages(by_default) == {
        "curriculum": "Hãy nhập một số nguyên.",
        "start_from": "Hãy nhập một ngày hợp lệ.",
        "mode": "Hãy chọn một giá trị hợp lệ: hybrid không có trong các lựa chọn.",
    }
    assert field_messages(in_english) == {
        "curriculum": "Enter a whole number.",
        "start_from": "Enter a valid date.",
        "mode": "Select a valid choice. hybrid is not one of the available choices.",
    }


@pytest.mark.parametrize(
    ("request_kwargs", "status", "vietnamese", "english"),
    [
        pytest.param(
            {"method": "post", "data": NEW_POSITION, "format": "json"},
            401,
            "Chưa có thông tin xác thực: bạn cần đăng nhập.",
            "Authentication credentials were not provided.",
            id="not signed in",
        ),
        pytest.param(
            {"method": "get", "HTTP_AUTHORIZATION": "Bearer abc.def.ghi"},
            401,
            "Token không hợp lệ với mọi loại token",
            "Given token not valid for any token type",
            id="a bad token",
        ),
    ],
)
def test_authentication_refusals_in_the_readers_language(
    client_for, request_kwargs, status, vietnamese, english
):
    kwargs = dict(request_kwargs)
    method = kwargs.pop("method")
    assert message(ask(client_for(None), method, POSITIONS, None, **kwargs), status) == vietnamese
    assert message(ask(client_for(None), method, POSITIONS, "en", **kwargs), status) == english


def test_request_refusals_in_the_readers_language(client_for, central_admin):
    client = client_for(central_admin)
    wrong_type = {"data": "code=x", "content_type": "text/plain"}
    assert message(ask(client, "post", POSITIONS, None, **wrong_type), 415) == (
        "Không hỗ trợ kiểu dữ liệu “text/plain” trong yêu cầu."
    )
    assert message(ask(client, "post", POSITIONS, "en", **wrong_type), 415) == (
        'Unsupported media type "text/plain" in request.'
    )
    assert (
        message(ask(client, "put", POSITIONS, None, data={}, format="json"), 405)
        == "Không cho phép phương thức “PUT”."
    )
    assert (
        message(ask(client, "put", POSITIONS, "en", data={}, format="json"), 405)
        == 'Method "PUT" not allowed.'
    )


# --- the catalogue covers the libraries' messages -------------------------------------------------


def _library_messages() -> dict[str, object]:
    """Every message the libraries declare for a refusal: DRF's fields, serializers, relations,
    exceptions, pagination and validators; simplejwt's exceptions; django-filter's fields."""
    from django_filters import fields as filter_fields
    from rest_framework import exceptions, fields, pagination, relations, serializers, validators
    from rest_framework_simplejwt import exceptions as jwt_exceptions

    found: dict[str, object] = {}
    for module in (fields, relations, serializers, filter_fields):
        for value in vars(module).values():
            declared = getattr(value, "default_error_messages", {}) if isinstance(value, type) else {}
            for key, text in declared.items():
                found[f"{module.__name__}.{value.__name__}.{key}"] = text
    for module in (exceptions, jwt_exceptions):
        for value in vars(module).values():
            if isinstance(value, type) and issubclass(value, exceptions.APIException):
                found[f"{module.__name__}.{value.__name__}"] = value.default_detail
    found["Throttled.singular"] = exceptions.Throttled.extra_detail_singular
    found["Throttled.plural"] = exceptions.Throttled.extra_detail_plural
    found["PageNumberPagination"] = pagination.PageNumberPagination.invalid_page_message
    found["CursorPagination"] = pagination.CursorPagination.invalid_cursor_message
    for value in vars(validators).values():
        text = getattr(value, "message", None) if isinstance(value, type) else None
        if text is not None:
            found[f"validators.{value.__name__}"] = text
    return found


def test_every_library_refusal_has_its_vietnamese():
    messages = _library_messages()
    assert len(messages) > 80  # the walk above found the libraries' messages
    untranslated = []
    for name, text in messages.items():
        with translation.override("en"):
            english = str(text)
        with translation.override("vi"):
            vietnamese = str(text)
        if vietnamese == english:
            untranslated.append(f"{name}: {english}")
    assert not untranslated, "\n".join(untranslated)
