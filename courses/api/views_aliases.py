"""The API of aliases: other spellings of positions, ethnicities, genders, provinces and communes
that the importers accept (courses.selectors.vocabularies).

Staff (trainers and admins) list and read them; learners get 403. Central admins add and delete
any alias; a provincial admin adds and deletes commune aliases of their own province; other
writes get 403. Built-in aliases (loaded from the reference files) are not deleted here (409).
An alias takes effect in the next import.
"""

from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, status, viewsets
from rest_framework.permissions import BasePermission
from rest_framework.response import Response

from courses.api.filters_catalogue import AliasFilter
from courses.api.serializers_aliases import AliasSerializer, AliasWriteSerializer
from courses.core.openapi import CREATE_ERRORS, DELETE_ERRORS, error_responses
from courses.models import Role
from courses.selectors import catalogue as selectors_catalogue
from courses.services import aliases as services_aliases


class IsStaff(BasePermission):
    """Trainers and admins: the people who prepare and check the files."""

    def has_permission(self, request, view):
        user = request.user
        return bool(user and user.is_authenticated and (user.is_superuser or user.role != Role.LEARNER))


_ABOUT = (
    "Other spellings the roster and catalogue imports accept for positions, ethnicities, genders, "
    "provinces and communes (pre-2025 commune names among them), each with what it stands for. "
    "Matching already ignores case, diacritics, punctuation, unit words (xã, phường, tỉnh, TP) and "
    "the usual abbreviations (UBND, HĐND, MTTQ, CT, PCT, ...): an alias is for a different wording."
)


@extend_schema_view(
    list=extend_schema(
        summary="List aliases",
        description=f"{_ABOUT}\n\nTrainers and admins; learners get 403. Paginated: `page`, `page_size`.",
        responses={200: AliasSerializer(many=True), **error_responses(400, 401, 403)},
    ),
    retrieve=extend_schema(
        summary="Get one alias",
        description="Trainers and admins; learners get 403.",
        responses={200: AliasSerializer, **error_responses(401, 403, 404)},
    ),
    create=extend_schema(
        summary="Add an alias",
        description="Central admins any kind; provincial admins commune aliases of their own province "
        "(the commune's province); others 403. A commune alias is read in the commune's province. 409 "
        "when the spelling already has a meaning of that kind (for communes: that same commune). It "
        "takes effect in the next import; an admin's alias wins over a built-in one of the same spelling.",
        request=AliasWriteSerializer,
        responses={201: AliasSerializer, **CREATE_ERRORS},
    ),
    destroy=extend_schema(
        summary="Delete an alias",
        description="Central admins any alias; provincial admins commune aliases of their province; "
        "others 403. Built-in aliases: 409 (they are reference data, changed in the reference files).",
        responses={204: None, **DELETE_ERRORS},
    ),
)
class AliasViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.DestroyModelMixin,
    viewsets.GenericViewSet,
):
    permission_classes = [IsStaff]
    serializer_class = AliasSerializer
    filterset_class = AliasFilter
    ordering_fields = ["kind", "key", "created_at"]

    def get_queryset(self):
        return selectors_catalogue.alias_list()

    def get_serializer_class(self):
        return AliasWriteSerializer if self.action == "create" else AliasSerializer

    def create(self, request, *args, **kwargs):
        serializer = AliasWriteSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        alias = services_aliases.alias_create(user=request.user, **serializer.validated_data)
        alias = self.get_queryset().get(pk=alias.pk)
        return Response(AliasSerializer(alias).data, status=status.HTTP_201_CREATED)

    def perform_destroy(self, instance):
        services_aliases.alias_delete(user=self.request.user, alias=instance)
