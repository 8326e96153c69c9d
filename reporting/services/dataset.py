"""A realistic national dataset for benchmarks, generated from a seed.

Default size is the 2021-2025 plan at full scale: 2,000 central classes, provincial classes, one
online class of 100+ learners per province, about 500,000 enrolments with repeat learners and
withdrawals, about 10 sessions per class and so about 5 million attendance records.

People, classes, sessions and enrolments are generated in Python (names, identification numbers and
the mix of positions need it) and loaded with PostgreSQL COPY; attendance, the bulk of the rows, is
generated inside PostgreSQL with one INSERT ... SELECT over enrolments and sessions. Everything it
creates carries the class code prefix GEN- (and usernames gen-...) so that --reset removes exactly it.
"""

from __future__ import annotations

import datetime
import random
import time
from collections import defaultdict
from dataclasses import dataclass, field

from django.db import connection, transaction
from django.utils import timezone

from courses.models import (
    ClassSession,
    Commune,
    Curriculum,
    InstitutionKind,
    Position,
    Programme,
    Province,
    Topic,
    TrainingClass,
    TrainingInstitution,
    User,
)
from enrollment.models import Attendance, Enrollment, Learner
from reporting.services.dataset_classes import class_plans, classes_and_sessions_write
from reporting.services.dataset_enrolments import learners_and_enrolments_write
from reporting.services.dataset_loading import dataset_reset, sequences_past_ids
from reporting.services.dataset_people import DatasetPeople

PROGRAMME_CODE = "ke-hoach-2021-2025"


@dataclass
class DatasetOptions:
    seed: int = 2021
    enrolments: int = 500_000
    central_classes: int = 2_000
    central_class_size: int = 50
    provincial_class_size: int = 40
    online_class_size: int = 150
    sessions_per_class: int = 10
    session_minutes: int = 240
    repeat_rate: float = 0.2
    withdraw_rate: float = 0.03
    today: datetime.date = field(default_factory=timezone.localdate)


@dataclass
class DatasetCounts:
    learners: int = 0
    classes: int = 0
    sessions: int = 0
    enrolments: int = 0
    attendance: int = 0
    seconds: dict = field(default_factory=dict)


@dataclass
class DatasetReference:
    """The reference data the dataset is drawn from, read once."""

    current: list[Province]
    legacy_by_successor: dict[int, list[Province]]
    communes: dict[int, list[int]]
    positions: dict[str, int]
    curricula: list[int]
    assessed_curricula: set[int]
    topics: dict[int, list[int]]
    programme: Programme


@transaction.atomic
def dataset_generate(*, options: DatasetOptions, log=print) -> DatasetCounts:
    if connection.vendor != "postgresql":
        raise RuntimeError(
            "the national dataset is loaded with PostgreSQL COPY: set DATABASE_URL to PostgreSQL"
        )
    rng = random.Random(options.seed)
    counts = DatasetCounts()
    clock = time.perf_counter()

    def lap(name):
        nonlocal clock
        now = time.perf_counter()
        counts.seconds[name] = round(now - clock, 2)
        clock = now
        log(f"  {name}: {counts.seconds[name]} s")

    dataset_reset()
    lap("reset")

    reference = _reference_read()
    people = DatasetPeople(rng, reference.positions, reference.communes)
    now = timezone.now()
    institutions = _institutions_create()
    plans = class_plans(rng, options, reference.current)
    class_meta = classes_and_sessions_write(
        rng, options, plans, reference, institutions, now=now, counts=counts
    )
    lap("classes and sessions")

    learners_and_enrolments_write(
        rng,
        options,
        class_meta,
        reference.current,
        people,
        planned_classes=len(plans),
        now=now,
        counts=counts,
    )
    lap("learners and enrolments")

    counts.attendance = _attendance_generate(options, now=now)
    sequences_past_ids(
        TrainingInstitution, TrainingClass, ClassSession, User, Learner, Enrollment, Attendance
    )
    lap("attendance")
    return counts


def _reference_read() -> DatasetReference:
    current = list(Province.objects.current().order_by("code"))
    legacy_by_successor: dict[int, list[Province]] = defaultdict(list)
    for old in Province.objects.legacy().order_by("code"):
        legacy_by_successor[old.successor_id].append(old)
    communes: dict[int, list[int]] = defaultdict(list)
    for commune_id, province_id in Commune.objects.values_list("id", "province_id"):
        communes[province_id].append(commune_id)
    positions = dict(Position.objects.values_list("code", "id"))
    curricula = list(Curriculum.objects.filter(status="active").values_list("id", flat=True))
    assessed_curricula = set(
        Curriculum.objects.filter(pk__in=curricula, has_final_assessment=True).values_list("id", flat=True)
    )
    topics: dict[int, list[int]] = defaultdict(list)
    for topic_id, curriculum_id in Topic.objects.filter(curriculum_id__in=curricula).values_list(
        "id", "curriculum_id"
    ):
        topics[curriculum_id].append(topic_id)
    return DatasetReference(
        current=current,
        legacy_by_successor=legacy_by_successor,
        communes=communes,
        positions=positions,
        curricula=curricula,
        assessed_curricula=assessed_curricula,
        topics=topics,
        programme=Programme.objects.get(code=PROGRAMME_CODE),
    )


def _institutions_create() -> list[TrainingInstitution]:
    """Central schools of ministries, one per macro-region and ministry."""
    institutions = []
    for index, (ministry, region_code) in enumerate(
        [
            (m, r)
            for m in ("Bộ Nội vụ", "Học viện Hành chính Quốc gia", "Bộ Tư pháp", "Bộ Tài chính")
            for r in ("01", "48", "79")
        ]
    ):
        institutions.append(
            TrainingInstitution(
                code=f"gen-inst-{index}",
                name=f"{ministry} — cơ sở {Province.objects.current().get(code=region_code).name}",
                kind=InstitutionKind.CENTRAL,
                governing_body=ministry,
            )
        )
    TrainingInstitution.objects.bulk_create(institutions)
    return institutions


def _attendance_generate(options: DatasetOptions, *, now: datetime.datetime) -> int:
    """Attendance for every session that has started, for every active enrolment, in SQL; the
    number of records.

    Status mix: 80% present, 7% late, 5% excused, 8% absent; late learners lose 5-60 minutes.
    """
    with connection.cursor() as cursor:
        cursor.execute("SELECT setseed(%s)", [(options.seed % 1000) / 1000.0])
        cursor.execute(
            f"""
            INSERT INTO {Attendance._meta.db_table}
                (session_id, enrollment_id, status, minutes, source, recorded_by_id, recorded_at, note)
            SELECT s.id, e.id, pick.status,
                   CASE pick.status
                       WHEN 'present' THEN s.planned_minutes
                       WHEN 'late' THEN GREATEST(s.planned_minutes - 5 - floor(random() * 56)::int, 0)
                       ELSE 0 END,
                   CASE WHEN c.mode = 'online' THEN 'platform_report' ELSE 'trainer' END,
                   NULL, s.starts_at + interval '1 day', ''
            FROM {Enrollment._meta.db_table} e
            JOIN {TrainingClass._meta.db_table} c ON c.id = e.training_class_id
            JOIN {ClassSession._meta.db_table} s ON s.training_class_id = c.id
            CROSS JOIN LATERAL (
                SELECT CASE
                    WHEN r < 0.80 THEN 'present' WHEN r < 0.87 THEN 'late'
                    WHEN r < 0.92 THEN 'excused' ELSE 'absent' END AS status
                FROM (SELECT random() + 0 * e.id AS r) AS draw
            ) AS pick
            WHERE c.code LIKE 'GEN-%%' AND e.status = 'enrolled' AND s.starts_at < %s
            """,  # noqa: S608 - table names from models, values bound
            [now],
        )
        attendance = cursor.rowcount
        cursor.execute(
            f"ANALYZE {Attendance._meta.db_table}; ANALYZE {Enrollment._meta.db_table}; "
            f"ANALYZE {Learner._meta.db_table}; ANALYZE {TrainingClass._meta.db_table}"
        )
    return attendance
