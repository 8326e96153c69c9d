"""Allocations (chỉ tiêu giao) as the API reads and writes them, with their history."""

from __future__ import annotations

from rest_framework import serializers

from courses.api.serializers_catalogue import ProvinceSummarySerializer
from courses.core.write_fields import StrictWriteMixin
from courses.models import Programme, Province
from reporting.api.serializers import ProgrammeSummarySerializer
from reporting.models import AllocationScope, RevisionAction, Target, TargetRevision
from reporting.selectors.allocations import scope_of


def _figure_fields(*, luot_required: bool) -> dict:
    """The figures of an allocation, fresh fields for each serializer."""
    whole = {"min_value": 0, "max_value": 2_000_000_000}
    return {
        "target_luot": serializers.IntegerField(**whole, required=luot_required, help_text="Lượt allocated."),
        "target_classes": serializers.IntegerField(
            **whole, required=False, allow_null=True, help_text="Classes planned."
        ),
        "target_learners": serializers.IntegerField(
            **whole, required=False, allow_null=True, help_text="Learners (people) planned."
        ),
        "budget_million_vnd": serializers.DecimalField(
            max_digits=14,
            decimal_places=1,
            min_value=0,
            required=False,
            allow_null=True,
            help_text="Budget, million VND.",
        ),
        "note": serializers.CharField(max_length=2000, required=False, allow_blank=True, allow_null=True),
    }


class AllocationSerializer(serializers.ModelSerializer):
    programme = ProgrammeSummarySerializer(read_only=True)
    scope = serializers.SerializerMethodField()
    province = ProvinceSummarySerializer(read_only=True, allow_null=True)
    history_url = serializers.SerializerMethodField()

    class Meta:
        model = Target
        fields = [
            "id",
            "programme",
            "scope",
            "province",
            "year",
            "target_luot",
            "target_classes",
            "target_learners",
            "budget_million_vnd",
            "note",
            "history_url",
        ]
        read_only_fields = fields

    def get_scope(self, target) -> str:
        return str(scope_of(target))

    def get_history_url(self, target) -> str:
        from django.urls import reverse

        path = reverse("allocation-history", args=[target.pk])
        request = self.context.get("request")
        return request.build_absolute_uri(path) if request is not None else path


class AllocationCreateSerializer(StrictWriteMixin, serializers.Serializer):
    programme_id = serializers.PrimaryKeyRelatedField(
        queryset=Programme.objects.all(), help_text="Programme id."
    )
    scope = serializers.ChoiceField(
        choices=AllocationScope.choices,
        help_text="province: one province's allocation; central: the central training institutions as a group.",
    )
    province_id = serializers.PrimaryKeyRelatedField(
        queryset=Province.objects.all(),
        required=False,
        allow_null=True,
        help_text="Province id (current or legacy); required for scope province, empty for central.",
    )
    year = serializers.IntegerField(
        min_value=1900,
        max_value=2200,
        required=False,
        allow_null=True,
        help_text="A year of the period; empty for the whole period.",
    )

    def get_fields(self):
        return {**super().get_fields(), **_figure_fields(luot_required=True)}


class AllocationUpdateSerializer(StrictWriteMixin, serializers.Serializer):
    """Only the figures change; the scope and year of an allocation stay."""

    def get_fields(self):
        return _figure_fields(luot_required=False)


class AllocationRevisionSerializer(serializers.ModelSerializer):
    action = serializers.ChoiceField(choices=RevisionAction.choices, read_only=True)
    changed_by = serializers.SerializerMethodField(help_text="Who made the change; null for the system.")
    previous = serializers.DictField(
        allow_null=True, read_only=True, help_text="The figures before the change; null when created."
    )

    class Meta:
        model = TargetRevision
        fields = [
            "id",
            "action",
            "changed_at",
            "changed_by",
            "source",
            "target_luot",
            "target_classes",
            "target_learners",
            "budget_million_vnd",
            "note",
            "previous",
        ]
        read_only_fields = fields

    def get_changed_by(self, revision) -> dict | None:
        user = revision.changed_by
        if user is None:
            return None
        return {"id": user.pk, "name": user.get_full_name() or user.get_username()}


class AllocationImportParamsSerializer(serializers.Serializer):
    programme_id = serializers.IntegerField(min_value=1, help_text="The programme the sheet allocates.")
    year = serializers.IntegerField(
        min_value=1900,
        max_value=2200,
        required=False,
        allow_null=True,
        help_text="The year of rows that name none; empty for the whole period.",
    )


class AllocationFilterSerializer(serializers.Serializer):
    programme = serializers.IntegerField(min_value=1, required=False)
    year = serializers.IntegerField(min_value=0, max_value=2200, required=False)
    scope = serializers.ChoiceField(choices=AllocationScope.choices, required=False)
    province = serializers.IntegerField(min_value=1, required=False)
