"""Query-string filters of the programme, target and baseline lists."""

import django_filters as filters
from django.db.models import Q

from courses.core.filter_fields import IdFilter, YearFilter
from courses.models import Level, Programme
from reporting.models import Baseline, Target
from reporting.selectors import progress as selectors


class ProgrammeFilter(filters.FilterSet):
    code = filters.CharFilter(help_text="Exact programme code.")
    year = YearFilter(method="filter_year", help_text="Programmes running during this year.")

    class Meta:
        model = Programme
        fields = ["code", "year"]

    def filter_year(self, queryset, name, value):
        return queryset.filter(Q(period_start__year__lte=value) & Q(period_end__year__gte=value))


class TargetFilter(filters.FilterSet):
    programme = IdFilter(field_name="programme_id", help_text="Programme id.")
    level = filters.ChoiceFilter(choices=Level.choices, help_text="Who runs the classes counted.")
    province = IdFilter(
        method="filter_province",
        help_text="Province id; a current province also gets the targets of the legacy provinces "
        "merged into it.",
    )
    curriculum = IdFilter(field_name="curriculum_id", help_text="Curriculum id.")
    position = IdFilter(field_name="position_id", help_text="Position id.")
    year = YearFilter(help_text="Year of a yearly target.")

    class Meta:
        model = Target
        fields = ["programme", "level", "province", "curriculum", "position", "year"]

    def filter_province(self, queryset, name, value):
        return selectors.in_province(queryset, value)


class BaselineFilter(filters.FilterSet):
    programme = IdFilter(field_name="programme_id", help_text="Programme id.")
    level = filters.ChoiceFilter(choices=Level.choices, help_text="Who ran the classes counted.")
    province = IdFilter(
        method="filter_province",
        help_text="Province id; a current province also gets the figures of the legacy provinces "
        "merged into it.",
    )

    class Meta:
        model = Baseline
        fields = ["programme", "level", "province"]

    def filter_province(self, queryset, name, value):
        return selectors.in_province(queryset, value)
