"""The trainers' phone pages at /portal/trainer/: today's and upcoming sessions of the classes they
manage, and a session's roster marked in one POST.

Scoped exactly as the API (/api/v1/sessions/{id}/attendance, IsTrainerOrAdmin): trainers of the
class and admins of its scope (sessions_managed_by); learners get a 403 page, a session out of the
caller's reach is 404, anonymous visitors are sent to the sign-in page. The roster is the API's
sheet (session_attendance_sheet) with the personal data the roster level allows, and it is saved
through the service the API calls (attendance_mark_roster).
"""

from __future__ import annotations

import datetime
import re
from html import escape

from django.contrib import messages
from django.db.models import F
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.html import format_html_join
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from courses.core.errors import DomainError
from courses.core.permissions import is_admin
from courses.models import ClassStatus
from enrollment.models import SEAT_STATUSES, AttendanceStatus, EnrollmentStatus
from enrollment.pages.access import trainer_page
from enrollment.rules.personal_data import full_record_reader, mask_national_id
from enrollment.selectors.attendance import session_attendance_sheet, sessions_managed_by
from enrollment.services.attendance_roll_call import attendance_mark_roster
from enrollment.services.data_access import learner_reads_record

# The sessions listed: from today on, the nearest first, at most this many.
SESSIONS_SHOWN = 50
# A service's per-row error names its row by index: "records.3.status", "scores.2".
ROW_FIELD = re.compile(r"^\w+\.(\d+)(?:\.|$)")


def row_errors_shown(request, error: DomainError, names: list[str]) -> None:
    """A refused one-request save, as messages: the service's message, then each row's error with
    the learner's name (`names` in the order of the rows sent)."""
    messages.error(request, error.message)
    for item in error.errors:
        match = ROW_FIELD.match(item.field or "")
        who = names[int(match.group(1))] if match and int(match.group(1)) < len(names) else ""
        messages.error(request, f"{who}: {item.message}" if who else item.message)


@require_http_methods(["GET"])
@trainer_page
def my_sessions(request):
    today = timezone.localdate()
    start_of_today = timezone.make_aware(datetime.datetime.combine(today, datetime.time.min))
    sessions = list(
        sessions_managed_by(request.user)
        .filter(ends_at__gte=start_of_today)
        .order_by("starts_at", "pk")[:SESSIONS_SHOWN]
    )
    todays = [s for s in sessions if timezone.localdate(s.starts_at) <= today]
    upcoming = [s for s in sessions if timezone.localdate(s.starts_at) > today]
    return render(
        request,
        "portal/trainer_sessions.html",
        {
            "todays": todays,
            "upcoming": upcoming,
            "limited": len(sessions) == SESSIONS_SHOWN,
            "is_admin": is_admin(request.user),
        },
    )


# What the roster page reads of each row of the API's sheet: values, not model instances (the page
# holds thousands of rows; building an enrolment, a learner and a province for each was most of its time).
ROSTER_FIELDS = ("pk", "status", "learner_id")
# One row of the roster: the learner (name, id number as their record level shows it) and the
# select of a markable learner, or the state of one who is not (withdrawn with a record).
ROSTER_ROW = (
    '<li class="roster-row" data-enrollment="{}"><label for="status-{}"><span class="name">{}</span> '
    '<span class="muted">{}</span></label>{}</li>'
)
MARK_SELECT = '<select id="status-{}" name="status-{}">{}</select>'
NOT_MARKABLE = '<span class="muted">{}</span>'

ROSTER_VALUES = {
    "record": "attendance_status",
    "user_id": "learner__user_id",
    "province_id": "learner__province_id",
    "successor_id": "learner__province__successor_id",
    "name": "learner__full_name",
    "national_id": "learner__national_id",
}


@require_http_methods(["GET", "POST"])
@trainer_page
def session_roster(request, pk: int):
    session = get_object_or_404(sessions_managed_by(request.user), pk=pk)
    sheet = list(
        session_attendance_sheet(session).values(
            *ROSTER_FIELDS, **{k: F(v) for k, v in ROSTER_VALUES.items()}
        )
    )
    if request.method == "POST":
        _save(request, session, sheet)
        return redirect("portal:trainer_roster", pk=session.pk)
    reads_full = full_record_reader(request.user)
    for row in sheet:
        row["full"] = reads_full(row["user_id"], row["province_id"], row["successor_id"])
    learner_reads_record(
        request=request,
        reads=((row["learner_id"], row["user_id"], row["full"]) for row in sheet),
        training_class_id=session.training_class_id,
    )
    # In the request's language, once (a lazy label per row would be translated per row).
    labels = {value: str(label) for value, label in AttendanceStatus.choices}
    seat_labels = {value: str(label) for value, label in EnrollmentStatus.choices}
    # The select's options, once per status preselected (not one template loop per learner).
    options = {
        chosen: format_html_join(
            "",
            '<option value="{}"{}>{}</option>',
            (
                (value, mark_safe(" selected") if value == chosen else "", label)
                for value, label in labels.items()
            ),
        )
        for chosen in labels
    }
    # The rows' markup is joined here, not looped over in the template: a template loop costs a
    # few microseconds per tag and per variable, which for thousands of rows was most of the page.
    # Plain str.format with html.escape (what django.utils.html.escape does, without its lazy-string
    # wrapper per call) on the learner's text; the ids are numbers, the options already safe.
    items = mark_safe(  # noqa: S308 - every value from the rows is escaped or a number
        "\n".join(
            ROSTER_ROW.format(
                row["pk"],
                row["pk"],
                escape(row["name"]),
                escape(row["national_id"] if row["full"] else mask_national_id(row["national_id"])),
                MARK_SELECT.format(row["pk"], row["pk"], options[row["record"] or AttendanceStatus.PRESENT])
                if row["status"] in SEAT_STATUSES
                else NOT_MARKABLE.format(
                    escape(
                        " · ".join(filter(None, [seat_labels.get(row["status"]), labels.get(row["record"])]))
                    )
                ),
            )
            for row in sheet
        )
    )
    return render(
        request,
        "portal/trainer_roster.html",
        {
            "session": session,
            "training_class": session.training_class,
            "rows": items,
            "asks_reason": session.training_class.status == ClassStatus.CLOSED and is_admin(request.user),
        },
    )


def _save(request, session, sheet: list[dict]) -> None:
    """One call of attendance_mark_roster with each markable learner whose status is new: a record
    left as it was keeps its minutes (a check-in's or a report's), as the API keeps a learner left out."""
    valid = set(AttendanceStatus.values)
    records, names = [], []
    for row in sheet:
        if row["status"] not in SEAT_STATUSES:
            continue
        status = request.POST.get(f"status-{row['pk']}", "")
        if status not in valid:
            messages.error(request, _("Trạng thái không hợp lệ cho %(name)s.") % {"name": row["name"]})
            return
        if status == row["record"]:
            continue
        records.append({"enrollment": row["pk"], "status": status})
        names.append(row["name"])
    if not records:
        messages.success(request, _("Không có thay đổi nào để lưu."))
        return
    try:
        outcome = attendance_mark_roster(
            session=session,
            records=records,
            actor=request.user,
            reason=request.POST.get("reason", "").strip(),
        )
    except DomainError as error:
        row_errors_shown(request, error, names)
        return
    labels = dict(AttendanceStatus.choices)
    counts: dict[str, int] = {}
    for record in records:
        counts[record["status"]] = counts.get(record["status"], 0) + 1
    summary = ", ".join(f"{labels[status]}: {count}" for status, count in counts.items())
    messages.success(
        request,
        _("Đã lưu điểm danh (%(summary)s): %(created)d bản ghi mới, %(updated)d bản ghi cập nhật.")
        % {"summary": summary, "created": outcome.created, "updated": outcome.updated},
    )
