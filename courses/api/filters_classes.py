"""Query-string filters of the class and session lists; each documents itself in OpenAPI."""

import django_filters as filters

from courses.core.filter_fields import DateTimeFilter, IdFilter, as_id
from courses.core.text import fold
from courses.models import (
    ClassMode,
    ClassSession,
    ClassStatus,
    InstitutionKind,
    Level,
    Position,
    TrainingClass,
    TrainingInstitution,
)
from courses.selectors.classes import curricula_serving_q, province_scope_q


class TrainingClassFilter(filters.FilterSet):
    curriculum = IdFilter(field_name="curriculum_id", help_text="Curriculum version id.")
    curriculum_code = filters.CharFilter(
        field_name="curriculum__code", help_text="Curriculum code (any version)."
    )
    position = filters.CharFilter(
        method="filter_position",
        help_text="Classes whose curriculum serves this position, given by id or by code.",
    )
    mode = filters.ChoiceFilter(choices=ClassMode.choices)
    status = filters.MultipleChoiceFilter(
        choices=ClassStatus.choices, help_text="One or more statuses (repeat the parameter)."
    )
    province = IdFilter(
        method="filter_province",
        help_text="Province id: classes held there, including, for a current province, those held in "
        "the legacy provinces merged into it.",
    )
    organiser_province = IdFilter(
        method="filter_organiser_province", help_text="Organising province id (legacy units rolled up)."
    )
    institution = IdFilter(field_name="institution_id", help_text="Training institution id.")
    programme = IdFilter(field_name="programme_id", help_text="Programme id.")
    level = filters.ChoiceFilter(choices=Level.choices)
    trainer = IdFilter(method="filter_trainer", help_text="Id of a trainer teaching the class.")
    start_from = filters.DateFilter(
        field_name="start_date", lookup_expr="gte", help_text="Starts on or after."
    )
    start_to = filters.DateFilter(
        field_name="start_date", lookup_expr="lte", help_text="Starts on or before."
    )
    end_from = filters.DateFilter(field_name="end_date", lookup_expr="gte", help_text="Ends on or after.")
    end_to = filters.DateFilter(field_name="end_date", lookup_expr="lte", help_text="Ends on or before.")
    search = filters.CharFilter(
        method="filter_search",
        help_text='Part of the code or title, with or without diacritics ("bồi dưỡng" or "boi duong").',
    )

    class Meta:
        model = TrainingClass
        fields = [
            "curriculum",
            "curriculum_code",
            "position",
            "mode",
            "status",
            "province",
            "organiser_province",
            "institution",
            "programme",
            "level",
            "trainer",
            "start_from",
            "start_to",
            "end_from",
            "end_to",
            "search",
        ]

    def filter_position(self, queryset, name, value):
        value = value.strip()
        position_id = as_id(value)
        position = Position.objects.filter(
            **({"pk": position_id} if position_id is not None else {"code": value})
        ).first()
        if position is None:
            return queryset.none()
        return queryset.filter(curricula_serving_q(position.pk))

    def filter_province(self, queryset, name, value):
        return queryset.filter(province_scope_q(int(value), "province"))

    def filter_organiser_province(self, queryset, name, value):
        return queryset.filter(province_scope_q(int(value), "organiser_province"))

    def filter_trainer(self, queryset, name, value):
        through = TrainingClass.trainers.through.objects.filter(user_id=int(value))
        return queryset.filter(pk__in=through.values("trainingclass_id"))

    def filter_search(self, queryset, name, value):
        key = fold(value)
        return queryset.filter(search_text__contains=key) if key else queryset


class ClassSessionFilter(filters.FilterSet):
    training_class = IdFilter(field_name="training_class_id", help_text="Class id.")
    starts_from = DateTimeFilter(
        field_name="starts_at", lookup_expr="gte", help_text="Sessions starting at or after (ISO 8601)."
    )
    starts_to = DateTimeFilter(
        field_name="starts_at", lookup_expr="lte", help_text="Sessions starting at or before (ISO 8601)."
    )

    class Meta:
        model = ClassSession
        fields = ["training_class", "starts_from", "starts_to"]


class InstitutionFilter(filters.FilterSet):
    kind = filters.ChoiceFilter(choices=InstitutionKind.choices, help_text="Central, provincial or other.")
    province = IdFilter(field_name="province_id", help_text="Province id.")

    class Meta:
        model = TrainingInstitution
        fields = ["kind", "province"]
