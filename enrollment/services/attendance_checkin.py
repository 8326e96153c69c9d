"""A learner checks in and out of an online session.

Their client's heartbeats move the last sign of presence (`attendance_heartbeat`), and check-ins
left open end at it once the session is over (`attendance_open_check_ins_close`).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from rest_framework import status as http

from courses.core.errors import DomainError
from courses.models import ClassSession, ClassStatus
from enrollment.models import SEAT_STATUSES, Attendance, AttendanceSource, Enrollment, PresenceInterval
from enrollment.rules.attendance import (
    CHECK_IN_OPENS_BEFORE,
    CHECK_OUT_CLOSES_AFTER,
    Interval,
    derive_attendance,
    interval_end,
    session_is_online,
)
from enrollment.services.attendance_checks import ensure_may_change
from enrollment.services.attendance_store import AttendanceChange, attendance_apply


@dataclass
class CheckInOutcome:
    session: ClassSession
    enrollment: Enrollment
    intervals: list[PresenceInterval]
    attendance: Attendance | None
    checked_in: bool  # an interval is open: joined and not left


def _learner_enrollment_locked(*, session: ClassSession, user) -> Enrollment:
    # Locked, so that two check-ins of the same learner at once make one interval, not two.
    enrollment = (
        Enrollment.objects.select_for_update(of=("self",))
        .filter(
            learner__user=user,
            training_class_id=session.training_class_id,
            status__in=SEAT_STATUSES,
        )
        .first()
    )
    if enrollment is None:
        raise DomainError(
            message=_("Bạn không học lớp của buổi học này."), code="not_found", status=http.HTTP_404_NOT_FOUND
        )
    return enrollment


def _ensure_online(session: ClassSession) -> None:
    if not session_is_online(session):
        raise DomainError(
            message=_("Buổi học này học trực tiếp: giảng viên điểm danh tại lớp."), code="not_online"
        )


def _check_in_outcome(session: ClassSession, enrollment: Enrollment, user, *, now) -> CheckInOutcome:
    """Recompute the record from the learner's check-in intervals, up to their last sign of presence.

    A record set by a trainer, an admin, the platform's report or an integration is not
    overwritten by a check-in: a person or a better measure has decided it. The interval is kept.
    Before the session starts nothing is recorded (no attendance before the session): the
    interval waits for the session.
    """
    intervals = list(
        PresenceInterval.objects.filter(
            session=session, enrollment=enrollment, source=AttendanceSource.CHECK_IN
        )
    )
    record = Attendance.objects.filter(session=session, enrollment=enrollment).first()
    if (record is None or record.source == AttendanceSource.CHECK_IN) and now >= session.starts_at:
        change = _check_in_change(session, enrollment.pk, intervals)
        record = attendance_apply(changes=[change], source=AttendanceSource.CHECK_IN, actor=user).records[0]
    return CheckInOutcome(
        session=session,
        enrollment=enrollment,
        intervals=intervals,
        attendance=record,
        checked_in=any(i.left_at is None for i in intervals),
    )


def _check_in_change(
    session: ClassSession, enrollment_id: int, intervals: Iterable[PresenceInterval]
) -> AttendanceChange:
    """The record of check-in intervals, each ending at its last sign of presence, to the second."""
    derived = derive_attendance(
        session,
        [
            Interval(
                i.joined_at,
                interval_end(joined_at=i.joined_at, left_at=i.left_at, last_seen_at=i.last_seen_at),
            )
            for i in intervals
        ],
    )
    return AttendanceChange(session, enrollment_id, derived.status, derived.minutes, seconds=derived.seconds)


@transaction.atomic
def attendance_check_in(*, session: ClassSession, user, now=None) -> CheckInOutcome:
    """The learner joins an online session; allowed from 15 minutes before its start to its end.

    Checking in again while checked in changes nothing.
    """
    now = now or timezone.now()
    enrollment = _learner_enrollment_locked(session=session, user=user)
    _ensure_online(session)
    ensure_may_change(classes=[session.training_class], actor=user)
    if not session.starts_at - CHECK_IN_OPENS_BEFORE <= now <= session.ends_at:
        raise _check_in_window_error(session)
    is_open = PresenceInterval.objects.filter(
        session=session, enrollment=enrollment, source=AttendanceSource.CHECK_IN, left_at__isnull=True
    ).exists()
    if not is_open:
        PresenceInterval.objects.create(
            session=session,
            enrollment=enrollment,
            joined_at=now,
            last_seen_at=now,
            source=AttendanceSource.CHECK_IN,
        )
    return _check_in_outcome(session, enrollment, user, now=now)


@transaction.atomic
def attendance_check_out(*, session: ClassSession, user, now=None) -> CheckInOutcome:
    """The learner leaves an online session; allowed until 15 minutes after its end."""
    now = now or timezone.now()
    enrollment = _learner_enrollment_locked(session=session, user=user)
    _ensure_online(session)
    ensure_may_change(classes=[session.training_class], actor=user)
    if now > session.ends_at + CHECK_OUT_CLOSES_AFTER:
        raise DomainError(
            message=_("Đã quá giờ điểm danh ra của buổi học (%(closes)s).")
            % {
                "closes": timezone.localtime(session.ends_at + CHECK_OUT_CLOSES_AFTER).strftime(
                    "%H:%M %d/%m/%Y"
                )
            },
            code="outside_window",
        )
    interval = (
        PresenceInterval.objects.filter(
            session=session, enrollment=enrollment, source=AttendanceSource.CHECK_IN, left_at__isnull=True
        )
        .order_by("-joined_at")
        .first()
    )
    if interval is None:
        raise DomainError(message=_("Bạn chưa điểm danh vào buổi học này."), code="not_checked_in")
    interval.left_at = max(now, interval.joined_at)
    interval.save(update_fields=["left_at"])
    return _check_in_outcome(session, enrollment, user, now=now)


def _check_in_window_error(session: ClassSession) -> DomainError:
    opens = session.starts_at - CHECK_IN_OPENS_BEFORE
    return DomainError(
        message=_("Chỉ điểm danh vào được từ %(opens)s đến %(closes)s.")
        % {
            "opens": timezone.localtime(opens).strftime("%H:%M %d/%m/%Y"),
            "closes": timezone.localtime(session.ends_at).strftime("%H:%M %d/%m/%Y"),
        },
        code="outside_window",
    )


def attendance_heartbeat(*, session_id: int, user, now=None) -> None:
    """The learner's client says the learner is still in the session: one UPDATE when all is well.

    Moves the last sign of presence of the learner's open check-in to now, within the check-in
    window (from 15 minutes before the start to the end) of a class not closed. The record's
    figure follows at the check-out, or when the open check-ins of ended sessions are closed
    (`attendance_open_check_ins_close`). When nothing was updated, says why: 404 for a session
    not of the learner's classes, 403 for a closed class, 400 outside the window or when not
    checked in.
    """
    now = now or timezone.now()
    updated = PresenceInterval.objects.filter(
        session_id=session_id,
        source=AttendanceSource.CHECK_IN,
        left_at__isnull=True,
        enrollment__learner__user=user,
        enrollment__status__in=SEAT_STATUSES,
        session__starts_at__lte=now + CHECK_IN_OPENS_BEFORE,
        session__ends_at__gte=now,
        session__training_class__status__in=[s for s in ClassStatus.values if s != ClassStatus.CLOSED],
    ).update(last_seen_at=now)
    if updated:
        return
    # Nothing updated: the rare path says why, with the queries the common one spares.
    session = ClassSession.objects.select_related("training_class").filter(pk=session_id).first()
    if session is None:
        raise DomainError(
            message=_("Bạn không học lớp của buổi học này."), code="not_found", status=http.HTTP_404_NOT_FOUND
        )
    with transaction.atomic():
        _learner_enrollment_locked(session=session, user=user)
    ensure_may_change(classes=[session.training_class], actor=user)
    if not session.starts_at - CHECK_IN_OPENS_BEFORE <= now <= session.ends_at:
        raise _check_in_window_error(session)
    raise DomainError(message=_("Bạn chưa điểm danh vào buổi học này."), code="not_checked_in")


@transaction.atomic
def attendance_open_check_ins_close(*, now=None) -> int:
    """Close the check-ins left open in sessions whose check-out time has passed; returns how many.

    Each ends at its last sign of presence (the last heartbeat, else the check-in), and the
    learner's record is recomputed from it, unless a person or the platform's report decided the
    record, or the class is closed (its figures are final).
    """
    now = now or timezone.now()
    intervals = list(
        PresenceInterval.objects.select_for_update(of=("self",))
        .filter(
            source=AttendanceSource.CHECK_IN,
            left_at__isnull=True,
            session__ends_at__lt=now - CHECK_OUT_CLOSES_AFTER,
        )
        .select_related("session__training_class")
    )
    if not intervals:
        return 0
    for interval in intervals:
        interval.left_at = interval_end(
            joined_at=interval.joined_at, left_at=None, last_seen_at=interval.last_seen_at
        )
    PresenceInterval.objects.bulk_update(intervals, ["left_at"], batch_size=1000)
    keys = {(i.session_id, i.enrollment_id): i.session for i in intervals}
    by_key: dict[tuple[int, int], list[PresenceInterval]] = {}
    for interval in PresenceInterval.objects.filter(
        session_id__in={k[0] for k in keys},
        enrollment_id__in={k[1] for k in keys},
        source=AttendanceSource.CHECK_IN,
    ):
        by_key.setdefault((interval.session_id, interval.enrollment_id), []).append(interval)
    decided = set(
        Attendance.objects.filter(session_id__in={k[0] for k in keys}, enrollment_id__in={k[1] for k in keys})
        .exclude(source=AttendanceSource.CHECK_IN)
        .values_list("session_id", "enrollment_id")
    )
    changes = [
        _check_in_change(session, key[1], by_key.get(key, []))
        for key, session in sorted(keys.items())
        if key not in decided and not session.training_class.is_closed
    ]
    attendance_apply(changes=changes, source=AttendanceSource.CHECK_IN, actor=None)
    return len(intervals)
