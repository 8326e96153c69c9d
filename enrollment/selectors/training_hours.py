"""A learner's training periods in a year (the rules: enrollment.rules.training_hours), as SQL: the
expressions the admins' report (reporting.selectors.training_hours) annotates every learner of its
scope with, and a learner's own figures by year for their portal page.

Each is a SUM over the learner's completed enrolments joined to the topics of the version each
class ran, computed in the database: a correlated subquery per learner shown (an index lookup on
the learner's enrolments), one GROUP BY learner with HAVING for who meets the minimum (the year's
completed enrolments only, whatever the number of learners), or one GROUP BY year for a learner's
own page; never a loop over learners or classes in Python.
"""

from __future__ import annotations

from decimal import Decimal

from django.db.models import Count, DecimalField, IntegerField, OuterRef, Q, QuerySet, Subquery, Sum, Value
from django.db.models.functions import Coalesce, ExtractYear

from enrollment.models import Enrollment, EnrollmentStatus, Learner
from enrollment.rules.training_hours import annual_minimum_periods, periods_to_hours, short_by, year_bounds

PERIODS_FIELD = DecimalField(max_digits=9, decimal_places=1)


def _completed_in(year: int) -> QuerySet[Enrollment]:
    """The learner's (OuterRef "pk") enrolments completed in a class that ended in `year`."""
    return Enrollment.objects.filter(
        learner=OuterRef("pk"),
        status=EnrollmentStatus.COMPLETED,
        training_class__end_date__range=year_bounds(year),
    ).order_by()


def periods_in(year: int) -> Coalesce:
    """The periods (tiết) a learner (OuterRef "pk") completed in `year`: the topics' hours of the
    version each completed class ran, summed (a class's row is fanned out once per topic, which is
    the sum wanted); 0 without any."""
    total = (
        _completed_in(year)
        .values("learner")
        .annotate(total=Sum("training_class__curriculum__topics__hours"))
        .values("total")
    )
    return Coalesce(
        Subquery(total, output_field=PERIODS_FIELD), Value(Decimal(0)), output_field=PERIODS_FIELD
    )


def classes_in(year: int) -> Coalesce:
    """How many classes a learner (OuterRef "pk") completed in `year`."""
    count = _completed_in(year).values("learner").annotate(n=Count("pk")).values("n")
    return Coalesce(Subquery(count, output_field=IntegerField()), Value(0), output_field=IntegerField())


def learners_meeting(year: int, minimum: Decimal) -> QuerySet[Enrollment]:
    """The ids (values "learner") of the learners who completed at least `minimum` periods in
    `year`: one GROUP BY over the year's completed enrolments (a few per cent of the learners),
    with HAVING; what the report's counts and its "short only" list are decided by."""
    return (
        Enrollment.objects.filter(
            status=EnrollmentStatus.COMPLETED, training_class__end_date__range=year_bounds(year)
        )
        .order_by()
        .values("learner")
        .annotate(total=Sum("training_class__curriculum__topics__hours"))
        .filter(total__gte=minimum)
        .values("learner")
    )


def short_of_minimum_q(year: int, minimum: Decimal, field: str = "pk") -> Q:
    """Learners (`field` their id) below `minimum` periods in `year`: not among learners_meeting
    (with a minimum of 0 or less nobody is short, not even who completed nothing)."""
    if minimum <= 0:
        return Q(pk__in=[])
    return ~Q(**{f"{field}__in": learners_meeting(year, minimum)})


def learner_figures(periods, classes_completed: int, minimum: Decimal) -> dict:
    """A learner's figures of a year from their periods and classes."""
    periods = Decimal(periods)
    return {
        "classes_completed": classes_completed,
        "periods": periods,
        "hours": periods_to_hours(periods),
        "short_by_periods": short_by(periods, minimum),
        "meets_minimum": periods >= minimum,
    }


def my_training_hours(learner: Learner | None) -> list[dict]:
    """A learner's figures for each year they completed a class, latest first, in one query:
    {year, classes_completed, periods, hours, short_by_periods, meets_minimum, minimum_periods}."""
    if learner is None:
        return []
    minimum = annual_minimum_periods()
    rows = (
        Enrollment.objects.filter(learner=learner, status=EnrollmentStatus.COMPLETED)
        .annotate(year=ExtractYear("training_class__end_date"))
        .order_by()
        .values("year")
        # The join to topics repeats an enrolment once per topic: its classes counted distinct.
        .annotate(
            periods=Sum("training_class__curriculum__topics__hours"), classes=Count("pk", distinct=True)
        )
        .values_list("year", "periods", "classes")
    )
    return [
        {
            "year": year,
            "minimum_periods": minimum,
            **learner_figures(periods or 0, classes, minimum),
        }
        for year, periods, classes in sorted(rows, reverse=True)
    ]
