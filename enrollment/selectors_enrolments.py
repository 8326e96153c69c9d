"""Reads of learners and enrolments, scoped so that personal data reaches only those who need it.

Who sees a learner's record (id number, birth date, contact, …):

* the learner themselves;
* the trainers of a class the learner is on the roster of (any enrolment status);
* the provincial admin of the learner's province, and the admins of the scope of a class the
  learner is enrolled in (they run its roster);
* central admins: everyone.

Other learners never see it. Lists load their related rows up front: a page costs the same
number of queries whatever its size.
"""

from __future__ import annotations

from django.db.models import Q, QuerySet

from courses.models import Role, TrainingClass
from courses.permissions import is_central_admin, is_province_admin
from courses.selectors_classes import classes_managed_by, province_scope_q
from courses.text import fold
from enrollment.models import AuditEntry, Enrollment, Learner
from enrollment.selectors import attendance_rates_for_class


def learners_visible_to(user) -> QuerySet[Learner]:
    learners = Learner.objects.all()
    if not (user and user.is_authenticated):
        return learners.none()
    if is_central_admin(user):
        return learners
    on_rosters = Enrollment.objects.filter(training_class__in=classes_managed_by(user).values("pk")).values(
        "learner_id"
    )
    if is_province_admin(user):
        return learners.filter(province_scope_q(user.province_id, "province") | Q(pk__in=on_rosters))
    if user.role == Role.TRAINER:
        return learners.filter(pk__in=on_rosters)
    if user.role == Role.LEARNER:
        return learners.filter(user_id=user.pk)
    return learners.none()


def learners_managed_by(user) -> QuerySet[Learner]:
    """Learners whose record the user may change: admins, within their province for a provincial one."""
    learners = Learner.objects.all()
    if is_central_admin(user):
        return learners
    if is_province_admin(user):
        return learners.filter(province_id=user.province_id)
    return learners.none()


def learner_list(user) -> QuerySet[Learner]:
    return (
        learners_visible_to(user)
        .select_related("province", "commune", "position")
        .order_by("full_name", "id")
    )


def learner_search(queryset: QuerySet[Learner], query: str) -> QuerySet[Learner]:
    """By name with or without diacritics ("nguyen van an" finds "Nguyễn Văn An"), or by id number."""
    key = fold(query)
    if not key:
        return queryset
    digits = "".join(key.split())
    if digits.isdigit():
        return queryset.filter(national_id__contains=digits)
    return queryset.filter(search_text__contains=key)


def learner_of_user(user) -> Learner | None:
    if not (user and user.is_authenticated):
        return None
    return Learner.objects.select_related("province", "commune", "position").filter(user_id=user.pk).first()


# --- enrolments ----------------------------------------------------------------------------------


def enrollments_visible_to(user) -> QuerySet[Enrollment]:
    """A learner's own enrolments; the enrolments of the classes a trainer or admin manages."""
    enrollments = Enrollment.objects.all()
    if not (user and user.is_authenticated):
        return enrollments.none()
    if user.role == Role.LEARNER and not is_central_admin(user):
        return enrollments.filter(learner__user_id=user.pk)
    return enrollments.filter(training_class__in=classes_managed_by(user).values("pk"))


def roster_with_attendance(training_class: TrainingClass) -> QuerySet[Enrollment]:
    """The class's enrolments with their attendance figures (`attendance_rate` 0..1,
    `attended_minutes`, `attended_sessions`, `planned_minutes`), from the attendance selectors."""
    return attendance_rates_for_class(training_class.pk)


def enrollment_roster(training_class: TrainingClass) -> QuerySet[Enrollment]:
    """Each enrolment of the class with its learner, ordered by name (two queries a page)."""
    return (
        roster_with_attendance(training_class)
        .select_related("learner__province", "learner__commune", "learner__position", "enrolled_by")
        .order_by("learner__full_name", "learner__national_id", "pk")
    )


def my_enrollments(user) -> QuerySet[Enrollment]:
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


def enrollment_history(enrollment: Enrollment) -> QuerySet[AuditEntry]:
    return AuditEntry.objects.filter(entity="enrollment", entity_id=enrollment.pk).select_related("actor")


def enrollment_detail(user) -> QuerySet[Enrollment]:
    return enrollments_visible_to(user).select_related(
        "learner__province", "learner__commune", "learner__position", "training_class", "enrolled_by"
    )
