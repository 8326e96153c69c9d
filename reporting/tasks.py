"""Celery tasks of reporting: thin wrappers that take ids and call a service.

Every task is acknowledged late and requeued if its worker dies (settings, and repeated here so
that no configuration change can drop it): the services are transactional and idempotent, so a
second delivery simply recomputes. Transient database errors (a deadlock, a serialization
failure, a dropped connection) are retried with backoff.
"""

from celery import chord, group, shared_task
from django.db import InterfaceError, OperationalError

from courses.core.errors import CacheUnavailable
from enrollment.tasks import EMAIL_TASK
from reporting.models import StaleRollup
from reporting.services.certificate_emails import CERTIFICATE_EMAILS_TASK, certificate_emails_send
from reporting.services.class_progress import class_progress_refresh
from reporting.services.periodic import classes_finish_due, stale_reconcile
from reporting.services.rebuilds import current_province_ids_largest_first, province_progress_rebuild
from reporting.services.rollups import (
    rollup_generation_fail,
    rollup_generation_of_task,
    rollup_generation_publish,
    rollup_generation_start,
    rollup_national_refresh,
    rollup_province_refresh,
    rollup_statistics_refresh,
    rollup_targets_refresh,
)
from reporting.services.stale import (
    CLASS_RECOMPUTE_TASK,
    NATIONAL_ROLLUP_TASK,
    PROVINCE_ROLLUP_TASK,
    REBUILD_TASK,
    ROLLUP_STATISTICS_TASK,
    TARGETS_REFRESH_TASK,
    stale_rollup_claim,
)

RELIABLE = {
    "acks_late": True,
    "reject_on_worker_lost": True,
    # A rollup write refused because the report cache is unreachable (its version could not be
    # replaced) is retried as a transient database error is.
    "autoretry_for": (OperationalError, InterfaceError, CacheUnavailable),
    "retry_backoff": True,
    "retry_backoff_max": 60,
    "max_retries": 5,
}


@shared_task(name=CLASS_RECOMPUTE_TASK, **RELIABLE)
def recompute_class_progress(class_id: int) -> int | None:
    """Enqueued by enrollment.services.progress after a write marks the class stale."""
    progress = class_progress_refresh(class_id=class_id)
    return progress.revision if progress is not None else None


@shared_task(name=PROVINCE_ROLLUP_TASK, **RELIABLE)
def refresh_province_rollup(province_id: int) -> None:
    stale_rollup_claim(scope=province_id)
    rollup_province_refresh(province_id=province_id)


@shared_task(name=NATIONAL_ROLLUP_TASK, **RELIABLE)
def refresh_national_rollup() -> None:
    stale_rollup_claim(scope=StaleRollup.NATIONAL)
    rollup_national_refresh()


@shared_task(name=TARGETS_REFRESH_TASK, **RELIABLE)
def refresh_rollup_targets() -> None:
    stale_rollup_claim(scope=StaleRollup.TARGETS)
    rollup_targets_refresh()


@shared_task(name=ROLLUP_STATISTICS_TASK, **RELIABLE)
def refresh_rollup_statistics() -> None:
    rollup_statistics_refresh()


@shared_task(name=CERTIFICATE_EMAILS_TASK, **EMAIL_TASK)
def send_certificate_emails(certificate_ids: list[int]) -> int:
    """Enqueued by the recompute that issued the certificates, once it commits."""
    return certificate_emails_send(certificate_ids=certificate_ids).sent


@shared_task(name="reporting.reconcile_stale", **RELIABLE)
def reconcile_stale() -> dict:
    report = stale_reconcile()
    return {
        "marked": len(report.marked),
        "requeued_classes": len(report.requeued_classes),
        "requeued_rollups": len(report.requeued_rollups),
        "generations_dropped": report.generations_dropped,
        "claims_restored": len(report.claims_restored),
        "generations_abandoned": report.generations_abandoned,
    }


@shared_task(name="reporting.finish_due_classes", **RELIABLE)
def finish_due_classes() -> list[int]:
    return classes_finish_due()


@shared_task(name="reporting.rebuild_province", **RELIABLE)
def rebuild_province(generation_id: int, province_id: int) -> int:
    province_progress_rebuild(province_id=province_id, generation_id=generation_id)
    return province_id


@shared_task(name="reporting.publish_generation", **RELIABLE)
def publish_generation(_province_ids: list[int], generation_id: int) -> bool:
    """The chord's final step: national rows, then the switch to the new generation."""
    return rollup_generation_publish(generation_id=generation_id)


@shared_task(name="reporting.rebuild_failed")
def rebuild_failed(*_args, generation_id: int) -> None:
    rollup_generation_fail(generation_id=generation_id)


@shared_task(name=REBUILD_TASK, bind=True, **RELIABLE)
def rebuild_progress(self, province_id: int | None = None, reason: str = "rebuild") -> int | None:
    """Rebuild one current province in place, or everything into a new generation: one task per
    province, shared by the workers, then publish_generation once all have succeeded.

    Delivered again (its worker died after sending the chord), it starts nothing new: the
    generation it started carries its task id. Died before the chord was sent, the generation
    shows no progress and reconcile rebuilds again (rollup_generations_abandoned)."""
    if province_id is not None:
        province_progress_rebuild(province_id=province_id)
        return None
    task_id = self.request.id or ""
    started = rollup_generation_of_task(task_id=task_id)
    if started is not None:
        return started.pk
    generation = rollup_generation_start(reason=reason, task_id=task_id)
    header = group(rebuild_province.si(generation.pk, pid) for pid in current_province_ids_largest_first())
    callback = publish_generation.s(generation.pk).on_error(rebuild_failed.si(generation_id=generation.pk))
    chord(header)(callback)
    return generation.pk
