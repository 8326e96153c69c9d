"""The demo dataset of `make demo`: two provinces, each with an online class of 100+ learners and an
in-person class with a waitlist, their sessions and attendance, built through the same services
the API uses, then aggregated.

Idempotent: a class that exists already is left as it is, so running the demo again only renews
the printed passwords.
"""

from __future__ import annotations

import datetime
import random
from dataclasses import dataclass, field
from decimal import Decimal
from zoneinfo import ZoneInfo

from django.db import transaction
from django.utils import timezone

from courses.models import (
    ClassMode,
    ClassStatus,
    Commune,
    Curriculum,
    Level,
    Programme,
    Province,
    TrainingClass,
)
from courses.services.class_sessions import class_session_create
from courses.services.classes import training_class_create, training_class_status_change
from enrollment.models import Enrollment, Gender, Learner
from enrollment.services.attendance_roll_call import attendance_mark_roster
from enrollment.services.enrollments import enrollments_bulk_create
from enrollment.services.learners import learner_create
from enrollment.services.scores import enrollment_scores_set
from reporting.services.dataset_people import (
    FAMILY,
    GIVEN_FEMALE,
    GIVEN_MALE,
    MIDDLE_FEMALE,
    MIDDLE_MALE,
    MINORITIES,
)
from reporting.services.periodic import classes_finish_due
from reporting.services.rebuilds import progress_rebuild

LOCAL = ZoneInfo("Asia/Ho_Chi_Minh")
PLAN = "ke-hoach-2021-2025"


@dataclass
class DemoClassPlan:
    code: str
    province_code: str
    mode: str
    level: str
    learners: int
    start: datetime.date
    sessions: int
    capacity: int | None = None
    programme: bool = True


@dataclass
class DemoResult:
    classes: list[str] = field(default_factory=list)
    learner_username: str = ""


def _plans(today: datetime.date) -> list[DemoClassPlan]:
    upcoming = today - datetime.timedelta(days=7)
    return [
        DemoClassPlan(
            "DEMO-TN-ONLINE-2025", "19", ClassMode.ONLINE, Level.ELEARNING, 120, datetime.date(2025, 10, 6), 8
        ),
        DemoClassPlan(
            "DEMO-TN-TRUCTIEP-2025",
            "19",
            ClassMode.IN_PERSON,
            Level.PROVINCIAL,
            34,
            datetime.date(2025, 11, 3),
            6,
            capacity=30,
        ),
        DemoClassPlan(
            "DEMO-HN-ONLINE-2025", "01", ClassMode.ONLINE, Level.ELEARNING, 110, datetime.date(2025, 9, 15), 8
        ),
        DemoClassPlan(
            "DEMO-HN-TRUCTIEP-2025",
            "01",
            ClassMode.IN_PERSON,
            Level.PROVINCIAL,
            33,
            datetime.date(2025, 11, 10),
            6,
            capacity=30,
        ),
        # Running now, with sessions ahead: what a learner and a trainer see day to day.
        DemoClassPlan(
            "DEMO-TN-ONLINE-NAY", "19", ClassMode.ONLINE, Level.ELEARNING, 105, upcoming, 6, programme=False
        ),
    ]


def _people(rng: random.Random, count: int, province: Province, serial_start: int, actor) -> list[Learner]:
    communes = list(Commune.objects.filter(province=province).values_list("id", flat=True)[:40])
    learners = []
    for index in range(count):
        female = rng.random() < 0.45
        name = " ".join(
            [
                rng.choice(FAMILY),
                rng.choice(MIDDLE_FEMALE if female else MIDDLE_MALE),
                rng.choice(GIVEN_FEMALE if female else GIVEN_MALE),
            ]
        )
        national_id = (
            f"{int(province.code):03d}{'1' if female else '0'}{rng.randint(70, 99)}{serial_start + index:06d}"
        )
        existing = Learner.objects.filter(national_id=national_id).first()
        if existing is not None:
            learners.append(existing)
            continue
        created = learner_create(
            actor=actor,
            national_id=national_id,
            full_name=name,
            gender=Gender.FEMALE if female else Gender.MALE,
            date_of_birth=datetime.date(rng.randint(1970, 1998), rng.randint(1, 12), rng.randint(1, 28)),
            ethnicity=rng.choice(MINORITIES) if province.code == "19" and rng.random() < 0.5 else "Kinh",
            commune=Commune.objects.get(pk=rng.choice(communes)),
        )
        learners.append(created.learner)
    return learners


def _session_times(plan: DemoClassPlan, number: int) -> tuple[datetime.datetime, datetime.datetime]:
    day = plan.start + datetime.timedelta(days=3 * number)
    starts = datetime.datetime.combine(day, datetime.time(8, 0), LOCAL)
    return starts, starts + datetime.timedelta(hours=3, minutes=30)


def _attendance(rng: random.Random) -> tuple[str, int | None]:
    draw = rng.random()
    if draw < 0.82:
        return "present", None
    if draw < 0.90:
        # Late still attends 80% of the session (168 of 210 minutes): fewer minutes are an absence.
        return "late", rng.randint(170, 200)
    if draw < 0.94:
        return "excused", None
    return "absent", None


@transaction.atomic
def demo_dataset_load(*, admin, trainer) -> DemoResult:
    rng = random.Random(2025)
    today = timezone.localdate()
    programme = Programme.objects.get(code=PLAN)
    curricula = list(Curriculum.objects.filter(status="active").order_by("code"))
    result = DemoResult()
    for index, plan in enumerate(_plans(today)):
        result.classes.append(plan.code)
        existing = TrainingClass.objects.filter(code=plan.code).first()
        if existing is not None:
            if not plan.programme and not result.learner_username:
                result.learner_username = existing.enrollments.order_by("id").first().learner.user.username
            continue
        province = Province.objects.current().get(code=plan.province_code)
        curriculum = curricula[(index * 5) % len(curricula)]
        training_class = training_class_create(
            actor=admin,
            code=plan.code,
            title=f"{curriculum.title_vi} — {province.name}",
            curriculum=curriculum,
            province=province,
            mode=plan.mode,
            level=plan.level,
            programme=programme if plan.programme else None,
            start_date=plan.start,
            end_date=plan.start + datetime.timedelta(days=3 * plan.sessions),
            trainers=[trainer],
            enrolment_opens=plan.start - datetime.timedelta(days=30),
            enrolment_closes=plan.start + datetime.timedelta(days=3 * plan.sessions),
            capacity=plan.capacity,
            planned_size=plan.learners if plan.mode == ClassMode.ONLINE else None,
            spending_million_vnd=round(plan.learners * 1.1, 1),
        )
        sessions = []
        for number in range(plan.sessions):
            starts, ends = _session_times(plan, number)
            sessions.append(
                class_session_create(
                    training_class=training_class,
                    actor=admin,
                    starts_at=starts,
                    ends_at=ends,
                    title=f"Buổi {number + 1}",
                    join_url=f"https://hop.example.vn/{plan.code.lower()}/{number + 1}"
                    if plan.mode == ClassMode.ONLINE
                    else "",
                    location="" if plan.mode == ClassMode.ONLINE else f"Hội trường Sở Nội vụ {province.name}",
                )
            )
        training_class_status_change(training_class=training_class, status=ClassStatus.OPEN, actor=admin)
        learners = _people(rng, plan.learners, province, serial_start=index * 1000, actor=admin)
        enrollments_bulk_create(
            training_class=training_class, learner_ids=[x.pk for x in learners], actor=admin, source="admin"
        )
        training_class_status_change(training_class=training_class, status=ClassStatus.RUNNING, actor=admin)
        enrolled = list(Enrollment.objects.filter(training_class=training_class, status="enrolled"))
        for session in sessions:
            if session.ends_at > timezone.now():
                continue
            records = []
            for enrollment in enrolled:
                status, minutes = _attendance(rng)
                record = {"enrollment": enrollment.pk, "status": status}
                if minutes is not None:
                    record["minutes"] = minutes
                records.append(record)
            attendance_mark_roster(session=session, records=records, actor=trainer)
        if training_class.end_date < today and curriculum.has_final_assessment:
            # The trainer records the final assessment; about one in seven fails it.
            scores = [
                {
                    "enrollment": e.pk,
                    "score": Decimal(str(rng.choice([4, 5.5, 6, 6.5, 7, 7.5, 8, 8.5, 9, 9.5] * 2 + [3]))),
                }
                for e in enrolled
            ]
            enrollment_scores_set(training_class=training_class, scores=scores, actor=trainer)
        if not plan.programme and not result.learner_username:
            result.learner_username = learners[0].user.username
    return result


def demo_progress_compute() -> None:
    """Finish the classes whose end date passed (completion, certificates) and publish the figures."""
    classes_finish_due()
    progress_rebuild()
