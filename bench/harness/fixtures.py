"""The fixtures of a run on the main database: an admin with a password, `learners` learners
and the classes items 1, 3 and 6 post to; removed at the end (and what an interrupted run left,
at the start), the rollups of the provinces they touched brought back to the dataset's figures."""

from __future__ import annotations

import datetime
import time
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING

from bench.harness.basics import log
from bench.harness.run_context import PREFIX, PROGRAMME_CODE, USER_PREFIX

if TYPE_CHECKING:
    from bench.harness.run_context import Run
    from courses.models import ClassSession, TrainingClass
    from enrollment.models import Enrollment

# The learners a run adds (their national ids start 99; the dataset's with a province code).
BENCH_LEARNERS = (
    "national_id LIKE '99%%' AND user_id IN (SELECT id FROM courses_user WHERE username LIKE 'bench-%%')"
)
UNUSABLE = "!"  # noqa: S105 - the learners never sign in


@dataclass
class Fixtures:
    """The classes of a run, each with its sessions and enrolments."""

    ingest_class: TrainingClass
    ingest_sessions: list[ClassSession]
    ingest_enrolments: list[Enrollment]
    naive_class: TrainingClass
    naive_sessions: list[ClassSession]
    naive_enrolments: list[Enrollment]
    # Item 3's classes, one per repeat.
    fresh: list[tuple[TrainingClass, list[ClassSession], list[Enrollment]]]


def fixtures_create(run: Run) -> Fixtures:
    """An admin with a password, `learners` learners, and the classes items 1, 3 and 6 post to."""
    from django.db import connection, transaction
    from django.utils import timezone

    from courses.models import (
        ClassMode,
        ClassSession,
        ClassStatus,
        Curriculum,
        Level,
        Programme,
        Province,
        Role,
        TrainingClass,
        User,
    )
    from enrollment.models import Enrollment, EnrollmentSource, EnrollmentStatus, Learner
    from reporting.services.class_progress import class_progress_refresh
    from reporting.services.dataset_classes import LOCAL

    fixtures_remove()
    started = time.perf_counter()
    n = run.args.learners
    programme = Programme.objects.get(code=PROGRAMME_CODE)
    curriculum = Curriculum.objects.filter(status="active").order_by("id").first()
    provinces = list(Province.objects.current().order_by("code"))
    now = timezone.now()
    with transaction.atomic():
        admin = User.objects.create(
            username=f"{USER_PREFIX}admin", role=Role.CENTRAL_ADMIN, full_name="Bench admin"
        )
        admin.set_password(run.password)
        admin.save(update_fields=["password"])
        users = [
            User(
                username=f"{USER_PREFIX}{i:06d}",
                role=Role.LEARNER,
                password=UNUSABLE,
                full_name=f"Học viên {i}",
            )
            for i in range(n)
        ]
        users = User.objects.bulk_create(users, batch_size=5000)
        learners = [
            Learner(
                user=user,
                national_id=f"{990_000_000_000 + i:012d}",
                full_name=f"Học Viên Đo Thử {i:05d}",
                gender="female" if i % 2 else "male",
                province=provinces[i % len(provinces)],
                search_text=f"hoc vien do thu {i:05d}",
            )
            for i, user in enumerate(users)
        ]
        learners = Learner.objects.bulk_create(learners, batch_size=5000)

        def make_class(code, province, *, status, start, sessions, minutes, first_day, counted=False):
            training_class = TrainingClass.objects.create(
                code=f"{PREFIX}{code}",
                title=f"Lớp trực tuyến đo hiệu năng {code}",
                curriculum=curriculum,
                province=province,
                organiser_province=province,
                mode=ClassMode.ONLINE,
                level=Level.ELEARNING,
                # Only classes inside the plan's period count towards it (issue 11): the
                # classes running now (items 1 and 6) count towards no programme.
                programme=programme if counted else None,
                status=status,
                start_date=start,
                end_date=start + datetime.timedelta(days=sessions + 5),
                planned_size=n,
            )
            rows = ClassSession.objects.bulk_create(
                ClassSession(
                    training_class=training_class,
                    title=f"Buổi {k + 1}",
                    starts_at=datetime.datetime.combine(first_day + datetime.timedelta(days=k), datetime.time(8), LOCAL),
                    ends_at=datetime.datetime.combine(first_day + datetime.timedelta(days=k), datetime.time(8), LOCAL)
                    + datetime.timedelta(minutes=minutes),
                    planned_minutes=minutes,
                    join_url=f"https://meet.example.vn/bench/{code}/{k + 1}",
                )
                for k in range(sessions)
            )  # fmt: skip
            enrolments = Enrollment.objects.bulk_create(
                [
                    Enrollment(
                        learner=learner,
                        training_class=training_class,
                        status=EnrollmentStatus.ENROLLED,
                        source=EnrollmentSource.IMPORT,
                        # Passed the final assessment, where the curriculum has one.
                        final_score=Decimal("8.00"),
                    )
                    for learner in learners
                ],
                batch_size=5000,
            )
            return training_class, rows, enrolments

        today = timezone.localdate()
        # Item 1: a running online class, `ingest_sessions` sessions of 240 minutes.
        ingest = make_class(
            "INGEST", provinces[0], status=ClassStatus.RUNNING, start=today - datetime.timedelta(days=30),
            sessions=run.args.ingest_sessions, minutes=240, first_day=today - datetime.timedelta(days=25),
        )  # fmt: skip
        # Item 6: the naive endpoint's class, one session.
        naive = make_class(
            "NAIVE", provinces[0], status=ClassStatus.RUNNING, start=today - datetime.timedelta(days=30),
            sessions=1, minutes=240, first_day=today - datetime.timedelta(days=25),
        )  # fmt: skip
        # Item 3: finished online classes of the 2021-2025 plan in as many provinces, five
        # sessions of 60 minutes, sessions 1-3 attended (60%): session 4 posted makes 80%.
        fresh = []
        for index in range(run.args.freshness_repeats):
            province = provinces[(index + 1) % len(provinces)]
            training_class, rows, enrolments = make_class(
                f"FRESH-{index + 1:02d}", province, status=ClassStatus.FINISHED,
                start=datetime.date(2025, 9, 1), sessions=5, minutes=60, first_day=datetime.date(2025, 9, 2),
                counted=True,
            )  # fmt: skip
            fresh.append((training_class, rows, enrolments))
        with connection.cursor() as cursor:
            cursor.execute(
                """INSERT INTO enrollment_attendance
                     (session_id, enrollment_id, status, minutes, source, recorded_by_id, recorded_at, note)
                   SELECT s.id, e.id, 'present', s.planned_minutes, 'platform_report', NULL, s.ends_at, ''
                   FROM courses_classsession s
                   JOIN enrollment_enrollment e ON e.training_class_id = s.training_class_id
                   JOIN courses_trainingclass c ON c.id = s.training_class_id
                   WHERE c.code LIKE %s AND s.title IN ('Buổi 1', 'Buổi 2', 'Buổi 3')""",
                [f"{PREFIX}FRESH-%"],
            )
            cursor.execute("ANALYZE enrollment_attendance")
    # Their figures, rolled up, before anything is measured (what the worker would do).
    class_ids = [c.pk for c, _rows, _enrolments in fresh] + [ingest[0].pk, naive[0].pk]
    for class_id in class_ids:
        class_progress_refresh(class_id=class_id)
    settle_in_process()
    run.details["fixtures"] = {
        "learners": n,
        "ingest_class": ingest[0].code,
        "freshness_classes": len(fresh),
        "seconds": round(time.perf_counter() - started, 1),
        "at": now.isoformat(),
    }
    log(f"fixtures ready in {run.details['fixtures']['seconds']} s")
    return Fixtures(*ingest, *naive, fresh)


def settle_in_process() -> None:
    """Refresh every stale rollup here, as the worker's tasks would, and leave no mark behind
    (a mark whose task was purged would stop later marks from enqueueing theirs)."""
    from enrollment.models import StaleClass
    from reporting.models import StaleRollup
    from reporting.services.class_progress import class_progress_refresh
    from reporting.services.rollups import rollup_national_refresh, rollup_province_refresh
    from reporting.services.stale import stale_rollup_claim

    for class_id in list(StaleClass.objects.values_list("pk", flat=True)):
        class_progress_refresh(class_id=class_id)
    provinces = StaleRollup.objects.exclude(pk__in=[StaleRollup.NATIONAL, StaleRollup.TARGETS])
    for scope in list(provinces.values_list("pk", flat=True)):
        stale_rollup_claim(scope=scope)
        rollup_province_refresh(province_id=scope)
    stale_rollup_claim(scope=StaleRollup.NATIONAL)
    rollup_national_refresh()
    StaleRollup.objects.all().delete()
    StaleClass.objects.all().delete()


def fixtures_remove() -> None:
    """Remove what a run adds (also what an interrupted run left), then bring the rollups of
    the provinces it touched back to the dataset's figures."""
    from django.db import transaction

    from courses.models import Province, TrainingClass, User
    from enrollment.models import Learner
    from reporting.models import StaleRollup
    from reporting.services.dataset_loading import rows_delete_where

    touched = set(TrainingClass.objects.filter(code__startswith=PREFIX).values_list("province_id", flat=True))
    if not touched and not User.objects.filter(username__startswith=USER_PREFIX).exists():
        return
    with transaction.atomic():
        rows_delete_where(TrainingClass, f"code LIKE '{PREFIX}%%'")
        rows_delete_where(Learner, BENCH_LEARNERS)
        rows_delete_where(User, f"username LIKE '{USER_PREFIX}%%'")
    current = {p.pk: (p.successor_id or p.pk) for p in Province.objects.filter(pk__in=touched)}
    StaleRollup.objects.bulk_create(
        [
            StaleRollup(scope=pid, marked_at=datetime.datetime.now(datetime.UTC))
            for pid in set(current.values())
        ],
        ignore_conflicts=True,
    )
    settle_in_process()
