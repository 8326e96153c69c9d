"""API representations of final assessment scores: one, many, or a score sheet's import report."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from courses.api.serializers_imports import FileDescriptionSerializer, ImportUploadSerializer
from courses.core.openapi import ErrorItemSerializer
from enrollment.api.serializers_attendance import ReasonMixin

# --- one score, many scores -----------------------------------------------------------------------

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


# --- a score sheet --------------------------------------------------------------------------------


class ScoreImportUploadSerializer(ReasonMixin, ImportUploadSerializer):
    pass


class ScoreImportItemSerializer(serializers.Serializer):
    row = serializers.IntegerField(
        help_text="The row of the sheet the learner is on (the first, if repeated)."
    )
    rows = serializers.ListField(child=serializers.IntegerField(), help_text="Every row naming the learner.")
    enrollment = serializers.IntegerField(help_text="The enrolment scored.")
    national_id = serializers.CharField(help_text="The learner's id number, as stored.")
    full_name = serializers.CharField(help_text="The learner's name, as stored.")
    previous_score = serializers.CharField(allow_null=True, help_text='The score stored before, e.g. "7.50".')
    score = serializers.CharField(allow_null=True, help_text="The score of the sheet; null: none given.")
    given = serializers.ChoiceField(
        choices=["score", "blank", "absent"], help_text="What the score cell held."
    )
    action = serializers.ChoiceField(
        choices=["updated", "unchanged", "kept"],
        help_text="updated: the score changes (in a dry run: would change); unchanged: the same score "
        "is stored; kept: no score given (blank or absent), the stored one stays.",
    )


class ScoreImportReportSerializer(serializers.Serializer):
    kind = serializers.CharField(help_text='Always "scores".')
    dry_run = serializers.BooleanField()
    total_rows = serializers.IntegerField(help_text="Data rows of the sheet.")
    created = serializers.IntegerField(help_text="Always 0: a sheet creates no enrolment.")
    updated = serializers.IntegerField(help_text="Scores changed (in a dry run: that would change).")
    unchanged = serializers.IntegerField(help_text="Scores the sheet gives as already stored.")
    retired = serializers.ListField(child=serializers.CharField(), help_text="Always empty.")
    items = ScoreImportItemSerializer(many=True)
    errors = ErrorItemSerializer(many=True, help_text="Always empty: any error answers 400.")
    warnings = ErrorItemSerializer(
        many=True,
        help_text="By row and field: a name differing from the stored one, an id padded with zeros, a "
        "repeated row merged, an absent learner, a blank cell keeping a stored score.",
    )
    details = serializers.DictField(
        child=serializers.IntegerField(), help_text="Counts: updated, unchanged, blank, absent."
    )
    error_status = serializers.IntegerField(allow_null=True)
    file = FileDescriptionSerializer(help_text="How the sheet was read: sheet, heading rows, columns.")
