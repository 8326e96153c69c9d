"""The SQL of the rollup rows the reports read.

Each rollup statement is one INSERT ... SELECT: an inner query of measures grouped by the row's
key (the "measures" below), wrapped by rollup_insert() which adds, in the same statement, the
target (correlated subqueries on the few targets), the ratios and the pace (a join to a small
table of periods; their arithmetic is reporting.rules.figures). Rows are written once and never
updated in place, except by a target change.
"""

from __future__ import annotations

import datetime
from collections.abc import Sequence
from typing import Any

from courses.models import ClassStatus
from reporting.models import ALL_LEVELS, ALL_YEARS, CLASS_DIMENSIONS, LEARNER_DIMENSIONS, Dimension, Outcome
from reporting.rules.figures import (
    cost_per_luot_sql,
    elapsed_percent_sql,
    projected_luot_sql,
    rate_percent_sql,
)
from reporting.services.sql import (
    FINISHED,
    INACTIVE_OUTCOMES,
    STARTED,
    T,
    db_datetime,
    execute,
    quoted,
    year_of,
)
from reporting.services.sql_sync import SYNC_TABLE

ROLLUP_KEY_COLUMNS = "generation_id, scope_province_id, programme_id, level, year, dimension, key, key_id"
ROLLUP_MEASURES = (
    "achieved_luot, enrolled, in_progress, not_completed, "
    "classes_planned, classes_started, classes_held, spending_million_vnd"
)
ROLLUP_DERIVED = (
    "target_luot, rate_percent, cost_per_luot_million_vnd, period_start, period_end, "
    "elapsed_percent, projected_luot, projected_rate_percent, computed_at"
)


def _union(values: Sequence[str], column: str) -> str:
    return " UNION ALL ".join(f"SELECT '{v}' AS {column}" for v in values)


# Each fact row is counted under its own level and under "all levels", its own year and "all years".
_VARIANTS = """CROSS JOIN (SELECT 0 AS v UNION ALL SELECT 1) lv
  CROSS JOIN (SELECT 0 AS v UNION ALL SELECT 1) yv"""
_LEVEL = f"CASE WHEN lv.v = 1 THEN '{ALL_LEVELS}' ELSE f.level END"
_YEAR = f"CASE WHEN yv.v = 1 THEN {ALL_YEARS} ELSE f.year END"


def _target_sum(row: str, province_condition: str) -> str:
    """The lượt of the targets matching a row: same programme, the row's level (or any, for the
    all-levels row), the row's year (or whole-period targets for year 0), the row's curriculum or
    position for those dimensions (else targets not narrowed to one), and a province condition."""
    return f"""(SELECT SUM(t.target_luot) FROM {T["target"]} t
  LEFT JOIN {T["province"]} tp ON tp.id = t.province_id
  WHERE t.programme_id = {row}.programme_id
    AND ({row}.level = '' OR t.level = {row}.level)
    AND (({row}.year = 0 AND t.year IS NULL) OR t.year = {row}.year)
    AND (CASE WHEN {row}.dimension = '{Dimension.CURRICULUM}' THEN t.curriculum_id = {row}.key_id
              ELSE t.curriculum_id IS NULL END)
    AND (CASE WHEN {row}.dimension = '{Dimension.POSITION}' THEN t.position_id = {row}.key_id
              ELSE t.position_id IS NULL END)
    AND {province_condition})"""  # noqa: S608 - table names and enum values are ours


def target_case(row: str) -> str:
    """The target of a row (table or alias `row`).

    A province's target is the one set for it, or else the sum of those set for the legacy units
    merged into it (targets of 2021-2025 were set for the 63 provinces); national rows take the
    targets set for no province. Region, mode, gender and ethnic rows have none.
    """
    own_key = _target_sum(row, f"t.province_id = {row}.key_id")
    legacy_key = _target_sum(row, f"tp.successor_id = {row}.key_id AND t.province_id <> {row}.key_id")
    own_scope = _target_sum(row, f"t.province_id = {row}.scope_province_id")
    legacy_scope = _target_sum(
        row, f"tp.successor_id = {row}.scope_province_id AND t.province_id <> {row}.scope_province_id"
    )
    with_target = quoted(
        [
            Dimension.TOTAL,
            Dimension.PROVINCE,
            Dimension.CURRENT_PROVINCE,
            Dimension.CURRICULUM,
            Dimension.POSITION,
        ]
    )
    return f"""CASE
  WHEN {row}.dimension NOT IN ({with_target}) THEN NULL
  WHEN {row}.dimension = '{Dimension.PROVINCE}' THEN {own_key}
  WHEN {row}.dimension = '{Dimension.CURRENT_PROVINCE}' THEN COALESCE({own_key}, {legacy_key})
  WHEN {row}.scope_province_id IS NULL THEN {_target_sum(row, "t.province_id IS NULL")}
  ELSE COALESCE({own_scope}, {legacy_scope}) END"""


def _periods_table(periods: Sequence[tuple[int, int, datetime.date, datetime.date, int]]) -> tuple[str, list]:
    """(programme, year, start, end, elapsed millionths) rows as a derived table."""
    if not periods:
        return (
            "SELECT CAST(NULL AS BIGINT) AS programme_id, CAST(NULL AS INTEGER) AS year, "
            "CAST(NULL AS DATE) AS period_start, CAST(NULL AS DATE) AS period_end, "
            "CAST(NULL AS INTEGER) AS millionths WHERE 1 = 0",
            [],
        )
    row = "SELECT %s AS programme_id, %s AS year, %s AS period_start, %s AS period_end, %s AS millionths"
    return " UNION ALL ".join([row] * len(periods)), [value for period in periods for value in period]


def rollup_insert(measures: str, params: Sequence[Any], *, periods, now: datetime.datetime) -> int:
    """Insert the rows of a measures query with their target, ratios and pace."""
    periods_sql, periods_params = _periods_table(periods)
    projected = projected_luot_sql("t.achieved_luot", "p.millionths")
    # MATERIALIZED: computed once per row, rather than the planner copying the target's subqueries
    # into each expression that uses it (slow to plan).
    sql = f"""WITH t AS MATERIALIZED (SELECT m.*, {target_case("m")} AS target FROM ({measures}) m)
INSERT INTO {T["rollup"]} ({ROLLUP_KEY_COLUMNS}, code, label, {ROLLUP_MEASURES}, {ROLLUP_DERIVED})
SELECT t.generation_id, t.scope_province_id, t.programme_id, t.level, t.year, t.dimension, t.key, t.key_id,
       t.code, t.label, t.achieved_luot, t.enrolled, t.in_progress, t.not_completed,
       t.classes_planned, t.classes_started, t.classes_held, t.spending_million_vnd,
       t.target, {rate_percent_sql("t.achieved_luot", "t.target")},
       {cost_per_luot_sql("t.spending_million_vnd", "t.achieved_luot")},
       p.period_start, p.period_end, {elapsed_percent_sql("p.millionths")},
       {projected}, CASE WHEN p.millionths > 0 THEN {rate_percent_sql(projected, "t.target")} END,
       %s
FROM t
LEFT JOIN ({periods_sql}) p ON p.programme_id = t.programme_id AND p.year = t.year
WHERE TRUE"""  # noqa: S608 - table names and enum values are ours; data is bound
    # Placeholders in text order: the measures, computed_at in the select list, then the periods.
    return execute(sql, [*params, db_datetime(now), *periods_params])


def rollup_slice_class_measures(*, generation_id: int, province_id: int) -> tuple[str, list]:
    """The class dimensions of one current province's slice, from its classes and their figures."""
    sql = f"""SELECT CAST(%s AS BIGINT) AS generation_id, CAST(%s AS BIGINT) AS scope_province_id,
       g.programme_id, g.level, g.year, g.dimension, g.key, g.key_id,
       COALESCE(pr.code, cu.code, '') AS code, COALESCE(pr.name, cu.title_vi, '') AS label,
       g.achieved AS achieved_luot, g.enrolled, g.in_progress, g.not_completed,
       g.planned AS classes_planned, g.started AS classes_started, g.held AS classes_held,
       g.spending AS spending_million_vnd
FROM (
  SELECT f.programme_id, {_LEVEL} AS level, {_YEAR} AS year, d.dimension,
         CASE d.dimension
           WHEN '{Dimension.TOTAL}' THEN ''
           WHEN '{Dimension.PROVINCE}' THEN CAST(f.province_id AS TEXT)
           WHEN '{Dimension.CURRENT_PROVINCE}' THEN CAST(f.current_id AS TEXT)
           WHEN '{Dimension.REGION}' THEN f.region
           WHEN '{Dimension.CURRICULUM}' THEN CAST(f.curriculum_id AS TEXT)
           ELSE f.mode END AS key,
         CASE d.dimension
           WHEN '{Dimension.PROVINCE}' THEN f.province_id
           WHEN '{Dimension.CURRENT_PROVINCE}' THEN f.current_id
           WHEN '{Dimension.CURRICULUM}' THEN f.curriculum_id
           ELSE NULL END AS key_id,
         SUM(f.completed) AS achieved, SUM(f.enrolled) AS enrolled,
         SUM(f.in_progress) AS in_progress, SUM(f.not_completed) AS not_completed,
         COUNT(*) AS planned, SUM(f.started) AS started, SUM(f.held) AS held,
         SUM(f.spending) AS spending
  FROM (
    SELECT c.programme_id, c.level, {year_of("c.end_date")} AS year,
           c.province_id, COALESCE(p.successor_id, p.id) AS current_id, p.region,
           c.curriculum_id, c.mode,
           COALESCE(cp.completed_luot, 0) AS completed, COALESCE(cp.enrolled, 0) AS enrolled,
           COALESCE(cp.in_progress, 0) AS in_progress, COALESCE(cp.not_completed, 0) AS not_completed,
           CASE WHEN c.status IN ({STARTED}) THEN 1 ELSE 0 END AS started,
           CASE WHEN c.status IN ({FINISHED}) THEN 1 ELSE 0 END AS held,
           c.spending_million_vnd AS spending
    FROM {T["class"]} c
    JOIN {T["province"]} p ON p.id = c.province_id
    LEFT JOIN {T["cp"]} cp ON cp.training_class_id = c.id
    WHERE c.status <> '{ClassStatus.DRAFT}' AND (p.id = %s OR p.successor_id = %s)
  ) f
  {_VARIANTS}
  CROSS JOIN ({_union(CLASS_DIMENSIONS, "dimension")}) d
  GROUP BY 1, 2, 3, 4, 5, 6
) g
LEFT JOIN {T["province"]} pr
  ON g.dimension IN ('{Dimension.PROVINCE}', '{Dimension.CURRENT_PROVINCE}') AND pr.id = g.key_id
LEFT JOIN {T["curriculum"]} cu ON g.dimension = '{Dimension.CURRICULUM}' AND cu.id = g.key_id"""  # noqa: S608 - table names and enum values are ours; data is bound
    return sql, [generation_id, province_id, province_id, province_id]


def rollup_slice_learner_measures(*, generation_id: int, province_id: int) -> tuple[str, list]:
    """The learner dimensions (position, gender, ethnic minority) of one province's slice.

    Counted from the enrolments' figures as read into SYNC_TABLE for the province (an enrolment
    misfiled under a class it has left is not counted); class counts and spending stay empty (a
    class does not split by gender).
    """
    sql = f"""SELECT CAST(%s AS BIGINT) AS generation_id, CAST(%s AS BIGINT) AS scope_province_id,
       g.programme_id, g.level, g.year, g.dimension, g.key, g.key_id,
       COALESCE(pos.code, '') AS code, COALESCE(pos.name_vi, '') AS label,
       g.achieved AS achieved_luot, g.enrolled, g.in_progress, g.not_completed,
       CAST(NULL AS INTEGER) AS classes_planned, CAST(NULL AS INTEGER) AS classes_started,
       CAST(NULL AS INTEGER) AS classes_held, CAST(NULL AS NUMERIC) AS spending_million_vnd
FROM (
  SELECT f.programme_id, {_LEVEL} AS level, {_YEAR} AS year, d.dimension,
         CASE d.dimension
           WHEN '{Dimension.POSITION}' THEN COALESCE(CAST(f.position_id AS TEXT), '')
           WHEN '{Dimension.GENDER}' THEN f.gender
           ELSE CASE WHEN f.is_ethnic_minority THEN '1' ELSE '0' END END AS key,
         CASE d.dimension WHEN '{Dimension.POSITION}' THEN f.position_id ELSE NULL END AS key_id,
         SUM(f.achieved) AS achieved, SUM(f.enrolled) AS enrolled,
         SUM(f.in_progress) AS in_progress, SUM(f.not_completed) AS not_completed
  FROM (
    -- Enrolments grouped first: the variants below then multiply a few groups, not every row.
    SELECT c.programme_id, c.level, {year_of("c.end_date")} AS year,
           l.position_id, l.gender, l.is_ethnic_minority,
           SUM(l.counted_luot) AS achieved,
           SUM(CASE WHEN l.outcome NOT IN ({INACTIVE_OUTCOMES}) THEN 1 ELSE 0 END) AS enrolled,
           SUM(CASE WHEN l.outcome = '{Outcome.IN_PROGRESS}' THEN 1 ELSE 0 END) AS in_progress,
           SUM(CASE WHEN l.outcome = '{Outcome.NOT_COMPLETED}' THEN 1 ELSE 0 END) AS not_completed
    FROM {SYNC_TABLE} l
    JOIN {T["class"]} c ON c.id = l.training_class_id
    WHERE c.status <> '{ClassStatus.DRAFT}' AND l.in_class
    GROUP BY 1, 2, 3, 4, 5, 6
  ) f
  {_VARIANTS}
  CROSS JOIN ({_union(LEARNER_DIMENSIONS, "dimension")}) d
  GROUP BY 1, 2, 3, 4, 5, 6
) g
LEFT JOIN {T["position"]} pos ON g.dimension = '{Dimension.POSITION}' AND pos.id = g.key_id"""  # noqa: S608 - table names and enum values are ours; data is bound
    return sql, [generation_id, province_id]


def rollup_national_measures(*, generation_id: int) -> tuple[str, list]:
    """National rows as the sum of the provinces' rows: every class lies in exactly one of them."""
    sql = f"""SELECT CAST(%s AS BIGINT) AS generation_id, CAST(NULL AS BIGINT) AS scope_province_id,
       programme_id, level, year, dimension, key, MAX(key_id) AS key_id, MAX(code) AS code,
       MAX(label) AS label, SUM(achieved_luot) AS achieved_luot, SUM(enrolled) AS enrolled,
       SUM(in_progress) AS in_progress, SUM(not_completed) AS not_completed,
       SUM(classes_planned) AS classes_planned, SUM(classes_started) AS classes_started,
       SUM(classes_held) AS classes_held, SUM(spending_million_vnd) AS spending_million_vnd
FROM {T["rollup"]}
WHERE generation_id = %s AND scope_province_id IS NOT NULL
GROUP BY programme_id, level, year, dimension, key"""  # noqa: S608 - table names are ours; data is bound
    return sql, [generation_id, generation_id]


def rollup_targets_update(where: str, params: Sequence[Any]) -> int:
    """Targets changed: recompute target, rate and projected rate of the rows matching `where`."""
    r = T["rollup"]
    target = target_case(r)
    sql = f"""UPDATE {r} SET target_luot = {target},
  rate_percent = {rate_percent_sql("achieved_luot", target)},
  projected_rate_percent = {rate_percent_sql("projected_luot", target)}
WHERE {where}"""  # noqa: S608 - table names and enum values are ours; data is bound
    return execute(sql, params)
