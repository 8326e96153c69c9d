"""API representations of attendance as trainers, admins and integrations record and read it, and of
its history (a learner's own: serializers_my_attendance; scores: serializers_scores).

Request serializers check shapes and types only; the rules (who, which enrolment, minutes within
the session, closed classes) are the services'. The JSON bulk endpoint is documented by
`BulkAttendanceRequestSerializer` but parsed by its service, which is much faster than a
serializer per record for thousands of records.
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from courses.api.serializers_imports import FileDescriptionSerializer, ImportUploadSerializer
from courses.core.errors import DomainError
from courses.core.write_fields import StrictWriteMixin
from enrollment.files.attendance_report import COLUMNS as REPORT_COLUMNS
from enrollment.files.attendance_report import Unmatched, report_zone
from enrollment.files.platform_reports import PLATFORM_NAMES
from enrollment.files.platform_reports.times import DATE_ORDERS
from enrollment.models import Attendance, AttendanceSource, AttendanceStatus, AuditEntry, EnrollmentStatus
from enrollment.rules.personal_data import mask_national_id, reader_of, reads_full_record
from enrollment.services.attendance_checks import NOTE_MAX_LENGTH
from enrollment.services.attendance_store import Action

REASON_HELP = (
    "Why the record is changed. Required (non-empty) to change a closed class, which only admins may "
    "do; kept in the audit history in every case."
)


class ReasonMixin(StrictWriteMixin, serializers.Serializer):
    reason = serializers.CharField(
        required=False, allow_blank=True, default="", max_length=2000, help_text=REASON_HELP
    )


# --- records -------------------------------------------------------------------------------------


class AttendanceRecordSerializer(serializers.ModelSerializer):
    status_label = serializers.CharField(source="get_status_display", read_only=True)
    source_label = serializers.CharField(source="get_source_display", read_only=True)
    recorded_by_name = serializers.SerializerMethodField()

    class Meta:
        model = Attendance
        fields = [
            "id",
            "session",
            "enrollment",
            "status",
            "status_label",
            "minutes",
            "source",
            "source_label",
            "recorded_by",
            "recorded_by_name",
            "recorded_at",
            "note",
        ]
        read_only_fields = fields

    def get_recorded_by_name(self, record) -> str:
        # recorded_by is not loaded for the records of a batch: the actor is the one in the request.
        user = self.context.get("actor") if record.recorded_by_id else None
        if user is not None and user.pk == record.recorded_by_id:
            return str(user)
        return str(record.recorded_by) if record.recorded_by_id else ""


class LearnerSummarySerializer(serializers.Serializer):
    id = serializers.IntegerField()
    national_id = serializers.SerializerMethodField(
        help_text="12 digits for those who read the learner's full record; otherwise the last four "
        "(`********1234`), as on a roster (enrollment.rules.personal_data)."
    )
    full_name = serializers.CharField()

    def get_national_id(self, learner) -> str:
        if reads_full_record(reader_of(self.context), learner):
            return learner.national_id
        return mask_national_id(learner.national_id)


class SheetRowSerializer(serializers.Serializer):
    """One enrolment of the session's class with its record (attendance fields null when none)."""

    enrollment = serializers.IntegerField(source="pk")
    enrollment_status = serializers.ChoiceField(source="status", choices=EnrollmentStatus.choices)
    learner = LearnerSummarySerializer()
    attendance_id = serializers.IntegerField(allow_null=True)
    status = serializers.ChoiceField(
        source="attendance_status",
        choices=AttendanceStatus.choices,
        allow_null=True,
        help_text="null: not marked.",
    )
    minutes = serializers.IntegerField(source="attendance_minutes", allow_null=True)
    source = serializers.ChoiceField(
        source="attendance_source", choices=AttendanceSource.choices, allow_null=True
    )
    note = serializers.CharField(source="attendance_note", allow_null=True)
    recorded_at = serializers.DateTimeField(source="attendance_recorded_at", allow_null=True)
    recorded_by = serializers.CharField(
        source="attendance_recorded_by", allow_null=True, help_text="Username of who recorded it."
    )


# --- a trainer marks the roster ------------------------------------------------------------------


class RosterMarkItemSerializer(serializers.Serializer):
    enrollment = serializers.IntegerField(required=False, allow_null=True, help_text="Id of the enrolment.")
    learner = serializers.IntegerField(
        required=False, allow_null=True, help_text="Id of the learner, instead of `enrollment`."
    )
    status = serializers.ChoiceField(choices=AttendanceStatus.choices)
    minutes = serializers.IntegerField(
        required=False,
        allow_null=True,
        min_value=0,
        help_text="Attended minutes, at most the session's length. Default: the planned minutes for "
        "present and late, 0 for absent and excused.",
    )
    note = serializers.CharField(
        required=False,
        allow_null=True,
        allow_blank=True,
        max_length=NOTE_MAX_LENGTH,
        help_text="Left out: kept.",
    )

    def validate(self, attrs):
        if (attrs.get("enrollment") is None) == (attrs.get("learner") is None):
            raise serializers.ValidationError(
                {"enrollment": _("Cần đúng một trong hai: enrollment hoặc learner.")}, code="required"
            )
        return attrs


class RosterMarkSerializer(ReasonMixin):
    records = RosterMarkItemSerializer(many=True, allow_empty=False, max_length=10000)


class MarkedSessionField(serializers.IntegerField):
    """The id of the session marked, from the serializer's context (`session`): the outcome of
    attendance_mark_roster does not hold it."""

    def get_attribute(self, instance):
        return self.context["session"].pk


# attendance_mark_roster's outcome; the context gives the `session` marked and the `actor`. (A
# docstring here would be published in the schema.)
class MarkResultSerializer(serializers.Serializer):
    session = MarkedSessionField()
    created = serializers.IntegerField()
    updated = serializers.IntegerField()
    unchanged = serializers.IntegerField()
    records = AttendanceRecordSerializer(many=True, help_text="The records of the request, in its order.")


# --- the platform's report -----------------------------------------------------------------------


def _columns_help() -> str:
    return "; ".join(f"{c.field}: “{'”, “'.join(c.headings)}”" for c in REPORT_COLUMNS)


class PlatformReportUploadSerializer(ReasonMixin, ImportUploadSerializer):
    """The fields of every upload (file, dry_run, sheet, mapping_id, mapping: ImportUploadSerializer)
    and those of a meeting's times."""

    file = serializers.FileField(
        help_text="The participant or attendance report, .csv or .xlsx, as Zoom, Teams or Meet exports it, "
        f"or the project's template. Accepted headings: {_columns_help()}."
    )
    dry_run = serializers.BooleanField(
        default=False, help_text="true: match and compute, report what would change, store nothing."
    )
    date_order = serializers.ChoiceField(
        choices=DATE_ORDERS,
        required=False,
        allow_null=True,
        default=None,
        help_text="How the file writes dates: dmy (day/month/year) or mdy (month/day/year, Zoom and "
        "US-English Teams). Needed only when the file doesn't prove it (no day above 12) and neither "
        "reading puts the times on the session's day; the upload then answers 400 on this field.",
    )
    timezone = serializers.CharField(
        required=False,
        default="Asia/Ho_Chi_Minh",
        max_length=64,
        help_text="IANA time zone of the file's times that carry no offset (the platform writes the "
        "downloader's local time): default Asia/Ho_Chi_Minh; UTC for an export in UTC.",
    )

    def validate_timezone(self, value):
        try:
            report_zone(value)
        except DomainError as exc:
            raise serializers.ValidationError(exc.message) from None
        return value.strip()


class ReportedLearnerSerializer(serializers.Serializer):
    enrollment = serializers.IntegerField(source="enrollment.pk")
    learner = LearnerSummarySerializer(source="enrollment.learner")
    rows = serializers.ListField(
        child=serializers.IntegerField(), help_text="Rows of the report matched to them."
    )
    first_join = serializers.DateTimeField(allow_null=True)
    status = serializers.ChoiceField(source="attendance.status", choices=AttendanceStatus.choices)
    minutes = serializers.IntegerField(source="attendance.minutes")
    action = serializers.ChoiceField(choices=Action.choices)


class UnmatchedRowSerializer(serializers.Serializer):
    row = serializers.IntegerField(help_text="Row number as the spreadsheet shows it (heading = row 1).")
    name = serializers.CharField()
    email = serializers.CharField()
    national_id = serializers.CharField()
    reason = serializers.ChoiceField(choices=Unmatched.choices)
    message = serializers.CharField()
    guest = serializers.BooleanField(help_text="The platform marks the row as a guest (Zoom, Teams).")


class HostRowSerializer(serializers.Serializer):
    row = serializers.IntegerField(help_text="Row number as the spreadsheet shows it.")
    name = serializers.CharField()
    email = serializers.CharField()


class ReportTimesSerializer(serializers.Serializer):
    date_order = serializers.ChoiceField(
        choices=DATE_ORDERS, allow_null=True, help_text="null when no date of the file needed an order."
    )
    date_order_from = serializers.ChoiceField(
        choices=["file", "session", "parameter", "not_needed"],
        help_text="file: a day above 12 proves it; session: the one reading on the session's day; "
        "parameter: date_order as given.",
    )
    timezone = serializers.CharField()


class PlatformReportResultSerializer(serializers.Serializer):
    dry_run = serializers.BooleanField()
    total_rows = serializers.IntegerField()
    matched_rows = serializers.IntegerField()
    created = serializers.IntegerField(source="attendance.created")
    updated = serializers.IntegerField(source="attendance.updated")
    unchanged = serializers.IntegerField(source="attendance.unchanged")
    learners = ReportedLearnerSerializer(many=True)
    unmatched = UnmatchedRowSerializer(
        many=True, help_text="Rows matched to no active enrolment; not stored."
    )
    platform = serializers.ChoiceField(
        choices=PLATFORM_NAMES, help_text="The platform detected from the file."
    )
    file = FileDescriptionSerializer(
        help_text="How the file was read: sheet, heading rows, columns, ignored columns."
    )
    times = ReportTimesSerializer(help_text="How the times were read.")
    host = HostRowSerializer(
        many=True,
        help_text="The meeting's host (Zoom: the meeting block's email; Teams: the organizer and "
        "co-organizers); not counted.",
    )
    guests = UnmatchedRowSerializer(many=True, help_text="The unmatched rows the platform marks as guests.")


# --- JSON bulk -----------------------------------------------------------------------------------


class BulkRecordSerializer(serializers.Serializer):
    session = serializers.IntegerField(help_text="Id of the session.")
    enrollment = serializers.IntegerField(
        required=False, help_text="Id of the enrolment; or give `national_id`."
    )
    national_id = serializers.CharField(
        required=False, help_text="The learner's 12-digit identification number, instead of `enrollment`."
    )
    status = serializers.ChoiceField(choices=AttendanceStatus.choices)
    minutes = serializers.IntegerField(
        required=False, min_value=0, help_text="Default: the planned minutes for present and late, else 0."
    )
    note = serializers.CharField(required=False, help_text="Left out: the stored note is kept.")
    external_id = serializers.CharField(
        required=False, help_text="The integration's own id of the record, echoed in results and errors."
    )


class BulkAttendanceRequestSerializer(ReasonMixin):
    records = BulkRecordSerializer(many=True, help_text="Up to 10,000 records.")
    dry_run = serializers.BooleanField(default=False, help_text="true: check and count, store nothing.")


class BulkEnvelopeSerializer(ReasonMixin):
    """The request's envelope; the records themselves are checked by the service."""

    records = serializers.ListField(allow_empty=False)
    dry_run = serializers.BooleanField(default=False)


class BulkResultItemSerializer(serializers.Serializer):
    index = serializers.IntegerField()
    external_id = serializers.CharField()
    id = serializers.IntegerField(
        allow_null=True, help_text="The record's id; null for a new one in a dry run."
    )
    action = serializers.ChoiceField(choices=Action.choices)


class BulkResultSerializer(serializers.Serializer):
    dry_run = serializers.BooleanField()
    total = serializers.IntegerField()
    created = serializers.IntegerField()
    updated = serializers.IntegerField()
    unchanged = serializers.IntegerField()
    results = BulkResultItemSerializer(many=True)

    @staticmethod
    def body(outcome) -> dict:
        """The answer to a bulk upsert (services.attendance_bulk_upsert's outcome) in this shape,
        built directly: its values are already plain JSON, and running the serializer over
        thousands of results would cost more than storing them."""
        attendance = outcome.attendance
        results = [
            {"index": item.index, "external_id": item.external_id, "id": record_id, "action": action}
            for item, record_id, action in zip(outcome.items, attendance.ids, attendance.actions, strict=True)
        ]
        return {
            "dry_run": attendance.dry_run,
            "total": outcome.total,
            "created": attendance.created,
            "updated": attendance.updated,
            "unchanged": attendance.unchanged,
            "results": results,
        }


# --- history -------------------------------------------------------------------------------------


class AuditEntrySerializer(serializers.ModelSerializer):
    actor_name = serializers.SerializerMethodField()

    class Meta:
        model = AuditEntry
        fields = ["id", "at", "action", "actor", "actor_name", "source", "reason", "before", "after"]
        read_only_fields = fields

    def get_actor_name(self, entry) -> str:
        return str(entry.actor) if entry.actor_id else ""
