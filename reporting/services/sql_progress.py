"""The SQL of each enrolment's and each class's figures: the completion arithmetic set-based.

Both statements are upserts over the classes in scope (reporting.services.sql.scope_cte) that
leave an unchanged row alone.
"""

from __future__ import annotations

import datetime

from django.db.models import QuerySet

from courses.models import TrainingClass
from enrollment.models import AttendanceStatus, EnrollmentStatus
from reporting.models import Outcome
from reporting.services.sql import (
    ATTENDED,
    FINISHED,
    INACTIVE,
    INACTIVE_OUTCOMES,
    RULE_JOINS,
    RULE_MIN_PERCENT,
    RULE_MIN_SCORE,
    RULE_POLICY,
    T,
    db_datetime,
    execute,
    rows_differ,
    scope_cte,
)

ENROLLMENT_PROGRESS_COLUMNS = [
    "training_class_id",
    "planned_minutes",
    "attended_minutes",
    "attended_seconds",
    "excused_minutes",
    "credited_minutes",
    "credited_seconds",
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
# Every column but computed_at: when the figures last changed.
ENROLLMENT_FIGURES = ENROLLMENT_PROGRESS_COLUMNS[:-1]
# The figures the others follow from: percent from credited and base minutes, meets_rule and
# counted_luot from the outcome and the two meets_ flags. Comparing these spares computing the
# percentage (a numeric division) of every unchanged enrolment of a rebuild.
ENROLLMENT_INPUTS = [c for c in ENROLLMENT_FIGURES if c not in ("percent", "meets_rule", "counted_luot")]


def enrollment_progress_upsert(
    classes: QuerySet[TrainingClass],
    *,
    now: datetime.datetime,
    default_policy: str,
    default_percent,
    default_score,
) -> int:
    """Every enrolment of the classes in scope, its minutes, percentage, rule and outcome.

    The arithmetic of enrollment.rules.completion, set-based (tests/reporting/services/test_completion_arithmetic.py
    compares the two): attended = present/late time in seconds (attended_seconds, else minutes x 60;
    "absent" counts none), each session capped at its planned minutes (overtime in one session
    cannot make up for another); excused = planned minutes of sessions marked excused; planned =
    all the class's sessions, past and future. The rule is the programme's, else the default
    row's, else the built-in values. meets_attendance compares seconds exactly
    (credited * 10000 >= min% * 100 * base), and the stored percentage is truncated, so 143 min
    50 s of 180 (79.9%) never shows as 80% nor passes. Minute columns are whole minutes, rounded down.
    """
    cte, params = scope_cte(classes)
    policy = RULE_POLICY
    body = f"""INSERT INTO {T["ep"]} (enrollment_id, {", ".join(ENROLLMENT_PROGRESS_COLUMNS)})
SELECT m.enrollment_id, {", ".join(f"m.{c}" for c in ENROLLMENT_FIGURES)}, %s
FROM (
  SELECT n.enrollment_id, n.training_class_id, n.planned AS planned_minutes,
       n.attended / 60 AS attended_minutes, n.attended AS attended_seconds,
       n.excused AS excused_minutes, n.credited / 60 AS credited_minutes, n.credited AS credited_seconds,
       n.base AS base_minutes,
       CASE WHEN n.base > 0 THEN (n.credited * 10000 / (n.base * 60)) / 100.0 ELSE 0 END AS percent,
       n.final_score, n.meets_attendance, n.meets_score,
       (n.active AND n.meets_attendance AND n.meets_score) AS meets_rule,
       CASE WHEN n.enrollment_status = '{EnrollmentStatus.WAITLISTED}' THEN '{Outcome.WAITLISTED}'
            WHEN n.enrollment_status = '{EnrollmentStatus.WITHDRAWN}' THEN '{Outcome.WITHDRAWN}'
            WHEN NOT n.finished THEN '{Outcome.IN_PROGRESS}'
            WHEN n.meets_attendance AND n.meets_score THEN '{Outcome.COMPLETED}'
            ELSE '{Outcome.NOT_COMPLETED}' END AS outcome,
       CASE WHEN n.active AND n.finished AND n.meets_attendance AND n.meets_score THEN 1 ELSE 0 END
         AS counted_luot
  FROM (
  SELECT k.*,
         (k.base > 0 AND k.credited * 10000 >= k.min_percent_x100 * k.base * 60) AS meets_attendance,
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
             + CASE WHEN {policy} = 'attended' THEN COALESCE(a.excused, 0) * 60 ELSE 0 END AS credited,
           COALESCE(s.planned, 0)
             - CASE WHEN {policy} = 'excluded' THEN COALESCE(a.excused, 0) ELSE 0 END AS base,
           ROUND({RULE_MIN_PERCENT} * 100) AS min_percent_x100,
           {RULE_MIN_SCORE} AS min_score
    FROM {T["enrollment"]} e
    JOIN scope_classes sc ON sc.id = e.training_class_id
    JOIN {T["class"]} c ON c.id = e.training_class_id
    JOIN {T["curriculum"]} cur ON cur.id = c.curriculum_id
    {RULE_JOINS}
    LEFT JOIN (
      SELECT ss.training_class_id, SUM(ss.planned_minutes) AS planned
      FROM {T["session"]} ss
      JOIN scope_classes sc ON sc.id = ss.training_class_id
      GROUP BY ss.training_class_id
    ) s ON s.training_class_id = c.id
    LEFT JOIN (
      SELECT at.enrollment_id,
             SUM(CASE WHEN at.status IN ({ATTENDED}) THEN
                   CASE WHEN COALESCE(at.attended_seconds, at.minutes * 60) < se.planned_minutes * 60
                        THEN COALESCE(at.attended_seconds, at.minutes * 60) ELSE se.planned_minutes * 60 END
                 ELSE 0 END) AS attended,
             SUM(CASE WHEN at.status = '{AttendanceStatus.EXCUSED}' THEN se.planned_minutes ELSE 0 END)
               AS excused
      FROM {T["attendance"]} at
      JOIN {T["session"]} se ON se.id = at.session_id
      JOIN scope_classes sc ON sc.id = se.training_class_id
      GROUP BY at.enrollment_id
    ) a ON a.enrollment_id = e.id
  ) k
  ) n
) m
LEFT JOIN (
  SELECT st.* FROM {T["ep"]} st JOIN scope_classes sc ON sc.id = st.training_class_id
) old ON old.enrollment_id = m.enrollment_id
WHERE old.enrollment_id IS NULL OR {rows_differ("old", "m", ENROLLMENT_INPUTS)}
ORDER BY m.enrollment_id
ON CONFLICT (enrollment_id) DO UPDATE SET
  {", ".join(f"{c} = excluded.{c}" for c in ENROLLMENT_PROGRESS_COLUMNS)}
WHERE {rows_differ(T["ep"], "excluded", ENROLLMENT_FIGURES)}"""  # noqa: S608 - table names and enum values are ours; data is bound
    sql = cte + body
    # ORDER BY: concurrent upserts of overlapping rows take their row locks in the same order.
    # The join to the stored row: an unchanged enrolment is not rewritten, nor even offered to the
    # upsert, which would lock its row to compare it (a recompute of a class of 6,000 after one
    # attendance change writes one row; a rebuild of unchanged data writes and locks none). The
    # upsert's own WHERE covers a row that a concurrent writer changed in between.
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
  SELECT ep.training_class_id,
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
  FROM {T["ep"]} ep
  JOIN scope_classes sc ON sc.id = ep.training_class_id
  GROUP BY ep.training_class_id
) g ON g.training_class_id = c.id
LEFT JOIN (
  SELECT ss.training_class_id,
         COUNT(*) AS planned_sessions,
         SUM(CASE WHEN ends_at <= %s THEN 1 ELSE 0 END) AS held_sessions,
         SUM(planned_minutes) AS planned_minutes,
         SUM(CASE WHEN ends_at <= %s THEN planned_minutes ELSE 0 END) AS held_minutes
  FROM {T["session"]} ss
  JOIN scope_classes sc ON sc.id = ss.training_class_id
  GROUP BY ss.training_class_id
) s ON s.training_class_id = c.id
JOIN scope_classes sc ON sc.id = c.id
WHERE TRUE
ORDER BY c.id
ON CONFLICT (training_class_id) DO UPDATE SET
  {", ".join(f"{c} = excluded.{c}" for c in CLASS_PROGRESS_COLUMNS)},
  revision = {T["cp"]}.revision + 1"""  # noqa: S608 - table names and enum values are ours; data is bound
    sql = cte + body
    params += [at, at, at]
    return execute(sql, params)
