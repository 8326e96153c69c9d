"""The emails' tasks on a real Celery worker (tests/conftest.py's celery_worker, on Redis and the
test database): a task delivered twice at once, and again after it ran, sends one email."""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone

from courses.models import ClassStatus
from enrollment.models import Notification, NotificationKind, NotificationStatus
from enrollment.services.notifications_enrolment import ENROLMENT_EMAILS_TASK
from enrollment.services.notifications_reminders import SESSION_REMINDERS_TASK
from tests.factories import ClassSessionFactory, EnrollmentFactory, LearnerFactory, TrainingClassFactory


def emails_to(mail_dir, address: str) -> list[str]:
    """The messages the worker wrote for `address` (the file backend: one file per connection,
    each message followed by a line of 79 dashes)."""
    messages = []
    for path in sorted(mail_dir.iterdir()):
        for message in path.read_text().split("\n" + "-" * 79 + "\n"):
            if f"To: {address}" in message:
                messages.append(message)
    return messages


def run_on_worker(app, name: str, *args, times: int):
    results = [app.send_task(name, args=list(args)) for _ in range(times)]
    return [result.get(timeout=60) for result in results]


def test_the_email_tasks_are_acknowledged_late_retried_and_the_scan_scheduled(settings):
    from config.celery import app
    from enrollment.services.notifications import DeliveryFailed
    from reporting.services.certificate_emails import CERTIFICATE_EMAILS_TASK

    app.loader.import_default_modules()
    for name in (ENROLMENT_EMAILS_TASK, SESSION_REMINDERS_TASK, CERTIFICATE_EMAILS_TASK):
        task = app.tasks[name]
        assert task.acks_late and task.reject_on_worker_lost, name
        assert DeliveryFailed in task.autoretry_for, name
        # Every try of an email within the task's retries.
        assert task.max_retries + 1 == settings.NOTIFICATION_MAX_ATTEMPTS, name
    scheduled = {entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}
    assert "enrollment.scan_session_reminders" in scheduled


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_a_duplicate_and_a_redelivered_enrolment_task_send_one_email(celery_worker):
    from config.celery import app

    enrollment = EnrollmentFactory(
        training_class=TrainingClassFactory(title="Lớp thử worker"),
        learner=LearnerFactory(email="worker.enrol@example.vn", full_name="Phạm Thị Lan"),
    )
    # Two deliveries at once (the worker runs four threads), then the same task once more.
    first = run_on_worker(app, ENROLMENT_EMAILS_TASK, [enrollment.pk], times=2)
    again = run_on_worker(app, ENROLMENT_EMAILS_TASK, [enrollment.pk], times=1)
    assert sorted(first) == [0, 1] and again == [0]
    [message] = emails_to(celery_worker.mail_dir, "worker.enrol@example.vn")
    # (In the worker's test settings, English is the fallback language of the email's text.)
    assert "Phạm Thị Lan" in message and "Lớp thử worker" in message
    row = Notification.objects.get(enrollment=enrollment)
    assert (row.status, row.attempts) == (NotificationStatus.SENT, 1)


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_a_redelivered_reminder_task_sends_nothing_more(celery_worker):
    from config.celery import app

    training_class = TrainingClassFactory(status=ClassStatus.RUNNING)
    starts = timezone.now() + datetime.timedelta(minutes=20)
    session = ClassSessionFactory(
        training_class=training_class, starts_at=starts, ends_at=starts + datetime.timedelta(hours=1)
    )
    addresses = [f"worker.reminder{i}@example.vn" for i in range(5)]
    for address in addresses:
        enrollment = EnrollmentFactory(training_class=training_class, learner=LearnerFactory(email=address))
        Notification.objects.create(
            kind=NotificationKind.REMINDER_SOON, session=session, enrollment=enrollment
        )
    results = run_on_worker(app, SESSION_REMINDERS_TASK, session.pk, NotificationKind.REMINDER_SOON, times=3)
    assert sum(results) == 5
    for address in addresses:
        assert len(emails_to(celery_worker.mail_dir, address)) == 1
