"""The API of enrolment (the learners themselves: views_learners).

Who may do what:

* learners: `/me/enrollments`, join an open class (`/classes/{id}/join`), withdraw their own
  enrolment, read its history;
* trainers: enrol learners (one, many, or a file) into the classes they teach, read those
  rosters, withdraw from them;
* provincial admins: the same for the classes of their province;
* central admins: everything.

Which learners a trainer or admin may enrol, and how much of a learner's record each reader of a
roster gets, are enrollment.services.enrollments' and enrollment.rules.personal_data's rules. Every
roster read is recorded (enrollment.services.data_access).

A class or enrolment outside the user's scope is 404; one they see but may not change is 403.
"""

from __future__ import annotations

from django.shortcuts import get_object_or_404
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import generics, status
from rest_framework.exceptions import PermissionDenied
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from courses.api.views_imports import READER_OPTIONS, ImportJobUploadView, import_job_schema
from courses.core.openapi import error_responses
from courses.core.permissions import is_learner
from courses.core.write_fields import refuse_body_fields
from courses.models import ImportKind, TrainingClass
from courses.selectors.classes import classes_visible_to, may_manage_class
from enrollment.api import serializers_enrollments as serializers
from enrollment.api.common import (
    ENROLLMENTS_TAG,
    ENROLMENT_ENDPOINTS_CLASS_ID,
    ENROLMENT_ENDPOINTS_ENROLLMENT_ID,
)
from enrollment.api.filters_enrollments import RosterFilter
from enrollment.files.enrollment_file import LAYOUT
from enrollment.models import Enrollment, Learner
from enrollment.selectors import enrollments as selectors
from enrollment.selectors.learners import my_enrollments
from enrollment.services.data_access import learner_data_access_record
from enrollment.services.enrollment_scope import ensure_learners_exist
from enrollment.services.enrollments import (
    enrollment_create,
    enrollment_self_join,
    enrollment_withdraw,
    enrollments_bulk_create,
    may_withdraw,
    source_for,
)


def _visible_class(request, pk) -> TrainingClass:
    return get_object_or_404(
        classes_visible_to(request.user).select_related("province", "organiser_province", "curriculum"), pk=pk
    )


def _managed_class(request, pk) -> TrainingClass:
    training_class = _visible_class(request, pk)
    if not may_manage_class(request.user, training_class):
        raise PermissionDenied()
    return training_class


@extend_schema_view(
    post=extend_schema(
        summary="Join a class (learner)",
        parameters=[ENROLMENT_ENDPOINTS_CLASS_ID],
        description="The signed-in learner enrols in an OPEN class within its enrolment window, held in "
        "their province (its current unit or a legacy unit merged into it), whose curriculum serves "
        "their position. Enrolled, or waitlisted when an in-person class is full. 403 for other roles, "
        "another province's class or a position the curriculum does not serve; 409 for a class not "
        "open, outside its enrolment window, or already joined.",
        request=None,
        responses={201: serializers.EnrollmentSerializer, **error_responses(400, 401, 403, 404, 409)},
        tags=[ENROLLMENTS_TAG],
    ),
)
class ClassJoinView(APIView):
    permission_classes = [IsAuthenticated]

    def post(self, request, pk):
        if not is_learner(request.user):
            raise PermissionDenied()
        refuse_body_fields(request)
        training_class = get_object_or_404(TrainingClass.objects.select_related("province"), pk=pk)
        enrollment = enrollment_self_join(user=request.user, training_class=training_class)
        enrollment = selectors.enrollment_detail(request.user).get(pk=enrollment.pk)
        return Response(serializers.EnrollmentSerializer(enrollment).data, status=status.HTTP_201_CREATED)


@extend_schema_view(
    post=extend_schema(
        summary="Enrol one learner or many",
        parameters=[ENROLMENT_ENDPOINTS_CLASS_ID],
        description="The class's trainers and the admins of its scope. `learner_id`: one learner, "
        "answered with the enrolment (201; 409 if already in the class). `learner_ids`: several, "
        "enrolled in that order while seats last then waitlisted, those already in the class left "
        "alone (200 with what happened to each). A learner who had withdrawn is enrolled again. The "
        "class must be draft, open or running (409 otherwise). Trainers and provincial admins enrol "
        "only the learners of the class's province (legacy units included; a provincial admin within "
        "their own province) and learners who applied to the class themselves; central admins "
        "anyone. Any other learner is refused with 403 `learner_out_of_scope` naming each "
        "(`learner_id`, or `learner_ids.<index>`), and nothing is stored.",
        request=serializers.EnrolRequestSerializer,
        responses={
            201: OpenApiResponse(serializers.EnrollmentSerializer, description="One learner enrolled."),
            200: OpenApiResponse(serializers.BulkEnrolResultSerializer, description="Several learners."),
            **error_responses(400, 401, 403, 404, 409),
        },
        tags=[ENROLLMENTS_TAG],
    ),
)
class ClassEnrollmentsView(APIView):
    permission_classes = [IsAuthenticated]

    def post(self, request, pk):
        training_class = _managed_class(request, pk)
        serializer = serializers.EnrolRequestSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        if "learner_id" in serializer.validated_data:
            learner_id = serializer.validated_data["learner_id"]
            ensure_learners_exist(learner_ids=[learner_id], field="learner_id")
            enrollment = enrollment_create(
                learner=Learner.objects.get(pk=learner_id), training_class=training_class, actor=request.user
            )
            enrollment = selectors.enrollment_detail(request.user).get(pk=enrollment.pk)
            return Response(serializers.EnrollmentSerializer(enrollment).data, status=status.HTTP_201_CREATED)
        ids = serializer.validated_data["learner_ids"]
        ensure_learners_exist(learner_ids=ids)
        result = enrollments_bulk_create(
            training_class=training_class,
            learner_ids=ids,
            actor=request.user,
            source=source_for(request.user),
        )
        return Response(serializers.BulkEnrolResultSerializer(result).data)


ENROLMENT_IMPORT_DESCRIPTION = f"""
Enrol a class's learners from the .xlsx or .csv list a province sends. The class's trainers and the
admins of its scope; the class must be draft, open or running.

Every row is checked first. If any row is wrong nothing is imported and the answer is 400 listing
every error with its `row` (as the spreadsheet numbers it) and `field`.
Trainers and provincial admins enrol only learners of the class's province and learners who applied
to the class themselves (as `POST /classes/{{id}}/enrollments`): a row naming a stored learner of
another province, or a new learner placed in another province, is an error
`learner_out_of_scope` that shows nothing of the stored learner.
`dry_run=true` checks the file and reports, row by row, what would happen (`report.items`: learner
created or existing; enrolled, waitlisted, re_enrolled or unchanged), importing nothing. Warnings
(ids padded with zeros, repeated rows merged, a stored name differing from the file's) are in
`report.warnings`. A real run applies the whole file or nothing.

Files of up to `IMPORT_SYNC_MAX_ROWS` (500 by default) data rows are imported within the request:
200 for a dry run, 201 for an import. Larger files are queued: 202 with the job, whose `url` (also in
`Location`) is polled with `GET /api/v1/import-jobs/{{id}}` until `status` is `succeeded` or
`failed`; `processed_rows` out of `total_rows` is the progress.

{READER_OPTIONS}

**File layout**
{LAYOUT}"""


@extend_schema_view(
    post=import_job_schema(
        operation_id="classes_enrollments_import",
        summary="Enrol learners from a file",
        parameters=[ENROLMENT_ENDPOINTS_CLASS_ID],
        description=ENROLMENT_IMPORT_DESCRIPTION,
        errors=(400, 401, 403, 404, 409),
        tags=[ENROLLMENTS_TAG],
    ),
)
class EnrollmentImportView(ImportJobUploadView):
    permission_classes = [IsAuthenticated]
    import_kind = ImportKind.ENROLMENT

    def post(self, request, pk):
        _managed_class(request, pk)
        return self.import_job_submit(request, params={"class_id": int(pk)})


@extend_schema_view(
    get=extend_schema(
        summary="A class's roster",
        parameters=[ENROLMENT_ENDPOINTS_CLASS_ID],
        description="The class's trainers and the admins of its scope: each enrolment (filter by "
        "`status`) with its learner and attendance figures, ordered by name. The learner's record at "
        "the reader's level (`learner.record`: `full` for central admins and the admins of the "
        "learner's province, else `roster`: name, last four digits of the id, gender, place, "
        "position). Withdrawn enrolments are listed only to those who read the learner in full. "
        "Every learner listed is recorded as read. Paginated: `page`, `page_size`.",
        responses={200: serializers.RosterEntrySerializer(many=True), **error_responses(400, 401, 403, 404)},
        tags=[ENROLLMENTS_TAG],
    )
)
class ClassRosterView(generics.ListAPIView):
    permission_classes = [IsAuthenticated]
    serializer_class = serializers.RosterEntrySerializer
    filterset_class = RosterFilter
    ordering_fields = []

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # the OpenAPI generator
            return Enrollment.objects.none()
        training_class = _managed_class(self.request, self.kwargs["pk"])
        return selectors.enrollment_roster(training_class, self.request.user)

    def list(self, request, *args, **kwargs):
        page = self.paginate_queryset(self.filter_queryset(self.get_queryset()))
        body = self.get_serializer(page, many=True).data
        learner_data_access_record(
            request=request,
            learners=[enrollment.learner for enrollment in page],
            training_class_id=int(self.kwargs["pk"]),
        )
        return self.get_paginated_response(body)


@extend_schema_view(
    get=extend_schema(
        summary="My enrolments",
        description="The signed-in learner's enrolments, newest class first; empty for accounts "
        "without a learner record. Paginated.",
        responses={200: serializers.MyEnrollmentSerializer(many=True), **error_responses(401)},
        tags=[ENROLLMENTS_TAG],
    )
)
class MyEnrollmentsView(generics.ListAPIView):
    permission_classes = [IsAuthenticated]
    serializer_class = serializers.MyEnrollmentSerializer
    filter_backends = []

    def get_queryset(self):
        return my_enrollments(self.request.user)


@extend_schema_view(
    get=extend_schema(
        summary="Get one enrolment",
        parameters=[ENROLMENT_ENDPOINTS_ENROLLMENT_ID],
        description="The learner's own; the enrolments of the classes a trainer or admin manages. "
        "Others get 404.",
        responses={200: serializers.EnrollmentSerializer, **error_responses(401, 404)},
        tags=[ENROLLMENTS_TAG],
    ),
)
class EnrollmentDetailView(APIView):
    permission_classes = [IsAuthenticated]

    def get(self, request, pk):
        enrollment = get_object_or_404(selectors.enrollment_detail(request.user), pk=pk)
        return Response(serializers.EnrollmentSerializer(enrollment).data)


@extend_schema_view(
    post=extend_schema(
        summary="Withdraw an enrolment",
        parameters=[ENROLMENT_ENDPOINTS_ENROLLMENT_ID],
        description="The learner themselves, the class's trainers and the admins of its scope. Only an "
        "enrolled or waitlisted learner of a class not yet finished (409 otherwise). A freed seat goes "
        "to the first learner on the waitlist.",
        request=serializers.WithdrawSerializer,
        responses={200: serializers.EnrollmentSerializer, **error_responses(400, 401, 403, 404, 409)},
        tags=[ENROLLMENTS_TAG],
    ),
)
class EnrollmentWithdrawView(APIView):
    permission_classes = [IsAuthenticated]

    def post(self, request, pk):
        enrollment = get_object_or_404(selectors.enrollment_detail(request.user), pk=pk)
        if not may_withdraw(request.user, enrollment):
            raise PermissionDenied()
        serializer = serializers.WithdrawSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        enrollment_withdraw(
            enrollment=enrollment, actor=request.user, reason=serializer.validated_data.get("reason", "")
        )
        enrollment = selectors.enrollment_detail(request.user).get(pk=pk)
        return Response(serializers.EnrollmentSerializer(enrollment).data)


@extend_schema_view(
    get=extend_schema(
        summary="History of an enrolment",
        parameters=[ENROLMENT_ENDPOINTS_ENROLLMENT_ID],
        description="Every change (who, when, before, after, source, reason), newest first. The "
        "learner's own; the enrolments of the classes a trainer or admin manages. Others get 404. "
        "Paginated.",
        responses={200: serializers.EnrollmentHistoryEntrySerializer(many=True), **error_responses(401, 404)},
        tags=[ENROLLMENTS_TAG],
    )
)
class EnrollmentHistoryView(generics.ListAPIView):
    permission_classes = [IsAuthenticated]
    serializer_class = serializers.EnrollmentHistoryEntrySerializer
    filter_backends = []

    def get_queryset(self):
        enrollment = get_object_or_404(
            selectors.enrollments_visible_to(self.request.user), pk=self.kwargs["pk"]
        )
        return selectors.enrollment_history(enrollment)
