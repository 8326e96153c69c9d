"""When an enrolment completes: the completion rule's arithmetic, in one place.

Every figure follows these rules: the aggregation's SQL
(reporting.services.sql_progress.enrollment_progress_upsert, which implements exactly this
arithmetic set-based and is compared with it in
tests/reporting/services/test_completion_arithmetic.py), a learner's own progress, the roster rates and
every export.

* **The rule** is the class's programme's `CompletionRule`, else the default row (no programme),
  else the built-in values (80%, excused counted as absent, score 5): `completion_terms`.
* **Attended time** is counted in seconds: a record's `attended_seconds` where the source measured
  them, else its whole `minutes` x 60. Only records marked present or late count, each capped at its
  session's planned minutes (overtime in one session does not make up for another). Minutes under
  "absent" count 0 everywhere: the status is the session's verdict, the minutes its evidence.
* **Excused** sessions contribute their planned minutes as excused time; the rule's policy credits
  them as attended, leaves them out of the base, or counts them as absent.
* **The base** is the planned minutes of all the class's sessions, past and future (less the
  excused ones under the "excluded" policy).
* **Attendance is met** when credited x 10000 >= min% x 100 x base, compared exactly in integers,
  so 79.99% never passes an 80% rule. **The percentage** is truncated to two decimals, and shown
  with one decimal, truncated too (`percent_display`): a figure under the threshold never shows
  as the threshold.
* **The score** is met where the curriculum has no final assessment, or the score reaches the rule's.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import ROUND_DOWN, Decimal

from django.db.models import (
    Case,
    CharField,
    DecimalField,
    ExpressionWrapper,
    F,
    FloatField,
    IntegerField,
    OuterRef,
    Q,
    Subquery,
    Value,
    When,
)
from django.db.models.functions import Cast, Coalesce, Least

from enrollment.models import (
    DEFAULT_EXCUSED_POLICY,
    DEFAULT_MIN_ATTENDANCE_PERCENT,
    DEFAULT_MIN_FINAL_SCORE,
    AttendanceStatus,
    CompletionRule,
    ExcusedPolicy,
)

# Statuses whose time counts as attended; "absent" counts none, whatever minutes it carries.
COUNTED_STATUSES = (AttendanceStatus.PRESENT, AttendanceStatus.LATE)


@dataclass(frozen=True)
class CompletionTerms:
    """The values of the rule that governs a class."""

    min_attendance_percent: Decimal = DEFAULT_MIN_ATTENDANCE_PERCENT
    excused_policy: str = DEFAULT_EXCUSED_POLICY.value
    min_final_score: Decimal = DEFAULT_MIN_FINAL_SCORE

    @property
    def min_percent_x100(self) -> int:
        """The threshold in hundredths of a percent, as the SQL rounds it (ROUND(min% * 100))."""
        return int((self.min_attendance_percent * 100).quantize(Decimal("1")))


def completion_rules_for(programme_ids: Iterable[int | None]) -> dict[int | None, CompletionRule]:
    """The rule row governing each programme's classes, in one query: its own, else the default
    row, else the built-in values (an unsaved rule)."""
    wanted = set(programme_ids)
    rules = {
        rule.programme_id: rule
        for rule in CompletionRule.objects.filter(
            Q(programme_id__in=[pk for pk in wanted if pk is not None]) | Q(programme=None)
        )
    }
    return {pk: rules.get(pk) or rules.get(None) or CompletionRule() for pk in wanted}


def completion_rule_for(programme_id: int | None) -> CompletionRule:
    return completion_rules_for([programme_id])[programme_id]


def _terms_of(rule: CompletionRule) -> CompletionTerms:
    return CompletionTerms(
        min_attendance_percent=Decimal(rule.min_attendance_percent),
        excused_policy=rule.excused_policy,
        min_final_score=Decimal(rule.min_final_score),
    )


def completion_terms(programme_id: int | None) -> CompletionTerms:
    return _terms_of(completion_rule_for(programme_id))


def completion_terms_of(programme_ids: Iterable[int | None]) -> dict[int | None, CompletionTerms]:
    """The terms of several programmes' classes, in one query."""
    return {pk: _terms_of(rule) for pk, rule in completion_rules_for(programme_ids).items()}


def rule_annotations(programme_ref: str = "programme_id") -> dict:
    """The rule's values as subqueries over a queryset whose rows name a programme (`programme_ref`):
    its own rule, else the default row, else the built-in values. Read with `terms_from_row`."""
    rules = CompletionRule.objects.order_by()

    def value(field: str, default, output_field):
        return Coalesce(
            Subquery(rules.filter(programme_id=OuterRef(programme_ref)).values(field)[:1]),
            Subquery(rules.filter(programme=None).values(field)[:1]),
            Value(default),
            output_field=output_field,
        )

    return {
        "rule_min_attendance_percent": value(
            "min_attendance_percent",
            DEFAULT_MIN_ATTENDANCE_PERCENT,
            DecimalField(max_digits=5, decimal_places=2),
        ),
        "rule_excused_policy": value("excused_policy", DEFAULT_EXCUSED_POLICY.value, CharField()),
        "rule_min_final_score": value(
            "min_final_score", DEFAULT_MIN_FINAL_SCORE, DecimalField(max_digits=4, decimal_places=2)
        ),
    }


def terms_from_row(row: dict) -> CompletionTerms:
    return CompletionTerms(
        min_attendance_percent=Decimal(row["rule_min_attendance_percent"]),
        excused_policy=row["rule_excused_policy"],
        min_final_score=Decimal(row["rule_min_final_score"]),
    )


def record_seconds(*, status: str, attended_seconds: int | None, minutes: int, planned_minutes: int) -> int:
    """The attended seconds one record contributes: present/late only, capped at the planned minutes."""
    if status not in COUNTED_STATUSES:
        return 0
    seconds = attended_seconds if attended_seconds is not None else minutes * 60
    return min(seconds, planned_minutes * 60)


@dataclass(frozen=True)
class AttendanceRecord:
    status: str
    attended_seconds: int | None
    minutes: int
    planned_minutes: int  # of the record's session


@dataclass(frozen=True)
class AttendanceFigures:
    planned_seconds: int
    attended_seconds: int
    excused_seconds: int
    credited_seconds: int
    base_seconds: int
    required_seconds: int  # the fewest credited seconds that meet the rule (0 if nothing planned)
    percent: Decimal  # credited / base, truncated to two decimals
    meets_attendance: bool

    @property
    def attended_minutes(self) -> int:
        """Whole minutes, rounded down: never more than was attended."""
        return self.attended_seconds // 60

    @property
    def credited_minutes(self) -> int:
        return self.credited_seconds // 60

    @property
    def base_minutes(self) -> int:
        return self.base_seconds // 60

    @property
    def required_minutes(self) -> int:
        """Rounded up: the minutes asked for are never fewer than the rule's."""
        return math.ceil(self.required_seconds / 60)

    @property
    def remaining_minutes(self) -> int:
        return math.ceil(max(self.required_seconds - self.credited_seconds, 0) / 60)

    @property
    def rate(self) -> float:
        """The percentage as a fraction (0.0 to 1.0), truncated like it."""
        return float(self.percent / 100)


def percent_of(credited_seconds: int, base_seconds: int) -> Decimal:
    """credited / base in percent, truncated to two decimals (integer arithmetic, as the SQL)."""
    if base_seconds <= 0:
        return Decimal("0.00")
    return Decimal(credited_seconds * 10000 // base_seconds) / 100


def attendance_meets(terms: CompletionTerms, *, credited_seconds: int, base_seconds: int) -> bool:
    return base_seconds > 0 and credited_seconds * 10000 >= terms.min_percent_x100 * base_seconds


def attendance_figures(
    terms: CompletionTerms, *, planned_minutes: int, records: Iterable[AttendanceRecord]
) -> AttendanceFigures:
    """One enrolment's figures from its class's planned minutes and its attendance records."""
    attended = excused = 0
    for record in records:
        attended += record_seconds(
            status=record.status,
            attended_seconds=record.attended_seconds,
            minutes=record.minutes,
            planned_minutes=record.planned_minutes,
        )
        if record.status == AttendanceStatus.EXCUSED:
            excused += record.planned_minutes * 60
    return figures_from_totals(
        terms, planned_seconds=planned_minutes * 60, attended=attended, excused=excused
    )


def figures_from_totals(
    terms: CompletionTerms, *, planned_seconds: int, attended: int, excused: int
) -> AttendanceFigures:
    """The figures from the totals of counted attended seconds and excused seconds."""
    credited = attended + (excused if terms.excused_policy == ExcusedPolicy.ATTENDED else 0)
    base = planned_seconds - (excused if terms.excused_policy == ExcusedPolicy.EXCLUDED else 0)
    required = math.ceil(terms.min_percent_x100 * base / 10000) if base > 0 else 0
    return AttendanceFigures(
        planned_seconds=planned_seconds,
        attended_seconds=attended,
        excused_seconds=excused,
        credited_seconds=credited,
        base_seconds=base,
        required_seconds=required,
        percent=percent_of(credited, base),
        meets_attendance=attendance_meets(terms, credited_seconds=credited, base_seconds=base),
    )


def score_meets(terms: CompletionTerms, *, has_final_assessment: bool, final_score) -> bool:
    return not has_final_assessment or (
        final_score is not None and Decimal(final_score) >= terms.min_final_score
    )


def percent_truncated(percent) -> Decimal:
    """A percentage to one decimal, truncated: 79.99 is 79.9, never the 80 a threshold asks for."""
    return Decimal(str(percent)).quantize(Decimal("0.1"), rounding=ROUND_DOWN)


def percent_display(percent) -> str:
    """A percentage as people read it: "79.9 %" (one decimal, truncated)."""
    return f"{percent_truncated(percent)} %"


# --- the same per-record arithmetic as ORM expressions, for figures computed in SQL -----------


def counted_seconds_expression(prefix: str = "") -> Case:
    """A record's counted attended seconds (record_seconds), for an Attendance query (`prefix`
    is the path to the record, e.g. "attendance__")."""
    seconds = Coalesce(F(f"{prefix}attended_seconds"), F(f"{prefix}minutes") * 60)
    return Case(
        When(
            Q(**{f"{prefix}status__in": COUNTED_STATUSES}),
            then=Least(seconds, F(f"{prefix}session__planned_minutes") * 60),
        ),
        default=Value(0),
        output_field=IntegerField(),
    )


def excused_seconds_expression(prefix: str = "") -> Case:
    return Case(
        When(
            Q(**{f"{prefix}status": AttendanceStatus.EXCUSED}),
            then=F(f"{prefix}session__planned_minutes") * 60,
        ),
        default=Value(0),
        output_field=IntegerField(),
    )


def attendance_rate_expression(credited: str = "credited_seconds", base: str = "base_seconds") -> Case:
    """percent_of as a fraction (0.0 to 1.0), over annotated credited and base seconds: the
    hundredths of a percent by integer division on both databases, so truncated like it (79.99%
    is never 80%); 0.0 when nothing is planned yet."""
    return Case(
        When(
            **{f"{base}__gt": 0},
            then=Cast(
                ExpressionWrapper(F(credited) * 10000 / F(base), output_field=IntegerField()), FloatField()
            )
            / Value(10000.0),
        ),
        default=Value(0.0),
        output_field=FloatField(),
    )
