"""Reads of training institutions, classes and sessions, scoped to what each user may see.

Who sees which class:

* central admin: every class;
* provincial admin: classes held in their province or organised by it, including those of the
  legacy units (before 1 July 2025) merged into it;
* trainer: the classes they teach;
* learner: the classes they are enrolled in (any status), plus the OPEN classes of their province
  (current unit or a legacy unit merged into it) whose curriculum serves their position, so that
  they can find one to join.

Scoping uses `pk__in` subqueries rather than joins, so that the per-class counts annotated on a
list are never multiplied by the joined rows. Enrolment data is reached by ORM lookups through the
`enrollments` relation only: courses never imports the enrollment app. The figures that depend on
enrolment statuses (seats taken, waitlist, a learner's own status) come from the enrollment app,
which owns the statuses, through settings (CLASS_ENROLLMENT_FIGURES, CLASSES_WITH_SEAT): no status
value is written here.
"""

from __future__ import annotations

from django.conf import settings
from django.db.models import Count, IntegerField, OuterRef, Prefetch, Q, QuerySet, Subquery, Sum
from django.db.models.functions import Coalesce
from django.utils.module_loading import import_string

from courses.core.permissions import is_central_admin, is_province_admin
from courses.models import (
    ClassSession,
    ClassStatus,
    Curriculum,
    Role,
    TrainingClass,
    TrainingInstitution,
    User,
)


def province_scope_q(province_id: int, *paths: str) -> Q:
    """Rows where any of `paths` (foreign keys to Province) is the province or a legacy unit of it."""
    condition = Q()
    for path in paths:
        condition |= Q(**{f"{path}_id": province_id}) | Q(**{f"{path}__successor_id": province_id})
    return condition


def learner_record(user):
    """The learner profile of a user, or None (reverse one-to-one, reached without importing it)."""
    if not (user and user.is_authenticated):
        return None
    return getattr(user, "learner", None)


def curricula_serving_q(position_id: int | None, field: str = "curriculum_id") -> Q:
    """Curricula serving a position; a curriculum listing no position serves every position."""
    links = Curriculum.positions.through.objects
    without_positions = ~Q(**{f"{field}__in": links.values("curriculum_id")})
    if position_id is None:
        return without_positions
    return (
        Q(**{f"{field}__in": links.filter(position_id=position_id).values("curriculum_id")})
        | without_positions
    )


def joinable_q(learner) -> Q:
    """OPEN classes of the learner's province whose curriculum serves the learner's position.

    The enrolment window is checked when joining, not here: a class opening next week is shown.
    """
    return (
        Q(status=ClassStatus.OPEN)
        & province_scope_q(learner.province_id, "province")
        & curricula_serving_q(learner.position_id)
    )


def taught_class_ids(user) -> QuerySet:
    return TrainingClass.trainers.through.objects.filter(user_id=user.pk).values("trainingclass_id")


def classes_visible_to(user) -> QuerySet[TrainingClass]:
    """Classes the user may read: those they manage (classes_managed_by) or, for a learner, those
    they are enrolled in and those they may join."""
    if user and user.is_authenticated and user.role == Role.LEARNER and not is_central_admin(user):
        learner = learner_record(user)
        if learner is None:
            return TrainingClass.objects.none()
        enrolled = TrainingClass.objects.filter(enrollments__learner_id=learner.pk).values("pk")
        return TrainingClass.objects.filter(Q(pk__in=enrolled) | joinable_q(learner))
    return classes_managed_by(user)


def classes_managed_by(user) -> QuerySet[TrainingClass]:
    """Classes whose details, sessions and roster the user may change."""
    classes = TrainingClass.objects.all()
    if not (user and user.is_authenticated):
        return classes.none()
    if is_central_admin(user):
        return classes
    if is_province_admin(user):
        return classes.filter(province_scope_q(user.province_id, "province", "organiser_province"))
    if user.role == Role.TRAINER:
        return classes.filter(pk__in=taught_class_ids(user))
    return classes.none()


def province_in_scope(user, province) -> bool:
    """Whether a provincial admin's scope covers the province (itself or a legacy unit of it)."""
    if is_central_admin(user):
        return True
    if not is_province_admin(user) or province is None:
        return False
    return user.province_id in (province.pk, province.successor_id)


def class_administered_by(user, training_class: TrainingClass) -> bool:
    """Central admin, or a provincial admin whose scope covers the class."""
    if is_central_admin(user):
        return True
    return is_province_admin(user) and (
        province_in_scope(user, training_class.province)
        or province_in_scope(user, training_class.organiser_province)
    )


def class_is_taught_by(user, training_class: TrainingClass) -> bool:
    if not (user and user.is_authenticated) or user.role != Role.TRAINER:
        return False
    cache = getattr(training_class, "_prefetched_objects_cache", {})
    if "trainers" in cache:
        return any(t.pk == user.pk for t in cache["trainers"])
    return training_class.trainers.filter(pk=user.pk).exists()


def may_manage_class(user, training_class: TrainingClass) -> bool:
    return class_administered_by(user, training_class) or class_is_taught_by(user, training_class)


# --- querysets for the API ---------------------------------------------------------------------------


def institution_list() -> QuerySet[TrainingInstitution]:
    return TrainingInstitution.objects.select_related("province")


def _trainers() -> QuerySet[User]:
    return User.objects.only("id", "username", "full_name").order_by("full_name", "id")


def _with_figures(classes: QuerySet[TrainingClass], user) -> QuerySet[TrainingClass]:
    """Seats taken, waitlist, sessions and planned minutes of each class, in the same query."""
    sessions = ClassSession.objects.filter(training_class=OuterRef("pk")).order_by().values("training_class")
    classes = classes.annotate(
        sessions_count=Coalesce(
            Subquery(sessions.annotate(n=Count("pk")).values("n"), output_field=IntegerField()), 0
        ),
        planned_minutes_total=Coalesce(
            Subquery(sessions.annotate(m=Sum("planned_minutes")).values("m"), output_field=IntegerField()), 0
        ),
    )
    learner = (
        learner_record(user) if user is not None and getattr(user, "role", None) == Role.LEARNER else None
    )
    # settings.CLASS_ENROLLMENT_FIGURES: seats taken, waitlist and the learner's own status, counted
    # by the enrollment app, which owns the enrolment statuses (courses may not import it).
    return import_string(settings.CLASS_ENROLLMENT_FIGURES)(classes, learner=learner)


def training_class_list(user) -> QuerySet[TrainingClass]:
    classes = classes_visible_to(user).select_related(
        "curriculum", "institution", "organiser_province", "province", "programme"
    )
    classes = _with_figures(classes, user).prefetch_related(Prefetch("trainers", queryset=_trainers()))
    # Meta.ordering is dropped by aggregation: order explicitly for stable pages.
    return classes.order_by(*TrainingClass._meta.ordering, "id")


def training_class_detail(user) -> QuerySet[TrainingClass]:
    return training_class_list(user)


def sessions_visible_to(user) -> QuerySet[ClassSession]:
    return ClassSession.objects.filter(training_class__in=classes_visible_to(user).values("pk"))


def session_list(user) -> QuerySet[ClassSession]:
    return sessions_visible_to(user).select_related("topic", "training_class").order_by("starts_at", "id")


def sessions_of_class(training_class: TrainingClass) -> QuerySet[ClassSession]:
    return (
        ClassSession.objects.filter(training_class=training_class)
        .select_related("topic", "training_class")
        .order_by("starts_at", "id")
    )


def join_links_visible_class_ids(user) -> set[int] | None:
    """Classes whose sessions' join links the user sees: None means all (admins, trainers' own are
    checked through managed classes). Learners see the links of the classes they are enrolled in."""
    if not (user and user.is_authenticated):
        return set()
    if user.role != Role.LEARNER or is_central_admin(user):
        return None
    learner = learner_record(user)
    if learner is None:
        return set()
    # settings.CLASSES_WITH_SEAT: the classes where the learner holds a seat, by the enrollment app.
    return set(
        TrainingClass.objects.filter(pk__in=import_string(settings.CLASSES_WITH_SEAT)(learner)).values_list(
            "pk", flat=True
        )
    )
