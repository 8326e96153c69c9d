"""API representations of attendance, its history, scores, and what a learner sees of their classes.

Request serializers check shapes and types only; the rules (who, which enrolment, minutes within
the session, closed classes) are the services'. The JSON bulk endpoint is documented by
`BulkAttendanceRequestSerializer` but parsed by its service, which is much faster than a
serializer per record for thousands of records.
"""

from __future__ import annotations

from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from courses.api.serializers_imports import FileDescriptionSerializer, ImportUploadSerializer
from courses.core.errors import DomainError
from courses.core.write_fields import StrictWriteMixin
from courses.models import ClassMode, ClassSession, ClassStatus, Material, Topic, TrainingClass
from enrollment.files.attendance_report import COLUMNS as REPORT_COLUMNS
from enrollment.files.attendance_report import Unmatched, report_zone
from enrollment.files.platform_reports import PLATFORM_NAMES
from enrollment.files.platform_reports.times import DATE_ORDERS
from enrollment.models import Attendance, AttendanceSource, AttendanceStatus, AuditEntry, EnrollmentStatus
from enrollment.rules.attendance import CHECK_IN_OPENS_BEFORE, session_is_online
from enrollment.rules.completion import percent_display
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


class MarkResultSerializer(serializers.Serializer):
    session = serializers.IntegerField()
    created = serializers.IntegerField()
    updated = serializers.IntegerField()
    unchanged = serializers.IntegerField()
    records = AttendanceRecordSerializer(many=True, help_text="The records of the request, in its order.")


# --- check-in and check-out ----------------------------------------------------------------------


class IntervalSerializer(serializers.Serializer):
    joined_at = serializers.DateTimeField()
    left_at = serializers.DateTimeField(allow_null=True, help_text="null: still in the session.")
    last_seen_at = serializers.DateTimeField(
        allow_null=True,
        help_text="The last sign of presence of an open interval (its check-in, then each heartbeat): "
        "it counts up to here until the check-out.",
    )


class CheckInResultSerializer(serializers.Serializer):
    session = serializers.IntegerField(source="session.pk")
    enrollment = serializers.IntegerField(source="enrollment.pk")
    checked_in = serializers.BooleanField(help_text="true while joined and not yet left.")
    intervals = IntervalSerializer(many=True, help_text="Every check-in and check-out of the learner.")
    attendance = AttendanceRecordSerializer(
        allow_null=True,
        help_text="The record as it stands; null before the session starts (nothing is recorded "
        "before it). A record set by a trainer, an admin, the platform's report or an integration is "
        "not changed by checking in.",
    )


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


# --- history -------------------------------------------------------------------------------------


class AuditEntrySerializer(serializers.ModelSerializer):
    actor_name = serializers.SerializerMethodField()

    class Meta:
        model = AuditEntry
        fields = ["id", "at", "action", "actor", "actor_name", "source", "reason", "before", "after"]
        read_only_fields = fields

    def get_actor_name(self, entry) -> str:
        return str(entry.actor) if entry.actor_id else ""


# --- scores --------------------------------------------------------------------------------------

SCORE_FIELD_KWARGS = {
    "max_digits": 4,
    "decimal_places": 2,
    "min_value": 0,
    "max_value": 10,
    "allow_null": True,
    "coerce_to_string": False,
}


class ScoreSerializer(ReasonMixin):
    score = serializers.DecimalField(
        **SCORE_FIELD_KWARGS, help_text="Final assessment on the 10-point scale; null clears it."
    )


class ScoreItemSerializer(serializers.Serializer):
    enrollment = serializers.IntegerField(required=False, allow_null=True)
    national_id = serializers.CharField(
        required=False, allow_blank=True, help_text="Instead of `enrollment`."
    )
    score = serializers.DecimalField(**SCORE_FIELD_KWARGS)

    def validate(self, attrs):
        if (attrs.get("enrollment") is None) == (not attrs.get("national_id")):
            raise serializers.ValidationError(
                {"enrollment": _("Cần đúng một trong hai: enrollment hoặc national_id.")}, code="required"
            )
        return attrs


class ScoresSerializer(ReasonMixin):
    scores = ScoreItemSerializer(many=True, allow_empty=False, max_length=10000)


class ScoreResultSerializer(serializers.Serializer):
    enrollment = serializers.IntegerField(source="pk")
    final_score = serializers.DecimalField(
        max_digits=4, decimal_places=2, allow_null=True, coerce_to_string=False
    )


class ScoresResultSerializer(serializers.Serializer):
    updated = serializers.IntegerField()
    unchanged = serializers.IntegerField()
    scores = ScoreResultSerializer(many=True, source="enrollments")


# --- what a learner sees -------------------------------------------------------------------------


class ClassSummarySerializer(serializers.ModelSerializer):
    mode = serializers.ChoiceField(choices=ClassMode.choices)

    class Meta:
        model = TrainingClass
        fields = ["id", "code", "title", "mode", "status"]


class TopicSummarySerializer(serializers.ModelSerializer):
    class Meta:
        model = Topic
        fields = ["id", "order", "title_vi", "title_en", "hours"]


class MySessionSerializer(serializers.ModelSerializer):
    """A session of one of the learner's classes, with their own record of it."""

    training_class = ClassSummarySerializer()
    topic = TopicSummarySerializer(allow_null=True)
    is_online = serializers.SerializerMethodField()
    can_check_in = serializers.SerializerMethodField(
        help_text="true while check-in is open: online, from 15 minutes before the start to the end."
    )
    my_attendance_id = serializers.IntegerField(allow_null=True)
    my_status = serializers.ChoiceField(
        choices=AttendanceStatus.choices, allow_null=True, help_text="null: not recorded (yet)."
    )
    my_minutes = serializers.IntegerField(allow_null=True)
    my_source = serializers.ChoiceField(choices=AttendanceSource.choices, allow_null=True)

    class Meta:
        model = ClassSession
        fields = [
            "id",
            "training_class",
            "title",
            "topic",
            "starts_at",
            "ends_at",
            "planned_minutes",
            "is_online",
            "join_url",
            "location",
            "can_check_in",
            "my_attendance_id",
            "my_status",
            "my_minutes",
            "my_source",
        ]

    def get_is_online(self, session) -> bool:
        return session_is_online(session)

    def get_can_check_in(self, session) -> bool:
        now = timezone.now()
        return (
            session_is_online(session)
            and session.training_class.status != ClassStatus.CLOSED
            and session.starts_at - CHECK_IN_OPENS_BEFORE <= now <= session.ends_at
        )


class CurriculumContentSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    code = serializers.CharField()
    version = serializers.IntegerField()
    title_vi = serializers.CharField()
    title_en = serializers.CharField()


class MaterialSummarySerializer(serializers.ModelSerializer):
    class Meta:
        model = Material
        fields = ["id", "order", "kind", "title", "url"]


class MyProgressSerializer(serializers.Serializer):
    training_class = ClassSummarySerializer()
    enrollment = serializers.IntegerField(source="enrollment.pk")
    enrollment_status = serializers.ChoiceField(source="enrollment.status", choices=EnrollmentStatus.choices)
    sessions_total = serializers.IntegerField()
    sessions_held = serializers.IntegerField(help_text="Sessions that have started.")
    sessions_attended = serializers.IntegerField(help_text="Sessions marked present or late.")
    planned_minutes = serializers.IntegerField(help_text="Planned minutes of all the class's sessions.")
    # The figures of enrollment.rules.completion: the class's programme's completion rule, as the reports.
    required_percent = serializers.DecimalField(
        max_digits=5,
        decimal_places=2,
        coerce_to_string=False,
        help_text="The attendance percentage the class's completion rule asks for.",
    )
    excused_policy = serializers.CharField(help_text="How the rule counts excused absences.")
    required_minutes = serializers.IntegerField(
        help_text="The rule's share of the planned minutes (less excused ones if the rule excludes them), rounded up."
    )
    attended_minutes = serializers.IntegerField(
        help_text="Present and late time, each session capped at its planned minutes, in whole minutes "
        "rounded down; time under an 'absent' status counts none."
    )
    credited_minutes = serializers.IntegerField(
        help_text="Attended plus excused minutes where the rule credits them."
    )
    remaining_minutes = serializers.IntegerField(help_text="Minutes still needed to reach the requirement.")
    meets_requirement = serializers.BooleanField(help_text="Compared to the second, as the certificates.")
    attendance_percent = serializers.DecimalField(
        max_digits=5, decimal_places=2, coerce_to_string=False, help_text="Credited / base, truncated."
    )
    attendance_percent_text = serializers.SerializerMethodField(
        help_text='One decimal, truncated: 79.99 is "79.9 %", never "80 %".'
    )
    attendance_rate = serializers.FloatField(help_text="attendance_percent / 100, 0-1.")
    final_score = serializers.DecimalField(
        max_digits=4, decimal_places=2, allow_null=True, coerce_to_string=False
    )
    curriculum = CurriculumContentSerializer()
    topics = TopicSummarySerializer(many=True)
    materials = MaterialSummarySerializer(many=True)

    def get_attendance_percent_text(self, progress) -> str:
        return percent_display(progress["attendance_percent"])
