"""Emails to learners: on enrolment with the class's schedule, the session reminders, each sent
once however many tasks try (one after the other, at once, after a failure), none to a learner
without an address or who turned reminders off, none for a session outside the windows."""

from __future__ import annotations

import datetime
import threading
from zoneinfo import ZoneInfo

import pytest
from django.core import mail
from django.db import connection
from django.utils import timezone

from courses.models import ClassMode, ClassStatus, Role
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
from enrollment.services.notifications_reminders import session_reminders_scan, session_reminders_send
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


# --- reminders -----------------------------------------------------------------------------------------


def session_in(training_class, delta, **fields):
    starts = timezone.now() + delta
    return ClassSessionFactory(
        training_class=training_class,
        starts_at=starts,
        ends_at=starts + datetime.timedelta(hours=2),
        **fields,
    )


@pytest.fixture
def running_class(db):
    return TrainingClassFactory(title="Lớp quản lý hành chính", status=ClassStatus.RUNNING)


def scan_and_send(django_capture_on_commit_callbacks, **kwargs):
    with django_capture_on_commit_callbacks(execute=True):
        return session_reminders_scan(**kwargs)


def test_reminders_go_the_day_before_and_shortly_before(running_class, django_capture_on_commit_callbacks):
    soon = session_in(running_class, datetime.timedelta(minutes=20), title="Khai mạc")
    tomorrow = session_in(running_class, datetime.timedelta(hours=20), title="Kỹ năng lãnh đạo")
    EnrollmentFactory(training_class=running_class, learner=learner_with())
    scan = scan_and_send(django_capture_on_commit_callbacks)
    assert sorted(scan.requested) == sorted([(soon.pk, SOON), (tomorrow.pk, DAY_BEFORE)])
    by_subject = {m.subject: m for m in mail.outbox}
    soon_time = timezone.localtime(soon.starts_at, HCM).strftime("%H:%M")
    tomorrow_local = timezone.localtime(tomorrow.starts_at, HCM)
    soon_email = by_subject[f"Buổi học “Khai mạc” sắp bắt đầu lúc {soon_time}"]
    day_email = by_subject[
        f"Nhắc lịch: buổi học “Kỹ năng lãnh đạo” lúc {tomorrow_local:%H:%M} ngày {tomorrow_local:%d/%m/%Y}"
    ]
    assert len(mail.outbox) == 2
    assert f"/portal/sessions/{soon.pk}/" in soon_email.body
    assert "https://meet.example.vn/room" in day_email.body
    assert "Lớp quản lý hành chính" in day_email.body

    # The next scan (five minutes later) finds both sent: nothing more.
    scan = scan_and_send(
        django_capture_on_commit_callbacks, now=timezone.now() + datetime.timedelta(minutes=5)
    )
    assert scan.requested == [] and len(mail.outbox) == 2


def test_sessions_outside_the_windows_are_not_reminded(running_class, django_capture_on_commit_callbacks):
    session_in(running_class, datetime.timedelta(hours=30))  # too early yet
    session_in(running_class, -datetime.timedelta(minutes=5))  # under way
    session_in(TrainingClassFactory(status=ClassStatus.DRAFT), datetime.timedelta(minutes=20))
    session_in(TrainingClassFactory(status=ClassStatus.FINISHED), datetime.timedelta(minutes=20))
    EnrollmentFactory(training_class=running_class, learner=learner_with())
    assert scan_and_send(django_capture_on_commit_callbacks).requested == []
    assert mail.outbox == [] and not Notification.objects.exists()


def test_opted_out_unaddressed_and_withdrawn_learners_get_no_reminder(
    running_class, django_capture_on_commit_callbacks
):
    session = session_in(running_class, datetime.timedelta(minutes=20))
    EnrollmentFactory(training_class=running_class, learner=learner_with(email="yes@example.vn"))
    EnrollmentFactory(
        training_class=running_class, learner=learner_with(email="off@example.vn", reminders_enabled=False)
    )
    EnrollmentFactory(training_class=running_class, learner=learner_with(email=""))
    EnrollmentFactory(
        training_class=running_class,
        learner=learner_with(email="gone@example.vn"),
        status=EnrollmentStatus.WITHDRAWN,
    )
    EnrollmentFactory(
        training_class=running_class,
        learner=learner_with(email="wait@example.vn"),
        status=EnrollmentStatus.WAITLISTED,
    )
    scan_and_send(django_capture_on_commit_callbacks)
    assert [m.to for m in mail.outbox] == [["yes@example.vn"]]
    assert Notification.objects.filter(session=session).count() == 1


def test_turning_reminders_off_after_the_scan_still_stops_them(running_class):
    session = session_in(running_class, datetime.timedelta(minutes=20))
    enrollment = EnrollmentFactory(training_class=running_class, learner=learner_with())
    session_reminders_scan()  # its send task not run yet
    enrollment.learner.reminders_enabled = False
    enrollment.learner.save()
    assert session_reminders_send(session_id=session.pk, kind=SOON).sent == 0
    assert mail.outbox == []
    assert Notification.objects.get().status == NotificationStatus.SKIPPED


def test_the_scan_is_a_few_queries_whatever_the_number_of_learners(
    running_class, django_assert_max_num_queries
):
    session = session_in(running_class, datetime.timedelta(minutes=20))
    session_in(running_class, datetime.timedelta(hours=5))
    for i in range(40):
        EnrollmentFactory(training_class=running_class, learner=learner_with(email=f"hv{i}@example.vn"))
    with django_assert_max_num_queries(6):  # savepoint, two INSERT … SELECT, the requeue query
        scan = session_reminders_scan()
    assert scan.created == 80
    # Sending reads the rows and the session once, then claims and settles each email.
    with django_assert_max_num_queries(2 + 2 * 40):
        assert session_reminders_send(session_id=session.pk, kind=SOON).sent == 40


def test_rows_whose_task_was_lost_are_asked_for_again(running_class, django_capture_on_commit_callbacks):
    session = session_in(running_class, datetime.timedelta(hours=5))
    EnrollmentFactory(training_class=running_class, learner=learner_with())
    session_reminders_scan()  # its task lost: the on-commit callback never ran
    later = timezone.now() + datetime.timedelta(minutes=20)
    scan = scan_and_send(django_capture_on_commit_callbacks, now=later)
    assert scan.created == 0 and scan.requested == [(session.pk, DAY_BEFORE)]
    assert len(mail.outbox) == 1


@pytest.mark.django_db(transaction=True)
def test_two_tasks_at_once_send_each_reminder_once(running_class):
    """Two workers sending the same session's reminders at the same moment, on PostgreSQL."""
    if connection.vendor != "postgresql":
        pytest.skip("concurrent writers need PostgreSQL")
    session = session_in(running_class, datetime.timedelta(minutes=20))
    enrollments = [
        EnrollmentFactory(training_class=running_class, learner=learner_with(email=f"hv{i}@example.vn"))
        for i in range(30)
    ]
    # The rows a scan writes (written here: a scan's own task, run on its commit, would send them).
    Notification.objects.bulk_create(
        Notification(kind=SOON, session=session, enrollment=enrollment) for enrollment in enrollments
    )
    barrier = threading.Barrier(2)
    sent, errors = [], []

    def worker():
        from django.db import connection as own

        try:
            barrier.wait()
            sent.append(session_reminders_send(session_id=session.pk, kind=SOON).sent)
        except Exception as error:  # noqa: BLE001 - reported below
            errors.append(error)
        finally:
            own.close()

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert sum(sent) == 30
    recipients = [m.to[0] for m in mail.outbox]
    assert len(recipients) == 30 and len(set(recipients)) == 30
    assert set(Notification.objects.values_list("status", flat=True)) == {NotificationStatus.SENT}
