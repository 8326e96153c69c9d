"""The SQL of the aggregation: set-based statements that run on PostgreSQL and on SQLite.

Each step is one INSERT ... SELECT ... GROUP BY (or one UPDATE) over the rows in scope, never a
Python loop over rows. Scope is a set of classes given as an ORM queryset of ids and placed in a
CTE (`scope_classes`, joined rather than used in IN (...): the planner then estimates a
province's few classes and reads by index instead of scanning whole tables), so one text serves one class (the incremental job) and a whole province
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
from enrollment.models import (
    Attendance,
    AttendanceStatus,
    AuditEntry,
    CompletionRule,
    Enrollment,
    EnrollmentStatus,
    Learner,
)
from reporting.models import (
    ALL_LEVELS,
    ALL_YEARS,
    CLASS_DIMENSIONS,
    LEARNER_DIMENSIONS,
    Certificate,
    ClassProgress,
    Dimension,
    EnrollmentProgress,
    Outcome,
    ProgressRollup,
    StaleRollup,
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
    "audit": AuditEntry._meta.db_table,
    "learner": Learner._meta.db_table,
    "rule": CompletionRule._meta.db_table,
    "ep": EnrollmentProgress._meta.db_table,
    "cp": ClassProgress._meta.db_table,
    "certificate": Certificate._meta.db_table,
    "rollup": ProgressRollup._meta.db_table,
    "target": Target._meta.db_table,
    "stale_rollup": StaleRollup._meta.db_table,
}


# The rule a class's enrolments are held against: its programme's (r), else the default row (d),
# else the built-in default bound as a parameter. One definition for every statement that reads it.
_RULE_JOINS = f"""LEFT JOIN {T["rule"]} r ON r.programme_id = c.programme_id
    LEFT JOIN {T["rule"]} d ON d.programme_id IS NULL"""
_RULE_POLICY = "COALESCE(r.excused_policy, d.excused_policy, %s)"
_RULE_MIN_PERCENT = "COALESCE(r.min_attendance_percent, d.min_attendance_percent, CAST(%s AS NUMERIC))"
_RULE_MIN_SCORE = "COALESCE(r.min_final_score, d.min_final_score, CAST(%s AS NUMERIC))"


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


def advisory_key(namespace: int, a: int, b: int = 0) -> int:
    """The namespace and two 28-bit ids packed into one bigint; ids beyond 2^28 would only share
    a lock with another id (more waiting, never less safety)."""
    return (namespace << 56) | ((a & 0xFFFFFFF) << 28) | (b & 0xFFFFFFF)


def advisory_xact_lock(namespace: int, a: int, b: int = 0, *, shared: bool = False) -> None:
    """Wait for an advisory lock (advisory_key) held until the transaction ends."""
    if vendor() != "postgresql":
        return
    key = advisory_key(namespace, a, b)
    function = "pg_advisory_xact_lock_shared" if shared else "pg_advisory_xact_lock"
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {function}(%s)", [key])


def transaction_tune() -> None:
    """Settings for the rest of the aggregation's transaction (PostgreSQL).

    No JIT: the target subqueries make the planner's cost estimates large enough to trigger JIT
    compilation, which takes longer (0.4-3 s a statement) than the statements themselves run.
    Random reads priced near sequential ones (the usual setting for SSDs and a cached working
    set): the statements read a province's rows through the class indexes, and at the default
    cost of 4 the planner hashes whole tables instead. No parallel workers: a rebuild runs the
    provinces side by side already, and a worker scanning a whole table for one province's rows
    takes a core from another province.
    """
    if vendor() == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(
                "SET LOCAL jit = off; SET LOCAL random_page_cost = 1.1; SET LOCAL max_parallel_workers_per_gather = 0"
            )


def rollup_statistics_refresh() -> None:
    """Fresh planner statistics of the rollup rows once a generation replaced them all: without
    them (autovacuum off, or not yet round) a province's report may be read through the wrong
    index, scanning every province's rows."""
    if vendor() == "postgresql":
        execute(f"ANALYZE {T['rollup']}", [])


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


def stale_rollup_insert(*, scopes: Sequence[int], now: datetime.datetime) -> list[int]:
    """Mark rollup scopes stale; returns those newly marked (whose refresh must be enqueued)."""
    if not scopes:
        return []
    values = ", ".join(["(%s, %s)"] * len(scopes))
    params: list[Any] = []
    for scope in scopes:
        params += [scope, db_datetime(now)]
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {T['stale_rollup']} (scope, marked_at) VALUES {values} "  # noqa: S608 - table name is ours; data is bound
            "ON CONFLICT (scope) DO NOTHING RETURNING scope",
            params,
        )
        return sorted(row[0] for row in cursor.fetchall())


# --- per enrolment and per class -------------------------------------------------------------


def rows_differ(left: str, right: str, columns: Sequence[str]) -> str:
    """Whether two rows differ in any of the columns, NULLs compared as values."""
    a = ", ".join(f"{left}.{c}" for c in columns)
    b = ", ".join(f"{right}.{c}" for c in columns)
    if vendor() == "postgresql":
        return f"({a}) IS DISTINCT FROM ({b})"
    return f"({a}) IS NOT ({b})"


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

    The arithmetic of enrollment.rules.completion, set-based (tests/reporting/test_completion_arithmetic.py
    compares the two): attended = present/late time in seconds (attended_seconds, else minutes x 60;
    "absent" counts none), each session capped at its planned minutes (overtime in one session
    cannot make up for another); excused = planned minutes of sessions marked excused; planned =
    all the class's sessions, past and future. The rule is the programme's, else the default
    row's, else the built-in values. meets_attendance compares seconds exactly
    (credited * 10000 >= min% * 100 * base), and the stored percentage is truncated, so 143 min
    50 s of 180 (79.9%) never shows as 80% nor passes. Minute columns are whole minutes, rounded down.
    """
    cte, params = scope_cte(classes)
    policy = _RULE_POLICY
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
           ROUND({_RULE_MIN_PERCENT} * 100) AS min_percent_x100,
           {_RULE_MIN_SCORE} AS min_score
    FROM {T["enrollment"]} e
    JOIN scope_classes sc ON sc.id = e.training_class_id
    JOIN {T["class"]} c ON c.id = e.training_class_id
    JOIN {T["curriculum"]} cur ON cur.id = c.curriculum_id
    {_RULE_JOINS}
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


# What follows from the enrolments' figures (their statuses, certificates, misfiled figures and the
# learner dimensions of the rollups) is computed from one read of the scope's enrolments
# (SYNC_TABLE: figures, status, certificate, the learner's position, gender and ethnicity), held
# in a temporary table until the transaction's work is done. Each step filters that small table
# first and touches a stored row only where something is to change, so a rebuild of unchanged
# data reads each enrolment, its learner and its certificate once and writes nothing. The
# statements that write re-check the stored values they change, in case a concurrent writer
# changed them since.
SYNC_TABLE = "reporting_progress_sync"


def progress_sync_prepare(classes: QuerySet[TrainingClass]) -> None:
    """Read the scope's enrolment figures as they now stand (after the upsert) into SYNC_TABLE."""
    cte, params = scope_cte(classes)
    execute(f"DROP TABLE IF EXISTS {SYNC_TABLE}", [])
    execute(
        f"""CREATE TEMPORARY TABLE {SYNC_TABLE} AS {cte}
SELECT ep.enrollment_id, ep.training_class_id, ep.outcome, ep.counted_luot,
       -- False for figures misfiled under a class the enrolment has left (or a deleted one). A
       -- column, not a comparison of two: the planner estimates a flag's share sensibly without
       -- statistics, the equality of two columns at one row in two hundred.
       COALESCE(e.training_class_id = ep.training_class_id, FALSE) AS in_class,
       e.status, cert.id AS certificate_id, cert.revoked_at,
       l.position_id, l.gender, l.is_ethnic_minority
FROM {T["ep"]} ep
JOIN scope_classes sc ON sc.id = ep.training_class_id
LEFT JOIN {T["enrollment"]} e ON e.id = ep.enrollment_id
LEFT JOIN {T["learner"]} l ON l.id = e.learner_id
LEFT JOIN {T["certificate"]} cert ON cert.enrollment_id = ep.enrollment_id""",  # noqa: S608 - table names are ours; data is bound
        params,
    )


def progress_sync_finish() -> None:
    execute(f"DROP TABLE {SYNC_TABLE}", [])


def enrollment_progress_orphans_delete() -> int:
    """Figures filed under a class in scope for an enrolment that has since moved to another
    class (its figures follow it there)."""
    return execute(
        f"""DELETE FROM {T["ep"]} WHERE enrollment_id IN (
  SELECT s.enrollment_id FROM {SYNC_TABLE} s WHERE NOT s.in_class)
AND NOT EXISTS (SELECT 1 FROM {T["enrollment"]} e
                WHERE e.id = {T["ep"]}.enrollment_id AND e.training_class_id = {T["ep"]}.training_class_id)""",  # noqa: S608 - table names are ours
        [],
    )


# The status each outcome gives an enrolment that is not waitlisted or withdrawn.
_STATUS_OF_OUTCOME = f"""CASE s.outcome WHEN '{Outcome.COMPLETED}' THEN '{EnrollmentStatus.COMPLETED}'
  WHEN '{Outcome.NOT_COMPLETED}' THEN '{EnrollmentStatus.NOT_COMPLETED}'
  ELSE '{EnrollmentStatus.ENROLLED}' END"""
_FOLLOWING = _quoted([EnrollmentStatus.ENROLLED, EnrollmentStatus.COMPLETED, EnrollmentStatus.NOT_COMPLETED])
_SETTING = _quoted([Outcome.COMPLETED, Outcome.NOT_COMPLETED, Outcome.IN_PROGRESS])


def _status_to_change(enrollment: str) -> str:
    """Which enrolments the aggregation moves to another status: those whose outcome gives another
    one (SYNC_TABLE as s; the stored status re-checked, in case a writer changed it since)."""
    return f"""s.in_class AND s.outcome IN ({_SETTING})
  AND s.status IN ({_FOLLOWING}) AND s.status <> {_STATUS_OF_OUTCOME}
  AND {enrollment}.status IN ({_FOLLOWING}) AND {enrollment}.status <> {_STATUS_OF_OUTCOME}"""


# An audit entry's source for the changes the aggregation makes.
AGGREGATION_SOURCE = "aggregation"


def _json_object(pairs: Sequence[tuple[str, str]]) -> str:
    """A JSON object built in SQL from (key, SQL expression) pairs, on either database."""
    function = "jsonb_build_object" if vendor() == "postgresql" else "json_object"
    arguments = ", ".join("'" + key + "', " + expression for key, expression in pairs)
    return f"{function}({arguments})"


def enrollment_statuses_update(
    *, now: datetime.datetime, default_policy: str, default_percent, default_score
) -> int:
    """Finished classes' enrolments become completed / not completed per the rule, those of a
    class reopened go back to enrolled. Waitlisted and withdrawn enrolments are never touched.

    Each change is written to the enrolments' audit history first, in the same transaction: the
    status before and after, the figures that decided it and the rule they were held against
    (the programme's, else the default one), so that a learner's completion can be explained."""
    e = T["enrollment"]
    after = _json_object(
        [
            ("status", _STATUS_OF_OUTCOME),
            ("outcome", "ep.outcome"),
            ("percent", "ep.percent"),
            ("credited_seconds", "ep.credited_seconds"),
            ("base_minutes", "ep.base_minutes"),
            ("final_score", "ep.final_score"),
            ("meets_attendance", "ep.meets_attendance"),
            ("meets_score", "ep.meets_score"),
            ("rule_min_attendance_percent", _RULE_MIN_PERCENT),
            ("rule_excused_policy", _RULE_POLICY),
            ("rule_min_final_score", _RULE_MIN_SCORE),
        ]
    )
    at = db_datetime(now)
    execute(
        f"""INSERT INTO {T["audit"]}
  (entity, entity_id, training_class_id, action, actor_id, at, before, after, source, reason)
SELECT 'enrollment', e.id, e.training_class_id, 'status', NULL, %s,
       {_json_object([("status", "e.status")])}, {after}, '{AGGREGATION_SOURCE}', ''
FROM {e} e
JOIN {SYNC_TABLE} s ON s.enrollment_id = e.id
JOIN {T["ep"]} ep ON ep.enrollment_id = e.id
JOIN {T["class"]} c ON c.id = e.training_class_id
{_RULE_JOINS}
WHERE {_status_to_change("e")}""",  # noqa: S608 - table names and enum values are ours; data is bound
        [at, default_percent, default_policy, default_score],
    )
    return execute(
        f"""UPDATE {e} SET status = {_STATUS_OF_OUTCOME}, status_changed_at = %s
FROM {SYNC_TABLE} s
WHERE s.enrollment_id = {e}.id
  AND {_status_to_change(e)}""",  # noqa: S608 - table names and enum values are ours; data is bound
        [at],
    )


def certificates_insert(*, now: datetime.datetime) -> int:
    """A certificate for each completed enrolment in scope that has none (a second run adds none).

    The number is filled by the caller in the same transaction, from the new row's id.
    """
    return execute(
        f"""INSERT INTO {T["certificate"]} (enrollment_id, number, verification_code, issued_at, revoked_at)
SELECT s.enrollment_id, NULL, {random_token_sql()}, %s, NULL
FROM {SYNC_TABLE} s
WHERE s.outcome = '{Outcome.COMPLETED}' AND s.certificate_id IS NULL AND s.in_class
ORDER BY s.enrollment_id
ON CONFLICT (enrollment_id) DO NOTHING""",  # noqa: S608 - table names and enum values are ours; data is bound
        [db_datetime(now)],
    )


def certificates_revocation_sync(*, now: datetime.datetime) -> int:
    """Revoke the certificates of enrolments no longer completed; reinstate (same number and
    code) those completed again."""
    c = T["certificate"]
    completed = f"s.outcome = '{Outcome.COMPLETED}'"
    revoked = execute(
        f"""UPDATE {c} SET revoked_at = %s
WHERE id IN (SELECT s.certificate_id FROM {SYNC_TABLE} s
             WHERE s.certificate_id IS NOT NULL AND s.revoked_at IS NULL AND NOT ({completed})
               AND s.in_class)
  AND revoked_at IS NULL""",  # noqa: S608 - table names and enum values are ours; data is bound
        [db_datetime(now)],
    )
    reinstated = execute(
        f"""UPDATE {c} SET revoked_at = NULL
WHERE id IN (SELECT s.certificate_id FROM {SYNC_TABLE} s
             WHERE s.certificate_id IS NOT NULL AND s.revoked_at IS NOT NULL AND {completed}
               AND s.in_class)
  AND revoked_at IS NOT NULL""",  # noqa: S608 - table names and enum values are ours
        [],
    )
    return revoked + reinstated


# --- rollups -----------------------------------------------------------------------------------
# --- rollups -----------------------------------------------------------------------------------
#
# Each rollup statement is one INSERT ... SELECT: an inner query of measures grouped by the row's
# key (the "measures" below), wrapped by rollup_insert() which adds, in the same statement, the
# target (correlated subqueries on the few targets), the ratios and the pace (a join to a small
# table of periods). Rows are written once and never updated in place, except by a target change.

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
    with_target = _quoted(
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


def _rate(numerator: str, target: str) -> str:
    return f"CASE WHEN {target} > 0 THEN ROUND({numerator} * 100.0 / {target}, 2) END"


def _projected(achieved: str, millionths: str) -> str:
    """Achieved lượt over the elapsed fraction, in integer arithmetic so both databases agree."""
    return f"CASE WHEN {millionths} > 0 THEN (CAST({achieved} AS BIGINT) * 1000000 + {millionths} / 2) / {millionths} END"


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
    projected = _projected("t.achieved_luot", "p.millionths")
    # MATERIALIZED: computed once per row, rather than the planner copying the target's subqueries
    # into each expression that uses it (slow to plan).
    sql = f"""WITH t AS MATERIALIZED (SELECT m.*, {target_case("m")} AS target FROM ({measures}) m)
INSERT INTO {T["rollup"]} ({ROLLUP_KEY_COLUMNS}, code, label, {ROLLUP_MEASURES}, {ROLLUP_DERIVED})
SELECT t.generation_id, t.scope_province_id, t.programme_id, t.level, t.year, t.dimension, t.key, t.key_id,
       t.code, t.label, t.achieved_luot, t.enrolled, t.in_progress, t.not_completed,
       t.classes_planned, t.classes_started, t.classes_held, t.spending_million_vnd,
       t.target, {_rate("t.achieved_luot", "t.target")},
       CASE WHEN t.achieved_luot > 0 AND t.spending_million_vnd IS NOT NULL
            THEN ROUND(t.spending_million_vnd * 1.0 / t.achieved_luot, 3) END,
       p.period_start, p.period_end, p.millionths / 10000.0,
       {projected}, CASE WHEN p.millionths > 0 THEN {_rate(projected, "t.target")} END,
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
  rate_percent = {_rate("achieved_luot", target)},
  projected_rate_percent = {_rate("projected_luot", target)}
WHERE {where}"""  # noqa: S608 - table names and enum values are ours; data is bound
    return execute(sql, params)
