"""Endpoints of attendance and scores: trainers and admins record and read them, learners check in
and follow their own.

Who may call what:

* the attendance sheet, marking, the platform's report, the JSON bulk, scores and the XLSX exports:
  trainers of the class and admins of its scope (a provincial admin's province, everything for a
  central admin). Learners get 403; a class out of the caller's reach is 404.
* check-in and check-out, and the `me/...` reads: learners, for the classes they are enrolled in.
  Other roles get 403; a session of a class the learner is not in is 404.
* a record's history: who manages its class, and the learner it belongs to.

Once a class is closed, only admins change its attendance and scores, with a `reason`.
"""

from __future__ import annotations

from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from django.utils.translation import pgettext_lazy
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, extend_schema_view
from openpyxl import Workbook
from rest_framework import generics
from rest_framework import status as http_status
from rest_framework.permissions import BasePermission, IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from courses.core.errors import DomainError
from courses.core.files.spreadsheet import attachment_name
from courses.core.filter_fields import as_id
from courses.core.openapi import error_responses, json_error_responses
from courses.core.parsers import FormParser, JSONParser, MultiPartParser
from courses.core.permissions import is_admin
from courses.core.renderers import Download, DownloadMixin, XLSXRenderer
from courses.core.write_fields import refuse_body_fields
from courses.models import ClassSession, MappingKind, Role
from courses.selectors.classes import classes_managed_by
from enrollment.api import serializers_attendance as s
from enrollment.files import exports
from enrollment.models import AuditEntry
from enrollment.selectors import attendance as selectors
from enrollment.selectors.attendance import is_trainer
from enrollment.selectors.enrollments import class_learners_read_by
from enrollment.services import attendance as services
from enrollment.services.data_access import learner_data_access_record

TAG = "attendance"
LEARNER_TAG = "me"

CLOSED_RULE = (
    "Once the class is closed, only an admin of its scope may change it, giving a non-empty `reason` "
    "(400 naming `reason` without one; 403 for trainers)."
)
MANAGER_RULE = (
    "Trainers of the class and admins of its scope (provincial admins: their province; central admins: "
    "all). Learners get 403; a class out of the caller's reach is 404."
)
STATED_RULE = (
    "A stated status must agree with stated minutes: present and late need 80% of the planned minutes, "
    "absent fewer, excused 0 (400 naming both `status` and `minutes` otherwise). Until the session "
    "starts only `excused` is accepted (400 `session_not_started` naming the session)."
)
LEARNER_RULE = "Learners only (other roles get 403), for the classes they are enrolled in."


def _id_parameter(description: str) -> OpenApiParameter:
    return OpenApiParameter("id", OpenApiTypes.INT, OpenApiParameter.PATH, description=description)


SESSION_ID = _id_parameter("Id of the session.")
CLASS_ID = _id_parameter("Id of the class.")


class IsTrainerOrAdmin(BasePermission):
    def has_permission(self, request, view):
        return is_trainer(request.user) or is_admin(request.user)


class IsLearner(BasePermission):
    def has_permission(self, request, view):
        user = request.user
        return bool(user and user.is_authenticated and user.role == Role.LEARNER and not user.is_superuser)


def managed_session(request, pk: int) -> ClassSession:
    return get_object_or_404(selectors.sessions_managed_by(request.user), pk=pk)


# --- trainers and admins: a session's attendance -------------------------------------------------


class SessionAttendanceView(generics.GenericAPIView):
    permission_classes = [IsTrainerOrAdmin]
    serializer_class = s.SheetRowSerializer
    filter_backends: list = []
    queryset = ClassSession.objects.none()  # for the schema; requests use the caller's sessions

    @extend_schema(
        operation_id="sessions_attendance_list",
        summary="The attendance sheet of a session",
        description="Every active enrolment of the session's class (and any other with a record for "
        "the session) with its record: status, minutes, source, who recorded it and when; the "
        f"attendance fields are null for a learner not marked yet. By learner name. {MANAGER_RULE} "
        "Paginated: `page`, `page_size`.",
        parameters=[SESSION_ID],
        responses={200: s.SheetRowSerializer(many=True), **error_responses(400, 401, 403, 404)},
        tags=[TAG],
    )
    def get(self, request, pk):
        session = managed_session(request, pk)
        page = self.paginate_queryset(selectors.session_attendance_sheet(session))
        rows = s.SheetRowSerializer(page, many=True, context={"request": request}).data
        learner_data_access_record(
            request=request,
            learners=[enrollment.learner for enrollment in page],
            training_class_id=session.training_class_id,
        )
        return self.get_paginated_response(rows)

    @extend_schema(
        operation_id="sessions_attendance_mark",
        summary="Mark a session's roster",
        description="Record the attendance of many learners of the session in one request: each record "
        "names an `enrollment` (or a `learner`) of the class with a `status`, optional `minutes` "
        "(default: the planned minutes for present and late, 0 for absent and excused; never more "
        "than the session's length) and an optional `note`. Only active enrolments (enrolled, "
        "completed, not completed). All records are checked first: any error answers 400 naming "
        "`records.<index>.<field>` and nothing is stored. Records of learners left out are kept. "
        "Unchanged records are not rewritten and leave no audit entry. PUT and POST do the same. "
        f"{STATED_RULE} {MANAGER_RULE} {CLOSED_RULE}",
        parameters=[SESSION_ID],
        request=s.RosterMarkSerializer,
        responses={200: s.MarkResultSerializer, **error_responses(400, 401, 403, 404, 409)},
        tags=[TAG],
    )
    def put(self, request, pk):
        session = managed_session(request, pk)
        serializer = s.RosterMarkSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        outcome = services.attendance_mark_roster(
            session=session,
            records=serializer.validated_data["records"],
            actor=request.user,
            reason=serializer.validated_data["reason"],
        )
        body = {
            "session": session.pk,
            "created": outcome.created,
            "updated": outcome.updated,
            "unchanged": outcome.unchanged,
            "records": outcome.records,
        }
        return Response(s.MarkResultSerializer(body, context={"actor": request.user}).data)

    @extend_schema(
        operation_id="sessions_attendance_mark_post",
        summary="Mark a session's roster (POST)",
        description="The same as PUT, for clients that only POST.",
        parameters=[SESSION_ID],
        request=s.RosterMarkSerializer,
        responses={200: s.MarkResultSerializer, **error_responses(400, 401, 403, 404, 409)},
        tags=[TAG],
    )
    def post(self, request, pk):
        return self.put(request, pk)


class PlatformReportView(APIView):
    permission_classes = [IsTrainerOrAdmin]
    parser_classes = [MultiPartParser, FormParser]

    @extend_schema(
        operation_id="sessions_attendance_platform_report",
        summary="Record a session's attendance from the meeting platform's report",
        description="Upload the participant or attendance report of an online session (.csv or "
        ".xlsx) exactly as the platform exports it: Zoom's participant report (with or without the "
        "meeting block), Microsoft Teams' attendance report (UTF-16, tab-separated, its Summary / "
        "Participants / In-Meeting Activities sections; or the older Joined/Left list), Google "
        "Meet's attendance report (first and last name, Duration, times without a date: the session's "
        "date applies), or the project's template (name, email or identification number, join and "
        "leave time). The platform is detected from the file and returned in `platform`, with how "
        "the file was read in `file` (sheet, heading rows, columns, ignored columns) and how its "
        "times were in `times`. Times: each platform's date order and 12/24-hour clock; times without "
        "offset are in `timezone` (IANA, default Asia/Ho_Chi_Minh). The date order is taken from the "
        "file when a day above 12 proves it, else from the one reading that puts every time on the "
        "session's day, else the upload is 400 on `date_order` and the user states it (dmy/mdy): a "
        "file is never read in a guessed order. A time on another day than the session's is 400 "
        "naming the row; a report none of whose times meets the session is 400 on `timezone`. "
        "`sheet` and `mapping` ({heading: field}) tell the reader which sheet and which columns. "
        "Rows are matched to the class's enrolments by identification number (its column, or "
        "digits in the display name), else email, else the full name (exact, then ignoring case "
        "and diacritics; Zoom's original name, Meet's first and last name in either order) if only "
        "one learner of the class has it. The host (Zoom's meeting email, Teams' organizer) is "
        "listed in `host` and not counted; unmatched rows come back in `unmatched` (row number, "
        "reason, guest flag), the platform's guests among them also in `guests`. Each learner's "
        "intervals are merged (overlaps counted once; Meet's and Teams' per-person rows count their "
        "Duration from the first join) and clipped to the session into minutes; the status "
        "follows: present at 80% of the planned minutes having joined within 15 minutes of the "
        "start, late at 80% having joined later, absent below 80%. Learners missing from the report "
        "keep their records. Unreadable rows answer 400 naming row and field, storing nothing. "
        "`dry_run=true` reports what would change. Source: platform_report. The report replaces "
        "the check-in intervals (check-ins, heartbeats) of the learners it lists. A session not yet "
        "started is 400 (`session_not_started`). "
        f"{MANAGER_RULE} {CLOSED_RULE}",
        parameters=[SESSION_ID],
        request={"multipart/form-data": s.PlatformReportUploadSerializer},
        responses={200: s.PlatformReportResultSerializer, **error_responses(400, 401, 403, 404, 409)},
        tags=[TAG],
    )
    def post(self, request, pk):
        session = managed_session(request, pk)
        serializer = s.PlatformReportUploadSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        upload = serializer.validated_data["file"]
        reader = serializer.reader(user=request.user, kind=MappingKind.PLATFORM_REPORT)
        outcome = services.attendance_platform_report_import(
            session=session,
            content=upload.read(),
            filename=upload.name,
            actor=request.user,
            dry_run=serializer.validated_data["dry_run"],
            reason=serializer.validated_data["reason"],
            time_zone=serializer.validated_data["timezone"],
            date_order=serializer.validated_data["date_order"],
            sheet=reader["sheet"],
            mapping=reader["mapping"],
        )
        body = s.PlatformReportResultSerializer(outcome, context={"request": request}).data
        learner_data_access_record(
            request=request,
            learners=[reported.enrollment.learner for reported in outcome.learners],
            training_class_id=session.training_class_id,
        )
        return Response(body)


class AttendanceBulkView(APIView):
    permission_classes = [IsTrainerOrAdmin]
    parser_classes = [JSONParser]

    @extend_schema(
        operation_id="attendance_bulk",
        summary="Record attendance in bulk (integrations)",
        description="Up to 10,000 records per request, of any sessions the caller manages: `session`, "
        "`enrollment` or `national_id`, `status`, optional `minutes` (default: the planned minutes for "
        "present and late, else 0; never more than the session's length), `note` (left out: kept) "
        "and `external_id` (echoed back). All records are checked first; any error answers 400 "
        "listing them as `records.<index>.<field>` (the first 500) and nothing is stored. Then one "
        "set-based upsert writes the new and changed records. Idempotent: the same batch sent again "
        "reports `created` 0 and `updated` 0, writes nothing and adds no audit entry. Source: "
        f"integration. Trainers (records of their classes) and admins (of their scope). {STATED_RULE} "
        f"{CLOSED_RULE}",
        request=s.BulkAttendanceRequestSerializer,
        responses={200: s.BulkResultSerializer, **error_responses(400, 401, 403, 409)},
        tags=[TAG],
    )
    def post(self, request):
        envelope = s.BulkEnvelopeSerializer(data=request.data)
        envelope.is_valid(raise_exception=True)
        outcome = services.attendance_bulk_upsert(
            records=envelope.validated_data["records"],
            actor=request.user,
            reason=envelope.validated_data["reason"],
            dry_run=envelope.validated_data["dry_run"],
        )
        attendance = outcome.attendance
        results = [
            {"index": item.index, "external_id": item.external_id, "id": record_id, "action": action}
            for item, record_id, action in zip(outcome.items, attendance.ids, attendance.actions, strict=True)
        ]
        body = {
            "dry_run": attendance.dry_run,
            "total": outcome.total,
            "created": attendance.created,
            "updated": attendance.updated,
            "unchanged": attendance.unchanged,
            "results": results,
        }
        # Already plain JSON values: running BulkResultSerializer (the schema's) over thousands of
        # results would cost more than storing them.
        return Response(body)


class AttendanceHistoryView(generics.ListAPIView):
    permission_classes = [IsAuthenticated]
    serializer_class = s.AuditEntrySerializer
    filter_backends: list = []

    @extend_schema(
        operation_id="attendance_history",
        summary="The history of an attendance record",
        description="Every change of the record, newest first: who, when, the record before and after, "
        "the source and the reason. Kept for closed classes too. Trainers of the class, admins of its "
        "scope and the learner the record belongs to; 404 for anyone else. Paginated.",
        parameters=[_id_parameter("Id of the attendance record.")],
        responses={200: s.AuditEntrySerializer(many=True), **error_responses(400, 401, 404)},
        tags=[TAG],
    )
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return AuditEntry.objects.none()
        record = get_object_or_404(selectors.attendance_visible_to(self.request.user), pk=self.kwargs["pk"])
        return selectors.attendance_history(record)


# --- scores --------------------------------------------------------------------------------------


class EnrollmentScoreView(APIView):
    permission_classes = [IsTrainerOrAdmin]

    @extend_schema(
        operation_id="enrollments_score",
        summary="Record a learner's final assessment score",
        description="The score on the 10-point scale (two decimals at most); null clears it. Active "
        "enrolments only. Audited; the class's progress figures are recomputed. "
        f"{MANAGER_RULE} {CLOSED_RULE}",
        parameters=[_id_parameter("Id of the enrolment.")],
        request=s.ScoreSerializer,
        responses={200: s.ScoreResultSerializer, **error_responses(400, 401, 403, 404, 409)},
        tags=[TAG],
    )
    def put(self, request, pk):
        enrollment = get_object_or_404(selectors.enrollments_managed_by(request.user), pk=pk)
        serializer = s.ScoreSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        enrollment = services.enrollment_score_set(
            enrollment=enrollment,
            score=serializer.validated_data["score"],
            actor=request.user,
            reason=serializer.validated_data["reason"],
        )
        return Response(s.ScoreResultSerializer(enrollment).data)


class ClassScoresView(APIView):
    permission_classes = [IsTrainerOrAdmin]

    @extend_schema(
        operation_id="classes_scores",
        summary="Record many final assessment scores of a class",
        description="Each item names an `enrollment` of the class (or the learner's `national_id`) with "
        "its `score` (0-10, null clears it). All items are checked first; any error answers 400 naming "
        "`scores.<index>.<field>` and nothing is stored. Unchanged scores are not audited. "
        f"{MANAGER_RULE} {CLOSED_RULE}",
        parameters=[CLASS_ID],
        request=s.ScoresSerializer,
        responses={200: s.ScoresResultSerializer, **error_responses(400, 401, 403, 404, 409)},
        tags=[TAG],
    )
    def post(self, request, pk):
        training_class = get_object_or_404(classes_managed_by(request.user), pk=pk)
        serializer = s.ScoresSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        outcome = services.enrollment_scores_set(
            training_class=training_class,
            scores=serializer.validated_data["scores"],
            actor=request.user,
            reason=serializer.validated_data["reason"],
        )
        return Response(s.ScoresResultSerializer(outcome).data)


# --- XLSX exports --------------------------------------------------------------------------------


def _xlsx_schema(*, operation_id: str, summary: str, description: str):
    return extend_schema_view(
        get=extend_schema(
            operation_id=operation_id,
            summary=summary,
            description=f"{description} {MANAGER_RULE}",
            # The ?format= override DRF offers with two renderers is not part of this endpoint.
            parameters=[CLASS_ID, OpenApiParameter("format", exclude=True)],
            responses={
                (200, XLSXRenderer.media_type): OpenApiResponse(
                    OpenApiTypes.BINARY, description="The .xlsx file."
                ),
                **json_error_responses(401, 403, 404),
            },
            tags=[TAG],
        )
    )


class XLSXExportView(DownloadMixin, APIView):
    """A class's workbook for who manages it; the learners' data read is recorded."""

    permission_classes = [IsTrainerOrAdmin]
    file_renderer = XLSXRenderer
    # What the file is, in the request's language; its name is these words and the class's code.
    file_words = ""

    def workbook(self, training_class, reader) -> Workbook:
        raise NotImplementedError

    def get(self, request, pk):
        training_class = get_object_or_404(classes_managed_by(request.user), pk=pk)
        workbook = self.workbook(training_class, request.user)
        learner_data_access_record(
            request=request,
            learners=class_learners_read_by(training_class, request.user),
            training_class_id=training_class.pk,
        )
        return Download(
            workbook, filename=attachment_name(str(self.file_words), training_class.code, extension="xlsx")
        )


@_xlsx_schema(
    operation_id="classes_attendance_sheet_xlsx",
    summary="The attendance sheet of a class (XLSX)",
    description="One row per enrolment, two columns per session (status and minutes, headed "
    "“Buổi N (dd/mm/yyyy HH:MM) - Trạng thái / Số phút”), then the sessions attended, the minutes "
    "attended and required (80% of the planned minutes), the rate and whether it is met. "
    "Headings, labels and the file's name in the request's language (Vietnamese by default).",
)
class ClassAttendanceSheetXlsxView(XLSXExportView):
    file_words = pgettext_lazy("file name", "điểm danh")

    def workbook(self, training_class, reader) -> Workbook:
        return exports.attendance_sheet_workbook(training_class, reader=reader)


@_xlsx_schema(
    operation_id="classes_roster_xlsx",
    summary="The roster of a class with attendance rates (XLSX)",
    description="One row per enrolment: the learner's identification number, name, gender, date "
    "of birth, ethnicity, position, commune and contact, the enrolment's status, sessions and "
    "minutes attended, the class's planned minutes, the attendance rate (%) and the final score. "
    "Headings, labels and the file's name in the request's language (Vietnamese by default).",
)
class ClassRosterXlsxView(XLSXExportView):
    file_words = pgettext_lazy("file name", "danh sách")

    def workbook(self, training_class, reader) -> Workbook:
        return exports.roster_workbook(training_class, reader=reader)


# --- learners ------------------------------------------------------------------------------------


def learner_session(request, pk: int) -> ClassSession:
    """A session of a class the learner is enrolled in; 404 otherwise."""
    enrolled = selectors.learner_enrollments(request.user).values("training_class_id")
    return get_object_or_404(
        ClassSession.objects.select_related("training_class").filter(training_class_id__in=enrolled), pk=pk
    )


class CheckInView(APIView):
    permission_classes = [IsLearner]
    action_name = "check_in"

    def post(self, request, pk):
        session = learner_session(request, pk)
        refuse_body_fields(request)
        service = (
            services.attendance_check_in if self.action_name == "check_in" else services.attendance_check_out
        )
        outcome = service(session=session, user=request.user)
        return Response(s.CheckInResultSerializer(outcome).data)


CHECK_IN_RESPONSES = {200: s.CheckInResultSerializer, **error_responses(400, 401, 403, 404)}


class SessionCheckInView(CheckInView):
    action_name = "check_in"

    @extend_schema(
        operation_id="sessions_check_in",
        summary="Check in to an online session",
        description="The learner joins an online session of a class they are enrolled in (active "
        "enrolment). Open from 15 minutes before the start to the end; outside it, 400 "
        "(`outside_window`); an in-person session is 400 (`not_online`). Checking in again while "
        "checked in changes nothing. Each check-in and check-out is kept as an interval; the "
        "record's minutes are the intervals merged and clipped to the session, each ending at its "
        "last sign of presence: the check-out, else the last heartbeat (`POST /sessions/{id}/heartbeat`), "
        "else the check-in itself (a check-in alone earns nothing); its status follows: present at 80% "
        "of the planned minutes having joined within 15 minutes of the start, late at 80% having joined "
        "later, absent below 80%. Before the start no record is written (`attendance` stays as it is). "
        "A record set by a trainer, an admin, the platform's report or an "
        f"integration is not changed. {LEARNER_RULE} A closed class is 403.",
        parameters=[SESSION_ID],
        request=None,
        responses=CHECK_IN_RESPONSES,
        tags=[TAG],
    )
    def post(self, request, pk):
        return super().post(request, pk)


class SessionCheckOutView(CheckInView):
    action_name = "check_out"

    @extend_schema(
        operation_id="sessions_check_out",
        summary="Check out of an online session",
        description="The learner leaves the session: closes their open interval and recomputes the "
        "record (see check-in). Allowed until 15 minutes after the end; 400 (`not_checked_in`) when "
        f"not checked in. {LEARNER_RULE} A closed class is 403.",
        parameters=[SESSION_ID],
        request=None,
        responses=CHECK_IN_RESPONSES,
        tags=[TAG],
    )
    def post(self, request, pk):
        return super().post(request, pk)


class SessionHeartbeatView(APIView):
    permission_classes = [IsLearner]

    @extend_schema(
        operation_id="sessions_heartbeat",
        summary="Say the learner is still in an online session",
        description="Sent by the learner's client every few minutes while checked in: the learner's "
        "open check-in then counts up to this moment (a check-in with no check-out counts up to its "
        "last heartbeat, never to the end of the session by itself). Allowed from 15 minutes before "
        "the start to the end; outside it, 400 (`outside_window`); not checked in, 400 "
        "(`not_checked_in`). The record's minutes follow at the check-out, or when the open "
        "check-ins of ended sessions are closed (every few minutes). "
        f"{LEARNER_RULE} A session of another class is 404; a closed class is 403.",
        parameters=[SESSION_ID],
        request=None,
        responses={204: None, **error_responses(400, 401, 403, 404)},
        tags=[TAG],
    )
    def post(self, request, pk):
        refuse_body_fields(request)
        services.attendance_heartbeat(session_id=pk, user=request.user)
        return Response(status=http_status.HTTP_204_NO_CONTENT)


CLASS_FILTER = OpenApiParameter(
    "class", OpenApiTypes.INT, OpenApiParameter.QUERY, description="Only the sessions of this class (its id)."
)


def _class_filter(request) -> int | None:
    value = request.query_params.get("class")
    if value in (None, ""):
        return None
    class_id = as_id(value)
    if class_id is None:
        raise DomainError(message=_("Cần mã số của lớp."), field="class")
    return class_id


class MySessionsView(generics.ListAPIView):
    permission_classes = [IsLearner]
    serializer_class = s.MySessionSerializer
    filter_backends: list = []

    @extend_schema(
        operation_id="me_sessions",
        summary="My sessions",
        description="Sessions of the classes I am enrolled in (enrolled, completed or not completed), "
        "with their join links, whether check-in is open now, and my own record of each. "
        f"`when=upcoming`: not yet ended, soonest first; `when=past`: ended, latest first. {LEARNER_RULE} "
        "Paginated: `page`, `page_size`.",
        parameters=[
            OpenApiParameter(
                "when",
                OpenApiTypes.STR,
                OpenApiParameter.QUERY,
                enum=[selectors.SessionWhen.UPCOMING, selectors.SessionWhen.PAST],
                description="upcoming (not yet ended) or past (ended); left out: all, in time order.",
            ),
            CLASS_FILTER,
        ],
        responses={200: s.MySessionSerializer(many=True), **error_responses(400, 401, 403)},
        tags=[LEARNER_TAG],
    )
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    def get_queryset(self):
        when = self.request.query_params.get("when") or None
        if when not in (None, selectors.SessionWhen.UPCOMING, selectors.SessionWhen.PAST):
            raise DomainError(message=_("Chỉ nhận upcoming hoặc past."), field="when")
        return selectors.learner_sessions(self.request.user, when=when, class_id=_class_filter(self.request))


class MyAttendanceView(generics.ListAPIView):
    permission_classes = [IsLearner]
    serializer_class = s.MySessionSerializer
    filter_backends: list = []

    @extend_schema(
        operation_id="me_attendance",
        summary="My attendance per session",
        description="Every session of my classes that has started, in time order, with my record: "
        f"status, minutes and source (null when not recorded). {LEARNER_RULE} Paginated.",
        parameters=[CLASS_FILTER],
        responses={200: s.MySessionSerializer(many=True), **error_responses(400, 401, 403)},
        tags=[LEARNER_TAG],
    )
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    def get_queryset(self):
        return selectors.learner_attendance(self.request.user, class_id=_class_filter(self.request))


class MyClassProgressView(APIView):
    permission_classes = [IsLearner]

    @extend_schema(
        operation_id="me_classes_progress",
        summary="My progress in a class",
        description="My attended minutes against what the class requires (80% of the planned minutes "
        "of all its sessions), sessions held and attended, my final score, and the curriculum's "
        f"topics and materials. {LEARNER_RULE} 404 for a class I am not enrolled in.",
        parameters=[CLASS_ID],
        responses={200: s.MyProgressSerializer, **error_responses(401, 403, 404)},
        tags=[LEARNER_TAG],
    )
    def get(self, request, pk):
        enrollment = get_object_or_404(
            selectors.learner_enrollments(request.user).select_related("training_class__curriculum"),
            training_class_id=pk,
        )
        return Response(s.MyProgressSerializer(selectors.learner_class_progress(enrollment)).data)
