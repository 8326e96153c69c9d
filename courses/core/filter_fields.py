"""Query-string filter types every list uses, each bounded to what Python and PostgreSQL hold.

django-filter's NumberFilter takes any decimal ("1.5", "5e16", twenty digits) and IsoDateTimeFilter
any offset below 24 hours; past the database's or Python's range they failed in the query, as a
500. These fields refuse such a value while the filters are validated, so the answer is a 400 that
names the parameter. `openapi_schema` declares the same bounds in the OpenAPI schema
(courses.core.openapi.BoundedFilterExtension).
"""

from __future__ import annotations

import datetime

import django_filters as filters
from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from django_filters.fields import IsoDateTimeField

# PostgreSQL's bigint: every id column.
ID_MAX = 2**63 - 1
# PostgreSQL's integer: counts (a class's capacity, its planned size); request bodies use it too.
INT_MAX = 2**31 - 1
# The years a programme, a target or a report can be about.
YEAR_MIN, YEAR_MAX = 1900, 2100


def in_utc(moment: datetime.datetime) -> datetime.datetime:
    """The same instant in UTC, or ValueError (with a message fit for the user) when it falls outside
    the years 1-9999 that Python holds.

    Python accepts offsets up to ±23:59 and PostgreSQL only up to ±15:59: sent in UTC, any instant
    Python holds is one PostgreSQL takes.
    """
    try:
        return moment.astimezone(datetime.UTC)
    except OverflowError:
        raise ValueError(_("Thời điểm nằm ngoài khoảng cho phép (năm 1 đến 9999).")) from None


def as_id(value) -> int | None:
    """An id given as a number or as text of ASCII digits, within 1..ID_MAX; None for anything else
    (a code, "²", twenty digits), which then matches nothing."""
    if isinstance(value, bool):
        return None
    if isinstance(value, str):
        value = value.strip()
        if not (value.isascii() and value.isdigit()) or len(value) > len(str(ID_MAX)):
            return None
        value = int(value)
    if isinstance(value, int) and 1 <= value <= ID_MAX:
        return value
    return None


class IdField(forms.IntegerField):
    def __init__(self, **kwargs):
        kwargs.setdefault("min_value", 1)
        kwargs.setdefault("max_value", ID_MAX)
        super().__init__(**kwargs)


class YearField(forms.IntegerField):
    def __init__(self, **kwargs):
        kwargs.setdefault("min_value", YEAR_MIN)
        kwargs.setdefault("max_value", YEAR_MAX)
        super().__init__(**kwargs)


class UtcIsoDateTimeField(IsoDateTimeField):
    def to_python(self, value):
        moment = super().to_python(value)
        if moment is None:
            return None
        try:
            return in_utc(moment)
        except ValueError as error:
            raise ValidationError(str(error), code="invalid") from None


class IdFilter(filters.NumberFilter):
    """The id of an object: a whole number from 1 to PostgreSQL's bigint maximum."""

    field_class = IdField
    openapi_schema = {"type": "integer", "format": "int64", "minimum": 1, "maximum": ID_MAX}


class YearFilter(filters.NumberFilter):
    field_class = YearField
    openapi_schema = {"type": "integer", "minimum": YEAR_MIN, "maximum": YEAR_MAX}


class DateTimeFilter(filters.IsoDateTimeFilter):
    """An ISO 8601 instant; compared in UTC."""

    field_class = UtcIsoDateTimeField
