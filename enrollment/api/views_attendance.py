"""Endpoints of attendance as trainers and admins record and read it. Learners check in and follow
their own in views_my_attendance; the endpoints of scores (views_scores) share these rules.

Who may call what:

* the attendance sheet, marking, the platform's report, the JSON bulk, scores and the XLSX exports:
  trainers of the class and admins of its scope (a provincial admin's province, everything for a
  central admin). Learners get 403; a class out of the caller's reach is 404.
* check-in and check-out, and the `me/...` reads (views_my_attendance): learners, for the classes
  they are enrolled in. Other roles get 403; a session of a class the learner is not in is 404.
* a record's history: who manages its class, and the learner it belongs to.

Once a class is closed, only admins change its attendance and scores, with a `reason`.
"""

from __future__ import annotations

from django.shortcuts import get_object_or_404
from django.utils.translation import pgettext_lazy
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, extend_schema_view
from openpyxl import Workbook
from rest_framework import generics
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from courses.core.files.spreadsheet import attachment_name
from courses.core.openapi import error_responses, json_error_responses
from courses.core.parsers import FormParser, JSONParser, MultiPartParser
from courses.core.renderers import Download, DownloadMixin, XLSXRenderer
from courses.models import ClassSession, MappingKind
from courses.selectors.classes import classes_managed_by
from enrollment.api import serializers_attendance as s
from enrollment.api.common import (
    ATTENDANCE_TAG,
    CLASS_ID,
    CLOSED_RULE,
    MANAGER_RULE,
    SESSION_ID,
    IsTrainerOrAdmin,
    id_parameter,
)
from enrollment.files import exports
from enrollment.models import AuditEntry
from enrollment.selectors import attendance as selectors
from enrollment.selectors.enrollments import class_learners_read_by
from enrollment.services.attendance_bulk import attendance_bulk_upsert
from enrollment.services.attendance_platform import attendance_platform_report_import
from enrollment.services.attendance_roll_call import attendance_mark_roster
from enrollment.services.data_access import learner_data_access_record

STATED_RULE = (
    "A stated status must agree with stated minutes: present and late need 80% of the planned minutes, "
    "absent fewer, excused 0 (400 naming both `status` and `minutes` otherwise). Until the session "
    "starts only `excused` is accepted (400 `session_not_started` naming the session)."
)


def managed_session(request, pk: int) -> ClassSession:
    return get_object_or_404(selectors.sessions_managed_by(request.user), pk=pk)


# --- trainers and admins: a session's attendance -------------------------------------------------


# Marking a roster, by PUT or POST.
MARK_SCHEMA = {
    "parameters": [SESSION_ID],
    "request": s.RosterMarkSerializer,
    "responses": {200: s.MarkResultSerializer, **error_responses(400, 401, 403, 404, 409)},
    "tags": [ATTENDANCE_TAG],
}


@extend_schema_view(
    get=extend_schema(
        operation_id="sessions_attendance_list",
        summary="The attendance sheet of a session",
        description="Every active enrolment of the session's class (and any other with a record for "
        "the session) with its record: status, minutes, source, who recorded it and when; the "
        f"attendance fields are null for a learner not marked yet. By learner name. {MANAGER_RULE} "
        "Paginated: `page`, `page_size`.",
        parameters=[SESSION_ID],
        responses={200: s.SheetRowSerializer(many=True), **error_responses(400, 401, 403, 404)},
        tags=[ATTENDANCE_TAG],
    ),
    put=extend_schema(
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
        **MARK_SCHEMA,
    ),
    post=extend_schema(
        operation_id="sessions_attendance_mark_post",
        summary="Mark a session's roster (POST)",
        description="The same as PUT, for clients that only POST.",
        **MARK_SCHEMA,
    ),
)
class SessionAttendanceView(generics.GenericAPIView):
    permission_classes = [IsTrainerOrAdmin]
    serializer_class = s.SheetRowSerializer
    filter_backends: list = []
    queryset = ClassSession.objects.none()  # for the schema; requests use the caller's sessions

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

    def put(self, request, pk):
        session = managed_session(request, pk)
        serializer = s.RosterMarkSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        outcome = attendance_mark_roster(
            session=session,
            records=serializer.validated_data["records"],
            actor=request.user,
            reason=serializer.validated_data["reason"],
        )
        return Response(
            s.MarkResultSerializer(outcome, context={"session": session, "actor": request.user}).data
        )

    def post(self, request, pk):
        return self.put(request, pk)


@extend_schema_view(
    post=extend_schema(
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
        tags=[ATTENDANCE_TAG],
    ),
)
class PlatformReportView(APIView):
    permission_classes = [IsTrainerOrAdmin]
    parser_classes = [MultiPartParser, FormParser]

    def post(self, request, pk):
        session = managed_session(request, pk)
        serializer = s.PlatformReportUploadSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        outcome = attendance_platform_report_import(
            session=session,
            actor=request.user,
            dry_run=serializer.validated_data["dry_run"],
            reason=serializer.validated_data["reason"],
            time_zone=serializer.validated_data["timezone"],
            date_order=serializer.validated_data["date_order"],
            **serializer.file_to_read(user=request.user, kind=MappingKind.PLATFORM_REPORT),
        )
        body = s.PlatformReportResultSerializer(outcome, context={"request": request}).data
        learner_data_access_record(
            request=request,
            learners=[reported.enrollment.learner for reported in outcome.learners],
            training_class_id=session.training_class_id,
        )
        return Response(body)


@extend_schema_view(
    post=extend_schema(
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
        tags=[ATTENDANCE_TAG],
    ),
)
class AttendanceBulkView(APIView):
    permission_classes = [IsTrainerOrAdmin]
    parser_classes = [JSONParser]

    def post(self, request):
        envelope = s.BulkEnvelopeSerializer(data=request.data)
        envelope.is_valid(raise_exception=True)
        outcome = attendance_bulk_upsert(
            records=envelope.validated_data["records"],
            actor=request.user,
            reason=envelope.validated_data["reason"],
            dry_run=envelope.validated_data["dry_run"],
        )
        return Response(s.BulkResultSerializer.body(outcome))


@extend_schema_view(
    get=extend_schema(
        operation_id="attendance_history",
        summary="The history of an attendance record",
        description="Every change of the record, newest first: who, when, the record before and after, "
        "the source and the reason. Kept for closed classes too. Trainers of the class, admins of its "
        "scope and the learner the record belongs to; 404 for anyone else. Paginated.",
        parameters=[id_parameter("Id of the attendance record.")],
        responses={200: s.AuditEntrySerializer(many=True), **error_responses(400, 401, 404)},
        tags=[ATTENDANCE_TAG],
    ),
)
class AttendanceHistoryView(generics.ListAPIView):
    permission_classes = [IsAuthenticated]
    serializer_class = s.AuditEntrySerializer
    filter_backends: list = []

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return AuditEntry.objects.none()
        record = get_object_or_404(selectors.attendance_visible_to(self.request.user), pk=self.kwargs["pk"])
        return selectors.attendance_history(record)


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
            tags=[ATTENDANCE_TAG],
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
