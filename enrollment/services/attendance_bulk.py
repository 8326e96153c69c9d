"""A JSON batch of attendance from an integration, thousands of records at once: all of it, or nothing."""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from courses.core.errors import ErrorItem
from courses.core.filter_fields import as_id
from courses.core.write_fields import UNKNOWN_FIELD, unknown_field_message
from enrollment.models import SEAT_STATUSES, AttendanceSource, AttendanceStatus, Enrollment
from enrollment.rules.attendance import default_minutes
from enrollment.rules.identity import national_id_or_blank
from enrollment.selectors.attendance import sessions_managed_by
from enrollment.services.attendance_checks import (
    NOTE_MAX_LENGTH,
    ensure_may_change,
    field_error,
    nothing_written_error,
    stated_errors,
)
from enrollment.services.attendance_store import AttendanceChange, AttendanceOutcome, attendance_apply

# Bounds one request's memory and time; integrations split larger batches.
BULK_MAX_RECORDS = getattr(settings, "ATTENDANCE_BULK_MAX_RECORDS", 10000)

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
        session_id = as_id(raw.get("session"))
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
            enrollment_id = as_id(raw["enrollment"])
            if enrollment_id is None:
                error("enrollment", _("Cần mã ghi danh (số nguyên dương)."))
        else:
            value = raw["national_id"]
            national_id = national_id_or_blank(value) if isinstance(value, str | int) else ""
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
        if status not in SEAT_STATUSES:
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
        if stated := stated_errors(
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
        raise nothing_written_error(errors)

    classes = {c.session.training_class_id: c.session.training_class for c in changes}
    ensure_may_change(classes=classes.values(), actor=actor, reason=reason)
    outcome = attendance_apply(
        changes=changes, source=AttendanceSource.INTEGRATION, actor=actor, reason=reason, dry_run=dry_run
    )
    return BulkOutcome(total=len(records), attendance=outcome, items=items)
