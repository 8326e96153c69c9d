"""The rules of attendance, as pure functions, shared by every source that records it.

Whatever the source (a trainer's roll call, a learner's check-in, the meeting platform's report,
an integration), a record ends up as a status and a number of attended minutes, and these rules
decide both where the source gives only join and leave times:

* attended minutes are the union of the join-leave intervals, clipped to the session's window
  (``starts_at``-``ends_at``): overlapping or repeated joins are counted once, time before the
  start or after the end is not counted, so minutes never exceed the session's length;
* **absent** when nothing remains in the window;
* attended time is kept to the second (``DerivedAttendance.seconds``, stored as
  ``Attendance.attended_seconds``) and compared in seconds; the minutes are rounded down;
* **present** when the attended time reaches 80% of the session's planned minutes and the first
  join was at most 15 minutes after the start;
* **late** when they reach 80% but the first join was more than 15 minutes after the start;
* **absent** as well when they stay under 80%: too little of the session to count as attending it.
  The minutes are still recorded, as evidence, but an "absent" record counts no time in any
  figure (enrollment.rules.completion: what the class requires is the completion rule's, in one place).

Where a source states a status (a trainer's roll call, an integration's batch), the status and the
minutes must agree (`stated_status_contradicts`):

* **present** and **late** need the minutes that make a learner present: 80% of the planned minutes;
  which of the two is the trainer's observation of the join time, which the minutes don't tell;
* **absent** needs fewer minutes than that (the minutes of a partial attendance are kept);
* **excused** is an absence stated in advance or afterwards: it takes 0 minutes.

Minutes left out follow the status: the planned minutes for present and late, 0 otherwise.

No attendance before the session (`attendance_too_early`): until a session starts, only an excused
absence can be recorded for it.

A learner may check in from 15 minutes before the start until the end, and check out until 15
minutes after the end. Only presence that can be shown earns minutes: an interval ends at the
check-out or, while it is open, at the last sign of presence, the latest heartbeat the learner's
client sent (`POST /sessions/{id}/heartbeat`) or the check-in itself (`interval_end`). An open
interval never runs to the end of the session by itself. The platform's report, when it comes, is
the better measure: it replaces the check-in intervals of the learners it lists.
"""

from __future__ import annotations

import datetime
import math
from collections.abc import Iterable
from dataclasses import dataclass

from courses.models import ClassMode, ClassSession
from enrollment.models import AttendanceStatus

PRESENT_SHARE = 0.8
LATE_AFTER = datetime.timedelta(minutes=15)
CHECK_IN_OPENS_BEFORE = datetime.timedelta(minutes=15)
CHECK_OUT_CLOSES_AFTER = datetime.timedelta(minutes=15)

ATTENDED_STATUSES = (AttendanceStatus.PRESENT, AttendanceStatus.LATE)


def session_length_minutes(session: ClassSession) -> int:
    """The most minutes a learner can attend: the whole window, whatever was planned."""
    return int((session.ends_at - session.starts_at).total_seconds() // 60)


def session_full_minutes(session: ClassSession) -> int:
    """Minutes a learner marked present without a figure attended: the planned minutes.

    Planned minutes leave out breaks, so they may be fewer than the window; never more.
    """
    return min(session.planned_minutes, session_length_minutes(session))


def default_minutes(session: ClassSession, status: str) -> int:
    return session_full_minutes(session) if status in ATTENDED_STATUSES else 0


def session_is_online(session: ClassSession) -> bool:
    """Sessions of an online class, and sessions of a blended class held online (with a join link)."""
    mode = session.training_class.mode
    return mode == ClassMode.ONLINE or (mode == ClassMode.BLENDED and bool(session.join_url))


@dataclass(frozen=True)
class Interval:
    start: datetime.datetime
    end: datetime.datetime | None  # None: joined and not left, with no sign of presence since


def interval_end(
    *, joined_at: datetime.datetime, left_at: datetime.datetime | None, last_seen_at: datetime.datetime | None
) -> datetime.datetime:
    """The end of a check-in interval: the check-out, else the last heartbeat, else the check-in."""
    if left_at is not None:
        return left_at
    return max(joined_at, last_seen_at) if last_seen_at is not None else joined_at


def minutes_make_present(session: ClassSession, minutes: float) -> bool:
    """Whether these attended minutes make the learner present (or late) rather than absent."""
    return minutes > 0 and minutes >= session_full_minutes(session) * PRESENT_SHARE


def present_minutes_threshold(session: ClassSession) -> int:
    """The fewest whole minutes that make a learner present, for messages."""
    return math.ceil(round(session_full_minutes(session) * PRESENT_SHARE, 6))


def stated_status_contradicts(session: ClassSession, status: str, minutes: int) -> bool:
    """Whether a stated status and stated minutes disagree (rules in the module's docstring)."""
    if status == AttendanceStatus.EXCUSED:
        return minutes != 0
    return minutes_make_present(session, minutes) != (status in ATTENDED_STATUSES)


def attendance_too_early(session: ClassSession, status: str, now: datetime.datetime) -> bool:
    """Whether recording `status` now is recording attendance of a session that hasn't started."""
    return status != AttendanceStatus.EXCUSED and now < session.starts_at


def merge_intervals(
    intervals: Iterable[Interval], *, window_start: datetime.datetime, window_end: datetime.datetime
) -> list[tuple[datetime.datetime, datetime.datetime]]:
    """The intervals clipped to the window, overlapping and touching ones merged, in order."""
    clipped = []
    for interval in intervals:
        start = max(interval.start, window_start)
        # An interval with no end shows presence at its start only: it earns nothing by itself.
        end = min(interval.end if interval.end is not None else interval.start, window_end)
        if end > start:
            clipped.append((start, end))
    clipped.sort()
    merged: list[tuple[datetime.datetime, datetime.datetime]] = []
    for start, end in clipped:
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        else:
            merged.append((start, end))
    return merged


@dataclass(frozen=True)
class DerivedAttendance:
    status: str
    minutes: int  # whole minutes, rounded down
    first_join: datetime.datetime | None
    seconds: int = 0  # the attended time to the second: what the figures compare


def derive_attendance(session: ClassSession, intervals: Iterable[Interval]) -> DerivedAttendance:
    """Status and minutes from join-leave intervals, by the rules in this module's docstring."""
    merged = merge_intervals(intervals, window_start=session.starts_at, window_end=session.ends_at)
    if not merged:
        return DerivedAttendance(AttendanceStatus.ABSENT, 0, None, 0)
    # Kept to the second and compared in seconds: rounding 143 min 50 s up to 144 min would cross
    # an 80% threshold of 180 minutes. The minutes shown are rounded down.
    seconds = min(
        int(sum((end - start).total_seconds() for start, end in merged)),
        int((session.ends_at - session.starts_at).total_seconds()),
    )
    minutes = seconds // 60
    first_join = merged[0][0]
    if not minutes_make_present(session, seconds / 60):  # compared in seconds, unrounded
        status = AttendanceStatus.ABSENT
    elif first_join > session.starts_at + LATE_AFTER:
        status = AttendanceStatus.LATE
    else:
        status = AttendanceStatus.PRESENT
    return DerivedAttendance(status, minutes, first_join, seconds)
