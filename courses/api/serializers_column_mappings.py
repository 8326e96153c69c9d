"""API representations of saved column mappings (courses.services.column_mappings)."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from courses.api.serializers_catalogue import ProvinceSummarySerializer
from courses.api.serializers_classes import InstitutionSummarySerializer
from courses.core.write_fields import StrictWriteMixin
from courses.models import ColumnMapping, MappingKind, Province, TrainingInstitution
from courses.services.column_mappings import HEADING_MAX_LENGTH, MAX_HEADINGS, column_mapping_may_change

MAPPING_HELP = (
    '{heading as written in the file: field}, e.g. {"Tên cán bộ": "full_name", "Mã định danh": '
    f'"national_id"}}. At most {MAX_HEADINGS} headings of up to {HEADING_MAX_LENGTH} characters; each '
    "field must be one of the kind's fields (the `field` of each column in the file layout of its "
    "upload endpoint). Headings are matched ignoring case, diacritics and punctuation."
)


@extend_schema_field(
    {"type": "object", "additionalProperties": {"type": "string"}, "maxProperties": MAX_HEADINGS}
)
class MappingField(serializers.JSONField):
    """A JSON object of headings to fields; checked against the kind by the service."""


class ColumnMappingSerializer(serializers.ModelSerializer):
    kind = serializers.ChoiceField(choices=MappingKind.choices, help_text="The kind of file it reads.")
    mapping = MappingField(help_text=MAPPING_HELP)
    province = ProvinceSummarySerializer(
        allow_null=True, help_text="null with `institution` null: a national mapping."
    )
    institution = InstitutionSummarySerializer(
        allow_null=True, help_text="The training institution it belongs to (then `province` is null)."
    )
    created_by_name = serializers.SerializerMethodField()
    may_change = serializers.SerializerMethodField(
        help_text="Whether the caller may change or delete it (see the endpoint's rules)."
    )

    class Meta:
        model = ColumnMapping
        fields = [
            "id",
            "name",
            "kind",
            "mapping",
            "province",
            "institution",
            "created_by",
            "created_by_name",
            "created_at",
            "updated_at",
            "may_change",
        ]
        read_only_fields = fields

    def get_created_by_name(self, obj) -> str:
        return str(obj.created_by) if obj.created_by_id else ""

    def get_may_change(self, obj) -> bool:
        request = self.context.get("request")
        return bool(request and column_mapping_may_change(request.user, obj))


# Validated into the arguments of column_mapping_create and column_mapping_update (`source`).
class ColumnMappingWriteSerializer(StrictWriteMixin, serializers.Serializer):
    name = serializers.CharField(
        max_length=100, help_text="Unique among the mappings of its kind and province (or institution)."
    )
    kind = serializers.ChoiceField(choices=MappingKind.choices)
    mapping = MappingField(help_text=MAPPING_HELP)
    province_id = serializers.PrimaryKeyRelatedField(
        source="province",
        queryset=Province.objects.current(),
        allow_null=True,
        required=False,
        help_text="Central admins: the province it is for, null (or left out) for a national mapping. "
        "Trainers and provincial admins: left out or their own province. Not with `institution_id`.",
    )
    institution_id = serializers.PrimaryKeyRelatedField(
        source="institution",
        queryset=TrainingInstitution.objects.all(),
        allow_null=True,
        required=False,
        help_text="The training institution it is for (instead of a province): trainers for an "
        "institution organising a class they train, provincial admins for one of their province, "
        "central admins for any. Giving both `province_id` and `institution_id` is 400.",
    )
