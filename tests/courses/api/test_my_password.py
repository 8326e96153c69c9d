"""An account whose password someone else set, through the API: it signs in and refreshes, reads who
it is (GET /me, `password_change_required`), and nothing else until it has chosen its own password
with POST /me/password (403 `password_change_required` everywhere else, bearer token or browser
session alike); the change takes the current password and Django's rules, and ends every earlier
token."""

import pytest
from django.test import Client
from rest_framework.test import APIClient

from courses.core import throttling
from courses.models import User
from courses.services.accounts import account_password_set
from tests.factories import LearnerFactory
from tests.roles import ROLES, by_role

TOKEN = "/api/v1/auth/token"
REFRESH = "/api/v1/auth/token/refresh"
ME = "/api/v1/me"
MY_PASSWORD = "/api/v1/me/password"
GIVEN = "cap-boi-admin-7391"  # the password someone else set
CHOSEN = "Hoa sen nở muộn 2026"  # the owner's own
SIGNED_IN_ROLES = [role for role in ROLES if role != "anonymous"]


def _assert_error(response, status, code):
    assert response.status_code == status, response.content
    body = response.json()
    assert set(body) == {"status", "code", "message", "errors"}
    assert (body["status"], body["code"]) == (status, code)
    return body


def _tokens(username: str, password: str) -> dict:
    response = APIClient().post(TOKEN, {"username": username, "password": password}, format="json")
    assert response.status_code == 200, response.content
    return response.json()


def _bearer(access: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {access}")
    return client


def _given_a_password(user: User) -> User:
    return account_password_set(user=user, password=GIVEN, change_required=True)


@by_role(dict.fromkeys(SIGNED_IN_ROLES, 403), roles=SIGNED_IN_ROLES)
def test_every_role_is_refused_everything_but_me_until_the_password_is_changed(user_of, role, expected):
    user = _given_a_password(user_of(role))
    tokens = _tokens(user.username, GIVEN)  # signing in works: the account needs a token to change it
    client = _bearer(tokens["access"])
    body = _assert_error(client.get("/api/v1/positions"), expected, "password_change_required")
    assert "/api/v1/me/password" in body["message"]
    _assert_error(client.get("/api/v1/classes"), expected, "password_change_required")
    me = client.get(ME)
    assert me.status_code == 200 and me.json()["password_change_required"] is True
    # A refresh is a sign-in kept alive: allowed, and the new token is refused the same way.
    refreshed = APIClient().post(REFRESH, {"refresh": tokens["refresh"]}, format="json")
    assert refreshed.status_code == 200
    _assert_error(
        _bearer(refreshed.json()["access"]).get("/api/v1/positions"), 403, "password_change_required"
    )


def test_a_browser_session_is_refused_the_same_way(learner):
    client = Client()
    client.force_login(_given_a_password(learner))
    _assert_error(client.get("/api/v1/positions"), 403, "password_change_required")
    assert client.get(ME).status_code == 200


def test_changing_the_password_opens_the_api_and_ends_the_old_tokens(learner):
    user = _given_a_password(learner)
    tokens = _tokens(user.username, GIVEN)
    client = _bearer(tokens["access"])
    answer = client.post(MY_PASSWORD, {"old_password": GIVEN, "new_password": CHOSEN}, format="json")
    assert answer.status_code == 200, answer.content
    pair = answer.json()
    assert set(pair) == {"access", "refresh"}
    user.refresh_from_db()
    assert user.password_change_required is False and user.check_password(CHOSEN)
    # The token the change was made with, and its refresh token, are of the old generation.
    _assert_error(client.get(ME), 401, "not_authenticated")
    _assert_error(
        APIClient().post(REFRESH, {"refresh": tokens["refresh"]}, format="json"), 401, "not_authenticated"
    )
    fresh = _bearer(pair["access"])
    assert fresh.get("/api/v1/positions").status_code == 200
    assert fresh.get(ME).json()["password_change_required"] is False
    assert _tokens(user.username, CHOSEN)["access"]


def test_the_change_takes_the_current_password_and_the_password_rules(learner):
    user = _given_a_password(learner)
    client = _bearer(_tokens(user.username, GIVEN)["access"])
    wrong = _assert_error(
        client.post(MY_PASSWORD, {"old_password": "nope", "new_password": CHOSEN}, format="json"),
        400,
        "password_incorrect",
    )
    assert [item["field"] for item in wrong["errors"]] == ["old_password"]
    for weak in ("12345678", "short", "password", user.username):
        body = _assert_error(
            client.post(MY_PASSWORD, {"old_password": GIVEN, "new_password": weak}, format="json"),
            400,
            "password_invalid",
        )
        assert {item["field"] for item in body["errors"]} == {"new_password"}
    missing = _assert_error(client.post(MY_PASSWORD, {}, format="json"), 400, "invalid")
    assert {item["field"] for item in missing["errors"]} == {"old_password", "new_password"}
    hostile = client.post(MY_PASSWORD, {"old_password": GIVEN, "new_password": "ab\x00cd" * 3}, format="json")
    assert hostile.status_code == 400
    too_long = client.post(MY_PASSWORD, {"old_password": GIVEN, "new_password": "x" * 5000}, format="json")
    assert too_long.status_code == 400
    user.refresh_from_db()
    assert user.check_password(GIVEN) and user.password_change_required


def test_wrong_current_passwords_count_as_failed_sign_ins(learner):
    user = _given_a_password(learner)
    client = _bearer(_tokens(user.username, GIVEN)["access"])
    limit = throttling.limit_of(throttling.ACCOUNT).failures
    for _attempt in range(limit):
        client.post(MY_PASSWORD, {"old_password": "guess", "new_password": CHOSEN}, format="json")
    refused = client.post(MY_PASSWORD, {"old_password": GIVEN, "new_password": CHOSEN}, format="json")
    _assert_error(refused, 429, "throttled")
    assert refused["Retry-After"]
    user.refresh_from_db()
    assert user.check_password(GIVEN)


def test_an_account_not_forced_changes_its_password_too(learner):
    client = _bearer(_tokens(learner.username, "pass-1234")["access"])
    answer = client.post(MY_PASSWORD, {"old_password": "pass-1234", "new_password": CHOSEN}, format="json")
    assert answer.status_code == 200
    learner.refresh_from_db()
    assert learner.check_password(CHOSEN)


def test_anonymous_callers_are_refused(db):
    _assert_error(
        APIClient().post(MY_PASSWORD, {"old_password": "a", "new_password": "b"}, format="json"),
        401,
        "not_authenticated",
    )


@pytest.mark.parametrize("generate", [False, True])
def test_a_learner_created_by_an_admin_must_change_the_password(
    client_for, central_admin, province, generate
):
    created = client_for(central_admin).post(
        "/api/v1/learners",
        {
            "national_id": "019185001234",
            "full_name": "Hoàng Thị Mai",
            "gender": "female",
            "province_id": province.pk,
            "generate_password": generate,
        },
        format="json",
    )
    assert created.status_code == 201, created.content
    assert User.objects.get(username="019185001234").password_change_required is True


def test_a_password_an_admin_generates_must_be_changed(client_for, central_admin):
    learner = LearnerFactory()
    assert learner.user.password_change_required is False  # the factories' accounts chose theirs
    reset = client_for(central_admin).post(f"/api/v1/learners/{learner.pk}/reset-password")
    assert reset.status_code == 200
    tokens = _tokens(learner.user.username, reset.json()["password"])
    _assert_error(_bearer(tokens["access"]).get("/api/v1/me/learner"), 403, "password_change_required")
