"""API representations of training institutions, classes and sessions.

Reads show labels and nested summaries; writes take ids and are saved through the services of
courses.services.classes, which hold every rule.
"""

from __future__ import annotations

from django.conf import settings
from django.utils import timezone
from django.utils.module_loading import import_string
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from courses.api.serializers_catalogue import ProvinceSummarySerializer
from courses.core.filter_fields import INT_MAX
from courses.core.write_fields import StrictWriteMixin
from courses.models import (
    ClassMode,
    ClassSession,
    ClassStatus,
    Curriculum,
    Level,
    Programme,
    Province,
    Topic,
    TrainingClass,
    TrainingInstitution,
    User,
)


class EnrollmentStatusField(serializers.ChoiceField):
    """A learner's enrolment status, or null. The values are the enrollment app's
    (settings.ENROLLMENT_STATUSES), read when the field is made, i.e. when the schema is built:
    courses may not import enrollment, and writing them here would copy them."""

    def __init__(self, **kwargs):
        statuses = import_string(settings.ENROLLMENT_STATUSES)
        super().__init__(choices=statuses.values, allow_null=True, **kwargs)


class ReplaceMixin:
    """A write serializer whose full update (PUT) sets the optional fields it leaves out back to
    their defaults, where a partial one (PATCH) keeps them: `data_to_write()` is what the update
    service takes."""

    # The optional fields and the value a full update gives them when left out.
    replace_defaults: dict = {}

    def data_to_write(self) -> dict:
        data = dict(self.validated_data)
        if not self.partial:
            for name, value in self.replace_defaults.items():
                data.setdefault(name, value)
        return data


# --- institutions --------------------------------------------------------------------------------


class InstitutionSerializer(StrictWriteMixin, serializers.ModelSerializer):
    kind_label = serializers.CharField(source="get_kind_display", read_only=True)
    province = ProvinceSummarySerializer(read_only=True, allow_null=True)
    province_id = serializers.PrimaryKeyRelatedField(
        source="province",
        queryset=Province.objects.all(),
        allow_null=True,
        required=False,
        write_only=True,
        help_text="Province the institution belongs to, if any.",
    )

    class Meta:
        model = TrainingInstitution
        fields = ["id", "code", "name", "kind", "kind_label", "governing_body", "province", "province_id"]
        # Uniqueness is the service's to check, with the common error shape.
        extra_kwargs = {"code": {"validators": []}}


class InstitutionSummarySerializer(serializers.ModelSerializer):
    class Meta:
        model = TrainingInstitution
        fields = ["id", "code", "name", "kind"]


# --- classes: reads ------------------------------------------------------------------------------


class ClassCurriculumSerializer(serializers.ModelSerializer):
    class Meta:
        model = Curriculum
        fields = ["id", "code", "version", "title_vi", "title_en", "status"]


class ClassProgrammeSerializer(serializers.ModelSerializer):
    class Meta:
        model = Programme
        fields = ["id", "code", "decision_number", "title_vi"]


class TrainerSummarySerializer(serializers.ModelSerializer):
    class Meta:
        model = User
        fields = ["id", "full_name"]


class TrainingClassSerializer(serializers.ModelSerializer):
    curriculum = ClassCurriculumSerializer(read_only=True)
    institution = InstitutionSummarySerializer(read_only=True, allow_null=True)
    organiser_province = ProvinceSummarySerializer(read_only=True, allow_null=True)
    province = ProvinceSummarySerializer(
        read_only=True, help_text="Where the class is held: the unit in force on its start date."
    )
    programme = ClassProgrammeSerializer(read_only=True, allow_null=True)
    trainers = TrainerSummarySerializer(many=True, read_only=True)
    mode_label = serializers.CharField(source="get_mode_display", read_only=True)
    level_label = serializers.CharField(source="get_level_display", read_only=True)
    status_label = serializers.CharField(source="get_status_display", read_only=True)
    seats_taken = serializers.IntegerField(
        read_only=True, help_text="Enrolments holding a seat (enrolled, completed, not completed)."
    )
    waitlisted = serializers.IntegerField(source="waitlisted_count", read_only=True)
    seats_left = serializers.SerializerMethodField(help_text="null for online classes (no upper limit).")
    sessions_count = serializers.IntegerField(read_only=True)
    planned_minutes_total = serializers.IntegerField(
        read_only=True, help_text="Sum of the sessions' planned minutes."
    )
    my_enrollment_status = serializers.SerializerMethodField(
        help_text="For a learner: the status of their own enrolment in the class, null if not enrolled."
    )

    class Meta:
        model = TrainingClass
        fields = [
            "id",
            "code",
            "title",
            "curriculum",
            "institution",
            "organiser_province",
            "province",
            "mode",
            "mode_label",
            "programme",
            "level",
            "level_label",
            "trainers",
            "enrolment_opens",
            "enrolment_closes",
            "start_date",
            "end_date",
            "status",
            "status_label",
            "capacity",
            "planned_size",
            "seats_taken",
            "waitlisted",
            "seats_left",
            "sessions_count",
            "planned_minutes_total",
            "my_enrollment_status",
            "spending_million_vnd",
            "description",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields

    @extend_schema_field(serializers.IntegerField(allow_null=True))
    def get_seats_left(self, training_class) -> int | None:
        if not training_class.has_capacity_limit:
            return None
        return max(training_class.capacity - getattr(training_class, "seats_taken", 0), 0)

    # A class, not an instance: made when the schema is built (see EnrollmentStatusField).
    @extend_schema_field(EnrollmentStatusField)
    def get_my_enrollment_status(self, training_class):
        return getattr(training_class, "my_enrollment_status", None)


# --- classes: writes -----------------------------------------------------------------------------


def _fk(name: str, queryset, help_text: str, **kwargs):
    return serializers.PrimaryKeyRelatedField(source=name, queryset=queryset, help_text=help_text, **kwargs)


class TrainingClassWriteSerializer(StrictWriteMixin, ReplaceMixin, serializers.Serializer):
    """A class's fields as written. Who may change which is the service's rule (see the endpoints)."""

    replace_defaults = {
        "institution": None,
        "organiser_province": None,
        "programme": None,
        "enrolment_opens": None,
        "enrolment_closes": None,
        "capacity": None,
        "planned_size": None,
        "spending_million_vnd": None,
        "description": "",
    }

    code = serializers.SlugField(max_length=60, help_text="Unique class code.")
    title = serializers.CharField(max_length=300)
    curriculum_id = _fk("curriculum", Curriculum.objects.all(), "Curriculum version taught; must be active.")
    institution_id = _fk(
        "institution",
        TrainingInstitution.objects.all(),
        "Organising training institution (or give organiser_province, or both).",
        allow_null=True,
        required=False,
    )
    organiser_province_id = _fk(
        "organiser_province",
        Province.objects.select_related("successor"),
        "Organising province; defaults to the class's province when no institution is given.",
        allow_null=True,
        required=False,
    )
    province_id = _fk(
        "province",
        Province.objects.select_related("successor"),
        "Province where the class is held: a legacy unit (63) for classes starting before 1 July 2025, "
        "a current one (34) after.",
    )
    mode = serializers.ChoiceField(choices=ClassMode.choices)
    programme_id = _fk(
        "programme",
        Programme.objects.all(),
        "Programme the class counts towards.",
        allow_null=True,
        required=False,
    )
    level = serializers.ChoiceField(choices=Level.choices, help_text="Level the class counts towards.")
    enrolment_opens = serializers.DateField(required=False, allow_null=True)
    enrolment_closes = serializers.DateField(required=False, allow_null=True)
    start_date = serializers.DateField()
    end_date = serializers.DateField()
    capacity = serializers.IntegerField(
        min_value=1,
        max_value=INT_MAX,
        required=False,
        allow_null=True,
        help_text="Maximum seats of an in-person or blended class (required for them); null for online.",
    )
    planned_size = serializers.IntegerField(
        min_value=1,
        max_value=INT_MAX,
        required=False,
        allow_null=True,
        help_text="Planned number of learners, for reporting.",
    )
    spending_million_vnd = serializers.DecimalField(
        max_digits=12, decimal_places=1, min_value=0, required=False, allow_null=True
    )
    description = serializers.CharField(required=False, allow_blank=True)


class TrainingClassCreateSerializer(TrainingClassWriteSerializer):
    trainer_ids = serializers.PrimaryKeyRelatedField(
        source="trainers",
        queryset=User.objects.all(),
        many=True,
        required=False,
        help_text="Users with the trainer role who teach the class.",
    )


class ClassStatusSerializer(StrictWriteMixin, serializers.Serializer):
    status = serializers.ChoiceField(
        choices=ClassStatus.choices,
        help_text="draft -> open -> running -> finished -> closed; open may go back to draft and "
        "finished back to running. Closed is final.",
    )


class ClassTrainersSerializer(StrictWriteMixin, serializers.Serializer):
    trainer_ids = serializers.PrimaryKeyRelatedField(
        source="trainers",
        queryset=User.objects.all(),
        many=True,
        help_text="The complete list of the class's trainers (users with the trainer role).",
    )


# --- sessions ------------------------------------------------------------------------------------


class SessionTopicSerializer(serializers.ModelSerializer):
    class Meta:
        model = Topic
        fields = ["id", "order", "title_vi", "title_en", "hours"]


class ClassSessionSerializer(serializers.ModelSerializer):
    topic = SessionTopicSerializer(read_only=True, allow_null=True)
    class_id = serializers.IntegerField(source="training_class_id", read_only=True)
    class_code = serializers.CharField(source="training_class.code", read_only=True)
    duration_minutes = serializers.SerializerMethodField(help_text="Length of the session in minutes.")
    join_url = serializers.SerializerMethodField(
        help_text="Link to join an online session; shown to the class's trainers, admins and enrolled "
        "learners, null for others."
    )

    class Meta:
        model = ClassSession
        fields = [
            "id",
            "class_id",
            "class_code",
            "topic",
            "title",
            "starts_at",
            "ends_at",
            "duration_minutes",
            "planned_minutes",
            "join_url",
            "location",
        ]
        read_only_fields = fields

    def get_duration_minutes(self, session) -> int:
        return int((session.ends_at - session.starts_at).total_seconds() // 60)

    @extend_schema_field(serializers.URLField(allow_null=True))
    def get_join_url(self, session):
        allowed = self.context.get("join_url_class_ids")
        if allowed is not None and session.training_class_id not in allowed:
            return None
        return session.join_url or None


class ClassSessionWriteSerializer(StrictWriteMixin, ReplaceMixin, serializers.Serializer):
    replace_defaults = {"topic": None, "title": "", "join_url": "", "location": ""}

    topic_id = serializers.PrimaryKeyRelatedField(
        source="topic",
        queryset=Topic.objects.all(),
        required=False,
        allow_null=True,
        help_text="Topic of the class's curriculum taught in the session.",
    )
    title = serializers.CharField(max_length=300, required=False, allow_blank=True)
    starts_at = serializers.DateTimeField(help_text="Within the class's dates (times in Asia/Ho_Chi_Minh).")
    ends_at = serializers.DateTimeField()
    planned_minutes = serializers.IntegerField(
        min_value=1, required=False, help_text="At most the session's length; defaults to it."
    )
    join_url = serializers.URLField(max_length=500, required=False, allow_blank=True)
    location = serializers.CharField(max_length=300, required=False, allow_blank=True)

    def validate(self, attrs):
        for name in ("starts_at", "ends_at"):
            if name in attrs and timezone.is_naive(attrs[name]):
                attrs[name] = timezone.make_aware(attrs[name])
        return attrs

    def data_to_write(self) -> dict:
        data = super().data_to_write()
        if not self.partial and "planned_minutes" not in data:
            # Left out of a full update: the whole session, as when it was added.
            data["planned_minutes"] = int((data["ends_at"] - data["starts_at"]).total_seconds() // 60)
        return data
