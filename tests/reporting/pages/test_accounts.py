"""Signing in's companions (reporting/pages/accounts.py), for every account that signs in at /login/:

- an account whose password someone else set (an admin's, the generated password of a new learner)
  reaches no page, portal or dashboard, until it has chosen its own at /password/change/; then it
  lands where it was going, and its API tokens of before are refused;
- "Forgot password?": the emailed link (on PUBLIC_BASE_URL, single use, expiring), the same
  answer whether an account was found or not, requests limited, hostile input a form error;
- the path in a real headless Chromium at 360 px (screenshots in test-artifacts/password-*.png).
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta

import pytest
from django.contrib.auth.tokens import default_token_generator
from django.core import mail
from django.test import Client
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from rest_framework.test import APIClient

from courses.core import throttling
from courses.models import User
from courses.services.accounts import account_password_set
from enrollment.models import Learner
from enrollment.services.learners import learner_create
from tests.browser import as_phone, browser_page, load, screenshot, sign_in
from tests.enrollment.pages.page_helpers import text_of
from tests.factories import LearnerFactory
from tests.reporting.report_world import vietnamese_default
from tests.roles import by_role

GIVEN = "cap-boi-admin-7391"  # a password someone else set
CHOSEN = "Hoa sen nở muộn 2026"  # the owner's own
PUBLIC = "https://daotao.example.vn"
LANDING = {
    "learner": "/portal/",
    "trainer": "/portal/trainer/",
    "province_admin": "/dashboard/",
    "central_admin": "/dashboard/",
}


@pytest.fixture(autouse=True)
def _vietnamese_site():
    with vietnamese_default():
        yield


@pytest.fixture(autouse=True)
def _public_address(settings):
    settings.PUBLIC_BASE_URL = PUBLIC


def signed_in(username: str, password: str, language: str = "vi") -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE=language)
    response = client.post("/login/", {"username": username, "password": password})
    assert response.status_code == 302, text_of(response)[:500]
    return client


def change(client, old=GIVEN, new=CHOSEN, next_page=""):
    return client.post(
        "/password/change/",
        {"old_password": old, "new_password1": new, "new_password2": new, "next": next_page},
    )


@pytest.fixture
def new_learner(province_admin, province):
    """A learner an admin has just created, with the generated password they were handed."""
    created = learner_create(
        actor=province_admin,
        national_id="019185004321",
        full_name="Lường Văn Sơn",
        gender="male",
        province=province,
        email="son.luong@example.vn",
        with_password=True,
    )
    return created.learner, created.password


# --- the forced change ----------------------------------------------------------------------------


def test_a_new_learner_changes_the_generated_password_before_anything_else(new_learner):
    learner, given = new_learner
    assert learner.user.password_change_required
    client = signed_in(learner.national_id, given)
    token = (
        APIClient().post("/api/v1/auth/token", {"username": learner.national_id, "password": given}).json()
    )
    for page in ("/portal/", "/portal/sessions/", "/dashboard/", "/login/"):
        response = client.get(page)
        assert response.status_code == 302, page
        assert response["Location"].startswith("/password/change/"), page
    assert client.get("/portal/")["Location"] == "/password/change/?next=%2Fportal%2F"
    form = client.get("/password/change/?next=/portal/")
    text = text_of(form)
    assert "Mật khẩu này do người khác đặt cho bạn" in text
    assert "Mật khẩu được cấp (mật khẩu vừa đăng nhập)" in text
    assert 'name="next" value="/portal/"' in form.content.decode()

    weak = text_of(change(client, old=given, new="12345678"))
    assert "Mật khẩu này hoàn toàn là số." in weak
    wrong = text_of(change(client, old="not-the-one"))
    assert "Mật khẩu cũ không chính xác" in wrong
    assert client.get("/portal/").status_code == 302

    done = change(client, old=given, next_page="/portal/")
    assert done.status_code == 302 and done["Location"] == "/portal/"
    page = client.get("/portal/")
    assert page.status_code == 200
    assert "Đã đổi mật khẩu." in text_of(page)
    user = User.objects.get(pk=learner.user_id)
    assert not user.password_change_required and user.check_password(CHOSEN)
    # The API token signed in with the given password ended with it.
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {token['access']}")
    assert api.get("/api/v1/me").status_code == 401
    assert signed_in(learner.national_id, CHOSEN).get("/portal/").status_code == 200


@by_role(LANDING, roles=list(LANDING))
def test_every_role_changes_a_password_someone_else_set(user_of, role, expected):
    user = account_password_set(user=user_of(role), password=GIVEN, change_required=True)
    client = signed_in(user.username, GIVEN)
    assert client.get(expected)["Location"] == f"/password/change/?next={expected.replace('/', '%2F')}"
    assert client.get("/admin/").status_code == 302
    done = change(client)
    assert done["Location"] == expected  # no `next`: the role's landing page
    assert client.get(expected).status_code in (200, 403)  # reached: its own answer, no redirect


def test_signing_out_and_the_language_switch_stay_open(new_learner):
    learner, given = new_learner
    client = signed_in(learner.national_id, given)
    switched = client.post("/i18n/setlang/", {"language": "en", "next": "/password/change/"})
    assert switched.status_code == 302 and switched["Location"] == "/password/change/"
    assert "Change password" in text_of(client.get("/password/change/"))
    assert client.post("/logout/")["Location"] == "/login/"
    assert client.get("/portal/")["Location"].startswith("/login/")


def test_an_account_that_chose_its_password_is_not_sent_to_change_it(learner):
    client = signed_in(learner.username, "pass-1234")
    assert client.get("/portal/").status_code == 200
    # It may still change it: the current password asked, then back to its portal.
    assert change(client, old="pass-1234")["Location"] == "/portal/"
    assert User.objects.get(pk=learner.pk).check_password(CHOSEN)


def test_the_change_page_is_for_signed_in_users(db):
    assert Client().get("/password/change/")["Location"] == "/login/?next=/password/change/"


def test_a_next_page_elsewhere_is_ignored(learner):
    client = signed_in(learner.username, "pass-1234")
    assert change(client, old="pass-1234", next_page="https://evil.example/")["Location"] == "/portal/"


def test_the_django_admin_sets_a_password_its_owner_must_change(central_admin, learner):
    admin = Client()
    admin.force_login(User.objects.filter(pk=central_admin.pk).get())
    central_admin.is_staff = central_admin.is_superuser = True
    central_admin.save()
    admin.force_login(central_admin)
    response = admin.post(
        f"/admin/courses/user/{learner.pk}/password/",
        {"password1": GIVEN, "password2": GIVEN, "usable_password": "true"},
    )
    assert response.status_code == 302, text_of(response)[:800]
    assert User.objects.get(pk=learner.pk).password_change_required


# --- the reset by email ---------------------------------------------------------------------------


def ask_reset(identifier: str, language: str = "vi", client: Client | None = None):
    client = client or Client(HTTP_ACCEPT_LANGUAGE=language)
    return client.post("/password-reset/", {"identifier": identifier})


def link_in(message) -> str:
    links = re.findall(rf"{re.escape(PUBLIC)}(/password-reset/\S+/)", message.body)
    assert len(links) == 1, message.body
    return links[0]


def test_a_forgotten_password_is_reset_through_the_emailed_link(new_learner):
    learner, given = new_learner
    token = (
        APIClient().post("/api/v1/auth/token", {"username": learner.national_id, "password": given}).json()
    )
    login = text_of(Client(HTTP_ACCEPT_LANGUAGE="vi").get("/login/"))
    assert "Quên mật khẩu?" in login

    sent = ask_reset(learner.national_id)
    assert sent.status_code == 302 and sent["Location"] == "/password-reset/sent/"
    assert "chúng tôi đã gửi đến email đó một liên kết" in text_of(Client().get(sent["Location"]))
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["son.luong@example.vn"]
    assert message.subject == "Đặt lại mật khẩu: Bồi dưỡng cán bộ, công chức cấp xã"
    assert "Xin chào Lường Văn Sơn," in message.body
    assert "kết thúc bằng 4321" in message.body and learner.national_id not in message.body
    assert "hết hạn sau 24 giờ" in message.body

    client = Client(HTTP_ACCEPT_LANGUAGE="vi")
    opened = client.get(link_in(message))
    assert opened.status_code == 302  # Django moves the token out of the address first
    form = client.get(opened["Location"])
    assert "Đặt mật khẩu mới" in text_of(form) and 'name="new_password1"' in form.content.decode()
    mismatch = client.post(opened["Location"], {"new_password1": CHOSEN, "new_password2": CHOSEN + "x"})
    assert "Hai trường mật khẩu không giống nhau." in text_of(mismatch)
    done = client.post(opened["Location"], {"new_password1": CHOSEN, "new_password2": CHOSEN})
    assert done.status_code == 302 and done["Location"] == "/password-reset/done/"
    assert "Mật khẩu mới của bạn đã được lưu." in text_of(client.get(done["Location"]))

    user = User.objects.get(pk=learner.user_id)
    assert user.check_password(CHOSEN)
    assert not user.password_change_required  # chosen by its owner: no forced change after it
    assert signed_in(learner.national_id, CHOSEN).get("/portal/").status_code == 200
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {token['access']}")
    assert api.get("/api/v1/me").status_code == 401  # a reset ends the tokens of before

    # The link works once.
    again = Client(HTTP_ACCEPT_LANGUAGE="vi").get(link_in(message), follow=True)
    assert "liên kết đã được dùng hoặc đã hết hạn" in text_of(again)
    assert "new_password1" not in again.content.decode()


def test_the_email_may_be_named_instead_of_the_id_and_groups_of_digits_are_read(new_learner):
    learner, _given = new_learner
    assert ask_reset("SON.Luong@Example.vn").status_code == 302
    assert ask_reset("019 185 004 321").status_code == 302
    assert [m.to for m in mail.outbox] == [["son.luong@example.vn"]] * 2


def test_the_email_is_in_english_on_the_english_site(new_learner):
    learner, _given = new_learner
    ask_reset(learner.national_id, language="en")
    message = mail.outbox[0]
    assert message.subject == "Password reset: training of commune cadres and civil servants"
    assert "To choose a new password, open this link:" in message.body
    assert "expires after 24 hours" in message.body


def test_no_account_gets_the_same_answer_and_no_email(new_learner):
    learner, _given = new_learner
    LearnerFactory(national_id="019185009999")  # an account with no email: nothing to send to
    found = ask_reset(learner.national_id)
    mail.outbox.clear()
    for identifier in ("019185000000", "nobody@example.vn", "019185009999"):
        answer = ask_reset(identifier)
        assert (answer.status_code, answer["Location"]) == (found.status_code, found["Location"])
    assert mail.outbox == []


def test_an_expired_link_is_refused(new_learner, settings):
    learner, _given = new_learner
    user = learner.user
    # Django's tokens count seconds from naive local datetimes.
    issued = datetime.now() - timedelta(seconds=settings.PASSWORD_RESET_TIMEOUT + 60)
    seconds = default_token_generator._num_seconds(issued)
    token = default_token_generator._make_token_with_timestamp(user, seconds, default_token_generator.secret)
    uid = urlsafe_base64_encode(force_bytes(user.pk))
    page = Client(HTTP_ACCEPT_LANGUAGE="vi").get(f"/password-reset/{uid}/{token}/", follow=True)
    assert "liên kết đã được dùng hoặc đã hết hạn" in text_of(page)
    assert "Yêu cầu liên kết mới" in text_of(page)
    # The same token a minute old works: it is the age that refuses it.
    fresh = default_token_generator.make_token(user)
    assert Client().get(f"/password-reset/{uid}/{fresh}/").status_code == 302


def test_requests_are_limited_per_identifier_and_say_nothing_of_accounts(new_learner):
    learner, _given = new_learner
    limit = throttling.limit_of(throttling.RESET_ACCOUNT).failures
    for identifier in (learner.national_id, "019185000000"):
        for _request in range(limit):
            assert ask_reset(identifier).status_code == 302
        refused = ask_reset(identifier)
        assert refused.status_code == 429 and int(refused["Retry-After"]) > 0
        assert "Đã có quá nhiều yêu cầu" in text_of(refused)
    assert len(mail.outbox) == limit


def test_requests_are_limited_per_address(db, settings):
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {
            **settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"],
            "password_reset_address": "2/1h",
        },
    }
    assert ask_reset("019185000001").status_code == 302
    assert ask_reset("019185000002").status_code == 302
    assert ask_reset("019185000003").status_code == 429


# --- hostile input and CSRF ------------------------------------------------------------------------

HOSTILE = ["1" * 10_000, "0191\x0085004321", "019185\x01004321", "\x7f", "a\x1bb@example.vn", "   "]


@pytest.mark.parametrize("identifier", HOSTILE, ids=["long", "nul", "control", "del", "escape", "blank"])
def test_hostile_identifiers_are_a_form_error(new_learner, identifier):
    response = ask_reset(identifier)
    assert response.status_code == 200
    assert 'class="errors field-errors"' in response.content.decode()
    assert mail.outbox == []


@pytest.mark.parametrize("username", HOSTILE[:5], ids=["long", "nul", "control", "del", "escape"])
def test_hostile_sign_ins_are_a_form_error(db, username):
    response = Client().post("/login/", {"username": username, "password": "x\x00y"})
    assert response.status_code == 200


def test_hostile_passwords_on_the_change_page_are_a_form_error(new_learner):
    learner, given = new_learner
    client = signed_in(learner.national_id, given)
    for password in ("ab\x00cdefgh", "y" * 10_000):
        response = change(client, old=given, new=password)
        assert response.status_code == 200
        assert 'class="errors field-errors"' in response.content.decode()
    hostile_old = change(client, old="\x00" * 3)
    assert hostile_old.status_code == 200
    assert User.objects.get(pk=learner.user_id).check_password(given)


@pytest.mark.parametrize(
    "path",
    [
        "/password-reset/%00/set-password/",
        "/password-reset/MQ/%00%01/",
        f"/password-reset/{'A' * 5000}/{'b' * 5000}/",
        "/password-reset/zzzz/1-2/",
        "/password-reset/OTk5OTk5OTk5OTk5OTk5OTk5OTk5/abc-def/",
    ],
    ids=["nul-uid", "nul-token", "long", "garbage", "huge-id"],
)
def test_hostile_reset_links_are_refused_with_a_message(db, path):
    response = Client(HTTP_ACCEPT_LANGUAGE="vi").get(path)
    assert response.status_code == 200
    assert "liên kết đã được dùng hoặc đã hết hạn" in text_of(response)


def test_forms_need_the_csrf_token(new_learner):
    learner, given = new_learner
    browser = Client(enforce_csrf_checks=True)
    assert browser.post("/password-reset/", {"identifier": learner.national_id}).status_code == 403
    assert mail.outbox == []
    browser.force_login(User.objects.get(pk=learner.user_id))
    refused = browser.post(
        "/password/change/", {"old_password": given, "new_password1": CHOSEN, "new_password2": CHOSEN}
    )
    assert refused.status_code == 403
    assert User.objects.get(pk=learner.user_id).check_password(given)


def test_the_pages_in_english_are_complete(new_learner):
    learner, given = new_learner
    client = signed_in(learner.national_id, given, language="en")
    pages = [
        client.get("/password/change/"),
        Client(HTTP_ACCEPT_LANGUAGE="en").get("/password-reset/"),
        Client(HTTP_ACCEPT_LANGUAGE="en").get("/password-reset/sent/"),
        Client(HTTP_ACCEPT_LANGUAGE="en").get("/password-reset/done/"),
        Client(HTTP_ACCEPT_LANGUAGE="en").get("/password-reset/zzzz/1-2/"),
    ]
    for response in pages:
        text = text_of(response).replace(learner.full_name, "").replace("Tiếng Việt", "")
        leftovers = re.findall(
            r"\w*[àáảãạăằắẳẵặâầấẩẫậđèéẻẽẹêềếểễệìíỉĩịòóỏõọôồốổỗộơờớởỡợùúủũụưừứửữựỳýỷỹỵ]\w*", text, re.I
        )
        assert leftovers == [], (response.request["PATH_INFO"], leftovers)


# --- in a real browser -------------------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_the_first_sign_in_in_headless_chromium(live_server, capsys, province):
    """A learner signs in for the first time with the password they were handed, is made to choose
    their own, and lands on their portal."""
    from courses.models import Role

    admin = User.objects.create(username="sonoivu-test", role=Role.PROVINCE_ADMIN, province=province)
    created = learner_create(
        actor=admin,
        national_id="019185004322",
        full_name="Lường Thị Hoa",
        gender="female",
        province=province,
        with_password=True,
    )
    learner = created.learner
    shots = {}

    def shoot(tools, name):
        shots[name] = screenshot(tools, f"password-{name}.png")

    with browser_page(base_url=live_server.url) as tools:
        as_phone(tools)
        tools.call("Page.navigate", url=f"{live_server.url}/login/")
        tools.wait_for("Page.loadEventFired")
        forgot = tools.evaluate("!!document.querySelector('a[href=\"/password-reset/\"]')")
        sign_in(tools, learner.national_id, created.password)
        forced_at = tools.evaluate("location.pathname + location.search")
        forced_text = tools.evaluate("document.body.innerText")
        overflow = tools.evaluate("document.documentElement.scrollWidth")
        lang = tools.evaluate("document.documentElement.lang")
        labelled = tools.evaluate(
            "[...document.querySelectorAll('form input:not([type=hidden])')]"
            '.every(i => document.querySelector(`label[for="${i.id}"]`))'
        )
        shoot(tools, "forced-change")
        load(
            tools,
            f"document.querySelector('#id_old_password').value = '{created.password}';"
            f"document.querySelector('#id_new_password1').value = '{CHOSEN}';"
            f"document.querySelector('#id_new_password2').value = '{CHOSEN}';"
            "document.querySelector('form[action=\"/password/change/\"]').submit();",
        )
        landed = tools.evaluate("location.pathname")
        landed_text = tools.evaluate("document.body.innerText")
        shoot(tools, "landed")
    with capsys.disabled():
        print("\npassword screenshots: " + ", ".join(str(path) for path in shots.values()))

    assert forgot
    assert forced_at == "/password/change/?next=%2Fportal%2F", forced_at
    assert "Mật khẩu này do người khác đặt cho bạn" in forced_text
    assert lang == "vi" and labelled
    assert overflow <= 360, "the page is wider than a 360 px phone"
    assert landed == "/portal/"
    assert "Đã đổi mật khẩu." in landed_text and "Lớp học của tôi" in landed_text
    assert not Learner.objects.get(pk=learner.pk).user.password_change_required
    assert all(path.stat().st_size > 5_000 for path in shots.values())
