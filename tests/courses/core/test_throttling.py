"""Failed sign-ins are counted per account and per address (courses.core.throttling): past the limit,
the token and refresh endpoints and the dashboard's sign-in form answer 429 with Retry-After, and
no password is checked until the window ends, the right one included."""

import re
import time

import pytest
from django.test import Client, override_settings
from rest_framework.test import APIClient

from courses.core import throttling
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

TOKEN = "/api/v1/auth/token"
REFRESH = "/api/v1/auth/token/refresh"
PASSWORD = "pass-1234"  # the factories' password


def sign_in(username, password, client=None, **headers):
    client = client or APIClient()
    return client.post(TOKEN, {"username": username, "password": password}, format="json", **headers)


def assert_throttled(response) -> int:
    assert response.status_code == 429, response.content
    body = response.json()
    assert set(body) == {"status", "code", "message", "errors"}
    assert (body["status"], body["code"]) == (429, "throttled")
    assert body["message"].startswith("Too many failed sign-ins: try again in")
    retry_after = int(response["Retry-After"])
    assert 0 < retry_after <= 15 * 60
    return retry_after


def test_wrong_passwords_for_one_account_end_in_429_even_for_the_right_one():
    user = UserFactory()
    account = throttling.limit_of(throttling.ACCOUNT).failures
    for _ in range(account):
        assert sign_in(user.username, "wrong").status_code == 401
    assert_throttled(sign_in(user.username, "wrong"))
    assert_throttled(sign_in(user.username, PASSWORD))
    # Another account from the same address still signs in.
    assert sign_in(UserFactory().username, PASSWORD).status_code == 200


def test_sixty_wrong_passwords_in_a_burst_are_mostly_refused():
    """The finding: 60 wrong passwords in 16 s got no 429."""
    user = UserFactory()
    statuses = [sign_in(user.username, f"guess-{n}").status_code for n in range(60)]
    limit = throttling.limit_of(throttling.ACCOUNT).failures
    assert statuses[:limit] == [401] * limit
    assert set(statuses[limit:]) == {429}


def test_wrong_passwords_across_accounts_from_one_address_end_in_429():
    users = [UserFactory() for _ in range(10)]  # each below the account's limit
    address = throttling.limit_of(throttling.ADDRESS).failures
    for n in range(address):
        assert sign_in(users[n % 10].username, "wrong").status_code == 401
    assert_throttled(sign_in(UserFactory().username, PASSWORD))
    # Another address is not refused.
    assert sign_in(users[0].username, PASSWORD, REMOTE_ADDR="10.0.0.7").status_code == 200


def test_a_forged_forwarded_for_header_does_not_make_a_new_address():
    user = UserFactory()
    address = throttling.limit_of(throttling.ADDRESS).failures
    for n in range(address):
        sign_in(f"nobody{n}", "wrong", HTTP_X_FORWARDED_FOR=f"203.0.113.{n}")
    assert_throttled(sign_in(user.username, PASSWORD, HTTP_X_FORWARDED_FOR="198.51.100.1"))


@override_settings(
    REST_FRAMEWORK={
        **__import__("django.conf").conf.settings.REST_FRAMEWORK,
        "NUM_PROXIES": 1,
    }
)
def test_behind_a_proxy_each_client_is_counted_apart():
    user = UserFactory()
    address = throttling.limit_of(throttling.ADDRESS).failures
    for n in range(address):
        sign_in(f"nobody{n}", "wrong", HTTP_X_FORWARDED_FOR="203.0.113.9")
    assert_throttled(sign_in(user.username, PASSWORD, HTTP_X_FORWARDED_FOR="203.0.113.9"))
    assert sign_in(user.username, PASSWORD, HTTP_X_FORWARDED_FOR="198.51.100.1").status_code == 200


def test_signing_in_again_once_the_window_has_passed(settings):
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {
            **settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"],
            "sign_in_account": "2/1s",
        },
    }
    user = UserFactory()
    for _ in range(2):
        assert sign_in(user.username, "wrong").status_code == 401
    assert_throttled(sign_in(user.username, PASSWORD))
    time.sleep(1.2)
    assert sign_in(user.username, PASSWORD).status_code == 200


def test_refused_refresh_tokens_from_one_address_end_in_429():
    user = UserFactory()
    refresh = sign_in(user.username, PASSWORD).json()["refresh"]
    address = throttling.limit_of(throttling.REFRESH_ADDRESS).failures
    for n in range(address):
        response = APIClient().post(REFRESH, {"refresh": f"not-a-token-{n}"}, format="json")
        assert response.status_code == 401
    assert_throttled(APIClient().post(REFRESH, {"refresh": refresh}, format="json"))


def test_the_dashboard_sign_in_form_answers_429_with_retry_after():
    admin = UserFactory(role="central_admin")
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    for _ in range(throttling.limit_of(throttling.ACCOUNT).failures):
        assert client.post("/login/", {"username": admin.username, "password": "wrong"}).status_code == 200
    refused = client.post("/login/", {"username": admin.username, "password": PASSWORD})
    assert refused.status_code == 429
    assert int(refused["Retry-After"]) > 0
    assert re.search(r"Too many failed sign-ins: try again in 1[45] minutes\.", refused.content.decode())
    # The API refuses the same account: the failures are counted in one place.
    assert_throttled(sign_in(admin.username, PASSWORD))


def test_the_django_admin_login_checks_no_password_while_the_account_is_refused():
    admin = UserFactory(role="central_admin", is_staff=True, is_superuser=True)
    for _ in range(throttling.limit_of(throttling.ACCOUNT).failures):
        sign_in(admin.username, "wrong")
    client = Client()
    response = client.post("/admin/login/", {"username": admin.username, "password": PASSWORD})
    assert response.status_code == 200  # the form again, not signed in
    assert client.get("/admin/").status_code == 302


def test_a_body_that_is_not_an_object_is_400_not_500():
    response = APIClient().post(TOKEN, ["username", "password"], format="json")
    assert response.status_code == 400
