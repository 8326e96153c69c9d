"""Query-string filters of the learner list and the class roster; each documents itself in OpenAPI."""

import django_filters as filters

from courses.filter_fields import IdFilter, as_id
from courses.models import PositionCategory, Province
from courses.selectors_classes import province_scope_q
from enrollment.models import Enrollment, EnrollmentSource, EnrollmentStatus, Gender, Learner
from enrollment.selectors_enrolments import learner_search


class LearnerFilter(filters.FilterSet):
    province = IdFilter(
        method="filter_province",
        help_text="Province id (a legacy province finds the learners of its successor).",
    )
    commune = IdFilter(field_name="commune_id", help_text="Commune id.")
    position = filters.CharFilter(method="filter_position", help_text="Position id or code.")
    category = filters.ChoiceFilter(
        field_name="position__category", choices=PositionCategory.choices, help_text="Position category."
    )
    gender = filters.ChoiceFilter(choices=Gender.choices)
    is_ethnic_minority = filters.BooleanFilter(help_text="Ethnic-minority learners (true) or not (false).")
    training_class = IdFilter(
        method="filter_class", help_text="Learners enrolled (any status) in this class id."
    )
    search = filters.CharFilter(
        method="filter_search",
        help_text='Part of the name, with or without diacritics ("Nguyễn Văn" or "nguyen van"), or digits '
        "of the id number.",
    )

    class Meta:
        model = Learner
        fields = [
            "province",
            "commune",
            "position",
            "category",
            "gender",
            "is_ethnic_minority",
            "training_class",
            "search",
        ]

    def filter_province(self, queryset, name, value):
        province = Province.objects.filter(pk=int(value)).only("id", "successor_id").first()
        if province is None:
            return queryset.none()
        return queryset.filter(province_scope_q(province.successor_id or province.pk, "province"))

    def filter_position(self, queryset, name, value):
        value = value.strip()
        position_id = as_id(value)
        return (
            queryset.filter(position_id=position_id)
            if position_id is not None
            else queryset.filter(position__code=value)
        )

    def filter_class(self, queryset, name, value):
        enrolled = Enrollment.objects.filter(training_class_id=int(value)).values("learner_id")
        return queryset.filter(pk__in=enrolled)

    def filter_search(self, queryset, name, value):
        return learner_search(queryset, value)


class RosterFilter(filters.FilterSet):
    status = filters.MultipleChoiceFilter(
        choices=EnrollmentStatus.choices, help_text="One or more enrolment statuses (repeat the parameter)."
    )
    source = filters.ChoiceFilter(choices=EnrollmentSource.choices)
    search = filters.CharFilter(
        method="filter_search", help_text="Learner name (with or without diacritics) or id digits."
    )

    class Meta:
        model = Enrollment
        fields = ["status", "source", "search"]

    def filter_search(self, queryset, name, value):
        learners = learner_search(Learner.objects.all(), value)
        return queryset.filter(learner_id__in=learners.values("pk"))
