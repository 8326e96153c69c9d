"""What a signed-in learner reads of their own: their record, their enrolments, their sessions with
their attendance, and their progress against their class's completion rule (the /me endpoints).

Each query is narrowed to the learner's own rows; an anonymous user reads nothing.
"""

from __future__ import annotations

from collections import defaultdict

from django.db.models import Count, F, FilteredRelation, Q, QuerySet, Sum
from django.utils import timezone

from courses.models import ClassSession, Role, TrainingClass
from courses.selectors.classes import joinable_q
from enrollment.models import (
    SEAT_STATUSES,
    Attendance,
    AttendanceSource,
    Enrollment,
    Learner,
    PresenceInterval,
)
from enrollment.rules.attendance import ATTENDED_STATUSES
from enrollment.rules.completion import (
    AttendanceRecord,
    CompletionTerms,
    attendance_figures,
    completion_terms_of,
    score_meets,
)


def learner_of_user(user) -> Learner | None:
    if not (user and user.is_authenticated):
        return None
    return Learner.objects.select_related("province", "commune", "position").filter(user_id=user.pk).first()


def my_enrollments(user) -> QuerySet[Enrollment]:
    """The learner's enrolments, latest class first, with what their list shows of each class."""
    if not (user and user.is_authenticated):
        return Enrollment.objects.none()
    return (
        Enrollment.objects.filter(learner__user_id=user.pk)
        .select_related(
            "training_class__curriculum",
            "training_class__province",
            "training_class__institution",
            "training_class__organiser_province",
        )
        .order_by("-training_class__start_date", "pk")
    )


def sessions_of_my_classes(user) -> QuerySet[ClassSession]:
    """The sessions of the classes the learner is enrolled in (any status), with their class."""
    enrolled = my_enrollments(user).values("training_class_id")
    return ClassSession.objects.select_related("training_class").filter(training_class_id__in=enrolled)


class SessionWhen:
    UPCOMING = "upcoming"
    PAST = "past"
    CHOICES = [(UPCOMING, "upcoming"), (PAST, "past")]


def learner_sessions(user, *, when: str | None = None, class_id: int | None = None) -> QuerySet[ClassSession]:
    """Sessions of the classes the learner is actively enrolled in, each with their own record.

    ``upcoming``: not yet ended, soonest first; ``past``: ended, latest first; neither: all, in order.
    """
    enrollments = my_enrollments(user).filter(status__in=SEAT_STATUSES)
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


def learner_checked_in(user, session: ClassSession) -> bool:
    """Whether the learner has an open check-in (joined, not left) to the session."""
    return PresenceInterval.objects.filter(
        session=session,
        enrollment__learner__user_id=user.pk,
        source=AttendanceSource.CHECK_IN,
        left_at__isnull=True,
    ).exists()


def learner_class_progress(enrollment: Enrollment) -> dict:
    """The learner's attendance against what their class's completion rule requires, with its
    curriculum: the same arithmetic (enrollment.rules.completion) as the official figures."""
    curriculum = enrollment.training_class.curriculum
    return {
        **enrollments_progress([enrollment])[0],
        "topics": list(curriculum.topics.order_by("order")),
        "materials": list(curriculum.materials.order_by("order")),
    }


def my_classes_progress(user) -> list[dict]:
    """Each of the learner's enrolments (my_enrollments' order) with its progress, as
    learner_class_progress gives it without the curriculum's topics and materials: four queries
    whatever the number of classes."""
    return enrollments_progress(list(my_enrollments(user).select_related("training_class__programme")))


def enrollments_progress(enrollments: list[Enrollment]) -> list[dict]:
    """The progress of each enrolment, in their order: their classes' sessions, their attendance and
    their rules read once for all (three queries), each computed by enrollment.rules.completion."""
    if not enrollments:
        return []
    class_ids = {enrollment.training_class_id for enrollment in enrollments}
    sessions = {
        row["training_class_id"]: row
        for row in ClassSession.objects.filter(training_class_id__in=class_ids)
        .order_by()
        .values("training_class_id")
        .annotate(
            planned=Sum("planned_minutes"),
            count=Count("pk"),
            held=Count("pk", filter=Q(starts_at__lte=timezone.now())),
        )
    }
    records: dict[int, list[AttendanceRecord]] = defaultdict(list)
    for enrollment_id, *record in Attendance.objects.filter(
        enrollment_id__in=[enrollment.pk for enrollment in enrollments]
    ).values_list("enrollment_id", "status", "attended_seconds", "minutes", "session__planned_minutes"):
        records[enrollment_id].append(AttendanceRecord(*record))
    terms_of = completion_terms_of({enrollment.training_class.programme_id for enrollment in enrollments})
    return [
        _progress(
            enrollment,
            sessions.get(enrollment.training_class_id, {}),
            records[enrollment.pk],
            terms_of[enrollment.training_class.programme_id],
        )
        for enrollment in enrollments
    ]


def _progress(
    enrollment: Enrollment, sessions: dict, records: list[AttendanceRecord], terms: CompletionTerms
):
    training_class = enrollment.training_class
    planned = sessions.get("planned") or 0
    figures = attendance_figures(terms, planned_minutes=planned, records=records)
    curriculum = training_class.curriculum
    return {
        "training_class": training_class,
        "enrollment": enrollment,
        "sessions_total": sessions.get("count", 0),
        "sessions_held": sessions.get("held", 0),
        "sessions_attended": sum(1 for record in records if record.status in ATTENDED_STATUSES),
        "planned_minutes": planned,
        "required_minutes": figures.required_minutes,
        "required_percent": terms.min_attendance_percent,
        "excused_policy": terms.excused_policy,
        "attended_minutes": figures.attended_minutes,
        "attended_seconds": figures.attended_seconds,
        "credited_minutes": figures.credited_minutes,
        "remaining_minutes": figures.remaining_minutes,
        "meets_requirement": figures.meets_attendance,
        "attendance_percent": figures.percent,
        "attendance_rate": figures.rate,
        "final_score": enrollment.final_score,
        "meets_score": score_meets(
            terms, has_final_assessment=curriculum.has_final_assessment, final_score=enrollment.final_score
        ),
        "curriculum": curriculum,
    }


def classes_to_join(user) -> QuerySet[TrainingClass]:
    """The classes the learner may join and has not (courses.selectors.classes.joinable_q, the rule
    of the API's class list), soonest first."""
    learner = learner_of_user(user)
    if learner is None or user.role != Role.LEARNER:
        return TrainingClass.objects.none()
    return (
        TrainingClass.objects.filter(joinable_q(learner))
        .exclude(pk__in=Enrollment.objects.filter(learner_id=learner.pk).values("training_class_id"))
        .select_related("curriculum", "province")
        .order_by("start_date", "code")
    )
