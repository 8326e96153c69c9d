"""Query-string filters of the learner list and the class roster; each documents itself in OpenAPI."""

import datetime

import django_filters as filters
from django.utils import timezone
from rest_framework.filters import OrderingFilter

from courses.core.filter_fields import IdFilter, as_id
from courses.models import PositionCategory, Province
from courses.selectors.classes import province_scope_q
from enrollment.models import (
    Enrollment,
    EnrollmentSource,
    EnrollmentStatus,
    Gender,
    Learner,
    LearnerDataAccess,
)
from enrollment.selectors.enrollments import learner_search


class LearnerOrdering(OrderingFilter):
    """`ordering=full_name` puts learners in Vietnamese order (Learner.sort_key), not in the
    code-point order of the stored name, which puts every "Đ" after "Vũ"."""

    BY_KEY = {"full_name": "sort_key", "-full_name": "-sort_key"}

    def get_ordering(self, request, queryset, view):
        ordering = super().get_ordering(request, queryset, view)
        if ordering is None:
            return None
        return [self.BY_KEY.get(term, term) for term in ordering]


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
        "of the id number (of a learner shown at the roster level: up to its last four digits).",
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
        return learner_search(queryset, value, reader=self.request.user)


class RosterFilter(filters.FilterSet):
    status = filters.MultipleChoiceFilter(
        choices=EnrollmentStatus.choices, help_text="One or more enrolment statuses (repeat the parameter)."
    )
    source = filters.ChoiceFilter(choices=EnrollmentSource.choices)
    search = filters.CharFilter(
        method="filter_search",
        help_text="Learner name (with or without diacritics) or id digits (of a learner shown at the "
        "roster level: up to its last four digits).",
    )

    class Meta:
        model = Enrollment
        fields = ["status", "source", "search"]

    def filter_search(self, queryset, name, value):
        learners = learner_search(Learner.objects.all(), value, reader=self.request.user)
        return queryset.filter(learner_id__in=learners.values("pk"))


def _start_of_local_day(day: datetime.date) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))


class LearnerDataAccessFilter(filters.FilterSet):
    learner = filters.NumberFilter(field_name="learner_id", help_text="Learner id: who was read.")
    reader = filters.NumberFilter(field_name="reader_id", help_text="User id: who read.")
    training_class = filters.NumberFilter(
        field_name="training_class_id", help_text="Class id: read through this class."
    )
    endpoint = filters.CharFilter(help_text="Route name, e.g. `class-roster` or `learner-detail`.")
    since = filters.DateFilter(method="filter_since", help_text="On or after this day (Vietnam time).")
    until = filters.DateFilter(method="filter_until", help_text="On or before this day (Vietnam time).")

    class Meta:
        model = LearnerDataAccess
        fields = ["learner", "reader", "training_class", "endpoint", "since", "until"]

    # Bounds on the indexed column rather than a date function of it.
    def filter_since(self, queryset, name, value):
        return queryset.filter(at__gte=_start_of_local_day(value))

    def filter_until(self, queryset, name, value):
        if value >= datetime.date.max:
            return queryset
        return queryset.filter(at__lt=_start_of_local_day(value + datetime.timedelta(days=1)))
