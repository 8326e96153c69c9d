"""The one write path of attendance, shared by every source: one record per session and enrolment.

Sources, all ending in the same `Attendance` records:

* a trainer (or an admin) marks a session's roster in one request
  (`enrollment.services.attendance_roll_call`);
* a learner checks in and out of an online session, their client's heartbeats moving the last
  sign of presence, and check-ins left open end at it once the session is over
  (`enrollment.services.attendance_checkin`);
* the meeting platform's participant report (`enrollment.services.attendance_platform`);
* a JSON batch from an integration, thousands of records at once (`enrollment.services.attendance_bulk`).

What each source's input must satisfy before it is written is `enrollment.services.attendance_checks`.

Every write goes through `attendance_apply`: it reads the batch's stored records in one query
(locked), writes only the new and changed ones in one set-based upsert, keeps an audit entry per
change (who, when, before, after, source, reason) and marks the classes stale for the progress
figures. An unchanged record is neither written nor audited, so sending the same data twice
changes nothing. The upsert is one SQL statement on PostgreSQL (`ATTENDANCE_WRITE_SQL`), the ORM's
on the embedded default (SQLite).
"""

from __future__ import annotations

import json
from collections import namedtuple
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import cached_property

from django.contrib.auth import get_user_model
from django.db import connection, models
from django.utils import timezone
from django.utils.translation import gettext as _

from courses.core.errors import DomainError
from courses.core.text import nfc
from courses.models import ClassSession
from enrollment.models import Attendance, AuditEntry
from enrollment.rules.attendance import session_length_minutes
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


def attendance_apply(
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
