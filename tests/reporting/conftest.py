"""Builders for the progress tests: classes with sessions, enrolments and attendance, and a helper
that runs the incremental pipeline in-process (class, then its province, then the nation)."""

import datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from courses.models import ClassStatus, Province
from enrollment.models import Attendance, AttendanceSource, AttendanceStatus, Enrollment, EnrollmentStatus
from reporting import tasks
from reporting.models import ALL_LEVELS, ALL_YEARS, ClassProgress, Dimension
from reporting.selectors import progress as selectors
from tests.factories import (
    ClassSessionFactory,
    CurriculumFactory,
    EnrollmentFactory,
    LearnerFactory,
    ProgrammeFactory,
    TrainingClassFactory,
)

HCM = ZoneInfo("Asia/Ho_Chi_Minh")


def province(code: str, *, legacy: bool = False) -> Province:
    units = Province.objects.legacy() if legacy else Province.objects.current()
    return units.get(code=code)


def make_class(
    *,
    minutes=(60, 60, 60, 60, 60),
    status=ClassStatus.FINISHED,
    start=datetime.date(2024, 3, 4),
    assessed=False,
    **fields,
):
    """A class with one session a day from `start`, of the given planned minutes."""
    if "curriculum" not in fields:
        fields["curriculum"] = CurriculumFactory(has_final_assessment=assessed)
    end = start + datetime.timedelta(days=max(len(minutes) - 1, 0))
    training_class = TrainingClassFactory(status=status, start_date=start, end_date=end, **fields)
    for day, planned in enumerate(minutes):
        starts = datetime.datetime.combine(start + datetime.timedelta(days=day), datetime.time(8), tzinfo=HCM)
        ClassSessionFactory(
            training_class=training_class,
            starts_at=starts,
            ends_at=starts + datetime.timedelta(minutes=planned),
            planned_minutes=planned,
        )
    return training_class


def enrol(training_class, *, learner=None, status=EnrollmentStatus.ENROLLED, score=None, **learner_fields):
    learner = learner or LearnerFactory(**learner_fields)
    return EnrollmentFactory(
        training_class=training_class,
        learner=learner,
        status=status,
        final_score=Decimal(str(score)) if score is not None else None,
    )


def attend(enrollment: Enrollment, minutes_by_session, status=AttendanceStatus.PRESENT):
    """Attendance for the class's sessions in order: an int is minutes present, a status string
    (e.g. "excused", "absent") is that status with no minutes, None is no record."""
    sessions = list(enrollment.training_class.sessions.order_by("starts_at"))
    records = []
    for session, value in zip(sessions, minutes_by_session, strict=False):
        if value is None:
            continue
        if isinstance(value, str):
            records.append((session, value, 0))
        else:
            records.append((session, status, value))
    for session, record_status, minutes in records:
        Attendance.objects.update_or_create(
            session=session,
            enrollment=enrollment,
            defaults={"status": record_status, "minutes": minutes, "source": AttendanceSource.TRAINER},
        )


def attend_all(enrollment, minutes):
    attend(enrollment, [minutes] * enrollment.training_class.sessions.count())


def recompute(*classes):
    """The incremental pipeline in-process through the tasks' own code (claiming their marks as
    the worker would): each class, then each province touched, then the nation."""
    provinces = set()
    for training_class in classes:
        tasks.recompute_class_progress(training_class.pk)
        provinces.add(ClassProgress.objects.get(pk=training_class.pk).scope_province_id)
    for province_id in sorted(provinces):
        tasks.refresh_province_rollup(province_id)
    tasks.refresh_national_rollup()


def national(programme, *, dimension=Dimension.TOTAL, key="", level=ALL_LEVELS, year=ALL_YEARS, scope=None):
    return selectors.rollup_rows(
        programme=programme, level=level, year=year, dimension=dimension, key=key, scope_province=scope
    ).first()


@pytest.fixture
def programme(db):
    return ProgrammeFactory(
        period_start=datetime.date(2021, 1, 1),
        period_end=datetime.date(2025, 12, 31),
        levels=["central", "provincial", "elearning"],
    )


@pytest.fixture
def world(db):
    """The world of the report, export and dashboard tests, in place of tests.class_world's."""
    # Imported here: tests.reporting.report_world builds on this module's helpers.
    from tests.reporting.report_world import build_world

    return build_world()
