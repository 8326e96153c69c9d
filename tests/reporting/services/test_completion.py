"""Completion: hand-computed percentages, thresholds, excused policies, scores and lượt.

Classes have five sessions of 60 planned minutes (300 minutes) unless a case says otherwise.
"""

from decimal import Decimal

import pytest

from courses.models import ClassStatus
from enrollment.models import AttendanceStatus, CompletionRule, Enrollment, EnrollmentStatus, ExcusedPolicy
from reporting.models import ClassProgress, EnrollmentProgress, Outcome
from tests.factories import LearnerFactory
from tests.reporting.conftest import attend, attend_all, enrol, make_class, national, recompute
from tests.roles import client_as

pytestmark = pytest.mark.django_db

EXCUSED = AttendanceStatus.EXCUSED
ABSENT = AttendanceStatus.ABSENT


def progress(enrollment: Enrollment) -> EnrollmentProgress:
    return EnrollmentProgress.objects.get(pk=enrollment.pk)


def test_each_completed_enrolment_counts_one_luot(programme):
    training_class = make_class(programme=programme)
    completed = [enrol(training_class) for _ in range(3)]
    for enrollment in completed:
        attend_all(enrollment, 60)
    short = enrol(training_class)
    attend(short, [60, 60, 60, None, None])  # 180 / 300 = 60%
    recompute(training_class)

    assert [progress(e).counted_luot for e in completed] == [1, 1, 1]
    assert progress(short).counted_luot == 0
    assert progress(short).outcome == Outcome.NOT_COMPLETED
    class_figures = ClassProgress.objects.get(pk=training_class.pk)
    assert (class_figures.enrolled, class_figures.completed_luot, class_figures.not_completed) == (4, 3, 1)
    total = national(programme)
    assert (total.achieved_luot, total.enrolled, total.not_completed, total.in_progress) == (3, 4, 1, 0)


def test_one_person_completing_two_classes_counts_twice(programme):
    learner = LearnerFactory()
    first, second = make_class(programme=programme), make_class(programme=programme)
    for training_class in (first, second):
        attend_all(enrol(training_class, learner=learner), 60)
    recompute(first, second)

    assert national(programme).achieved_luot == 2
    assert national(programme).classes_held == 2


@pytest.mark.parametrize("status", [EnrollmentStatus.WITHDRAWN, EnrollmentStatus.WAITLISTED])
def test_withdrawn_and_waitlisted_count_zero_whatever_their_attendance(programme, status):
    training_class = make_class(programme=programme)
    enrollment = enrol(training_class, status=status)
    attend_all(enrollment, 60)
    recompute(training_class)

    figures = progress(enrollment)
    assert figures.percent == Decimal("100.00")
    assert (figures.counted_luot, figures.meets_rule, figures.outcome) == (0, False, status)
    enrollment.refresh_from_db()
    assert enrollment.status == status  # never turned into completed
    total = national(programme)
    assert (total.achieved_luot, total.enrolled) == (0, 0)
    assert not hasattr(enrollment, "certificate")


@pytest.mark.parametrize(
    ("attended", "percent", "counted"),
    [(799, "79.90", 0), (800, "80.00", 1), (7999, "79.99", 0), (8000, "80.00", 1)],
)
def test_the_80_percent_threshold_is_exact(programme, attended, percent, counted):
    # 799 of 1000 minutes is 79.9%; 7999 of 10000 is 79.99%, shown truncated, never as 80.00.
    total = 1000 if attended < 1000 else 10000
    training_class = make_class(programme=programme, minutes=[total // 5] * 5)
    enrollment = enrol(training_class)
    session, per_session = total // 5, []
    for _ in range(5):
        per_session.append(min(session, attended - sum(per_session)))
    attend(enrollment, per_session)
    recompute(training_class)

    figures = progress(enrollment)
    assert figures.percent == Decimal(percent)
    assert figures.counted_luot == counted
    assert figures.meets_attendance is bool(counted)


def test_minutes_beyond_a_session_are_capped_and_late_counts(programme):
    training_class = make_class(programme=programme)
    enrollment = enrol(training_class)
    # 90 minutes in a 60-minute session count 60: overtime does not make up for a missed session.
    attend(enrollment, [90, 90, 90, None, None])
    late = enrol(training_class)
    attend(late, [60, 60, 60, 60, 45], status=AttendanceStatus.LATE)
    recompute(training_class)

    assert (progress(enrollment).attended_minutes, progress(enrollment).percent) == (180, Decimal("60.00"))
    assert (progress(late).attended_minutes, progress(late).counted_luot) == (285, 1)


@pytest.mark.parametrize(
    ("policy", "credited", "base", "percent", "counted"),
    [
        # three sessions present (180), one excused (60), one absent: 180 / 300
        (ExcusedPolicy.ABSENT, 180, 300, "60.00", 0),
        # the excused session counts as attended: 240 / 300
        (ExcusedPolicy.ATTENDED, 240, 300, "80.00", 1),
        # the excused session leaves the denominator: 180 / 240
        (ExcusedPolicy.EXCLUDED, 180, 240, "75.00", 0),
    ],
)
def test_excused_absences_follow_the_programmes_policy(programme, policy, credited, base, percent, counted):
    CompletionRule.objects.create(programme=programme, excused_policy=policy)
    training_class = make_class(programme=programme)
    enrollment = enrol(training_class)
    attend(enrollment, [60, 60, 60, EXCUSED, ABSENT])
    recompute(training_class)

    figures = progress(enrollment)
    assert (figures.attended_minutes, figures.excused_minutes, figures.planned_minutes) == (180, 60, 300)
    assert (figures.credited_minutes, figures.base_minutes) == (credited, base)
    assert figures.percent == Decimal(percent)
    assert figures.counted_luot == counted


def test_excluded_policy_with_every_session_excused_is_not_completed(programme):
    CompletionRule.objects.create(programme=programme, excused_policy=ExcusedPolicy.EXCLUDED)
    training_class = make_class(programme=programme)
    enrollment = enrol(training_class)
    attend(enrollment, [EXCUSED] * 5)
    recompute(training_class)

    assert (progress(enrollment).base_minutes, progress(enrollment).percent) == (0, Decimal("0"))
    assert progress(enrollment).counted_luot == 0


@pytest.mark.parametrize(
    ("score", "counted"), [(None, 0), ("4.99", 0), ("5.00", 1), ("9.50", 1)], ids=["none", "4.99", "5", "9.5"]
)
def test_score_applies_where_the_curriculum_has_a_final_assessment(programme, score, counted):
    assessed = make_class(programme=programme, assessed=True)
    not_assessed = make_class(programme=programme, assessed=False)
    with_assessment = enrol(assessed, score=score)
    without_assessment = enrol(not_assessed, score=score)
    attend_all(with_assessment, 60)
    attend_all(without_assessment, 60)
    recompute(assessed, not_assessed)

    assert progress(with_assessment).counted_luot == counted
    assert progress(with_assessment).meets_score is bool(counted)
    assert progress(without_assessment).counted_luot == 1  # no assessment: the score is ignored


def test_rule_of_the_programme_then_the_default_row_then_built_in(programme):
    from tests.factories import ProgrammeFactory

    other = ProgrammeFactory()
    own, defaulted = make_class(programme=programme), make_class(programme=other)
    outside = make_class(programme=None)
    learners = {c.pk: enrol(c) for c in (own, defaulted, outside)}
    for enrollment in learners.values():
        attend(enrollment, [60, 60, 60, 45, None])  # 225 / 300 = 75%
    recompute(own, defaulted, outside)
    assert [progress(e).counted_luot for e in learners.values()] == [0, 0, 0]  # built-in 80%

    CompletionRule.objects.create(programme=None, min_attendance_percent=Decimal("70"))
    CompletionRule.objects.create(programme=programme, min_attendance_percent=Decimal("90"))
    recompute(own, defaulted, outside)
    assert progress(learners[own.pk]).counted_luot == 0  # the programme's 90%
    assert progress(learners[defaulted.pk]).counted_luot == 1  # the default row's 70%
    assert progress(learners[outside.pk]).counted_luot == 1


def test_a_running_class_shows_the_live_percentage_and_counts_nothing_yet(programme):
    training_class = make_class(programme=programme, status=ClassStatus.RUNNING)
    enrollment = enrol(training_class)
    attend(enrollment, [60, 60])
    recompute(training_class)

    figures = progress(enrollment)
    # Over all five sessions, past and future: 120 / 300.
    assert (figures.percent, figures.outcome, figures.counted_luot) == (
        Decimal("40.00"),
        Outcome.IN_PROGRESS,
        0,
    )
    enrollment.refresh_from_db()
    assert enrollment.status == EnrollmentStatus.ENROLLED
    total = national(programme)
    assert (total.achieved_luot, total.in_progress, total.classes_started, total.classes_held) == (0, 1, 1, 0)

    attend(enrollment, [60, 60, 60, 60, 60])
    recompute(training_class)
    assert progress(enrollment).meets_rule is True  # would complete, but the class has not finished
    assert progress(enrollment).counted_luot == 0


def test_finishing_sets_enrolment_statuses_and_reopening_puts_them_back(programme):
    training_class = make_class(programme=programme, status=ClassStatus.RUNNING)
    passed, failed = enrol(training_class), enrol(training_class)
    withdrawn = enrol(training_class, status=EnrollmentStatus.WITHDRAWN)
    attend_all(passed, 60)
    attend(failed, [60])

    def statuses():
        return [Enrollment.objects.get(pk=e.pk).status for e in (passed, failed, withdrawn)]

    training_class.status = ClassStatus.FINISHED
    training_class.save()
    recompute(training_class)
    assert statuses() == ["completed", "not_completed", "withdrawn"]
    assert national(programme).achieved_luot == 1

    training_class.status = ClassStatus.RUNNING  # reopened to correct attendance
    training_class.save()
    recompute(training_class)
    assert statuses() == ["enrolled", "enrolled", "withdrawn"]
    assert national(programme).achieved_luot == 0

    training_class.status = ClassStatus.CLOSED
    training_class.save()
    recompute(training_class)
    assert statuses() == ["completed", "not_completed", "withdrawn"]
    assert national(programme).achieved_luot == 1


def test_a_class_without_sessions_completes_nobody(programme):
    training_class = make_class(programme=programme, minutes=())
    enrollment = enrol(training_class)
    recompute(training_class)

    assert (progress(enrollment).planned_minutes, progress(enrollment).counted_luot) == (0, 0)
    assert ClassProgress.objects.get(pk=training_class.pk).planned_sessions == 0


def test_recomputing_twice_changes_nothing_but_the_revision(programme):
    training_class = make_class(programme=programme)
    for _ in range(3):
        attend_all(enrol(training_class), 60)
    recompute(training_class)
    first = list(EnrollmentProgress.objects.order_by("pk").values("pk", "percent", "counted_luot", "outcome"))
    recompute(training_class)

    assert (
        list(EnrollmentProgress.objects.order_by("pk").values("pk", "percent", "counted_luot", "outcome"))
        == first
    )
    assert ClassProgress.objects.get(pk=training_class.pk).revision == 2
    assert national(programme).achieved_luot == 3


def test_every_status_the_aggregation_sets_is_in_the_audit_history_with_its_figures_and_rule(
    programme, central_admin
):
    """Issue 11: the aggregation moved enrolments to completed or not completed without a word in
    their history. Each change now says who (nobody: the aggregation), the figures and the rule."""
    CompletionRule.objects.update_or_create(
        programme=programme,
        defaults={"min_attendance_percent": Decimal("70"), "excused_policy": ExcusedPolicy.ABSENT},
    )
    training_class = make_class(programme=programme, status=ClassStatus.RUNNING)
    passed, failed = enrol(training_class), enrol(training_class)
    attend(passed, [60, 60, 60, 60])  # 240 of 300 minutes: 80% against a 70% rule
    attend(failed, [60])
    recompute(training_class)  # running: nothing decided, nothing written
    client = client_as(central_admin)

    def aggregation_entries(enrollment):
        response = client.get(f"/api/v1/enrollments/{enrollment.pk}/history")
        assert response.status_code == 200, response.content
        rows = response.json()["results"] if isinstance(response.json(), dict) else response.json()
        return [row for row in rows if row["source"] == "aggregation"]

    assert aggregation_entries(passed) == []

    training_class.status = ClassStatus.FINISHED
    training_class.save()
    recompute(training_class)
    [entry] = aggregation_entries(passed)
    assert entry["actor"] is None and entry["action"] == "status"
    assert entry["before"] == {"status": "enrolled"}
    after = entry["after"]
    assert after["status"] == "completed" and after["outcome"] == "completed"
    assert Decimal(str(after["percent"])) == Decimal("80.00")
    assert after["credited_seconds"] == 240 * 60 and after["base_minutes"] == 300
    assert Decimal(str(after["rule_min_attendance_percent"])) == Decimal("70")
    assert after["rule_excused_policy"] == ExcusedPolicy.ABSENT
    [entry] = aggregation_entries(failed)
    assert (entry["before"]["status"], entry["after"]["status"]) == ("enrolled", "not_completed")
    assert Decimal(str(entry["after"]["percent"])) == Decimal("20.00")

    recompute(training_class)  # nothing changes: nothing written again
    assert len(aggregation_entries(passed)) == 1

    training_class.status = ClassStatus.RUNNING  # reopened: back to enrolled, also recorded
    training_class.save()
    recompute(training_class)
    latest = aggregation_entries(passed)[0]
    assert (latest["before"]["status"], latest["after"]["status"]) == ("completed", "enrolled")
