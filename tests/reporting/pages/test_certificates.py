"""Certificates in the browser: a learner's own (/portal/certificates/) and their PDFs, read back with
pypdf and their QR codes decoded with zxing-cpp; the public verification page (/verify/) those codes
open, valid, revoked and unknown; who may open what, with every role; the path in a real headless
Chromium at 360 px (screenshots in test-artifacts/certificates-*.png)."""

from __future__ import annotations

import base64
import re
from urllib.parse import unquote, urlsplit
from zoneinfo import ZoneInfo

import pytest
from django.core.cache import cache
from django.test import Client

from courses.models import ClassStatus
from reporting.models import Certificate
from tests.browser import as_phone, browser_page, load, screenshot, sign_in
from tests.class_world import build_world
from tests.enrollment.pages.page_helpers import page_client, text_of
from tests.factories import ClassSessionFactory, EnrollmentFactory, TrainingClassFactory
from tests.reporting.conftest import attend, attend_all, recompute
from tests.reporting.pdf_helpers import read_pdf
from tests.reporting.report_world import vietnamese_default
from tests.roles import CLASS_ROLES, by_role

HOLDER = "Nguyễn Thị Hồng Nhung"

# The learner's pages: learners only (the API gives no one else a certificate), anonymous visitors
# sent to sign in.
MY_CERTIFICATES = {
    **dict.fromkeys(CLASS_ROLES, 403),
    "anonymous": 302,
    "own_learner": 200,
    "other_learner": 200,
}
# One certificate's PDF: its holder only; another learner reads nothing of it (404).
THE_PDF = {**MY_CERTIFICATES, "other_learner": 404}
# The verification page is public.
VERIFY = dict.fromkeys(CLASS_ROLES, 200)


@pytest.fixture(autouse=True)
def _vietnamese_site():
    with vietnamese_default():
        yield


@pytest.fixture(autouse=True)
def _fresh_throttle():
    cache.clear()  # the verification's rate limit counts in the default cache


def certify(world):
    """The world's Thái Nguyên class finished and its learner (renamed HOLDER) certified, through
    the real recompute that issues certificates."""
    learner = world.learner
    learner.full_name = HOLDER
    learner.save()
    world.training_class.status = ClassStatus.FINISHED
    world.training_class.save()
    attend_all(world.enrollment, 120)
    recompute(world.training_class)
    return Certificate.objects.get(enrollment=world.enrollment)


def revoke(world, certificate):
    """A correction of the attendance, then the recompute: the certificate is revoked."""
    attend(world.enrollment, ["absent"])
    recompute(world.training_class)
    certificate.refresh_from_db()
    assert certificate.revoked_at is not None
    return certificate


@pytest.fixture
def world(db, province_admin, other_province_admin, central_admin):
    """tests.class_world's world (tests.reporting's conftest names its own `world`)."""
    return build_world(
        province_admin=province_admin, other_province_admin=other_province_admin, central_admin=central_admin
    )


@pytest.fixture
def certificate(world):
    return certify(world)


def download(user, certificate):
    return page_client(user).get(f"/portal/certificates/{certificate.pk}/pdf/")


# --- the PDF -----------------------------------------------------------------------------------


def test_the_pdf_prints_the_certificate_and_its_qr_code_verifies(world, certificate, settings):
    settings.PUBLIC_BASE_URL = "https://boiduong.example.vn"
    response = download(world.learner.user, certificate)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    reader, text, decoded = read_pdf(response.content)

    assert len(reader.pages) == 1
    box = reader.pages[0].mediabox
    assert (round(float(box.width)), round(float(box.height))) == (842, 595)  # A4 landscape
    # The text is set in the DejaVu Sans shipped with the project, embedded (whatever the reader has).
    fonts = [font.get_object() for font in reader.pages[0]["/Resources"]["/Font"].get_object().values()]
    embedded = {
        str(font["/BaseFont"]).split("+")[-1]
        for font in fonts
        if "/FontFile2" in font.get("/FontDescriptor", {})
    }
    assert embedded == {"DejaVuSans", "DejaVuSans-Bold"}
    training_class = world.training_class
    for printed in (
        HOLDER,
        training_class.curriculum.title_vi,
        training_class.title,
        certificate.number,
        f"Số hiệu: {certificate.number}",
        f"từ {training_class.start_date:%d/%m/%Y} đến {training_class.end_date:%d/%m/%Y}",
        "GIẤY CHỨNG NHẬN",
        "ỦY BAN NHÂN DÂN",  # the class's organiser, a province, issues it
    ):
        assert printed in text, printed
    assert world.learner.national_id not in text
    assert "1985" not in text  # the birth year is no business of the certificate

    assert decoded == [f"https://boiduong.example.vn/verify/{certificate.verification_code}/"]
    verification = Client(HTTP_ACCEPT_LANGUAGE="vi").get(urlsplit(decoded[0]).path)
    assert verification.status_code == 200
    page = text_of(verification)
    assert "Giấy chứng nhận hợp lệ" in page
    assert HOLDER in page and certificate.number in page

    revoke(world, certificate)
    revoked = Client(HTTP_ACCEPT_LANGUAGE="vi").get(urlsplit(decoded[0]).path)
    assert revoked.status_code == 200
    assert "Giấy chứng nhận đã bị thu hồi" in text_of(revoked)
    assert HOLDER not in text_of(revoked)
    assert "Giấy chứng nhận hợp lệ" not in text_of(revoked)


def test_the_dates_printed_are_vietnam_dates(world, certificate):
    _, text, _ = read_pdf(download(world.learner.user, certificate).content)
    issued = certificate.issued_at.astimezone(ZoneInfo("Asia/Ho_Chi_Minh")).date()
    assert f"Ngày cấp: {issued:%d/%m/%Y}" in text
    assert f"Ngày {issued.day:02d} tháng {issued.month:02d} năm {issued.year}" in text


def test_the_download_is_named_in_ascii_and_in_vietnamese(world, certificate):
    response = download(world.learner.user, certificate)
    disposition = response["Content-Disposition"]
    ascii_name = f"giay-chung-nhan-{certificate.number.lower()}.pdf"
    assert disposition.startswith(f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''")
    assert disposition.isascii()
    assert unquote(disposition.split("UTF-8''")[1]) == f"Giấy chứng nhận {certificate.number}.pdf"
    assert response["Cache-Control"] == "private, no-store"


def test_long_texts_stay_on_one_page(world):
    """Titles at their longest are cut to a few lines: still one page, the number still printed."""
    world.training_class.title = "Lớp bồi dưỡng kiến thức quản lý nhà nước " * 7
    world.training_class.save()
    world.curriculum.title_vi = ("Bộ chương trình bồi dưỡng cán bộ, công chức cấp xã " * 6)[:300]
    world.curriculum.save()
    certificate = certify(world)
    reader, text, decoded = read_pdf(download(world.learner.user, certificate).content)
    assert len(reader.pages) == 1
    assert certificate.number in text and HOLDER in text and "…" in text
    assert len(decoded) == 1


def test_a_revoked_certificate_is_not_downloaded(world, certificate):
    revoke(world, certificate)
    response = download(world.learner.user, certificate)
    assert response.status_code == 404
    assert response["Content-Type"].startswith("text/html")
    assert "Giấy đã bị thu hồi thì không tải được nữa." in text_of(response)
    assert certificate.number not in text_of(page_client(world.learner.user).get("/portal/certificates/"))


# --- who may open what -------------------------------------------------------------------------


@by_role(MY_CERTIFICATES)
def test_my_certificates_by_role(world, certificate, user_of, role, expected):
    response = page_client(user_of(role)).get("/portal/certificates/")
    assert response.status_code == expected
    if expected == 302:
        assert response["Location"] == "/login/?next=/portal/certificates/"
    if role == "own_learner":
        assert certificate.number in text_of(response)
    if role == "other_learner":
        assert certificate.number not in text_of(response)
        assert "Bạn chưa có giấy chứng nhận nào." in text_of(response)


@by_role(THE_PDF)
def test_the_pdf_by_role(world, certificate, user_of, role, expected):
    response = download(user_of(role), certificate)
    assert response.status_code == expected
    if expected == 200:
        assert response.content.startswith(b"%PDF-")
    else:
        assert not response.content.startswith(b"%PDF-")
    if expected == 302:
        assert response["Location"].startswith("/login/?next=/portal/certificates/")


@by_role(VERIFY)
def test_the_verification_page_by_role(world, certificate, user_of, role, expected):
    response = page_client(user_of(role)).get(f"/verify/{certificate.verification_code}/")
    assert response.status_code == expected
    assert HOLDER in text_of(response)


def test_an_unknown_certificate_is_404(world, certificate):
    assert page_client(world.learner.user).get("/portal/certificates/999999/pdf/").status_code == 404


# --- the verification page ---------------------------------------------------------------------


def test_the_page_shows_what_the_json_verification_shows(world, certificate, api_client):
    page = text_of(Client(HTTP_ACCEPT_LANGUAGE="vi").get(f"/verify/{certificate.verification_code.upper()}/"))
    data = api_client.get(f"/api/v1/certificates/verify/{certificate.verification_code}").json()
    for value in (data["learner_name"], data["curriculum_title"], data["class_title"], data["class_code"]):
        assert value in page
    assert certificate.number in page
    learner = world.learner
    assert learner.national_id not in page
    assert learner.date_of_birth.strftime("%d/%m/%Y") not in page and "1985" not in page


@pytest.mark.parametrize(
    "code",
    [
        "0" * 32,  # the right shape, no such certificate
        "z" * 32,
        "a" * 33,
        "a" * 5000,
        "%00" + "a" * 29,
        "%C3%A1" * 16,  # á, sixteen times
        "%E2%80%AE" + "a" * 31,
        "abc%20def",
    ],
    ids=["unknown", "not-hex", "long", "very-long", "nul", "unicode", "bidi", "space"],
)
def test_a_bad_code_is_the_unknown_answer(db, code):
    response = Client(HTTP_ACCEPT_LANGUAGE="vi").get(f"/verify/{code}/")
    assert response.status_code == 404
    assert response["Content-Type"].startswith("text/html")
    assert "Không tìm thấy giấy chứng nhận" in text_of(response)


def test_verify_by_number_and_name(world, certificate):
    client = Client(HTTP_ACCEPT_LANGUAGE="vi")
    form = client.get("/verify/")
    assert form.status_code == 200
    assert 'name="number"' in form.content.decode() and 'name="name"' in form.content.decode()

    # The name as printed, whatever its diacritics, case and spacing.
    found = client.get("/verify/", {"number": certificate.number.lower(), "name": "  nguyen thi HONG nhung "})
    assert found.status_code == 200
    assert "Giấy chứng nhận hợp lệ" in text_of(found) and HOLDER in text_of(found)

    wrong_name = client.get("/verify/", {"number": certificate.number, "name": "Trần Văn Khác"})
    assert wrong_name.status_code == 404
    assert HOLDER not in text_of(wrong_name)
    unknown = client.get("/verify/", {"number": "GCN-1999-000001", "name": HOLDER})
    assert unknown.status_code == 404

    revoke(world, certificate)
    revoked = client.get("/verify/", {"number": certificate.number, "name": HOLDER})
    assert revoked.status_code == 200 and "Giấy chứng nhận đã bị thu hồi" in text_of(revoked)


def test_verify_by_number_names_the_field_at_fault(db):
    client = Client(HTTP_ACCEPT_LANGUAGE="vi")
    missing = client.get("/verify/", {"number": "GCN-2026-000001"})
    assert missing.status_code == 400
    assert 'id="id_name-error"' in missing.content.decode()
    assert "Trường này là bắt buộc." in text_of(missing)
    too_long = client.get("/verify/", {"number": "G" * 31, "name": HOLDER})
    assert too_long.status_code == 400
    assert 'id="id_number-error"' in too_long.content.decode()
    # A NUL is refused before the page (courses.core.query_strings): a 400, never a 500.
    assert client.get("/verify/", {"number": "GCN\x00", "name": HOLDER}).status_code == 400


def test_the_verification_is_rate_limited_as_the_api_is(world, certificate):
    client = Client(HTTP_ACCEPT_LANGUAGE="vi")
    statuses = [client.get(f"/verify/{certificate.verification_code}/").status_code for _ in range(61)]
    assert statuses[:60] == [200] * 60
    assert statuses[60] == 429
    assert "Quá nhiều lượt kiểm tra" in text_of(client.get(f"/verify/{'0' * 32}/"))


def test_the_pages_in_english_are_complete(world, certificate):
    """Every string of the pages is translated: what remains in Vietnamese is the data."""
    mine = text_of(page_client(world.learner.user, "en").get("/portal/certificates/"))
    assert "My certificates" in mine and "Download the certificate (PDF)" in mine
    verify = text_of(page_client(None, "en").get(f"/verify/{certificate.verification_code}/"))
    assert "Valid certificate" in verify and "Verify by number" in verify
    unknown = text_of(page_client(None, "en").get(f"/verify/{'0' * 32}/"))
    assert "Certificate not found" in unknown
    for text in (mine, verify, unknown):
        for data in (
            HOLDER,
            world.learner.user.full_name,
            world.training_class.title,
            world.curriculum.title_vi,
            "Tiếng Việt",
        ):
            text = text.replace(data, "")
        leftovers = re.findall(
            r"\w*[àáảãạăằắẳẵặâầấẩẫậđèéẻẽẹêềếểễệìíỉĩịòóỏõọôồốổỗộơờớởỡợùúủũụưừứửữựỳýỷỹỵ]\w*", text, re.I
        )
        assert leftovers == [], leftovers


# --- query bounds --------------------------------------------------------------------------------


@pytest.mark.parametrize("count", [1, 5])
def test_my_certificates_runs_a_bounded_number_of_queries(
    world, certificate, django_assert_max_num_queries, count
):
    for _ in range(count - 1):
        training_class = TrainingClassFactory(status=ClassStatus.FINISHED, curriculum=world.curriculum)
        ClassSessionFactory(training_class=training_class)
        enrollment = EnrollmentFactory(learner=world.learner, training_class=training_class)
        attend_all(enrollment, 120)
        recompute(training_class)
    assert Certificate.objects.filter(enrollment__learner=world.learner).count() == count
    client = page_client(world.learner.user)
    with django_assert_max_num_queries(4):
        response = client.get("/portal/certificates/")
    assert response.content.decode().count("data-certificate=") == count
    with django_assert_max_num_queries(4):
        assert client.get(f"/portal/certificates/{certificate.pk}/pdf/").status_code == 200
    with django_assert_max_num_queries(2):
        assert Client().get(f"/verify/{certificate.verification_code}/").status_code == 200


# --- in a real browser -------------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_the_certificate_path_in_headless_chromium(
    live_server, settings, capsys, tmp_path, province_admin, other_province_admin, central_admin
):
    """Sign in, open My certificates from the portal's menu, download the PDF (the button's file as
    the browser saves it, and the same address fetched by the page), open the address its QR code
    holds: the certificate is valid."""
    settings.PUBLIC_BASE_URL = live_server.url
    world = build_world(
        province_admin=province_admin, other_province_admin=other_province_admin, central_admin=central_admin
    )
    certificate = certify(world)
    shots = {}
    with browser_page(base_url=live_server.url) as tools:
        as_phone(tools)
        tools.call("Page.navigate", url=f"{live_server.url}/login/")
        tools.wait_for("Page.loadEventFired")
        sign_in(tools, world.learner.national_id, "pass-1234")
        load(tools, "document.querySelector('nav.portal-nav a[href=\"/portal/certificates/\"]').click();")
        location = tools.evaluate("location.pathname")
        listed = tools.evaluate("document.body.innerText")
        overflow = tools.evaluate("document.documentElement.scrollWidth")
        shots["mine"] = screenshot(tools, "certificates-mine.png")
        # The learner taps the button: the browser saves the file under the name the server gave.
        downloads = tmp_path / "downloads"
        tools.call(
            "Browser.setDownloadBehavior", behavior="allow", downloadPath=str(downloads), eventsEnabled=True
        )
        tools.evaluate("document.querySelector('[data-certificate] a[download]').click();")
        begun = tools.wait_for("Browser.downloadWillBegin")["params"]
        while (progress := tools.wait_for("Browser.downloadProgress")["params"])["state"] == "inProgress":
            pass
        saved = downloads / begun["suggestedFilename"]
        fetched = tools.call(
            "Runtime.evaluate",
            expression="""(async () => {
                const link = document.querySelector('[data-certificate] a[download]');
                const answer = await fetch(link.href, {credentials: 'same-origin'});
                const bytes = new Uint8Array(await answer.arrayBuffer());
                let binary = '';
                for (const b of bytes) binary += String.fromCharCode(b);
                return {status: answer.status, type: answer.headers.get('content-type'),
                        disposition: answer.headers.get('content-disposition'), body: btoa(binary)};
            })()""",
            awaitPromise=True,
            returnByValue=True,
        )["result"]["value"]
        _, text, decoded = read_pdf(base64.b64decode(fetched["body"]))
        tools.call("Page.navigate", url=decoded[0])
        tools.wait_for("Page.loadEventFired")
        verdict = tools.evaluate("document.querySelector('[data-verdict]').dataset.verdict")
        verified = tools.evaluate("document.body.innerText")
        verify_overflow = tools.evaluate("document.documentElement.scrollWidth")
        shots["verify"] = screenshot(tools, "certificates-verify.png")
        revoke(world, certificate)
        tools.call("Page.reload")
        tools.wait_for("Page.loadEventFired")
        revoked = tools.evaluate("document.querySelector('[data-verdict]').dataset.verdict")
        shots["revoked"] = screenshot(tools, "certificates-revoked.png")
    with capsys.disabled():
        print("\ncertificate screenshots: " + ", ".join(str(path) for path in shots.values()))

    assert location == "/portal/certificates/"
    assert "Giấy chứng nhận của tôi" in listed and certificate.number in listed
    assert overflow <= 360 and verify_overflow <= 360, "wider than a 360 px phone"
    assert progress["state"] == "completed"
    # Chromium reads filename*, the Vietnamese name (older clients keep the ASCII one).
    assert begun["suggestedFilename"] == f"Giấy chứng nhận {certificate.number}.pdf"
    assert read_pdf(saved.read_bytes())[2] == decoded
    assert fetched["status"] == 200 and fetched["type"] == "application/pdf"
    assert fetched["disposition"].startswith("attachment;")
    assert HOLDER in text and certificate.number in text
    assert decoded == [f"{live_server.url}/verify/{certificate.verification_code}/"]
    assert verdict == "valid"
    assert revoked == "revoked"
    assert HOLDER in verified and "Giấy chứng nhận hợp lệ" in verified
    assert all(path.stat().st_size > 5_000 for path in shots.values())
