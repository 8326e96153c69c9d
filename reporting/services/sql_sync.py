"""The SQL of what follows from the enrolments' figures: their statuses (with their audit
history), their certificates, and figures misfiled under a class the enrolment has left."""

from __future__ import annotations

import datetime
from collections.abc import Sequence

from django.db.models import QuerySet

from courses.models import TrainingClass
from enrollment.models import EnrollmentStatus
from reporting.models import Outcome
from reporting.services.sql import (
    RULE_JOINS,
    RULE_MIN_PERCENT,
    RULE_MIN_SCORE,
    RULE_POLICY,
    T,
    db_datetime,
    execute,
    quoted,
    random_token_sql,
    scope_cte,
    vendor,
)

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
_FOLLOWING = quoted([EnrollmentStatus.ENROLLED, EnrollmentStatus.COMPLETED, EnrollmentStatus.NOT_COMPLETED])
_SETTING = quoted([Outcome.COMPLETED, Outcome.NOT_COMPLETED, Outcome.IN_PROGRESS])


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
            ("rule_min_attendance_percent", RULE_MIN_PERCENT),
            ("rule_excused_policy", RULE_POLICY),
            ("rule_min_final_score", RULE_MIN_SCORE),
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
{RULE_JOINS}
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
