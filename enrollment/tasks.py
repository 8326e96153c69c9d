"""Celery tasks of the enrollment app: thin wrappers that call a service."""

from celery import shared_task

from enrollment.services.attendance_checkin import attendance_open_check_ins_close


@shared_task(name="enrollment.close_open_check_ins")
def close_open_check_ins_task() -> int:
    """Beat, every five minutes: check-ins left open in ended sessions end at their last heartbeat."""
    return attendance_open_check_ins_close()
