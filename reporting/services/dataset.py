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
from decimal import Decimal
from zoneinfo import ZoneInfo

from django.db import connection, transaction
from django.utils import timezone

from courses.core.text import fold, vietnamese_name_key
from courses.models import (
    ClassMode,
    ClassSession,
    ClassStatus,
    Commune,
    Curriculum,
    InstitutionKind,
    Level,
    Position,
    Programme,
    Province,
    Role,
    Topic,
    TrainingClass,
    TrainingInstitution,
    User,
)
from enrollment.models import Attendance, Enrollment, EnrollmentSource, EnrollmentStatus, Learner
from reporting.services.dataset_loading import dataset_reset, ids_reserve, rows_copy, sequences_past_ids
from reporting.services.dataset_people import DatasetPeople

PREFIX = "GEN-"
USER_PREFIX = "gen-"
LOCAL = ZoneInfo("Asia/Ho_Chi_Minh")
PROGRAMME_CODE = "ke-hoach-2021-2025"
REORGANISATION = datetime.date(2025, 7, 1)
SCORES = ["3.5", "4.5", *(f"{x / 2:.1f}" for x in range(10, 21))] + ["7.0", "8.0", "6.5", "7.5"] * 2


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


FIRST_CLASS_START = datetime.date(2021, 3, 1)
LONGEST_CLASS_DAYS = 60  # an online class; others last 10 to 40 days


def _class_dates(
    rng: random.Random, level: str, period_end: datetime.date
) -> tuple[datetime.date, datetime.date]:
    """Dates of a class of the plan: it ends within the programme's period, or it would not count
    towards it (courses.rules.classes.programme_period_error)."""
    latest_start = period_end - datetime.timedelta(days=LONGEST_CLASS_DAYS)
    start = FIRST_CLASS_START + datetime.timedelta(
        days=rng.randint(0, (latest_start - FIRST_CLASS_START).days)
    )
    length = rng.randint(10, 40)
    if level == Level.ELEARNING:
        length = LONGEST_CLASS_DAYS
    return start, start + datetime.timedelta(days=length)


def _status_for(start: datetime.date, end: datetime.date, today: datetime.date) -> str:
    if end < today:
        return ClassStatus.FINISHED
    if start <= today:
        return ClassStatus.RUNNING
    return ClassStatus.OPEN


CLASS_COLUMNS = [
    "id",
    "code",
    "title",
    "curriculum_id",
    "institution_id",
    "organiser_province_id",
    "province_id",
    "mode",
    "programme_id",
    "level",
    "enrolment_opens",
    "enrolment_closes",
    "start_date",
    "end_date",
    "status",
    "capacity",
    "planned_size",
    "spending_million_vnd",
    "description",
    "search_text",
    "created_at",
    "updated_at",
]
SESSION_COLUMNS = [
    "id",
    "training_class_id",
    "topic_id",
    "title",
    "starts_at",
    "ends_at",
    "planned_minutes",
    "join_url",
    "location",
]
USER_COLUMNS = [
    "id",
    "password",
    "is_superuser",
    "username",
    "first_name",
    "last_name",
    "email",
    "is_staff",
    "is_active",
    "date_joined",
    "full_name",
    "role",
    "province_id",
]
LEARNER_COLUMNS = [
    "id",
    "user_id",
    "national_id",
    "full_name",
    "gender",
    "date_of_birth",
    "ethnicity",
    "is_ethnic_minority",
    "commune_id",
    "province_id",
    "position_id",
    "area_type",
    "phone",
    "email",
    "search_text",
    "sort_key",
    "created_at",
    "updated_at",
]
ENROLMENT_COLUMNS = [
    "id",
    "learner_id",
    "training_class_id",
    "status",
    "source",
    "enrolled_by_id",
    "created_at",
    "status_changed_at",
    "final_score",
]


@dataclass
class _Reference:
    """The reference data the dataset is drawn from, read once."""

    current: list[Province]
    legacy_by_successor: dict[int, list[Province]]
    communes: dict[int, list[int]]
    positions: dict[str, int]
    curricula: list[int]
    assessed_curricula: set[int]
    topics: dict[int, list[int]]
    programme: Programme


# A planned class: (level, mode, size, current province).
ClassPlan = tuple[str, str, int, Province]
# A written class as enrolment needs it: (id, size, current province, capacity, start, assessed).
ClassMeta = tuple[int, int, Province, int | None, datetime.date, bool]


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
    plans = _class_plans(rng, options, reference.current)
    class_meta = _classes_and_sessions_write(
        rng, options, plans, reference, institutions, now=now, counts=counts
    )
    lap("classes and sessions")

    _learners_and_enrolments_write(
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


def _reference_read() -> _Reference:
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
    return _Reference(
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


def _class_plans(rng: random.Random, options: DatasetOptions, current: list[Province]) -> list[ClassPlan]:
    """Central classes in random provinces, one online class per province, then provincial classes
    for the enrolments left."""
    plans = []
    for _ in range(options.central_classes):
        plans.append((Level.CENTRAL, ClassMode.IN_PERSON, options.central_class_size, rng.choice(current)))
    for province in current:
        plans.append((Level.ELEARNING, ClassMode.ONLINE, options.online_class_size, province))
    central_total = options.central_classes * options.central_class_size
    online_total = len(current) * options.online_class_size
    provincial = max(0, (options.enrolments - central_total - online_total) // options.provincial_class_size)
    for index in range(provincial):
        mode = ClassMode.BLENDED if index % 5 == 0 else ClassMode.IN_PERSON
        plans.append((Level.PROVINCIAL, mode, options.provincial_class_size, current[index % len(current)]))
    return plans


def _classes_and_sessions_write(
    rng: random.Random,
    options: DatasetOptions,
    plans: list[ClassPlan],
    reference: _Reference,
    institutions: list[TrainingInstitution],
    *,
    now: datetime.datetime,
    counts: DatasetCounts,
) -> list[ClassMeta]:
    """Write the planned classes and their sessions; what enrolment needs of each class."""
    first_class = ids_reserve(TrainingClass, len(plans))
    class_rows, session_rows, class_meta = [], [], []
    first_session = ids_reserve(ClassSession, len(plans) * options.sessions_per_class)
    session_id = first_session
    for offset, (level, mode, size, province) in enumerate(plans):
        class_id = first_class + offset
        start, end = _class_dates(rng, level, reference.programme.period_end)
        held_in = province
        if start < REORGANISATION and reference.legacy_by_successor[province.id]:
            # Before July 2025 the class was held in one of the old provinces now merged.
            held_in = rng.choice(reference.legacy_by_successor[province.id])
        curriculum_id = rng.choice(reference.curricula)
        code = f"{PREFIX}{level[:3].upper()}-{class_id}"
        title = f"Lớp bồi dưỡng {code} — {held_in.name}"
        capacity = None if mode == ClassMode.ONLINE else size + 5
        class_rows.append(
            (
                class_id,
                code,
                title,
                curriculum_id,
                institutions[offset % len(institutions)].id if level == Level.CENTRAL else None,
                province.id if level != Level.CENTRAL else None,
                held_in.id,
                mode,
                reference.programme.id,
                level,
                start - datetime.timedelta(days=30),
                start - datetime.timedelta(days=1),
                start,
                end,
                _status_for(start, end, options.today),
                capacity,
                size,
                Decimal(size) * Decimal("1.2"),
                "",
                fold(f"{code} {title}"),
                now,
                now,
            )
        )
        # Finished classes of a curriculum with a final assessment have their scores recorded.
        assessed = end < options.today and curriculum_id in reference.assessed_curricula
        class_meta.append((class_id, size, province, capacity, start, assessed))
        span = (end - start).days
        curriculum_topics = reference.topics.get(curriculum_id) or [None]
        for number in range(options.sessions_per_class):
            day = start + datetime.timedelta(days=span * number // max(1, options.sessions_per_class - 1))
            starts_at = datetime.datetime.combine(day, datetime.time(8 if number % 2 == 0 else 13, 30), LOCAL)
            session_rows.append(
                (
                    session_id,
                    class_id,
                    curriculum_topics[number % len(curriculum_topics)],
                    f"Buổi {number + 1}",
                    starts_at,
                    starts_at + datetime.timedelta(minutes=options.session_minutes),
                    options.session_minutes,
                    f"https://meet.example.vn/{code.lower()}/{number + 1}"
                    if mode != ClassMode.IN_PERSON
                    else "",
                    "" if mode == ClassMode.ONLINE else f"Hội trường {held_in.name}",
                )
            )
            session_id += 1
    counts.classes = rows_copy(TrainingClass, CLASS_COLUMNS, class_rows)
    counts.sessions = rows_copy(ClassSession, SESSION_COLUMNS, session_rows)
    return class_meta


class _NewLearners:
    """Learners (and their accounts) made as enrolment needs them, under reserved ids, kept in one
    pool per current province."""

    unusable_password = "!"  # noqa: S105 - generated learners sign in only after an admin sets one

    def __init__(self, people: DatasetPeople, *, first_user: int, first_learner: int, now: datetime.datetime):
        self.people = people
        self.first_user = first_user
        self.first_learner = first_learner
        self.now = now
        self.made = 0
        self.user_rows: list[tuple] = []
        self.learner_rows: list[tuple] = []
        self.pool: dict[int, list[int]] = defaultdict(list)

    def make(self, province: Province) -> int:
        person = self.people.make(province)
        user_id, learner_id = self.first_user + self.made, self.first_learner + self.made
        self.made += 1
        self.user_rows.append(
            (
                user_id,
                self.unusable_password,
                False,
                f"{USER_PREFIX}{person['national_id']}",
                "",
                "",
                "",
                False,
                True,
                self.now,
                person["full_name"],
                Role.LEARNER,
                province.id,
            )
        )
        self.learner_rows.append(
            (
                learner_id,
                user_id,
                person["national_id"],
                person["full_name"],
                person["gender"],
                person["date_of_birth"],
                person["ethnicity"],
                person["is_ethnic_minority"],
                person["commune_id"],
                person["province_id"],
                person["position_id"],
                person["area_type"],
                "",
                "",
                fold(f"{person['full_name']} {person['national_id']}"),
                vietnamese_name_key(person["full_name"]),
                self.now,
                self.now,
            )
        )
        self.pool[province.id].append(learner_id)
        return learner_id


def _learners_and_enrolments_write(
    rng: random.Random,
    options: DatasetOptions,
    class_meta: list[ClassMeta],
    current: list[Province],
    people: DatasetPeople,
    *,
    planned_classes: int,
    now: datetime.datetime,
    counts: DatasetCounts,
) -> None:
    """Learners: one pool per current province; a share of enrolments go to someone already trained."""
    unique_learners = int(options.enrolments / (1 + options.repeat_rate)) + planned_classes
    # Ids for at most what the loop below writes: a province whose pool is still empty once the
    # planned learners are used up gets one more; a class holds its size and up to 3 waitlisted.
    learners = _NewLearners(
        people,
        first_user=ids_reserve(User, unique_learners + len(current)),
        first_learner=ids_reserve(Learner, unique_learners + len(current)),
        now=now,
    )
    pool = learners.pool
    most_enrolments = sum(
        size + (3 if capacity is not None else 0) for _, size, _, capacity, _, _ in class_meta
    )
    enrol_id = ids_reserve(Enrollment, most_enrolments)
    enrol_rows = []
    for class_id, size, province, capacity, start, assessed in class_meta:
        taken: set[int] = set()
        joined = datetime.datetime.combine(start - datetime.timedelta(days=10), datetime.time(9), LOCAL)
        statuses = [
            EnrollmentStatus.WITHDRAWN if rng.random() < options.withdraw_rate else EnrollmentStatus.ENROLLED
            for _ in range(size)
        ]
        if capacity is not None:
            # In-person classes fill beyond capacity into a short waitlist.
            statuses += [EnrollmentStatus.WAITLISTED] * rng.randint(0, 3)
        for status in statuses:
            repeat = pool[province.id] and rng.random() < options.repeat_rate
            if repeat or (learners.made >= unique_learners and pool[province.id]):
                learner_id = rng.choice(pool[province.id])
                if learner_id in taken:
                    continue
            else:
                learner_id = learners.make(province)
            taken.add(learner_id)
            # Scores on the 10-point scale, about one in ten under the pass mark of 5.
            score = Decimal(rng.choice(SCORES)) if assessed and status == EnrollmentStatus.ENROLLED else None
            enrol_rows.append(
                (enrol_id, learner_id, class_id, status, EnrollmentSource.IMPORT, None, joined, joined, score)
            )
            enrol_id += 1
    rows_copy(User, USER_COLUMNS, learners.user_rows)
    counts.learners = rows_copy(Learner, LEARNER_COLUMNS, learners.learner_rows)
    counts.enrolments = rows_copy(Enrollment, ENROLMENT_COLUMNS, enrol_rows)


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
