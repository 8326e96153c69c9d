"""Token sign-in, refresh and revoke through real HTTP calls, and the /me endpoint; tokens end with
the password, active state, role or province they were issued under, however it is changed."""

import pytest
from rest_framework.test import APIClient

from courses.models import Role, User
from tests.factories import LearnerFactory, UserFactory

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
        "password_change_required": False,
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


# --- tokens end with the access they were issued for ----------------------------------------------


def _signed_in(user) -> tuple[APIClient, dict]:
    client = APIClient()
    tokens = _sign_in(client, username=user.username).json()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {tokens['access']}")
    return client, tokens


def _refresh(refresh: str):
    return APIClient().post(REFRESH, {"refresh": refresh}, format="json")


def _assert_tokens_ended(client, tokens):
    _assert_error(client.get(ME), 401, "not_authenticated")
    _assert_error(_refresh(tokens["refresh"]), 401, "not_authenticated")


def test_a_password_reset_by_an_admin_ends_the_learners_tokens(client_for, central_admin):
    learner = LearnerFactory()
    client, tokens = _signed_in(learner.user)
    rotated = _refresh(tokens["refresh"]).json()  # a refresh before the reset: a new pair
    response = client_for(central_admin).post(f"/api/v1/learners/{learner.pk}/reset-password")
    assert response.status_code == 200
    _assert_tokens_ended(client, tokens)
    _assert_error(_refresh(rotated["refresh"]), 401, "not_authenticated")
    # The new password signs in.
    new = _sign_in(APIClient(), username=learner.user.username, password=response.json()["password"])
    assert new.status_code == 200
    assert _refresh(new.json()["refresh"]).status_code == 200


def test_a_refresh_keeps_the_tokens_alive_until_the_password_changes(user):
    client, tokens = _signed_in(user)
    pair = _refresh(tokens["refresh"]).json()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {pair['access']}")
    assert client.get(ME).status_code == 200
    user.set_password("another-pass-5678")
    user.save()
    _assert_tokens_ended(client, pair)


@pytest.mark.parametrize(
    "change",
    [
        {"role": Role.PROVINCE_ADMIN},
        {"role": Role.LEARNER},
        {"province": "other"},
        {"is_active": False},
        {"is_staff": True},
    ],
    ids=["role-up", "role-down", "province", "deactivated", "staff"],
)
def test_a_change_of_role_scope_or_state_ends_the_tokens(change, other_province, province):
    admin = UserFactory(role=Role.CENTRAL_ADMIN, province=province)
    client, tokens = _signed_in(admin)
    for field, value in change.items():
        setattr(admin, field, other_province if value == "other" else value)
    admin.save()
    _assert_tokens_ended(client, tokens)


def test_a_deactivated_account_reactivated_keeps_its_old_tokens_ended(user):
    client, tokens = _signed_in(user)
    user.is_active = False
    user.save(update_fields=["is_active"])
    user.is_active = True
    user.save(update_fields=["is_active"])
    _assert_tokens_ended(client, tokens)


def test_other_changes_of_the_account_keep_its_tokens(user):
    client, tokens = _signed_in(user)
    user.full_name = "Nguyễn Thị Mới"
    user.email = "moi@example.vn"
    user.save()
    loaded = User.objects.only("id", "full_name").get(pk=user.pk)
    loaded.full_name = "Tên khác"
    loaded.save(update_fields=["full_name"])
    assert client.get(ME).json()["full_name"] == "Tên khác"
    assert _refresh(tokens["refresh"]).status_code == 200


def test_a_role_set_on_an_account_loaded_without_it_ends_the_tokens(user):
    client, tokens = _signed_in(user)
    loaded = User.objects.only("id").get(pk=user.pk)
    loaded.role = Role.CENTRAL_ADMIN
    loaded.save(update_fields=["role"])
    _assert_tokens_ended(client, tokens)


def test_a_deactivation_by_queryset_update_refuses_the_next_request(user):
    client, tokens = _signed_in(user)
    assert client.get(ME).status_code == 200
    User.objects.filter(pk=user.pk).update(is_active=False)
    _assert_tokens_ended(client, tokens)


def test_a_role_changed_by_queryset_update_applies_to_the_next_request(user):
    client, _tokens = _signed_in(user)
    assert client.get(ME).json()["role"] == "learner"
    User.objects.filter(pk=user.pk).update(role=Role.TRAINER)
    assert client.get(ME).json()["role"] == "trainer"


def test_a_deleted_account_cannot_refresh(user):
    client, tokens = _signed_in(user)
    user.delete()
    _assert_tokens_ended(client, tokens)


def test_the_django_admin_ends_the_tokens_of_an_account_it_changes(client, user):
    client.force_login(UserFactory(is_superuser=True, is_staff=True))
    api, tokens = _signed_in(user)
    response = client.post(
        f"/admin/courses/user/{user.pk}/password/",
        {"password1": "Mat-khau-moi-2026", "password2": "Mat-khau-moi-2026", "usable_password": "true"},
    )
    assert response.status_code == 302, response.content
    _assert_tokens_ended(api, tokens)
