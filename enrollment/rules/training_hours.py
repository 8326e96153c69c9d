"""An official's annual training hours, in one place: what counts, in which year, in which unit,
and the minimum it is set against.

* **What counts**: the enrolments whose status is "completed": the status the aggregation gives an
  enrolment from its computed outcome (reporting's EnrollmentProgress, under the one completion
  rule, enrollment.rules.completion), and nothing else sets. The same enrolments every report
  counts as a lượt; nothing is recomputed here. A class in progress, a withdrawn or a
  not-completed enrolment counts nothing. Read from the enrolment so that the learner's own page
  (enrollment) and the admins' report (reporting) share one selector
  (enrollment.selectors.training_hours).
* **How much**: the teaching hours of the curriculum version the class ran (the sum of its topics'
  `Topic.hours`), whatever the learner attended: completing the class is completing its
  programme. A version in use never changes (courses.rules.curriculum_versions), so a year's
  figure never moves once its classes are done.
* **The unit**: the curricula count their topics in periods (tiết) of 45 minutes, the unit of the
  Vietnamese training regulations: `Topic.hours` is labelled "số tiết" everywhere (the catalogue
  file's "Số tiết" column, the API's "Teaching hours (tiết)"). Figures are kept in periods and
  shown in hours of 60 minutes beside them (periods x 45 / 60); the minimum is set in periods too.
* **Which year**: the year the class ended (`TrainingClass.end_date`, its closing day, a calendar
  date in Vietnam, Asia/Ho_Chi_Minh): the year every progress report counts a class in. The
  certificate's issue time is not used: it follows the class's end by the aggregation's delay,
  and a certificate re-issued after a correction would move the hours to another year.
* **The minimum**: settings.TRAINING_HOURS_ANNUAL_MINIMUM_PERIODS (40 periods by default), an
  official falls short when their periods are below it.
"""

from __future__ import annotations

import datetime
from decimal import ROUND_HALF_UP, Decimal

from django.conf import settings

# Minutes of one period (tiết), the unit Topic.hours counts in.
PERIOD_MINUTES = 45
TWO_PLACES = Decimal("0.01")


def annual_minimum_periods() -> Decimal:
    """The periods an official should complete in a year (the setting)."""
    return Decimal(settings.TRAINING_HOURS_ANNUAL_MINIMUM_PERIODS)


def periods_to_hours(periods) -> Decimal:
    """Periods of 45 minutes as hours of 60, to two decimals (40 periods are 30.00 hours)."""
    return (Decimal(periods) * PERIOD_MINUTES / 60).quantize(TWO_PLACES, rounding=ROUND_HALF_UP)


def year_bounds(year: int) -> tuple[datetime.date, datetime.date]:
    """The first and last days of a year: the classes whose end date falls between them count in it."""
    return datetime.date(year, 1, 1), datetime.date(year, 12, 31)


def short_by(periods, minimum: Decimal) -> Decimal:
    """The periods missing to reach the minimum; 0 when it is met."""
    return max(minimum - Decimal(periods), Decimal(0))
