"""Celery tasks of the courses app: thin wrappers that hand a job id to a service."""

from celery import shared_task

from courses.services.accounts import account_password_reset_email_send
from courses.services.import_jobs import import_job_run, import_jobs_requeue_lost

IMPORT_JOB_RUN_TASK = "courses.import_job_run"


@shared_task(name=IMPORT_JOB_RUN_TASK)
def import_job_run_task(job_id: int) -> str:
    """Run one import job. Acknowledged late (settings): a job a lost worker was running is
    delivered again, and import_job_run makes a second delivery harmless."""
    return import_job_run(job_id=job_id).status


@shared_task(name="courses.import_jobs_requeue_lost")
def import_jobs_requeue_lost_task() -> list[int]:
    """Beat, every five minutes: jobs whose task a dead worker or a restarted Redis lost."""
    return import_jobs_requeue_lost()


PASSWORD_RESET_EMAIL_TASK = "courses.password_reset_email_send"  # noqa: S105 - a task name


@shared_task(name=PASSWORD_RESET_EMAIL_TASK)
def password_reset_email_send_task(user_id: int, language: str) -> bool:
    """Email one account its password reset link, in the language of the page that asked."""
    return account_password_reset_email_send(user_id=user_id, language=language)
