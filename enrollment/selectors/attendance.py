"""Reads of attendance for the trainers and admins who manage it: querysets ready for the API to
filter and page (a learner's own reads are enrollment.selectors.learners).

Each list selector loads its related rows up front (joins and subqueries, no per-row queries), so
that the number of queries of a page does not depend on its size.
"""

from __future__ import annotations

from django.db.models import (
    BooleanField,
    Case,
    Count,
    ExpressionWrapper,
    F,
    FilteredRelation,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Coalesce

from courses.models import ClassSession, TrainingClass
from courses.selectors.classes import classes_managed_by
from enrollment.models import SEAT_STATUSES, Attendance, AuditEntry, Enrollment
from enrollment.rules.attendance import ATTENDED_STATUSES
from enrollment.rules.completion import (
    CompletionTerms,
    ExcusedPolicy,
    attendance_rate_expression,
    counted_seconds_expression,
    excused_seconds_expression,
    rule_annotations,
    terms_from_row,
)
from enrollment.rules.personal_data import readable_enrollments_q

# --- who reaches what ------------------------------------------------------------------------------
# Trainers reach the classes they teach, admins the classes of their scope: the same rule as the
# classes API (courses.selectors.classes.classes_managed_by), so a class is in reach for
# attendance exactly when its roster and sessions are.


def sessions_managed_by(user) -> QuerySet[ClassSession]:
    return ClassSession.objects.filter(
        training_class__in=classes_managed_by(user).values("pk")
    ).select_related("training_class")


def enrollments_managed_by(user) -> QuerySet[Enrollment]:
    return Enrollment.objects.filter(training_class__in=classes_managed_by(user).values("pk")).select_related(
        "training_class", "learner"
    )


def attendance_visible_to(user) -> QuerySet[Attendance]:
    """Records a trainer or admin manages, and a learner's own."""
    managed = Q(session__training_class__in=classes_managed_by(user).values("pk"))
    own = Q(enrollment__learner__user=user) if user and user.is_authenticated else Q(pk__in=[])
    return Attendance.objects.filter(managed | own).select_related("session__training_class")


# --- trainers and admins -------------------------------------------------------------------------


def session_attendance_sheet(session: ClassSession) -> QuerySet[Enrollment]:
    """The session's roster, each enrolment with its record for the session (fields null if none).

    Active enrolments, plus any other that has a record for the session (a learner who withdrew
    after attending keeps their record on the sheet).
    """
    return (
        Enrollment.objects.filter(training_class_id=session.training_class_id)
        .annotate(record=FilteredRelation("attendance", condition=Q(attendance__session_id=session.pk)))
        .filter(Q(status__in=SEAT_STATUSES) | Q(record__id__isnull=False))
        .select_related("learner__province")
        .annotate(
            attendance_id=F("record__id"),
            attendance_status=F("record__status"),
            attendance_minutes=F("record__minutes"),
            attendance_source=F("record__source"),
            attendance_note=F("record__note"),
            attendance_recorded_at=F("record__recorded_at"),
            attendance_recorded_by=F("record__recorded_by__username"),
        )
        .order_by("learner__sort_key", "learner__national_id", "pk")
    )


def attendance_history(attendance: Attendance) -> QuerySet[AuditEntry]:
    return AuditEntry.objects.filter(entity="attendance", entity_id=attendance.pk).select_related("actor")


def _seconds_subquery(expression):
    return Coalesce(
        Subquery(
            Attendance.objects.filter(enrollment=OuterRef("pk"))
            .order_by()
            .values("enrollment")
            .annotate(total=Sum(expression))
            .values("total")[:1],
            output_field=IntegerField(),
        ),
        Value(0),
    )


def _attended_sessions_subquery():
    return Coalesce(
        Subquery(
            Attendance.objects.filter(enrollment=OuterRef("pk"), status__in=ATTENDED_STATUSES)
            .order_by()
            .values("enrollment")
            .annotate(total=Count("pk"))
            .values("total")[:1],
            output_field=IntegerField(),
        ),
        Value(0),
    )


def _class_terms_and_planned_minutes(training_class_id: int) -> tuple[CompletionTerms, int]:
    """The class's completion rule and the planned minutes of all its sessions, in one query."""
    planned = (
        ClassSession.objects.filter(training_class_id=OuterRef("pk"))
        .order_by()
        .values("training_class_id")
        .annotate(total=Sum("planned_minutes"))
        .values("total")[:1]
    )
    row = (
        TrainingClass.objects.filter(pk=training_class_id)
        .annotate(planned_total=Subquery(planned, output_field=IntegerField()), **rule_annotations())
        .values("planned_total", *rule_annotations())
        .first()
    )
    if row is None:
        return CompletionTerms(), 0
    return terms_from_row(row), row["planned_total"] or 0


def attendance_rates_for_class(class_id: int, *, reader=None) -> QuerySet[Enrollment]:
    """The class's enrolments, each annotated with its attendance figures by its programme's
    completion rule (enrollment.rules.completion, the arithmetic of the official figures).

    Given a `reader`, only the enrolments whose learner they may see on the roster: a withdrawn
    enrolment only to those who read the learner's full record (enrollment.rules.personal_data).

    * ``attended_seconds`` / ``attended_minutes``: present and late time, each session capped at
      its planned minutes ("absent" counts none); minutes rounded down;
    * ``attended_sessions``: sessions marked present or late;
    * ``planned_minutes``: the planned minutes of all the class's sessions (the same for everyone);
    * ``credited_seconds`` / ``base_seconds``: the rule's numerator and denominator (excused policy);
    * ``required_minutes``: what the rule asks of ``base``, rounded up;
    * ``attendance_rate``: credited / base, a fraction truncated to four decimals (0.0 when
      nothing is planned yet), so 79.99% is never 80%;
    * ``meets_attendance``: credited reaches the rule, compared exactly.

    Computed in SQL (one subquery per figure, no join that would multiply rows), so a roster of
    thousands is one query.
    """
    terms, planned = _class_terms_and_planned_minutes(class_id)
    attended = _seconds_subquery(counted_seconds_expression())
    excused = _seconds_subquery(excused_seconds_expression())
    zero = Value(0, output_field=IntegerField())
    credited = attended + (excused if terms.excused_policy == ExcusedPolicy.ATTENDED else zero)
    base = Value(planned * 60, output_field=IntegerField()) - (
        excused if terms.excused_policy == ExcusedPolicy.EXCLUDED else zero
    )
    enrollments = Enrollment.objects.filter(training_class_id=class_id)
    if reader is not None:
        enrollments = enrollments.filter(readable_enrollments_q(reader))
    return (
        enrollments.select_related("learner__province")
        .annotate(
            attended_seconds=attended,
            attended_minutes=ExpressionWrapper(F("attended_seconds") / 60, output_field=IntegerField()),
            attended_sessions=_attended_sessions_subquery(),
            planned_minutes=Value(planned, output_field=IntegerField()),
            credited_seconds=credited,
            base_seconds=base,
        )
        .annotate(
            attendance_rate=attendance_rate_expression("credited_seconds", "base_seconds"),
            required_minutes=Case(
                When(
                    base_seconds__gt=0,
                    # ceil(min% x 100 x base / 10000 / 60) in integers: (n + d - 1) / d.
                    then=ExpressionWrapper(
                        (Value(terms.min_percent_x100) * F("base_seconds") + Value(600000 - 1))
                        / Value(600000),
                        output_field=IntegerField(),
                    ),
                ),
                default=Value(0),
                output_field=IntegerField(),
            ),
            # Exactly, in integers, as the aggregation: credited x 10000 >= min% x 100 x base.
            credited_scaled=ExpressionWrapper(F("credited_seconds") * 10000, output_field=IntegerField()),
            threshold_scaled=ExpressionWrapper(
                Value(terms.min_percent_x100) * F("base_seconds"), output_field=IntegerField()
            ),
        )
        .annotate(
            meets_attendance=ExpressionWrapper(
                Q(base_seconds__gt=0) & Q(credited_scaled__gte=F("threshold_scaled")),
                output_field=BooleanField(),
            ),
        )
        .order_by("learner__sort_key", "learner__national_id", "pk")
    )


def class_attendance_matrix(training_class: TrainingClass, *, reader=None) -> dict:
    """Everything the attendance sheet of a class shows (to `reader`), in three queries whatever its size."""
    sessions = list(training_class.sessions.order_by("starts_at", "pk"))
    enrollments = list(attendance_rates_for_class(training_class.pk, reader=reader))
    records = {
        (enrollment_id, session_id): (status, minutes)
        for enrollment_id, session_id, status, minutes in Attendance.objects.filter(
            session__training_class=training_class
        ).values_list("enrollment_id", "session_id", "status", "minutes")
    }
    return {"sessions": sessions, "enrollments": enrollments, "records": records}
