"""The admins' progress reports: their query parameters, and the shapes of their answers.

The report selectors (selectors_reports) build plain dicts; the output serializers here document
them in the OpenAPI schema (and a test checks the answers against them). Numbers are JSON numbers:
lượt and counts are integers, rates are percentages with two decimals (80.6 means 80.6%), money is
in million VND.
"""

import functools

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from courses.core.filter_fields import YEAR_MAX, YEAR_MIN
from courses.core.write_fields import StrictWriteMixin
from courses.models import Curriculum, Level, Programme, Province
from reporting.selectors.reports_gaps import GAP_LABELS
from reporting.selectors.reports_rows import BREAKDOWN_DIMENSIONS, CURRICULUM_FILTER_DIMENSIONS

# --- query parameters ---------------------------------------------------------------------------


class ReportQuerySerializer(serializers.Serializer):
    """Filters shared by the reports; each view reads the ones it documents."""

    programme = serializers.PrimaryKeyRelatedField(queryset=Programme.objects.all(), required=False)
    province = serializers.PrimaryKeyRelatedField(
        queryset=Province.objects.current(),
        required=False,
        error_messages={"does_not_exist": _("Không có tỉnh, thành phố hiện hành với id này.")},
    )
    level = serializers.ChoiceField(choices=Level.choices, required=False, allow_blank=True)
    year = serializers.IntegerField(min_value=YEAR_MIN, max_value=YEAR_MAX, required=False)
    curriculum = serializers.PrimaryKeyRelatedField(queryset=Curriculum.objects.all(), required=False)


class BreakdownQuerySerializer(ReportQuerySerializer):
    dimension = serializers.ChoiceField(choices=BREAKDOWN_DIMENSIONS)

    def validate(self, attrs):
        if attrs.get("curriculum") is not None and attrs["dimension"] not in CURRICULUM_FILTER_DIMENSIONS:
            raise serializers.ValidationError(
                {
                    "curriculum": _(
                        "Lọc theo bộ chương trình chỉ áp dụng cho báo cáo theo tỉnh (current_province) "
                        "hoặc theo năm (year)."
                    )
                }
            )
        return attrs


@functools.cache
def query_parameter_names(serializer_class: type[serializers.Serializer]) -> tuple[str, ...]:
    """The query parameters a report reads (any other is ignored, so no part of its answer)."""
    return tuple(serializer_class().fields)


# --- answers ------------------------------------------------------------------------------------


class ReportProgrammeSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    code = serializers.CharField()
    decision_number = serializers.CharField()
    title = serializers.CharField()
    period_start = serializers.DateField()
    period_end = serializers.DateField()


class ReportProvinceSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    code = serializers.CharField(help_text="Statistics office code, e.g. 19 for Thái Nguyên.")
    name = serializers.CharField()


class ReportCurriculumSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    code = serializers.CharField()
    title = serializers.CharField()


class ReportScopeSerializer(serializers.Serializer):
    kind = serializers.CharField(help_text='"national" or "province".')
    province = ReportProvinceSerializer(allow_null=True, help_text="The current province; null nationally.")
    name = serializers.CharField(help_text='"Toàn quốc" or the province\'s name.')
    unit = serializers.CharField(help_text='The reporting unit: "Bộ Nội vụ" or "Sở Nội vụ <province>".')


def _decimal(places: int, help_text: str, digits: int = 16):
    return serializers.DecimalField(
        max_digits=digits, decimal_places=places, coerce_to_string=False, allow_null=True, help_text=help_text
    )


class ReportFiguresSerializer(serializers.Serializer):
    target_luot = serializers.IntegerField(
        allow_null=True, help_text="The target (chỉ tiêu) in lượt, where one applies to this slice."
    )
    achieved_luot = serializers.IntegerField(
        help_text="Completed enrolments (lượt người) in finished classes."
    )
    rate_percent = _decimal(2, "achieved / target, in percent; null without a target.")
    enrolled = serializers.IntegerField(help_text="Enrolments counted (waitlisted and withdrawn excluded).")
    in_progress = serializers.IntegerField(
        help_text="Enrolments in classes not finished yet (learners in progress)."
    )
    not_completed = serializers.IntegerField(help_text="Enrolments of finished classes that missed the rule.")
    classes_planned = serializers.IntegerField(
        allow_null=True, help_text="Classes planned (not draft); null for learner dimensions."
    )
    classes_started = serializers.IntegerField(allow_null=True, help_text="Classes running or finished.")
    classes_held = serializers.IntegerField(allow_null=True, help_text="Classes finished or closed.")
    spending_million_vnd = _decimal(1, "Spending of the classes, million VND.")
    cost_per_luot_million_vnd = _decimal(3, "Spending per achieved lượt, million VND.")
    elapsed_percent = _decimal(2, "Share of the period (programme, or the year within it) already past.")
    projected_luot = serializers.IntegerField(
        allow_null=True, help_text="The pace so far projected linearly to the end of the period."
    )
    projected_rate_percent = _decimal(2, "projected / target, in percent.")
    computed_at = serializers.DateTimeField(
        allow_null=True, help_text="When these figures were computed; null where nothing was computed yet."
    )


class ReportLevelFiguresSerializer(ReportFiguresSerializer):
    level = serializers.CharField(help_text='"central", "provincial", "elearning", or "" for all levels.')
    label = serializers.CharField()


class ReportKeyFiguresSerializer(ReportFiguresSerializer):
    key = serializers.CharField(
        help_text="The breakdown's key: an id, a code (region, mode, gender), or a year."
    )
    key_id = serializers.IntegerField(
        allow_null=True, help_text="The id of the province, curriculum or position."
    )
    code = serializers.CharField()
    label = serializers.CharField()


class ReportTotalFiguresSerializer(ReportFiguresSerializer):
    label = serializers.CharField(help_text='"Tổng cộng".')


class ReportSummarySerializer(serializers.Serializer):
    programme = ReportProgrammeSerializer()
    scope = ReportScopeSerializer()
    year = serializers.IntegerField(
        allow_null=True, help_text="The year reported; null for the whole period."
    )
    curriculum = ReportCurriculumSerializer(allow_null=True)
    levels = ReportLevelFiguresSerializer(many=True)
    total = ReportLevelFiguresSerializer()
    computed_at = serializers.DateTimeField(allow_null=True)


class ReportBreakdownSerializer(serializers.Serializer):
    programme = ReportProgrammeSerializer()
    scope = ReportScopeSerializer()
    dimension = serializers.ChoiceField(choices=BREAKDOWN_DIMENSIONS)
    dimension_label = serializers.CharField()
    level = serializers.CharField()
    level_label = serializers.CharField()
    year = serializers.IntegerField(allow_null=True)
    curriculum = ReportCurriculumSerializer(allow_null=True)
    rows = ReportKeyFiguresSerializer(many=True)
    total = ReportTotalFiguresSerializer(
        help_text="The scope's totals; additive figures equal the sum of the rows."
    )
    computed_at = serializers.DateTimeField(allow_null=True)


class ReportBreakdownSectionSerializer(serializers.Serializer):
    dimension = serializers.ChoiceField(choices=BREAKDOWN_DIMENSIONS)
    dimension_label = serializers.CharField()
    rows = ReportKeyFiguresSerializer(many=True)
    total = ReportTotalFiguresSerializer()


class ReportProvinceDetailSerializer(serializers.Serializer):
    programme = ReportProgrammeSerializer()
    scope = ReportScopeSerializer()
    level = serializers.CharField()
    level_label = serializers.CharField()
    year = serializers.IntegerField(allow_null=True)
    levels = ReportLevelFiguresSerializer(many=True)
    total = ReportLevelFiguresSerializer()
    by_year = ReportKeyFiguresSerializer(
        many=True, help_text="Every year of the period (a class counts in the year it ends)."
    )
    by_year_total = ReportTotalFiguresSerializer(allow_null=True, help_text="The level's whole period.")
    breakdowns = ReportBreakdownSectionSerializer(many=True)
    computed_at = serializers.DateTimeField(allow_null=True)


class ReportHistoryLevelSerializer(serializers.Serializer):
    level = serializers.CharField()
    label = serializers.CharField()
    target_luot = serializers.IntegerField(allow_null=True)
    achieved_luot = serializers.IntegerField()
    rate_percent = _decimal(2, "achieved / target, in percent (as reported, for past periods).")


class ReportHistoryPeriodSerializer(serializers.Serializer):
    programme = ReportProgrammeSerializer()
    source = serializers.CharField(help_text='"baseline" (figures reported then) or "live" (this system).')
    level = serializers.CharField(help_text='"" (the whole programme).')
    label = serializers.CharField()
    target_luot = serializers.IntegerField(allow_null=True)
    achieved_luot = serializers.IntegerField()
    rate_percent = _decimal(2, "achieved / target, in percent.")
    spending_million_vnd = _decimal(1, "Spending, million VND.")
    cost_per_luot_million_vnd = _decimal(3, "Spending per lượt, million VND.")
    projected_luot = serializers.IntegerField(allow_null=True, help_text="Live period only.")
    projected_rate_percent = _decimal(2, "Live period only.")
    provinces_reporting = serializers.IntegerField(allow_null=True)
    communes = serializers.IntegerField(allow_null=True)
    reference = serializers.CharField(help_text="Where the figures come from.")
    note = serializers.CharField(allow_blank=True)
    computed_at = serializers.DateTimeField(allow_null=True)
    levels = ReportHistoryLevelSerializer(many=True)


class ReportHistorySerializer(serializers.Serializer):
    scope = ReportScopeSerializer()
    programme = ReportProgrammeSerializer()
    periods = ReportHistoryPeriodSerializer(many=True)


class ReportGapSerializer(serializers.Serializer):
    province = ReportProvinceSerializer()
    reasons = serializers.ListField(child=serializers.ChoiceField(choices=list(GAP_LABELS)))
    reason_labels = serializers.ListField(child=serializers.CharField())
    classes_planned = serializers.IntegerField()
    classes_started = serializers.IntegerField()
    enrolled = serializers.IntegerField()
    attended_minutes = serializers.IntegerField()
    achieved_luot = serializers.IntegerField()
    computed_at = serializers.DateTimeField(allow_null=True)


class ReportGapsSerializer(serializers.Serializer):
    programme = ReportProgrammeSerializer()
    scope = ReportScopeSerializer()
    level = serializers.CharField()
    level_label = serializers.CharField()
    provinces_in_scope = serializers.IntegerField()
    provinces_with_gaps = serializers.IntegerField()
    provinces = ReportGapSerializer(many=True)


class ReportFreshnessProvinceSerializer(serializers.Serializer):
    province = ReportProvinceSerializer()
    computed_at = serializers.DateTimeField(allow_null=True, help_text="The newest computation of its rows.")
    oldest_computed_at = serializers.DateTimeField(allow_null=True)
    stale = serializers.BooleanField(help_text="A refresh of its rows is waiting.")


class ReportFreshnessSerializer(serializers.Serializer):
    scope = ReportScopeSerializer()
    generation = serializers.IntegerField(allow_null=True, help_text="The live generation reports read.")
    published_at = serializers.DateTimeField(allow_null=True)
    rebuilding = serializers.BooleanField(help_text="A full rebuild is being written.")
    national_computed_at = serializers.DateTimeField(allow_null=True)
    national_stale = serializers.BooleanField()
    provinces = ReportFreshnessProvinceSerializer(many=True)
    classes_waiting = serializers.IntegerField(help_text="Classes whose figures wait for a recompute.")
    oldest_waiting_since = serializers.DateTimeField(allow_null=True)
    rollups_waiting = serializers.IntegerField(help_text="Rollup scopes (provinces, nation) waiting.")


# --- the close of a period and its final report ---------------------------------------------------


class ProgrammeCloseSerializer(StrictWriteMixin, serializers.Serializer):
    """The body of POST /programmes/{id}/close."""

    closed_on = serializers.DateField(
        help_text="The date the period is closed as of (not after today, not before the period starts)."
    )
    note = serializers.CharField(required=False, allow_blank=True, default="", max_length=2000)


class PeriodCloseSerializer(serializers.Serializer):
    programme = serializers.IntegerField(source="programme_id")
    closed_on = serializers.DateField()
    closed_at = serializers.DateTimeField(
        help_text="When the close was recorded: the figures are frozen as then."
    )
    closed_by = serializers.CharField(
        allow_null=True, help_text="Username of the admin who closed the period."
    )
    note = serializers.CharField()

    def to_representation(self, instance):
        data = super().to_representation(instance)
        if hasattr(instance, "closed_by_id"):
            data["closed_by"] = instance.closed_by.get_username() if instance.closed_by else None
        return data


class FinalQuerySerializer(serializers.Serializer):
    programme = serializers.PrimaryKeyRelatedField(queryset=Programme.objects.all(), required=False)
    province = serializers.PrimaryKeyRelatedField(
        queryset=Province.objects.current(),
        required=False,
        error_messages={"does_not_exist": _("Không có tỉnh, thành phố hiện hành với id này.")},
    )


class ReportDeltaSerializer(serializers.Serializer):
    achieved_luot = serializers.IntegerField(
        allow_null=True, help_text="Lượt added since the close (+N lượt)."
    )
    enrolled = serializers.IntegerField(allow_null=True)
    classes_planned = serializers.IntegerField(allow_null=True)
    classes_started = serializers.IntegerField(allow_null=True)
    classes_held = serializers.IntegerField(allow_null=True)
    spending_million_vnd = serializers.DecimalField(
        max_digits=16, decimal_places=1, allow_null=True, coerce_to_string=False
    )


class ReportLevelDeltaSerializer(ReportDeltaSerializer):
    level = serializers.CharField(allow_blank=True)
    label = serializers.CharField()


class ReportRecordsAfterSerializer(serializers.Serializer):
    attendance = serializers.IntegerField(help_text="Attendance marks recorded (or changed) after the close.")
    enrolments = serializers.IntegerField(help_text="Enrolments created after the close.")
    completions = serializers.IntegerField(help_text="Enrolments marked completed after the close.")


class ReportFinalFiguresSerializer(serializers.Serializer):
    levels = ReportLevelFiguresSerializer(many=True)
    total = ReportLevelFiguresSerializer(allow_null=True)
    computed_at = serializers.DateTimeField(allow_null=True)


class ReportAfterCloseSerializer(serializers.Serializer):
    levels = ReportLevelDeltaSerializer(many=True)
    total = ReportDeltaSerializer()
    records = ReportRecordsAfterSerializer()


class ReportCloseInfoSerializer(serializers.Serializer):
    closed_on = serializers.DateField()
    closed_at = serializers.DateTimeField()
    closed_by = serializers.CharField(allow_null=True)
    note = serializers.CharField(allow_blank=True)


class ReportFinalSerializer(serializers.Serializer):
    programme = ReportProgrammeSerializer()
    scope = ReportScopeSerializer()
    close = ReportCloseInfoSerializer()
    final = ReportFinalFiguresSerializer(
        help_text="The summary (per level and in total) as it stood at the close; never changes."
    )
    after_close = ReportAfterCloseSerializer(
        help_text="What changed since the close (the live figures less the final ones), shown beside "
        "the final figures and never added to them."
    )
