"""The API of learners.

Who may do what:

* learners: `/me/learner` (read, change own phone and email), `/me/preferences` (session
  reminders by email off or on);
* trainers: read the learners on their classes' rosters;
* provincial admins: create and change the learners of their province;
* central admins: everything, and the record of who read which learner's data
  (`/learner-data-access`).

How much of a learner's record each reader gets is enrollment.rules.personal_data's rule. Every
response showing learners to someone other than themselves is recorded
(enrollment.services.data_access).

A learner outside the user's scope is 404; one they see but may not change is 403.
"""

from __future__ import annotations

from django.utils.translation import gettext as _
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import generics, mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.permissions import SAFE_METHODS, BasePermission, IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from courses.core.errors import DomainError
from courses.core.openapi import error_responses
from courses.core.permissions import IsCentralAdmin, is_admin, is_trainer
from courses.core.write_fields import refuse_body_fields
from enrollment.api import serializers_enrollments as serializers
from enrollment.api.common import LEARNERS_TAG
from enrollment.api.filters_enrollments import (
    LearnerDataAccessFilter,
    LearnerFilter,
    LearnerOrdering,
)
from enrollment.models import Learner
from enrollment.selectors import enrollments as selectors
from enrollment.selectors.learners import learner_of_user
from enrollment.services import learners as learner_services
from enrollment.services.data_access import learner_data_access_record


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
    reset_password=extend_schema(
        summary="Generate a new password for a learner's account",
        description="Admins of the learner's province (central admins: any). The password is returned "
        "this once and stored only hashed; the previous one stops working, and so does every token "
        "the account signed in with (access and refresh).",
        request=None,
        responses={200: serializers.PasswordSerializer, **error_responses(400, 401, 403, 404)},
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
        created = learner_services.learner_create(actor=request.user, **serializer.validated_data)
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

    @action(detail=True, methods=["post"], url_path="reset-password")
    def reset_password(self, request, pk=None):
        learner = self.get_object()
        refuse_body_fields(request)
        password = learner_services.learner_password_reset(actor=request.user, learner=learner)
        return Response({"username": learner.user.username, "password": password})


def own_learner(request) -> Learner:
    """The signed-in user's learner record; 404 for an account without one (trainers, admins)."""
    learner = learner_of_user(request.user)
    if learner is None:
        raise DomainError(
            message=_("Tài khoản này không có hồ sơ học viên."),
            code="not_found",
            status=status.HTTP_404_NOT_FOUND,
        )
    return learner


@extend_schema_view(
    get=extend_schema(
        summary="My learner record",
        description="The signed-in learner's own record; 404 for an account without one (trainers, admins).",
        responses={200: serializers.LearnerSerializer, **error_responses(401, 404)},
    ),
    patch=extend_schema(
        summary="Change my contact details",
        description="A learner changes their own phone and email; the rest of the record is kept by admins.",
        request=serializers.LearnerContactSerializer,
        responses={200: serializers.LearnerSerializer, **error_responses(400, 401, 404)},
    ),
)
class MyLearnerView(APIView):
    permission_classes = [IsAuthenticated]

    def _learner(self, request) -> Learner:
        return own_learner(request)

    def get(self, request):
        return Response(
            serializers.LearnerSerializer(self._learner(request), context={"request": request}).data
        )

    def patch(self, request):
        learner = self._learner(request)
        serializer = serializers.LearnerContactSerializer(data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        learner_services.learner_contact_update(learner=learner, **serializer.validated_data)
        learner = learner_of_user(request.user)
        return Response(serializers.LearnerSerializer(learner, context={"request": request}).data)


@extend_schema_view(
    get=extend_schema(
        summary="My email preferences",
        description="Whether the signed-in learner is sent session reminders by email (the day before "
        "and shortly before each session). Enrolment and certificate emails are sent whatever it says. "
        "404 for an account without a learner record (trainers, admins).",
        responses={200: serializers.MyPreferencesSerializer, **error_responses(401, 404)},
    ),
    patch=extend_schema(
        summary="Turn my session reminders off or on",
        request=serializers.MyPreferencesSerializer,
        responses={200: serializers.MyPreferencesSerializer, **error_responses(400, 401, 404)},
    ),
)
class MyPreferencesView(APIView):
    permission_classes = [IsAuthenticated]

    def get(self, request):
        return Response(serializers.MyPreferencesSerializer(own_learner(request)).data)

    def patch(self, request):
        learner = own_learner(request)
        serializer = serializers.MyPreferencesSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        learner = learner_services.learner_reminders_set(
            learner=learner, enabled=serializer.validated_data["reminders_enabled"]
        )
        return Response(serializers.MyPreferencesSerializer(learner).data)


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
        tags=[LEARNERS_TAG],
    )
)
class LearnerDataAccessView(generics.ListAPIView):
    permission_classes = [IsCentralAdmin]
    serializer_class = serializers.LearnerDataAccessSerializer
    filterset_class = LearnerDataAccessFilter
    ordering_fields = []

    def get_queryset(self):
        return selectors.learner_data_access_list()
