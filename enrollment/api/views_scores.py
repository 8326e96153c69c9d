"""Endpoints of final assessment scores: one learner's, many of a class, or a class's score sheet
(`POST /api/v1/classes/{id}/scores/import`). Who may call them: as attendance (views_attendance)."""

from __future__ import annotations

from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework.response import Response
from rest_framework.views import APIView

from courses.api.views_imports import READER_OPTIONS
from courses.core.openapi import error_responses
from courses.core.parsers import FormParser, MultiPartParser
from courses.models import MappingKind
from courses.selectors.classes import classes_managed_by
from enrollment.api import serializers_scores as s
from enrollment.api.common import (
    ATTENDANCE_TAG,
    CLASS_ID,
    CLOSED_RULE,
    ENROLLMENT_ID,
    MANAGER_RULE,
    IsTrainerOrAdmin,
)
from enrollment.files.score_file import LAYOUT
from enrollment.selectors.attendance import enrollments_managed_by
from enrollment.selectors.enrollments import learners_of_enrollments
from enrollment.services.data_access import learner_data_access_record
from enrollment.services.score_import import enrollment_scores_import
from enrollment.services.scores import enrollment_score_set, enrollment_scores_set


@extend_schema_view(
    put=extend_schema(
        operation_id="enrollments_score",
        summary="Record a learner's final assessment score",
        description="The score on the 10-point scale (two decimals at most); null clears it. Active "
        "enrolments only. Audited; the class's progress figures are recomputed. "
        f"{MANAGER_RULE} {CLOSED_RULE}",
        parameters=[ENROLLMENT_ID],
        request=s.ScoreSerializer,
        responses={200: s.ScoreResultSerializer, **error_responses(400, 401, 403, 404, 409)},
        tags=[ATTENDANCE_TAG],
    ),
)
class EnrollmentScoreView(APIView):
    permission_classes = [IsTrainerOrAdmin]

    def put(self, request, pk):
        enrollment = get_object_or_404(enrollments_managed_by(request.user), pk=pk)
        serializer = s.ScoreSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        enrollment = enrollment_score_set(
            enrollment=enrollment,
            score=serializer.validated_data["score"],
            actor=request.user,
            reason=serializer.validated_data["reason"],
        )
        return Response(s.ScoreResultSerializer(enrollment).data)


@extend_schema_view(
    post=extend_schema(
        operation_id="classes_scores",
        summary="Record many final assessment scores of a class",
        description="Each item names an `enrollment` of the class (or the learner's `national_id`) with "
        "its `score` (0-10, null clears it). All items are checked first; any error answers 400 naming "
        "`scores.<index>.<field>` and nothing is stored. Unchanged scores are not audited. "
        f"{MANAGER_RULE} {CLOSED_RULE}",
        parameters=[CLASS_ID],
        request=s.ScoresSerializer,
        responses={200: s.ScoresResultSerializer, **error_responses(400, 401, 403, 404, 409)},
        tags=[ATTENDANCE_TAG],
    ),
)
class ClassScoresView(APIView):
    permission_classes = [IsTrainerOrAdmin]

    def post(self, request, pk):
        training_class = get_object_or_404(classes_managed_by(request.user), pk=pk)
        serializer = s.ScoresSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        outcome = enrollment_scores_set(
            training_class=training_class,
            scores=serializer.validated_data["scores"],
            actor=request.user,
            reason=serializer.validated_data["reason"],
        )
        return Response(s.ScoresResultSerializer(outcome).data)


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


@extend_schema_view(
    post=extend_schema(
        operation_id="classes_scores_import",
        summary="Record final assessment scores from a score sheet",
        description=DESCRIPTION,
        parameters=[CLASS_ID],
        request={"multipart/form-data": s.ScoreImportUploadSerializer},
        responses={200: s.ScoreImportReportSerializer, **error_responses(400, 401, 403, 404)},
        tags=[ATTENDANCE_TAG],
    ),
)
class ClassScoresImportView(APIView):
    permission_classes = [IsTrainerOrAdmin]
    parser_classes = [MultiPartParser, FormParser]

    def post(self, request, pk):
        training_class = get_object_or_404(classes_managed_by(request.user), pk=pk)
        serializer = s.ScoreImportUploadSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        report = enrollment_scores_import(
            training_class=training_class,
            actor=request.user,
            dry_run=serializer.validated_data["dry_run"],
            reason=serializer.validated_data["reason"],
            **serializer.file_to_read(user=request.user, kind=MappingKind.SCORES),
        )
        # The report shows each learner's stored name and id: a read of their data.
        learner_data_access_record(
            request=request,
            learners=learners_of_enrollments([item["enrollment"] for item in report.items]),
            training_class_id=training_class.pk,
        )
        return Response(report.as_dict())
