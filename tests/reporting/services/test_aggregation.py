"""Rollups: provinces old and new, dimensions, targets, pace, generations, and rebuild = incremental."""

import datetime
import threading
from decimal import Decimal

import pytest
from django.db import connection, transaction
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from courses.models import ClassMode, ClassStatus, Level, Position
from enrollment.models import (
    Attendance,
    AttendanceSource,
    AttendanceStatus,
    CompletionRule,
    Enrollment,
    EnrollmentStatus,
    ExcusedPolicy,
)
from reporting.models import (
    ALL_LEVELS,
    ALL_YEARS,
    Certificate,
    ClassProgress,
    Dimension,
    EnrollmentProgress,
    GenerationStatus,
    ProgressRollup,
    RollupGeneration,
    StaleRollup,
    Target,
)
from reporting.rules.figures import elapsed_millionths, rollup_period
from reporting.selectors import progress as selectors
from reporting.services.class_progress import class_progress_refresh
from reporting.services.rebuilds import progress_rebuild, province_progress_rebuild
from reporting.services.rollups import (
    rollup_generation_publish,
    rollup_generation_start,
    rollup_generations_clean,
    rollup_national_refresh,
    rollup_province_refresh,
    rollup_targets_refresh,
)
from tests.factories import LearnerFactory, ProgrammeFactory
from tests.reporting.conftest import attend, attend_all, enrol, make_class, national, province, recompute

pytestmark = pytest.mark.django_db


def completed(training_class, count=1, **learner_fields):
    enrollments = [enrol(training_class, **learner_fields) for _ in range(count)]
    for enrollment in enrollments:
        attend_all(enrollment, 60)
    return enrollments


def rows(programme, dimension, *, scope=None, level=ALL_LEVELS, year=ALL_YEARS):
    """{key: row} of one breakdown in the live generation."""
    return {
        r.key: r
        for r in selectors.rollup_rows(
            programme=programme, level=level, year=year, dimension=dimension, scope_province=scope
        )
    }


def test_classes_in_legacy_provinces_count_for_their_current_province(programme):
    thai_nguyen = province("19")
    bac_kan_old, thai_nguyen_old = province("06", legacy=True), province("19", legacy=True)
    assert bac_kan_old.successor == thai_nguyen
    in_bac_kan = make_class(programme=programme, province=bac_kan_old)
    in_old_thai_nguyen = make_class(programme=programme, province=thai_nguyen_old)
    in_thai_nguyen = make_class(programme=programme, province=thai_nguyen)
    completed(in_bac_kan, 2)
    completed(in_old_thai_nguyen, 1)
    completed(in_thai_nguyen, 4)
    recompute(in_bac_kan, in_old_thai_nguyen, in_thai_nguyen)

    current = rows(programme, Dimension.CURRENT_PROVINCE)
    assert set(current) == {str(thai_nguyen.pk)}
    assert current[str(thai_nguyen.pk)].achieved_luot == 7
    assert current[str(thai_nguyen.pk)].label == thai_nguyen.name
    at_the_time = rows(programme, Dimension.PROVINCE)
    assert {key: r.achieved_luot for key, r in at_the_time.items()} == {
        str(bac_kan_old.pk): 2,
        str(thai_nguyen_old.pk): 1,
        str(thai_nguyen.pk): 4,
    }
    assert at_the_time[str(bac_kan_old.pk)].code == "06"
    # The province's own view holds all three; Bắc Kạn has no scope of its own any more.
    assert national(programme, scope=thai_nguyen).achieved_luot == 7
    assert not ProgressRollup.objects.filter(scope_province=bac_kan_old).exists()
    assert rows(programme, Dimension.REGION)["north"].achieved_luot == 7


def test_national_rows_sum_the_provinces(programme):
    hanoi, thai_nguyen = province("01"), province("19")
    classes = [
        make_class(programme=programme, province=hanoi),
        make_class(programme=programme, province=thai_nguyen),
    ]
    completed(classes[0], 3)
    completed(classes[1], 2)
    recompute(*classes)

    assert national(programme).achieved_luot == 5
    assert national(programme, scope=hanoi).achieved_luot == 3
    assert national(programme, scope=thai_nguyen).achieved_luot == 2
    assert {k: r.achieved_luot for k, r in rows(programme, Dimension.CURRENT_PROVINCE).items()} == {
        str(hanoi.pk): 3,
        str(thai_nguyen.pk): 2,
    }


def test_every_dimension(programme):
    tay, kinh = {"ethnicity": "Tày"}, {"ethnicity": "Kinh"}
    chair, accountant = Position.objects.order_by("sort_order")[:2]
    central = make_class(
        programme=programme,
        level=Level.CENTRAL,
        mode=ClassMode.IN_PERSON,
        capacity=40,
        start=datetime.date(2023, 5, 2),
        spending_million_vnd=Decimal("30.0"),
    )
    provincial = make_class(programme=programme, level=Level.PROVINCIAL, spending_million_vnd=Decimal("12.5"))
    running = make_class(programme=programme, status=ClassStatus.RUNNING)
    draft = make_class(programme=programme, status=ClassStatus.DRAFT)
    completed(central, 2, gender="male", position=chair, **tay)
    completed(central, 1, gender="female", position=accountant, **kinh)
    completed(provincial, 3, gender="female", position=chair, **kinh)
    attend_all(enrol(running, gender="male", **kinh), 60)
    completed(draft, 5)
    recompute(central, provincial, running, draft)

    total = national(programme)
    assert (total.achieved_luot, total.enrolled, total.in_progress) == (6, 7, 1)
    # Planned: every class but the draft; started: running or later; held: finished or closed.
    assert (total.classes_planned, total.classes_started, total.classes_held) == (3, 3, 2)
    assert total.spending_million_vnd == Decimal("42.5")
    assert total.cost_per_luot_million_vnd == Decimal("7.083")  # 42.5 / 6

    by_level = {level: national(programme, level=level) for level in (Level.CENTRAL, Level.PROVINCIAL)}
    assert (by_level[Level.CENTRAL].achieved_luot, by_level[Level.PROVINCIAL].achieved_luot) == (3, 3)
    assert by_level[Level.CENTRAL].cost_per_luot_million_vnd == Decimal("10.000")
    assert national(programme, year=2023).achieved_luot == 3
    assert national(programme, year=2024).achieved_luot == 3
    assert national(programme, year=2024).in_progress == 1

    assert {k: r.achieved_luot for k, r in rows(programme, Dimension.GENDER).items()} == {
        "male": 2,
        "female": 4,
    }
    assert {k: r.achieved_luot for k, r in rows(programme, Dimension.ETHNIC_MINORITY).items()} == {
        "1": 2,
        "0": 4,
    }
    positions = rows(programme, Dimension.POSITION)
    assert {k: r.achieved_luot for k, r in positions.items()} == {
        str(chair.pk): 5,
        str(accountant.pk): 1,
        "": 0,
    }
    assert positions[str(chair.pk)].label == chair.name_vi
    assert positions[""].in_progress == 1  # the running class's learner has no position
    assert {k: r.achieved_luot for k, r in rows(programme, Dimension.MODE).items()} == {
        "in_person": 3,
        "online": 3,
    }
    curricula = rows(programme, Dimension.CURRICULUM)
    assert curricula[str(central.curriculum_id)].achieved_luot == 3
    assert curricula[str(central.curriculum_id)].label == central.curriculum.title_vi
    # Learner dimensions do not split a class: no class counts or spending there.
    assert positions[str(chair.pk)].classes_planned is None
    assert positions[str(chair.pk)].spending_million_vnd is None


def test_targets_match_programme_level_province_year_curriculum_and_position(programme):
    thai_nguyen, bac_kan_old, thai_nguyen_old = (
        province("19"),
        province("06", legacy=True),
        province("19", legacy=True),
    )
    chair = Position.objects.order_by("sort_order").first()
    training_class = make_class(programme=programme, level=Level.PROVINCIAL, province=bac_kan_old)
    completed(training_class, 3, position=chair)
    target = {"programme": programme, "level": Level.PROVINCIAL}
    Target.objects.create(**target, target_luot=10)
    Target.objects.create(programme=programme, level=Level.CENTRAL, target_luot=90)
    Target.objects.create(**target, year=2024, target_luot=5)
    Target.objects.create(**target, province=bac_kan_old, target_luot=4)
    Target.objects.create(**target, province=thai_nguyen_old, target_luot=6)
    Target.objects.create(**target, curriculum=training_class.curriculum, target_luot=2)
    Target.objects.create(**target, position=chair, target_luot=12)
    recompute(training_class)

    provincial = national(programme, level=Level.PROVINCIAL)
    assert (provincial.target_luot, provincial.rate_percent) == (10, Decimal("30.00"))
    assert national(programme).target_luot == 100  # all levels: 10 + 90
    assert national(programme, level=Level.PROVINCIAL, year=2024).target_luot == 5
    # The current province: the targets set for the two legacy units merged into it.
    assert national(programme, level=Level.PROVINCIAL, scope=thai_nguyen).target_luot == 10
    current = rows(programme, Dimension.CURRENT_PROVINCE, level=Level.PROVINCIAL)[str(thai_nguyen.pk)]
    assert (current.target_luot, current.rate_percent) == (10, Decimal("30.00"))
    assert rows(programme, Dimension.PROVINCE, level=Level.PROVINCIAL)[str(bac_kan_old.pk)].target_luot == 4
    curriculum = rows(programme, Dimension.CURRICULUM, level=Level.PROVINCIAL)[
        str(training_class.curriculum_id)
    ]
    assert (curriculum.target_luot, curriculum.rate_percent) == (2, Decimal("150.00"))
    assert rows(programme, Dimension.POSITION, level=Level.PROVINCIAL)[str(chair.pk)].target_luot == 12
    assert rows(programme, Dimension.GENDER, level=Level.PROVINCIAL)["female"].target_luot is None

    # A target set for the current province itself supersedes its legacy units' ones.
    Target.objects.create(**target, province=thai_nguyen, target_luot=8)
    rollup_targets_refresh()
    assert national(programme, level=Level.PROVINCIAL, scope=thai_nguyen).target_luot == 8
    assert national(programme, level=Level.PROVINCIAL).target_luot == 10


def test_pace_projects_the_achieved_lượt_linearly_to_the_end_of_the_period():
    today = timezone.localdate()
    programme = ProgrammeFactory(
        period_start=today - datetime.timedelta(days=99), period_end=today + datetime.timedelta(days=100)
    )
    training_class = make_class(programme=programme, start=today - datetime.timedelta(days=30))
    completed(training_class, 2)
    Target.objects.create(programme=programme, level=Level.PROVINCIAL, target_luot=8)
    recompute(training_class)

    total = national(programme)
    # 100 of 200 days have passed: 2 lượt so far project to 4, half the target of 8.
    assert total.elapsed_percent == Decimal("50.00")
    assert (total.projected_luot, total.rate_percent, total.projected_rate_percent) == (
        4,
        Decimal("25.00"),
        Decimal("50.00"),
    )
    assert (total.period_start, total.period_end) == (programme.period_start, programme.period_end)


@pytest.mark.parametrize(
    ("as_of", "millionths"),
    [
        (datetime.date(2020, 12, 31), 0),
        (datetime.date(2021, 1, 1), 1_000_000 // 365),
        (datetime.date(2021, 7, 2), 183 * 1_000_000 // 365),
        (datetime.date(2021, 12, 31), 1_000_000),
        (datetime.date(2030, 1, 1), 1_000_000),
    ],
)
def test_elapsed_fraction(as_of, millionths):
    assert elapsed_millionths(datetime.date(2021, 1, 1), datetime.date(2021, 12, 31), as_of) == millionths


def test_year_rows_measure_pace_over_the_year_within_the_programme(programme):
    assert rollup_period(programme, ALL_YEARS) == (programme.period_start, programme.period_end)
    assert rollup_period(programme, 2023) == (datetime.date(2023, 1, 1), datetime.date(2023, 12, 31))
    late = ProgrammeFactory(period_start=datetime.date(2021, 4, 22), period_end=datetime.date(2025, 6, 30))
    assert rollup_period(late, 2021) == (datetime.date(2021, 4, 22), datetime.date(2021, 12, 31))
    assert rollup_period(late, 2025) == (datetime.date(2025, 1, 1), datetime.date(2025, 6, 30))
    assert rollup_period(late, 2027) == (datetime.date(2027, 1, 1), datetime.date(2027, 12, 31))


def test_a_class_moving_province_leaves_its_old_province(programme):
    hanoi, thai_nguyen = province("01"), province("19")
    training_class = make_class(programme=programme, province=thai_nguyen)
    completed(training_class, 2)
    recompute(training_class)
    assert national(programme, scope=thai_nguyen).achieved_luot == 2

    training_class.province = hanoi
    training_class.save()
    class_progress_refresh(class_id=training_class.pk)
    # Both provinces are marked for a refresh, the old one too.
    assert {thai_nguyen.pk, hanoi.pk} <= set(StaleRollup.objects.values_list("scope", flat=True))
    for scope in (thai_nguyen.pk, hanoi.pk):
        rollup_province_refresh(province_id=scope)
    rollup_national_refresh()
    assert national(programme, scope=thai_nguyen) is None
    assert national(programme, scope=hanoi).achieved_luot == 2
    assert national(programme).achieved_luot == 2


# --- generations: a report never sees a half-rebuilt state ------------------------------------


def test_a_full_rebuild_shows_nothing_until_it_is_published(programme):
    hanoi, thai_nguyen = province("01"), province("19")
    classes = [make_class(programme=programme, province=p) for p in (hanoi, thai_nguyen)]
    for training_class in classes:
        for enrollment in [enrol(training_class) for _ in range(2)]:
            attend(enrollment, [60, 60, 60, 45, None])  # 75%
    recompute(*classes)
    old = RollupGeneration.objects.get(status=GenerationStatus.LIVE)
    assert national(programme).achieved_luot == 0

    # A rule change nobody marked (the nightly rebuild's job to catch): 70% from now on.
    CompletionRule.objects.create(programme=programme, min_attendance_percent=Decimal("70"))
    generation = rollup_generation_start()
    province_progress_rebuild(province_id=hanoi.pk, generation_id=generation.pk)
    # Hà Nội is rebuilt into the new generation: reports still read the old one, whole.
    assert national(programme).achieved_luot == 0
    assert national(programme, scope=hanoi).achieved_luot == 0
    assert ProgressRollup.objects.filter(generation=generation, scope_province=hanoi).exists()

    province_progress_rebuild(province_id=thai_nguyen.pk, generation_id=generation.pk)
    assert national(programme).achieved_luot == 0
    assert rollup_generation_publish(generation_id=generation.pk) is True
    assert national(programme).achieved_luot == 4
    assert national(programme, scope=hanoi).achieved_luot == 2
    old.refresh_from_db()
    assert old.status == GenerationStatus.RETIRED
    assert rollup_generation_publish(generation_id=generation.pk) is False  # twice: no-op
    # A province task delivered again late: into the retired generation, nothing; into the
    # published one, the same rows again and the national rows marked for a refresh.
    old_rows = ProgressRollup.objects.filter(generation=old).count()
    province_progress_rebuild(province_id=hanoi.pk, generation_id=old.pk)
    assert ProgressRollup.objects.filter(generation=old).count() == old_rows
    StaleRollup.objects.all().delete()
    province_progress_rebuild(province_id=hanoi.pk, generation_id=generation.pk)
    assert national(programme, scope=hanoi).achieved_luot == 2
    assert StaleRollup.objects.filter(scope=StaleRollup.NATIONAL).exists()

    # Retired rows stay a grace period for reads in flight, then go.
    assert rollup_generations_clean() == 0
    assert rollup_generations_clean(retired_for=datetime.timedelta(0)) == 1
    assert not ProgressRollup.objects.filter(generation=old).exists()


def test_changes_during_a_rebuild_reach_the_generation_being_built(programme):
    thai_nguyen = province("19")
    training_class = make_class(programme=programme, province=thai_nguyen)
    enrollment = enrol(training_class)
    recompute(training_class)
    generation = rollup_generation_start()
    province_progress_rebuild(province_id=thai_nguyen.pk, generation_id=generation.pk)

    attend_all(enrollment, 60)  # lands after the rebuild passed the province
    recompute(training_class)
    assert national(programme).achieved_luot == 1
    rollup_generation_publish(generation_id=generation.pk)
    assert national(programme).achieved_luot == 1


def test_the_live_read_is_one_statement(programme, django_assert_num_queries):
    training_class = make_class(programme=programme)
    completed(training_class, 1)
    recompute(training_class)
    with django_assert_num_queries(1):
        assert len(rows(programme, Dimension.CURRENT_PROVINCE)) == 1


# --- incremental updates give what a rebuild gives ---------------------------------------------


def snapshot() -> dict:
    """Every computed figure, without timestamps, revisions or generation ids."""
    return {
        "enrolments": sorted(
            EnrollmentProgress.objects.values_list(
                "enrollment_id", "percent", "attended_minutes", "excused_minutes", "outcome", "counted_luot"
            )
        ),
        "classes": sorted(
            ClassProgress.objects.values_list(
                "training_class_id",
                "enrolled",
                "in_progress",
                "completed_luot",
                "not_completed",
                "held_sessions",
            )
        ),
        "statuses": sorted(Enrollment.objects.values_list("id", "status")),
        "certificates": sorted(
            Certificate.objects.filter(revoked_at__isnull=True).values_list("enrollment_id", flat=True)
        ),
        "rollups": sorted(
            selectors.rollup_rows().values_list(
                "scope_province_id",
                "programme_id",
                "level",
                "year",
                "dimension",
                "key",
                "target_luot",
                "achieved_luot",
                "enrolled",
                "in_progress",
                "not_completed",
                "classes_planned",
                "classes_held",
                "spending_million_vnd",
                "rate_percent",
                "projected_luot",
            ),
            key=repr,
        ),
    }


PROVINCES = [("19", False), ("06", True), ("01", False)]
attendance_value = st.one_of(
    st.none(),
    st.sampled_from([AttendanceStatus.EXCUSED, AttendanceStatus.ABSENT]),
    st.integers(min_value=0, max_value=100),
)


@settings(
    max_examples=20,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(data=st.data())
def test_incremental_updates_equal_a_full_rebuild(programme, data):
    draw = data.draw
    with transaction.atomic():
        CompletionRule.objects.create(
            programme=programme,
            excused_policy=draw(st.sampled_from(ExcusedPolicy.values)),
            min_attendance_percent=draw(st.sampled_from([Decimal("50"), Decimal("80"), Decimal("100")])),
        )
        Target.objects.create(
            programme=programme, level=Level.PROVINCIAL, target_luot=draw(st.integers(1, 20))
        )
        learners = [
            LearnerFactory(
                gender=draw(st.sampled_from(["male", "female"])),
                ethnicity=draw(st.sampled_from(["Kinh", "Tày"])),
            )
            for _ in range(draw(st.integers(1, 4)))
        ]
        classes, enrollments = [], []
        for _ in range(draw(st.integers(1, 3))):
            code, legacy = draw(st.sampled_from(PROVINCES))
            training_class = make_class(
                programme=draw(st.sampled_from([programme, None])),
                province=province(code, legacy=legacy),
                status=draw(st.sampled_from([ClassStatus.OPEN, ClassStatus.RUNNING, ClassStatus.FINISHED])),
                minutes=draw(st.lists(st.sampled_from([30, 60, 90]), min_size=1, max_size=4)),
                assessed=draw(st.booleans()),
                level=draw(st.sampled_from([Level.PROVINCIAL, Level.CENTRAL])),
                spending_million_vnd=draw(st.sampled_from([None, Decimal("10.0")])),
            )
            classes.append(training_class)
            sessions = training_class.sessions.count()
            for learner in draw(st.lists(st.sampled_from(learners), unique=True, max_size=len(learners))):
                enrollment = enrol(
                    training_class,
                    learner=learner,
                    status=draw(st.sampled_from(EnrollmentStatus.values)),
                    score=draw(st.sampled_from([None, "4.5", "5", "8"])),
                )
                enrollments.append(enrollment)
                attend(enrollment, draw(st.lists(attendance_value, min_size=sessions, max_size=sessions)))
        recompute(*classes)

        # Changes, each followed by the incremental recompute of the one class it touched.
        for _ in range(draw(st.integers(0, 6))):
            kind = draw(st.sampled_from(["attendance", "status", "score", "class"]))
            if kind == "class" or not enrollments:
                training_class = draw(st.sampled_from(classes))
                training_class.status = draw(st.sampled_from(ClassStatus.values))
                training_class.save()
            else:
                enrollment = draw(st.sampled_from(enrollments))
                training_class = enrollment.training_class
                if kind == "attendance":
                    session = draw(st.sampled_from(list(training_class.sessions.all())))
                    value = draw(attendance_value)
                    Attendance.objects.filter(session=session, enrollment=enrollment).delete()
                    if value is not None:
                        Attendance.objects.create(
                            session=session,
                            enrollment=enrollment,
                            status=value if isinstance(value, str) else AttendanceStatus.PRESENT,
                            minutes=0 if isinstance(value, str) else value,
                            source=AttendanceSource.ADMIN,
                        )
                elif kind == "status":
                    Enrollment.objects.filter(pk=enrollment.pk).update(
                        status=draw(st.sampled_from(EnrollmentStatus.values))
                    )
                else:
                    Enrollment.objects.filter(pk=enrollment.pk).update(
                        final_score=draw(st.sampled_from([None, Decimal("3"), Decimal("7")]))
                    )
            recompute(training_class)

        incremental = snapshot()
        progress_rebuild()
        assert snapshot() == incremental
        transaction.set_rollback(True)


# --- concurrency -------------------------------------------------------------------------------


def _in_threads(count, work):
    """Run work() in `count` threads on their own connections, started together."""
    barrier = threading.Barrier(count)
    errors = []

    def run():
        try:
            barrier.wait()
            work()
        except Exception as error:  # noqa: BLE001 - reported to the test below
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not errors, errors


@pytest.mark.django_db(transaction=True)
def test_two_rebuilds_of_a_province_at_once_give_the_figures_of_one(programme):
    if connection.vendor != "postgresql":
        pytest.skip("needs connections running at once (PostgreSQL)")
    thai_nguyen, bac_kan_old = province("19"), province("06", legacy=True)
    classes = [make_class(programme=programme, province=p) for p in (thai_nguyen, bac_kan_old, thai_nguyen)]
    for training_class in classes:
        completed(training_class, 3)
        attend(enrol(training_class), [60, None, None, None, None])
    Target.objects.create(programme=programme, level=Level.PROVINCIAL, target_luot=18)

    province_progress_rebuild(province_id=thai_nguyen.pk)
    rollup_national_refresh()
    once = snapshot()
    assert national(programme).achieved_luot == 9

    _in_threads(2, lambda: province_progress_rebuild(province_id=thai_nguyen.pk))
    rollup_national_refresh()
    assert snapshot() == once

    # And a class recompute racing both rebuilds and a full rebuild.
    def mixed():
        class_progress_refresh(class_id=classes[0].pk)
        province_progress_rebuild(province_id=thai_nguyen.pk)
        progress_rebuild(province_ids=[thai_nguyen.pk])

    _in_threads(3, mixed)
    rollup_national_refresh()
    assert snapshot() == once
    assert national(programme).achieved_luot == 9
    assert RollupGeneration.objects.filter(status=GenerationStatus.LIVE).count() == 1
