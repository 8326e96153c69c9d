"""`POST /api/v1/classes/{id}/scores/import`: a class's final assessment scores from a score sheet."""

from __future__ import annotations

from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from courses.api.serializers_imports import FileDescriptionSerializer, ImportUploadSerializer
from courses.api.views_imports import READER_OPTIONS
from courses.core.openapi import ErrorItemSerializer, error_responses
from courses.core.parsers import FormParser, MultiPartParser
from courses.models import MappingKind
from courses.selectors.classes import classes_managed_by
from enrollment.api.serializers_attendance import ReasonMixin
from enrollment.api.views_attendance import CLASS_ID, CLOSED_RULE, MANAGER_RULE, TAG, IsTrainerOrAdmin
from enrollment.files.score_file import LAYOUT
from enrollment.models import Enrollment
from enrollment.services.data_access import learner_data_access_record
from enrollment.services.score_import import enrollment_scores_import


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


DESCRIPTION = f"""
Record a class's final assessment scores from a score sheet (.xlsx or .csv) as trainers keep it.
{MANAGER_RULE} {CLOSED_RULE}

Each row is matched to an enrolment of the class by its identification number (or enrolment id).
Every row is checked first: any error (an id not in the class, a score that is not 0-10 with at most
two decimals, the same learner twice with different scores, a withdrawn enrolment) answers 400 listing
each with its `row` (as the spreadsheet numbers it) and `field`, and nothing is stored.
`dry_run=true` goes through exactly the same checks and decisions and stores nothing: its report is
what the real run does. The real run records the whole sheet or nothing; unchanged scores are neither
written nor audited, so uploading the same sheet again changes nothing. The answer (200) is the
import report: counts, each learner's row with the score before and after, warnings by row and field,
and `file`, how the sheet was read.

{READER_OPTIONS} Mappings of kind `scores`.

**File layout**
{LAYOUT}"""


class ClassScoresImportView(APIView):
    permission_classes = [IsTrainerOrAdmin]
    parser_classes = [MultiPartParser, FormParser]

    @extend_schema(
        operation_id="classes_scores_import",
        summary="Record final assessment scores from a score sheet",
        description=DESCRIPTION,
        parameters=[CLASS_ID],
        request={"multipart/form-data": ScoreImportUploadSerializer},
        responses={200: ScoreImportReportSerializer, **error_responses(400, 401, 403, 404)},
        tags=[TAG],
    )
    def post(self, request, pk):
        training_class = get_object_or_404(classes_managed_by(request.user), pk=pk)
        serializer = ScoreImportUploadSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        upload = serializer.validated_data["file"]
        reader = serializer.reader(user=request.user, kind=MappingKind.SCORES)
        report = enrollment_scores_import(
            training_class=training_class,
            content=upload.read(),
            filename=upload.name,
            actor=request.user,
            dry_run=serializer.validated_data["dry_run"],
            reason=serializer.validated_data["reason"],
            sheet=reader["sheet"],
            mapping=reader["mapping"],
        )
        # The report shows each learner's stored name and id: a read of their data.
        scored = Enrollment.objects.filter(pk__in=[item["enrollment"] for item in report.items])
        learner_data_access_record(
            request=request,
            learners=[e.learner for e in scored.select_related("learner")],
            training_class_id=training_class.pk,
        )
        return Response(report.as_dict())
