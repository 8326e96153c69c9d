"""Each official's training hours in a year, against the annual minimum (the rules:
enrollment.rules.training_hours), for the learners of a report's scope.

One query gives a page of learners with their figures: each learner's periods are the SQL
expression of enrollment.selectors.training_hours (a SUM over their completed enrolments of the
year joined to the topics of the version each class ran, a correlated subquery), never a loop over
learners in Python, evaluated for the page's rows only. Who falls short (the "short only" list and
the counts per province, one GROUP BY) is decided by the same SUM grouped once over the year's
completed enrolments (enrollment.selectors.training_hours.learners_meeting).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Count, QuerySet
from django.db.models.functions import Coalesce

from courses.models import Province
from courses.selectors.classes import province_scope_q
from enrollment.models import Learner
from enrollment.rules.personal_data import as_seen_by
from enrollment.rules.training_hours import PERIOD_MINUTES, periods_to_hours
from enrollment.selectors.training_hours import classes_in, learner_figures, periods_in, short_of_minimum_q
from reporting.selectors.reports_scope import Scope, province_ref


def learners_in_scope(scope: Scope) -> QuerySet[Learner]:
    """The learners a report's scope covers: all, or those of a current province (legacy units
    merged into it)."""
    learners = Learner.objects.all()
    if scope.province_id is not None:
        learners = learners.filter(province_scope_q(scope.province_id, "province"))
    return learners


def training_hours_learners(
    *, scope: Scope, year: int, minimum: Decimal, short_only: bool = False
) -> QuerySet[Learner]:
    """The scope's learners with their `periods` and `classes_completed` in `year`, in Vietnamese
    name order (Learner.sort_key); only those below `minimum` with `short_only`."""
    learners = learners_in_scope(scope).annotate(periods=periods_in(year), classes_completed=classes_in(year))
    if short_only:
        learners = learners.filter(short_of_minimum_q(year, minimum))
    return learners.select_related("province__successor", "commune", "position").order_by("sort_key", "id")


@dataclass(frozen=True)
class ProvinceCount:
    province: Province
    learners: int
    short: int

    @property
    def meeting(self) -> int:
        return self.learners - self.short


def training_hours_by_province(*, scope: Scope, year: int, minimum: Decimal) -> list[ProvinceCount]:
    """Per current province of the scope (legacy units rolled up): its learners and how many fall
    short in `year`, in one GROUP BY; provinces without learners are left out."""
    rows = (
        learners_in_scope(scope)
        .annotate(unit=Coalesce("province__successor_id", "province_id"))
        .order_by()
        .values("unit")
        .annotate(learners=Count("pk"), short=Count("pk", filter=short_of_minimum_q(year, minimum)))
    )
    counts = {row["unit"]: row for row in rows}
    provinces = Province.objects.filter(pk__in=counts).order_by("code")
    return [
        ProvinceCount(province, counts[province.pk]["learners"], counts[province.pk]["short"])
        for province in provinces
    ]


def province_count_row(count: ProvinceCount) -> dict:
    return {
        "province": province_ref(count.province),
        "learners": count.learners,
        "meeting": count.meeting,
        "short": count.short,
    }


def learner_row(reader, learner: Learner, minimum: Decimal) -> dict:
    """A learner's line of the report, their identity as the reader may read it
    (enrollment.rules.personal_data: the id number in full, or its last four digits)."""
    shown = as_seen_by(reader, learner)
    return {
        "learner": {
            "id": learner.pk,
            "full_name": learner.full_name,
            "national_id": shown.national_id,
            "province": province_ref(learner.province.current_unit or learner.province),
            "commune": learner.commune.name if learner.commune_id else "",
            "position": learner.position.name_vi if learner.position_id else "",
        },
        **learner_figures(learner.periods, learner.classes_completed, minimum),
    }


def training_hours_header(*, scope: Scope, year: int, minimum: Decimal, short_only: bool) -> dict:
    """Everything of the report but its list of learners: the year, the scope, the minimum, and
    the counts per province with their totals."""
    provinces = [
        province_count_row(count)
        for count in training_hours_by_province(scope=scope, year=year, minimum=minimum)
    ]
    return {
        "year": year,
        "scope": scope.as_dict(),
        "short_only": short_only,
        "period_minutes": PERIOD_MINUTES,
        "minimum_periods": minimum,
        "minimum_hours": periods_to_hours(minimum),
        "totals": {name: sum(row[name] for row in provinces) for name in ("learners", "meeting", "short")},
        "provinces": provinces,
    }
