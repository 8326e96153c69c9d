"""Attendance services: the rules, a trainer's roll call, check-in and check-out, closed classes,
the audit history, stale marks and scores."""

import datetime
import unicodedata
from decimal import Decimal

import pytest

from courses.core.errors import DomainError
from courses.models import ClassMode, ClassStatus
from enrollment.models import (
    Attendance,
    AttendanceSource,
    AttendanceStatus,
    AuditEntry,
    PresenceInterval,
    StaleClass,
)
from enrollment.rules.attendance import Interval, derive_attendance, interval_end, merge_intervals
from enrollment.services.attendance_checkin import (
    attendance_check_in,
    attendance_check_out,
    attendance_heartbeat,
    attendance_open_check_ins_close,
)
from enrollment.services.attendance_roll_call import attendance_mark_roster
from enrollment.services.scores import enrollment_score_set, enrollment_scores_set
from tests.factories import ClassSessionFactory, EnrollmentFactory, TrainingClassFactory

pytestmark = pytest.mark.django_db


def minutes_after(session, minutes):
    return session.starts_at + datetime.timedelta(minutes=minutes)


def close(world):
    world.training_class.status = ClassStatus.CLOSED
    world.training_class.save(update_fields=["status"])


# --- rules ---------------------------------------------------------------------------------------


class TestRules:
    def test_overlapping_and_repeated_joins_are_merged_and_clipped(self, attendance_world):
        session = attendance_world.session  # 08:00-10:00
        merged = merge_intervals(
            [
                Interval(minutes_after(session, -20), minutes_after(session, 30)),  # before the start
                Interval(minutes_after(session, 20), minutes_after(session, 50)),  # overlaps
                Interval(minutes_after(session, 50), minutes_after(session, 60)),  # touches
                Interval(minutes_after(session, 90), minutes_after(session, 150)),  # past the end
            ],
            window_start=session.starts_at,
            window_end=session.ends_at,
        )
        assert merged == [
            (session.starts_at, minutes_after(session, 60)),
            (minutes_after(session, 90), session.ends_at),
        ]

    def test_minutes_never_exceed_the_session(self, attendance_world):
        session = attendance_world.session
        derived = derive_attendance(
            session,
            [
                Interval(minutes_after(session, -60), minutes_after(session, 240)),
                Interval(minutes_after(session, -10), minutes_after(session, 200)),
            ],
        )
        assert derived.minutes == 120
        assert derived.status == AttendanceStatus.PRESENT

    @pytest.mark.parametrize(
        ("intervals", "status", "minutes"),
        [
            ([], AttendanceStatus.ABSENT, 0),
            ([(0, 120)], AttendanceStatus.PRESENT, 120),
            ([(10, 120)], AttendanceStatus.PRESENT, 110),  # joined within 15 minutes
            ([(20, 120)], AttendanceStatus.LATE, 100),  # joined later, still 80%
            ([(0, 60)], AttendanceStatus.ABSENT, 60),  # left early: minutes kept
            ([(0, 50), (60, 106)], AttendanceStatus.PRESENT, 96),  # 96 = 80% of 120
            ([(130, 160)], AttendanceStatus.ABSENT, 0),  # only after the end
        ],
    )
    def test_status_from_intervals(self, attendance_world, intervals, status, minutes):
        session = attendance_world.session
        derived = derive_attendance(
            session, [Interval(minutes_after(session, a), minutes_after(session, b)) for a, b in intervals]
        )
        assert (derived.status, derived.minutes) == (status, minutes)

    def test_an_open_interval_earns_nothing_by_itself(self, attendance_world):
        # Issue 11: a check-in a few minutes after the start, never closed, earned the whole session.
        session = attendance_world.session
        derived = derive_attendance(session, [Interval(minutes_after(session, 5), None)])
        assert derived.minutes == 0
        assert derived.status == AttendanceStatus.ABSENT

    def test_an_open_interval_counts_up_to_its_last_sign_of_presence(self, attendance_world):
        session = attendance_world.session
        joined = minutes_after(session, 5)
        assert interval_end(joined_at=joined, left_at=None, last_seen_at=None) == joined
        assert interval_end(joined_at=joined, left_at=None, last_seen_at=minutes_after(session, 60)) == (
            minutes_after(session, 60)
        )
        # The check-out is the last sign, whatever heartbeats said.
        assert interval_end(
            joined_at=joined, left_at=minutes_after(session, 30), last_seen_at=minutes_after(session, 60)
        ) == minutes_after(session, 30)


# --- a trainer marks the roster ------------------------------------------------------------------


class TestMarkRoster:
    def test_marks_every_listed_learner_with_default_minutes(self, attendance_world):
        world = attendance_world
        a, b, c = world.active
        outcome = attendance_mark_roster(
            session=world.session,
            records=[
                {"enrollment": a.pk, "status": "present"},
                {"learner": b.learner_id, "status": "late", "minutes": 100, "note": "Vào muộn"},
                {"enrollment": c.pk, "status": "excused"},
            ],
            actor=world.trainer,
        )
        assert (outcome.created, outcome.updated, outcome.unchanged) == (3, 0, 0)
        stored = {r.enrollment_id: r for r in Attendance.objects.filter(session=world.session)}
        assert (stored[a.pk].status, stored[a.pk].minutes) == ("present", 120)
        assert (stored[b.pk].status, stored[b.pk].minutes, stored[b.pk].note) == ("late", 100, "Vào muộn")
        assert (stored[c.pk].status, stored[c.pk].minutes) == ("excused", 0)
        assert {r.source for r in stored.values()} == {AttendanceSource.TRAINER}
        assert {r.recorded_by_id for r in stored.values()} == {world.trainer.pk}

    def test_is_audited_marks_the_class_stale_and_unchanged_records_leave_no_trace(self, attendance_world):
        world = attendance_world
        a = world.active[0]
        records = [{"enrollment": a.pk, "status": "present"}]
        attendance_mark_roster(session=world.session, records=records, actor=world.trainer)
        entry = AuditEntry.objects.get(entity="attendance")
        record = Attendance.objects.get()
        assert entry.entity_id == record.pk
        assert entry.training_class_id == world.training_class.pk
        assert entry.actor == world.trainer
        assert entry.before is None
        assert entry.after == {"status": "present", "minutes": 120, "source": "trainer", "note": ""}
        assert entry.source == "trainer"
        assert StaleClass.objects.filter(training_class=world.training_class).exists()

        StaleClass.objects.all().delete()
        again = attendance_mark_roster(session=world.session, records=records, actor=world.trainer)
        assert (again.created, again.updated, again.unchanged) == (0, 0, 1)
        assert AuditEntry.objects.filter(entity="attendance").count() == 1
        assert not StaleClass.objects.exists()

        changed = attendance_mark_roster(
            session=world.session, records=[{"enrollment": a.pk, "status": "absent"}], actor=world.trainer
        )
        assert changed.updated == 1
        latest = AuditEntry.objects.filter(entity="attendance").first()
        assert latest.action == "update"
        assert latest.before["status"] == "present"
        assert latest.after == {"status": "absent", "minutes": 0, "source": "trainer", "note": ""}

    def test_a_note_left_out_is_kept(self, attendance_world):
        world = attendance_world
        a = world.active[0]
        attendance_mark_roster(
            session=world.session,
            records=[{"enrollment": a.pk, "status": "present", "note": "Có mặt"}],
            actor=world.trainer,
        )
        attendance_mark_roster(
            session=world.session, records=[{"enrollment": a.pk, "status": "late"}], actor=world.trainer
        )
        assert Attendance.objects.get().note == "Có mặt"

    def test_decomposed_note_is_stored_composed_and_not_a_change(self, attendance_world):
        world = attendance_world
        a = world.active[0]
        decomposed = unicodedata.normalize("NFD", "Có mặt")
        for _ in range(2):
            attendance_mark_roster(
                session=world.session,
                records=[{"enrollment": a.pk, "status": "present", "note": decomposed}],
                actor=world.trainer,
            )
        assert Attendance.objects.get().note == "Có mặt"
        assert AuditEntry.objects.filter(entity="attendance").count() == 1

    def test_every_bad_record_is_named_and_nothing_is_stored(self, attendance_world):
        world = attendance_world
        a = world.active[0]
        attendance_mark_roster(
            session=world.session, records=[{"enrollment": a.pk, "status": "present"}], actor=world.trainer
        )
        with pytest.raises(DomainError) as caught:
            attendance_mark_roster(
                session=world.session,
                records=[
                    {"enrollment": a.pk, "status": "absent"},
                    {"enrollment": world.withdrawn.pk, "status": "present"},
                    {"enrollment": world.waitlisted.pk, "status": "present"},
                    {"enrollment": world.other_enrollment.pk, "status": "present"},
                    {"enrollment": world.active[1].pk, "status": "present", "minutes": 121},
                    {"learner": a.learner_id, "status": "present"},
                ],
                actor=world.trainer,
            )
        fields = {(e.field, e.code) for e in caught.value.errors}
        assert fields == {
            ("records.1.enrollment", "not_active"),
            ("records.2.enrollment", "not_active"),
            ("records.3.enrollment", "not_found"),
            ("records.4.minutes", "max_value"),
            ("records.5.learner", "duplicate"),
        }
        assert caught.value.status == 400
        assert Attendance.objects.get().status == "present"

    def test_an_admin_marks_with_source_admin(self, attendance_world, province_admin):
        world = attendance_world
        attendance_mark_roster(
            session=world.session,
            records=[{"enrollment": world.active[0].pk, "status": "present"}],
            actor=province_admin,
        )
        assert Attendance.objects.get().source == AttendanceSource.ADMIN


class TestClosedClass:
    def test_trainers_may_not_change_a_closed_class(self, attendance_world):
        world = attendance_world
        close(world)
        with pytest.raises(DomainError) as caught:
            attendance_mark_roster(
                session=world.session,
                records=[{"enrollment": world.active[0].pk, "status": "present"}],
                actor=world.trainer,
                reason="Sửa sai",
            )
        assert caught.value.status == 403
        assert not Attendance.objects.exists()

    def test_admins_need_a_reason(self, attendance_world, province_admin):
        world = attendance_world
        close(world)
        records = [{"enrollment": world.active[0].pk, "status": "present"}]
        with pytest.raises(DomainError) as caught:
            attendance_mark_roster(session=world.session, records=records, actor=province_admin, reason="  ")
        assert caught.value.status == 400
        assert [e.field for e in caught.value.errors] == ["reason"]

        attendance_mark_roster(
            session=world.session, records=records, actor=province_admin, reason="Biên bản ngày 5/12"
        )
        entry = AuditEntry.objects.get(entity="attendance")
        assert entry.reason == "Biên bản ngày 5/12"
        assert entry.actor == province_admin
        assert entry.source == "admin"

    def test_learners_may_not_check_in_to_a_closed_class(self, attendance_world):
        world = attendance_world
        close(world)
        with pytest.raises(DomainError) as caught:
            attendance_check_in(
                session=world.session, user=world.learner_user, now=minutes_after(world.session, 1)
            )
        assert caught.value.status == 403

    def test_scores_of_a_closed_class_need_an_admin_and_a_reason(self, attendance_world, central_admin):
        world = attendance_world
        close(world)
        enrollment = world.active[0]
        with pytest.raises(DomainError) as caught:
            enrollment_score_set(enrollment=enrollment, score=Decimal("8"), actor=world.trainer, reason="x")
        assert caught.value.status == 403
        with pytest.raises(DomainError) as caught:
            enrollment_score_set(enrollment=enrollment, score=Decimal("8"), actor=central_admin)
        assert [e.field for e in caught.value.errors] == ["reason"]
        enrollment_score_set(
            enrollment=enrollment, score=Decimal("8"), actor=central_admin, reason="Phúc khảo"
        )
        enrollment.refresh_from_db()
        assert enrollment.final_score == Decimal("8.00")


# --- check-in and check-out ----------------------------------------------------------------------


class TestCheckIn:
    def test_check_in_and_out_make_an_interval_and_a_record(self, attendance_world):
        world = attendance_world
        session, user = world.session, world.learner_user
        outcome = attendance_check_in(session=session, user=user, now=minutes_after(session, -5))
        assert outcome.checked_in
        # Checked in before the start: no attendance before the session, and none credited ahead.
        assert outcome.attendance is None
        assert not Attendance.objects.exists()
        outcome = attendance_check_out(session=session, user=user, now=minutes_after(session, 100))
        assert not outcome.checked_in
        record = Attendance.objects.get()
        assert (record.status, record.minutes, record.source) == ("present", 100, AttendanceSource.CHECK_IN)
        assert record.recorded_by == user
        interval = PresenceInterval.objects.get()
        assert interval.source == AttendanceSource.CHECK_IN
        assert interval.left_at == minutes_after(session, 100)
        assert StaleClass.objects.filter(training_class=world.training_class).exists()

    def test_repeated_joins_are_merged(self, attendance_world):
        world = attendance_world
        session, user = world.session, world.learner_user
        for join, leave in [(0, 40), (30, 60), (90, 120)]:  # 30-40 overlaps, and a dropped connection
            attendance_check_in(session=session, user=user, now=minutes_after(session, join))
            attendance_check_out(session=session, user=user, now=minutes_after(session, leave))
        record = Attendance.objects.get()
        assert record.minutes == 90  # 0-60 and 90-120
        assert record.status == AttendanceStatus.ABSENT  # 90 < 80% of 120
        assert PresenceInterval.objects.count() == 3
        # Every recomputation that changed the record is in the history.
        assert AuditEntry.objects.filter(entity="attendance", entity_id=record.pk).count() >= 2

    def test_checking_in_twice_keeps_one_open_interval(self, attendance_world):
        world = attendance_world
        session, user = world.session, world.learner_user
        attendance_check_in(session=session, user=user, now=minutes_after(session, 0))
        attendance_check_in(session=session, user=user, now=minutes_after(session, 10))
        assert PresenceInterval.objects.count() == 1

    @pytest.mark.parametrize("offset", [-16, 121, 60 * 24])
    def test_check_in_outside_the_window_is_refused(self, attendance_world, offset):
        world = attendance_world
        with pytest.raises(DomainError) as caught:
            attendance_check_in(
                session=world.session, user=world.learner_user, now=minutes_after(world.session, offset)
            )
        assert caught.value.code == "outside_window"
        assert caught.value.status == 400
        assert not PresenceInterval.objects.exists()
        assert not Attendance.objects.exists()

    def test_check_in_15_minutes_early_is_allowed(self, attendance_world):
        world = attendance_world
        attendance_check_in(
            session=world.session, user=world.learner_user, now=minutes_after(world.session, -15)
        )
        assert PresenceInterval.objects.count() == 1

    def test_check_out_without_check_in_or_too_late_is_refused(self, attendance_world):
        world = attendance_world
        session, user = world.session, world.learner_user
        with pytest.raises(DomainError) as caught:
            attendance_check_out(session=session, user=user, now=minutes_after(session, 30))
        assert caught.value.code == "not_checked_in"
        attendance_check_in(session=session, user=user, now=minutes_after(session, 0))
        with pytest.raises(DomainError) as caught:
            attendance_check_out(session=session, user=user, now=minutes_after(session, 136))
        assert caught.value.code == "outside_window"

    def test_in_person_sessions_have_no_check_in(self, attendance_world, province):
        training_class = TrainingClassFactory(province=province, mode=ClassMode.IN_PERSON, capacity=30)
        session = ClassSessionFactory(training_class=training_class, join_url="")
        enrollment = EnrollmentFactory(training_class=training_class)
        with pytest.raises(DomainError) as caught:
            attendance_check_in(session=session, user=enrollment.learner.user, now=minutes_after(session, 0))
        assert caught.value.code == "not_online"

    def test_a_check_in_never_checked_out_earns_up_to_its_last_heartbeat_only(self, attendance_world):
        # Issue 11: checked in 5 minutes after the start and never out, a learner had the whole session.
        world = attendance_world
        session = world.session
        an, binh = world.learner_user, world.active[1].learner.user
        outcome = attendance_check_in(session=session, user=an, now=minutes_after(session, 5))
        assert (outcome.attendance.status, outcome.attendance.minutes) == ("absent", 0)
        attendance_check_in(session=session, user=binh, now=minutes_after(session, 5))
        for minute in (30, 60, 110):
            attendance_heartbeat(session_id=session.pk, user=an, now=minutes_after(session, minute))
        # The record shows nothing unshown while the session runs; the close after it counts to the
        # last heartbeat (5-110: 105 of 120, present), and a check-in alone earns nothing.
        assert attendance_open_check_ins_close(now=minutes_after(session, 130)) == 0  # check-out still open
        assert attendance_open_check_ins_close(now=minutes_after(session, 136)) == 2
        records = {r.enrollment_id: r for r in Attendance.objects.filter(session=session)}
        assert (records[world.active[0].pk].status, records[world.active[0].pk].minutes) == ("present", 105)
        assert (records[world.active[1].pk].status, records[world.active[1].pk].minutes) == ("absent", 0)
        assert set(PresenceInterval.objects.values_list("left_at", flat=True)) == {
            minutes_after(session, 110),
            minutes_after(session, 5),
        }
        # Closing again finds nothing open and changes nothing.
        assert attendance_open_check_ins_close(now=minutes_after(session, 200)) == 0

    def test_a_heartbeat_is_one_update(self, attendance_world, django_assert_num_queries):
        world = attendance_world
        session = world.session
        attendance_check_in(session=session, user=world.learner_user, now=minutes_after(session, 0))
        with django_assert_num_queries(1):
            attendance_heartbeat(
                session_id=session.pk, user=world.learner_user, now=minutes_after(session, 50)
            )
        assert PresenceInterval.objects.get().last_seen_at == minutes_after(session, 50)

    def test_closing_open_check_ins_keeps_a_trainers_mark(self, attendance_world):
        world = attendance_world
        session = world.session
        attendance_check_in(session=session, user=world.learner_user, now=minutes_after(session, 0))
        attendance_mark_roster(
            session=session,
            records=[{"enrollment": world.active[0].pk, "status": "present"}],
            actor=world.trainer,
        )
        assert attendance_open_check_ins_close(now=minutes_after(session, 200)) == 1
        record = Attendance.objects.get()
        assert (record.status, record.minutes, record.source) == ("present", 120, AttendanceSource.TRAINER)

    def test_only_enrolled_active_learners_check_in(self, attendance_world):
        world = attendance_world
        for user in [world.withdrawn.learner.user, world.waitlisted.learner.user, world.other_learner_user]:
            with pytest.raises(DomainError) as caught:
                attendance_check_in(session=world.session, user=user, now=minutes_after(world.session, 0))
            assert caught.value.status == 404

    def test_check_in_does_not_overwrite_a_trainers_mark(self, attendance_world):
        world = attendance_world
        enrollment = world.active[0]
        attendance_mark_roster(
            session=world.session,
            records=[{"enrollment": enrollment.pk, "status": "absent"}],
            actor=world.trainer,
        )
        outcome = attendance_check_in(
            session=world.session, user=world.learner_user, now=minutes_after(world.session, 0)
        )
        assert (outcome.attendance.status, outcome.attendance.source) == ("absent", AttendanceSource.TRAINER)
        assert PresenceInterval.objects.count() == 1  # the learner's side is kept


# --- scores --------------------------------------------------------------------------------------


class TestScores:
    def test_a_score_is_recorded_audited_and_marks_the_class_stale(self, attendance_world):
        world = attendance_world
        enrollment = world.active[0]
        enrollment_score_set(enrollment=enrollment, score=Decimal("7.5"), actor=world.trainer)
        enrollment.refresh_from_db()
        assert enrollment.final_score == Decimal("7.50")
        entry = AuditEntry.objects.get(entity="enrollment", action="score")
        assert (entry.before, entry.after) == ({"final_score": None}, {"final_score": "7.50"})
        assert StaleClass.objects.filter(training_class=world.training_class).exists()
        enrollment_score_set(enrollment=enrollment, score=Decimal("7.50"), actor=world.trainer)
        assert AuditEntry.objects.filter(entity="enrollment", action="score").count() == 1

    def test_scores_in_bulk_by_enrolment_or_national_id(self, attendance_world):
        world = attendance_world
        a, b, c = world.active
        outcome = enrollment_scores_set(
            training_class=world.training_class,
            scores=[
                {"enrollment": a.pk, "score": Decimal("9")},
                {"national_id": b.learner.national_id.lstrip("0"), "score": Decimal("6.25")},
            ],
            actor=world.trainer,
        )
        assert (outcome.updated, outcome.unchanged) == (2, 0)
        b.refresh_from_db()
        assert b.final_score == Decimal("6.25")

        with pytest.raises(DomainError) as caught:
            enrollment_scores_set(
                training_class=world.training_class,
                scores=[
                    {"enrollment": c.pk, "score": Decimal("5")},
                    {"enrollment": world.withdrawn.pk, "score": Decimal("5")},
                    {"national_id": "999999999999", "score": Decimal("5")},
                ],
                actor=world.trainer,
            )
        assert {e.field for e in caught.value.errors} == {"scores.1.enrollment", "scores.2.national_id"}
        c.refresh_from_db()
        assert c.final_score is None


# --- the task that closes check-ins left open, on the real worker --------------------------------


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_the_worker_ends_a_forgotten_check_in_at_its_last_heartbeat(celery_worker, attendance_world):
    from enrollment.tasks import close_open_check_ins_task

    world = attendance_world
    session = world.session  # ended months ago
    attendance_check_in(session=session, user=world.learner_user, now=minutes_after(session, 0))
    attendance_heartbeat(session_id=session.pk, user=world.learner_user, now=minutes_after(session, 100))
    assert close_open_check_ins_task.delay().get(timeout=60) == 1
    record = Attendance.objects.get()
    assert (record.status, record.minutes, record.source) == ("present", 100, AttendanceSource.CHECK_IN)
    assert PresenceInterval.objects.get().left_at == minutes_after(session, 100)
