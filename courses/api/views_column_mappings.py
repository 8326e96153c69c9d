"""`/api/v1/column-mappings`: the saved mappings of a layout's headings to fields, reused by uploads."""

from __future__ import annotations

from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import status, viewsets
from rest_framework.permissions import BasePermission
from rest_framework.response import Response

from courses.api.serializers_column_mappings import ColumnMappingSerializer, ColumnMappingWriteSerializer
from courses.core.openapi import error_responses
from courses.services.column_mappings import (
    column_mapping_create,
    column_mapping_delete,
    column_mapping_update,
    column_mappings_usable_by,
    may_use_mappings,
)

RULES = """
A column mapping says which field each heading of a file layout the importers don't know is
(a province's own roster template, a meeting platform the system doesn't know): `{heading: field}`.
Map the headings once in a dry run (the upload's `mapping`, as JSON; the report's `file` lists the
columns found and `ignored_columns`, those no field claimed), save the mapping here, then give its
`id` as `mapping_id` to later uploads of the same kind: the enrolment list
(`POST /classes/{id}/enrollments/import`, kind `enrolment`), the catalogue (`POST /curricula/import`,
kind `catalogue`), the score sheet (`POST /classes/{id}/scores/import`, kind `scores`). Kind
`platform_report` holds mappings of meeting-platform reports.

A mapping belongs to a province (`province`), or to a training institution (`institution`: how a
trainer of a central school, who has no province, keeps one), or to neither (national), never both.

Who may do what:
* list and read: trainers and provincial admins see their province's mappings and the national ones
  (neither province nor institution); an institution's mappings are seen by the trainers of a class
  it organises, the provincial admins of its province and their creator; central admins see all.
  Filter by `kind`. Learners get 403; a mapping the caller may not see is 404 (and 400 on
  `mapping_id` in an upload).
* create: trainers and provincial admins for their own province (the default); with
  `institution_id`, trainers for an institution organising a class they train, provincial admins
  for an institution of their province; central admins for any province or institution or, leaving
  both null, nationally. Naming another province or institution, or a national mapping otherwise,
  is 403; giving both `province_id` and `institution_id` is 400 (`conflict` on `institution_id`).
* change and delete: central admins every mapping; provincial admins the mappings of their province
  and of its institutions; trainers the mappings they created (for their province or an
  institution). National mappings: central admins only. 403 for a mapping the caller sees but may
  not change. Stating `province_id` or `institution_id` in a change moves the mapping, under the
  rules of creation.

A name is unique among the mappings of a kind and province, or kind and institution, or the
national ones of a kind (400 `unique` on `name`). Each field of
`mapping` must be a field of the kind (400 naming `mapping.<heading>` with the fields accepted).
"""


class MayUseMappings(BasePermission):
    def has_permission(self, request, view):
        return may_use_mappings(request.user)


@extend_schema_view(
    list=extend_schema(
        summary="List column mappings",
        description=RULES,
        responses={200: ColumnMappingSerializer(many=True), **error_responses(400, 401, 403)},
    ),
    retrieve=extend_schema(
        summary="Get a column mapping",
        description=RULES,
        responses={200: ColumnMappingSerializer, **error_responses(401, 403, 404)},
    ),
    create=extend_schema(
        summary="Save a column mapping",
        description=RULES,
        request=ColumnMappingWriteSerializer,
        responses={201: ColumnMappingSerializer, **error_responses(400, 401, 403, 409)},
    ),
    update=extend_schema(
        summary="Replace a column mapping",
        description=RULES,
        request=ColumnMappingWriteSerializer,
        responses={200: ColumnMappingSerializer, **error_responses(400, 401, 403, 404, 409)},
    ),
    partial_update=extend_schema(
        summary="Change some fields of a column mapping",
        description=RULES,
        request=ColumnMappingWriteSerializer,
        responses={200: ColumnMappingSerializer, **error_responses(400, 401, 403, 404, 409)},
    ),
    destroy=extend_schema(
        summary="Delete a column mapping",
        description=RULES,
        responses={204: OpenApiResponse(description="Deleted."), **error_responses(401, 403, 404)},
    ),
)
class ColumnMappingViewSet(viewsets.ModelViewSet):
    serializer_class = ColumnMappingSerializer
    permission_classes = [MayUseMappings]
    filterset_fields = ["kind"]
    ordering_fields = ["name", "updated_at"]
    ordering = ["kind", "name", "id"]

    def get_queryset(self):
        return column_mappings_usable_by(self.request.user)

    def _answer(self, column_mapping, code):
        column_mapping = self.get_queryset().get(pk=column_mapping.pk)
        return Response(self.get_serializer(column_mapping).data, status=code)

    def create(self, request, *args, **kwargs):
        serializer = ColumnMappingWriteSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        column_mapping = column_mapping_create(user=request.user, **serializer.validated_data)
        return self._answer(column_mapping, status.HTTP_201_CREATED)

    def update(self, request, *args, **kwargs):
        partial = kwargs.pop("partial", False)
        column_mapping = self.get_object()
        serializer = ColumnMappingWriteSerializer(data=request.data, partial=partial)
        serializer.is_valid(raise_exception=True)
        column_mapping = column_mapping_update(
            user=request.user, column_mapping=column_mapping, **serializer.validated_data
        )
        return self._answer(column_mapping, status.HTTP_200_OK)

    def destroy(self, request, *args, **kwargs):
        column_mapping_delete(user=request.user, column_mapping=self.get_object())
        return Response(status=status.HTTP_204_NO_CONTENT)
