"""The arithmetic of a report's figures, in one place: the rate against a target, the cost per
lượt, and the pace (the share of a period already past, and the lượt projected at that pace).

Each rule is written here twice, side by side: in Python, for figures computed in Python (the
past periods' baselines, a slice that has no rollup row yet), and as the SQL expression the
aggregation writes the rollup rows with (reporting.services.sql_rollups), in integer or NUMERIC
arithmetic so that PostgreSQL and SQLite agree.

The rate is truncated to two decimals in both (99.996% of a target is not shown as the 100% it
has not reached): the SQL divides integers, which truncates on both databases.
"""

from __future__ import annotations

import datetime
from decimal import ROUND_DOWN, ROUND_HALF_UP, Decimal

from courses.models import Programme
from reporting.models import ALL_YEARS

TWO_PLACES = Decimal("0.01")
THREE_PLACES = Decimal("0.001")


# --- rate: achieved lượt against the target --------------------------------------------------------


def rate_percent(achieved, target) -> Decimal | None:
    """achieved / target in percent, two decimals, truncated; None without a target."""
    if not target or achieved is None:
        return None
    # Truncated: 99.996% of a target is not shown as the 100% it has not reached.
    return (Decimal(achieved) * 100 / Decimal(target)).quantize(TWO_PLACES, rounding=ROUND_DOWN)


def rate_percent_sql(achieved: str, target: str) -> str:
    """rate_percent in SQL: the hundredths of a percent by integer division (truncated on both
    databases, as in Python), then as a decimal; NULL without a target."""
    return f"CASE WHEN {target} > 0 THEN (CAST({achieved} AS BIGINT) * 10000 / {target}) / 100.0 END"


def percent_shown(percent) -> Decimal:
    """A percentage as a page shows it, truncated (a threshold not reached is never shown reached):
    one decimal, or two under 1 %, where one would write a share that is not nothing as 0.0 %
    (0.04 % of a national target is 200 lượt)."""
    value = Decimal(str(percent))
    places = Decimal("0.01") if 0 < abs(value) < 1 else Decimal("0.1")
    return value.quantize(places, rounding=ROUND_DOWN)


# --- cost per lượt: spending over achieved lượt ---------------------------------------------------


def cost_per_luot(spending, achieved) -> Decimal | None:
    """Spending (million VND) per achieved lượt, three decimals rounded half up; None without
    spending or without a lượt achieved."""
    if spending is None or not achieved:
        return None
    return (Decimal(spending) / Decimal(achieved)).quantize(THREE_PLACES, rounding=ROUND_HALF_UP)


def cost_per_luot_sql(spending: str, achieved: str) -> str:
    """cost_per_luot in SQL (ROUND of a positive NUMERIC rounds half up on both databases)."""
    return f"CASE WHEN {achieved} > 0 AND {spending} IS NOT NULL THEN ROUND({spending} * 1.0 / {achieved}, 3) END"


# --- pace: the elapsed share of the period, and the projection ----------------------------------


def rollup_period(programme: Programme, year: int) -> tuple[datetime.date, datetime.date]:
    """The period a row's pace is measured over: the programme's, or its part within the year
    (the whole calendar year for a class ending outside the programme's period)."""
    if year == ALL_YEARS:
        return programme.period_start, programme.period_end
    start = max(programme.period_start, datetime.date(year, 1, 1))
    end = min(programme.period_end, datetime.date(year, 12, 31))
    if start > end:
        return datetime.date(year, 1, 1), datetime.date(year, 12, 31)
    return start, end


def elapsed_millionths(start: datetime.date, end: datetime.date, as_of: datetime.date) -> int:
    """How much of [start, end] has passed on as_of (whole days, as_of included), in millionths."""
    total = (end - start).days + 1
    elapsed = min(max((as_of - start).days + 1, 0), total)
    return elapsed * 1_000_000 // total


def elapsed_percent(programme: Programme, year: int, today: datetime.date) -> Decimal:
    """The share of a row's period already past, in percent with two decimals."""
    start, end = rollup_period(programme, year)
    return (Decimal(elapsed_millionths(start, end, today)) / 10000).quantize(TWO_PLACES)


def elapsed_percent_sql(millionths: str) -> str:
    return f"{millionths} / 10000.0"


def projected_luot_sql(achieved: str, millionths: str) -> str:
    """Achieved lượt over the elapsed fraction, in integer arithmetic so both databases agree."""
    return f"CASE WHEN {millionths} > 0 THEN (CAST({achieved} AS BIGINT) * 1000000 + {millionths} / 2) / {millionths} END"
