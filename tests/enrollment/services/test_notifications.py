"""Emails to learners: the enrolment email with the class's schedule, sent after the request that
enrolled, once however many tasks try (one after the other, after a failure), none to a learner
without an address. The reminders are in test_notifications_reminders.py."""

from __future__ import annotations

import datetime
from zoneinfo import ZoneInfo

import pytest
from django.core import mail

from courses.models import ClassMode, Role
from enrollment.models import (
    EnrollmentSource,
    EnrollmentStatus,
    Notification,
    NotificationKind,
    NotificationStatus,
)
from enrollment.services.enrollments import enrollment_create, enrollment_withdraw, enrollments_bulk_create
from enrollment.services.notifications import DeliveryFailed
from enrollment.services.notifications_enrolment import enrolment_emails_request, enrolment_emails_send
from tests.factories import (
    ClassSessionFactory,
    EnrollmentFactory,
    LearnerFactory,
    TrainingClassFactory,
    UserFactory,
)
from tests.reporting.report_world import vietnamese_default

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _vietnamese_site():
    """Emails are written in Vietnamese; as in production, Vietnamese is the site's default
    (the test settings' English would otherwise be the fallback of every string)."""
    with vietnamese_default():
        yield


HCM = ZoneInfo("Asia/Ho_Chi_Minh")
SOON = NotificationKind.REMINDER_SOON
DAY_BEFORE = NotificationKind.REMINDER_DAY_BEFORE


@pytest.fixture
def admin(db):
    return UserFactory(role=Role.CENTRAL_ADMIN)


@pytest.fixture
def online_class(db):
    training_class = TrainingClassFactory(title="Lớp kỹ năng số cấp xã", code="ky-nang-so-1")
    ClassSessionFactory(
        training_class=training_class,
        title="Chuyển đổi số",
        starts_at=datetime.datetime(2026, 9, 1, 8, 0, tzinfo=HCM),
        ends_at=datetime.datetime(2026, 9, 1, 10, 30, tzinfo=HCM),
        join_url="https://meet.example.vn/ky-nang-so-1",
    )
    ClassSessionFactory(
        training_class=training_class,
        title="An toàn thông tin",
        # 01:30 UTC is 08:30 in Vietnam: the email gives Vietnam's time.
        starts_at=datetime.datetime(2026, 9, 3, 1, 30, tzinfo=datetime.UTC),
        ends_at=datetime.datetime(2026, 9, 3, 3, 30, tzinfo=datetime.UTC),
        join_url="https://meet.example.vn/ky-nang-so-2",
    )
    return training_class


def learner_with(email="an.nguyen@example.vn", **fields):
    return LearnerFactory(email=email, full_name=fields.pop("full_name", "Nguyễn Văn An"), **fields)


# --- on enrolment ------------------------------------------------------------------------------------


def test_enrolment_sends_the_schedule_once_the_enrolment_commits(
    online_class, admin, django_capture_on_commit_callbacks, settings
):
    settings.PUBLIC_BASE_URL = "https://daotao.example.gov.vn"
    learner = learner_with()
    with django_capture_on_commit_callbacks() as callbacks:
        enrollment_create(learner=learner, training_class=online_class, actor=admin)
        assert mail.outbox == []  # nothing inside the transaction
    for callback in callbacks:
        callback()
    [email] = mail.outbox
    assert email.to == ["an.nguyen@example.vn"]
    assert email.subject == "Xác nhận ghi danh lớp “Lớp kỹ năng số cấp xã”"
    assert "Kính gửi Nguyễn Văn An," in email.body
    assert "mã lớp ky-nang-so-1" in email.body
    assert "01/09/2026, 08:00–10:30: Chuyển đổi số" in email.body
    assert "03/09/2026, 08:30–10:30: An toàn thông tin" in email.body
    assert "https://meet.example.vn/ky-nang-so-1" in email.body
    assert "https://meet.example.vn/ky-nang-so-2" in email.body
    assert "https://daotao.example.gov.vn/portal/\n" in email.body
    assert "https://daotao.example.gov.vn/portal/preferences/" in email.body
    [row] = Notification.objects.all()
    assert (row.kind, row.status, row.attempts, row.email) == (
        NotificationKind.ENROLMENT,
        NotificationStatus.SENT,
        1,
        "an.nguyen@example.vn",
    )


def test_the_enrolment_email_is_sent_once_however_often_its_task_runs(online_class):
    enrollment = EnrollmentFactory(training_class=online_class, learner=learner_with())
    first = enrolment_emails_send(enrollment_ids=[enrollment.pk])
    second = enrolment_emails_send(enrollment_ids=[enrollment.pk])
    assert (first.sent, second.sent) == (1, 0)
    assert len(mail.outbox) == 1


def test_a_learner_without_an_address_is_sent_nothing_and_nothing_fails(online_class, admin):
    enrollment = enrollment_create(learner=learner_with(email=""), training_class=online_class, actor=admin)
    delivery = enrolment_emails_send(enrollment_ids=[enrollment.pk])
    assert delivery.sent == 0 and mail.outbox == []
    assert not Notification.objects.exists()


def test_the_waitlisted_are_sent_the_schedule_when_promoted(admin, django_capture_on_commit_callbacks):
    training_class = TrainingClassFactory(mode=ClassMode.IN_PERSON, capacity=1)
    seated, waiting = learner_with(email="a@example.vn"), learner_with(email="b@example.vn")
    with django_capture_on_commit_callbacks(execute=True):
        first = enrollment_create(learner=seated, training_class=training_class, actor=admin)
        second = enrollment_create(learner=waiting, training_class=training_class, actor=admin)
    assert second.status == EnrollmentStatus.WAITLISTED
    assert [m.to for m in mail.outbox] == [["a@example.vn"]]
    with django_capture_on_commit_callbacks(execute=True):
        enrollment_withdraw(enrollment=first, actor=admin)
    assert [m.to for m in mail.outbox] == [["a@example.vn"], ["b@example.vn"]]


def test_a_bulk_enrolment_sends_nothing_inside_the_request(
    online_class, admin, django_capture_on_commit_callbacks
):
    learners = [learner_with(email=f"hv{i}@example.vn", full_name=f"Học Viên {i}") for i in range(6)]
    with django_capture_on_commit_callbacks() as callbacks:
        enrollments_bulk_create(
            training_class=online_class,
            learner_ids=[x.pk for x in learners],
            actor=admin,
            source=EnrollmentSource.IMPORT,
        )
    assert mail.outbox == []
    for callback in callbacks:
        callback()
    assert sorted(m.to[0] for m in mail.outbox) == sorted(f"hv{i}@example.vn" for i in range(6))


def test_an_imported_file_sends_the_schedule_after_the_request_to_those_with_an_address(
    online_class, django_capture_on_commit_callbacks
):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from tests.enrollment.enrollment_files import person, xlsx_bytes
    from tests.roles import client_as

    trainer = UserFactory(role=Role.TRAINER)
    online_class.trainers.set([trainer])
    rows = [
        person(1, "Nguyễn Văn An", "019085000001", email="an@example.vn"),
        person(2, "Trần Thị Bình", "019185000002", gender="Nữ", email="binh@example.vn"),
        person(3, "Đinh Văn Cũ", "019085000003"),  # no address
    ]
    with django_capture_on_commit_callbacks() as callbacks:
        response = client_as(trainer).post(
            f"/api/v1/classes/{online_class.pk}/enrollments/import",
            {"file": SimpleUploadedFile("danh-sach.xlsx", xlsx_bytes(rows)), "dry_run": "false"},
            format="multipart",
        )
    assert response.status_code == 201, response.content
    assert mail.outbox == []  # nothing sent within the request
    for callback in callbacks:
        callback()
    assert sorted(m.to[0] for m in mail.outbox) == ["an@example.vn", "binh@example.vn"]
    assert all(m.subject == "Xác nhận ghi danh lớp “Lớp kỹ năng số cấp xã”" for m in mail.outbox)


def test_the_enrolment_emails_are_a_few_queries_and_two_per_email(
    online_class, django_assert_max_num_queries
):
    ids = [
        EnrollmentFactory(training_class=online_class, learner=learner_with(email=f"hv{i}@example.vn")).pk
        for i in range(20)
    ]
    with django_assert_max_num_queries(4 + 2 * 20):
        assert enrolment_emails_send(enrollment_ids=ids).sent == 20


def test_a_failed_send_is_recorded_and_only_it_is_tried_again(online_class, settings):
    enrollment = EnrollmentFactory(training_class=online_class, learner=learner_with())
    # A mail server that refuses the connection (nothing listens on port 9 of this host).
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", 9, 2
    with pytest.raises(DeliveryFailed):
        enrolment_emails_send(enrollment_ids=[enrollment.pk])
    row = Notification.objects.get()
    assert row.status == NotificationStatus.FAILED and row.attempts == 1 and row.error
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    assert enrolment_emails_send(enrollment_ids=[enrollment.pk]).sent == 1
    assert enrolment_emails_send(enrollment_ids=[enrollment.pk]).sent == 0
    row.refresh_from_db()
    assert (row.status, row.attempts, row.error) == (NotificationStatus.SENT, 2, "")
    assert len(mail.outbox) == 1


def test_an_unreachable_mail_server_leaves_the_rest_for_the_retry(online_class, settings):
    """One connection attempt, not one per email: the others are not even claimed."""
    enrollments = [
        EnrollmentFactory(training_class=online_class, learner=learner_with(email=f"hv{i}@example.vn"))
        for i in range(3)
    ]
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", 9, 2
    with pytest.raises(DeliveryFailed):
        enrolment_emails_send(enrollment_ids=[e.pk for e in enrollments])
    statuses = list(Notification.objects.order_by("pk").values_list("status", "attempts"))
    assert statuses == [
        (NotificationStatus.FAILED, 1),
        (NotificationStatus.PENDING, 0),
        (NotificationStatus.PENDING, 0),
    ]
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    assert enrolment_emails_send(enrollment_ids=[e.pk for e in enrollments]).sent == 3


def test_large_enrolments_are_sent_by_several_tasks(django_capture_on_commit_callbacks):
    """1,201 enrolment ids: three tasks of at most 500 ids, queued on commit."""
    with django_capture_on_commit_callbacks() as callbacks:
        enrolment_emails_request(list(range(1, 1202)))
    assert len(callbacks) == 3


def test_a_row_left_sending_by_a_dead_worker_is_not_sent_again(online_class):
    """Whether its email went out is unknown: it is not sent a second time."""
    enrollment = EnrollmentFactory(training_class=online_class, learner=learner_with())
    Notification.objects.create(
        kind=NotificationKind.ENROLMENT, enrollment=enrollment, status=NotificationStatus.SENDING, attempts=1
    )
    assert enrolment_emails_send(enrollment_ids=[enrollment.pk]).sent == 0
    assert mail.outbox == []
