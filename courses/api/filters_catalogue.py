"""Query-string filters of the catalogue and reference-data lists (aliases among them); each
documents itself in OpenAPI through its help_text."""

import django_filters as filters
from django.db.models import Q

from courses.core.filter_fields import IdFilter
from courses.core.text import fold
from courses.models import (
    Alias,
    AliasKind,
    AreaType,
    Commune,
    Curriculum,
    CurriculumStatus,
    Position,
    PositionCategory,
    Province,
    Region,
    Topic,
)
from courses.selectors import catalogue as selectors


class PositionFilter(filters.FilterSet):
    category = filters.ChoiceFilter(choices=PositionCategory.choices, help_text="Position group.")
    is_active = filters.BooleanFilter(help_text="Only positions in use (true) or retired (false).")

    class Meta:
        model = Position
        fields = ["category", "is_active"]


class ProvinceFilter(filters.FilterSet):
    status = filters.ChoiceFilter(
        choices=selectors.ProvinceStatus.choices,
        method="filter_status",
        help_text="current: the 34 provinces since 1 July 2025; legacy: the 63 provinces before.",
    )
    region = filters.ChoiceFilter(choices=Region.choices, help_text="Macro-region.")
    code = filters.CharFilter(
        help_text='Statistics-office code, two digits ("06"). Codes are reused across periods: '
        "combine with status to get one unit."
    )

    class Meta:
        model = Province
        fields = ["status", "region", "code"]

    def filter_status(self, queryset, name, value):
        return queryset.current() if value == selectors.ProvinceStatus.CURRENT else queryset.legacy()


class CommuneFilter(filters.FilterSet):
    province = IdFilter(field_name="province_id", help_text="Province id.")
    province_code = filters.CharFilter(
        field_name="province__code", help_text='Code of the (current) province, e.g. "19".'
    )
    area_type = filters.ChoiceFilter(choices=AreaType.choices, help_text="Kind of commune.")
    search = filters.CharFilter(
        method="filter_search",
        help_text='Part of the name, with or without diacritics ("Đà Lạt" or "da lat").',
    )

    class Meta:
        model = Commune
        fields = ["province", "province_code", "area_type", "search"]

    def filter_search(self, queryset, name, value):
        return selectors.commune_search(queryset, value)


class CurriculumFilter(filters.FilterSet):
    position = filters.CharFilter(
        method="filter_position", help_text="Curricula for this position, given by id or by code."
    )
    area_type = filters.ChoiceFilter(choices=AreaType.choices, help_text="Kind of commune served.")
    status = filters.ChoiceFilter(choices=CurriculumStatus.choices, help_text="In force or retired.")
    is_starter = filters.BooleanFilter(
        help_text="Only the starter catalogue (true) or imported sets (false)."
    )
    code = filters.CharFilter(help_text="Exact curriculum code (all its versions).")
    search = filters.CharFilter(
        method="filter_search",
        help_text='Part of the title or code, with or without diacritics ("bồi dưỡng" or "boi duong").',
    )

    class Meta:
        model = Curriculum
        fields = ["position", "area_type", "status", "is_starter", "code", "search"]

    def filter_position(self, queryset, name, value):
        return selectors.curricula_for_position(queryset, value.strip())

    def filter_search(self, queryset, name, value):
        return queryset.search(value)


class TopicFilter(filters.FilterSet):
    curriculum = IdFilter(field_name="curriculum_id", help_text="Curriculum id.")

    class Meta:
        model = Topic
        fields = ["curriculum"]


class AliasFilter(filters.FilterSet):
    kind = filters.ChoiceFilter(choices=AliasKind.choices, help_text="Only aliases of this kind.")
    province = IdFilter(
        field_name="province_id",
        help_text="Province id: commune aliases read in it, province aliases meaning it.",
    )
    is_builtin = filters.BooleanFilter(help_text="Built-in (true) or added by an admin (false).")
    q = filters.CharFilter(
        method="filter_q", help_text="Spelling contains this, ignoring case and diacritics."
    )

    class Meta:
        model = Alias
        fields = ["kind", "province", "is_builtin"]

    def filter_q(self, queryset, name, value):
        words = fold(value).replace(" ", "")
        return queryset.filter(Q(key__contains=words) | Q(spelling__icontains=value.strip()))
