"""A trainer (or an admin) marks a session's roster in one request."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from courses.core.errors import ErrorItem
from courses.core.permissions import is_admin
from courses.models import ClassSession
from enrollment.models import SEAT_STATUSES, AttendanceSource, Enrollment
from enrollment.rules.attendance import default_minutes
from enrollment.services.attendance_checks import ensure_may_change, nothing_written_error, stated_errors
from enrollment.services.attendance_store import AttendanceChange, AttendanceOutcome, attendance_apply


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
    ensure_may_change(classes=[session.training_class], actor=actor, reason=reason)
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
        if enrollment.status not in SEAT_STATUSES:
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
        if stated := stated_errors(
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
        raise nothing_written_error(errors)
    source = AttendanceSource.ADMIN if is_admin(actor) else AttendanceSource.TRAINER
    return attendance_apply(changes=changes, source=source, actor=actor, reason=reason)
