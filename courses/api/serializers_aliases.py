"""Aliases (courses.Alias) as the API shows and takes them."""

from django.utils.translation import gettext as _
from rest_framework import serializers

from courses.api.serializers_catalogue import PositionSummarySerializer, ProvinceSummarySerializer
from courses.core.write_fields import StrictWriteMixin
from courses.models import Alias, AliasKind, Commune, Position, Province
from courses.selectors.vocabularies import GENDER_VALUES, official_ethnicity


class AliasCommuneSerializer(serializers.ModelSerializer):
    class Meta:
        model = Commune
        fields = ["id", "code", "name"]


class AliasSerializer(serializers.ModelSerializer):
    kind_label = serializers.CharField(source="get_kind_display", read_only=True)
    position = PositionSummarySerializer(read_only=True, allow_null=True)
    province = ProvinceSummarySerializer(
        read_only=True,
        allow_null=True,
        help_text="Kind province: the province meant. Kind commune: the province in which the spelling is read.",
    )
    commune = AliasCommuneSerializer(read_only=True, allow_null=True)
    target_label = serializers.CharField(read_only=True, help_text="What the spelling stands for, as shown.")
    created_by = serializers.SlugRelatedField(slug_field="username", read_only=True, allow_null=True)

    class Meta:
        model = Alias
        fields = [
            "id",
            "kind",
            "kind_label",
            "spelling",
            "key",
            "position",
            "province",
            "commune",
            "value",
            "target_label",
            "note",
            "is_builtin",
            "created_by",
            "created_at",
        ]


class AliasWriteSerializer(StrictWriteMixin, serializers.Serializer):
    """One new spelling and what it stands for: a position (kind position), a province (kind
    province), a commune (kind commune), or a value (kind ethnicity: one of the 54 official names;
    kind gender: male, female or other)."""

    kind = serializers.ChoiceField(choices=AliasKind.choices)
    spelling = serializers.CharField(max_length=200)
    position = serializers.SlugRelatedField(
        slug_field="code", queryset=Position.objects.all(), required=False, help_text="Position code."
    )
    province = serializers.PrimaryKeyRelatedField(
        queryset=Province.objects.all(), required=False, help_text="Province id (current or legacy)."
    )
    commune = serializers.SlugRelatedField(
        slug_field="code",
        queryset=Commune.objects.all(),
        required=False,
        help_text="Commune code (5 digits).",
    )
    value = serializers.CharField(max_length=50, required=False, allow_blank=True, default="")
    note = serializers.CharField(max_length=300, required=False, allow_blank=True, default="")

    _TARGET = {
        AliasKind.POSITION: "position",
        AliasKind.PROVINCE: "province",
        AliasKind.COMMUNE: "commune",
        AliasKind.ETHNICITY: "value",
        AliasKind.GENDER: "value",
    }

    def validate(self, attrs):
        kind = attrs["kind"]
        target = self._TARGET[kind]
        for name in ("position", "province", "commune", "value"):
            given = attrs.get(name) not in (None, "")
            if name == target and not given:
                raise serializers.ValidationError({name: _("Phải ghi với loại này.")})
            if name != target and given:
                raise serializers.ValidationError({name: _("Không dùng với loại này.")})
        if kind == AliasKind.GENDER and attrs["value"] not in GENDER_VALUES:
            raise serializers.ValidationError({"value": _("Hãy ghi male, female hoặc other.")})
        if kind == AliasKind.ETHNICITY:
            official = official_ethnicity(attrs["value"])
            if official is None:
                raise serializers.ValidationError(
                    {"value": _("Hãy ghi một trong 54 tên dân tộc chính thức.")}
                )
            attrs["value"] = official
        if (
            not attrs["spelling"].strip()
            or not Alias(kind=kind, spelling=attrs["spelling"]).key_for_spelling()
        ):
            raise serializers.ValidationError({"spelling": _("Không có chữ hay số nào để so khớp.")})
        return attrs
