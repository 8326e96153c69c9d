"""The SQL of the aggregation: set-based statements that run on PostgreSQL and on SQLite.

Each step is one INSERT ... SELECT ... GROUP BY (or one UPDATE) over the rows in scope, never a
Python loop over rows. Scope is a set of classes given as an ORM queryset of ids and placed in a
CTE (`scope_classes`), so one text serves one class (the incremental job) and a whole province
(the rebuild): incremental updates and rebuilds cannot drift apart.

Both databases accept everything used here: CTEs before INSERT, INSERT ... SELECT ... ON CONFLICT
DO UPDATE (SQLite needs a WHERE in that SELECT to parse it), CASE, COALESCE, CAST(... AS TEXT).
The few dialect differences (the year of a date, a random token, advisory locks) are the helpers
at the top; numbers bound as parameters go through CAST(... AS NUMERIC) because SQLite compares a
bare text parameter as text.
"""

from __future__ import annotations

import datetime
from collections.abc import Sequence
from typing import Any

from django.db import connection
from django.db.models import QuerySet

from courses.models import ClassSession, ClassStatus, Curriculum, Position, Province, TrainingClass
from enrollment.models import Attendance, AttendanceStatus, Enrollment, EnrollmentStatus, Learner
from reporting.models import (
    ALL_LEVELS,
    ALL_YEARS,
    CLASS_DIMENSIONS,
    LEARNER_DIMENSIONS,
    Certificate,
    ClassProgress,
    CompletionRule,
    Dimension,
    EnrollmentProgress,
    Outcome,
    ProgressRollup,
    Target,
)

T = {
    "class": TrainingClass._meta.db_table,
    "session": ClassSession._meta.db_table,
    "province": Province._meta.db_table,
    "curriculum": Curriculum._meta.db_table,
    "position": Position._meta.db_table,
    "enrollment": Enrollment._meta.db_table,
    "attendance": Attendance._meta.db_table,
    "learner": Learner._meta.db_table,
    "rule": CompletionRule._meta.db_table,
    "ep": EnrollmentProgress._meta.db_table,
    "cp": ClassProgress._meta.db_table,
    "certificate": Certificate._meta.db_table,
    "rollup": ProgressRollup._meta.db_table,
    "target": Target._meta.db_table,
}


def _quoted(values) -> str:
    """A literal list of our own enum values (never user input) for an IN (...)."""
    return ", ".join(f"'{v}'" for v in values)


INACTIVE = _quoted([EnrollmentStatus.WAITLISTED, EnrollmentStatus.WITHDRAWN])
FINISHED = _quoted([ClassStatus.FINISHED, ClassStatus.CLOSED])
STARTED = _quoted([ClassStatus.RUNNING, ClassStatus.FINISHED, ClassStatus.CLOSED])
ATTENDED = _quoted([AttendanceStatus.PRESENT, AttendanceStatus.LATE])
INACTIVE_OUTCOMES = _quoted([Outcome.WAITLISTED, Outcome.WITHDRAWN])


# --- dialect helpers --------------------------------------------------------------------------


def vendor() -> str:
    return connection.vendor


def year_of(column: str) -> str:
    if vendor() == "postgresql":
        return f"CAST(EXTRACT(YEAR FROM {column}) AS INTEGER)"
    # %% because every statement here is run with parameters (the driver turns it into %).
    return f"CAST(strftime('%%Y', {column}) AS INTEGER)"


def random_token_sql() -> str:
    """32 hex characters from the database's strong random source (122 or 128 random bits)."""
    if vendor() == "postgresql":
        return "replace(CAST(gen_random_uuid() AS TEXT), '-', '')"
    return "lower(hex(randomblob(16)))"


class Lock:
    """Namespaces of the transaction-level advisory locks (PostgreSQL; SQLite has one writer)."""

    CLASS = 1  # a class's enrolment and class figures (exclusive)
    PROVINCE = 2  # a current province: shared by class recomputes, exclusive for its rollup rows
    NATIONAL = 3  # a generation's national rows
    GENERATION = 4  # creating or publishing a generation


def advisory_xact_lock(namespace: int, a: int, b: int = 0, *, shared: bool = False) -> None:
    """Wait for an advisory lock held until the transaction ends.

    The key packs the namespace and two 28-bit ids into one bigint; ids beyond 2^28 would only
    share a lock with another id (more waiting, never less safety).
    """
    if vendor() != "postgresql":
        return
    key = (namespace << 56) | ((a & 0xFFFFFFF) << 28) | (b & 0xFFFFFFF)
    function = "pg_advisory_xact_lock_shared" if shared else "pg_advisory_xact_lock"
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {function}(%s)", [key])


def db_datetime(value: datetime.datetime) -> Any:
    """A datetime as the backend stores it (SQLite compares text, in UTC, without an offset)."""
    return connection.ops.adapt_datetimefield_value(value)


def execute(sql: str, params: Sequence[Any]) -> int:
    with connection.cursor() as cursor:
        cursor.execute(sql, list(params))
        return cursor.rowcount


def scope_cte(classes: QuerySet[TrainingClass]) -> tuple[str, list[Any]]:
    sql, params = classes.order_by().values("id").query.sql_with_params()
    return f"WITH scope_classes AS ({sql}) ", list(params)


# --- per enrolment and per class -------------------------------------------------------------

ENROLLMENT_PROGRESS_COLUMNS = [
    "training_class_id",
    "planned_minutes",
    "attended_minutes",
    "excused_minutes",
    "credited_minutes",
    "base_minutes",
    "percent",
    "final_score",
    "meets_attendance",
    "meets_score",
    "meets_rule",
    "outcome",
    "counted_luot",
    "computed_at",
]


def enrollment_progress_upsert(
    classes: QuerySet[TrainingClass],
    *,
    now: datetime.datetime,
    default_policy: str,
    default_percent,
    default_score,
) -> int:
    """Every enrolment of the classes in scope, its minutes, percentage, rule and outcome.

    attended = present/late minutes, each session capped at its planned minutes (overtime in one
    session cannot make up for another); excused = planned minutes of sessions marked excused;
    planned = all the class's sessions, past and future. The rule is the programme's, else the
    default row's, else the built-in values. meets_attendance compares exactly
    (credited * 10000 >= min% * 100 * base), and the stored percentage is truncated, so 79.99%
    never shows as 80% nor passes.
    """
    cte, params = scope_cte(classes)
    policy = "COALESCE(r.excused_policy, d.excused_policy, %s)"
    body = f"""INSERT INTO {T["ep"]} (enrollment_id, {", ".join(ENROLLMENT_PROGRESS_COLUMNS)})
SELECT m.enrollment_id, m.training_class_id, m.planned, m.attended, m.excused, m.credited, m.base,
       CASE WHEN m.base > 0 THEN (m.credited * 10000 / m.base) / 100.0 ELSE 0 END,
       m.final_score, m.meets_attendance, m.meets_score,
       (m.active AND m.meets_attendance AND m.meets_score),
       CASE WHEN m.enrollment_status = '{EnrollmentStatus.WAITLISTED}' THEN '{Outcome.WAITLISTED}'
            WHEN m.enrollment_status = '{EnrollmentStatus.WITHDRAWN}' THEN '{Outcome.WITHDRAWN}'
            WHEN NOT m.finished THEN '{Outcome.IN_PROGRESS}'
            WHEN m.meets_attendance AND m.meets_score THEN '{Outcome.COMPLETED}'
            ELSE '{Outcome.NOT_COMPLETED}' END,
       CASE WHEN m.active AND m.finished AND m.meets_attendance AND m.meets_score THEN 1 ELSE 0 END,
       %s
FROM (
  SELECT k.*,
         (k.base > 0 AND k.credited * 10000 >= k.min_percent_x100 * k.base) AS meets_attendance,
         (NOT k.has_final_assessment
          OR (k.final_score IS NOT NULL AND k.final_score >= k.min_score)) AS meets_score
  FROM (
    SELECT e.id AS enrollment_id, e.training_class_id, e.final_score, e.status AS enrollment_status,
           (e.status NOT IN ({INACTIVE})) AS active,
           (c.status IN ({FINISHED})) AS finished,
           cur.has_final_assessment,
           COALESCE(s.planned, 0) AS planned,
           COALESCE(a.attended, 0) AS attended,
           COALESCE(a.excused, 0) AS excused,
           COALESCE(a.attended, 0)
             + CASE WHEN {policy} = 'attended' THEN COALESCE(a.excused, 0) ELSE 0 END AS credited,
           COALESCE(s.planned, 0)
             - CASE WHEN {policy} = 'excluded' THEN COALESCE(a.excused, 0) ELSE 0 END AS base,
           ROUND(COALESCE(r.min_attendance_percent, d.min_attendance_percent, CAST(%s AS NUMERIC))
                 * 100) AS min_percent_x100,
           COALESCE(r.min_final_score, d.min_final_score, CAST(%s AS NUMERIC)) AS min_score
    FROM {T["enrollment"]} e
    JOIN {T["class"]} c ON c.id = e.training_class_id
    JOIN {T["curriculum"]} cur ON cur.id = c.curriculum_id
    LEFT JOIN {T["rule"]} r ON r.programme_id = c.programme_id
    LEFT JOIN {T["rule"]} d ON d.programme_id IS NULL
    LEFT JOIN (
      SELECT training_class_id, SUM(planned_minutes) AS planned
      FROM {T["session"]}
      WHERE training_class_id IN (SELECT id FROM scope_classes)
      GROUP BY training_class_id
    ) s ON s.training_class_id = c.id
    LEFT JOIN (
      SELECT at.enrollment_id,
             SUM(CASE WHEN at.status IN ({ATTENDED}) THEN
                   CASE WHEN at.minutes < se.planned_minutes THEN at.minutes ELSE se.planned_minutes END
                 ELSE 0 END) AS attended,
             SUM(CASE WHEN at.status = '{AttendanceStatus.EXCUSED}' THEN se.planned_minutes ELSE 0 END)
               AS excused
      FROM {T["attendance"]} at
      JOIN {T["session"]} se ON se.id = at.session_id
      WHERE se.training_class_id IN (SELECT id FROM scope_classes)
      GROUP BY at.enrollment_id
    ) a ON a.enrollment_id = e.id
    WHERE e.training_class_id IN (SELECT id FROM scope_classes)
  ) k
) m
WHERE TRUE
ORDER BY m.enrollment_id
ON CONFLICT (enrollment_id) DO UPDATE SET
  {", ".join(f"{c} = excluded.{c}" for c in ENROLLMENT_PROGRESS_COLUMNS)}"""  # noqa: S608 - table names and enum values are ours; data is bound
    sql = cte + body
    # ORDER BY: concurrent upserts of overlapping rows take their row locks in the same order.
    params += [db_datetime(now), default_policy, default_policy, default_percent, default_score]
    return execute(sql, params)


CLASS_PROGRESS_COLUMNS = [
    "scope_province_id",
    "class_status",
    "enrolled",
    "waitlisted",
    "withdrawn",
    "in_progress",
    "meeting_rule",
    "completed_luot",
    "not_completed",
    "planned_sessions",
    "held_sessions",
    "planned_minutes",
    "held_minutes",
    "attended_minutes",
    "average_percent",
    "computed_at",
]


def class_progress_upsert(classes: QuerySet[TrainingClass], *, now: datetime.datetime) -> int:
    """Each class in scope from its enrolments' figures and its sessions (held = ended by now)."""
    cte, params = scope_cte(classes)
    at = db_datetime(now)
    body = f"""INSERT INTO {T["cp"]} (training_class_id, {", ".join(CLASS_PROGRESS_COLUMNS)}, revision)
SELECT c.id, COALESCE(p.successor_id, p.id), c.status,
       COALESCE(g.enrolled, 0), COALESCE(g.waitlisted, 0), COALESCE(g.withdrawn, 0),
       COALESCE(g.in_progress, 0), COALESCE(g.meeting_rule, 0), COALESCE(g.completed, 0),
       COALESCE(g.not_completed, 0),
       COALESCE(s.planned_sessions, 0), COALESCE(s.held_sessions, 0),
       COALESCE(s.planned_minutes, 0), COALESCE(s.held_minutes, 0),
       COALESCE(g.attended_minutes, 0), g.average_percent, %s, 1
FROM {T["class"]} c
JOIN {T["province"]} p ON p.id = c.province_id
LEFT JOIN (
  SELECT training_class_id,
         SUM(CASE WHEN outcome NOT IN ({INACTIVE_OUTCOMES}) THEN 1 ELSE 0 END) AS enrolled,
         SUM(CASE WHEN outcome = '{Outcome.WAITLISTED}' THEN 1 ELSE 0 END) AS waitlisted,
         SUM(CASE WHEN outcome = '{Outcome.WITHDRAWN}' THEN 1 ELSE 0 END) AS withdrawn,
         SUM(CASE WHEN outcome = '{Outcome.IN_PROGRESS}' THEN 1 ELSE 0 END) AS in_progress,
         SUM(CASE WHEN meets_rule THEN 1 ELSE 0 END) AS meeting_rule,
         SUM(counted_luot) AS completed,
         SUM(CASE WHEN outcome = '{Outcome.NOT_COMPLETED}' THEN 1 ELSE 0 END) AS not_completed,
         SUM(CASE WHEN outcome NOT IN ({INACTIVE_OUTCOMES}) THEN attended_minutes ELSE 0 END)
           AS attended_minutes,
         ROUND(AVG(CASE WHEN outcome NOT IN ({INACTIVE_OUTCOMES}) THEN percent END), 2) AS average_percent
  FROM {T["ep"]}
  WHERE training_class_id IN (SELECT id FROM scope_classes)
  GROUP BY training_class_id
) g ON g.training_class_id = c.id
LEFT JOIN (
  SELECT training_class_id,
         COUNT(*) AS planned_sessions,
         SUM(CASE WHEN ends_at <= %s THEN 1 ELSE 0 END) AS held_sessions,
         SUM(planned_minutes) AS planned_minutes,
         SUM(CASE WHEN ends_at <= %s THEN planned_minutes ELSE 0 END) AS held_minutes
  FROM {T["session"]}
  WHERE training_class_id IN (SELECT id FROM scope_classes)
  GROUP BY training_class_id
) s ON s.training_class_id = c.id
WHERE c.id IN (SELECT id FROM scope_classes)
ORDER BY c.id
ON CONFLICT (training_class_id) DO UPDATE SET
  {", ".join(f"{c} = excluded.{c}" for c in CLASS_PROGRESS_COLUMNS)},
  revision = {T["cp"]}.revision + 1"""  # noqa: S608 - table names and enum values are ours; data is bound
    sql = cte + body
    params += [at, at, at]
    return execute(sql, params)


def certificates_insert(classes: QuerySet[TrainingClass], *, now: datetime.datetime) -> int:
    """A certificate for each completed enrolment in scope that has none (a second run adds none).

    The number is filled by the caller in the same transaction, from the new row's id.
    """
    cte, params = scope_cte(classes)
    body = f"""INSERT INTO {T["certificate"]} (enrollment_id, number, verification_code, issued_at, revoked_at)
SELECT ep.enrollment_id, NULL, {random_token_sql()}, %s, NULL
FROM {T["ep"]} ep
WHERE ep.training_class_id IN (SELECT id FROM scope_classes) AND ep.outcome = '{Outcome.COMPLETED}'
ORDER BY ep.enrollment_id
ON CONFLICT (enrollment_id) DO NOTHING"""  # noqa: S608 - table names and enum values are ours; data is bound
    sql = cte + body
    params.append(db_datetime(now))
    return execute(sql, params)


# --- rollups -----------------------------------------------------------------------------------

ROLLUP_KEY_COLUMNS = "generation_id, scope_province_id, programme_id, level, year, dimension, key, key_id"
ROLLUP_MEASURES = (
    "achieved_luot, enrolled, in_progress, not_completed, "
    "classes_planned, classes_started, classes_held, spending_million_vnd"
)


def _union(values: Sequence[str], column: str) -> str:
    return " UNION ALL ".join(f"SELECT '{v}' AS {column}" for v in values)


# Each fact row is counted under its own level and under "all levels", its own year and "all years".
_VARIANTS = """CROSS JOIN (SELECT 0 AS v UNION ALL SELECT 1) lv
  CROSS JOIN (SELECT 0 AS v UNION ALL SELECT 1) yv"""
_LEVEL = f"CASE WHEN lv.v = 1 THEN '{ALL_LEVELS}' ELSE f.level END"
_YEAR = f"CASE WHEN yv.v = 1 THEN {ALL_YEARS} ELSE f.year END"


def rollup_slice_insert_class_dimensions(
    *, generation_id: int, province_id: int, now: datetime.datetime
) -> int:
    """The class dimensions of one current province's slice, from its classes and their figures."""
    sql = f"""INSERT INTO {T["rollup"]} ({ROLLUP_KEY_COLUMNS}, code, label, {ROLLUP_MEASURES}, computed_at)
SELECT %s, %s, g.programme_id, g.level, g.year, g.dimension, g.key, g.key_id,
       COALESCE(pr.code, cu.code, ''), COALESCE(pr.name, cu.title_vi, ''),
       g.achieved, g.enrolled, g.in_progress, g.not_completed,
       g.planned, g.started, g.held, g.spending, %s
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
LEFT JOIN {T["curriculum"]} cu ON g.dimension = '{Dimension.CURRICULUM}' AND cu.id = g.key_id
WHERE TRUE"""  # noqa: S608 - table names and enum values are ours; data is bound
    return execute(sql, [generation_id, province_id, db_datetime(now), province_id, province_id])


def rollup_slice_insert_learner_dimensions(
    *, generation_id: int, province_id: int, now: datetime.datetime
) -> int:
    """The learner dimensions (position, gender, ethnic minority) of one province's slice.

    Counted from the enrolments' figures; class counts and spending stay empty (a class does not
    split by gender).
    """
    sql = f"""INSERT INTO {T["rollup"]} ({ROLLUP_KEY_COLUMNS}, code, label, {ROLLUP_MEASURES}, computed_at)
SELECT %s, %s, g.programme_id, g.level, g.year, g.dimension, g.key, g.key_id,
       COALESCE(pos.code, ''), COALESCE(pos.name_vi, ''),
       g.achieved, g.enrolled, g.in_progress, g.not_completed, NULL, NULL, NULL, NULL, %s
FROM (
  SELECT f.programme_id, {_LEVEL} AS level, {_YEAR} AS year, d.dimension,
         CASE d.dimension
           WHEN '{Dimension.POSITION}' THEN COALESCE(CAST(f.position_id AS TEXT), '')
           WHEN '{Dimension.GENDER}' THEN f.gender
           ELSE CASE WHEN f.is_ethnic_minority THEN '1' ELSE '0' END END AS key,
         CASE d.dimension WHEN '{Dimension.POSITION}' THEN f.position_id ELSE NULL END AS key_id,
         SUM(f.counted_luot) AS achieved, SUM(f.enrolled) AS enrolled,
         SUM(f.in_progress) AS in_progress, SUM(f.not_completed) AS not_completed
  FROM (
    SELECT c.programme_id, c.level, {year_of("c.end_date")} AS year,
           l.position_id, l.gender, l.is_ethnic_minority, ep.counted_luot,
           CASE WHEN ep.outcome NOT IN ({INACTIVE_OUTCOMES}) THEN 1 ELSE 0 END AS enrolled,
           CASE WHEN ep.outcome = '{Outcome.IN_PROGRESS}' THEN 1 ELSE 0 END AS in_progress,
           CASE WHEN ep.outcome = '{Outcome.NOT_COMPLETED}' THEN 1 ELSE 0 END AS not_completed
    FROM {T["ep"]} ep
    JOIN {T["class"]} c ON c.id = ep.training_class_id
    JOIN {T["province"]} p ON p.id = c.province_id
    JOIN {T["enrollment"]} e ON e.id = ep.enrollment_id
    JOIN {T["learner"]} l ON l.id = e.learner_id
    WHERE c.status <> '{ClassStatus.DRAFT}' AND (p.id = %s OR p.successor_id = %s)
  ) f
  {_VARIANTS}
  CROSS JOIN ({_union(LEARNER_DIMENSIONS, "dimension")}) d
  GROUP BY 1, 2, 3, 4, 5, 6
) g
LEFT JOIN {T["position"]} pos ON g.dimension = '{Dimension.POSITION}' AND pos.id = g.key_id
WHERE TRUE"""  # noqa: S608 - table names and enum values are ours; data is bound
    return execute(sql, [generation_id, province_id, db_datetime(now), province_id, province_id])


def rollup_national_insert(*, generation_id: int, now: datetime.datetime) -> int:
    """National rows as the sum of the provinces' rows: every class lies in exactly one of them."""
    sql = f"""INSERT INTO {T["rollup"]} ({ROLLUP_KEY_COLUMNS}, code, label, {ROLLUP_MEASURES}, computed_at)
SELECT %s, NULL, programme_id, level, year, dimension, key, MAX(key_id), MAX(code), MAX(label),
       SUM(achieved_luot), SUM(enrolled), SUM(in_progress), SUM(not_completed),
       SUM(classes_planned), SUM(classes_started), SUM(classes_held), SUM(spending_million_vnd), %s
FROM {T["rollup"]}
WHERE generation_id = %s AND scope_province_id IS NOT NULL
GROUP BY programme_id, level, year, dimension, key"""  # noqa: S608 - table names are ours; data is bound
    return execute(sql, [generation_id, db_datetime(now), generation_id])


def _target_sum(province_condition: str) -> str:
    """The lượt of the targets matching a row: same programme, the row's level (or any, for the
    all-levels row), the row's year (or whole-period targets for year 0), the row's curriculum or
    position for those dimensions (else targets not narrowed to one), and a province condition."""
    r = T["rollup"]
    return f"""(SELECT SUM(t.target_luot) FROM {T["target"]} t
  LEFT JOIN {T["province"]} tp ON tp.id = t.province_id
  WHERE t.programme_id = {r}.programme_id
    AND ({r}.level = '' OR t.level = {r}.level)
    AND (({r}.year = 0 AND t.year IS NULL) OR t.year = {r}.year)
    AND (CASE WHEN {r}.dimension = '{Dimension.CURRICULUM}' THEN t.curriculum_id = {r}.key_id
              ELSE t.curriculum_id IS NULL END)
    AND (CASE WHEN {r}.dimension = '{Dimension.POSITION}' THEN t.position_id = {r}.key_id
              ELSE t.position_id IS NULL END)
    AND {province_condition})"""  # noqa: S608 - table names and enum values are ours


def rollup_targets_update(where: str, params: Sequence[Any]) -> int:
    """Fill target_luot of the rows matching `where`.

    A province's target is the one set for it, or else the sum of those set for the legacy units
    merged into it (targets of 2021-2025 were set for the 63 provinces); national rows take the
    targets set for no province. Region, mode, gender and ethnic rows have none.
    """
    r = T["rollup"]
    own = _target_sum(f"t.province_id = {r}.key_id")
    own_or_legacy_key = (
        f"COALESCE({own}, {_target_sum(f'tp.successor_id = {r}.key_id AND t.province_id <> {r}.key_id')})"
    )
    scope_own = _target_sum(f"t.province_id = {r}.scope_province_id")
    scope_legacy = _target_sum(
        f"tp.successor_id = {r}.scope_province_id AND t.province_id <> {r}.scope_province_id"
    )
    national = _target_sum("t.province_id IS NULL")
    with_target = _quoted(
        [
            Dimension.TOTAL,
            Dimension.PROVINCE,
            Dimension.CURRENT_PROVINCE,
            Dimension.CURRICULUM,
            Dimension.POSITION,
        ]
    )
    sql = f"""UPDATE {r} SET target_luot = CASE
  WHEN dimension NOT IN ({with_target}) THEN NULL
  WHEN dimension = '{Dimension.PROVINCE}' THEN {own}
  WHEN dimension = '{Dimension.CURRENT_PROVINCE}' THEN {own_or_legacy_key}
  WHEN scope_province_id IS NULL THEN {national}
  ELSE COALESCE({scope_own}, {scope_legacy}) END
WHERE {where}"""  # noqa: S608 - table names and enum values are ours; data is bound
    return execute(sql, params)


def rollup_pace_update(
    where: str,
    params: Sequence[Any],
    *,
    programme_id: int,
    year: int,
    period_start: datetime.date,
    period_end: datetime.date,
    elapsed_millionths: int,
) -> int:
    """Pace of the rows of one programme and year: achieved lượt projected linearly to the end of
    the period (achieved / elapsed fraction), in integer arithmetic so both databases agree."""
    r = T["rollup"]
    projected = (
        f"(CAST(achieved_luot AS BIGINT) * 1000000 + {elapsed_millionths // 2}) / {elapsed_millionths}"
        if elapsed_millionths > 0
        else "NULL"
    )
    sql = f"""UPDATE {r} SET period_start = %s, period_end = %s,
  elapsed_percent = CAST(%s AS NUMERIC) / 10000.0, projected_luot = {projected}
WHERE {where} AND programme_id = %s AND year = %s"""  # noqa: S608 - table name is ours; data is bound
    return execute(sql, [period_start, period_end, elapsed_millionths, *params, programme_id, year])


def rollup_ratios_update(where: str, params: Sequence[Any]) -> int:
    """Rate, projected rate and cost per lượt from the stored figures."""
    sql = f"""UPDATE {T["rollup"]} SET
  rate_percent = CASE WHEN target_luot > 0 THEN ROUND(achieved_luot * 100.0 / target_luot, 2) END,
  projected_rate_percent = CASE WHEN target_luot > 0 AND projected_luot IS NOT NULL
                                THEN ROUND(projected_luot * 100.0 / target_luot, 2) END,
  cost_per_luot_million_vnd = CASE WHEN achieved_luot > 0 AND spending_million_vnd IS NOT NULL
                                   THEN ROUND(spending_million_vnd * 1.0 / achieved_luot, 3) END
WHERE {where}"""  # noqa: S608 - table name is ours; data is bound
    return execute(sql, params)
