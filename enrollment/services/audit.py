"""The audit history of enrolments and attendance: who, when, before, after, source."""

from collections.abc import Iterable

from django.forms.models import model_to_dict

from enrollment.models import Attendance, AuditEntry, Enrollment

ENROLLMENT_FIELDS = ["status", "source"]


def enrollment_state(enrollment: Enrollment) -> dict:
    return model_to_dict(enrollment, fields=ENROLLMENT_FIELDS)


def attendance_state(attendance: Attendance) -> dict:
    # Read directly, not through model_to_dict: a bulk batch compares thousands of these.
    return {
        "status": attendance.status,
        "minutes": attendance.minutes,
        "source": attendance.source,
        "note": attendance.note,
    } | _seconds_state(attendance)


def _seconds_state(attendance: Attendance) -> dict:
    # Only where the source measured seconds: records in whole minutes keep their audit shape.
    seconds = attendance.attended_seconds
    return {} if seconds is None else {"attended_seconds": seconds}


def audit_entries_create(entries: Iterable[AuditEntry]) -> None:
    AuditEntry.objects.bulk_create(list(entries), batch_size=2000)


def audit_entry(
    *,
    entity: str,
    entity_id: int,
    training_class_id: int,
    action: str,
    actor=None,
    before: dict | None,
    after: dict | None,
    source: str = "",
    reason: str = "",
) -> AuditEntry:
    """An unsaved entry, so that bulk operations can write theirs in one statement."""
    return AuditEntry(
        entity=entity,
        entity_id=entity_id,
        training_class_id=training_class_id,
        action=action,
        actor=actor if actor is not None and actor.is_authenticated else None,
        before=before,
        after=after,
        source=source,
        reason=reason,
    )
