"""The completion arithmetic is implemented twice, in Python (enrollment.rules.completion: a learner's own
progress, the roster) and set-based in SQL (reporting.services.sql_progress: the official figures). Each edge case
here goes through both, and every figure must agree."""

from decimal import Decimal

import pytest

from enrollment.models import Attendance, AttendanceSource, CompletionRule
from enrollment.rules.completion import AttendanceRecord, attendance_figures, completion_terms
from reporting.models import EnrollmentProgress
from tests.reporting.conftest import enrol, make_class, recompute

pytestmark = pytest.mark.django_db

P, L, A, E = "present", "late", "absent", "excused"

# (planned minutes of the sessions, records as (status, minutes, seconds) or None, rule %, policy)
CASES = {
    "one second under 80%": ((180,), [(P, 143, 8639)], "80", "absent"),
    "exactly 80%": ((180,), [(P, 144, 8640)], "80", "absent"),
    "one second over 80%": ((180,), [(P, 144, 8641)], "80", "absent"),
    "the issue's 143 min 50 s": ((180,), [(P, 143, 8630)], "80", "absent"),
    "whole minutes only": ((60, 60, 60), [(P, 48, None), (L, 48, None), (P, 48, None)], "80", "absent"),
    "overtime is capped per session": ((60, 60), [(P, 90, 5400), (A, 0, None)], "50", "absent"),
    "absent minutes count nothing": ((60, 60), [(P, 60, None), (A, 45, 2700)], "75", "absent"),
    "excused as attended": ((60, 60, 60), [(P, 60, None), (E, 0, None), (P, 30, 1799)], "80", "attended"),
    "excused excluded": ((60, 60, 60), [(P, 60, None), (E, 0, None), (P, 47, 2879)], "90", "excluded"),
    "excused excluded, all excused": ((60,), [(E, 0, None)], "80", "excluded"),
    "excused as absent": ((60, 60), [(P, 60, None), (E, 0, None)], "50", "absent"),
    "a fractional threshold": ((70, 50), [(P, 70, None), (P, 20, 1161)], "75.05", "absent"),
    "a zero threshold with nothing attended": ((60,), [None], "0", "absent"),
    "no session planned": ((), [], "80", "absent"),
    "a 100% threshold one second short": ((30, 30), [(P, 30, None), (P, 29, 1799)], "100", "absent"),
}


@pytest.mark.parametrize("case", CASES.values(), ids=CASES.keys())
def test_the_python_and_the_sql_arithmetic_agree(programme, case):
    planned, records, percent, policy = case
    CompletionRule.objects.create(
        programme=programme, min_attendance_percent=Decimal(percent), excused_policy=policy
    )
    training_class = make_class(programme=programme, minutes=planned)
    enrollment = enrol(training_class)
    sessions = list(training_class.sessions.order_by("starts_at"))
    python_records = []
    for session, record in zip(sessions, records, strict=True):
        if record is None:
            continue
        status, minutes, seconds = record
        Attendance.objects.create(
            session=session,
            enrollment=enrollment,
            status=status,
            minutes=minutes,
            attended_seconds=seconds,
            source=AttendanceSource.INTEGRATION,
        )
        python_records.append(AttendanceRecord(status, seconds, minutes, session.planned_minutes))
    recompute(training_class)

    sql = EnrollmentProgress.objects.get(pk=enrollment.pk)
    python = attendance_figures(
        completion_terms(programme.pk), planned_minutes=sum(planned), records=python_records
    )
    assert (
        sql.planned_minutes,
        sql.attended_seconds,
        sql.attended_minutes,
        sql.excused_minutes,
        sql.credited_seconds,
        sql.credited_minutes,
        sql.base_minutes,
        sql.percent,
        sql.meets_attendance,
    ) == (
        python.planned_seconds // 60,
        python.attended_seconds,
        python.attended_minutes,
        python.excused_seconds // 60,
        python.credited_seconds,
        python.credited_minutes,
        python.base_minutes,
        python.percent,
        python.meets_attendance,
    )


def test_the_edges_fall_on_the_right_side():
    """The hand-computed answers of the cases above, so that the two cannot agree on a wrong one."""
    terms = completion_terms(None)  # the built-in 80%

    def figures(seconds):
        return attendance_figures(terms, planned_minutes=180, records=[AttendanceRecord(P, seconds, 0, 180)])

    assert (figures(8639).percent, figures(8639).meets_attendance) == (Decimal("79.99"), False)
    assert (figures(8640).percent, figures(8640).meets_attendance) == (Decimal("80.00"), True)
    assert (figures(8630).percent, figures(8630).attended_minutes) == (Decimal("79.90"), 143)
    assert figures(8639).required_minutes == 144
    assert figures(8639).remaining_minutes == 1
