"""Writes for programmes, targets, completion rules, and the progress figures reports read."""

from __future__ import annotations

import datetime
import json
import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.db import transaction
from django.db.models import CharField, F, Q, QuerySet, Sum, Value
from django.db.models.functions import Cast, Coalesce, Concat, Greatest, Length, LPad
from django.utils import timezone

from courses.core import queue
from courses.core.queue import enqueue_on_commit
from courses.models import ClassStatus, Programme, Province, TrainingClass
from enrollment.models import (
    DEFAULT_EXCUSED_POLICY,
    DEFAULT_MIN_ATTENDANCE_PERCENT,
    DEFAULT_MIN_FINAL_SCORE,
    CompletionRule,
    StaleClass,
)
from enrollment.services.progress import RECOMPUTE_CLASS_TASK, class_progress_mark_stale
from reporting.models import (
    ALL_YEARS,
    Baseline,
    Certificate,
    ClaimKind,
    ClassProgress,
    GenerationStatus,
    ProgressRollup,
    RollupGeneration,
    StaleClaim,
    StaleRollup,
    Target,
)
from reporting.selectors import report_cache
from reporting.services import sql

REFERENCE_DIR = Path(__file__).resolve().parents[1] / "reference"

logger = logging.getLogger(__name__)


@transaction.atomic
def programmes_load() -> int:
    """Upsert the programmes with their targets and historical baselines (idempotent)."""
    items = json.loads((REFERENCE_DIR / "programmes.json").read_text(encoding="utf-8"))["programmes"]
    for item in items:
        programme, _ = Programme.objects.update_or_create(
            code=item["code"],
            defaults={
                "decision_number": item["decision_number"],
                "title_vi": item["title_vi"],
                "title_en": item["title_en"],
                "period_start": datetime.date.fromisoformat(item["period_start"]),
                "period_end": datetime.date.fromisoformat(item["period_end"]),
                "levels": item["levels"],
            },
        )
        for target in item.get("targets", []):
            values = dict(target)
            Target.objects.update_or_create(
                programme=programme,
                level=values.pop("level"),
                province=None,
                curriculum=None,
                position=None,
                year=None,
                defaults=values,
            )
        for baseline in item.get("baselines", []):
            values = dict(baseline)
            Baseline.objects.update_or_create(
                programme=programme, level=values.pop("level"), province=None, defaults=values
            )
    return len(items)


# --- completion and progress (issue 4) ---------------------------------------------------------
#
# Pipeline: a write to a class marks it stale (enrollment.services.progress) and enqueues
# "reporting.recompute_class_progress"; that job recomputes the class's enrolments and class
# figures, then marks its current province's rollup stale; the province refresh replaces that
# province's rollup rows and marks the national rows stale; the national refresh sums the
# provinces. Each mark enqueues its job only when new, so bursts coalesce at every stage.

CLASS_RECOMPUTE_TASK = RECOMPUTE_CLASS_TASK
REBUILD_TASK = "reporting.rebuild_progress"
PROVINCE_ROLLUP_TASK = "reporting.refresh_province_rollup"
NATIONAL_ROLLUP_TASK = "reporting.refresh_national_rollup"
TARGETS_REFRESH_TASK = "reporting.refresh_rollup_targets"
ROLLUP_STATISTICS_TASK = "reporting.refresh_rollup_statistics"

FINISHED_STATUSES = (ClassStatus.FINISHED, ClassStatus.CLOSED)


def _rule_defaults() -> dict:
    return {
        "default_policy": DEFAULT_EXCUSED_POLICY.value,
        "default_percent": DEFAULT_MIN_ATTENDANCE_PERCENT,
        "default_score": DEFAULT_MIN_FINAL_SCORE,
    }


def _current_province_id(class_id: int) -> int | None:
    row = (
        TrainingClass.objects.filter(pk=class_id).values_list("province_id", "province__successor_id").first()
    )
    if row is None:
        return None
    province_id, successor_id = row
    return successor_id or province_id


def _classes_of_province(province_id: int) -> QuerySet[TrainingClass]:
    # The province and its legacy units as a list of ids: the class index is read for those, where
    # an OR across the join to provinces would scan every class in each statement of a rebuild.
    units = list(
        Province.objects.filter(Q(pk=province_id) | Q(successor_id=province_id)).values_list("pk", flat=True)
    )
    return TrainingClass.objects.filter(province_id__in=units)


def _progress_compute(classes: QuerySet[TrainingClass], *, now: datetime.datetime) -> None:
    """Enrolment and class figures, enrolment statuses and certificates of the classes in scope.

    The caller holds the locks and the transaction, and drops the figures read for the scope
    (sql.progress_sync_finish) once done with them; every statement is set-based and idempotent.
    """
    sql.enrollment_progress_upsert(classes, now=now, **_rule_defaults())
    sql.progress_sync_prepare(classes)
    sql.enrollment_progress_orphans_delete()
    sql.class_progress_upsert(classes, now=now)
    sql.enrollment_statuses_update(now=now, **_rule_defaults())
    _certificates_sync(classes, now=now)


def _certificates_sync(classes: QuerySet[TrainingClass], *, now: datetime.datetime) -> None:
    """Issue missing certificates of completed enrolments, numbered from their ids; revoke those
    no longer completed and reinstate (same number and code) those completed again."""
    if sql.certificates_insert(now=now):
        year = timezone.localtime(now).year
        Certificate.objects.filter(number__isnull=True, enrollment__training_class__in=classes).update(
            # At least six digits; LPAD alone would cut ids of seven digits and more to six.
            number=Concat(
                Value(f"GCN-{year}-"),
                LPad(Cast("id", CharField()), Greatest(Length(Cast("id", CharField())), 6), Value("0")),
            )
        )
    sql.certificates_revocation_sync(now=now)


def _claim_record(kind: str, key: int) -> None:
    StaleClaim.objects.bulk_create(
        [StaleClaim(kind=kind, key=key, claimed_at=timezone.now())],
        update_conflicts=True,
        unique_fields=["kind", "key"],
        update_fields=["claimed_at"],
    )


def _claim_release(kind: str, key: int) -> None:
    """The first statement of the transaction that writes the claimed figures: the claim goes
    when they commit, and comes back if the transaction dies. Its row stays locked meanwhile,
    which tells reconcile that the task is alive however long it waits for its locks."""
    StaleClaim.objects.filter(kind=kind, key=key).delete()


@transaction.atomic
def stale_class_claim(*, class_id: int) -> bool:
    """Take the class's stale mark, committed before the recompute reads anything: a write landing
    after this marks the class again and enqueues another recompute, so none is lost; a write
    landing before it is read by the recompute. (Deleting the mark inside the recompute's own
    transaction would make writers wait on it.) The mark becomes a claim (StaleClaim) that the
    recompute releases when it commits: a worker dying in between leaves the claim to reconcile.

    The claim is written first: it waits while a recompute of the class is running (that one holds
    the claim's row), and the mark stays meanwhile, so writers find it and queue nothing more."""
    _claim_record(ClaimKind.CLASS, class_id)
    deleted, _ = StaleClass.objects.filter(pk=class_id).delete()
    return deleted > 0


@transaction.atomic
def class_progress_compute(*, class_id: int) -> ClassProgress | None:
    """Recompute one class's enrolment and class figures, statuses and certificates; mark the
    rollups it feeds stale. Safe to run twice or at once: the class lock serialises recomputes of
    the class, the shared province lock keeps it out of a rebuild of that province."""
    sql.transaction_tune()
    _claim_release(ClaimKind.CLASS, class_id)
    province_id = _current_province_id(class_id)
    if province_id is None:
        return None  # the class was deleted since it was marked
    sql.advisory_xact_lock(sql.Lock.PROVINCE, province_id, shared=True)
    sql.advisory_xact_lock(sql.Lock.CLASS, class_id)
    moved_to = _current_province_id(class_id)
    if moved_to is not None and moved_to != province_id:
        # The class changed province while this waited: hold that province's lock as well.
        sql.advisory_xact_lock(sql.Lock.PROVINCE, moved_to, shared=True)
        province_id = moved_to
    previous_scope = (
        ClassProgress.objects.filter(pk=class_id).values_list("scope_province_id", flat=True).first()
    )
    _progress_compute(TrainingClass.objects.filter(pk=class_id), now=timezone.now())
    sql.progress_sync_finish()
    rollup_mark_stale(scopes={province_id, previous_scope} - {None})
    return ClassProgress.objects.get(pk=class_id)


def class_progress_refresh(*, class_id: int) -> ClassProgress | None:
    """The incremental job: claim the stale mark, then recompute, in two transactions (see
    stale_class_claim). Recomputes even when there was no mark to claim: a redelivered task
    whose first run claimed the mark and then died must still do the work."""
    stale_class_claim(class_id=class_id)
    return class_progress_compute(class_id=class_id)


@transaction.atomic
def rollup_mark_stale(*, scopes: Iterable[int]) -> list[int]:
    """Mark rollup scopes (province ids, StaleRollup.NATIONAL) stale and enqueue each refresh
    once, after commit, only when the mark is new."""
    new = sql.stale_rollup_insert(scopes=sorted({int(s) for s in scopes}), now=timezone.now())
    for scope in new:
        enqueue_on_commit(*_rollup_task(scope))
    return new


def _rollup_task(scope: int) -> tuple:
    """The task, and its arguments, that refreshes a rollup scope."""
    if scope == StaleRollup.NATIONAL:
        return (NATIONAL_ROLLUP_TASK,)
    if scope == StaleRollup.TARGETS:
        return (TARGETS_REFRESH_TASK,)
    return (PROVINCE_ROLLUP_TASK, scope)


def rollup_targets_mark_stale() -> list[int]:
    """Targets changed: the rows' targets and rates are refreshed after commit (a mark, so that a
    refresh the broker could not take is queued again by reconcile)."""
    return rollup_mark_stale(scopes=[StaleRollup.TARGETS])


@transaction.atomic
def stale_rollup_claim(*, scope: int) -> bool:
    """Take a rollup scope's mark before refreshing it (committed first, and claimed until the
    refresh commits, as stale_class_claim: the claim first)."""
    _claim_record(ClaimKind.ROLLUP, scope)
    deleted, _ = StaleRollup.objects.filter(pk=scope).delete()
    return deleted > 0


# --- rollup generations ------------------------------------------------------------------------


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


def _generations_in_use() -> list[int]:
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


def rollup_period(programme: Programme, year: int) -> tuple[datetime.date, datetime.date]:
    """The period a row's pace is measured over: the programme's, or its part within the year
    (the whole calendar year for a class ending outside the programme's period)."""
    if year == ALL_YEARS:
        return programme.period_start, programme.period_end
    start = max(programme.period_start, datetime.date(year, 1, 1))
    end = min(programme.period_end, datetime.date(year, 12, 31))
    if start > end:
        return datetime.date(year, 1, 1), datetime.date(year, 12, 31)
    return start, end


def elapsed_millionths(start: datetime.date, end: datetime.date, as_of: datetime.date) -> int:
    """How much of [start, end] has passed on as_of (whole days, as_of included), in millionths."""
    total = (end - start).days + 1
    elapsed = min(max((as_of - start).days + 1, 0), total)
    return elapsed * 1_000_000 // total


def _province_slice_build(*, generation_id: int, province_id: int, now: datetime.datetime, periods) -> None:
    """Replace one province's rows of one generation. The caller holds the province lock and the
    transaction, so readers see the old rows until the new ones are complete, and has read the
    province's enrolment figures (sql.progress_sync_prepare)."""
    report_cache.invalidate()
    ProgressRollup.objects.filter(generation_id=generation_id, scope_province_id=province_id).delete()
    for measures, params in (
        sql.rollup_slice_class_measures(generation_id=generation_id, province_id=province_id),
        sql.rollup_slice_learner_measures(generation_id=generation_id, province_id=province_id),
    ):
        sql.rollup_insert(measures, params, periods=periods, now=now)


def _national_build(*, generation_id: int, now: datetime.datetime) -> None:
    report_cache.invalidate()
    ProgressRollup.objects.filter(generation_id=generation_id, scope_province_id__isnull=True).delete()
    measures, params = sql.rollup_national_measures(generation_id=generation_id)
    sql.rollup_insert(measures, params, periods=rollup_periods(timezone.localdate(now)), now=now)


@transaction.atomic
def rollup_province_refresh(*, province_id: int) -> None:
    """Rebuild one current province's rollup rows in every generation in use, then mark the
    national rows stale. The exclusive province lock waits for the class recomputes of the
    province in flight and keeps new ones out, so its rows are one consistent state."""
    sql.transaction_tune()
    _claim_release(ClaimKind.ROLLUP, province_id)
    sql.advisory_xact_lock(sql.Lock.PROVINCE, province_id)
    now = timezone.now()
    periods = rollup_periods(timezone.localdate(now))
    sql.progress_sync_prepare(_classes_of_province(province_id))
    for generation_id in _generations_in_use():
        _province_slice_build(generation_id=generation_id, province_id=province_id, now=now, periods=periods)
    sql.progress_sync_finish()
    rollup_mark_stale(scopes=[StaleRollup.NATIONAL])


@transaction.atomic
def rollup_national_refresh() -> None:
    """Rebuild the live generation's national rows from its province rows. A generation being
    built gets its national rows when it is published."""
    sql.transaction_tune()
    _claim_release(ClaimKind.ROLLUP, StaleRollup.NATIONAL)
    live = _live_generation_get_or_create()
    sql.advisory_xact_lock(sql.Lock.NATIONAL, live.pk)
    _national_build(generation_id=live.pk, now=timezone.now())


@transaction.atomic
def rollup_targets_refresh() -> None:
    """Targets changed: recompute target and rates of every row in use, one statement per
    generation (rare: an admin's edit)."""
    sql.transaction_tune()
    _claim_release(ClaimKind.ROLLUP, StaleRollup.TARGETS)
    report_cache.invalidate()
    for generation_id in _generations_in_use():
        sql.rollup_targets_update("generation_id = %s", [generation_id])


# --- rebuilds ----------------------------------------------------------------------------------


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
    classes = _classes_of_province(province_id)
    if generation_id is not None:
        status = RollupGeneration.objects.filter(pk=generation_id).values_list("status", flat=True).first()
        if status not in (GenerationStatus.BUILDING, GenerationStatus.LIVE):
            return  # a late redelivery for a rebuild abandoned or replaced since
        if not classes.exists():
            return  # nothing to compute, and a new generation has no old rows of it to clear
    _progress_compute(classes, now=now)
    periods = rollup_periods(timezone.localdate(now))
    generations = [generation_id] if generation_id is not None else _generations_in_use()
    for generation in generations:
        _province_slice_build(generation_id=generation, province_id=province_id, now=now, periods=periods)
    sql.progress_sync_finish()
    if generation_id is not None:
        # Progress, committed with the province's rows (the update waits only for the commits of
        # the other provinces' tasks).
        RollupGeneration.objects.filter(pk=generation_id).update(progressed_at=timezone.now())
    if generation_id is None or status == GenerationStatus.LIVE:
        # A rebuild of one province, or a full rebuild's task redelivered after the publish: the
        # national rows must follow this province.
        rollup_mark_stale(scopes=[StaleRollup.NATIONAL])


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


# --- periodic jobs -----------------------------------------------------------------------------


@transaction.atomic
def classes_finish_due(*, today: datetime.date | None = None) -> list[int]:
    """Finish the open or running classes whose end date has passed, and mark them stale so their
    recompute sets completion and issues certificates. Also marks running classes with a session
    ended since their last recompute (held sessions and minutes move with time, not writes)."""
    today = today or timezone.localdate()
    now = timezone.now()
    due = list(
        TrainingClass.objects.filter(
            status__in=[ClassStatus.OPEN, ClassStatus.RUNNING], end_date__lt=today
        ).values_list("id", flat=True)
    )
    if due:
        # The status condition again: a class finished by someone else meanwhile is left alone.
        TrainingClass.objects.filter(pk__in=due, status__in=[ClassStatus.OPEN, ClassStatus.RUNNING]).update(
            status=ClassStatus.FINISHED, updated_at=now
        )
    held_since = list(
        TrainingClass.objects.filter(
            status=ClassStatus.RUNNING,
            sessions__ends_at__gt=F("progress__computed_at"),
            sessions__ends_at__lte=now,
        )
        .values_list("id", flat=True)
        .distinct()
    )
    class_progress_mark_stale(class_ids=[*due, *held_since])
    return due


@dataclass
class ReconcileReport:
    marked: list[int]
    requeued_classes: list[int]
    requeued_rollups: list[int]
    generations_dropped: int
    claims_restored: list[tuple[str, int]]
    generations_abandoned: list[int]


@transaction.atomic
def stale_claims_restore(*, older_than: datetime.timedelta) -> list[tuple[str, int]]:
    """Claims older than `older_than` that no transaction holds (their task died before its
    figures committed: a live one holds its claim's row from its first statement) become marks
    again, whose tasks are enqueued at commit."""
    claims = list(
        StaleClaim.objects.select_for_update(skip_locked=True)
        .filter(claimed_at__lt=timezone.now() - older_than)
        .values_list("pk", "kind", "key")
    )
    if not claims:
        return []
    StaleClaim.objects.filter(pk__in=[pk for pk, _kind, _key in claims]).delete()
    class_ids = [key for _pk, kind, key in claims if kind == ClaimKind.CLASS]
    # A class deleted since has nothing left to recompute.
    class_progress_mark_stale(
        class_ids=TrainingClass.objects.filter(pk__in=class_ids).values_list("id", flat=True)
    )
    rollup_mark_stale(scopes=[key for _pk, kind, key in claims if kind == ClaimKind.ROLLUP])
    logger.warning(
        "tasks lost before their commit, queued again: %s", [(kind, key) for _pk, kind, key in claims]
    )
    return sorted((kind, key) for _pk, kind, key in claims)


def _rule_changed_since_computed() -> Q:
    """Classes whose completion rule changed after their figures were computed: a rule written
    without completion_rule_save (a bulk update, a restore) is still applied within a minute."""
    changed = Q(programme__completion_rules__updated_at__gt=F("progress__computed_at"))
    default_updated = (
        CompletionRule.objects.filter(programme=None).values_list("updated_at", flat=True).first()
    )
    if default_updated is not None:
        own = CompletionRule.objects.exclude(programme=None).values("programme_id")
        changed |= Q(progress__computed_at__lt=default_updated) & (
            Q(programme__isnull=True) | ~Q(programme_id__in=own)
        )
    return changed


def stale_reconcile(*, older_than: datetime.timedelta = datetime.timedelta(minutes=2)) -> ReconcileReport:
    """The safety net, every minute: mark classes whose figures are missing or older than the
    class itself (a status or attribute change that marked nothing); mark again what a task took
    and never committed (its worker died: stale_claims_restore); enqueue again the stale marks
    older than `older_than` (their task was lost with the broker, or never sent); rebuild again
    after a rebuild abandoned; drop retired generations."""
    restored = stale_claims_restore(older_than=older_than)
    changed = list(
        TrainingClass.objects.exclude(status=ClassStatus.DRAFT)
        .filter(
            Q(progress__isnull=True)
            | Q(updated_at__gt=F("progress__computed_at"))
            | ~Q(status=F("progress__class_status"))
            | _rule_changed_since_computed()
        )
        .values_list("id", flat=True)
    )
    marked = class_progress_mark_stale(class_ids=changed) if changed else []
    cutoff = timezone.now() - older_than
    old_classes = list(
        StaleClass.objects.filter(marked_at__lt=cutoff).exclude(pk__in=marked).values_list("pk", flat=True)
    )
    old_rollups = list(StaleRollup.objects.filter(marked_at__lt=cutoff).values_list("pk", flat=True))
    # Dispatch only (the marks stay until a recompute claims them); a duplicate is harmless.
    for class_id in old_classes:
        queue.enqueue(CLASS_RECOMPUTE_TASK, class_id)
    for scope in old_rollups:
        queue.enqueue(*_rollup_task(scope))
    abandoned = rollup_generations_abandoned()
    dropped = rollup_generations_clean()
    return ReconcileReport(marked, old_classes, old_rollups, dropped, restored, abandoned)


# --- completion rules --------------------------------------------------------------------------


@transaction.atomic
def completion_rule_save(*, rule: CompletionRule) -> CompletionRule:
    """Save a rule and mark stale every class it governs (the programme's classes; for the
    default rule, the classes of programmes without their own rule and of none)."""
    rule.full_clean()
    rule.save()
    if rule.programme_id is not None:
        classes = TrainingClass.objects.filter(programme_id=rule.programme_id)
    else:
        own = CompletionRule.objects.exclude(programme=None).values("programme_id")
        classes = TrainingClass.objects.filter(Q(programme__isnull=True) | ~Q(programme_id__in=own))
    class_progress_mark_stale(class_ids=classes.values_list("id", flat=True))
    return rule


@transaction.atomic
def completion_rule_delete(*, rule: CompletionRule) -> None:
    programme_id = rule.programme_id
    rule.delete()
    classes = (
        TrainingClass.objects.filter(programme_id=programme_id)
        if programme_id is not None
        else TrainingClass.objects.all()
    )
    class_progress_mark_stale(class_ids=classes.values_list("id", flat=True))
