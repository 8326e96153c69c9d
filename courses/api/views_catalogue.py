"""The API of accounts, reference data and the curriculum catalogue.

Views only wire selectors, serializers and permissions together; any signed-in user reads and
central admins write (the default permission, ReadAnyWriteCentralAdmin).
"""

from django.contrib.auth import authenticate, update_session_auth_hash
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import status, viewsets
from rest_framework.decorators import action
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView
from rest_framework_simplejwt import views as jwt_views
from rest_framework_simplejwt.exceptions import AuthenticationFailed

from courses.api import filters_catalogue as filters
from courses.api import serializers_catalogue as serializers
from courses.core import throttling, tokens
from courses.core.authentication import SessionAuthentication
from courses.core.errors import DomainError
from courses.core.openapi import crud_schema, error_responses
from courses.core.viewsets import AtomicWritesMixin, ReadWriteModelViewSet
from courses.selectors import catalogue as selectors
from courses.services.accounts import account_password_change

# --- authentication ------------------------------------------------------------------------------


@extend_schema_view(
    post=extend_schema(
        summary="Sign in",
        description="Exchange a username and password for an access token (send it as "
        "`Authorization: Bearer <access>`) and a refresh token. Both end when the account's "
        "password, active state, role or province changes. Failed attempts are counted per "
        "account and per address: past the limit, 429 with `Retry-After` (seconds).",
        request=serializers.CredentialsSerializer,
        responses={
            200: OpenApiResponse(serializers.TokenPairSerializer, description="Signed in."),
            **error_responses(400, 401, 429),
        },
    ),
)
class TokenObtainView(jwt_views.TokenObtainPairView):
    serializer_class = serializers.TokenObtainSerializer
    throttle_classes = [throttling.SignInThrottle]

    def throttled(self, request, wait):
        raise throttling.refused(wait)


@extend_schema_view(
    post=extend_schema(
        summary="Refresh the access token",
        description="Exchange a refresh token for a new access token and a new refresh token; the "
        "old refresh token is revoked. A revoked or expired refresh token gets 401, as does one "
        "issued before the account's password, active state, role or province changed. Refused "
        "tokens are counted per address: past the limit, 429 with `Retry-After` (seconds).",
        request=serializers.RefreshTokenSerializer,
        responses={
            200: OpenApiResponse(serializers.TokenPairSerializer, description="A new pair of tokens."),
            **error_responses(400, 401, 429),
        },
    ),
)
class TokenRefreshView(jwt_views.TokenRefreshView):
    serializer_class = serializers.TokenRefreshSerializer
    throttle_classes = [throttling.RefreshThrottle]

    def post(self, request, *args, **kwargs):
        try:
            return super().post(request, *args, **kwargs)
        except AuthenticationFailed:
            throttling.failed(request, refresh=True)
            raise

    def throttled(self, request, wait):
        raise throttling.refused(wait)


@extend_schema_view(
    post=extend_schema(
        summary="Sign out (revoke a refresh token)",
        description="Revoke a refresh token: refreshing with it afterwards gets 401. Access tokens "
        "already issued stay valid until they expire.",
        request=serializers.RefreshTokenSerializer,
        responses={204: OpenApiResponse(description="Revoked."), **error_responses(400, 401)},
    ),
)
class TokenRevokeView(jwt_views.TokenBlacklistView):
    serializer_class = serializers.TokenRevokeSerializer

    def post(self, request, *args, **kwargs):
        super().post(request, *args, **kwargs)
        return Response(status=status.HTTP_204_NO_CONTENT)


@extend_schema_view(
    get=extend_schema(
        summary="The signed-in user",
        description="Who is signed in, with which role and which part of the data the role reaches "
        "(`scope`). Labels follow the request's language (Accept-Language: vi or en).",
        responses={200: serializers.MeSerializer, **error_responses(401)},
    ),
)
class MeView(APIView):
    permission_classes = [IsAuthenticated]
    # Answers an account that must change its password too: `password_change_required` says so.
    allowed_before_password_change = True

    def get(self, request):
        return Response(serializers.MeSerializer(request.user).data)


@extend_schema_view(
    post=extend_schema(
        summary="Change my password",
        description="The signed-in user replaces their password: `old_password` is the one they signed "
        "in with (a wrong one is counted as a failed sign-in, and refused with 429 past the limit), "
        "`new_password` must pass the password rules (a 400 naming `new_password` says which). The "
        "only endpoint, beside `GET /me`, open to an account whose password someone else set "
        "(`password_change_required`): every other answers it 403 `password_change_required`. Every "
        "token issued before ends; the answer is a new pair.",
        request=serializers.PasswordChangeSerializer,
        responses={
            200: OpenApiResponse(
                serializers.TokenPairSerializer, description="Changed: a new pair of tokens."
            ),
            **error_responses(400, 401, 429),
        },
    ),
)
class MyPasswordView(APIView):
    permission_classes = [IsAuthenticated]
    allowed_before_password_change = True

    def post(self, request):
        serializer = serializers.PasswordChangeSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        user = request.user
        wait = throttling.wait(request, user.username)
        if wait is not None:
            raise throttling.refused(wait)
        # Through the backend: a wrong password counts against the account as a failed sign-in.
        if (
            authenticate(request, username=user.username, password=serializer.validated_data["old_password"])
            is None
        ):
            raise DomainError(
                message=_("Mật khẩu hiện tại không đúng."), field="old_password", code="password_incorrect"
            )
        user = account_password_change(user=user, new_password=serializer.validated_data["new_password"])
        if isinstance(request.successful_authenticator, SessionAuthentication):
            update_session_auth_hash(request._request, user)  # this browser stays signed in
        refresh = tokens.RefreshToken.for_user(user)
        return Response({"access": str(refresh.access_token), "refresh": str(refresh)})


# --- reference data ------------------------------------------------------------------------------


@extend_schema_view(
    **crud_schema(
        singular="position",
        plural="positions",
        description="Job titles (chức danh) of commune officials.",
        read=serializers.PositionSerializer,
    )
)
class PositionViewSet(viewsets.ModelViewSet):
    serializer_class = serializers.PositionSerializer
    filterset_class = filters.PositionFilter
    ordering_fields = ["sort_order", "code", "name_vi"]

    def get_queryset(self):
        return selectors.position_list()


@extend_schema_view(
    **crud_schema(
        singular="province",
        plural="provinces",
        description="Province-level units: the 34 in force since 1 July 2025 and the 63 before. A "
        "legacy province shows the current one it is now part of (`successor`); a current one lists "
        "the legacy ones merged into it (`predecessors`).",
        read=serializers.ProvinceSerializer,
    ),
    mapping=extend_schema(
        summary="The 63 -> 34 province mapping",
        description="Each of the 63 provinces before 1 July 2025 with the current province it is "
        "part of, ordered by the old code. Not paginated.",
        responses={200: serializers.ProvinceMappingSerializer(many=True), **error_responses(401)},
    ),
)
class ProvinceViewSet(AtomicWritesMixin, viewsets.ModelViewSet):
    serializer_class = serializers.ProvinceSerializer
    filterset_class = filters.ProvinceFilter
    ordering_fields = ["code", "name", "valid_from"]

    def get_queryset(self):
        return selectors.province_list()

    @action(detail=False, methods=["get"], pagination_class=None, filter_backends=[])
    def mapping(self, request):
        rows = selectors.province_mapping()
        return Response(serializers.ProvinceMappingSerializer(rows, many=True).data)


@extend_schema_view(
    **crud_schema(
        singular="commune",
        plural="communes",
        description="Commune-level units (xã, phường, đặc khu) of the current provinces.",
        read=serializers.CommuneSerializer,
    )
)
class CommuneViewSet(viewsets.ModelViewSet):
    serializer_class = serializers.CommuneSerializer
    filterset_class = filters.CommuneFilter
    ordering_fields = ["code", "name"]

    def get_queryset(self):
        return selectors.commune_list()


# --- catalogue -----------------------------------------------------------------------------------


@extend_schema_view(
    **crud_schema(
        singular="curriculum",
        plural="curricula",
        description="Curriculum sets (bộ chương trình, tài liệu bồi dưỡng), one row per version. A "
        "list shows each set's total teaching hours; one set shows its topics in teaching order, "
        "its materials and the positions it is for.",
        read=serializers.CurriculumDetailSerializer,
        list_read=serializers.CurriculumListSerializer,
        write=serializers.CurriculumWriteSerializer,
    )
)
class CurriculumViewSet(ReadWriteModelViewSet):
    serializer_class = serializers.CurriculumDetailSerializer
    list_serializer_class = serializers.CurriculumListSerializer
    write_serializer_class = serializers.CurriculumWriteSerializer
    filterset_class = filters.CurriculumFilter
    ordering_fields = ["code", "version", "title_vi", "issued_on"]

    def get_queryset(self):
        return selectors.curriculum_list() if self.action == "list" else selectors.curriculum_detail()


@extend_schema_view(
    **crud_schema(
        singular="topic",
        plural="topics",
        description="Topics (chuyên đề) of the curricula, in teaching order. Topics are written "
        "with their curriculum.",
        read=serializers.TopicSerializer,
        read_only=True,
    )
)
class TopicViewSet(viewsets.ReadOnlyModelViewSet):
    serializer_class = serializers.TopicSerializer
    filterset_class = filters.TopicFilter
    ordering_fields = ["curriculum", "order"]

    def get_queryset(self):
        return selectors.topic_list()
