"""The API of training institutions, classes and their sessions.

Who may do what (object rules hold for lists too: a list shows only what its detail would):

* institutions: any signed-in user reads; central admins write;
* classes: everyone signed in lists and reads the classes of their scope (see
  courses.selectors.classes); central admins create classes anywhere, provincial admins in their
  province; the class's trainers and the admins of its scope change it, its status and its
  sessions; admins of its scope assign its trainers and delete a draft.

A class outside the user's scope is 404; one they see but may not change is 403.
"""

from __future__ import annotations

from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response

from courses.api import filters_classes, serializers_classes
from courses.core.openapi import (
    CREATE_ERRORS,
    DELETE_ERRORS,
    READ_DETAIL_ERRORS,
    READ_LIST_ERRORS,
    UPDATE_ERRORS,
    crud_schema,
    error_responses,
)
from courses.core.permissions import is_admin
from courses.selectors import classes as selectors_classes
from courses.services import class_sessions as services_class_sessions
from courses.services import classes as services_classes

# --- institutions --------------------------------------------------------------------------------


@extend_schema_view(
    **crud_schema(
        singular="training institution",
        plural="training institutions",
        description="Schools and centres that organise classes: central ministries' training "
        "institutions, provincial political schools.",
        read=serializers_classes.InstitutionSerializer,
    )
)
class InstitutionViewSet(viewsets.ModelViewSet):
    serializer_class = serializers_classes.InstitutionSerializer
    filterset_class = filters_classes.InstitutionFilter
    ordering_fields = ["name", "code"]

    def get_queryset(self):
        return selectors_classes.institution_list()

    def perform_create(self, serializer):
        serializer.instance = services_classes.institution_create(data=serializer.validated_data)

    def perform_update(self, serializer):
        serializer.instance = services_classes.institution_update(
            institution=serializer.instance, data=serializer.validated_data
        )

    def perform_destroy(self, instance):
        services_classes.institution_delete(institution=instance)


# --- classes -------------------------------------------------------------------------------------

CLASS_SCOPE = (
    "Central admins see every class; provincial admins the classes held in or organised by their "
    "province (legacy units merged into it included); trainers the classes they teach; learners the "
    "classes they are enrolled in and the open classes of their province whose curriculum serves "
    "their position."
)
MANAGE_RULE = (
    "The class's trainers and the admins of its scope (central admins, provincial admins of its "
    "province); others get 403, or 404 when the class is outside their scope."
)


@extend_schema_view(
    list=extend_schema(
        summary="List classes",
        description=f"{CLASS_SCOPE}\n\nFilter by curriculum, position served, mode, status, province, "
        "programme, level, trainer and date ranges; `search` matches code or title with or without "
        "diacritics. Paginated: `page`, `page_size`.",
        responses={200: serializers_classes.TrainingClassSerializer(many=True), **READ_LIST_ERRORS},
    ),
    retrieve=extend_schema(
        summary="Get one class",
        description=f"{CLASS_SCOPE} Others get 404.",
        responses={200: serializers_classes.TrainingClassSerializer, **READ_DETAIL_ERRORS},
    ),
    create=extend_schema(
        summary="Create a class (as a draft)",
        description="Central admins anywhere; provincial admins in their province. A class given no "
        "institution or organising province is organised by its province. The curriculum version must be active; the "
        "province is the unit in force on the start date (a legacy province for a class starting "
        "before 1 July 2025); in-person and blended classes need `capacity`, online classes have "
        "none (`planned_size` is kept for reporting). Each broken rule is reported on its field.",
        request=serializers_classes.TrainingClassCreateSerializer,
        responses={201: serializers_classes.TrainingClassSerializer, **CREATE_ERRORS},
    ),
    update=extend_schema(
        summary="Replace a class's fields",
        description=f"{MANAGE_RULE} Trainers may not change `code`, `curriculum_id`, `institution_id`, "
        "`organiser_province_id`, `province_id`, `programme_id` or `level` (403 naming the field). A "
        "closed class does not change (409). Switching to online clears `capacity`; more seats "
        "promote waitlisted learners.",
        request=serializers_classes.TrainingClassWriteSerializer,
        responses={200: serializers_classes.TrainingClassSerializer, **UPDATE_ERRORS},
    ),
    partial_update=extend_schema(
        summary="Change some fields of a class",
        description=f"{MANAGE_RULE} Same rules as the full update; fields left out keep their values.",
        request=serializers_classes.TrainingClassWriteSerializer,
        responses={200: serializers_classes.TrainingClassSerializer, **UPDATE_ERRORS},
    ),
    destroy=extend_schema(
        summary="Delete a draft class",
        description="Admins of the class's scope; only a draft nobody is enrolled in (409 otherwise).",
        responses={204: None, **DELETE_ERRORS},
    ),
    change_status=extend_schema(
        summary="Change a class's status",
        description=f"{MANAGE_RULE} Moves follow draft -> open -> running -> finished -> closed (open "
        "may go back to draft, finished back to running); any other move is 400 on `status`. Closed "
        "is final: attendance is then final too.",
        request=serializers_classes.ClassStatusSerializer,
        responses={200: serializers_classes.TrainingClassSerializer, **UPDATE_ERRORS},
    ),
    trainers=extend_schema(
        summary="Set a class's trainers",
        description="Admins of the class's scope. Replaces the list; every id must be an active user "
        "with the trainer role (400 naming `trainer_ids.<index>` otherwise).",
        request=serializers_classes.ClassTrainersSerializer,
        responses={200: serializers_classes.TrainingClassSerializer, **UPDATE_ERRORS},
    ),
    sessions=[
        extend_schema(
            methods=["GET"],
            summary="List a class's sessions",
            description=f"Whoever sees the class ({CLASS_SCOPE}) In time order; join links are shown to the "
            "class's trainers, admins and enrolled learners only. Paginated.",
            responses={200: serializers_classes.ClassSessionSerializer(many=True), **READ_DETAIL_ERRORS},
        ),
        extend_schema(
            methods=["POST"],
            summary="Add a session to a class",
            description=f"{MANAGE_RULE} The session lies within the class's dates; `planned_minutes` "
            "(default: the whole session) may not exceed its length; `topic_id` is a topic of the "
            "class's curriculum. A closed class gets 409.",
            request=serializers_classes.ClassSessionWriteSerializer,
            responses={201: serializers_classes.ClassSessionSerializer, **UPDATE_ERRORS},
        ),
    ],
)
class TrainingClassViewSet(viewsets.ModelViewSet):
    serializer_class = serializers_classes.TrainingClassSerializer
    filterset_class = filters_classes.TrainingClassFilter
    ordering_fields = ["start_date", "end_date", "code", "title", "created_at"]
    permission_classes = [IsAuthenticated]

    def get_queryset(self):
        return selectors_classes.training_class_list(self.request.user)

    def get_serializer_class(self):
        if self.action == "create":
            return serializers_classes.TrainingClassCreateSerializer
        if self.action in ("update", "partial_update"):
            return serializers_classes.TrainingClassWriteSerializer
        return serializers_classes.TrainingClassSerializer

    def get_managed_object(self):
        training_class = self.get_object()
        if not selectors_classes.may_manage_class(self.request.user, training_class):
            raise PermissionDenied()
        return training_class

    def get_administered_object(self):
        training_class = self.get_object()
        if not selectors_classes.class_administered_by(self.request.user, training_class):
            raise PermissionDenied()
        return training_class

    def read_back(self, training_class, status_code=status.HTTP_200_OK) -> Response:
        training_class = self.get_queryset().get(pk=training_class.pk)
        data = serializers_classes.TrainingClassSerializer(
            training_class, context=self.get_serializer_context()
        ).data
        return Response(data, status=status_code)

    def create(self, request, *args, **kwargs):
        if not is_admin(request.user):
            raise PermissionDenied()
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        training_class = services_classes.training_class_create(
            actor=request.user, **serializer.validated_data
        )
        return self.read_back(training_class, status.HTTP_201_CREATED)

    def update(self, request, *args, **kwargs):
        partial = kwargs.pop("partial", False)
        training_class = self.get_managed_object()
        serializer = self.get_serializer(data=request.data, partial=partial)
        serializer.is_valid(raise_exception=True)
        services_classes.training_class_update(
            training_class=training_class, actor=request.user, data=serializer.data_to_write()
        )
        return self.read_back(training_class)

    def destroy(self, request, *args, **kwargs):
        training_class = self.get_administered_object()
        services_classes.training_class_delete(training_class=training_class, actor=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)

    @action(detail=True, methods=["post"], url_path="status")
    def change_status(self, request, pk=None):
        training_class = self.get_managed_object()
        serializer = serializers_classes.ClassStatusSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        services_classes.training_class_status_change(
            training_class=training_class, status=serializer.validated_data["status"], actor=request.user
        )
        return self.read_back(training_class)

    @action(detail=True, methods=["put"], url_path="trainers")
    def trainers(self, request, pk=None):
        training_class = self.get_administered_object()
        serializer = serializers_classes.ClassTrainersSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        services_classes.training_class_trainers_set(
            training_class=training_class, trainers=serializer.validated_data["trainers"], actor=request.user
        )
        return self.read_back(training_class)

    @action(detail=True, methods=["get", "post"], url_path="sessions", filter_backends=[])
    def sessions(self, request, pk=None):
        if request.method == "POST":
            training_class = self.get_managed_object()
            serializer = serializers_classes.ClassSessionWriteSerializer(data=request.data)
            serializer.is_valid(raise_exception=True)
            session = services_class_sessions.class_session_create(
                training_class=training_class, actor=request.user, **serializer.validated_data
            )
            session = selectors_classes.sessions_of_class(training_class).get(pk=session.pk)
            return Response(
                serializers_classes.ClassSessionSerializer(session).data, status=status.HTTP_201_CREATED
            )
        training_class = self.get_object()
        sessions = selectors_classes.sessions_of_class(training_class)
        context = {"join_url_class_ids": selectors_classes.join_links_visible_class_ids(request.user)}
        page = self.paginate_queryset(sessions)
        data = serializers_classes.ClassSessionSerializer(page, many=True, context=context).data
        return self.get_paginated_response(data)


# --- sessions ------------------------------------------------------------------------------------


@extend_schema_view(
    list=extend_schema(
        summary="List sessions",
        description="Sessions of the classes the user sees, in time order; filter by class and start "
        "time. Join links are shown to the class's trainers, admins and enrolled learners only. "
        "Paginated.",
        responses={200: serializers_classes.ClassSessionSerializer(many=True), **READ_LIST_ERRORS},
    ),
    retrieve=extend_schema(
        summary="Get one session",
        description="Whoever sees its class; others get 404.",
        responses={200: serializers_classes.ClassSessionSerializer, **READ_DETAIL_ERRORS},
    ),
    update=extend_schema(
        summary="Replace a session",
        description=f"{MANAGE_RULE} Same rules as adding one; a session may not become shorter than "
        "attendance already recorded for it. A closed class gets 409.",
        request=serializers_classes.ClassSessionWriteSerializer,
        responses={200: serializers_classes.ClassSessionSerializer, **UPDATE_ERRORS},
    ),
    partial_update=extend_schema(
        summary="Change some fields of a session",
        description=f"{MANAGE_RULE} Fields left out keep their values.",
        request=serializers_classes.ClassSessionWriteSerializer,
        responses={200: serializers_classes.ClassSessionSerializer, **UPDATE_ERRORS},
    ),
    destroy=extend_schema(
        summary="Delete a session",
        description=f"{MANAGE_RULE} A session with attendance recorded, or of a closed class, gets 409.",
        responses={204: None, **error_responses(401, 403, 404, 409)},
    ),
)
class ClassSessionViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.UpdateModelMixin,
    mixins.DestroyModelMixin,
    viewsets.GenericViewSet,
):
    serializer_class = serializers_classes.ClassSessionSerializer
    filterset_class = filters_classes.ClassSessionFilter
    ordering_fields = ["starts_at"]
    permission_classes = [IsAuthenticated]

    def get_queryset(self):
        return selectors_classes.session_list(self.request.user)

    def get_serializer_class(self):
        if self.action in ("update", "partial_update"):
            return serializers_classes.ClassSessionWriteSerializer
        return serializers_classes.ClassSessionSerializer

    def get_serializer_context(self):
        context = super().get_serializer_context()
        context["join_url_class_ids"] = selectors_classes.join_links_visible_class_ids(self.request.user)
        return context

    def get_managed_object(self):
        session = self.get_object()
        if not selectors_classes.may_manage_class(self.request.user, session.training_class):
            raise PermissionDenied()
        return session

    def update(self, request, *args, **kwargs):
        partial = kwargs.pop("partial", False)
        session = self.get_managed_object()
        serializer = self.get_serializer(data=request.data, partial=partial)
        serializer.is_valid(raise_exception=True)
        services_class_sessions.class_session_update(
            session=session, actor=request.user, data=serializer.data_to_write()
        )
        session = self.get_queryset().get(pk=session.pk)
        return Response(serializers_classes.ClassSessionSerializer(session).data)

    def destroy(self, request, *args, **kwargs):
        session = self.get_managed_object()
        services_class_sessions.class_session_delete(session=session, actor=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)
