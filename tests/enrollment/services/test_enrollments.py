"""Enrolment services: seats and the waitlist, withdrawal, self-enrolment rules, audit history, and
capacity under concurrent requests on PostgreSQL."""

import datetime
import threading

import pytest
from django.db import connection, connections
from django.utils import timezone

from courses.core.errors import DomainError
from courses.models import ClassMode, ClassStatus, Province, Role
from courses.services.classes import training_class_update
from enrollment.models import AuditEntry, Enrollment, EnrollmentSource, EnrollmentStatus, StaleClass
from enrollment.services import enrollments as enrolments
from enrollment.services.enrollments import (
    enrollment_create,
    enrollment_self_join,
    enrollment_withdraw,
    enrollments_bulk_create,
)
from tests.factories import (
    CurriculumFactory,
    EnrollmentFactory,
    LearnerFactory,
    TrainingClassFactory,
    UserFactory,
)


@pytest.fixture
def small_class(db):
    """An open in-person class of Thái Nguyên with two seats."""
    return TrainingClassFactory(mode=ClassMode.IN_PERSON, capacity=2, planned_size=None)


@pytest.fixture
def admin(db):
    return UserFactory(role=Role.CENTRAL_ADMIN)


def statuses(training_class):
    return list(
        Enrollment.objects.filter(training_class=training_class)
        .order_by("created_at", "id")
        .values_list("learner__full_name", "status")
    )


def enrol(training_class, actor, *names):
    return [
        enrollment_create(learner=LearnerFactory(full_name=name), training_class=training_class, actor=actor)
        for name in names
    ]


def test_seats_then_waitlist(small_class, admin):
    enrol(small_class, admin, "An", "Bình", "Cường", "Dũng")
    assert statuses(small_class) == [
        ("An", "enrolled"),
        ("Bình", "enrolled"),
        ("Cường", "waitlisted"),
        ("Dũng", "waitlisted"),
    ]


def test_an_online_class_has_no_upper_limit(db, admin):
    online = TrainingClassFactory(mode=ClassMode.ONLINE, planned_size=2)
    enrol(online, admin, *[f"Học viên {i}" for i in range(5)])
    assert {s for _, s in statuses(online)} == {"enrolled"}


def test_completed_and_not_completed_learners_hold_their_seats(small_class, admin):
    EnrollmentFactory(training_class=small_class, status=EnrollmentStatus.COMPLETED)
    EnrollmentFactory(training_class=small_class, status=EnrollmentStatus.NOT_COMPLETED)
    EnrollmentFactory(training_class=small_class, status=EnrollmentStatus.WITHDRAWN)
    (enrollment,) = enrol(small_class, admin, "Muộn")
    assert enrollment.status == EnrollmentStatus.WAITLISTED


def test_enrolling_twice_is_a_conflict(small_class, admin):
    (first,) = enrol(small_class, admin, "An")
    with pytest.raises(DomainError) as error:
        enrollment_create(learner=first.learner, training_class=small_class, actor=admin)
    assert error.value.status == 409
    assert error.value.code == "already_enrolled"
    assert Enrollment.objects.filter(learner=first.learner).count() == 1


def test_withdrawal_promotes_the_first_on_the_waitlist(small_class, admin):
    an, _binh, cuong, dung = enrol(small_class, admin, "An", "Bình", "Cường", "Dũng")
    # Cường joined the waitlist first; make Dũng's timestamp equal to check the id tie-break.
    Enrollment.objects.filter(pk=dung.pk).update(created_at=cuong.created_at)

    enrollment_withdraw(enrollment=an, actor=admin, reason="Chuyển công tác")

    assert statuses(small_class) == [
        ("An", "withdrawn"),
        ("Bình", "enrolled"),
        ("Cường", "enrolled"),
        ("Dũng", "waitlisted"),
    ]
    promotion = AuditEntry.objects.get(entity="enrollment", entity_id=cuong.pk, action="promote")
    assert promotion.before["status"] == "waitlisted" and promotion.after["status"] == "enrolled"
    withdrawal = AuditEntry.objects.get(entity="enrollment", entity_id=an.pk, action="withdraw")
    assert withdrawal.reason == "Chuyển công tác"
    assert withdrawal.actor == admin


def test_withdrawing_from_the_waitlist_frees_no_seat(small_class, admin):
    _an, _binh, cuong, dung = enrol(small_class, admin, "An", "Bình", "Cường", "Dũng")
    enrollment_withdraw(enrollment=cuong, actor=admin)
    dung.refresh_from_db()
    assert dung.status == EnrollmentStatus.WAITLISTED


def test_only_enrolled_or_waitlisted_learners_withdraw(small_class, admin):
    done = EnrollmentFactory(training_class=small_class, status=EnrollmentStatus.COMPLETED)
    with pytest.raises(DomainError) as error:
        enrollment_withdraw(enrollment=done, actor=admin)
    assert error.value.status == 409


def test_a_withdrawn_learner_enrolled_again_goes_behind_the_waitlist(small_class, admin):
    an, _binh, cuong = enrol(small_class, admin, "An", "Bình", "Cường")
    enrollment_withdraw(enrollment=an, actor=admin)  # Cường is promoted
    again = enrollment_create(learner=an.learner, training_class=small_class, actor=admin)
    assert again.pk == an.pk
    assert again.status == EnrollmentStatus.WAITLISTED
    assert AuditEntry.objects.filter(entity_id=an.pk, action="re_enrol").exists()
    cuong.refresh_from_db()
    assert cuong.status == EnrollmentStatus.ENROLLED


def test_bulk_enrolment_keeps_the_order_and_leaves_existing_enrolments_alone(small_class, admin):
    already = EnrollmentFactory(training_class=small_class)
    learners = [LearnerFactory() for _ in range(3)]
    result = enrollments_bulk_create(
        training_class=small_class,
        learner_ids=[already.learner_id, *(learner.pk for learner in learners)],
        actor=admin,
        source=EnrollmentSource.ADMIN,
    )
    assert result.unchanged == [already.learner_id]
    assert result.enrolled == [learners[0].pk]
    assert result.waitlisted == [learners[1].pk, learners[2].pk]
    assert AuditEntry.objects.filter(entity="enrollment", action="create").count() == 3


def test_every_change_is_audited_and_marks_the_class_stale(small_class, admin):
    (an,) = enrol(small_class, admin, "An")
    entry = AuditEntry.objects.get(entity="enrollment", entity_id=an.pk)
    assert entry.action == "create"
    assert entry.actor == admin
    assert entry.before is None
    assert entry.after == {"status": "enrolled", "source": "admin"}
    assert entry.source == "admin"
    assert entry.training_class_id == small_class.pk
    assert StaleClass.objects.filter(training_class=small_class).exists()


def test_enrolment_is_closed_once_the_class_has_finished(small_class, admin):
    small_class.status = ClassStatus.FINISHED
    small_class.save()
    with pytest.raises(DomainError) as error:
        enrol(small_class, admin, "Muộn")
    assert error.value.status == 409


def test_more_seats_promote_the_waitlist(small_class, admin):
    enrol(small_class, admin, "An", "Bình", "Cường", "Dũng", "Em")
    training_class_update(training_class=small_class, actor=admin, data={"capacity": 3})
    assert [s for _, s in statuses(small_class)] == ["enrolled"] * 3 + ["waitlisted"] * 2
    training_class_update(training_class=small_class, actor=admin, data={"mode": ClassMode.ONLINE})
    small_class.refresh_from_db()
    assert small_class.capacity is None
    assert [s for _, s in statuses(small_class)] == ["enrolled"] * 5


# --- self-enrolment --------------------------------------------------------------------------------


@pytest.fixture
def open_class(db):
    from courses.models import Position

    position = Position.objects.order_by("sort_order", "code").first()
    return TrainingClassFactory(curriculum=CurriculumFactory(positions=[position]))


def learner_for(open_class, **kwargs):
    position = open_class.curriculum.positions.get()
    return LearnerFactory(position=position, **kwargs)


def test_a_learner_joins_an_open_class_of_their_province_for_their_position(open_class):
    learner = learner_for(open_class)
    enrollment = enrollment_self_join(user=learner.user, training_class=open_class)
    assert enrollment.status == EnrollmentStatus.ENROLLED
    assert enrollment.source == EnrollmentSource.SELF
    assert enrollment.enrolled_by == learner.user


def test_a_class_of_a_legacy_province_counts_as_the_learners_province(db):
    from courses.models import Position

    position = Position.objects.order_by("sort_order", "code").first()
    bac_kan = Province.objects.legacy().get(code="06")  # now part of Thái Nguyên (19)
    legacy_class = TrainingClassFactory(
        province=bac_kan,
        start_date=datetime.date(2025, 6, 1),
        end_date=datetime.date(2026, 12, 31),
        curriculum=CurriculumFactory(positions=[position]),
    )
    learner = LearnerFactory(position=position)
    assert enrollment_self_join(user=learner.user, training_class=legacy_class).status == "enrolled"


@pytest.mark.parametrize(
    ("change", "status", "code"),
    [
        ({"status": ClassStatus.DRAFT}, 409, "class_not_open"),
        ({"status": ClassStatus.RUNNING}, 409, "class_not_open"),
        ({"enrolment_closes": datetime.date(2020, 1, 1)}, 409, "enrolment_closed"),
        ({"enrolment_opens": datetime.date(2099, 1, 1)}, 409, "enrolment_closed"),
        ({"province_code": "01"}, 403, "other_province"),
        ({"other_position": True}, 403, "position_not_served"),
    ],
)
def test_a_learner_cannot_join_a_class_that_is_not_for_them(open_class, change, status, code):
    learner = learner_for(open_class)
    if "province_code" in change:
        open_class.province = Province.objects.current().get(code=change["province_code"])
    elif "other_position" in change:
        from courses.models import Position

        learner.position = Position.objects.exclude(pk=learner.position_id).first()
        learner.save()
    else:
        for name, value in change.items():
            setattr(open_class, name, value)
    open_class.save()
    with pytest.raises(DomainError) as error:
        enrollment_self_join(user=learner.user, training_class=open_class)
    assert (error.value.status, error.value.code) == (status, code)
    assert not Enrollment.objects.filter(learner=learner).exists()


def test_only_learners_join(open_class):
    with pytest.raises(DomainError) as error:
        enrollment_self_join(user=UserFactory(role=Role.TRAINER), training_class=open_class)
    assert error.value.status == 403


def test_the_enrolment_window_is_inclusive(open_class):
    today = timezone.localdate()
    open_class.enrolment_opens = today
    open_class.enrolment_closes = today
    open_class.save()
    assert enrollment_self_join(user=learner_for(open_class).user, training_class=open_class)


# --- concurrency -----------------------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_two_requests_for_the_last_seat_one_enrolled_one_waitlisted(monkeypatch):
    training_class = TrainingClassFactory(mode=ClassMode.IN_PERSON, capacity=2, planned_size=None)
    admin = UserFactory(role=Role.CENTRAL_ADMIN)
    EnrollmentFactory(training_class=training_class)  # one seat left
    first, second = LearnerFactory(full_name="Song Song 1"), LearnerFactory(full_name="Song Song 2")

    # Widen the race: each request waits after counting the seats, so without the class-row lock
    # both would see one free seat and both would be enrolled.
    counted = enrolments.seats_taken

    def slow_count(training_class):
        taken = counted(training_class)
        threading.Event().wait(0.3)
        return taken

    monkeypatch.setattr(enrolments, "seats_taken", slow_count)
    barrier = threading.Barrier(2)
    results, errors = {}, []

    def request(learner):
        try:
            barrier.wait()
            results[learner.pk] = enrollment_create(
                learner=learner, training_class=training_class, actor=admin
            ).status
        except Exception as exc:  # reported below
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=request, args=(learner,)) for learner in (first, second)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert not errors, errors
    assert sorted(results.values()) == ["enrolled", "waitlisted"]
    assert Enrollment.objects.filter(training_class=training_class, status="enrolled").count() == 2

    # Withdrawing the one who got the seat promotes the other.
    winner = next(pk for pk, status in results.items() if status == "enrolled")
    loser = next(pk for pk, status in results.items() if status == "waitlisted")
    monkeypatch.setattr(enrolments, "seats_taken", counted)
    enrollment_withdraw(enrollment=Enrollment.objects.get(learner_id=winner), actor=admin)
    assert Enrollment.objects.get(learner_id=loser).status == "enrolled"
    assert connection.vendor == "postgresql"
