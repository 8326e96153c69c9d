"""Token sign-in, refresh and revoke through real HTTP calls, and the /me endpoint."""

import pytest
from rest_framework.test import APIClient

from tests.factories import UserFactory

TOKEN = "/api/v1/auth/token"
REFRESH = "/api/v1/auth/token/refresh"
REVOKE = "/api/v1/auth/token/revoke"
ME = "/api/v1/me"


def _assert_error(response, status, code=None):
    assert response.status_code == status, response.content
    body = response.json()
    assert body["status"] == status
    assert set(body) == {"status", "code", "message", "errors"}
    if code:
        assert body["code"] == code
    return body


@pytest.fixture
def user(province):
    return UserFactory(
        username="hocvien1", full_name="Nguyễn Thị Học", email="hv@example.vn", province=province
    )


PASSWORD = "pass-1234"  # the factories' password


def _sign_in(client, username="hocvien1", password=PASSWORD):
    return client.post(TOKEN, {"username": username, "password": password}, format="json")


def test_obtain_refresh_revoke_flow(user):
    client = APIClient()
    response = _sign_in(client)
    assert response.status_code == 200
    tokens = response.json()
    assert set(tokens) == {"access", "refresh"}

    client.credentials(HTTP_AUTHORIZATION=f"Bearer {tokens['access']}")
    assert client.get(ME).json()["username"] == "hocvien1"

    refreshed = client.post(REFRESH, {"refresh": tokens["refresh"]}, format="json")
    assert refreshed.status_code == 200
    new_tokens = refreshed.json()
    assert new_tokens["access"] and new_tokens["refresh"] != tokens["refresh"]
    # Refresh tokens are single use: the rotated one was revoked.
    _assert_error(client.post(REFRESH, {"refresh": tokens["refresh"]}, format="json"), 401)

    assert client.post(REVOKE, {"refresh": new_tokens["refresh"]}, format="json").status_code == 204
    body = _assert_error(client.post(REFRESH, {"refresh": new_tokens["refresh"]}, format="json"), 401)
    assert body["code"] == "not_authenticated"


def test_wrong_password_is_401(user):
    body = _assert_error(_sign_in(APIClient(), password="wrong"), 401, "not_authenticated")
    assert body["message"]


def test_missing_credentials_name_the_fields(db):
    body = _assert_error(APIClient().post(TOKEN, {}, format="json"), 400, "invalid")
    assert {e["field"] for e in body["errors"]} == {"username", "password"}


def test_revoke_without_token_names_the_field(db):
    body = _assert_error(APIClient().post(REVOKE, {}, format="json"), 400)
    assert body["errors"][0]["field"] == "refresh"


def test_revoke_garbage_token_is_401(db):
    _assert_error(APIClient().post(REVOKE, {"refresh": "not-a-token"}, format="json"), 401)


def test_invalid_bearer_token_is_401_with_a_plain_message(db):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION="Bearer not-a-token")
    body = _assert_error(client.get(ME), 401, "not_authenticated")
    assert "{" not in body["message"]


def test_me_requires_sign_in(api_client, db):
    _assert_error(api_client.get(ME), 401, "not_authenticated")


def test_me_for_a_learner(client_for, user, province):
    body = client_for(user).get(ME).json()
    assert body == {
        "id": user.id,
        "username": "hocvien1",
        "full_name": "Nguyễn Thị Học",
        "email": "hv@example.vn",
        "role": "learner",
        "role_label": "Learner",
        "province": {"id": province.id, "code": "19", "name": province.name},
        "scope": {"kind": "own", "province": {"id": province.id, "code": "19", "name": province.name}},
    }


def test_me_scope_of_a_province_admin(client_for, province_admin, province):
    body = client_for(province_admin).get(ME).json()
    assert body["role"] == "province_admin"
    assert body["scope"] == {
        "kind": "province",
        "province": {"id": province.id, "code": "19", "name": province.name},
    }


def test_me_scope_of_a_central_admin(client_for, central_admin):
    body = client_for(central_admin).get(ME).json()
    assert body["scope"] == {"kind": "national", "province": None}
    assert body["province"] is None


def test_me_superuser_is_national(client_for, db):
    superuser = UserFactory(is_superuser=True, is_staff=True)
    assert client_for(superuser).get(ME).json()["scope"]["kind"] == "national"


def test_role_label_in_english(client_for, central_admin):
    response = client_for(central_admin).get(ME, HTTP_ACCEPT_LANGUAGE="en")
    assert response.json()["role_label"] == "Central administrator"


@pytest.mark.parametrize("language", ["vi", "vi-VN,vi;q=0.9,en;q=0.5"])
def test_role_label_in_vietnamese(client_for, central_admin, production_language, language):
    response = client_for(central_admin).get(ME, HTTP_ACCEPT_LANGUAGE=language)
    assert response.json()["role_label"] == "Quản trị trung ương"


def test_english_after_vietnamese(client_for, learner, production_language):
    client = client_for(learner)
    assert client.get(ME, HTTP_ACCEPT_LANGUAGE="vi").json()["role_label"] == "Học viên"
    assert client.get(ME, HTTP_ACCEPT_LANGUAGE="en").json()["role_label"] == "Learner"
    # Without a preference the default language (Vietnamese) applies.
    assert client.get(ME).json()["role_label"] == "Học viên"
