"""The annual training hours report (GET /api/v1/reports/training-hours): its query parameters and
the shape of its answer (the selector builds plain dicts; these document them in the schema)."""

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from courses.core.filter_fields import YEAR_MAX, YEAR_MIN
from courses.models import Province
from reporting.api.serializers_reports import ReportProvinceSerializer, ReportScopeSerializer


class TrainingHoursQuerySerializer(serializers.Serializer):
    year = serializers.IntegerField(min_value=YEAR_MIN, max_value=YEAR_MAX, required=False)
    province = serializers.PrimaryKeyRelatedField(
        queryset=Province.objects.current(),
        required=False,
        error_messages={"does_not_exist": _("Không có tỉnh, thành phố hiện hành với id này.")},
    )
    short_only = serializers.BooleanField(required=False, default=False)


def _periods(help_text: str, places: int = 1):
    return serializers.DecimalField(
        max_digits=9, decimal_places=places, coerce_to_string=False, help_text=help_text
    )


class TrainingHoursLearnerSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    full_name = serializers.CharField()
    national_id = serializers.CharField(
        help_text="In full for whoever reads the learner's full record (central admins, the admins of "
        "their province); otherwise masked to its last four digits (enrollment.rules.personal_data)."
    )
    province = ReportProvinceSerializer(help_text="The learner's current province.")
    commune = serializers.CharField(allow_blank=True, help_text="The commune's name, or empty.")
    position = serializers.CharField(allow_blank=True, help_text="The position's name, or empty.")


class TrainingHoursRowSerializer(serializers.Serializer):
    learner = TrainingHoursLearnerSerializer()
    classes_completed = serializers.IntegerField(help_text="Classes completed that ended in the year.")
    periods = _periods("Periods (tiết, 45 minutes) of the topics of the classes completed in the year.")
    hours = _periods("The same in hours of 60 minutes (periods x 45 / 60).", places=2)
    short_by_periods = _periods("Periods missing to reach the annual minimum; 0 when it is met.")
    meets_minimum = serializers.BooleanField()


class TrainingHoursProvinceSerializer(serializers.Serializer):
    province = ReportProvinceSerializer()
    learners = serializers.IntegerField(help_text="Learners of the province (legacy units merged in).")
    meeting = serializers.IntegerField(help_text="Learners who reached the minimum in the year.")
    short = serializers.IntegerField(help_text="Learners below the minimum in the year.")


class TrainingHoursTotalsSerializer(serializers.Serializer):
    learners = serializers.IntegerField()
    meeting = serializers.IntegerField()
    short = serializers.IntegerField()


class TrainingHoursReportSerializer(serializers.Serializer):
    year = serializers.IntegerField(help_text="A class counts in the year it ended (its end date).")
    scope = ReportScopeSerializer()
    short_only = serializers.BooleanField()
    period_minutes = serializers.IntegerField(help_text="Minutes of one period (tiết): 45.")
    minimum_periods = _periods("The annual minimum, in periods (TRAINING_HOURS_ANNUAL_MINIMUM_PERIODS).")
    minimum_hours = _periods("The annual minimum in hours of 60 minutes.", places=2)
    totals = TrainingHoursTotalsSerializer(
        help_text="All the learners of the scope, whatever short_only says."
    )
    provinces = TrainingHoursProvinceSerializer(many=True, help_text="Per current province of the scope.")
    count = serializers.IntegerField(help_text="Learners listed (all pages).")
    next = serializers.URLField(allow_null=True)
    previous = serializers.URLField(allow_null=True)
    results = TrainingHoursRowSerializer(many=True, help_text="In Vietnamese name order.")
