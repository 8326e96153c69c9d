"""Record attendance and final scores, from every source, into one record per session and enrolment.

Sources, all ending in the same `Attendance` records:

* a trainer (or an admin) marks a session's roster in one request (`attendance_mark_roster`);
* a learner checks in and out of an online session (`attendance_check_in`, `attendance_check_out`),
  their client's heartbeats moving the last sign of presence (`attendance_heartbeat`), and check-ins
  left open end at it once the session is over (`attendance_open_check_ins_close`);
* the meeting platform's participant report (`attendance_platform_report_import`);
* a JSON batch from an integration, thousands of records at once (`attendance_bulk_upsert`).

A stated status must agree with its stated minutes, and nothing but an excused absence is recorded
before a session starts (`_stated_errors`, rules in `enrollment.rules.attendance`).

Every write goes through `_attendance_apply`: it reads the batch's stored records in one query
(locked), writes only the new and changed ones in one set-based upsert, keeps an audit entry per
change (who, when, before, after, source, reason) and marks the classes stale for the progress
figures. An unchanged record is neither written nor audited, so sending the same data twice
changes nothing. Input is checked whole before anything is written: a bad item is a DomainError
naming it, and what is stored stays as it was.

Once a class is closed its attendance is final: only an admin of its scope changes it, and only
with a reason, which the audit history keeps.
"""

from __future__ import annotations

import json
from collections import namedtuple
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from functools import cached_property

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import connection, models, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _
from rest_framework import status as http

from courses.core.errors import DomainError, ErrorItem
from courses.core.filter_fields import as_id
from courses.core.permissions import is_admin
from courses.core.text import nfc
from courses.core.write_fields import UNKNOWN_FIELD, unknown_field_message
from courses.models import ClassSession, ClassStatus, TrainingClass
from enrollment.files.attendance_report import (
    EnrolmentIndex,
    ReportRow,
    UnmatchedRow,
    normalise_national_id,
    read_report,
    report_zone,
)
from enrollment.models import (
    Attendance,
    AttendanceSource,
    AttendanceStatus,
    AuditEntry,
    Enrollment,
    PresenceInterval,
)
from enrollment.rules.attendance import (
    ACTIVE_ENROLMENT_STATUSES,
    CHECK_IN_OPENS_BEFORE,
    CHECK_OUT_CLOSES_AFTER,
    Interval,
    attendance_too_early,
    default_minutes,
    derive_attendance,
    interval_end,
    present_minutes_threshold,
    session_is_online,
    session_length_minutes,
    stated_status_contradicts,
)
from enrollment.selectors.attendance import sessions_managed_by
from enrollment.services.audit import attendance_state, audit_entries_create, audit_entry
from enrollment.services.progress import class_progress_mark_stale

ATTENDANCE_UPDATE_FIELDS = [
    "status",
    "minutes",
    "attended_seconds",
    "source",
    "recorded_by",
    "recorded_at",
    "note",
]
# Bounds one request's memory and time; integrations split larger batches.
BULK_MAX_RECORDS = getattr(settings, "ATTENDANCE_BULK_MAX_RECORDS", 10000)
# An error report listing every one of thousands of bad records helps nobody; the first ones do.
MAX_REPORTED_ERRORS = 500
NOTE_MAX_LENGTH = 2000


class Action(models.TextChoices):
    """What a write did to a record."""

    CREATED = "created", "created"
    UPDATED = "updated", "updated"
    UNCHANGED = "unchanged", "unchanged"


@dataclass(frozen=True)
class AttendanceChange:
    session: ClassSession
    enrollment_id: int
    status: str
    minutes: int
    note: str | None = None  # None keeps the stored note
    seconds: int | None = None  # measured to the second (reports, check-ins); None: whole minutes


def attended_seconds_of(change: AttendanceChange) -> int | None:
    """The seconds to store with the record: those the source measured, within the session's
    window; None for a source in whole minutes (the figures then count minutes x 60)."""
    if change.seconds is None:
        return None
    window = int((change.session.ends_at - change.session.starts_at).total_seconds())
    return max(0, min(change.seconds, window))


# A record's stored values, in the model's field order (Attendance.from_db takes them so).
RECORD_FIELDS = tuple(f.attname for f in Attendance._meta.concrete_fields)
StoredRecord = namedtuple("StoredRecord", RECORD_FIELDS)


@dataclass
class AttendanceOutcome:
    dry_run: bool = False
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    # One per change, in order: what was done to it and the record as stored after (id None for
    # a new record on a dry run). Model instances are made only when asked for (`records`): an
    # integration's batch of thousands is answered with ids.
    actions: list[str] = field(default_factory=list)
    rows: list[StoredRecord] = field(default_factory=list)
    recorders: dict = field(default_factory=dict)

    @property
    def changed(self) -> int:
        return self.created + self.updated

    @property
    def ids(self) -> list[int | None]:
        return [row.id for row in self.rows]

    @cached_property
    def records(self) -> list[Attendance]:
        records = []
        for row in self.rows:
            record = Attendance.from_db(connection.alias, RECORD_FIELDS, row)
            record._state.adding = row.id is None
            if row.recorded_by_id in self.recorders:
                record.recorded_by = self.recorders[row.recorded_by_id]
            records.append(record)
        return records


def _recorder(actor):
    return actor if actor is not None and actor.is_authenticated else None


def _attendance_apply(
    *,
    changes: Sequence[AttendanceChange],
    source: str,
    actor,
    reason: str = "",
    dry_run: bool = False,
) -> AttendanceOutcome:
    """Upsert the records of `changes` (already validated) in a constant number of queries."""
    outcome = AttendanceOutcome(dry_run=dry_run)
    if not changes:
        return outcome
    keys = [(c.session.pk, c.enrollment_id) for c in changes]
    if len(set(keys)) != len(keys):
        raise DomainError(message=_("Một học viên được ghi hai lần cho cùng một buổi học."), code="duplicate")
    stored = Attendance.objects.filter(
        session_id__any={c.session.pk for c in changes}, enrollment_id__any={c.enrollment_id for c in changes}
    )
    if not dry_run:
        # Concurrent writers of the same records wait, so each audit entry's "before" is true.
        stored = stored.select_for_update()
    existing = {
        (row.session_id, row.enrollment_id): StoredRecord(*row)
        for row in stored.values_list(*RECORD_FIELDS, named=True)
    }

    recorder = _recorder(actor)
    recorder_id = recorder.pk if recorder is not None else None
    # The unchanged records are returned as stored, and their answer names who recorded them.
    outcome.recorders = get_user_model().objects.in_bulk(
        {row.recorded_by_id for row in existing.values()} - {None, recorder_id}
    )
    if recorder is not None:
        outcome.recorders[recorder_id] = recorder
    writes: list[tuple[int, dict | None, int]] = []
    for change, key in zip(changes, keys, strict=True):
        old = existing.get(key)
        row = StoredRecord(
            id=old.id if old else None,
            session_id=change.session.pk,
            enrollment_id=change.enrollment_id,
            status=change.status,
            # Callers check minutes against the session and name the item; this only makes the
            # invariant hold whatever the caller.
            minutes=max(0, min(change.minutes, session_length_minutes(change.session))),
            attended_seconds=attended_seconds_of(change),
            source=source,
            recorded_by_id=recorder_id,
            recorded_at=None,
            note=nfc(change.note) if change.note is not None else (old.note if old else ""),
        )
        before = attendance_state(old) if old is not None else None
        if before == attendance_state(row):
            outcome.unchanged += 1
            outcome.rows.append(old)
            outcome.actions.append(Action.UNCHANGED)
            continue
        if old is None:
            outcome.created += 1
            outcome.actions.append(Action.CREATED)
        else:
            outcome.updated += 1
            outcome.actions.append(Action.UPDATED)
        writes.append((len(outcome.rows), before, change.session.training_class_id))
        outcome.rows.append(row)

    if dry_run or not writes:
        return outcome
    written = _attendance_write(
        writes=[(outcome.rows[index], before, class_id) for index, before, class_id in writes],
        source=source,
        actor=actor,
        reason=nfc(reason or ""),
    )
    for (index, _before, _class), row in zip(writes, written, strict=True):
        outcome.rows[index] = row
    class_progress_mark_stale(class_ids={class_id for _index, _before, class_id in writes})
    return outcome


# A record to store: its new values, its audit "before" (None for a new record) and its class.
PendingWrite = tuple[StoredRecord, dict | None, int]


def _attendance_write(
    *, writes: Sequence[PendingWrite], source: str, actor, reason: str
) -> list[StoredRecord]:
    """Store the new and changed records and an audit entry for each; returns them as stored."""
    now = timezone.now()
    if connection.vendor == "postgresql":
        return _attendance_write_postgresql(writes=writes, source=source, actor=actor, reason=reason, now=now)
    # The embedded default (SQLite): the ORM's upsert, then the audit entries.
    records = [
        Attendance(**row._replace(id=None, recorded_at=now)._asdict()) for row, _before, _class in writes
    ]
    Attendance.objects.bulk_create(
        records,
        update_conflicts=True,
        unique_fields=["session", "enrollment"],
        update_fields=ATTENDANCE_UPDATE_FIELDS,
        batch_size=1000,
    )
    audit_entries_create(
        audit_entry(
            entity="attendance",
            entity_id=record.pk,
            training_class_id=class_id,
            action="create" if before is None else "update",
            actor=actor,
            before=before,
            after=attendance_state(record),
            source=source,
            reason=reason,
        )
        for record, (_row, before, class_id) in zip(records, writes, strict=True)
    )
    return [StoredRecord(*(getattr(record, name) for name in RECORD_FIELDS)) for record in records]


# One statement for the whole batch: the records travel as one JSON document (binding thousands of
# separate values costs more than the write), the upsert returns the ids of inserted and updated
# rows alike, and the audit entries are inserted from what it returned, with the "before" read
# under lock and the same "after" as attendance_state.
ATTENDANCE_WRITE_SQL = """
WITH batch AS (
    SELECT * FROM json_to_recordset(%(batch)s::json) AS b(
        session_id bigint, enrollment_id bigint, status text, minutes integer, attended_seconds integer,
        note text, class_id bigint, before jsonb)
), written AS (
    INSERT INTO {attendance} AS a
        (session_id, enrollment_id, status, minutes, attended_seconds, source, recorded_by_id, recorded_at, note)
    SELECT session_id, enrollment_id, status, minutes, attended_seconds, %(source)s::text, %(recorder)s::bigint, %(now)s::timestamptz,
           note
    FROM batch
    ON CONFLICT (session_id, enrollment_id) DO UPDATE SET
        status = EXCLUDED.status, minutes = EXCLUDED.minutes, attended_seconds = EXCLUDED.attended_seconds,
        source = EXCLUDED.source,
        recorded_by_id = EXCLUDED.recorded_by_id, recorded_at = EXCLUDED.recorded_at, note = EXCLUDED.note
    RETURNING a.id, a.session_id, a.enrollment_id
), audited AS (
    INSERT INTO {audit} (entity, entity_id, training_class_id, action, actor_id, at, before, after, source, reason)
    SELECT 'attendance', w.id, b.class_id, CASE WHEN b.before IS NULL THEN 'create' ELSE 'update' END,
           %(recorder)s::bigint, %(now)s::timestamptz, b.before,
           jsonb_build_object('status', b.status, 'minutes', b.minutes, 'source', %(source)s::text, 'note', b.note)
             || CASE WHEN b.attended_seconds IS NULL THEN '{{}}'::jsonb
                     ELSE jsonb_build_object('attended_seconds', b.attended_seconds) END,
           %(source)s::text, %(reason)s::text
    FROM written w JOIN batch b ON b.session_id = w.session_id AND b.enrollment_id = w.enrollment_id
)
SELECT id, session_id, enrollment_id FROM written
"""


def _attendance_write_postgresql(
    *, writes: Sequence[PendingWrite], source: str, actor, reason: str, now
) -> list[StoredRecord]:
    recorder = _recorder(actor)
    batch = json.dumps(
        [
            {
                "session_id": row.session_id,
                "enrollment_id": row.enrollment_id,
                "status": row.status,
                "minutes": row.minutes,
                "attended_seconds": row.attended_seconds,
                "note": row.note,
                "class_id": class_id,
                "before": before,
            }
            for row, before, class_id in writes
        ],
        ensure_ascii=False,
    )
    sql = ATTENDANCE_WRITE_SQL.format(
        attendance=connection.ops.quote_name(Attendance._meta.db_table),
        audit=connection.ops.quote_name(AuditEntry._meta.db_table),
    )
    with connection.cursor() as cursor:
        cursor.execute(
            sql,
            {
                "batch": batch,
                "source": source,
                "recorder": recorder.pk if recorder else None,
                "now": now,
                "reason": reason,
            },
        )
        ids = {(session_id, enrollment_id): pk for pk, session_id, enrollment_id in cursor.fetchall()}
    return [
        row._replace(id=ids[(row.session_id, row.enrollment_id)], recorded_at=now)
        for row, _before, _class in writes
    ]


def field_error(message: str, *, field: str, code: str) -> DomainError:
    """A 400 "invalid" whose one item names the field and says what is wrong with it (`code`)."""
    return DomainError(message=message, errors=[ErrorItem(message, field=field, code=code)])


def _ensure_may_change(*, classes: Iterable[TrainingClass], actor, reason: str = "") -> None:
    """A closed class's attendance is final: only an admin, giving a reason, changes it.

    Callers have already narrowed `classes` to those the actor reaches, so an admin here is an
    admin of the class's scope.
    """
    if not any(c.is_closed for c in classes):
        return
    if not is_admin(actor):
        raise DomainError(
            message=_("Lớp đã khoá sổ: điểm danh và điểm chỉ quản trị viên được điều chỉnh."),
            code="class_closed",
            status=http.HTTP_403_FORBIDDEN,
        )
    if not (reason or "").strip():
        raise field_error(_("Lớp đã khoá sổ: cần ghi lý do điều chỉnh."), field="reason", code="required")


def _invalid(errors: list[ErrorItem]) -> DomainError:
    shown = errors[:MAX_REPORTED_ERRORS]
    message = _("Có %(count)d lỗi: chưa có dữ liệu nào được ghi.") % {"count": len(errors)}
    if len(errors) > len(shown):
        message += " " + _("Chỉ liệt kê %(shown)d lỗi đầu tiên.") % {"shown": len(shown)}
    return DomainError(message=message, errors=shown)


def _minutes_error(prefix: str, minutes: int, session: ClassSession) -> ErrorItem | None:
    length = session_length_minutes(session)
    if minutes > length:
        return ErrorItem(
            _("Số phút (%(minutes)d) vượt quá thời lượng buổi học (%(length)d phút).")
            % {"minutes": minutes, "length": length},
            field=f"{prefix}.minutes",
            code="max_value",
        )
    return None


def _session_label(session: ClassSession) -> str:
    return f"{session.pk} ({timezone.localtime(session.starts_at):%H:%M %d/%m/%Y})"


def not_started_error(session: ClassSession, *, field: str) -> ErrorItem:
    """Attendance of a session that hasn't started: only an excused absence may be recorded."""
    return ErrorItem(
        _("Buổi học %(session)s chưa bắt đầu: chỉ ghi được vắng có phép.")
        % {"session": _session_label(session)},
        field=field,
        code="session_not_started",
    )


def _stated_errors(
    *, prefix: str, session: ClassSession, status: str, minutes: int | None, session_field: str, now
) -> list[ErrorItem]:
    """What is wrong with a stated status and minutes (rules in `enrollment.rules.attendance`)."""
    if attendance_too_early(session, status, now):
        return [not_started_error(session, field=session_field)]
    if minutes is None:
        return []
    if error := _minutes_error(prefix, minutes, session):
        return [error]
    if not stated_status_contradicts(session, status, minutes):
        return []
    if status == AttendanceStatus.EXCUSED:
        message = _("Vắng có phép không có phút tham dự (ghi %(minutes)d phút).") % {"minutes": minutes}
    else:
        message = _(
            "Trạng thái “%(status)s” trái với %(minutes)d phút tham dự: có mặt hoặc đi muộn cần từ "
            "%(threshold)d phút, vắng cần ít hơn."
        ) % {
            "status": AttendanceStatus(status).label,
            "minutes": minutes,
            "threshold": present_minutes_threshold(session),
        }
    return [
        ErrorItem(message, field=f"{prefix}.status", code="contradicts_minutes"),
        ErrorItem(message, field=f"{prefix}.minutes", code="contradicts_status"),
    ]


# --- a trainer marks the roster ------------------------------------------------------------------


@transaction.atomic
def attendance_mark_roster(
    *, session: ClassSession, records: Sequence[Mapping], actor, reason: str = ""
) -> AttendanceOutcome:
    """Mark a session's roster in one request.

    Each record names an enrolment of the session's class (`enrollment`) or its learner
    (`learner`), with a `status`, optional `minutes` (by default the planned minutes for present
    and late, 0 for absent and excused) and an optional `note`. Records of learners left out are
    kept as they are. Marked by an admin, the source is "admin", otherwise "trainer".
    """
    _ensure_may_change(classes=[session.training_class], actor=actor, reason=reason)
    now = timezone.now()
    enrollment_ids = {r["enrollment"] for r in records if r.get("enrollment") is not None}
    learner_ids = {
        r["learner"] for r in records if r.get("enrollment") is None and r.get("learner") is not None
    }
    enrollments = list(
        Enrollment.objects.filter(training_class_id=session.training_class_id).filter(
            Q(pk__in=enrollment_ids) | Q(learner_id__in=learner_ids)
        )
    )
    by_id = {e.pk: e for e in enrollments}
    by_learner = {e.learner_id: e for e in enrollments}

    errors: list[ErrorItem] = []
    changes: list[AttendanceChange] = []
    seen: dict[int, int] = {}
    too_early_reported = False
    for index, item in enumerate(records):
        prefix = f"records.{index}"
        if item.get("enrollment") is not None:
            name, enrollment = "enrollment", by_id.get(item["enrollment"])
        else:
            name, enrollment = "learner", by_learner.get(item.get("learner"))
        if enrollment is None:
            errors.append(
                ErrorItem(_("Không phải học viên của lớp này."), field=f"{prefix}.{name}", code="not_found")
            )
            continue
        if enrollment.status not in ACTIVE_ENROLMENT_STATUSES:
            errors.append(
                ErrorItem(
                    _("Ghi danh đang ở trạng thái “%(status)s”: không điểm danh được.")
                    % {"status": enrollment.get_status_display()},
                    field=f"{prefix}.{name}",
                    code="not_active",
                )
            )
            continue
        if enrollment.pk in seen:
            errors.append(
                ErrorItem(
                    _("Học viên này đã có ở records.%(first)d.") % {"first": seen[enrollment.pk]},
                    field=f"{prefix}.{name}",
                    code="duplicate",
                )
            )
            continue
        seen[enrollment.pk] = index
        minutes = item.get("minutes")
        if stated := _stated_errors(
            prefix=prefix,
            session=session,
            status=item["status"],
            minutes=minutes,
            session_field="session",
            now=now,
        ):
            # A session not started is one error for the roster, not one per learner.
            if stated[0].field != "session" or not too_early_reported:
                errors.extend(stated)
            too_early_reported = too_early_reported or stated[0].field == "session"
            continue
        if minutes is None:
            minutes = default_minutes(session, item["status"])
        changes.append(AttendanceChange(session, enrollment.pk, item["status"], minutes, item.get("note")))
    if errors:
        raise _invalid(errors)
    source = AttendanceSource.ADMIN if is_admin(actor) else AttendanceSource.TRAINER
    return _attendance_apply(changes=changes, source=source, actor=actor, reason=reason)


# --- a learner checks in and out -----------------------------------------------------------------


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
            status__in=ACTIVE_ENROLMENT_STATUSES,
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
        record = _attendance_apply(changes=[change], source=AttendanceSource.CHECK_IN, actor=user).records[0]
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
    _ensure_may_change(classes=[session.training_class], actor=user)
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
    _ensure_may_change(classes=[session.training_class], actor=user)
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
        enrollment__status__in=ACTIVE_ENROLMENT_STATUSES,
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
    _ensure_may_change(classes=[session.training_class], actor=user)
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
    _attendance_apply(changes=changes, source=AttendanceSource.CHECK_IN, actor=None)
    return len(intervals)


# --- the meeting platform's participant report ---------------------------------------------------


@dataclass
class ReportedLearner:
    enrollment: Enrollment
    rows: list[int]
    first_join: object
    action: str
    attendance: Attendance


@dataclass
class PlatformReportOutcome:
    dry_run: bool
    total_rows: int
    matched_rows: int
    unmatched: list[UnmatchedRow]
    learners: list[ReportedLearner]
    attendance: AttendanceOutcome
    # The platform that wrote the file, how it was read (Table.describe()) and how its times were.
    platform: str = "template"
    file: dict = field(default_factory=dict)
    times: dict = field(default_factory=dict)
    # Rows of the meeting's host (Zoom's meeting email, Teams' organizers), not counted.
    host: list[dict] = field(default_factory=list)
    # Unmatched rows the platform marks as guests.
    guests: list[dict] = field(default_factory=list)


def _intervals_replace(*, session: ClassSession, intervals: Mapping[int, list[tuple]], source: str) -> None:
    """Make the stored intervals of `source` for these enrolments exactly `intervals` (set-based)."""
    stored: dict[int, set[tuple]] = {}
    for enrollment_id, joined_at, left_at in PresenceInterval.objects.filter(
        session=session, enrollment_id__in=list(intervals), source=source
    ).values_list("enrollment_id", "joined_at", "left_at"):
        stored.setdefault(enrollment_id, set()).add((joined_at, left_at))
    changed = [eid for eid, wanted in intervals.items() if stored.get(eid, set()) != set(wanted)]
    if not changed:
        return
    PresenceInterval.objects.filter(session=session, enrollment_id__in=changed, source=source).delete()
    PresenceInterval.objects.bulk_create(
        [
            PresenceInterval(
                session=session, enrollment_id=eid, joined_at=joined, left_at=left, source=source
            )
            for eid in changed
            for joined, left in intervals[eid]
        ],
        batch_size=2000,
    )


@transaction.atomic
def attendance_platform_report_import(
    *,
    session: ClassSession,
    content: bytes,
    filename: str,
    actor,
    dry_run: bool = False,
    reason: str = "",
    time_zone: str | None = None,
    date_order: str | None = None,
    sheet: str | int | None = None,
    mapping: Mapping[str, str] | None = None,
) -> PlatformReportOutcome:
    """Record a session's attendance from the meeting platform's participant report.

    The platform (Zoom, Teams, Meet or the project's template) is detected from the file; times
    without offset are in `time_zone` (IANA name, Vietnam's by default); `date_order` ("dmy" or
    "mdy") is needed only when neither the file nor the session's date decides it. `sheet` and
    `mapping` go to the file reader (`courses.core.files.tabular.read_table`). Each matched learner's
    intervals are merged (see `enrollment.rules.attendance`) into their minutes and status;
    unmatched rows are reported back, not stored; the host's rows are reported apart. Enrolled
    learners missing from the report keep what they have. Uploading the same report again
    changes nothing; an amended report replaces the intervals of the learners it lists.
    """
    _ensure_may_change(classes=[session.training_class], actor=actor, reason=reason)
    if attendance_too_early(session, AttendanceStatus.PRESENT, timezone.now()):
        error = not_started_error(session, field="session")
        raise DomainError(message=error.message, errors=[error])
    report = read_report(
        content=content,
        filename=filename,
        session=session,
        zone=report_zone(time_zone),
        date_order=date_order,
        sheet=sheet,
        mapping=mapping,
    )
    rows = report.rows
    index = EnrolmentIndex(
        Enrollment.objects.filter(training_class_id=session.training_class_id).select_related(
            "learner__province"
        )
    )
    matched: dict[int, list[ReportRow]] = {}
    enrollments: dict[int, Enrollment] = {}
    unmatched: list[UnmatchedRow] = []
    host: list[dict] = []
    for row in rows:
        if row.host:
            host.append(_host_row(row))
            continue
        enrollment, miss = index.match(row)
        if enrollment is None:
            unmatched.append(miss)
            continue
        matched.setdefault(enrollment.pk, []).append(row)
        enrollments[enrollment.pk] = enrollment

    # In the order of the official list (Learner.sort_key: Vietnamese order), as the roster shows them.
    order = sorted(matched, key=lambda eid: (enrollments[eid].learner.sort_key, eid))
    derived = {
        eid: derive_attendance(session, [Interval(r.joined_at, r.left_at) for r in matched[eid]])
        for eid in order
    }
    changes = [
        AttendanceChange(
            session, eid, derived[eid].status, derived[eid].minutes, seconds=derived[eid].seconds
        )
        for eid in order
    ]
    outcome = _attendance_apply(
        changes=changes, source=AttendanceSource.PLATFORM_REPORT, actor=actor, reason=reason, dry_run=dry_run
    )
    if not dry_run:
        intervals: dict[int, list[tuple]] = {}
        for eid in order:
            # A row repeated in the report is one interval (the stored intervals are unique by join time).
            by_join: dict = {}
            for r in matched[eid]:
                by_join[r.joined_at] = max(by_join.get(r.joined_at, r.left_at), r.left_at)
            intervals[eid] = sorted(by_join.items())
        _intervals_replace(session=session, intervals=intervals, source=AttendanceSource.PLATFORM_REPORT)
        # The platform's measure replaces what the learners it lists reported of themselves.
        PresenceInterval.objects.filter(
            session=session, enrollment_id__in=order, source=AttendanceSource.CHECK_IN
        ).delete()
    learners = [
        ReportedLearner(
            enrollment=enrollments[eid],
            rows=[r.number for r in matched[eid]],
            first_join=derived[eid].first_join,
            action=action,
            attendance=record,
        )
        for eid, action, record in zip(order, outcome.actions, outcome.records, strict=True)
    ]
    return PlatformReportOutcome(
        dry_run=dry_run,
        total_rows=len(rows),
        matched_rows=sum(len(v) for v in matched.values()),
        unmatched=unmatched,
        learners=learners,
        attendance=outcome,
        platform=report.platform,
        file=report.file,
        times=report.times,
        host=host,
        guests=[u.as_dict() for u in unmatched if u.guest],
    )


def _host_row(row: ReportRow) -> dict:
    return {"row": row.number, "name": row.name, "email": row.email}


# --- a JSON batch from an integration ------------------------------------------------------------

BULK_FIELDS = {"session", "enrollment", "national_id", "status", "minutes", "note", "external_id"}


@dataclass
class BulkRecord:
    index: int
    session_id: int
    enrollment_id: int | None
    national_id: str
    status: str
    minutes: int | None
    note: str | None
    external_id: str


def _as_id(value) -> int | None:
    return as_id(value)


def _bulk_parse(records) -> tuple[list[BulkRecord], list[ErrorItem]]:
    """Check the shape and types of every record; cheap enough for thousands (no serializer per item)."""
    parsed: list[BulkRecord] = []
    errors: list[ErrorItem] = []
    statuses = set(AttendanceStatus.values)
    index = 0

    # The field names of errors are made only for the records that have some.
    def error(name: str, message: str, code: str = "invalid"):
        errors.append(ErrorItem(message, field=f"records.{index}.{name}", code=code))

    for index, raw in enumerate(records):  # noqa: B007 - error() reads the index
        if not isinstance(raw, dict):
            errors.append(ErrorItem(_("Mỗi bản ghi phải là một đối tượng JSON."), field=f"records.{index}"))
            continue
        before = len(errors)
        if not raw.keys() <= BULK_FIELDS:
            for unknown in sorted(set(raw) - BULK_FIELDS):
                error(unknown, unknown_field_message(BULK_FIELDS), UNKNOWN_FIELD)
        session_id = _as_id(raw.get("session"))
        if session_id is None:
            error(
                "session",
                _("Cần mã buổi học (số nguyên dương)."),
                "required" if "session" not in raw else "invalid",
            )
        enrollment_id = None
        national_id = ""
        has_enrollment = raw.get("enrollment") is not None
        has_national_id = raw.get("national_id") not in (None, "")
        if has_enrollment == has_national_id:
            error("enrollment", _("Cần đúng một trong hai: enrollment hoặc national_id."), "required")
        elif has_enrollment:
            enrollment_id = _as_id(raw["enrollment"])
            if enrollment_id is None:
                error("enrollment", _("Cần mã ghi danh (số nguyên dương)."))
        else:
            value = raw["national_id"]
            national_id = normalise_national_id(value) if isinstance(value, str | int) else ""
            if not national_id:
                error("national_id", _("Số định danh cá nhân gồm đúng 12 chữ số."))
        status = raw.get("status")
        if not isinstance(status, str) or status not in statuses:
            error(
                "status",
                _("Trạng thái phải là một trong: %(choices)s.")
                % {"choices": ", ".join(AttendanceStatus.values)},
                "required" if status is None else "invalid_choice",
            )
        minutes = raw.get("minutes")
        if minutes is not None and (isinstance(minutes, bool) or not isinstance(minutes, int) or minutes < 0):
            error("minutes", _("Số phút phải là số nguyên không âm."))
        note = raw.get("note")
        if note is not None and (not isinstance(note, str) or len(note) > NOTE_MAX_LENGTH):
            error("note", _("Ghi chú là chuỗi tối đa %(max)d ký tự.") % {"max": NOTE_MAX_LENGTH})
        external_id = raw.get("external_id")
        if external_id is not None and (
            not isinstance(external_id, str | int) or len(str(external_id)) > 100
        ):
            error("external_id", _("Mã bên ngoài là chuỗi tối đa 100 ký tự."))
        if len(errors) == before:
            parsed.append(
                BulkRecord(
                    index=index,
                    session_id=session_id,
                    enrollment_id=enrollment_id,
                    national_id=national_id,
                    status=status,
                    minutes=minutes,
                    note=note,
                    external_id="" if external_id is None else str(external_id),
                )
            )
    return parsed, errors


@dataclass
class BulkOutcome:
    total: int
    attendance: AttendanceOutcome
    items: list[BulkRecord]


@transaction.atomic
def attendance_bulk_upsert(*, records, actor, reason: str = "", dry_run: bool = False) -> BulkOutcome:
    """Record a batch of attendance from an integration: all of it, or nothing.

    Every record is checked first (shape, session within the caller's reach, enrolment of that
    session's class and active, minutes within the session, no pair twice); any error rejects the
    batch with errors naming `records.<index>.<field>`. Then one set-based upsert writes the new and
    changed records. The same batch sent again reports 0 created and 0 updated and writes nothing.
    """
    if not isinstance(records, list) or not records:
        raise field_error(_("Cần danh sách bản ghi điểm danh."), field="records", code="required")
    if len(records) > BULK_MAX_RECORDS:
        raise field_error(
            _("Tối đa %(max)d bản ghi mỗi lần gửi; hãy chia nhỏ.") % {"max": BULK_MAX_RECORDS},
            field="records",
            code="max_length",
        )
    parsed, errors = _bulk_parse(records)

    sessions = {s.pk: s for s in sessions_managed_by(actor).filter(pk__any={r.session_id for r in parsed})}
    by_id = {
        pk: (class_id, status)
        for pk, class_id, status in Enrollment.objects.filter(
            pk__any={r.enrollment_id for r in parsed if r.enrollment_id}
        ).values_list("pk", "training_class_id", "status")
    }
    class_ids = {s.training_class_id for s in sessions.values()}
    national_ids = {r.national_id for r in parsed if r.national_id}
    by_national_id = {
        (nid, class_id): (pk, status)
        for nid, class_id, pk, status in Enrollment.objects.filter(
            learner__national_id__any=national_ids, training_class_id__any=class_ids
        ).values_list("learner__national_id", "training_class_id", "pk", "status")
    }

    changes: list[AttendanceChange] = []
    items: list[BulkRecord] = []
    seen: dict[tuple[int, int], int] = {}
    now = timezone.now()
    for record in parsed:
        prefix = f"records.{record.index}"
        suffix = f" (external_id {record.external_id})" if record.external_id else ""
        session = sessions.get(record.session_id)
        if session is None:
            errors.append(
                ErrorItem(
                    _("Không có buổi học này, hoặc buổi học không thuộc lớp bạn quản lý.") + suffix,
                    field=f"{prefix}.session",
                    code="not_found",
                )
            )
            continue
        if record.enrollment_id is not None:
            name = "enrollment"
            found = by_id.get(record.enrollment_id)
            enrollment_id, status = (record.enrollment_id, found[1]) if found else (None, None)
            if found and found[0] != session.training_class_id:
                enrollment_id = None
        else:
            name = "national_id"
            enrollment_id, status = by_national_id.get(
                (record.national_id, session.training_class_id), (None, None)
            )
        if enrollment_id is None:
            errors.append(
                ErrorItem(
                    _("Không phải học viên của lớp có buổi học này.") + suffix,
                    field=f"{prefix}.{name}",
                    code="not_found",
                )
            )
            continue
        if status not in ACTIVE_ENROLMENT_STATUSES:
            errors.append(
                ErrorItem(
                    _("Ghi danh không còn hiệu lực (%(status)s): không điểm danh được.") % {"status": status}
                    + suffix,
                    field=f"{prefix}.{name}",
                    code="not_active",
                )
            )
            continue
        key = (session.pk, enrollment_id)
        if key in seen:
            errors.append(
                ErrorItem(
                    _("Trùng với records.%(first)d (cùng buổi học và học viên).") % {"first": seen[key]}
                    + suffix,
                    field=f"{prefix}.{name}",
                    code="duplicate",
                )
            )
            continue
        seen[key] = record.index
        minutes = record.minutes
        if stated := _stated_errors(
            prefix=prefix,
            session=session,
            status=record.status,
            minutes=minutes,
            session_field=f"{prefix}.session",
            now=now,
        ):
            errors.extend(stated)
            continue
        if minutes is None:
            minutes = default_minutes(session, record.status)
        changes.append(AttendanceChange(session, enrollment_id, record.status, minutes, record.note))
        items.append(record)
    if errors:
        errors.sort(key=lambda e: int(e.field.split(".")[1]) if e.field and e.field.count(".") >= 1 else -1)
        raise _invalid(errors)

    classes = {c.session.training_class_id: c.session.training_class for c in changes}
    _ensure_may_change(classes=classes.values(), actor=actor, reason=reason)
    outcome = _attendance_apply(
        changes=changes, source=AttendanceSource.INTEGRATION, actor=actor, reason=reason, dry_run=dry_run
    )
    return BulkOutcome(total=len(records), attendance=outcome, items=items)


# --- final assessment scores ---------------------------------------------------------------------

SCORE_MAX = Decimal(10)


def _score_state(score: Decimal | None) -> dict:
    return {"final_score": None if score is None else f"{score:.2f}"}


def parse_score(value) -> Decimal | None:
    """A score on the 10-point scale with at most two decimals; None clears it. ValueError if not."""
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        raise ValueError(_("Điểm phải là số từ 0 đến 10."))
    try:
        score = Decimal(str(value).strip().replace(",", "."))
    except InvalidOperation:
        raise ValueError(_("Điểm phải là số từ 0 đến 10.")) from None
    if not score.is_finite() or score < 0 or score > SCORE_MAX:
        raise ValueError(_("Điểm phải là số từ 0 đến 10."))
    if score != score.quantize(Decimal("0.01")):
        raise ValueError(_("Điểm có tối đa 2 chữ số thập phân."))
    return score.quantize(Decimal("0.01"))


@dataclass
class ScoresOutcome:
    updated: int
    unchanged: int
    enrollments: list[Enrollment]
    # The enrolments whose score changed (in a dry run: would change).
    changed_ids: set[int] = field(default_factory=set)


def _scores_apply(
    *, pairs: Sequence[tuple[Enrollment, Decimal | None]], actor, reason: str, dry_run: bool = False
) -> ScoresOutcome:
    """Write the scores that differ from the stored ones, audited; a dry run decides the same and
    writes nothing (the enrolments keep their stored score)."""
    changed: list[tuple[Enrollment, dict]] = []
    for enrollment, score in pairs:
        if enrollment.final_score == score:
            continue
        before = _score_state(enrollment.final_score)
        if not dry_run:
            enrollment.final_score = score
        changed.append((enrollment, before))
    if changed and not dry_run:
        Enrollment.objects.bulk_update([e for e, _before in changed], ["final_score"], batch_size=1000)
        audit_entries_create(
            audit_entry(
                entity="enrollment",
                entity_id=e.pk,
                training_class_id=e.training_class_id,
                action="score",
                actor=actor,
                before=before,
                after=_score_state(e.final_score),
                source="admin" if is_admin(actor) else "trainer",
                reason=nfc(reason or ""),
            )
            for e, before in changed
        )
        class_progress_mark_stale(class_ids={e.training_class_id for e, _before in changed})
    return ScoresOutcome(
        updated=len(changed),
        unchanged=len(pairs) - len(changed),
        enrollments=[e for e, _s in pairs],
        changed_ids={e.pk for e, _before in changed},
    )


def _ensure_scorable(enrollment: Enrollment, field_name: str) -> ErrorItem | None:
    if enrollment.status not in ACTIVE_ENROLMENT_STATUSES:
        return ErrorItem(
            _("Ghi danh đang ở trạng thái “%(status)s”: không ghi điểm được.")
            % {"status": enrollment.get_status_display()},
            field=field_name,
            code="not_active",
        )
    return None


@transaction.atomic
def enrollment_score_set(
    *, enrollment: Enrollment, score: Decimal | None, actor, reason: str = ""
) -> Enrollment:
    """Record (or clear, with None) a learner's final assessment score, audited."""
    enrollment = (
        Enrollment.objects.select_for_update(of=("self",))
        .select_related("training_class")
        .get(pk=enrollment.pk)
    )
    _ensure_may_change(classes=[enrollment.training_class], actor=actor, reason=reason)
    if error := _ensure_scorable(enrollment, "score"):
        raise DomainError(message=error.message, errors=[error])
    _scores_apply(pairs=[(enrollment, score)], actor=actor, reason=reason)
    return enrollment


@transaction.atomic
def enrollment_scores_set(
    *, training_class: TrainingClass, scores: Sequence[Mapping], actor, reason: str = ""
) -> ScoresOutcome:
    """Record many scores of one class at once: each item names `enrollment` or `national_id`."""
    _ensure_may_change(classes=[training_class], actor=actor, reason=reason)
    enrollments = list(
        Enrollment.objects.select_for_update(of=("self",))
        .filter(training_class=training_class)
        .select_related("learner")
    )
    by_id = {e.pk: e for e in enrollments}
    by_national_id = {e.learner.national_id: e for e in enrollments}
    errors: list[ErrorItem] = []
    pairs: list[tuple[Enrollment, Decimal | None]] = []
    seen: dict[int, int] = {}
    for index, item in enumerate(scores):
        prefix = f"scores.{index}"
        if item.get("enrollment") is not None:
            name, enrollment = "enrollment", by_id.get(item["enrollment"])
        else:
            name = "national_id"
            enrollment = by_national_id.get(normalise_national_id(item.get("national_id")))
        if enrollment is None:
            errors.append(
                ErrorItem(_("Không phải học viên của lớp này."), field=f"{prefix}.{name}", code="not_found")
            )
            continue
        if error := _ensure_scorable(enrollment, f"{prefix}.{name}"):
            errors.append(error)
            continue
        if enrollment.pk in seen:
            errors.append(
                ErrorItem(
                    _("Học viên này đã có ở scores.%(first)d.") % {"first": seen[enrollment.pk]},
                    field=f"{prefix}.{name}",
                    code="duplicate",
                )
            )
            continue
        seen[enrollment.pk] = index
        pairs.append((enrollment, item.get("score")))
    if errors:
        raise _invalid(errors)
    return _scores_apply(pairs=pairs, actor=actor, reason=reason)
