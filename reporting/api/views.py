"""The API of programmes, their targets and historical baselines, and of certificates.

Any signed-in user reads programmes, targets and baselines; central admins write them (the
default permission, ReadAnyWriteCentralAdmin). Certificates verify publicly; learners read their
own certificates and progress.
"""

from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound
from rest_framework.generics import ListAPIView
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.response import Response
from rest_framework.throttling import AnonRateThrottle
from rest_framework.views import APIView

from courses.core.openapi import crud_schema, error_responses
from courses.core.viewsets import AtomicWritesMixin
from reporting.api import filters, serializers, serializers_reports
from reporting.selectors import progress as selectors
from reporting.services.closes import programme_close
from reporting.services.programmes import target_create, target_delete, target_update


@extend_schema_view(
    **crud_schema(
        singular="programme",
        plural="programmes",
        description="National programmes (đề án) adopted by a decision, over a period, with the "
        "levels that run their classes.",
        read=serializers.ProgrammeSerializer,
    )
)
class ProgrammeViewSet(AtomicWritesMixin, viewsets.ModelViewSet):
    serializer_class = serializers.ProgrammeSerializer
    filterset_class = filters.ProgrammeFilter
    ordering_fields = ["code", "period_start", "period_end"]

    def get_queryset(self):
        return selectors.programme_list()

    @extend_schema(
        operation_id="programmes_close",
        summary="Close a programme's period",
        description="Close the period as of a date (central admins only): its final report "
        "(GET /reports/final) is frozen with the summary figures of the nation and of every current "
        "province as they stand now. Closing again gives 409 (reopening is not offered); a date "
        "after today or before the period starts gives 400 on closed_on. A period not yet ended may "
        "be closed as of an earlier date.",
        request=serializers_reports.ProgrammeCloseSerializer,
        responses={
            201: serializers_reports.PeriodCloseSerializer,
            **error_responses(400, 401, 403, 404, 409),
        },
    )
    @action(detail=True, methods=["post"], url_path="close")
    def close(self, request, pk=None):
        programme = self.get_object()
        body = serializers_reports.ProgrammeCloseSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        close = programme_close(programme=programme, closed_by=request.user, **body.validated_data)
        return Response(serializers_reports.PeriodCloseSerializer(close).data, status=status.HTTP_201_CREATED)


@extend_schema_view(
    **crud_schema(
        singular="target",
        plural="targets",
        description="How many lượt (person-times) a programme aims for at one level, optionally "
        "narrowed to a province, curriculum, position or year. One target per scope. A province's "
        "targets (its allocation) are read only by central admins and that province's admin; "
        "national targets by anyone signed in.",
        read=serializers.TargetSerializer,
    )
)
class TargetViewSet(AtomicWritesMixin, viewsets.ModelViewSet):
    serializer_class = serializers.TargetSerializer
    filterset_class = filters.TargetFilter
    ordering_fields = ["year", "level", "target_luot"]

    def get_queryset(self):
        return selectors.target_list(self.request.user)

    def perform_create(self, serializer):
        serializer.instance = target_create(data=serializer.validated_data, user=self.request.user)

    def perform_update(self, serializer):
        serializer.instance = target_update(
            target=serializer.instance, data=serializer.validated_data, user=self.request.user
        )

    def perform_destroy(self, instance):
        target_delete(target=instance, user=self.request.user)


@extend_schema_view(
    **crud_schema(
        singular="baseline",
        plural="baselines",
        description="Achieved figures reported for past programmes, shown beside live figures.",
        read=serializers.BaselineSerializer,
    )
)
class BaselineViewSet(AtomicWritesMixin, viewsets.ModelViewSet):
    serializer_class = serializers.BaselineSerializer
    filterset_class = filters.BaselineFilter
    ordering_fields = ["level", "achieved_luot"]

    def get_queryset(self):
        return selectors.baseline_list()


# --- certificates and learners' progress (issue 4) ---------------------------------------------


class CertificateVerifyThrottle(AnonRateThrottle):
    # Codes carry 122 or more random bits, so guessing is hopeless; this keeps floods off the database.
    rate = "60/minute"


class CertificateVerifyView(APIView):
    """Public: anyone holding a certificate's code checks it here."""

    permission_classes = [AllowAny]
    # No authentication at all: a stale token in the caller's browser must not turn this into a 401.
    authentication_classes: list = []
    throttle_classes = [CertificateVerifyThrottle]

    @extend_schema(
        summary="Verify a certificate",
        description="Public, no sign-in. Shows the learner's name, the curriculum, the class and the "
        "dates of a valid certificate (giấy chứng nhận), and nothing else. An unknown or revoked "
        "code gives 404.",
        parameters=[
            OpenApiParameter(
                "code",
                str,
                OpenApiParameter.PATH,
                description="The verification code printed on the certificate.",
            )
        ],
        responses={200: serializers.CertificateVerificationSerializer, **error_responses(404)},
    )
    def get(self, request, code: str):
        certificate = selectors.certificate_to_verify(code)
        if certificate is None:
            raise NotFound(_("Không có giấy chứng nhận hợp lệ với mã này."))
        return Response(serializers.CertificateVerificationSerializer(certificate).data)


class CertificateVerifyByNumberView(APIView):
    """Public: anyone holding a printed certificate checks it by its number and holder's name."""

    permission_classes = [AllowAny]
    authentication_classes: list = []
    # The same budget as the code route: a number is short, so floods are kept off by the name
    # the asker must also give (reporting.selectors.progress.certificate_to_verify_by_number) and this rate.
    throttle_classes = [CertificateVerifyThrottle]

    @extend_schema(
        summary="Verify a certificate by its number",
        operation_id="certificates_verify_by_number",
        description="Public, no sign-in. For a certificate without its verification code at hand: its "
        "printed number (`number`) and the holder's full name (`name`) together. Answers the same "
        "fields as the verification by code, and nothing else. An unknown or revoked number, or a "
        "name that is not the holder's, gives the same 404: numbers follow each other, so the name "
        "is what stops anyone from walking through them to list who holds a certificate.",
        parameters=[serializers.CertificateNumberQuerySerializer],
        responses={200: serializers.CertificateVerificationSerializer, **error_responses(400, 404)},
    )
    def get(self, request):
        query = serializers.CertificateNumberQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        certificate = selectors.certificate_to_verify_by_number(
            query.validated_data["number"], query.validated_data["name"]
        )
        if certificate is None:
            raise NotFound(_("Không có giấy chứng nhận hợp lệ mang số hiệu này cấp cho người này."))
        return Response(serializers.CertificateVerificationSerializer(certificate).data)


@extend_schema(
    summary="My certificates",
    description="The signed-in learner's valid certificates, newest first, each with its number, "
    "verification code and class. Other users get an empty list.",
    responses={200: serializers.MyCertificateSerializer(many=True), **error_responses(401)},
)
class MyCertificateListView(ListAPIView):
    permission_classes = [IsAuthenticated]
    serializer_class = serializers.MyCertificateSerializer
    filter_backends: list = []

    def get_queryset(self):
        return selectors.certificates_of_user(self.request.user)


@extend_schema(
    summary="My progress as counted in the reports",
    description="The signed-in learner's enrolments as the progress reports count them: attendance "
    "percentage (live while the class runs) under the completion rule of the class's programme, the "
    "percentage that rule asks for, score, outcome and lượt. Other users get an empty list. Figures "
    "are recomputed in the background seconds after each change: see computed_at.",
    responses={200: serializers.CountedProgressSerializer(many=True), **error_responses(401)},
)
class MyProgressListView(ListAPIView):
    permission_classes = [IsAuthenticated]
    serializer_class = serializers.CountedProgressSerializer
    filter_backends: list = []

    def get_queryset(self):
        return selectors.enrollment_progress_of_user(self.request.user)
