"""The recompute of a class: its enrolments' figures, their statuses, the certificates and the
class's own figures, then the mark of the rollups it feeds."""

from __future__ import annotations

import datetime

from django.db import transaction
from django.db.models import CharField, Q, QuerySet, Value
from django.db.models.functions import Cast, Concat, Greatest, Length, LPad
from django.utils import timezone

from courses.models import Province, TrainingClass
from enrollment.models import DEFAULT_EXCUSED_POLICY, DEFAULT_MIN_ATTENDANCE_PERCENT, DEFAULT_MIN_FINAL_SCORE
from enrollment.services.notifications import reachable_q
from reporting.models import Certificate, ClaimKind, ClassProgress
from reporting.services import sql, sql_progress, sql_sync
from reporting.services.certificate_emails import certificate_emails_request
from reporting.services.stale import rollup_mark_stale, stale_claim_release, stale_class_claim


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


def province_classes(province_id: int) -> QuerySet[TrainingClass]:
    # The province and its legacy units as a list of ids: the class index is read for those, where
    # an OR across the join to provinces would scan every class in each statement of a rebuild.
    units = list(
        Province.objects.filter(Q(pk=province_id) | Q(successor_id=province_id)).values_list("pk", flat=True)
    )
    return TrainingClass.objects.filter(province_id__in=units)


def classes_progress_compute(classes: QuerySet[TrainingClass], *, now: datetime.datetime) -> None:
    """Enrolment and class figures, enrolment statuses and certificates of the classes in scope.

    The caller holds the locks and the transaction, and drops the figures read for the scope
    (sql_sync.progress_sync_finish) once done with them; every statement is set-based and idempotent.
    """
    sql_progress.enrollment_progress_upsert(classes, now=now, **_rule_defaults())
    sql_sync.progress_sync_prepare(classes)
    sql_sync.enrollment_progress_orphans_delete()
    sql_progress.class_progress_upsert(classes, now=now)
    sql_sync.enrollment_statuses_update(now=now, **_rule_defaults())
    _certificates_sync(classes, now=now)


def _certificates_sync(classes: QuerySet[TrainingClass], *, now: datetime.datetime) -> None:
    """Issue missing certificates of completed enrolments, numbered from their ids; revoke those
    no longer completed and reinstate (same number and code) those completed again."""
    if sql_sync.certificates_insert(now=now):
        year = timezone.localtime(now).year
        new = Certificate.objects.filter(number__isnull=True, enrollment__training_class__in=classes)
        # Their learners are told once this commits (by task name, in chunks): those with an
        # address, so that a rebuild of learners without one queues nothing.
        certificate_emails_request(
            list(new.filter(reachable_q("enrollment__learner")).values_list("pk", flat=True))
        )
        new.update(
            # At least six digits; LPAD alone would cut ids of seven digits and more to six.
            number=Concat(
                Value(f"GCN-{year}-"),
                LPad(Cast("id", CharField()), Greatest(Length(Cast("id", CharField())), 6), Value("0")),
            )
        )
    sql_sync.certificates_revocation_sync(now=now)


@transaction.atomic
def class_progress_compute(*, class_id: int) -> ClassProgress | None:
    """Recompute one class's enrolment and class figures, statuses and certificates; mark the
    rollups it feeds stale. Safe to run twice or at once: the class lock serialises recomputes of
    the class, the shared province lock keeps it out of a rebuild of that province."""
    sql.transaction_tune()
    stale_claim_release(ClaimKind.CLASS, class_id)
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
    classes_progress_compute(TrainingClass.objects.filter(pk=class_id), now=timezone.now())
    sql_sync.progress_sync_finish()
    rollup_mark_stale(scopes={province_id, previous_scope} - {None})
    return ClassProgress.objects.get(pk=class_id)


def class_progress_refresh(*, class_id: int) -> ClassProgress | None:
    """The incremental job: claim the stale mark, then recompute, in two transactions (see
    stale_class_claim). Recomputes even when there was no mark to claim: a redelivered task
    whose first run claimed the mark and then died must still do the work."""
    stale_class_claim(class_id=class_id)
    return class_progress_compute(class_id=class_id)
