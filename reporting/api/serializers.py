"""API representations of programmes, their targets and historical baselines.

Related objects are written as ids (`programme_id`, `province_id`, …) and read as summaries
(`programme`, `province`, …).
"""

from __future__ import annotations

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from courses.api.serializers_catalogue import PositionSummarySerializer, ProvinceSummarySerializer
from courses.core.write_fields import StrictWriteMixin
from courses.models import Curriculum, Level, Position, Programme, Province
from enrollment.rules.completion import percent_display
from reporting.models import Baseline, Certificate, EnrollmentProgress, Target
from reporting.selectors import progress as selectors


class ProgrammeSerializer(StrictWriteMixin, serializers.ModelSerializer):
    levels = serializers.ListField(
        child=serializers.ChoiceField(choices=Level.choices),
        required=False,
        help_text="Who runs the programme's classes.",
    )
    level_labels = serializers.SerializerMethodField()
    closed_on = serializers.SerializerMethodField(
        help_text="The date the ministry closed the period as of (its final report: "
        "/reports/final); null while it is open."
    )

    class Meta:
        model = Programme
        fields = [
            "id",
            "code",
            "decision_number",
            "title_vi",
            "title_en",
            "description",
            "period_start",
            "period_end",
            "levels",
            "level_labels",
            "closed_on",
        ]

    @extend_schema_field(serializers.DateField(allow_null=True))
    def get_closed_on(self, programme):
        # hasattr: a programme never closed has no close (the reverse one-to-one raises).
        return programme.close.closed_on if hasattr(programme, "close") else None

    @extend_schema_field(serializers.ListField(child=serializers.CharField()))
    def get_level_labels(self, programme):
        labels = dict(Level.choices)
        return [str(labels.get(level, level)) for level in programme.levels]

    def validate_levels(self, levels):
        duplicates = {
            i: [_("Cấp thực hiện bị trùng.")] for i, level in enumerate(levels) if level in levels[:i]
        }
        if duplicates:
            raise serializers.ValidationError(duplicates)
        if self.instance is not None:
            dropped = selectors.programme_levels_in_use(self.instance) - set(levels)
            if dropped:
                raise serializers.ValidationError(
                    _("Còn chỉ tiêu ở cấp thực hiện: %(levels)s.") % {"levels": ", ".join(sorted(dropped))}
                )
        return levels

    def validate(self, attrs):
        start = attrs.get("period_start", getattr(self.instance, "period_start", None))
        end = attrs.get("period_end", getattr(self.instance, "period_end", None))
        if start and end and end < start:
            raise serializers.ValidationError(
                {"period_end": _("Ngày kết thúc không được trước ngày bắt đầu.")}
            )
        return attrs


class ProgrammeSummarySerializer(serializers.ModelSerializer):
    class Meta:
        model = Programme
        fields = ["id", "code", "decision_number", "title_vi"]


class CurriculumSummarySerializer(serializers.ModelSerializer):
    class Meta:
        model = Curriculum
        fields = ["id", "code", "version", "title_vi"]


class _ScopedToProgramme(StrictWriteMixin, serializers.ModelSerializer):
    """A figure of one programme at one level: the level must be one the programme runs at."""

    programme = ProgrammeSummarySerializer(read_only=True)
    programme_id = serializers.PrimaryKeyRelatedField(
        source="programme", queryset=Programme.objects.all(), write_only=True, help_text="Programme id."
    )
    level_label = serializers.CharField(source="get_level_display", read_only=True)
    province = ProvinceSummarySerializer(read_only=True, allow_null=True)
    province_id = serializers.PrimaryKeyRelatedField(
        source="province",
        queryset=Province.objects.all(),
        write_only=True,
        required=False,
        allow_null=True,
        help_text="Province id (current or legacy); empty for a national figure.",
    )

    def value(self, attrs, name):
        if name in attrs:
            return attrs[name]
        return getattr(self.instance, name, None)

    def validate(self, attrs):
        programme, level = self.value(attrs, "programme"), self.value(attrs, "level")
        if level and programme.levels and level not in programme.levels:
            raise serializers.ValidationError({"level": _("Chương trình không thực hiện ở cấp này.")})
        return attrs


class TargetSerializer(_ScopedToProgramme):
    curriculum = CurriculumSummarySerializer(read_only=True, allow_null=True)
    curriculum_id = serializers.PrimaryKeyRelatedField(
        source="curriculum",
        queryset=Curriculum.objects.all(),
        write_only=True,
        required=False,
        allow_null=True,
        help_text="Curriculum id; empty for any curriculum.",
    )
    position = PositionSummarySerializer(read_only=True, allow_null=True)
    position_id = serializers.PrimaryKeyRelatedField(
        source="position",
        queryset=Position.objects.all(),
        write_only=True,
        required=False,
        allow_null=True,
        help_text="Position id; empty for any position.",
    )

    class Meta:
        model = Target
        fields = [
            "id",
            "programme",
            "programme_id",
            "level",
            "level_label",
            "province",
            "province_id",
            "curriculum",
            "curriculum_id",
            "position",
            "position_id",
            "year",
            "target_luot",
            "target_classes",
            "min_learners_per_class",
            "budget_million_vnd",
            "note",
        ]
        extra_kwargs = {
            "budget_million_vnd": {"min_value": 0},
            "year": {"help_text": "Year of a yearly target; empty for the whole period."},
        }

    def validate(self, attrs):
        attrs = super().validate(attrs)
        programme, year = self.value(attrs, "programme"), self.value(attrs, "year")
        if year is not None and not programme.period_start.year <= year <= programme.period_end.year:
            raise serializers.ValidationError(
                {
                    "year": _("Năm phải trong giai đoạn %(start)s-%(end)s của chương trình.")
                    % {"start": programme.period_start.year, "end": programme.period_end.year}
                }
            )
        scope = {
            name: self.value(attrs, name)
            for name in ("programme", "level", "province", "curriculum", "position", "year")
        }
        if selectors.target_scope_taken(**scope, exclude_pk=getattr(self.instance, "pk", None)):
            raise serializers.ValidationError(_("Đã có chỉ tiêu cho phạm vi này."), code="unique")
        return attrs


class BaselineSerializer(_ScopedToProgramme):
    class Meta:
        model = Baseline
        fields = [
            "id",
            "programme",
            "programme_id",
            "level",
            "level_label",
            "province",
            "province_id",
            "target_luot",
            "achieved_luot",
            "achieved_rate_percent",
            "spending_million_vnd",
            "communes",
            "provinces_reporting",
            "source",
            "note",
        ]
        extra_kwargs = {
            "level": {"help_text": "Empty for a figure covering every level."},
            "achieved_rate_percent": {"min_value": 0},
            "spending_million_vnd": {"min_value": 0},
        }

    def validate(self, attrs):
        attrs = super().validate(attrs)
        scope = {name: self.value(attrs, name) for name in ("programme", "level", "province")}
        scope["level"] = scope["level"] or ""
        if selectors.baseline_scope_taken(**scope, exclude_pk=getattr(self.instance, "pk", None)):
            raise serializers.ValidationError(_("Đã có số liệu cho phạm vi này."), code="unique")
        return attrs


# --- certificates and learners' progress (issue 4) ---------------------------------------------


class CertificateNumberQuerySerializer(serializers.Serializer):
    """The query of a verification by number: the printed number and the holder's name."""

    number = serializers.CharField(
        max_length=30, help_text="The certificate's number as printed (GCN-2025-000123)."
    )
    name = serializers.CharField(
        max_length=200,
        help_text="The holder's full name as printed; diacritics, case and spacing do not matter.",
    )


class CertificateVerificationSerializer(serializers.Serializer):
    """What anyone may learn from a verification code: no identity number, no birth date."""

    learner_name = serializers.CharField(source="enrollment.learner.full_name")
    curriculum_title = serializers.CharField(source="enrollment.training_class.curriculum.title_vi")
    class_code = serializers.CharField(source="enrollment.training_class.code")
    class_title = serializers.CharField(source="enrollment.training_class.title")
    completed_on = serializers.DateField(
        source="enrollment.training_class.end_date", help_text="The class's last day."
    )
    issued_on = serializers.SerializerMethodField(help_text="Date of issue (Vietnam time).")

    @extend_schema_field(serializers.DateField())
    def get_issued_on(self, certificate):
        return timezone.localtime(certificate.issued_at).date()


class CountedClassSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    code = serializers.CharField()
    title = serializers.CharField()
    class_status = serializers.CharField(
        source="status", help_text="draft, open, running, finished or closed."
    )
    start_date = serializers.DateField()
    end_date = serializers.DateField()
    curriculum_title = serializers.CharField(source="curriculum.title_vi")


class MyCertificateSerializer(serializers.ModelSerializer):
    training_class = CountedClassSerializer(source="enrollment.training_class")
    verify_path = serializers.SerializerMethodField(
        help_text="The public verification endpoint for this code."
    )

    class Meta:
        model = Certificate
        fields = ["id", "number", "verification_code", "issued_at", "training_class", "verify_path"]

    @extend_schema_field(serializers.CharField())
    def get_verify_path(self, certificate):
        return reverse("certificate-verify", kwargs={"code": certificate.verification_code})


class CountedProgressSerializer(serializers.ModelSerializer):
    """An enrolment's figures as the reports count them (rule of its programme, outcome, lượt)."""

    training_class = CountedClassSerializer()
    required_percent = serializers.DecimalField(
        max_digits=5,
        decimal_places=2,
        read_only=True,
        help_text="The attendance percentage the class's completion rule asks for.",
    )
    percent_text = serializers.SerializerMethodField(
        help_text='One decimal, truncated: "79.9 %", never "80 %".'
    )

    class Meta:
        model = EnrollmentProgress
        fields = [
            "enrollment_id",
            "training_class",
            "percent",
            "percent_text",
            "required_percent",
            "planned_minutes",
            "attended_minutes",
            "excused_minutes",
            "credited_minutes",
            "attended_seconds",
            "credited_seconds",
            "base_minutes",
            "final_score",
            "meets_attendance",
            "meets_score",
            "meets_rule",
            "outcome",
            "counted_luot",
            "computed_at",
        ]
        extra_kwargs = {
            "percent": {
                "help_text": "Credited minutes over the class's planned minutes of all its sessions, past "
                "and future (so it grows as the class goes on), truncated to two decimals."
            },
            "outcome": {
                "help_text": "in_progress until the class finishes, then completed or not_completed."
            },
        }

    def get_percent_text(self, progress) -> str:
        return percent_display(progress.percent)
