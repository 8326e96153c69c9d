"""Reads for enrolment and attendance: querysets ready for the API to filter and page.

Each list selector loads its related rows up front (joins and subqueries, no per-row queries), so
that the number of queries of a page does not depend on its size.
"""

from __future__ import annotations

from django.db.models import (
    Count,
    F,
    FilteredRelation,
    FloatField,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
)
from django.db.models.functions import Cast, Coalesce
from django.utils import timezone

from courses.models import ClassSession, Role, TrainingClass
from courses.selectors_classes import classes_managed_by
from enrollment.attendance_rules import ACTIVE_ENROLMENT_STATUSES, ATTENDED_STATUSES, required_minutes
from enrollment.models import Attendance, AuditEntry, Enrollment
from enrollment.personal_data import readable_enrollments_q

# --- who reaches what ------------------------------------------------------------------------------
# Trainers reach the classes they teach, admins the classes of their scope: the same rule as the
# classes API (courses.selectors_classes.classes_managed_by), so a class is in reach for
# attendance exactly when its roster and sessions are.


def is_trainer(user) -> bool:
    return bool(user and user.is_authenticated and user.role == Role.TRAINER and not user.is_superuser)


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


def learner_enrollments(user) -> QuerySet[Enrollment]:
    if not (user and user.is_authenticated):
        return Enrollment.objects.none()
    return Enrollment.objects.filter(learner__user=user)


def learner_active_enrollment(user, training_class_id: int) -> Enrollment | None:
    return (
        learner_enrollments(user)
        .filter(training_class_id=training_class_id, status__in=ACTIVE_ENROLMENT_STATUSES)
        .select_related("learner", "training_class")
        .first()
    )


# --- trainers and admins -------------------------------------------------------------------------


def session_attendance_sheet(session: ClassSession) -> QuerySet[Enrollment]:
    """The session's roster, each enrolment with its record for the session (fields null if none).

    Active enrolments, plus any other that has a record for the session (a learner who withdrew
    after attending keeps their record on the sheet).
    """
    return (
        Enrollment.objects.filter(training_class_id=session.training_class_id)
        .annotate(record=FilteredRelation("attendance", condition=Q(attendance__session_id=session.pk)))
        .filter(Q(status__in=ACTIVE_ENROLMENT_STATUSES) | Q(record__id__isnull=False))
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


def _attended_minutes_subquery():
    return Coalesce(
        Subquery(
            Attendance.objects.filter(enrollment=OuterRef("pk"))
            .order_by()
            .values("enrollment")
            .annotate(total=Sum("minutes"))
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


def _class_planned_minutes(training_class_id: int) -> int:
    return (
        ClassSession.objects.filter(training_class_id=training_class_id).aggregate(
            total=Sum("planned_minutes")
        )["total"]
        or 0
    )


def attendance_rates_for_class(class_id: int, *, reader=None) -> QuerySet[Enrollment]:
    """The class's enrolments, each annotated with its attendance figures.

    Given a `reader`, only the enrolments whose learner they may see on the roster: a withdrawn
    enrolment only to those who read the learner's full record (enrollment.personal_data).

    * ``attended_minutes``: the minutes of all its records (partial attendance counts);
    * ``attended_sessions``: sessions marked present or late;
    * ``planned_minutes``: the planned minutes of all the class's sessions (the same for everyone);
    * ``attendance_rate``: attended / planned, a fraction (0.0 when nothing is planned yet).

    Computed in SQL (one subquery per figure, no join that would multiply rows), so a roster of
    thousands is one query.
    """
    planned = _class_planned_minutes(class_id)
    attended = _attended_minutes_subquery()
    enrollments = Enrollment.objects.filter(training_class_id=class_id)
    if reader is not None:
        enrollments = enrollments.filter(readable_enrollments_q(reader))
    return (
        enrollments.select_related("learner__province")
        .annotate(
            attended_minutes=attended,
            attended_sessions=_attended_sessions_subquery(),
            planned_minutes=Value(planned, output_field=IntegerField()),
            attendance_rate=(
                Cast(attended, FloatField()) / Value(float(planned))
                if planned
                else Value(0.0, output_field=FloatField())
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


# --- learners ------------------------------------------------------------------------------------


class SessionWhen:
    UPCOMING = "upcoming"
    PAST = "past"
    CHOICES = [(UPCOMING, "upcoming"), (PAST, "past")]


def learner_sessions(user, *, when: str | None = None, class_id: int | None = None) -> QuerySet[ClassSession]:
    """Sessions of the classes the learner is actively enrolled in, each with their own record.

    ``upcoming``: not yet ended, soonest first; ``past``: ended, latest first; neither: all, in order.
    """
    enrollments = learner_enrollments(user).filter(status__in=ACTIVE_ENROLMENT_STATUSES)
    if class_id is not None:
        enrollments = enrollments.filter(training_class_id=class_id)
    # A learner has a handful of enrolments: reading their ids first keeps the main query flat.
    pairs = list(enrollments.values_list("pk", "training_class_id"))
    enrollment_ids = [pk for pk, _ in pairs]
    sessions = (
        ClassSession.objects.filter(training_class_id__in=[class_pk for _, class_pk in pairs])
        .select_related("training_class", "topic")
        .annotate(
            mine=FilteredRelation("attendance", condition=Q(attendance__enrollment_id__in=enrollment_ids))
        )
        .annotate(
            my_attendance_id=F("mine__id"),
            my_status=F("mine__status"),
            my_minutes=F("mine__minutes"),
            my_source=F("mine__source"),
        )
    )
    now = timezone.now()
    if when == SessionWhen.UPCOMING:
        return sessions.filter(ends_at__gte=now).order_by("starts_at", "pk")
    if when == SessionWhen.PAST:
        return sessions.filter(ends_at__lt=now).order_by("-starts_at", "-pk")
    return sessions.order_by("starts_at", "pk")


def learner_attendance(user, *, class_id: int | None = None) -> QuerySet[ClassSession]:
    """The learner's attendance per session: every session of their classes that has started."""
    return learner_sessions(user, class_id=class_id).filter(starts_at__lte=timezone.now())


def learner_class_progress(enrollment: Enrollment) -> dict:
    """The learner's attended minutes against what the class requires, with its curriculum."""
    training_class = enrollment.training_class
    sessions = ClassSession.objects.filter(training_class=training_class).aggregate(
        planned=Sum("planned_minutes"),
        count=Count("pk"),
        held=Count("pk", filter=Q(starts_at__lte=timezone.now())),
    )
    records = Attendance.objects.filter(enrollment=enrollment).aggregate(
        minutes=Sum("minutes"), attended=Count("pk", filter=Q(status__in=ATTENDED_STATUSES))
    )
    planned = sessions["planned"] or 0
    attended = records["minutes"] or 0
    required = required_minutes(planned)
    curriculum = training_class.curriculum
    return {
        "training_class": training_class,
        "enrollment": enrollment,
        "sessions_total": sessions["count"],
        "sessions_held": sessions["held"],
        "sessions_attended": records["attended"],
        "planned_minutes": planned,
        "required_minutes": required,
        "attended_minutes": attended,
        "remaining_minutes": max(required - attended, 0),
        "meets_requirement": planned > 0 and attended >= required,
        "attendance_rate": attended / planned if planned else 0.0,
        "final_score": enrollment.final_score,
        "curriculum": curriculum,
        "topics": list(curriculum.topics.order_by("order")),
        "materials": list(curriculum.materials.order_by("order")),
    }
