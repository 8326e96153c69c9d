"""The API of allocations (chỉ tiêu giao): the ministry allocates a programme's targets to each
province and to the central institutions, by API or from its allocation sheet; a provincial admin
reads their own province's; every change is kept in the allocation's history."""

from __future__ import annotations

from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied
from rest_framework.response import Response

from courses.api.views_imports import READER_OPTIONS, ImportJobUploadView, import_job_schema
from courses.core.openapi import error_responses
from courses.core.permissions import IsAdmin, IsCentralAdmin, is_central_admin
from courses.models import ImportKind
from reporting.api import serializers_allocations as s
from reporting.files.allocation_file import LAYOUT
from reporting.selectors import allocations as selectors
from reporting.services.allocations import allocation_create, allocation_update

_READ_RULE = (
    "Central admins read every allocation; a provincial admin reads their own province's (with the "
    "legacy provinces merged into it), another province's is 404; other roles get 403."
)
_WRITE_RULE = "Central admins only; other roles get 403."


@extend_schema_view(
    list=extend_schema(
        summary="List allocations",
        description="A programme's targets allocated (chỉ tiêu giao) to each province and to the central "
        "training institutions as a group, for the whole period (year null) or a year: lượt, classes, "
        f"learners and budget. {_READ_RULE} Filter by `programme`, `year`, `scope`, `province`. "
        "Paginated: `page`, `page_size`.",
        parameters=[
            OpenApiParameter("programme", int, description="Programme id."),
            OpenApiParameter("year", int, description="Year; `year=0` for the whole-period allocations."),
            OpenApiParameter(
                "scope", str, enum=["province", "central"], description="province or central institutions."
            ),
            OpenApiParameter("province", int, description="Province id."),
        ],
        responses={200: s.AllocationSerializer(many=True), **error_responses(400, 401, 403)},
    ),
    retrieve=extend_schema(
        summary="Get an allocation",
        description=_READ_RULE,
        responses={200: s.AllocationSerializer, **error_responses(401, 403, 404)},
    ),
    create=extend_schema(
        summary="Allocate a programme's targets to a province or to the central institutions",
        description=f"{_WRITE_RULE} 409 when that scope already has an allocation for that year: change "
        "it instead. The year must lie within the programme's period.",
        request=s.AllocationCreateSerializer,
        responses={201: s.AllocationSerializer, **error_responses(400, 401, 403, 409)},
    ),
    partial_update=extend_schema(
        summary="Change an allocation's figures",
        description=f"{_WRITE_RULE} The earlier figures are kept in the allocation's history, with who "
        "changed them.",
        request=s.AllocationUpdateSerializer,
        responses={200: s.AllocationSerializer, **error_responses(400, 401, 403, 404)},
    ),
    history=extend_schema(
        summary="An allocation's history",
        description="Every change of the allocation, newest first: the figures it set, the figures "
        f"before (`previous`), who made it and when. {_READ_RULE} Paginated: `page`, `page_size`.",
        responses={200: s.AllocationRevisionSerializer(many=True), **error_responses(401, 403, 404)},
    ),
)
class AllocationViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    serializer_class = s.AllocationSerializer
    permission_classes = [IsAdmin]
    http_method_names = ["get", "post", "patch", "head", "options"]
    filter_backends: list = []

    def get_queryset(self):
        return selectors.allocation_list(self.request.user)

    def check_permissions(self, request):
        super().check_permissions(request)
        if self.action in ("create", "partial_update", "update") and not is_central_admin(request.user):
            raise PermissionDenied()

    def filter_queryset(self, queryset):
        if self.action != "list":
            return queryset
        query = s.AllocationFilterSerializer(data=self.request.query_params)
        query.is_valid(raise_exception=True)
        params = query.validated_data
        if params.get("programme") is not None:
            queryset = queryset.filter(programme_id=params["programme"])
        if params.get("year") is not None:
            year = params["year"]
            queryset = queryset.filter(year__isnull=True) if year == 0 else queryset.filter(year=year)
        if params.get("scope"):
            queryset = queryset.filter(province__isnull=params["scope"] == "central")
        if params.get("province") is not None:
            queryset = queryset.filter(province_id=params["province"]) | queryset.filter(
                province__successor_id=params["province"]
            )
        return queryset

    def create(self, request, *args, **kwargs):
        body = s.AllocationCreateSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = dict(body.validated_data)
        allocation = allocation_create(
            programme=data.pop("programme_id"),
            scope=data.pop("scope"),
            province=data.pop("province_id", None),
            year=data.pop("year", None),
            figures=data,
            user=request.user,
        )
        return Response(self.get_serializer(allocation).data, status=status.HTTP_201_CREATED)

    def partial_update(self, request, *args, **kwargs):
        allocation = self.get_object()
        body = s.AllocationUpdateSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        allocation = allocation_update(allocation=allocation, figures=body.validated_data, user=request.user)
        return Response(self.get_serializer(allocation).data)

    @action(detail=True, methods=["get"], url_path="history", url_name="history")
    def history(self, request, pk=None):
        page = self.paginate_queryset(selectors.allocation_history(self.get_object()))
        return self.get_paginated_response(s.AllocationRevisionSerializer(page, many=True).data)


ALLOCATION_IMPORT_DESCRIPTION = f"""
Import the ministry's allocation sheet (bảng phân bổ chỉ tiêu) for a programme (`programme_id`),
from an .xlsx or .csv file. Central admins only.

Every row is checked first. If any row is wrong nothing is imported and the answer is 400 listing
every error with its `row` (as the spreadsheet numbers it) and `field`. `dry_run=true` checks the
file and reports what would be created, updated or left unchanged, importing nothing. Each changed
allocation keeps its earlier figures in its history, with who imported the sheet.

{READER_OPTIONS}

**File layout**
{LAYOUT}"""


@extend_schema_view(
    post=import_job_schema(
        operation_id="allocations_import",
        summary="Import the ministry's allocation sheet",
        description=ALLOCATION_IMPORT_DESCRIPTION,
        errors=(400, 401, 403),
        tags=["allocations"],
        parameters=[
            OpenApiParameter("programme_id", int, required=True, description="The programme allocated."),
            OpenApiParameter("year", int, description="The year of rows that name none."),
        ],
    )
)
class AllocationImportView(ImportJobUploadView):
    permission_classes = [IsCentralAdmin]
    import_kind = ImportKind.ALLOCATION

    def post(self, request):
        query = s.AllocationImportParamsSerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        params = {"programme_id": query.validated_data["programme_id"]}
        if query.validated_data.get("year") is not None:
            params["year"] = query.validated_data["year"]
        return self.import_job_submit(request, params=params)
