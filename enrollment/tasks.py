"""Celery tasks of the enrollment app: thin wrappers that call a service."""

from celery import shared_task
from django.db import InterfaceError, OperationalError

from enrollment.services.attendance_checkin import attendance_open_check_ins_close
from enrollment.services.file_previews import file_previews_purge
from enrollment.services.notifications import DeliveryFailed
from enrollment.services.notifications_enrolment import ENROLMENT_EMAILS_TASK, enrolment_emails_send
from enrollment.services.notifications_reminders import (
    SESSION_REMINDERS_TASK,
    session_reminders_scan,
    session_reminders_send,
)

# The emails' tasks: acknowledged after they ran and delivered again if their worker dies (the
# notification rows keep a second delivery from sending anything twice); a mail server that
# refused some emails, or a database gone for a moment, is tried again with backoff.
EMAIL_TASK = {
    "acks_late": True,
    "reject_on_worker_lost": True,
    "autoretry_for": (DeliveryFailed, OperationalError, InterfaceError),
    "retry_backoff": 30,
    "retry_backoff_max": 600,
    "max_retries": 4,
}


@shared_task(name="enrollment.close_open_check_ins")
def close_open_check_ins_task() -> int:
    """Beat, every five minutes: check-ins left open in ended sessions end at their last heartbeat."""
    return attendance_open_check_ins_close()


@shared_task(name="enrollment.purge_file_previews")
def purge_file_previews_task() -> int:
    """Beat, daily: the trainers' previewed files not applied in time, and applied ones' bytes."""
    return file_previews_purge()


@shared_task(name=ENROLMENT_EMAILS_TASK, **EMAIL_TASK)
def send_enrolment_emails(enrollment_ids: list[int]) -> int:
    """Enqueued by the enrolment services once their transaction commits."""
    return enrolment_emails_send(enrollment_ids=enrollment_ids).sent


@shared_task(name="enrollment.scan_session_reminders", acks_late=True, reject_on_worker_lost=True)
def scan_session_reminders() -> int:
    """Beat: write the reminders now due and ask for their sending."""
    return session_reminders_scan().created


@shared_task(name=SESSION_REMINDERS_TASK, **EMAIL_TASK)
def send_session_reminders(session_id: int, kind: str) -> int:
    return session_reminders_send(session_id=session_id, kind=kind).sent
