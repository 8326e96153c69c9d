"""The demo dataset of `make demo`: two provinces, each with an online class of 100+ learners and an
in-person class with a waitlist, their sessions and attendance, built through the same services
the API uses, then aggregated.

Two classes live with the clock, so that a newcomer can walk the portal whenever the demo starts
(`demo_live_refresh`):

* the running class (DEMO-TN-ONLINE-NAY) taught by the printed trainer always has a session today
  that has already started: the trainer has a roster to mark at once (no attendance is recorded
  before a session starts);
* the open class (DEMO-TN-ONLINE-MO), online so it always has a free seat, in the printed learner's
  province and serving their position, always has a session whose check-in window is open (it
  opens 15 minutes before the start) or opens within a few minutes.

Idempotent: a class that exists already is left as it is; the live classes get what "now" needs
(dates moved on, today's sessions added) and nothing twice, so running the demo again the same
day changes nothing but the printed passwords, and running it another day adds that day's
sessions. Past sessions of the running class that nobody marked are marked as the trainer would
have, so the class's history has no holes.
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
    ClassSession,
    ClassStatus,
    Commune,
    Curriculum,
    Level,
    Position,
    Programme,
    Province,
    TrainingClass,
)
from courses.services.class_sessions import class_session_create
from courses.services.classes import (
    training_class_create,
    training_class_status_change,
    training_class_update,
)
from enrollment.models import SEAT_STATUSES, Attendance, Enrollment, Gender, Learner
from enrollment.rules.attendance import CHECK_IN_OPENS_BEFORE
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
RUNNING_CLASS = "DEMO-TN-ONLINE-NAY"
OPEN_CLASS = "DEMO-TN-ONLINE-MO"
LIVE_PROVINCE = "19"
# The live classes' dates reach this far ahead of the day the demo runs.
LIVE_AHEAD = datetime.timedelta(days=30)
# The learner's session: it starts this long after the demo (rounded up to 5 minutes), so its
# check-in window (15 minutes before the start) is open when the demo comes up.
CHECK_IN_SESSION_IN = datetime.timedelta(minutes=10)
CHECK_IN_SESSION_LENGTH = datetime.timedelta(hours=2)
# An existing session will do while its check-in window opens within this and it has this left.
CHECK_IN_OPENS_WITHIN = datetime.timedelta(minutes=5)
CHECK_IN_LEFT_AT_LEAST = datetime.timedelta(minutes=30)
# The trainer's session today: started this long before the demo (not before midnight).
MARKING_SESSION_STARTED = datetime.timedelta(hours=1)
MARKING_SESSION_LENGTH = datetime.timedelta(hours=3, minutes=30)
# Learners the demo adds for the walk-through (when every learner of the running class has
# already joined the open class): national-id serials from here on.
WALK_SERIALS = 9000


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
    # What the walk-through uses: the class to join, the session to check in to, the roster to mark.
    open_class: TrainingClass | None = None
    check_in_session: ClassSession | None = None
    marking_session: ClassSession | None = None


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
            RUNNING_CLASS, LIVE_PROVINCE, ClassMode.ONLINE, Level.ELEARNING, 105, upcoming, 6, programme=False
        ),
    ]


def _people(
    rng: random.Random, count: int, province: Province, serial_start: int, actor, position: Position | None
) -> list[Learner]:
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
            # The position the class's curriculum is for: the learner may join its other classes.
            position=position,
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


def _position_of(curriculum: Curriculum) -> Position | None:
    return curriculum.positions.order_by("sort_order", "pk").first()


def _mark_like_a_trainer(
    rng: random.Random, session: ClassSession, enrolled: list[Enrollment], trainer
) -> None:
    records = []
    for enrollment in enrolled:
        status, minutes = _attendance(rng)
        record = {"enrollment": enrollment.pk, "status": status}
        if minutes is not None:
            record["minutes"] = minutes
        records.append(record)
    attendance_mark_roster(session=session, records=records, actor=trainer)


@transaction.atomic
def demo_dataset_load(*, admin, trainer, now: datetime.datetime | None = None) -> DemoResult:
    """The demo's classes (created once) and the live classes' sessions for `now` (default: now)."""
    now = now or timezone.now()
    rng = random.Random(2025)
    today = timezone.localdate(now)
    programme = Programme.objects.get(code=PLAN)
    curricula = list(Curriculum.objects.filter(status="active").order_by("code"))
    result = DemoResult()
    for index, plan in enumerate(_plans(today)):
        result.classes.append(plan.code)
        if TrainingClass.objects.filter(code=plan.code).exists():
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
        learners = _people(
            rng,
            plan.learners,
            province,
            serial_start=index * 1000,
            actor=admin,
            position=_position_of(curriculum),
        )
        enrollments_bulk_create(
            training_class=training_class, learner_ids=[x.pk for x in learners], actor=admin, source="admin"
        )
        training_class_status_change(training_class=training_class, status=ClassStatus.RUNNING, actor=admin)
        enrolled = list(Enrollment.objects.filter(training_class=training_class, status="enrolled"))
        for session in sessions:
            if session.ends_at > now:
                continue
            _mark_like_a_trainer(rng, session, enrolled, trainer)
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
    demo_live_refresh(admin=admin, trainer=trainer, now=now, result=result)
    return result


def demo_progress_compute() -> None:
    """Finish the classes whose end date passed (completion, certificates) and publish the figures."""
    classes_finish_due()
    progress_rebuild()


# --- the live classes: what a walk through the portal needs now ------------------------------------


def _floor_5(moment: datetime.datetime) -> datetime.datetime:
    return moment.replace(minute=moment.minute - moment.minute % 5, second=0, microsecond=0)


def _ceil_5(moment: datetime.datetime) -> datetime.datetime:
    floored = _floor_5(moment)
    return floored if floored == moment else floored + datetime.timedelta(minutes=5)


def _keep_ahead(training_class: TrainingClass, *, admin, today: datetime.date) -> TrainingClass:
    """The class's end and enrolment window moved past today, or the next demo would find it over
    (classes_finish_due finishes a class whose end date has passed)."""
    ahead = today + LIVE_AHEAD
    data = {}
    if training_class.end_date < ahead:
        data["end_date"] = ahead
    if training_class.enrolment_closes is None or training_class.enrolment_closes < ahead:
        data["enrolment_closes"] = ahead
    if data:
        training_class = training_class_update(training_class=training_class, actor=admin, data=data)
    return training_class


def _session_add(training_class: TrainingClass, *, admin, starts: datetime.datetime, length) -> ClassSession:
    day = timezone.localtime(starts, LOCAL)
    return class_session_create(
        training_class=training_class,
        actor=admin,
        starts_at=starts,
        ends_at=starts + length,
        title=f"Buổi ngày {day:%d/%m} lúc {day:%H:%M}",
        join_url=f"https://hop.example.vn/{training_class.code.lower()}/{day:%Y%m%d-%H%M}",
    )


def _running_class(*, admin, today: datetime.date) -> TrainingClass | None:
    training_class = TrainingClass.objects.filter(code=RUNNING_CLASS).first()
    if training_class is None or training_class.is_closed:
        # Closed by hand: its attendance is final, so the demo leaves it be (no session to mark).
        return None
    training_class = _keep_ahead(training_class, admin=admin, today=today)
    if training_class.status != ClassStatus.RUNNING:
        # Finished (or still open): running again, as its dates now say.
        training_class = training_class_status_change(
            training_class=training_class, status=ClassStatus.RUNNING, actor=admin
        )
    return training_class


def _marking_session(
    training_class: TrainingClass, *, admin, trainer, now: datetime.datetime
) -> ClassSession:
    """Today's session of the running class that has started (the trainer marks it now); the
    sessions before today that nobody marked are marked as the trainer would have."""
    start_of_day = datetime.datetime.combine(timezone.localdate(now), datetime.time.min, LOCAL)
    unmarked = (
        training_class.sessions.filter(ends_at__lt=start_of_day)
        .exclude(
            pk__in=Attendance.objects.filter(session__training_class=training_class).values("session_id")
        )
        .order_by("starts_at")
    )
    enrolled = list(
        Enrollment.objects.filter(training_class=training_class, status__in=SEAT_STATUSES).order_by("pk")
    )
    for session in unmarked:
        _mark_like_a_trainer(random.Random(session.pk), session, enrolled, trainer)
    session = (
        training_class.sessions.filter(starts_at__gte=start_of_day, starts_at__lte=now)
        .order_by("-starts_at", "-pk")
        .first()
    )
    if session is None:
        starts = max(start_of_day, _floor_5(timezone.localtime(now, LOCAL) - MARKING_SESSION_STARTED))
        session = _session_add(training_class, admin=admin, starts=starts, length=MARKING_SESSION_LENGTH)
    return session


def _open_class(*, admin, trainer, running: TrainingClass | None, today: datetime.date) -> TrainingClass:
    """The open online class of the live province, the latest of that code that is still open, or a
    new one (an online class has no seat limit: there is always a free seat)."""
    training_class = (
        TrainingClass.objects.filter(code__startswith=OPEN_CLASS, status=ClassStatus.OPEN)
        .order_by("-pk")
        .first()
    )
    if training_class is not None:
        return _keep_ahead(training_class, admin=admin, today=today)
    province = Province.objects.current().get(code=LIVE_PROVINCE)
    position = _position_of(running.curriculum) if running is not None else None
    curricula = Curriculum.objects.filter(status="active").order_by("code")
    serving = curricula.filter(positions=position) if position is not None else curricula
    # Another course for the same position than the running class's, if there is one.
    curriculum = (
        serving.exclude(pk=running.curriculum_id).first() if running is not None else None
    ) or serving.first()
    code = OPEN_CLASS
    if TrainingClass.objects.filter(code=code).exists():
        code = f"{OPEN_CLASS}-{today:%Y%m%d}"
        number = 1
        while TrainingClass.objects.filter(code=code).exists():
            number += 1
            code = f"{OPEN_CLASS}-{today:%Y%m%d}-{number}"
    training_class = training_class_create(
        actor=admin,
        code=code,
        title=f"{curriculum.title_vi} — {province.name} (tuyển sinh)",
        curriculum=curriculum,
        province=province,
        mode=ClassMode.ONLINE,
        level=Level.ELEARNING,
        start_date=today,
        end_date=today + LIVE_AHEAD,
        trainers=[trainer],
        enrolment_opens=today - datetime.timedelta(days=7),
        enrolment_closes=today + LIVE_AHEAD,
        planned_size=60,
    )
    return training_class_status_change(training_class=training_class, status=ClassStatus.OPEN, actor=admin)


def _check_in_session(training_class: TrainingClass, *, admin, now: datetime.datetime) -> ClassSession:
    """A session of the open class whose check-in window is open now or opens within minutes."""
    session = (
        training_class.sessions.filter(
            starts_at__lte=now + CHECK_IN_OPENS_WITHIN + CHECK_IN_OPENS_BEFORE,
            ends_at__gte=now + CHECK_IN_LEFT_AT_LEAST,
        )
        .order_by("starts_at", "pk")
        .first()
    )
    if session is None:
        starts = _ceil_5(timezone.localtime(now, LOCAL) + CHECK_IN_SESSION_IN)
        session = _session_add(training_class, admin=admin, starts=starts, length=CHECK_IN_SESSION_LENGTH)
    return session


def _walking_learner(*, admin, running: TrainingClass | None, open_class: TrainingClass) -> Learner:
    """A learner of the running class, of a position the open class serves, who has not joined the
    open class yet (the printed learner of an earlier demo may have); a new one when none is left."""
    positions = list(open_class.curriculum.positions.order_by("sort_order", "pk"))
    if positions:
        candidates = Learner.objects.filter(position__in=positions, province=open_class.province)
        if running is not None:
            candidates = candidates.filter(
                enrollments__training_class=running, enrollments__status__in=SEAT_STATUSES
            )
        found = (
            candidates.exclude(pk__in=open_class.enrollments.values("learner_id"))
            .select_related("user")
            .order_by("national_id")
            .first()
        )
        if found is not None:
            return found
    province = open_class.province
    rng = random.Random(open_class.pk)
    serial = WALK_SERIALS
    while Learner.objects.filter(national_id__endswith=f"{serial:06d}", province=province).exists():
        serial += 1
    female = rng.random() < 0.5
    learner = learner_create(
        actor=admin,
        national_id=f"{int(province.code):03d}{'1' if female else '0'}{rng.randint(70, 99)}{serial:06d}",
        full_name=" ".join(
            [
                rng.choice(FAMILY),
                rng.choice(MIDDLE_FEMALE if female else MIDDLE_MALE),
                rng.choice(GIVEN_FEMALE if female else GIVEN_MALE),
            ]
        ),
        gender=Gender.FEMALE if female else Gender.MALE,
        date_of_birth=datetime.date(rng.randint(1975, 1998), rng.randint(1, 12), rng.randint(1, 28)),
        commune=Commune.objects.filter(province=province).order_by("code").first(),
        position=positions[0] if positions else None,
    ).learner
    if running is not None:
        enrollments_bulk_create(training_class=running, learner_ids=[learner.pk], actor=admin, source="admin")
    return learner


def demo_live_refresh(*, admin, trainer, now: datetime.datetime, result: DemoResult) -> DemoResult:
    """The running and the open class brought to `now`: a session today for the trainer to mark, a
    session within minutes for the learner to check in to, and a learner who may join the open class."""
    today = timezone.localdate(now)
    running = _running_class(admin=admin, today=today)
    if running is not None:
        result.marking_session = _marking_session(running, admin=admin, trainer=trainer, now=now)
    result.open_class = _open_class(admin=admin, trainer=trainer, running=running, today=today)
    result.check_in_session = _check_in_session(result.open_class, admin=admin, now=now)
    result.learner_username = _walking_learner(
        admin=admin, running=running, open_class=result.open_class
    ).user.username
    if result.open_class.code not in result.classes:
        result.classes.append(result.open_class.code)
    return result
