"""Rollup generations and the refresh of their rows: a province's slice, the national rows
(the sum of the provinces'), the targets; a generation started, published, failed, abandoned,
dropped."""

from __future__ import annotations

import datetime
import logging

from django.conf import settings
from django.db import transaction
from django.db.models.functions import Coalesce
from django.utils import timezone

from courses.core.queue import enqueue_on_commit
from courses.models import Programme, TrainingClass
from reporting.models import (
    ALL_YEARS,
    ClaimKind,
    GenerationStatus,
    ProgressRollup,
    RollupGeneration,
    StaleRollup,
)
from reporting.rules.figures import elapsed_millionths, rollup_period
from reporting.selectors import report_cache
from reporting.services import sql, sql_rollups, sql_sync
from reporting.services.class_progress import province_classes
from reporting.services.stale import (
    REBUILD_TASK,
    ROLLUP_STATISTICS_TASK,
    rollup_mark_stale,
    stale_claim_release,
)

logger = logging.getLogger(__name__)


def _live_generation() -> RollupGeneration | None:
    return RollupGeneration.objects.filter(status=GenerationStatus.LIVE).first()


def _live_generation_get_or_create() -> RollupGeneration:
    """The live generation, created empty the first time figures are rolled up. Creation and
    publication take the same lock, so there is never a second live generation to collide with."""
    live = _live_generation()
    if live is not None:
        return live
    sql.advisory_xact_lock(sql.Lock.GENERATION, 0)
    live = _live_generation()
    if live is None:
        now = timezone.now()
        live = RollupGeneration.objects.create(
            status=GenerationStatus.LIVE, reason="initial", started_at=now, published_at=now
        )
    return live


def rollup_generations_in_use() -> list[int]:
    """Every generation whose rows must follow incremental changes: the live one and any being
    built by a rebuild (a province it already rebuilt must not miss a later change)."""
    _live_generation_get_or_create()
    return list(
        RollupGeneration.objects.filter(status__in=[GenerationStatus.LIVE, GenerationStatus.BUILDING])
        .order_by("id")
        .values_list("id", flat=True)
    )


def rollup_periods(as_of: datetime.date) -> list[tuple[int, int, datetime.date, datetime.date, int]]:
    """(programme, year, start, end, elapsed millionths) of every programme over the whole period
    (year 0) and each year a class ends in: a few dozen rows the rollup statements join to."""
    years = [ALL_YEARS, *(d.year for d in TrainingClass.objects.dates("end_date", "year"))]
    periods = []
    for programme in Programme.objects.all():
        for year in years:
            start, end = rollup_period(programme, year)
            periods.append((programme.pk, year, start, end, elapsed_millionths(start, end, as_of)))
    return periods


def rollup_province_slice_build(
    *, generation_id: int, province_id: int, now: datetime.datetime, periods
) -> None:
    """Replace one province's rows of one generation. The caller holds the province lock and the
    transaction, so readers see the old rows until the new ones are complete, and has read the
    province's enrolment figures (sql_sync.progress_sync_prepare)."""
    report_cache.invalidate()
    ProgressRollup.objects.filter(generation_id=generation_id, scope_province_id=province_id).delete()
    for measures, params in (
        sql_rollups.rollup_slice_class_measures(generation_id=generation_id, province_id=province_id),
        sql_rollups.rollup_slice_learner_measures(generation_id=generation_id, province_id=province_id),
    ):
        sql_rollups.rollup_insert(measures, params, periods=periods, now=now)


def _national_build(*, generation_id: int, now: datetime.datetime) -> None:
    report_cache.invalidate()
    ProgressRollup.objects.filter(generation_id=generation_id, scope_province_id__isnull=True).delete()
    measures, params = sql_rollups.rollup_national_measures(generation_id=generation_id)
    sql_rollups.rollup_insert(measures, params, periods=rollup_periods(timezone.localdate(now)), now=now)


@transaction.atomic
def rollup_province_refresh(*, province_id: int) -> None:
    """Rebuild one current province's rollup rows in every generation in use, then mark the
    national rows stale. The exclusive province lock waits for the class recomputes of the
    province in flight and keeps new ones out, so its rows are one consistent state."""
    sql.transaction_tune()
    stale_claim_release(ClaimKind.ROLLUP, province_id)
    sql.advisory_xact_lock(sql.Lock.PROVINCE, province_id)
    now = timezone.now()
    periods = rollup_periods(timezone.localdate(now))
    sql_sync.progress_sync_prepare(province_classes(province_id))
    for generation_id in rollup_generations_in_use():
        rollup_province_slice_build(
            generation_id=generation_id, province_id=province_id, now=now, periods=periods
        )
    sql_sync.progress_sync_finish()
    rollup_mark_stale(scopes=[StaleRollup.NATIONAL])


@transaction.atomic
def rollup_national_refresh() -> None:
    """Rebuild the live generation's national rows from its province rows. A generation being
    built gets its national rows when it is published."""
    sql.transaction_tune()
    stale_claim_release(ClaimKind.ROLLUP, StaleRollup.NATIONAL)
    live = _live_generation_get_or_create()
    sql.advisory_xact_lock(sql.Lock.NATIONAL, live.pk)
    _national_build(generation_id=live.pk, now=timezone.now())


@transaction.atomic
def rollup_targets_refresh() -> None:
    """Targets changed: recompute target and rates of every row in use, one statement per
    generation (rare: an admin's edit)."""
    sql.transaction_tune()
    stale_claim_release(ClaimKind.ROLLUP, StaleRollup.TARGETS)
    report_cache.invalidate()
    for generation_id in rollup_generations_in_use():
        sql_rollups.rollup_targets_update("generation_id = %s", [generation_id])


@transaction.atomic
def rollup_generation_start(*, reason: str = "rebuild", task_id: str = "") -> RollupGeneration:
    return RollupGeneration.objects.create(
        status=GenerationStatus.BUILDING, reason=reason, started_at=timezone.now(), task_id=task_id
    )


def rollup_generation_of_task(*, task_id: str) -> RollupGeneration | None:
    """The generation a rebuild task started already (it is being delivered a second time)."""
    if not task_id:
        return None
    return RollupGeneration.objects.filter(task_id=task_id).first()


@transaction.atomic
def rollup_generation_publish(*, generation_id: int) -> bool:
    """Compute a built generation's national rows and make it the live one, in one transaction:
    readers see the old generation or the new one, whole. Running it again is a no-op."""
    sql.transaction_tune()
    sql.advisory_xact_lock(sql.Lock.GENERATION, 0)
    sql.advisory_xact_lock(sql.Lock.NATIONAL, generation_id)
    generation = RollupGeneration.objects.select_for_update().filter(pk=generation_id).first()
    if generation is None or generation.status != GenerationStatus.BUILDING:
        return False
    now = timezone.now()
    _national_build(generation_id=generation_id, now=now)
    RollupGeneration.objects.filter(status=GenerationStatus.LIVE).update(
        status=GenerationStatus.RETIRED, retired_at=now
    )
    generation.status = GenerationStatus.LIVE
    generation.published_at = now
    generation.save(update_fields=["status", "published_at"])
    # Off the publication's path: the new figures are served at once, the statistics follow.
    enqueue_on_commit(ROLLUP_STATISTICS_TASK)
    return True


def rollup_statistics_refresh() -> None:
    """Planner statistics of the rollup rows, once a generation has replaced them all."""
    sql.rollup_statistics_refresh()


@transaction.atomic
def rollup_generation_fail(*, generation_id: int) -> None:
    RollupGeneration.objects.filter(pk=generation_id, status=GenerationStatus.BUILDING).update(
        status=GenerationStatus.FAILED, retired_at=timezone.now()
    )


RESTARTED = "restart"


def abandoned_after() -> datetime.timedelta:
    """How long a rebuild may go without a province done before it is taken as abandoned: the
    visibility timeout, after which a task its worker took to the grave is delivered again (and
    Celery kills a task running longer than the hard time limit, which is shorter)."""
    return datetime.timedelta(seconds=settings.CELERY_VISIBILITY_TIMEOUT)


@transaction.atomic
def rollup_generations_abandoned(*, now: datetime.datetime | None = None) -> list[int]:
    """Fail the rebuilds with no province done for longer than abandoned_after(): their tasks are
    gone (the broker lost them in a restart, or a task failed for good), and a generation building
    costs every incremental refresh meanwhile. The figures they were to correct are rebuilt again
    at once, once: a rebuild that was itself such a restart is only failed, and logged, until the
    nightly one. Late tasks of a failed generation write nothing (province_progress_rebuild)."""
    now = now or timezone.now()
    abandoned = list(
        RollupGeneration.objects.select_for_update(skip_locked=True)
        .filter(status=GenerationStatus.BUILDING)
        .annotate(last=Coalesce("progressed_at", "started_at"))
        .filter(last__lt=now - abandoned_after())
        .values_list("id", "reason")
    )
    if not abandoned:
        return []
    ids = [generation_id for generation_id, _reason in abandoned]
    RollupGeneration.objects.filter(pk__in=ids).update(status=GenerationStatus.FAILED, retired_at=now)
    if any(reason != RESTARTED for _id, reason in abandoned):
        logger.warning("rebuilds %s abandoned: rebuilding again", ids)
        enqueue_on_commit(REBUILD_TASK, None, RESTARTED)
    else:
        logger.error("rebuilds %s abandoned, themselves restarts: left to the nightly rebuild", ids)
    return ids


@transaction.atomic
def rollup_generations_clean(*, retired_for: datetime.timedelta = datetime.timedelta(minutes=10)) -> int:
    """Drop generations no longer needed: retired and failed ones after a grace period (a report
    that read the old live id a moment before a publish still finds its rows)."""
    now = timezone.now()
    old = list(
        RollupGeneration.objects.filter(
            status__in=[GenerationStatus.RETIRED, GenerationStatus.FAILED], retired_at__lt=now - retired_for
        ).values_list("id", flat=True)
    )
    if old:
        ProgressRollup.objects.filter(generation_id__in=old).delete()
        RollupGeneration.objects.filter(pk__in=old).delete()
    return len(old)
