"""The API of programmes, their targets and historical baselines.

Any signed-in user reads; central admins write (the default permission, ReadAnyWriteCentralAdmin).
"""

from drf_spectacular.utils import extend_schema_view
from rest_framework import viewsets

from courses.openapi import crud_schema
from reporting import filters, selectors, serializers


@extend_schema_view(
    **crud_schema(
        singular="programme",
        plural="programmes",
        description="National programmes (đề án) adopted by a decision, over a period, with the "
        "levels that run their classes.",
        read=serializers.ProgrammeSerializer,
    )
)
class ProgrammeViewSet(viewsets.ModelViewSet):
    serializer_class = serializers.ProgrammeSerializer
    filterset_class = filters.ProgrammeFilter
    ordering_fields = ["code", "period_start", "period_end"]

    def get_queryset(self):
        return selectors.programme_list()


@extend_schema_view(
    **crud_schema(
        singular="target",
        plural="targets",
        description="How many lượt (person-times) a programme aims for at one level, optionally "
        "narrowed to a province, curriculum, position or year. One target per scope.",
        read=serializers.TargetSerializer,
    )
)
class TargetViewSet(viewsets.ModelViewSet):
    serializer_class = serializers.TargetSerializer
    filterset_class = filters.TargetFilter
    ordering_fields = ["year", "level", "target_luot"]

    def get_queryset(self):
        return selectors.target_list()


@extend_schema_view(
    **crud_schema(
        singular="baseline",
        plural="baselines",
        description="Achieved figures reported for past programmes, shown beside live figures.",
        read=serializers.BaselineSerializer,
    )
)
class BaselineViewSet(viewsets.ModelViewSet):
    serializer_class = serializers.BaselineSerializer
    filterset_class = filters.BaselineFilter
    ordering_fields = ["level", "achieved_luot"]

    def get_queryset(self):
        return selectors.baseline_list()
