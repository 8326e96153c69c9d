"""Endpoints of a learner's own attendance: check in to and out of an online session, say they are
still in it, and follow their sessions, records and progress (`me/...`).

Learners only, for the classes they are enrolled in: other roles get 403; a session of a class the
learner is not in is 404. The records these write follow the rules of enrollment.services.attendance_checkin
(a record set by a trainer, an admin, the platform's report or an integration is not changed).
"""

from __future__ import annotations

from django.shortcuts import get_object_or_404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import generics
from rest_framework import status as http_status
from rest_framework.response import Response
from rest_framework.views import APIView

from courses.core.openapi import error_responses
from courses.core.write_fields import refuse_body_fields
from courses.models import ClassSession
from enrollment.api import serializers_my_attendance as s
from enrollment.api.common import (
    ATTENDANCE_TAG,
    CLASS_ID,
    LEARNER_RULE,
    LEARNER_TAG,
    SESSION_ID,
    IsLearner,
)
from enrollment.selectors import learners as learner_selectors
from enrollment.services.attendance_checkin import (
    attendance_check_in,
    attendance_check_out,
    attendance_heartbeat,
)


def learner_session(request, pk: int) -> ClassSession:
    """A session of a class the learner is enrolled in; 404 otherwise."""
    return get_object_or_404(learner_selectors.sessions_of_my_classes(request.user), pk=pk)


class CheckInView(APIView):
    permission_classes = [IsLearner]
    # The service that records the move: check-in or check-out.
    service: staticmethod

    def post(self, request, pk):
        session = learner_session(request, pk)
        refuse_body_fields(request)
        outcome = self.service(session=session, user=request.user)
        return Response(s.CheckInResultSerializer(outcome).data)


CHECK_IN_RESPONSES = {200: s.CheckInResultSerializer, **error_responses(400, 401, 403, 404)}


@extend_schema_view(
    post=extend_schema(
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
        tags=[ATTENDANCE_TAG],
    ),
)
class SessionCheckInView(CheckInView):
    service = staticmethod(attendance_check_in)


@extend_schema_view(
    post=extend_schema(
        operation_id="sessions_check_out",
        summary="Check out of an online session",
        description="The learner leaves the session: closes their open interval and recomputes the "
        "record (see check-in). Allowed until 15 minutes after the end; 400 (`not_checked_in`) when "
        f"not checked in. {LEARNER_RULE} A closed class is 403.",
        parameters=[SESSION_ID],
        request=None,
        responses=CHECK_IN_RESPONSES,
        tags=[ATTENDANCE_TAG],
    ),
)
class SessionCheckOutView(CheckInView):
    service = staticmethod(attendance_check_out)


@extend_schema_view(
    post=extend_schema(
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
        tags=[ATTENDANCE_TAG],
    ),
)
class SessionHeartbeatView(APIView):
    permission_classes = [IsLearner]

    def post(self, request, pk):
        refuse_body_fields(request)
        attendance_heartbeat(session_id=pk, user=request.user)
        return Response(status=http_status.HTTP_204_NO_CONTENT)


CLASS_FILTER = OpenApiParameter(
    "class", OpenApiTypes.INT, OpenApiParameter.QUERY, description="Only the sessions of this class (its id)."
)


def _query(request, serializer_class) -> dict:
    serializer = serializer_class(data=request.query_params)
    serializer.is_valid(raise_exception=True)
    return serializer.validated_data


@extend_schema_view(
    get=extend_schema(
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
                enum=[learner_selectors.SessionWhen.UPCOMING, learner_selectors.SessionWhen.PAST],
                description="upcoming (not yet ended) or past (ended); left out: all, in time order.",
            ),
            CLASS_FILTER,
        ],
        responses={200: s.MySessionSerializer(many=True), **error_responses(400, 401, 403)},
        tags=[LEARNER_TAG],
    ),
)
class MySessionsView(generics.ListAPIView):
    permission_classes = [IsLearner]
    serializer_class = s.MySessionSerializer
    filter_backends: list = []

    def get_queryset(self):
        return learner_selectors.learner_sessions(
            self.request.user, **_query(self.request, s.MySessionsQuerySerializer)
        )


@extend_schema_view(
    get=extend_schema(
        operation_id="me_attendance",
        summary="My attendance per session",
        description="Every session of my classes that has started, in time order, with my record: "
        f"status, minutes and source (null when not recorded). {LEARNER_RULE} Paginated.",
        parameters=[CLASS_FILTER],
        responses={200: s.MySessionSerializer(many=True), **error_responses(400, 401, 403)},
        tags=[LEARNER_TAG],
    ),
)
class MyAttendanceView(generics.ListAPIView):
    permission_classes = [IsLearner]
    serializer_class = s.MySessionSerializer
    filter_backends: list = []

    def get_queryset(self):
        return learner_selectors.learner_attendance(
            self.request.user, **_query(self.request, s.MyAttendanceQuerySerializer)
        )


@extend_schema_view(
    get=extend_schema(
        operation_id="me_classes_progress",
        summary="My progress in a class",
        description="My attended minutes against what the class requires (80% of the planned minutes "
        "of all its sessions), sessions held and attended, my final score, and the curriculum's "
        f"topics and materials. {LEARNER_RULE} 404 for a class I am not enrolled in.",
        parameters=[CLASS_ID],
        responses={200: s.MyProgressSerializer, **error_responses(401, 403, 404)},
        tags=[LEARNER_TAG],
    ),
)
class MyClassProgressView(APIView):
    permission_classes = [IsLearner]

    def get(self, request, pk):
        enrollment = get_object_or_404(
            learner_selectors.my_enrollments(request.user).select_related("training_class__curriculum"),
            training_class_id=pk,
        )
        return Response(s.MyProgressSerializer(learner_selectors.learner_class_progress(enrollment)).data)
