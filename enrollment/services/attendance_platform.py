"""A session's attendance from the meeting platform's participant report (Zoom, Teams, Meet or
the project's template; read and matched by `enrollment.files.attendance_report`)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from django.db import transaction
from django.utils import timezone

from courses.core.errors import DomainError
from courses.models import ClassSession
from enrollment.files.attendance_report import (
    EnrolmentIndex,
    ReportRow,
    UnmatchedRow,
    read_report,
    report_zone,
)
from enrollment.models import Attendance, AttendanceSource, AttendanceStatus, Enrollment, PresenceInterval
from enrollment.rules.attendance import Interval, attendance_too_early, derive_attendance
from enrollment.services.attendance_checks import ensure_may_change, not_started_error
from enrollment.services.attendance_store import AttendanceChange, AttendanceOutcome, attendance_apply


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
    ensure_may_change(classes=[session.training_class], actor=actor, reason=reason)
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
    outcome = attendance_apply(
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
