"""The learners of the national dataset, their accounts and their enrolments (reporting.services.dataset)."""

from __future__ import annotations

import datetime
import random
from collections import defaultdict
from decimal import Decimal
from typing import TYPE_CHECKING

from courses.core.text import fold, vietnamese_name_key
from courses.models import Province, Role, User
from enrollment.models import Enrollment, EnrollmentSource, EnrollmentStatus, Learner
from reporting.services.dataset_classes import LOCAL, ClassMeta
from reporting.services.dataset_loading import ids_reserve, rows_copy
from reporting.services.dataset_people import DatasetPeople

if TYPE_CHECKING:
    from reporting.services.dataset import DatasetCounts, DatasetOptions

USER_PREFIX = "gen-"
SCORES = ["3.5", "4.5", *(f"{x / 2:.1f}" for x in range(10, 21))] + ["7.0", "8.0", "6.5", "7.5"] * 2


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


def learners_and_enrolments_write(
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
