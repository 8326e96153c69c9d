"""Reads of learners and enrolments, scoped so that personal data reaches only those who need it.

Who reads a learner's record, and how much of it, is enrollment.rules.personal_data's rule: the learner,
central admins and the admins of the learner's province read it in full; the trainers and admins
of a class the learner is actively on read the roster fields; a withdrawn enrolment grants nothing.
Other learners never see it. Lists load their related rows up front: a page costs the same number
of queries whatever its size.
"""

from __future__ import annotations

from django.db.models import Q, QuerySet

from courses.core.permissions import is_central_admin, is_province_admin
from courses.core.text import fold
from courses.models import Role, TrainingClass
from courses.selectors.classes import classes_managed_by
from enrollment.models import AuditEntry, Enrollment, EnrollmentStatus, Learner, LearnerDataAccess
from enrollment.rules.personal_data import SHOWN_ID_DIGITS, full_access_q, readable_enrollments_q
from enrollment.selectors.attendance import attendance_rates_for_class


def enrollments_granting_access(user) -> QuerySet[Enrollment]:
    """Enrolments through which the user reads learners: not withdrawn, in a class they manage."""
    return Enrollment.objects.filter(training_class__in=classes_managed_by(user).values("pk")).exclude(
        status=EnrollmentStatus.WITHDRAWN
    )


def learners_visible_to(user) -> QuerySet[Learner]:
    learners = Learner.objects.all()
    if not (user and user.is_authenticated):
        return learners.none()
    if is_central_admin(user):
        return learners
    on_rosters = enrollments_granting_access(user).values("learner_id")
    if is_province_admin(user):
        return learners.filter(full_access_q(user) | Q(pk__in=on_rosters))
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
        learners_visible_to(user).select_related("province", "commune", "position").order_by("sort_key", "id")
    )


def learner_search(queryset: QuerySet[Learner], query: str, *, reader) -> QuerySet[Learner]:
    """By name with or without diacritics ("nguyen van an" finds "Nguyễn Văn An"), or by id number.

    Digits match anywhere in the id only among the learners the reader reads in full; otherwise up
    to the four last digits a roster shows, matched at the end. Else searching digit by digit would
    reveal the id a roster masks.
    """
    key = fold(query)
    if not key:
        return queryset
    full = full_access_q(reader)
    digits = "".join(key.split())
    if digits.isdigit():
        condition = full & Q(national_id__contains=digits)
        if len(digits) <= SHOWN_ID_DIGITS:
            condition |= Q(national_id__endswith=digits)
        return queryset.filter(condition)
    if any(character.isdigit() for character in key):
        # The folded name is followed by the id in search_text: a query reaching into it is an id
        # search, for full readers only.
        return queryset.filter(full & Q(search_text__contains=key))
    return queryset.filter(search_text__contains=key)


# --- enrolments ----------------------------------------------------------------------------------


def enrollments_visible_to(user) -> QuerySet[Enrollment]:
    """A learner's own enrolments; the enrolments of the classes a trainer or admin manages."""
    enrollments = Enrollment.objects.all()
    if not (user and user.is_authenticated):
        return enrollments.none()
    if user.role == Role.LEARNER and not is_central_admin(user):
        return enrollments.filter(learner__user_id=user.pk)
    return enrollments.filter(training_class__in=classes_managed_by(user).values("pk"))


def roster_with_attendance(training_class: TrainingClass, reader) -> QuerySet[Enrollment]:
    """The class's enrolments the reader may see (`readable_enrollments_q`) with their attendance
    figures (`attendance_rate` 0..1, `attended_minutes`, `attended_sessions`, `planned_minutes`)."""
    return attendance_rates_for_class(training_class.pk, reader=reader)


def enrollment_roster(training_class: TrainingClass, reader) -> QuerySet[Enrollment]:
    """Each enrolment of the class the reader may see, with its learner, by name (two queries a page)."""
    return (
        roster_with_attendance(training_class, reader)
        .select_related("learner__province", "learner__commune", "learner__position", "enrolled_by")
        .order_by("learner__sort_key", "learner__national_id", "pk")
    )


def class_learners_read_by(training_class: TrainingClass, reader) -> QuerySet[Learner]:
    """The learners of the class's roster the reader sees (what its exports show them)."""
    enrollments = Enrollment.objects.filter(training_class_id=training_class.pk).filter(
        readable_enrollments_q(reader)
    )
    return Learner.objects.filter(pk__in=enrollments.values("learner_id")).select_related("province")


def learners_of_enrollments(enrollment_ids) -> list[Learner]:
    """The learners of these enrolments (one query)."""
    enrollments = Enrollment.objects.filter(pk__in=enrollment_ids).select_related("learner")
    return [enrollment.learner for enrollment in enrollments]


def enrollment_history(enrollment: Enrollment) -> QuerySet[AuditEntry]:
    return AuditEntry.objects.filter(entity="enrollment", entity_id=enrollment.pk).select_related("actor")


def enrollment_detail(user) -> QuerySet[Enrollment]:
    return enrollments_visible_to(user).select_related(
        "learner__province", "learner__commune", "learner__position", "training_class", "enrolled_by"
    )


# --- who read which learner -----------------------------------------------------------------------


def learner_data_access_list() -> QuerySet[LearnerDataAccess]:
    """The record of reads of learners' data, newest first (central admins only: see the view)."""
    return LearnerDataAccess.objects.select_related("reader").order_by("-at", "-id")
