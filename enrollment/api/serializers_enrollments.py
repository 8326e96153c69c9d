"""API representations of learners, enrolments, rosters and the enrolment history."""

from __future__ import annotations

from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from courses.api.serializers_catalogue import PositionSummarySerializer, ProvinceSummarySerializer
from courses.core.write_fields import StrictWriteMixin
from courses.models import AreaType, Commune, Position, Province, TrainingClass
from enrollment.models import AuditEntry, Enrollment, Gender, Learner, LearnerDataAccess
from enrollment.rules.personal_data import PERSONAL_FIELDS, mask_national_id, reader_of, reads_full_record


class RecordLevel:
    FULL = "full"
    ROSTER = "roster"
    CHOICES = [(FULL, "full"), (ROSTER, "roster")]


class CommuneSummarySerializer(serializers.ModelSerializer):
    class Meta:
        model = Commune
        fields = ["id", "code", "name"]


class LearnerSerializer(serializers.ModelSerializer):
    """A learner's record, at the level the reader is entitled to (enrollment.rules.personal_data).

    `record` says which: `full`, or `roster` (trainers, and admins of a class the learner is on
    who are not of the learner's province), where the id number and username show their last four
    digits only and the personal fields (date of birth, ethnicity, contact) are null.
    """

    national_id = serializers.CharField(
        read_only=True, help_text="12 digits; `********1234` (last four only) at the roster level."
    )
    legacy_id_number = serializers.CharField(
        read_only=True,
        help_text="The old 9-digit identity card number (CMND), blank if none; masked like the id at "
        "the roster level.",
    )
    gender_label = serializers.CharField(source="get_gender_display", read_only=True)
    ethnicity = serializers.CharField(read_only=True, allow_null=True, help_text="Null at the roster level.")
    is_ethnic_minority = serializers.BooleanField(
        read_only=True, allow_null=True, help_text="Null at the roster level."
    )
    province = ProvinceSummarySerializer(read_only=True)
    commune = CommuneSummarySerializer(read_only=True, allow_null=True)
    position = PositionSummarySerializer(read_only=True, allow_null=True)
    position_category = serializers.CharField(
        read_only=True, help_text="Category of the position (elected, appointed, part-time, other)."
    )
    area_type_label = serializers.CharField(source="get_area_type_display", read_only=True)
    username = serializers.CharField(
        source="national_id",
        read_only=True,
        help_text="Sign-in name; masked like the id at the roster level.",
    )
    phone = serializers.CharField(read_only=True, allow_null=True, help_text="Null at the roster level.")
    email = serializers.CharField(read_only=True, allow_null=True, help_text="Null at the roster level.")
    record = serializers.SerializerMethodField(
        help_text="`full`: the whole record; `roster`: the roster fields only (see the description)."
    )

    class Meta:
        model = Learner
        fields = [
            "id",
            "national_id",
            "legacy_id_number",
            "username",
            "full_name",
            "gender",
            "gender_label",
            "date_of_birth",
            "ethnicity",
            "is_ethnic_minority",
            "province",
            "commune",
            "position",
            "position_category",
            "area_type",
            "area_type_label",
            "phone",
            "email",
            "record",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields

    @extend_schema_field(serializers.ChoiceField(choices=RecordLevel.CHOICES))
    def get_record(self, learner) -> str:
        return RecordLevel.FULL if reads_full_record(reader_of(self.context), learner) else RecordLevel.ROSTER

    def to_representation(self, learner):
        data = super().to_representation(learner)
        if data["record"] == RecordLevel.ROSTER:
            data["national_id"] = data["username"] = mask_national_id(learner.national_id)
            data["legacy_id_number"] = mask_national_id(learner.legacy_id_number)
            for name in PERSONAL_FIELDS:
                data[name] = None
        return data


class LearnerWriteSerializer(StrictWriteMixin, serializers.Serializer):
    national_id = serializers.CharField(
        max_length=20,
        help_text="12-digit personal identification number (số định danh cá nhân / CCCD), digits "
        "grouped by spaces, dots or dashes accepted. 10 or 11 digits are a number whose leading zeros "
        "a spreadsheet dropped and are left-padded to 12; the first three digits must be a province "
        "code 001-096. A 9-digit old CMND is refused here: give it as `legacy_id_number`.",
    )
    legacy_id_number = serializers.CharField(
        max_length=20,
        required=False,
        allow_blank=True,
        help_text="The old 9-digit identity card number (CMND), unique; blank: none (clears it on "
        "update). Never padded into a 12-digit id.",
    )
    full_name = serializers.CharField(max_length=200)
    gender = serializers.ChoiceField(choices=Gender.choices)
    date_of_birth = serializers.DateField(required=False, allow_null=True)
    ethnicity = serializers.CharField(
        max_length=50,
        required=False,
        allow_blank=True,
        help_text="Ethnic group (dân tộc); blank means Kinh. Any other is an ethnic minority.",
    )
    commune_id = serializers.PrimaryKeyRelatedField(
        source="commune",
        queryset=Commune.objects.select_related("province"),
        required=False,
        allow_null=True,
        help_text="Commune (xã, phường) of a current province; the learner's province is derived from it.",
    )
    province_id = serializers.PrimaryKeyRelatedField(
        source="province",
        queryset=Province.objects.select_related("successor"),
        required=False,
        allow_null=True,
        help_text="A current province; needed when no commune is given.",
    )
    position_id = serializers.PrimaryKeyRelatedField(
        source="position", queryset=Position.objects.all(), required=False, allow_null=True
    )
    area_type = serializers.ChoiceField(
        choices=AreaType.choices,
        required=False,
        allow_blank=True,
        help_text="Kind of commune; defaults to the commune's.",
    )
    phone = serializers.CharField(max_length=20, required=False, allow_blank=True)
    email = serializers.EmailField(required=False, allow_blank=True)


class LearnerCreateSerializer(LearnerWriteSerializer):
    # Given to learner_create as its `with_password`.
    generate_password = serializers.BooleanField(
        default=False,
        source="with_password",
        help_text="true: give the account a generated password, returned once in `password`. "
        "Otherwise it cannot sign in until one is generated (POST /learners/{id}/reset-password).",
    )


class LearnerCreatedSerializer(LearnerSerializer):
    password = serializers.CharField(
        allow_null=True, read_only=True, help_text="The generated password, shown this once; null if none."
    )

    class Meta(LearnerSerializer.Meta):
        fields = [*LearnerSerializer.Meta.fields, "password"]
        read_only_fields = fields


class PasswordSerializer(serializers.Serializer):
    username = serializers.CharField(help_text="Sign-in name (the id number).")
    password = serializers.CharField(help_text="The new password, shown this once.")


class LearnerContactSerializer(StrictWriteMixin, serializers.Serializer):
    phone = serializers.CharField(max_length=20, required=False, allow_blank=True)
    email = serializers.EmailField(required=False, allow_blank=True)


class MyPreferencesSerializer(StrictWriteMixin, serializers.Serializer):
    reminders_enabled = serializers.BooleanField(
        help_text="Send me a reminder by email the day before and shortly before each session."
    )


# --- enrolments ----------------------------------------------------------------------------------


class ClassBriefSerializer(serializers.ModelSerializer):
    province = ProvinceSummarySerializer(read_only=True)
    curriculum_title = serializers.CharField(source="curriculum.title_vi", read_only=True)

    class Meta:
        model = TrainingClass
        fields = [
            "id",
            "code",
            "title",
            "mode",
            "status",
            "start_date",
            "end_date",
            "province",
            "curriculum_title",
        ]


class EnrollmentSerializer(serializers.ModelSerializer):
    status_label = serializers.CharField(source="get_status_display", read_only=True)
    source_label = serializers.CharField(source="get_source_display", read_only=True)
    training_class = ClassBriefSerializer(read_only=True)
    learner_id = serializers.IntegerField(read_only=True)
    learner_name = serializers.CharField(source="learner.full_name", read_only=True)
    enrolled_by_name = serializers.SerializerMethodField()

    class Meta:
        model = Enrollment
        fields = [
            "id",
            "training_class",
            "learner_id",
            "learner_name",
            "status",
            "status_label",
            "source",
            "source_label",
            "enrolled_by_name",
            "final_score",
            "created_at",
            "status_changed_at",
        ]
        read_only_fields = fields

    def get_enrolled_by_name(self, enrollment) -> str:
        return str(enrollment.enrolled_by) if enrollment.enrolled_by_id else ""


class MyEnrollmentSerializer(EnrollmentSerializer):
    class Meta(EnrollmentSerializer.Meta):
        fields = [
            f for f in EnrollmentSerializer.Meta.fields if f not in ("learner_name", "enrolled_by_name")
        ]
        read_only_fields = fields


class RosterEntrySerializer(serializers.ModelSerializer):
    """One row of a class's roster: the enrolment with its learner and attendance figures."""

    learner = LearnerSerializer(read_only=True)
    status_label = serializers.CharField(source="get_status_display", read_only=True)
    enrolled_by_name = serializers.SerializerMethodField()
    attendance_rate = serializers.SerializerMethodField(
        help_text="Attended minutes / planned minutes of the class's sessions (0..1); null when not computed."
    )
    attended_minutes = serializers.SerializerMethodField()
    planned_minutes = serializers.SerializerMethodField()
    required_minutes = serializers.SerializerMethodField(
        help_text="What the class's completion rule asks for, rounded up (enrollment.rules.completion)."
    )
    meets_attendance = serializers.SerializerMethodField(
        help_text="Whether the attendance meets the class's completion rule, compared to the second."
    )

    class Meta:
        model = Enrollment
        fields = [
            "id",
            "learner",
            "status",
            "status_label",
            "source",
            "enrolled_by_name",
            "created_at",
            "status_changed_at",
            "final_score",
            "attendance_rate",
            "attended_minutes",
            "planned_minutes",
            "required_minutes",
            "meets_attendance",
        ]
        read_only_fields = fields

    def get_enrolled_by_name(self, enrollment) -> str:
        return str(enrollment.enrolled_by) if enrollment.enrolled_by_id else ""

    @extend_schema_field(OpenApiTypes.DOUBLE)
    def get_attendance_rate(self, enrollment):
        rate = getattr(enrollment, "attendance_rate", None)
        return None if rate is None else round(float(rate), 4)

    @extend_schema_field(OpenApiTypes.INT)
    def get_attended_minutes(self, enrollment):
        return getattr(enrollment, "attended_minutes", None)

    @extend_schema_field(OpenApiTypes.INT)
    def get_planned_minutes(self, enrollment):
        return getattr(enrollment, "planned_minutes", None)

    @extend_schema_field(OpenApiTypes.INT)
    def get_required_minutes(self, enrollment):
        return getattr(enrollment, "required_minutes", None)

    @extend_schema_field(OpenApiTypes.BOOL)
    def get_meets_attendance(self, enrollment):
        return getattr(enrollment, "meets_attendance", None)


class EnrolRequestSerializer(StrictWriteMixin, serializers.Serializer):
    learner_id = serializers.IntegerField(required=False, help_text="One learner to enrol.")
    learner_ids = serializers.ListField(
        child=serializers.IntegerField(),
        required=False,
        max_length=5000,
        help_text="Several learners, enrolled in this order while seats last, then waitlisted.",
    )

    def validate(self, attrs):
        if ("learner_id" in attrs) == ("learner_ids" in attrs):
            raise serializers.ValidationError(
                {"learner_id": _("Hãy gửi learner_id hoặc learner_ids (một trong hai).")}
            )
        if "learner_ids" in attrs and not attrs["learner_ids"]:
            raise serializers.ValidationError({"learner_ids": _("Cần ít nhất một học viên.")})
        return attrs


class BulkEnrolResultSerializer(serializers.Serializer):
    enrolled = serializers.ListField(child=serializers.IntegerField(), help_text="Learner ids enrolled.")
    waitlisted = serializers.ListField(child=serializers.IntegerField(), help_text="Learner ids waitlisted.")
    unchanged = serializers.ListField(
        child=serializers.IntegerField(), help_text="Learner ids already enrolled or waitlisted: left alone."
    )


class WithdrawSerializer(StrictWriteMixin, serializers.Serializer):
    reason = serializers.CharField(required=False, allow_blank=True, max_length=1000)


class EnrollmentHistoryEntrySerializer(serializers.ModelSerializer):
    actor_name = serializers.SerializerMethodField()

    class Meta:
        model = AuditEntry
        fields = ["id", "at", "action", "actor", "actor_name", "before", "after", "source", "reason"]
        read_only_fields = fields

    def get_actor_name(self, entry) -> str:
        return str(entry.actor) if entry.actor_id else ""


class LearnerDataAccessSerializer(serializers.ModelSerializer):
    reader_username = serializers.CharField(source="reader.username", read_only=True, allow_null=True)
    reader_name = serializers.CharField(source="reader.full_name", read_only=True, allow_null=True)
    reader_role = serializers.CharField(source="reader.role", read_only=True, allow_null=True)
    full_record = serializers.BooleanField(
        read_only=True, help_text="true: the full record was shown; false: the roster fields only."
    )

    class Meta:
        model = LearnerDataAccess
        fields = [
            "id",
            "at",
            "reader",
            "reader_username",
            "reader_name",
            "reader_role",
            "learner",
            "endpoint",
            "path",
            "training_class",
            "full_record",
        ]
        read_only_fields = fields
