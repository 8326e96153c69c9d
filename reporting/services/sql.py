"""The SQL of the aggregation: set-based statements that run on PostgreSQL and on SQLite.

This module holds what every statement shares: the tables, the completion rule's joins, the
dialect helpers, the advisory locks and the scope CTE. The statements are in sql_progress (each
enrolment's and class's figures), sql_sync (statuses, certificates and misfiled figures that
follow from them) and sql_rollups (the rows the reports read).

Each step is one INSERT ... SELECT ... GROUP BY (or one UPDATE) over the rows in scope, never a
Python loop over rows. Scope is a set of classes given as an ORM queryset of ids and placed in a
CTE (`scope_classes`, joined rather than used in IN (...): the planner then estimates a
province's few classes and reads by index instead of scanning whole tables), so one text serves one class (the incremental job) and a whole province
(the rebuild): incremental updates and rebuilds cannot drift apart.

Both databases accept everything used here: CTEs before INSERT, INSERT ... SELECT ... ON CONFLICT
DO UPDATE (SQLite needs a WHERE in that SELECT to parse it), CASE, COALESCE, CAST(... AS TEXT).
The few dialect differences (the year of a date, a random token, advisory locks) are the helpers
below; numbers bound as parameters go through CAST(... AS NUMERIC) because SQLite compares a
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
    Certificate,
    ClassProgress,
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
RULE_JOINS = f"""LEFT JOIN {T["rule"]} r ON r.programme_id = c.programme_id
    LEFT JOIN {T["rule"]} d ON d.programme_id IS NULL"""
RULE_POLICY = "COALESCE(r.excused_policy, d.excused_policy, %s)"
RULE_MIN_PERCENT = "COALESCE(r.min_attendance_percent, d.min_attendance_percent, CAST(%s AS NUMERIC))"
RULE_MIN_SCORE = "COALESCE(r.min_final_score, d.min_final_score, CAST(%s AS NUMERIC))"


def quoted(values) -> str:
    """A literal list of our own enum values (never user input) for an IN (...)."""
    return ", ".join(f"'{v}'" for v in values)


INACTIVE = quoted([EnrollmentStatus.WAITLISTED, EnrollmentStatus.WITHDRAWN])
FINISHED = quoted([ClassStatus.FINISHED, ClassStatus.CLOSED])
STARTED = quoted([ClassStatus.RUNNING, ClassStatus.FINISHED, ClassStatus.CLOSED])
ATTENDED = quoted([AttendanceStatus.PRESENT, AttendanceStatus.LATE])
INACTIVE_OUTCOMES = quoted([Outcome.WAITLISTED, Outcome.WITHDRAWN])


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


def rows_differ(left: str, right: str, columns: Sequence[str]) -> str:
    """Whether two rows differ in any of the columns, NULLs compared as values."""
    a = ", ".join(f"{left}.{c}" for c in columns)
    b = ", ".join(f"{right}.{c}" for c in columns)
    if vendor() == "postgresql":
        return f"({a}) IS DISTINCT FROM ({b})"
    return f"({a}) IS NOT ({b})"
