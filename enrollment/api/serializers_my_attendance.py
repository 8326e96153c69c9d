"""API representations of a learner's own attendance: a check-in's outcome, their sessions with
their records, their progress in a class."""

from __future__ import annotations

from django.utils import timezone
from django.utils.translation import gettext as _
from rest_framework import serializers

from courses.core.errors import DomainError
from courses.core.filter_fields import as_id
from courses.models import ClassMode, ClassSession, ClassStatus, Material, Topic, TrainingClass
from enrollment.api.serializers_attendance import AttendanceRecordSerializer
from enrollment.models import AttendanceSource, AttendanceStatus, EnrollmentStatus
from enrollment.rules.attendance import CHECK_IN_OPENS_BEFORE, session_is_online
from enrollment.rules.completion import percent_display
from enrollment.selectors.learners import SessionWhen

# --- the query of a learner's session lists ---------------------------------------------------


class MyAttendanceQuerySerializer(serializers.Serializer):
    """The query of `me/attendance`: `class`, an id or left out (or empty). Validated into
    `class_id` (None: every class); anything else answers 400 naming `class`."""

    def to_internal_value(self, data):
        return {"class_id": self.class_id(data)}

    @staticmethod
    def class_id(data) -> int | None:
        value = data.get("class")
        if value in (None, ""):
            return None
        class_id = as_id(value)
        if class_id is None:
            raise DomainError(message=_("Cần mã số của lớp."), field="class")
        return class_id


class MySessionsQuerySerializer(MyAttendanceQuerySerializer):
    """The query of `me/sessions`: `class` as in `me/attendance`, and `when` (upcoming, past, or
    left out or empty: all); anything else answers 400 naming it."""

    def to_internal_value(self, data):
        when = data.get("when") or None
        if when not in (None, SessionWhen.UPCOMING, SessionWhen.PAST):
            raise DomainError(message=_("Chỉ nhận upcoming hoặc past."), field="when")
        return {"when": when, "class_id": self.class_id(data)}


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
