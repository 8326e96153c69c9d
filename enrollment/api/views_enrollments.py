"""The API of learners and enrolment.

Who may do what:

* learners: `/me/learner` (read, change own phone and email), `/me/enrollments`, join an open class
  (`/classes/{id}/join`), withdraw their own enrolment, read its history;
* trainers: read the learners on their classes' rosters; enrol learners (one, many, or a file)
  into the classes they teach, read those rosters, withdraw from them;
* provincial admins: the same for the classes of their province, and create and change the
  learners of their province;
* central admins: everything, and the record of who read which learner's data
  (`/learner-data-access`).

How much of a learner's record each reader gets, and which learners a trainer or admin may enrol,
are enrollment.rules.personal_data's and enrollment.services.enrollment_scope's rules. Every response showing
learners to someone other than themselves is recorded (enrollment.services.data_access).

A class or enrolment outside the user's scope is 404; one they see but may not change is 403.
"""

from __future__ import annotations

from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import generics, mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied
from rest_framework.permissions import SAFE_METHODS, BasePermission, IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from courses.api.serializers_imports import ImportJobSerializer, ImportUploadSerializer
from courses.api.views_imports import READER_OPTIONS, import_job_response
from courses.core.errors import DomainError, ErrorItem
from courses.core.openapi import error_responses
from courses.core.parsers import FormParser, MultiPartParser
from courses.core.permissions import IsCentralAdmin, is_admin, is_trainer
from courses.core.write_fields import refuse_body_fields
from courses.models import ImportKind, Role, TrainingClass
from courses.selectors.classes import classes_visible_to, may_manage_class
from courses.services.import_jobs import import_job_submit
from enrollment.api import serializers_enrollments as serializers
from enrollment.api.filters_enrollments import (
    LearnerDataAccessFilter,
    LearnerFilter,
    LearnerOrdering,
    RosterFilter,
)
from enrollment.files.enrollment_file import LAYOUT
from enrollment.models import Enrollment, Learner
from enrollment.selectors import enrollments as selectors
from enrollment.selectors import learners as learner_selectors
from enrollment.services import learners as learner_services
from enrollment.services.data_access import learner_data_access_record
from enrollment.services.enrollments import (
    enrollment_create,
    enrollment_self_join,
    enrollment_withdraw,
    enrollments_bulk_create,
    may_withdraw,
    source_for,
)

CLASS_ID = OpenApiParameter("id", int, OpenApiParameter.PATH, description="Class id.")
ENROLLMENT_ID = OpenApiParameter("id", int, OpenApiParameter.PATH, description="Enrolment id.")


class LearnerAccess(BasePermission):
    """Admins read and write (within their scope); trainers only read; learners use /me/learner."""

    def has_permission(self, request, view):
        user = request.user
        if is_admin(user):
            return True
        return is_trainer(user) and request.method in SAFE_METHODS


# --- learners ------------------------------------------------------------------------------------

LEARNER_SCOPE = (
    "Central admins see every learner in full; provincial admins the learners of their province in "
    "full, and the roster fields of the learners actively on the rosters of their province's "
    "classes; trainers (read only) the roster fields of the learners actively on their classes' "
    "rosters (`record`: `full` or `roster`; a withdrawn enrolment grants nothing). Every read is "
    "recorded. Learners get 403 here: they read their own record at /me/learner."
)


@extend_schema_view(
    list=extend_schema(
        summary="List learners",
        description=f"{LEARNER_SCOPE}\n\nFilter by province, commune, position, category, gender, "
        "ethnic minority, class; `search` matches the name with or without diacritics, or digits of the "
        "id. Paginated: `page`, `page_size`.",
        responses={200: serializers.LearnerSerializer(many=True), **error_responses(400, 401, 403)},
    ),
    retrieve=extend_schema(
        summary="Get one learner",
        description=f"{LEARNER_SCOPE} A learner outside the user's scope is 404.",
        responses={200: serializers.LearnerSerializer, **error_responses(401, 403, 404)},
    ),
    create=extend_schema(
        summary="Create a learner and their account",
        description="Admins; a provincial admin only in their province. The id (12 digits; 9 to 11 "
        "digits are left-padded with zeros, as spreadsheets drop leading zeros) must be new. The province "
        "is derived from the commune when one is given; the ethnic-minority flag from the ethnicity. The "
        "account's username is the id; with `generate_password` its password is returned once.",
        request=serializers.LearnerCreateSerializer,
        responses={201: serializers.LearnerCreatedSerializer, **error_responses(400, 401, 403)},
    ),
    update=extend_schema(
        summary="Replace a learner's record",
        description="Admins of the learner's province (central admins: any). Changing the id renames "
        "the account.",
        request=serializers.LearnerWriteSerializer,
        responses={200: serializers.LearnerSerializer, **error_responses(400, 401, 403, 404)},
    ),
    partial_update=extend_schema(
        summary="Change some fields of a learner's record",
        description="Admins of the learner's province (central admins: any). Fields left out keep "
        "their values.",
        request=serializers.LearnerWriteSerializer,
        responses={200: serializers.LearnerSerializer, **error_responses(400, 401, 403, 404)},
    ),
)
class LearnerViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    permission_classes = [LearnerAccess]
    filterset_class = LearnerFilter
    filter_backends = [DjangoFilterBackend, LearnerOrdering]
    ordering_fields = ["full_name", "national_id", "created_at"]

    def get_queryset(self):
        if self.action in ("update", "partial_update", "reset_password"):
            return selectors.learners_managed_by(self.request.user).select_related(
                "province", "commune", "position", "user"
            )
        return selectors.learner_list(self.request.user)

    def get_serializer_class(self):
        if self.action == "create":
            return serializers.LearnerCreateSerializer
        if self.action in ("update", "partial_update"):
            return serializers.LearnerWriteSerializer
        return serializers.LearnerSerializer

    def list(self, request, *args, **kwargs):
        page = self.paginate_queryset(self.filter_queryset(self.get_queryset()))
        body = serializers.LearnerSerializer(page, many=True, context={"request": request}).data
        learner_data_access_record(request=request, learners=page)
        return self.get_paginated_response(body)

    def retrieve(self, request, *args, **kwargs):
        learner = self.get_object()
        body = serializers.LearnerSerializer(learner, context={"request": request}).data
        learner_data_access_record(request=request, learners=[learner])
        return Response(body)

    def create(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        with_password = data.pop("generate_password", False)
        created = learner_services.learner_create(actor=request.user, with_password=with_password, **data)
        learner = selectors.learner_list(request.user).get(pk=created.learner.pk)
        body = serializers.LearnerCreatedSerializer(learner, context={"request": request}).data
        body["password"] = created.password
        learner_data_access_record(request=request, learners=[learner])
        return Response(body, status=status.HTTP_201_CREATED)

    def update(self, request, *args, **kwargs):
        partial = kwargs.pop("partial", False)
        learner = self.get_object()
        serializer = self.get_serializer(data=request.data, partial=partial)
        serializer.is_valid(raise_exception=True)
        learner_services.learner_update(actor=request.user, learner=learner, data=serializer.validated_data)
        learner = selectors.learner_list(request.user).get(pk=learner.pk)
        body = serializers.LearnerSerializer(learner, context={"request": request}).data
        learner_data_access_record(request=request, learners=[learner])
        return Response(body)

    @extend_schema(
        summary="Generate a new password for a learner's account",
        description="Admins of the learner's province (central admins: any). The password is returned "
        "this once and stored only hashed; the previous one stops working, and so does every token "
        "the account signed in with (access and refresh).",
        request=None,
        responses={200: serializers.PasswordSerializer, **error_responses(400, 401, 403, 404)},
    )
    @action(detail=True, methods=["post"], url_path="reset-password")
    def reset_password(self, request, pk=None):
        learner = self.get_object()
        refuse_body_fields(request)
        password = learner_services.learner_password_reset(actor=request.user, learner=learner)
        return Response({"username": learner.user.username, "password": password})


class MyLearnerView(APIView):
    permission_classes = [IsAuthenticated]

    def _learner(self, request) -> Learner:
        learner = learner_selectors.learner_of_user(request.user)
        if learner is None:
            raise DomainError(
                message=_("Tài khoản này không có hồ sơ học viên."),
                code="not_found",
                status=status.HTTP_404_NOT_FOUND,
            )
        return learner

    @extend_schema(
        summary="My learner record",
        description="The signed-in learner's own record; 404 for an account without one (trainers, admins).",
        responses={200: serializers.LearnerSerializer, **error_responses(401, 404)},
    )
    def get(self, request):
        return Response(
            serializers.LearnerSerializer(self._learner(request), context={"request": request}).data
        )

    @extend_schema(
        summary="Change my contact details",
        description="A learner changes their own phone and email; the rest of the record is kept by admins.",
        request=serializers.LearnerContactSerializer,
        responses={200: serializers.LearnerSerializer, **error_responses(400, 401, 404)},
    )
    def patch(self, request):
        learner = self._learner(request)
        serializer = serializers.LearnerContactSerializer(data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        learner_services.learner_contact_update(learner=learner, **serializer.validated_data)
        learner = learner_selectors.learner_of_user(request.user)
        return Response(serializers.LearnerSerializer(learner, context={"request": request}).data)


# --- enrolment -----------------------------------------------------------------------------------


def _visible_class(request, pk) -> TrainingClass:
    return get_object_or_404(
        classes_visible_to(request.user).select_related("province", "organiser_province", "curriculum"), pk=pk
    )


def _managed_class(request, pk) -> TrainingClass:
    training_class = _visible_class(request, pk)
    if not may_manage_class(request.user, training_class):
        raise PermissionDenied()
    return training_class


class ClassJoinView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        summary="Join a class (learner)",
        parameters=[CLASS_ID],
        description="The signed-in learner enrols in an OPEN class within its enrolment window, held in "
        "their province (its current unit or a legacy unit merged into it), whose curriculum serves "
        "their position. Enrolled, or waitlisted when an in-person class is full. 403 for other roles, "
        "another province's class or a position the curriculum does not serve; 409 for a class not "
        "open, outside its enrolment window, or already joined.",
        request=None,
        responses={201: serializers.EnrollmentSerializer, **error_responses(400, 401, 403, 404, 409)},
        tags=["enrollments"],
    )
    def post(self, request, pk):
        if request.user.role != Role.LEARNER or is_admin(request.user):
            raise PermissionDenied()
        refuse_body_fields(request)
        training_class = get_object_or_404(TrainingClass.objects.select_related("province"), pk=pk)
        enrollment = enrollment_self_join(user=request.user, training_class=training_class)
        enrollment = selectors.enrollment_detail(request.user).get(pk=enrollment.pk)
        return Response(serializers.EnrollmentSerializer(enrollment).data, status=status.HTTP_201_CREATED)


class ClassEnrollmentsView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        summary="Enrol one learner or many",
        parameters=[CLASS_ID],
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
        tags=["enrollments"],
    )
    def post(self, request, pk):
        training_class = _managed_class(request, pk)
        serializer = serializers.EnrolRequestSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        ids = (
            [serializer.validated_data["learner_id"]]
            if "learner_id" in serializer.validated_data
            else serializer.validated_data["learner_ids"]
        )
        found = set(Learner.objects.filter(pk__in=ids).values_list("pk", flat=True))
        missing = [
            ErrorItem(
                field="learner_id" if "learner_id" in serializer.validated_data else f"learner_ids.{index}",
                code="does_not_exist",
                message=_("Không có học viên mã %(id)s.") % {"id": learner_id},
            )
            for index, learner_id in enumerate(ids)
            if learner_id not in found
        ]
        if missing:
            raise DomainError(message=missing[0].message, errors=missing)
        if "learner_id" in serializer.validated_data:
            learner = Learner.objects.get(pk=ids[0])
            enrollment = enrollment_create(learner=learner, training_class=training_class, actor=request.user)
            enrollment = selectors.enrollment_detail(request.user).get(pk=enrollment.pk)
            return Response(serializers.EnrollmentSerializer(enrollment).data, status=status.HTTP_201_CREATED)
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


class EnrollmentImportView(APIView):
    permission_classes = [IsAuthenticated]
    parser_classes = [MultiPartParser, FormParser]

    @extend_schema(
        operation_id="classes_enrollments_import",
        summary="Enrol learners from a file",
        parameters=[CLASS_ID],
        description=ENROLMENT_IMPORT_DESCRIPTION,
        request={"multipart/form-data": ImportUploadSerializer},
        responses={
            200: OpenApiResponse(
                ImportJobSerializer, description="Dry run of a small file: nothing imported."
            ),
            201: OpenApiResponse(ImportJobSerializer, description="Small file imported; counts in `report`."),
            202: OpenApiResponse(
                ImportJobSerializer, description="Large file queued: poll `url` (also `Location`)."
            ),
            **error_responses(400, 401, 403, 404, 409),
        },
        tags=["enrollments"],
    )
    def post(self, request, pk):
        _managed_class(request, pk)
        serializer = ImportUploadSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        upload = serializer.validated_data["file"]
        job = import_job_submit(
            kind=ImportKind.ENROLMENT,
            file_name=upload.name,
            content=upload.read(),
            dry_run=serializer.validated_data["dry_run"],
            user=request.user,
            params={"class_id": int(pk)},
            reader=serializer.reader(user=request.user, kind=ImportKind.ENROLMENT),
        )
        return import_job_response(job, request)


@extend_schema_view(
    get=extend_schema(
        summary="A class's roster",
        parameters=[CLASS_ID],
        description="The class's trainers and the admins of its scope: each enrolment (filter by "
        "`status`) with its learner and attendance figures, ordered by name. The learner's record at "
        "the reader's level (`learner.record`: `full` for central admins and the admins of the "
        "learner's province, else `roster`: name, last four digits of the id, gender, place, "
        "position). Withdrawn enrolments are listed only to those who read the learner in full. "
        "Every learner listed is recorded as read. Paginated: `page`, `page_size`.",
        responses={200: serializers.RosterEntrySerializer(many=True), **error_responses(400, 401, 403, 404)},
        tags=["enrollments"],
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
        tags=["enrollments"],
    )
)
class MyEnrollmentsView(generics.ListAPIView):
    permission_classes = [IsAuthenticated]
    serializer_class = serializers.MyEnrollmentSerializer
    filter_backends = []

    def get_queryset(self):
        return learner_selectors.my_enrollments(self.request.user)


class EnrollmentDetailView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        summary="Get one enrolment",
        parameters=[ENROLLMENT_ID],
        description="The learner's own; the enrolments of the classes a trainer or admin manages. "
        "Others get 404.",
        responses={200: serializers.EnrollmentSerializer, **error_responses(401, 404)},
        tags=["enrollments"],
    )
    def get(self, request, pk):
        enrollment = get_object_or_404(selectors.enrollment_detail(request.user), pk=pk)
        return Response(serializers.EnrollmentSerializer(enrollment).data)


class EnrollmentWithdrawView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        summary="Withdraw an enrolment",
        parameters=[ENROLLMENT_ID],
        description="The learner themselves, the class's trainers and the admins of its scope. Only an "
        "enrolled or waitlisted learner of a class not yet finished (409 otherwise). A freed seat goes "
        "to the first learner on the waitlist.",
        request=serializers.WithdrawSerializer,
        responses={200: serializers.EnrollmentSerializer, **error_responses(400, 401, 403, 404, 409)},
        tags=["enrollments"],
    )
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
        parameters=[ENROLLMENT_ID],
        description="Every change (who, when, before, after, source, reason), newest first. The "
        "learner's own; the enrolments of the classes a trainer or admin manages. Others get 404. "
        "Paginated.",
        responses={200: serializers.EnrollmentHistoryEntrySerializer(many=True), **error_responses(401, 404)},
        tags=["enrollments"],
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


@extend_schema_view(
    get=extend_schema(
        summary="Who read which learner's personal data",
        description="Central admins only (403 for everyone else). Every read of a learner's record by "
        "someone other than the learner: who (`reader`), when (`at`), which learner, through which "
        "endpoint (route name and path) and class, and whether the full record or the roster fields "
        "were shown. Learner list and detail, class rosters, session attendance sheets, platform "
        "reports and the roster and attendance-sheet exports are recorded. Newest first; filter by "
        "`learner`, `reader`, `training_class`, `endpoint`, and days `since` / `until` (inclusive, "
        "Vietnam time). Paginated: `page`, `page_size`.",
        responses={
            200: serializers.LearnerDataAccessSerializer(many=True),
            **error_responses(400, 401, 403),
        },
        tags=["learners"],
    )
)
class LearnerDataAccessView(generics.ListAPIView):
    permission_classes = [IsCentralAdmin]
    serializer_class = serializers.LearnerDataAccessSerializer
    filterset_class = LearnerDataAccessFilter
    ordering_fields = []

    def get_queryset(self):
        return selectors.learner_data_access_list()
