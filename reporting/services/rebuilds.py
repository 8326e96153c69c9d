"""Rebuilds: every class of a province recomputed with its rollup rows, and a full rebuild into
a new generation published at the end."""

from __future__ import annotations

from collections.abc import Sequence

from django.db import transaction
from django.db.models import F, Sum
from django.utils import timezone

from courses.models import Province
from reporting.models import ClassProgress, GenerationStatus, RollupGeneration, StaleRollup
from reporting.services import sql, sql_sync
from reporting.services.class_progress import classes_progress_compute, province_classes
from reporting.services.rollups import (
    rollup_generation_publish,
    rollup_generation_start,
    rollup_generations_in_use,
    rollup_periods,
    rollup_province_slice_build,
)
from reporting.services.stale import rollup_mark_stale


@transaction.atomic
def province_progress_rebuild(*, province_id: int, generation_id: int | None = None) -> None:
    """Recompute every class of a current province (legacy units included) and its rollup rows.

    With a generation (a full rebuild), only that generation's rows are written: the live rows
    stay as they were until the generation is published. Without one (a rebuild of one
    province), the province's rows of every generation in use are replaced and the national
    rows marked stale. Two runs at once take turns on the province lock and give the same rows.
    """
    sql.transaction_tune()
    sql.advisory_xact_lock(sql.Lock.PROVINCE, province_id)
    now = timezone.now()
    classes = province_classes(province_id)
    if generation_id is not None:
        status = RollupGeneration.objects.filter(pk=generation_id).values_list("status", flat=True).first()
        if status not in (GenerationStatus.BUILDING, GenerationStatus.LIVE):
            return  # a late redelivery for a rebuild abandoned or replaced since
        if not classes.exists():
            return  # nothing to compute, and a new generation has no old rows of it to clear
    classes_progress_compute(classes, now=now)
    periods = rollup_periods(timezone.localdate(now))
    generations = [generation_id] if generation_id is not None else rollup_generations_in_use()
    for generation in generations:
        rollup_province_slice_build(
            generation_id=generation, province_id=province_id, now=now, periods=periods
        )
    sql_sync.progress_sync_finish()
    if generation_id is not None:
        # Progress, committed with the province's rows (the update waits only for the commits of
        # the other provinces' tasks).
        RollupGeneration.objects.filter(pk=generation_id).update(progressed_at=timezone.now())
    if generation_id is None or status == GenerationStatus.LIVE:
        # A rebuild of one province, or a full rebuild's task redelivered after the publish: the
        # national rows must follow this province.
        rollup_mark_stale(scopes=[StaleRollup.NATIONAL])


def current_province_ids() -> list[int]:
    return list(Province.objects.current().order_by("code").values_list("id", flat=True))


def current_province_ids_largest_first() -> list[int]:
    """The current provinces, those with most enrolments (as last computed) first: the tasks of a
    rebuild are shared by the workers in this order, so none is left finishing a large province
    alone at the end."""
    sizes = dict(
        ClassProgress.objects.values("scope_province_id")
        .annotate(size=Sum(F("enrolled") + F("waitlisted") + F("withdrawn")))
        .values_list("scope_province_id", "size")
    )
    return sorted(current_province_ids(), key=lambda pid: -(sizes.get(pid) or 0))


def progress_rebuild(*, province_ids: Sequence[int] | None = None) -> RollupGeneration:
    """A full rebuild in this process, province by province, into a new generation published at
    the end (the Celery path runs the same steps as a chord: reporting.tasks)."""
    generation = rollup_generation_start()
    for province_id in province_ids or current_province_ids():
        province_progress_rebuild(province_id=province_id, generation_id=generation.pk)
    rollup_generation_publish(generation_id=generation.pk)
    generation.refresh_from_db()
    return generation
