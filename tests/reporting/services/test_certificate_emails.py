"""The certificate email: sent once to each learner whose certificate the recompute issues, when it
commits; never again for the same certificate, nor to a learner without an address."""

import pytest
from django.core import mail

from enrollment.models import Notification, NotificationKind, NotificationStatus
from reporting.models import Certificate
from reporting.services.certificate_emails import certificate_emails_send
from tests.reporting.conftest import attend, attend_all, enrol, make_class, recompute
from tests.reporting.report_world import vietnamese_default

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _vietnamese_site():
    """Emails are written in Vietnamese; as in production, Vietnamese is the site's default
    (the test settings' English would otherwise be the fallback of every string)."""
    with vietnamese_default():
        yield


def test_each_issued_certificate_is_announced_once(programme, settings, django_capture_on_commit_callbacks):
    settings.PUBLIC_BASE_URL = "https://daotao.example.gov.vn"
    training_class = make_class(programme=programme, title="Lớp bồi dưỡng đại biểu HĐND")
    passed = enrol(training_class, email="dat@example.vn", full_name="Hoàng Văn Đạt")
    unreachable = enrol(training_class, email="")
    failed = enrol(training_class, email="chua.dat@example.vn")
    attend_all(passed, 60)
    attend_all(unreachable, 60)
    attend(failed, [60])
    with django_capture_on_commit_callbacks(execute=True):
        recompute(training_class)
    certificate = Certificate.objects.get(enrollment=passed)
    assert Certificate.objects.count() == 2  # the learner without an address has one too
    [email] = mail.outbox
    assert email.to == ["dat@example.vn"]
    assert email.subject == "Giấy chứng nhận hoàn thành lớp “Lớp bồi dưỡng đại biểu HĐND”"
    assert "Kính gửi Hoàng Văn Đạt," in email.body
    assert f"Số giấy chứng nhận: {certificate.number}" in email.body
    assert f"Mã xác thực: {certificate.verification_code}" in email.body
    # The links lead to the learner's certificates and to the public page the QR code opens.
    assert f"{settings.PUBLIC_BASE_URL}/portal/certificates/" in email.body
    assert f"{settings.PUBLIC_BASE_URL}/verify/{certificate.verification_code}/" in email.body
    assert "https://daotao.example.gov.vn/portal/" in email.body

    # Recomputed again, and the task delivered again: nothing more.
    with django_capture_on_commit_callbacks(execute=True):
        recompute(training_class)
    assert certificate_emails_send(certificate_ids=[certificate.pk]).sent == 0
    assert len(mail.outbox) == 1
    row = Notification.objects.get(kind=NotificationKind.CERTIFICATE)
    assert (row.certificate_id, row.status) == (certificate.pk, NotificationStatus.SENT)


def test_a_revoked_certificate_is_not_announced(programme):
    training_class = make_class(programme=programme)
    enrollment = enrol(training_class, email="thu.hoi@example.vn")
    attend_all(enrollment, 60)
    recompute(training_class)  # its email not sent: the on-commit callback is not run here
    certificate = Certificate.objects.get()
    attend(enrollment, [0, 0, 0, 0, 0])  # a correction: no longer completed
    recompute(training_class)
    certificate.refresh_from_db()
    assert not certificate.is_valid
    assert certificate_emails_send(certificate_ids=[certificate.pk]).sent == 0
    assert mail.outbox == []
