"""The dashboard's drill-down (reporting.pages.drilldown): from the figures of a scope to the
classes they count, and from a class to its roster, read-only and within the reader's reach.

The classes listed are the ones the report counts for the scope (reporting.services.sql_rollups:
the programme's classes that are not drafts, held in the province or a legacy unit merged into it,
at the level asked for), among those the reader administers (courses.selectors.classes, the rule
of the classes API); each with its computed figures (ClassProgress, the rows the report sums), so
the list adds up to the report's figures. The roster is the roster API's selector
(enrollment.selectors.enrollments.enrollment_roster: the one completion rule, the personal-data
rule), with each enrolment's computed outcome and certificate joined in the same query.
"""

from __future__ import annotations

from django.db.models import Count, Prefetch, QuerySet, Sum
from django.db.models.functions import Coalesce

from courses.models import ClassStatus, Programme, TrainingClass, User
from courses.selectors.classes import classes_managed_by, province_scope_q
from enrollment.models import Enrollment, Learner
from enrollment.rules.completion import rule_annotations
from enrollment.selectors.enrollments import enrollment_roster, learner_search
from reporting.selectors.reports_scope import Scope

# What the report sums over the classes of a scope (ClassProgress's columns, lượt first).
CLASS_FIGURES = ("completed_luot", "enrolled", "in_progress", "not_completed")


def _trainers() -> QuerySet[User]:
    return User.objects.only("id", "username", "full_name").order_by("full_name", "id")


def scope_class_list(*, reader, programme: Programme, scope: Scope, level: str) -> QuerySet[TrainingClass]:
    """The classes the report counts for the scope and level, that the reader administers: newest
    first, with their computed figures (`progress`, None before the first compute), curriculum,
    places and trainers (a page costs the same queries whatever its length)."""
    classes = classes_managed_by(reader).filter(programme=programme).exclude(status=ClassStatus.DRAFT)
    if scope.province is not None:
        classes = classes.filter(province_scope_q(scope.province.pk, "province"))
    if level:
        classes = classes.filter(level=level)
    return (
        classes.select_related("curriculum", "institution", "province", "organiser_province", "progress")
        .prefetch_related(Prefetch("trainers", queryset=_trainers()))
        .order_by("-start_date", "code", "id")
    )


def scope_class_totals(classes: QuerySet[TrainingClass]) -> dict:
    """The classes' computed figures summed (one query): what the report's row shows for them."""
    return classes.order_by().aggregate(
        classes=Count("pk"),
        **{name: Coalesce(Sum(f"progress__{name}"), 0) for name in CLASS_FIGURES},
    )


def administered_class(reader, pk: int) -> TrainingClass | None:
    """A class the reader administers (the roster API's reach for an admin), with its computed
    figures, its places, trainers and the minimum attendance its programme's rule asks for."""
    return (
        classes_managed_by(reader)
        .select_related(
            "curriculum", "institution", "province__successor", "organiser_province", "programme", "progress"
        )
        .prefetch_related(Prefetch("trainers", queryset=_trainers()))
        .annotate(required_percent=rule_annotations()["rule_min_attendance_percent"])
        .filter(pk=pk)
        .first()
    )


def class_roster(training_class: TrainingClass, reader, *, search: str = "") -> QuerySet[Enrollment]:
    """The roster API's rows (enrollment_roster: what the reader may see, in Vietnamese name
    order, with the attendance figures of the class's completion rule), each with its computed
    outcome (`progress`) and certificate; narrowed by a name or id digits as the API's `search`."""
    roster = enrollment_roster(training_class, reader).select_related("progress", "certificate")
    if search.strip():
        learners = learner_search(Learner.objects.all(), search, reader=reader)
        roster = roster.filter(learner_id__in=learners.values("pk"))
    return roster
