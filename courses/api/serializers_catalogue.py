"""API representations of users, reference data and the curriculum catalogue.

Reads and writes of curricula use separate serializers: a read shows labels and nested summaries,
a write takes codes and is saved through `curriculum_upsert`.
"""

from __future__ import annotations

from decimal import Decimal

from django.db import transaction
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers
from rest_framework_simplejwt import serializers as jwt_serializers

from courses.core import tokens
from courses.core.authentication import token_account
from courses.core.write_fields import StrictWriteMixin
from courses.models import (
    AreaType,
    Commune,
    Curriculum,
    CurriculumStatus,
    Material,
    MaterialKind,
    Position,
    Province,
    Topic,
    User,
)
from courses.selectors import catalogue as selectors
from courses.services.catalogue import curriculum_upsert


class ProvinceSummarySerializer(serializers.ModelSerializer):
    class Meta:
        model = Province
        fields = ["id", "code", "name"]


class PositionSummarySerializer(serializers.ModelSerializer):
    class Meta:
        model = Position
        fields = ["id", "code", "name_vi", "name_en"]


# --- users ---------------------------------------------------------------------------------------


class ScopeSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(
        choices=selectors.ScopeKind.choices,
        help_text="national: everything (central admin); province: one province's data (provincial "
        "admin); own: the user's own classes and records (learner, trainer).",
    )
    province = ProvinceSummarySerializer(allow_null=True, help_text="The province of a provincial scope.")


class MeSerializer(serializers.ModelSerializer):
    role_label = serializers.CharField(
        source="get_role_display", help_text="The role, in the request's language."
    )
    province = ProvinceSummarySerializer(allow_null=True)
    scope = serializers.SerializerMethodField()

    class Meta:
        model = User
        fields = [
            "id",
            "username",
            "full_name",
            "email",
            "role",
            "role_label",
            "province",
            "scope",
            "password_change_required",
        ]
        extra_kwargs = {
            "password_change_required": {
                "help_text": "true: the password was set by someone else; every other endpoint answers "
                "403 password_change_required until it is changed (POST /api/v1/me/password)."
            }
        }

    @extend_schema_field(ScopeSerializer)
    def get_scope(self, user):
        return ScopeSerializer(selectors.user_scope(user)).data


# The token endpoints are simplejwt's, with tokens that carry the account's token generation.


class TokenObtainSerializer(StrictWriteMixin, jwt_serializers.TokenObtainPairSerializer):
    token_class = tokens.RefreshToken


class TokenRefreshSerializer(StrictWriteMixin, jwt_serializers.TokenRefreshSerializer):
    """simplejwt's refresh (the token checked, revoked and a new one issued), for an account that
    may still use it: active, and at the token's generation."""

    token_class = tokens.RefreshToken

    def validate(self, attrs):
        token_account(self.token_class(attrs["refresh"]))
        return super().validate(attrs)


class TokenRevokeSerializer(StrictWriteMixin, jwt_serializers.TokenBlacklistSerializer):
    """simplejwt's revocation of a refresh token."""


class PasswordChangeSerializer(StrictWriteMixin, serializers.Serializer):
    old_password = serializers.CharField(
        style={"input_type": "password"}, max_length=128, help_text="The password signed in with."
    )
    new_password = serializers.CharField(
        style={"input_type": "password"},
        max_length=128,
        help_text="The password chosen: checked by the password rules (length, not common, not all "
        "digits, not like the account's name).",
    )


# These describe the token endpoints' bodies in the OpenAPI schema.


class CredentialsSerializer(serializers.Serializer):
    username = serializers.CharField()
    password = serializers.CharField(style={"input_type": "password"})


class RefreshTokenSerializer(serializers.Serializer):
    refresh = serializers.CharField(help_text="A refresh token.")


class TokenPairSerializer(serializers.Serializer):
    access = serializers.CharField(help_text="Short-lived token for the Authorization: Bearer header.")
    refresh = serializers.CharField(help_text="Longer-lived token to get new access tokens; single use.")


# --- reference data ------------------------------------------------------------------------------


class PositionSerializer(StrictWriteMixin, serializers.ModelSerializer):
    category_label = serializers.CharField(source="get_category_display", read_only=True)

    class Meta:
        model = Position
        fields = ["id", "code", "name_vi", "name_en", "category", "category_label", "sort_order", "is_active"]


class ProvinceSerializer(StrictWriteMixin, serializers.ModelSerializer):
    """A province-level unit over the period it is in force."""

    status = serializers.SerializerMethodField(help_text="current (since 1 July 2025) or legacy.")
    region_label = serializers.CharField(source="get_region_display", read_only=True)
    successor = ProvinceSummarySerializer(
        read_only=True, allow_null=True, help_text="The current province a legacy one is now part of."
    )
    successor_id = serializers.PrimaryKeyRelatedField(
        source="successor",
        queryset=Province.objects.current(),
        allow_null=True,
        required=False,
        write_only=True,
        help_text="Id of the current province a legacy one is now part of.",
    )
    predecessors = ProvinceSummarySerializer(
        many=True, read_only=True, help_text="Legacy provinces merged into a current one."
    )

    class Meta:
        model = Province
        fields = [
            "id",
            "code",
            "name",
            "codename",
            "division_type",
            "region",
            "region_label",
            "valid_from",
            "valid_until",
            "status",
            "successor",
            "successor_id",
            "predecessors",
        ]

    @extend_schema_field(serializers.ChoiceField(choices=selectors.ProvinceStatus.choices))
    def get_status(self, province):
        return selectors.ProvinceStatus.CURRENT if province.is_current else selectors.ProvinceStatus.LEGACY

    def validate(self, attrs):
        def value(name):
            return attrs.get(name, getattr(self.instance, name, None))

        valid_from, valid_until, successor = value("valid_from"), value("valid_until"), value("successor")
        if valid_until and valid_from and valid_until < valid_from:
            raise serializers.ValidationError(
                {"valid_until": _("Ngày hết hiệu lực không được trước ngày có hiệu lực.")}
            )
        if successor is not None and valid_until is None:
            raise serializers.ValidationError(
                {"successor_id": _("Chỉ đơn vị đã hết hiệu lực mới có đơn vị kế thừa.")}
            )
        if successor is not None and self.instance is not None and successor.pk == self.instance.pk:
            raise serializers.ValidationError({"successor_id": _("Một đơn vị không thể kế thừa chính nó.")})
        return attrs


class ProvinceMappingSerializer(serializers.Serializer):
    legacy = ProvinceSummarySerializer(source="*", help_text="One of the 63 provinces before 1 July 2025.")
    current = ProvinceSummarySerializer(
        source="successor",
        allow_null=True,
        help_text="The province it is part of now; null while no successor is recorded for it.",
    )


class CommuneSerializer(StrictWriteMixin, serializers.ModelSerializer):
    """A commune of a current province."""

    province = ProvinceSummarySerializer(read_only=True)
    province_id = serializers.PrimaryKeyRelatedField(
        source="province",
        queryset=Province.objects.current(),
        write_only=True,
        help_text="Id of the current province the commune belongs to.",
    )
    area_type_label = serializers.CharField(source="get_area_type_display", read_only=True)

    class Meta:
        model = Commune
        fields = [
            "id",
            "code",
            "name",
            "codename",
            "division_type",
            "province",
            "province_id",
            "area_type",
            "area_type_label",
        ]


# --- catalogue: reads ----------------------------------------------------------------------------


class TopicSerializer(serializers.ModelSerializer):
    class Meta:
        model = Topic
        fields = ["id", "curriculum", "order", "title_vi", "title_en", "hours"]


class CurriculumTopicSerializer(serializers.ModelSerializer):
    class Meta:
        model = Topic
        fields = ["id", "order", "title_vi", "title_en", "hours"]


class MaterialSerializer(serializers.ModelSerializer):
    kind_label = serializers.CharField(source="get_kind_display", read_only=True)

    class Meta:
        model = Material
        fields = ["id", "order", "kind", "kind_label", "title", "url"]


class CurriculumListSerializer(serializers.ModelSerializer):
    area_type_label = serializers.CharField(source="get_area_type_display", read_only=True)
    status_label = serializers.CharField(source="get_status_display", read_only=True)
    positions = PositionSummarySerializer(many=True, read_only=True)
    total_hours = serializers.SerializerMethodField(help_text="Sum of the topics' teaching hours (tiết).")

    class Meta:
        model = Curriculum
        fields = [
            "id",
            "code",
            "version",
            "title_vi",
            "title_en",
            "area_type",
            "area_type_label",
            "status",
            "status_label",
            "is_starter",
            "has_final_assessment",
            "issued_on",
            "issued_by",
            "positions",
            "total_hours",
        ]

    # A decimal as text, as DRF writes every decimal of this API (topics' hours included).
    @extend_schema_field(serializers.DecimalField(max_digits=7, decimal_places=1))
    def get_total_hours(self, curriculum) -> str:
        # The annotation is NULL for a curriculum without topics; reading the property then would
        # cost one query per row.
        if hasattr(curriculum, "total_hours_sum"):
            hours = curriculum.total_hours_sum or Decimal(0)
        else:
            hours = curriculum.total_hours
        return f"{Decimal(hours):.1f}"


class CurriculumDetailSerializer(CurriculumListSerializer):
    topics = CurriculumTopicSerializer(many=True, read_only=True)
    materials = MaterialSerializer(many=True, read_only=True)

    class Meta(CurriculumListSerializer.Meta):
        fields = [
            *CurriculumListSerializer.Meta.fields,
            "description",
            "topics",
            "materials",
            "created_at",
            "updated_at",
        ]


# --- catalogue: writes ---------------------------------------------------------------------------


class TopicWriteSerializer(serializers.Serializer):
    order = serializers.IntegerField(min_value=1, max_value=32767, help_text="Teaching order, from 1.")
    title_vi = serializers.CharField(max_length=300)
    title_en = serializers.CharField(max_length=300, required=False, allow_blank=True, default="")
    hours = serializers.DecimalField(max_digits=5, decimal_places=1, help_text="Teaching hours (tiết), > 0.")

    def validate_hours(self, value):
        if value <= 0:
            raise serializers.ValidationError(_("Số tiết phải lớn hơn 0."))
        return value


class MaterialWriteSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=MaterialKind.choices)
    title = serializers.CharField(max_length=300)
    url = serializers.URLField(max_length=500, required=False, allow_blank=True, default="")


class CurriculumWriteSerializer(StrictWriteMixin, serializers.Serializer):
    """A curriculum version with its topics and materials, replaced as a whole.

    `code` and `version` identify the version and cannot change once created; a new version is a
    new curriculum. Materials are ordered as listed.
    """

    code = serializers.SlugField(max_length=50)
    version = serializers.IntegerField(min_value=1, max_value=32767, default=1)
    title_vi = serializers.CharField(max_length=300)
    title_en = serializers.CharField(max_length=300, required=False, allow_blank=True, default="")
    description = serializers.CharField(required=False, allow_blank=True, default="")
    area_type = serializers.ChoiceField(
        choices=AreaType.choices,
        required=False,
        allow_blank=True,
        default="",
        help_text="Blank when the set serves both kinds of commune.",
    )
    issued_on = serializers.DateField(required=False, allow_null=True, default=None)
    issued_by = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    status = serializers.ChoiceField(choices=CurriculumStatus.choices, default=CurriculumStatus.ACTIVE)
    has_final_assessment = serializers.BooleanField(default=False)
    positions = serializers.ListField(
        child=serializers.SlugField(max_length=50),
        required=False,
        default=list,
        help_text="Codes of the positions the set is for.",
    )
    topics = TopicWriteSerializer(many=True, required=False, default=list)
    materials = MaterialWriteSerializer(many=True, required=False, default=list)

    def validate_positions(self, codes):
        found = {p.code: p for p in Position.objects.filter(code__in=codes)}
        errors = {
            i: [_("Không có chức danh mã “%(code)s”.") % {"code": c}]
            for i, c in enumerate(codes)
            if c not in found
        }
        if errors:
            raise serializers.ValidationError(errors)
        return [found[c] for c in dict.fromkeys(codes)]

    def validate_topics(self, topics):
        seen: set[int] = set()
        errors = {}
        for index, topic in enumerate(topics):
            if topic["order"] in seen:
                errors[index] = {"order": [_("Thứ tự chuyên đề bị trùng.")]}
            seen.add(topic["order"])
        if errors:
            raise serializers.ValidationError(errors)
        return topics

    def validate(self, attrs):
        if self.instance is not None:
            # Changing the identity would write another version instead of this one.
            for name in ("code", "version"):
                if name in attrs and attrs[name] != getattr(self.instance, name):
                    raise serializers.ValidationError(
                        {name: _("Không đổi được mã, phiên bản; hãy tạo phiên bản mới.")}
                    )
        else:
            taken = Curriculum.objects.filter(code=attrs["code"], version=attrs["version"]).exists()
            if taken:
                raise serializers.ValidationError({"version": _("Phiên bản này của bộ chương trình đã có.")})
        return attrs

    @transaction.atomic
    def create(self, validated_data):
        return curriculum_upsert(data=validated_data, is_starter=False)

    @transaction.atomic
    def update(self, instance, validated_data):
        # curriculum_upsert replaces the whole version: start from what is stored so that a
        # partial update keeps the fields it leaves out.
        data = {**selectors.curriculum_as_data(instance), **validated_data}
        return curriculum_upsert(data=data, is_starter=False)
