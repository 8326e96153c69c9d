"""The rules every class and session follows, whoever writes them."""

import datetime
from zoneinfo import ZoneInfo

import pytest

from courses.core.errors import DomainError
from courses.models import ClassMode, ClassStatus, InstitutionKind, Level, Province, Role
from courses.services.class_sessions import class_session_create, class_session_delete, class_session_update
from courses.services.classes import (
    training_class_create,
    training_class_status_change,
    training_class_update,
)
from enrollment.models import Attendance, StaleClass
from tests.factories import (
    ClassSessionFactory,
    CurriculumFactory,
    EnrollmentFactory,
    ProgrammeFactory,
    TopicFactory,
    TrainingClassFactory,
    TrainingInstitutionFactory,
    UserFactory,
)

LOCAL = ZoneInfo("Asia/Ho_Chi_Minh")


def at(day: datetime.date, hour: int, minute: int = 0) -> datetime.datetime:
    return datetime.datetime.combine(day, datetime.time(hour, minute), tzinfo=LOCAL)


@pytest.fixture
def thai_nguyen(db):
    return Province.objects.current().get(code="19")


@pytest.fixture
def bac_kan(db):
    return Province.objects.legacy().get(code="06")


def create(actor, **overrides):
    values = {
        "code": "lop-1",
        "title": "Lớp bồi dưỡng",
        "curriculum": CurriculumFactory(),
        "province": Province.objects.current().get(code="19"),
        "mode": ClassMode.ONLINE,
        "level": Level.PROVINCIAL,
        "start_date": datetime.date(2026, 9, 1),
        "end_date": datetime.date(2026, 9, 30),
        "planned_size": 150,
        **overrides,
    }
    return training_class_create(actor=actor, **values)


def fields_of(error) -> set:
    return {item.field for item in error.value.errors}


def test_an_online_class_is_created_as_a_draft_organised_by_its_province(central_admin, thai_nguyen):
    training_class = create(central_admin)
    assert training_class.status == ClassStatus.DRAFT
    assert training_class.capacity is None and training_class.planned_size == 150
    assert training_class.organiser_province == thai_nguyen
    assert training_class.created_by == central_admin
    assert training_class.search_text == "lop-1 lop boi duong"


def test_a_class_before_july_2025_is_held_in_a_legacy_province(central_admin, thai_nguyen, bac_kan):
    early = {"start_date": datetime.date(2025, 3, 1), "end_date": datetime.date(2025, 3, 31)}
    assert create(central_admin, province=bac_kan, **early).province == bac_kan
    with pytest.raises(DomainError) as error:
        create(central_admin, code="lop-2", province=thai_nguyen, organiser_province=thai_nguyen, **early)
    assert fields_of(error) == {"province_id", "organiser_province_id"}
    assert error.value.errors[0].code == "province_not_in_force"


def test_a_class_after_july_2025_is_held_in_a_current_province(central_admin, bac_kan):
    with pytest.raises(DomainError) as error:
        create(central_admin, province=bac_kan)
    assert fields_of(error) == {"province_id", "organiser_province_id"}
    # The message names the current unit to choose instead.
    assert "Thái Nguyên" in error.value.errors[0].message


def test_the_curriculum_must_be_active(central_admin):
    with pytest.raises(DomainError) as error:
        create(central_admin, curriculum=CurriculumFactory(status="retired"))
    assert fields_of(error) == {"curriculum_id"}


@pytest.mark.parametrize(
    ("mode", "capacity", "ok"),
    [
        (ClassMode.IN_PERSON, 40, True),
        (ClassMode.BLENDED, 40, True),
        (ClassMode.IN_PERSON, None, False),
        (ClassMode.BLENDED, None, False),
        (ClassMode.ONLINE, None, True),
        (ClassMode.ONLINE, 200, False),  # online classes have no upper limit
    ],
)
def test_capacity_by_mode(central_admin, mode, capacity, ok):
    if ok:
        assert create(central_admin, mode=mode, capacity=capacity).capacity == capacity
    else:
        with pytest.raises(DomainError) as error:
            create(central_admin, mode=mode, capacity=capacity)
        assert fields_of(error) == {"capacity"}


def test_every_broken_rule_is_reported_at_once(central_admin):
    TrainingClassFactory(code="lop-1")
    with pytest.raises(DomainError) as error:
        create(
            central_admin,
            start_date=datetime.date(2026, 9, 30),
            end_date=datetime.date(2026, 9, 1),
            enrolment_opens=datetime.date(2026, 9, 10),
            enrolment_closes=datetime.date(2026, 9, 5),
            trainers=[UserFactory(role=Role.LEARNER)],
            programme=ProgrammeFactory(levels=[Level.CENTRAL]),
        )
    assert fields_of(error) == {"code", "end_date", "enrolment_closes", "trainer_ids.0", "level"}


def test_a_provincial_admin_creates_classes_in_their_province_only(province_admin, thai_nguyen, bac_kan):
    assert create(province_admin).province == thai_nguyen
    # A legacy unit merged into their province is theirs too.
    create(
        province_admin,
        code="lop-bk",
        province=bac_kan,
        start_date=datetime.date(2025, 5, 1),
        end_date=datetime.date(2025, 5, 31),
    )
    with pytest.raises(DomainError) as error:
        create(province_admin, code="lop-hn", province=Province.objects.current().get(code="01"))
    assert error.value.status == 403
    # With a school of theirs, the class is still organised by the province.
    institution = TrainingInstitutionFactory(province=thai_nguyen)
    assert create(province_admin, code="lop-hv", institution=institution).organiser_province == thai_nguyen


def test_a_provincial_admins_class_never_counts_towards_the_central_target(province_admin, thai_nguyen):
    """Issue 10, finding 9: level=central and a central institution on their own class made it count
    towards the central institutions' target."""
    with pytest.raises(DomainError) as error:
        create(province_admin, level=Level.CENTRAL)
    assert (error.value.status, fields_of(error)) == (403, {"level"})
    central_school = TrainingInstitutionFactory(kind=InstitutionKind.CENTRAL)
    with pytest.raises(DomainError) as error:
        create(province_admin, code="lop-tw", institution=central_school)
    assert (error.value.status, fields_of(error)) == (403, {"institution_id"})
    hanoi_school = TrainingInstitutionFactory(province=Province.objects.current().get(code="01"))
    with pytest.raises(DomainError) as error:
        create(province_admin, code="lop-hn", institution=hanoi_school)
    assert (error.value.status, fields_of(error)) == (403, {"institution_id"})
    # Their province's online class counts towards e-learning.
    online = create(province_admin, code="lop-tt", level=Level.ELEARNING)
    assert (online.level, online.organiser_province, online.institution) == (
        Level.ELEARNING,
        thai_nguyen,
        None,
    )


def test_a_provincial_admin_cannot_move_their_class_to_the_central_level(province_admin, thai_nguyen):
    training_class = create(province_admin)
    central_school = TrainingInstitutionFactory(kind=InstitutionKind.CENTRAL)
    own_school = TrainingInstitutionFactory(province=thai_nguyen)
    for data, field in [
        ({"level": Level.CENTRAL}, "level"),
        ({"institution": central_school}, "institution_id"),
        ({"institution": own_school, "organiser_province": None}, "organiser_province_id"),
    ]:
        with pytest.raises(DomainError) as error:
            training_class_update(training_class=training_class, actor=province_admin, data=data)
        assert (error.value.status, fields_of(error)) == (403, {field}), data
    training_class.refresh_from_db()
    assert (training_class.level, training_class.organiser_province, training_class.institution) == (
        Level.PROVINCIAL,
        thai_nguyen,
        None,
    )
    # What is theirs to choose they still choose.
    training_class_update(
        training_class=training_class,
        actor=province_admin,
        data={"level": Level.ELEARNING, "institution": own_school},
    )
    training_class.refresh_from_db()
    assert (training_class.level, training_class.institution) == (Level.ELEARNING, own_school)


def test_central_admins_choose_the_level_and_the_organiser(central_admin, province_admin, thai_nguyen):
    central_school = TrainingInstitutionFactory(kind=InstitutionKind.CENTRAL)
    training_class = create(central_admin, level=Level.CENTRAL, institution=central_school)
    assert (training_class.level, training_class.institution, training_class.organiser_province) == (
        Level.CENTRAL,
        central_school,
        None,
    )
    # The province's admin still runs it (held in their province) without changing what it counts for.
    training_class_update(training_class=training_class, actor=province_admin, data={"title": "Lớp mới"})
    training_class.refresh_from_db()
    assert (training_class.title, training_class.level) == ("Lớp mới", Level.CENTRAL)


def test_trainers_do_not_create_classes(trainer):
    with pytest.raises(DomainError) as error:
        create(trainer)
    assert error.value.status == 403


# --- status --------------------------------------------------------------------------------------


def test_the_status_follows_the_flow(central_admin):
    training_class = create(central_admin)
    for status in ("open", "draft", "open", "running", "finished", "running", "finished", "closed"):
        training_class = training_class_status_change(
            training_class=training_class, status=status, actor=None
        )
        assert training_class.status == status
    for status in ("draft", "open", "running", "finished"):
        with pytest.raises(DomainError) as error:
            training_class_status_change(training_class=training_class, status=status, actor=None)
        assert fields_of(error) == {"status"}


def test_a_draft_cannot_skip_to_running(central_admin):
    training_class = create(central_admin)
    with pytest.raises(DomainError):
        training_class_status_change(training_class=training_class, status="running", actor=None)


def test_a_draft_whose_curriculum_was_retired_does_not_open(central_admin):
    training_class = create(central_admin)
    training_class.curriculum.status = "retired"
    training_class.curriculum.save()
    with pytest.raises(DomainError) as error:
        training_class_status_change(training_class=training_class, status="open", actor=None)
    assert error.value.code == "curriculum_retired"


def test_a_status_change_marks_the_class_stale(central_admin):
    training_class = create(central_admin)
    training_class_status_change(training_class=training_class, status="open", actor=central_admin)
    assert StaleClass.objects.filter(training_class=training_class).exists()


# --- updates -------------------------------------------------------------------------------------


def test_moving_the_dates_may_not_leave_sessions_outside(central_admin):
    training_class = TrainingClassFactory()
    ClassSessionFactory(training_class=training_class, starts_at=at(datetime.date(2026, 9, 1), 8))
    with pytest.raises(DomainError) as error:
        training_class_update(
            training_class=training_class, actor=central_admin, data={"start_date": datetime.date(2026, 9, 2)}
        )
    assert fields_of(error) == {"start_date"}
    training_class.refresh_from_db()
    assert training_class.start_date == datetime.date(2026, 9, 1)


def test_the_curriculum_changes_only_before_the_class_runs(central_admin):
    training_class = TrainingClassFactory(status=ClassStatus.RUNNING)
    with pytest.raises(DomainError) as error:
        training_class_update(
            training_class=training_class, actor=central_admin, data={"curriculum": CurriculumFactory()}
        )
    assert fields_of(error) == {"curriculum_id"}


def test_a_trainer_changes_delivery_but_not_organisation(trainer):
    training_class = TrainingClassFactory(trainers=[trainer])
    training_class_update(
        training_class=training_class,
        actor=trainer,
        data={"title": "Tên mới", "end_date": datetime.date(2026, 12, 20), "planned_size": 300},
    )
    training_class.refresh_from_db()
    assert (training_class.title, training_class.planned_size) == ("Tên mới", 300)
    assert training_class.search_text.endswith("ten moi")
    with pytest.raises(DomainError) as error:
        training_class_update(training_class=training_class, actor=trainer, data={"level": Level.CENTRAL})
    assert (error.value.status, fields_of(error)) == (403, {"level"})


def test_a_closed_class_does_not_change(central_admin):
    training_class = TrainingClassFactory(status=ClassStatus.CLOSED)
    with pytest.raises(DomainError) as error:
        training_class_update(training_class=training_class, actor=central_admin, data={"title": "x"})
    assert (error.value.status, error.value.code) == (409, "class_closed")


# --- sessions ------------------------------------------------------------------------------------


@pytest.fixture
def september_class(db):
    return TrainingClassFactory(start_date=datetime.date(2026, 9, 1), end_date=datetime.date(2026, 9, 30))


def test_a_session_within_the_class_dates(september_class, trainer):
    topic = TopicFactory(curriculum=september_class.curriculum)
    session = class_session_create(
        training_class=september_class,
        actor=trainer,
        starts_at=at(datetime.date(2026, 9, 30), 19),
        ends_at=at(datetime.date(2026, 9, 30), 21, 30),
        planned_minutes=120,
        topic=topic,
        join_url="https://meet.example.vn/a",
    )
    assert (session.planned_minutes, session.topic) == (120, topic)
    assert StaleClass.objects.filter(training_class=september_class).exists()


@pytest.mark.parametrize(
    ("starts", "ends", "minutes", "fields"),
    [
        (at(datetime.date(2026, 8, 31), 8), at(datetime.date(2026, 8, 31), 10), 60, {"starts_at"}),
        (at(datetime.date(2026, 9, 30), 23), at(datetime.date(2026, 10, 1), 1), 60, {"ends_at"}),
        (at(datetime.date(2026, 9, 2), 8), at(datetime.date(2026, 9, 2), 10), 121, {"planned_minutes"}),
        (at(datetime.date(2026, 9, 2), 10), at(datetime.date(2026, 9, 2), 8), 60, {"ends_at"}),
    ],
)
def test_sessions_that_break_the_rules(september_class, trainer, starts, ends, minutes, fields):
    with pytest.raises(DomainError) as error:
        class_session_create(
            training_class=september_class,
            actor=trainer,
            starts_at=starts,
            ends_at=ends,
            planned_minutes=minutes,
        )
    assert fields_of(error) == fields


def test_a_session_topic_belongs_to_the_class_curriculum(september_class, trainer):
    with pytest.raises(DomainError) as error:
        class_session_create(
            training_class=september_class,
            actor=trainer,
            starts_at=at(datetime.date(2026, 9, 2), 8),
            ends_at=at(datetime.date(2026, 9, 2), 10),
            topic=TopicFactory(),
        )
    assert fields_of(error) == {"topic_id"}


def test_a_session_with_attendance_keeps_room_for_it_and_is_not_deleted(september_class, trainer):
    session = ClassSessionFactory(training_class=september_class)  # 08:00-10:00
    enrollment = EnrollmentFactory(training_class=september_class)
    Attendance.objects.create(
        session=session, enrollment=enrollment, status="present", minutes=110, source="trainer"
    )
    with pytest.raises(DomainError) as error:
        class_session_update(
            session=session,
            actor=trainer,
            data={"ends_at": at(september_class.start_date, 9), "planned_minutes": 60},
        )
    assert fields_of(error) == {"ends_at"}
    with pytest.raises(DomainError) as error:
        class_session_delete(session=session, actor=trainer)
    assert error.value.status == 409
