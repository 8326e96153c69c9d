"""The classes of the national dataset and their sessions (reporting.services.dataset)."""

from __future__ import annotations

import datetime
import random
from decimal import Decimal
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from courses.core.text import fold
from courses.models import (
    ClassMode,
    ClassSession,
    ClassStatus,
    Level,
    Province,
    TrainingClass,
    TrainingInstitution,
)
from reporting.services.dataset_loading import ids_reserve, rows_copy

if TYPE_CHECKING:
    from reporting.services.dataset import DatasetCounts, DatasetOptions, DatasetReference

PREFIX = "GEN-"
LOCAL = ZoneInfo("Asia/Ho_Chi_Minh")
REORGANISATION = datetime.date(2025, 7, 1)

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
# A planned class: (level, mode, size, current province).
ClassPlan = tuple[str, str, int, Province]
# A written class as enrolment needs it: (id, size, current province, capacity, start, assessed).
ClassMeta = tuple[int, int, Province, int | None, datetime.date, bool]


def class_plans(rng: random.Random, options: DatasetOptions, current: list[Province]) -> list[ClassPlan]:
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


def classes_and_sessions_write(
    rng: random.Random,
    options: DatasetOptions,
    plans: list[ClassPlan],
    reference: DatasetReference,
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
