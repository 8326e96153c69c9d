"""Session reminders: the day before and shortly before each session, found by the beat's scan
in a few queries whatever the number of learners; none for sessions outside the windows, nor to
learners who turned them off, have no address or hold no seat; each sent once, even by two tasks
at once on PostgreSQL."""

from __future__ import annotations

import datetime
import threading
from zoneinfo import ZoneInfo

import pytest
from django.core import mail
from django.db import connection
from django.utils import timezone

from courses.models import ClassStatus
from enrollment.models import EnrollmentStatus, Notification, NotificationKind, NotificationStatus
from enrollment.services.notifications_reminders import session_reminders_scan, session_reminders_send
from tests.enrollment.services.test_notifications import learner_with
from tests.factories import ClassSessionFactory, EnrollmentFactory, TrainingClassFactory
from tests.reporting.report_world import vietnamese_default

pytestmark = pytest.mark.django_db

HCM = ZoneInfo("Asia/Ho_Chi_Minh")
SOON = NotificationKind.REMINDER_SOON
DAY_BEFORE = NotificationKind.REMINDER_DAY_BEFORE


@pytest.fixture(autouse=True)
def _vietnamese_site():
    with vietnamese_default():
        yield


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
