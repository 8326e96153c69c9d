"""Cell values: the key headings and spelled choices are matched by, and the cell parsers.

Headings and choices are matched ignoring case, Vietnamese diacritics and punctuation (heading_key):
"Số tiết", "SO TIET" and "so tiet (*)" are the same column. The parsers (as_text, as_int, …) take a
non-blank cell value and return the typed value or raise ValueError with a message fit for the
import report; importers turn it into an ErrorItem naming the row and field.
"""

from __future__ import annotations

import datetime
import re
from collections.abc import Mapping
from decimal import Decimal, InvalidOperation
from typing import Any

from django.utils.translation import gettext as _

from courses.core.text import fold, nfc

_NON_ALNUM = re.compile(r"[^a-z0-9]+")


def heading_key(text: str) -> str:
    return _NON_ALNUM.sub(" ", fold(str(text))).strip()


def is_blank(value) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


# Cell parsers: each takes a non-blank cell value and returns the typed value or raises ValueError.


def as_text(value, *, max_length: int | None = None) -> str:
    if isinstance(value, bool):
        raise ValueError(_("Cần giá trị dạng chữ, không phải giá trị đúng/sai."))
    if isinstance(value, datetime.datetime | datetime.date):
        text = value.isoformat()
    elif isinstance(value, float):
        text = format(Decimal(repr(value)).normalize(), "f")
    else:
        text = nfc(str(value))
    if max_length is not None and len(text) > max_length:
        raise ValueError(
            _("Tối đa %(max)d ký tự (hiện có %(length)d).") % {"max": max_length, "length": len(text)}
        )
    return text


def as_int(value, *, minimum: int | None = None, maximum: int | None = None) -> int:
    if isinstance(value, bool):
        raise ValueError(_("Cần một số nguyên."))
    if isinstance(value, int):
        number = value
    else:
        try:
            number = Decimal(str(value).strip())
        except InvalidOperation:
            raise ValueError(_("“%(value)s” không phải là số nguyên.") % {"value": value}) from None
        # "Infinity" and "NaN" parse as decimals; int() of them raises what no importer catches.
        if not number.is_finite() or number != number.to_integral_value():
            raise ValueError(_("“%(value)s” không phải là số nguyên.") % {"value": value})
        number = int(number)
    if minimum is not None and number < minimum:
        raise ValueError(_("Phải từ %(min)d trở lên.") % {"min": minimum})
    if maximum is not None and number > maximum:
        raise ValueError(_("Không được lớn hơn %(max)d.") % {"max": maximum})
    return number


def as_decimal(value, *, decimal_places: int, max_digits: int) -> Decimal:
    if isinstance(value, bool):
        raise ValueError(_("Cần một số."))
    if isinstance(value, float):
        number = Decimal(repr(value))
    elif isinstance(value, int):
        number = Decimal(value)
    else:
        # Vietnamese spreadsheets write the decimal separator as a comma.
        text = str(value).strip().replace(",", ".")
        try:
            number = Decimal(text)
        except InvalidOperation:
            raise ValueError(_("“%(value)s” không phải là số.") % {"value": value}) from None
    if not number.is_finite():
        raise ValueError(_("“%(value)s” không phải là số.") % {"value": value})
    # Before quantize, which raises on a number wider than the decimal context ("1e400").
    if abs(number) >= Decimal(10) ** (max_digits - decimal_places):
        raise ValueError(_("Số quá lớn."))
    if number != number.quantize(Decimal(1).scaleb(-decimal_places)):
        raise ValueError(_("Tối đa %(places)d chữ số thập phân.") % {"places": decimal_places})
    return number


_DATE_FORMATS = ("%d/%m/%Y", "%d-%m-%Y", "%d.%m.%Y", "%Y-%m-%d")


def as_date(value) -> datetime.date:
    """A date from an Excel date cell, dd/mm/yyyy (as written in Vietnam) or ISO yyyy-mm-dd."""
    if isinstance(value, datetime.datetime):
        return value.date()
    if isinstance(value, datetime.date):
        return value
    text = str(value).strip()
    for fmt in _DATE_FORMATS:
        try:
            return datetime.datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    raise ValueError(_("“%(value)s” không phải là ngày: hãy ghi theo dạng dd/mm/yyyy.") % {"value": value})


def as_choice(value, choices: Mapping[str, Any], hint: str):
    """Map a cell to a value through `choices`, keyed by heading_key of each accepted spelling.

    `hint` tells what to write instead, e.g. "write “có” or “không”".
    """
    key = heading_key(as_text(value))
    if key not in choices:
        raise ValueError(_("“%(value)s” không hợp lệ: %(hint)s.") % {"value": value, "hint": hint})
    return choices[key]


_TRUE = {"co", "c", "x", "yes", "y", "true", "1"}
_FALSE = {"khong", "k", "no", "n", "false", "0"}


def as_bool(value) -> bool:
    if isinstance(value, bool):
        return value
    key = heading_key(as_text(value))
    if key in _TRUE:
        return True
    if key in _FALSE:
        return False
    raise ValueError(_("“%(value)s” không phải có hoặc không: hãy ghi “có” hoặc “không”.") % {"value": value})


def split_list(value, separator: str = ";") -> list[str]:
    """Split a cell listing several values; new lines (Alt+Enter in Excel) also separate."""
    text = as_text(value).replace("\n", separator)
    return [part.strip() for part in text.split(separator) if part.strip()]
