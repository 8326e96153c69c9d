"""Stale marks and their claims: how a write reaches the recompute of what it changes.

Pipeline: a write to a class marks it stale (enrollment.services.progress) and enqueues
"reporting.recompute_class_progress"; that job recomputes the class's enrolments and class
figures, then marks its current province's rollup stale; the province refresh replaces that
province's rollup rows and marks the national rows stale; the national refresh sums the
provinces. Each mark enqueues its job only when new, so bursts coalesce at every stage.

A task takes its mark as a claim before working (stale_class_claim, stale_rollup_claim) and
releases the claim in the transaction that writes its figures (stale_claim_release).
"""

from __future__ import annotations

from collections.abc import Iterable

from django.db import transaction
from django.utils import timezone

from courses.core.queue import enqueue_on_commit
from enrollment.models import StaleClass
from enrollment.services.progress import RECOMPUTE_CLASS_TASK
from reporting.models import ClaimKind, StaleClaim, StaleRollup
from reporting.services import sql

CLASS_RECOMPUTE_TASK = RECOMPUTE_CLASS_TASK
REBUILD_TASK = "reporting.rebuild_progress"
PROVINCE_ROLLUP_TASK = "reporting.refresh_province_rollup"
NATIONAL_ROLLUP_TASK = "reporting.refresh_national_rollup"
TARGETS_REFRESH_TASK = "reporting.refresh_rollup_targets"
ROLLUP_STATISTICS_TASK = "reporting.refresh_rollup_statistics"


def stale_claim_record(kind: str, key: int) -> None:
    StaleClaim.objects.bulk_create(
        [StaleClaim(kind=kind, key=key, claimed_at=timezone.now())],
        update_conflicts=True,
        unique_fields=["kind", "key"],
        update_fields=["claimed_at"],
    )


def stale_claim_release(kind: str, key: int) -> None:
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
    stale_claim_record(ClaimKind.CLASS, class_id)
    deleted, _ = StaleClass.objects.filter(pk=class_id).delete()
    return deleted > 0


@transaction.atomic
def rollup_mark_stale(*, scopes: Iterable[int]) -> list[int]:
    """Mark rollup scopes (province ids, StaleRollup.NATIONAL) stale and enqueue each refresh
    once, after commit, only when the mark is new."""
    new = sql.stale_rollup_insert(scopes=sorted({int(s) for s in scopes}), now=timezone.now())
    for scope in new:
        enqueue_on_commit(*rollup_refresh_task(scope))
    return new


def rollup_refresh_task(scope: int) -> tuple:
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
    stale_claim_record(ClaimKind.ROLLUP, scope)
    deleted, _ = StaleRollup.objects.filter(pk=scope).delete()
    return deleted > 0
