"""The periodic jobs: classes finished on their end date, and reconcile, the safety net that
queues again whatever a lost task or a silent change left behind."""

from __future__ import annotations

import datetime
import logging
from dataclasses import dataclass

from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from courses.core import queue
from courses.models import ClassStatus, TrainingClass
from enrollment.models import CompletionRule, StaleClass
from enrollment.services.progress import class_progress_mark_stale
from reporting.models import ClaimKind, StaleClaim, StaleRollup
from reporting.services.rollups import rollup_generations_abandoned, rollup_generations_clean
from reporting.services.stale import CLASS_RECOMPUTE_TASK, rollup_mark_stale, rollup_refresh_task

logger = logging.getLogger(__name__)


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
        queue.enqueue(*rollup_refresh_task(scope))
    abandoned = rollup_generations_abandoned()
    dropped = rollup_generations_clean()
    return ReconcileReport(marked, old_classes, old_rollups, dropped, restored, abandoned)
